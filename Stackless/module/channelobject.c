/* stackless.channel: the type and its Python face (user guide,
 * "Channels").  The queue of blocked tasklets and the transfer itself are
 * the core's (core/channel.c).
 *
 * Argument Clinic writes the parsers (clinic/channelobject.c.h, `make
 * clinic`).  send() and receive() parse by hand: they may switch softly,
 * which needs the raw vectorcall arguments (D22).
 */

#define Py_BUILD_CORE_MODULE 1    /* clinic: keyword tuples made lazily */
#include "slp_module.h"
#include "pycore_modsupport.h"    // _PyArg_UnpackKeywords()

/*[clinic input]
module stackless
class stackless.channel "PyChannelObject *" "&PyChannel_Type"
[clinic start generated code]*/
/*[clinic end generated code: output=da39a3ee5e6b4b0d input=35c0b955eee01e40]*/

#include "clinic/channelobject.c.h"

/* ------------------------------------------------------------------ */
/* send and receive */

static PyObject *
channel_send(PyChannelObject *ch, PyObject *const *args, Py_ssize_t nargs,
             PyObject *kwnames)
{
    static const char * const keywords[] = {"value", NULL};
    static _PyArg_Parser parser = {.keywords = keywords, .fname = "send"};
    PyObject *argsbuf[1];
    PyObject *const *a = _PyArg_UnpackKeywords(args, nargs, NULL, kwnames,
                                               &parser, 1, 1, 0, argsbuf);
    if (a == NULL) {
        return NULL;
    }
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    _PySlp_NoteCall(args, nargs, nkw, (void *)channel_send);
    return _PySlp_ForgetCallArgs(_PySlp_ChannelAction(ch, 1, a[0]));
}

PyDoc_STRVAR(channel_send__doc__,
"send($self, /, value)\n"
"--\n"
"\n"
"Give value to a receiver, blocking until one takes it.");

/* receive() takes no arguments and is METH_FASTCALL all the same: a soft
   switch needs to see where the call's arguments lie on the caller's
   value stack (D22).  The wording is METH_NOARGS's. */
static PyObject *
channel_receive(PyChannelObject *ch, PyObject *const *args,
                Py_ssize_t nargs)
{
    if (nargs != 0) {
        PyErr_Format(PyExc_TypeError,
                     "receive() takes no arguments (%zd given)", nargs);
        return NULL;
    }
    _PySlp_NoteCall(args, nargs, 0, (void *)channel_receive);
    return _PySlp_ForgetCallArgs(_PySlp_ChannelAction(ch, -1, NULL));
}

PyDoc_STRVAR(channel_receive__doc__,
"receive($self, /)\n"
"--\n"
"\n"
"Return a value from a sender, blocking until one arrives.");

static PyObject *
send_bomb(PyChannelObject *ch, PyObject *exc)
{
    PyObject *bomb = _PySlp_MakeBomb(exc);
    if (bomb == NULL) {
        return NULL;
    }
    PyObject *r = _PySlp_ChannelAction(ch, 1, bomb);
    Py_DECREF(bomb);
    return r;
}

/* send_exception(exc, /, *args): by hand, for the message of a call
   without arguments (module/exceptionargs.c). */
static PyObject *
channel_send_exception(PyChannelObject *ch, PyObject *args)
{
    PyObject *e = _PySlp_MakeExceptionFromArgs(args, "send_exception",
                                               "channel.send_exception");
    if (e == NULL) {
        return NULL;
    }
    PyObject *r = send_bomb(ch, e);
    Py_DECREF(e);
    return r;
}

PyDoc_STRVAR(channel_send_exception__doc__,
"send_exception($self, exc, /, *args)\n"
"--\n"
"\n"
"Send an exception: the receiver raises exc(*args).");

/*[clinic input]
stackless.channel.send_throw

    exc: object
    val: object = None
    tb: object = None
    /

Send an exception with the semantics of raise: the receiver raises it.
[clinic start generated code]*/

static PyObject *
stackless_channel_send_throw_impl(PyChannelObject *self, PyObject *exc,
                                  PyObject *val, PyObject *tb)
/*[clinic end generated code: output=fe39ee2c69fd5ff0 input=99edac676a1f12b1]*/
{
    PyObject *e = _PySlp_MakeException(exc, val, tb);
    if (e == NULL) {
        return NULL;
    }
    PyObject *r = send_bomb(self, e);
    Py_DECREF(e);
    return r;
}

/*[clinic input]
stackless.channel.send_sequence

    seq: object

Send every item of seq in turn; returns how many were sent.
[clinic start generated code]*/

static PyObject *
stackless_channel_send_sequence_impl(PyChannelObject *self, PyObject *seq)
/*[clinic end generated code: output=66e4bf9c03beb713 input=9ffb0da9c4e7b085]*/
{
    PyObject *it = PyObject_GetIter(seq);
    if (it == NULL) {
        return NULL;
    }
    Py_ssize_t n = 0;
    PyObject *item;
    while ((item = PyIter_Next(it)) != NULL) {
        PyObject *r = _PySlp_ChannelAction(self, 1, item);
        Py_DECREF(item);
        if (r == NULL) {
            Py_DECREF(it);
            return NULL;
        }
        Py_DECREF(r);
        n++;
    }
    Py_DECREF(it);
    if (PyErr_Occurred()) {
        return NULL;
    }
    return PyLong_FromSsize_t(n);
}

/*[clinic input]
stackless.channel.close

Close the channel: operations that would block raise ValueError.
[clinic start generated code]*/

static PyObject *
stackless_channel_close_impl(PyChannelObject *self)
/*[clinic end generated code: output=1b110a67be74046d input=f1b4a09861124875]*/
{
    self->closing = 1;
    Py_RETURN_NONE;
}

/*[clinic input]
stackless.channel.open

Undo close().
[clinic start generated code]*/

static PyObject *
stackless_channel_open_impl(PyChannelObject *self)
/*[clinic end generated code: output=a5cdc05c1cd503a8 input=aab0810c7ba8c3d8]*/
{
    self->closing = 0;
    Py_RETURN_NONE;
}

static PyObject *
channel_iternext(PyChannelObject *ch)
{
    if (ch->closing && ch->balance <= 0) {
        return NULL;            /* StopIteration, without blocking */
    }
    return _PySlp_ChannelAction(ch, -1, NULL);
}

/*[clinic input]
stackless.channel.__reduce__

Return (type, (), (balance, flags, blocked tasklets)) for pickle.
[clinic start generated code]*/

static PyObject *
stackless_channel___reduce___impl(PyChannelObject *self)
/*[clinic end generated code: output=1b1e37b9c09cb32d input=d99b1959373b7bb4]*/
{
    return _PySlp_ChannelReduce(self);
}

/*[clinic input]
stackless.channel.__reduce_ex__

    protocol: object
    /

Return the same as __reduce__(); the protocol is ignored.
[clinic start generated code]*/

static PyObject *
stackless_channel___reduce_ex__(PyChannelObject *self, PyObject *protocol)
/*[clinic end generated code: output=6b3f5029a38e7304 input=45743f84f4d5fc77]*/
{
    return stackless_channel___reduce___impl(self);
}

/*[clinic input]
stackless.channel.__setstate__

    state: object
    /

Restore a pickled channel and block its tasklets on it again.
[clinic start generated code]*/

static PyObject *
stackless_channel___setstate__(PyChannelObject *self, PyObject *state)
/*[clinic end generated code: output=c477045b1cab88ad input=15e25cb951bc9e28]*/
{
    return _PySlp_ChannelSetState(self, state);
}

/* ------------------------------------------------------------------ */
/* Attributes */

static PyObject *
get_balance(PyChannelObject *ch, void *c)
{
    return PyLong_FromSsize_t(ch->balance);
}

static PyObject *
get_queue(PyChannelObject *ch, void *c)
{
    return Py_NewRef(ch->head ? (PyObject *)_PySlp_QueueOwner(ch->head)
                              : Py_None);
}

static PyObject *
get_closing(PyChannelObject *ch, void *c)
{
    return PyBool_FromLong(ch->closing);
}

static PyObject *
get_closed(PyChannelObject *ch, void *c)
{
    return PyBool_FromLong(ch->closing && ch->balance == 0);
}

static PyObject *
get_preference(PyChannelObject *ch, void *c)
{
    return PyLong_FromLong(ch->preference);
}

static int
set_preference(PyChannelObject *ch, PyObject *v, void *c)
{
    if (v == NULL || !PyLong_Check(v)) {
        PyErr_SetString(PyExc_TypeError,
                        "preference must be set to an integer");
        return -1;
    }
    ch->preference = _PyLong_Sign(v);
    return 0;
}

static PyObject *
get_schedule_all(PyChannelObject *ch, void *c)
{
    return PyLong_FromLong(ch->schedule_all);
}

static int
set_schedule_all(PyChannelObject *ch, PyObject *v, void *c)
{
    if (v == NULL || !PyLong_Check(v)) {
        /* sic: the original's message, which client code matches */
        PyErr_SetString(PyExc_TypeError,
                        "preference must be set to a bool or integer");
        return -1;
    }
    ch->schedule_all = _PyLong_Sign(v) != 0;
    return 0;
}

static PyGetSetDef channel_getset[] = {
    {"balance", (getter)get_balance, NULL,
     PyDoc_STR("blocked senders (> 0) or minus blocked receivers (< 0)")},
    {"queue", (getter)get_queue, NULL,
     PyDoc_STR("the first blocked tasklet; follow .next")},
    {"closing", (getter)get_closing, NULL,
     PyDoc_STR("close() was called")},
    {"closed", (getter)get_closed, NULL,
     PyDoc_STR("closing and nobody is blocked")},
    {"preference", (getter)get_preference, (setter)set_preference,
     PyDoc_STR("-1: the receiver runs on a transfer, 1: the sender, "
               "0: the caller")},
    {"schedule_all", (getter)get_schedule_all, (setter)set_schedule_all,
     PyDoc_STR("1: every transfer switches to the next tasklet")},
    {NULL},
};

#define FN(f) (PyCFunction)(void (*)(void))(f)

static PyMethodDef channel_methods[] = {
    {"send", FN(channel_send), METH_FASTCALL | METH_KEYWORDS,
     channel_send__doc__},
    {"receive", FN(channel_receive), METH_FASTCALL, channel_receive__doc__},
    {"send_exception", FN(channel_send_exception), METH_VARARGS,
     channel_send_exception__doc__},
    STACKLESS_CHANNEL_SEND_THROW_METHODDEF
    STACKLESS_CHANNEL_SEND_SEQUENCE_METHODDEF
    STACKLESS_CHANNEL_CLOSE_METHODDEF
    STACKLESS_CHANNEL_OPEN_METHODDEF
    STACKLESS_CHANNEL___REDUCE___METHODDEF
    STACKLESS_CHANNEL___REDUCE_EX___METHODDEF
    STACKLESS_CHANNEL___SETSTATE___METHODDEF
    {NULL, NULL},
};

/* ------------------------------------------------------------------ */
/* Life cycle */

/* Arguments are ignored, so that subclasses can take their own in
   __init__ without a __new__ of their own. */
static PyObject *
channel_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyChannelObject *ch = (PyChannelObject *)type->tp_alloc(type, 0);
    if (ch == NULL) {
        return NULL;
    }
    ch->preference = -1;
    return (PyObject *)ch;
}

static int
channel_init(PyObject *self, PyObject *args, PyObject *kwds)
{
    return 0;
}

PyDoc_STRVAR(channel_doc,
"channel(*args, **kwargs)\n"
"--\n"
"\n"
"A rendezvous of tasklets: send() waits for a receive() and the other\n"
"way round.  Arguments are ignored.");

static int
channel_traverse(PyChannelObject *ch, visitproc visit, void *arg)
{
    for (PyTaskletObject *t = ch->head; t != NULL; t = t->next) {
        Py_VISIT(t);
    }
    return 0;
}

static int
channel_clear(PyChannelObject *ch)
{
    _PySlp_ChannelClear(ch);
    return 0;
}

static void
channel_dealloc(PyChannelObject *ch)
{
    PyObject_GC_UnTrack(ch);
    if (ch->weakreflist != NULL) {
        PyObject_ClearWeakRefs((PyObject *)ch);
    }
    _PySlp_ChannelClear(ch);
    Py_TYPE(ch)->tp_free(ch);
}

PyTypeObject PyChannel_Type = {
    PyVarObject_HEAD_INIT(&PyType_Type, 0)
    .tp_name = "stackless.channel",
    .tp_basicsize = sizeof(PyChannelObject),
    .tp_dealloc = (destructor)channel_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC
                | Py_TPFLAGS_BASETYPE,
    .tp_doc = channel_doc,
    .tp_traverse = (traverseproc)channel_traverse,
    .tp_clear = (inquiry)channel_clear,
    .tp_weaklistoffset = offsetof(PyChannelObject, weakreflist),
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)channel_iternext,
    .tp_methods = channel_methods,
    .tp_getset = channel_getset,
    .tp_init = channel_init,
    .tp_alloc = PyType_GenericAlloc,
    .tp_new = channel_new,
    .tp_free = PyObject_GC_Del,
};
