/* stackless.channel: synchronous message passing between tasklets
 * (spec §6).  A channel is a FIFO of the tasklets blocked on it, all
 * senders or all receivers; `balance` counts them (+ senders, - receivers).
 */

#include "core/slp_internal.h"

/* ------------------------------------------------------------------ */
/* The queue of blocked tasklets.  The channel holds a reference to each
   and each holds one to the channel. */

static void
queue_append(PyChannelObject *ch, PyTaskletObject *t, int dir)
{
    assert(t->next == NULL && t->prev == NULL && !t->in_ring);
    Py_INCREF(t);
    t->prev = ch->tail;
    t->next = NULL;
    if (ch->tail != NULL) {
        ch->tail->next = t;
    }
    else {
        ch->head = t;
    }
    ch->tail = t;
    ch->balance += dir;
    t->blocked = dir;
    Py_XSETREF(t->channel, (PyChannelObject *)Py_NewRef(ch));
}

/* Unblock t; drops the channel's reference to it (callers hold one). */
void
_PySlp_ChannelRemove(PyChannelObject *ch, PyTaskletObject *t)
{
    assert(t->channel == ch && t->blocked);
    if (t->prev != NULL) {
        t->prev->next = t->next;
    }
    else {
        ch->head = t->next;
    }
    if (t->next != NULL) {
        t->next->prev = t->prev;
    }
    else {
        ch->tail = t->prev;
    }
    t->next = t->prev = NULL;
    ch->balance -= t->blocked;
    t->blocked = 0;
    PyChannelObject *own = t->channel;
    t->channel = NULL;
    Py_DECREF(t);
    Py_DECREF(own);
}

/* ------------------------------------------------------------------ */
/* Callback (spec §7.2) */

static int
call_channel_callback(PySlp_ThreadState *ts, PyChannelObject *ch,
                      PyTaskletObject *cur, int dir, PyObject *value,
                      int willblock)
{
    PyObject *cb = _PySlp_globals.channel_callback;
    if (cb == NULL) {
        return 0;
    }
    /* While it runs, the caller's tempval shows the value being sent. */
    PyObject *saved = cur->tempval;
    cur->tempval = Py_NewRef(value ? value : Py_None);
    Py_INCREF(cb);
    ts->in_channel_cb++;
    PyObject *r = PyObject_CallFunction(cb, "OOii", ch, cur, dir > 0,
                                        willblock);
    ts->in_channel_cb--;
    Py_DECREF(cb);
    Py_XSETREF(cur->tempval, saved);
    if (r == NULL) {
        /* The spec leaves this open; report and go on, as the schedule
           callback does. */
        _PySlp_ReportCallbackError("Error in channel callback");
    }
    Py_XDECREF(r);
    return 0;
}

/* ------------------------------------------------------------------ */
/* send and receive: dir 1 sends `value` (which may be a bomb), -1
   receives.  Who runs next: spec §6.3. */

static PyObject *
channel_action(PyChannelObject *ch, int dir, PyObject *value)
{
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    if (ts == NULL) {
        return NULL;
    }
    _PySlp_RunDeferredKills(ts);
    PyTaskletObject *cur = ts->current;
    if (ts->in_channel_cb) {
        PyErr_SetString(PyExc_RuntimeError,
                        "Recursive channel call due to callbacks!");
        return NULL;
    }
    if (_PySlp_CheckQueueChange(ts) < 0) {
        return NULL;
    }
    int willblock = dir > 0 ? ch->balance >= 0 : ch->balance <= 0;
    call_channel_callback(ts, ch, cur, dir, value, willblock);
    /* The callback may have changed the queue; look again. */
    willblock = dir > 0 ? ch->balance >= 0 : ch->balance <= 0;

    if (!willblock) {
        PyTaskletObject *p = ch->head;
        if (p->ts != ts) {
            PyErr_SetString(PyExc_RuntimeError,
                            "channel transfers between threads are not "
                            "supported yet");
            return NULL;
        }
        int preferred = dir > 0 ? ch->preference < 0 : ch->preference > 0;
        int do_switch = ch->schedule_all || preferred;
        if (do_switch && _PySlp_CheckSwitchTrap(ts) < 0) {
            return NULL;
        }
        Py_INCREF(ch);
        Py_INCREF(p);
        _PySlp_ChannelRemove(ch, p);
        PyObject *got;
        if (dir > 0) {
            Py_XSETREF(p->tempval, Py_NewRef(value));
            got = Py_NewRef(Py_None);
        }
        else {
            got = p->tempval ? p->tempval : Py_NewRef(Py_None);
            p->tempval = Py_NewRef(Py_None);
        }
        PyTaskletObject *next = NULL;
        if (ch->schedule_all) {
            _PySlp_RingAppend(ts, p);
            next = cur->next;
        }
        else if (preferred) {
            _PySlp_RingInsertAfter(ts, cur, p);
            next = p;
        }
        else {
            _PySlp_RingAppend(ts, p);
        }
        Py_DECREF(p);
        Py_DECREF(ch);
        if (next == NULL || next == cur) {
            /* The caller continues: a receiver takes the value now. */
            if (PyBomb_Check(got)) {
                _PySlp_RaiseBomb(got);
                Py_DECREF(got);
                return NULL;
            }
            return got;
        }
        Py_XSETREF(cur->tempval, got);
        return _PySlp_SwitchTo(ts, next);
    }

    /* No partner: block. */
    if (cur->block_trap) {
        PyErr_SetString(PyExc_RuntimeError,
                        "this tasklet does not like to be blocked.");
        return NULL;
    }
    if (ch->closing) {
        PyErr_SetString(PyExc_ValueError,
                        "Send/receive operation on a closed channel");
        return NULL;
    }
    int insert;
    PyTaskletObject *next = _PySlp_NextAfterLeaving(ts, &insert);
    if (next == NULL) {
        return NULL;
    }
    if (next == cur) {
        PyErr_SetString(PyExc_RuntimeError,
                        "Deadlock: the last runnable tasklet cannot be "
                        "blocked.");
        return NULL;
    }
    if (_PySlp_CheckSwitchTrap(ts) < 0) {
        return NULL;
    }
    Py_XSETREF(cur->tempval, Py_NewRef(dir > 0 ? value : Py_None));
    if (insert && dir > 0 && PyBomb_Check(value)) {
        /* Original quirk (spec §9.1): the waking watchdog gets the bomb
           of a tasklet blocking in send_exception()/send_throw(). */
        Py_XSETREF(next->tempval, Py_NewRef(value));
    }
    _PySlp_RingRemove(ts, cur);
    queue_append(ch, cur, dir);
    if (insert) {
        _PySlp_RingAppend(ts, next);
    }
    return _PySlp_SwitchTo(ts, next);
}

/* ------------------------------------------------------------------ */
/* Methods */

static PyObject *
channel_send(PyChannelObject *ch, PyObject *const *args, Py_ssize_t nargs)
{
    if (!_PyArg_CheckPositional("send", nargs, 1, 1)) {
        return NULL;
    }
    _PySlp_NoteCall(args, nargs, 0, (void *)channel_send);
    return _PySlp_ForgetCallArgs(channel_action(ch, 1, args[0]));
}

static PyObject *
channel_receive(PyChannelObject *ch, PyObject *const *args,
                Py_ssize_t nargs)
{
    if (!_PyArg_CheckPositional("receive", nargs, 0, 0)) {
        return NULL;
    }
    _PySlp_NoteCall(args, nargs, 0, (void *)channel_receive);
    return _PySlp_ForgetCallArgs(channel_action(ch, -1, NULL));
}

static PyObject *
send_bomb(PyChannelObject *ch, PyObject *exc)
{
    PyObject *bomb = _PySlp_MakeBomb(exc);
    if (bomb == NULL) {
        return NULL;
    }
    PyObject *r = channel_action(ch, 1, bomb);
    Py_DECREF(bomb);
    return r;
}

/* Turn raise-style arguments into an exception instance (NULL: error).
   Shared with tasklet.throw(), which needs the same checks. */
PyObject *
_PySlp_MakeException(PyObject *type, PyObject *value, PyObject *tb)
{
    if (tb == Py_None) {
        tb = NULL;
    }
    if (tb != NULL && !PyTraceBack_Check(tb)) {
        PyErr_SetString(PyExc_TypeError,
                        "third argument must be a traceback object");
        return NULL;
    }
    PyObject *exc;
    if (PyExceptionClass_Check(type)) {
        if (value == NULL || value == Py_None) {
            exc = PyObject_CallNoArgs(type);
        }
        else if (PyExceptionInstance_Check(value)
                 && PyObject_IsInstance(value, type) == 1) {
            exc = Py_NewRef(value);
        }
        else if (PyTuple_Check(value)) {
            exc = PyObject_Call(type, value, NULL);
        }
        else {
            exc = PyObject_CallOneArg(type, value);
        }
        if (exc != NULL && !PyExceptionInstance_Check(exc)) {
            PyErr_Format(PyExc_TypeError,
                         "calling %R should have returned an instance of "
                         "BaseException, not %s",
                         type, Py_TYPE(exc)->tp_name);
            Py_CLEAR(exc);
        }
    }
    else if (PyExceptionInstance_Check(type)) {
        if (value != NULL && value != Py_None) {
            PyErr_SetString(PyExc_TypeError,
                            "instance exception may not have a separate "
                            "value");
            return NULL;
        }
        exc = Py_NewRef(type);
    }
    else {
        PyErr_Format(PyExc_TypeError,
                     "exceptions must be classes, or instances, not %s",
                     Py_TYPE(type)->tp_name);
        return NULL;
    }
    if (exc != NULL && tb != NULL) {
        PyException_SetTraceback(exc, tb);
    }
    return exc;
}

/* exc_class(*args) for send_exception() and raise_exception(). */
PyObject *
_PySlp_MakeExceptionFromArgs(PyObject *args, const char *who,
                             const char *what)
{
    if (PyTuple_GET_SIZE(args) < 1) {
        PyErr_Format(PyExc_TypeError, "%s() takes at least 1 argument",
                     who);
        return NULL;
    }
    PyObject *klass = PyTuple_GET_ITEM(args, 0);
    if (!PyExceptionClass_Check(klass)) {
        PyErr_Format(PyExc_TypeError,
                     "%s needs Exception or string subclass as first "
                     "parameter", what);
        return NULL;
    }
    PyObject *rest = PyTuple_GetSlice(args, 1, PyTuple_GET_SIZE(args));
    if (rest == NULL) {
        return NULL;
    }
    PyObject *exc = PyObject_Call(klass, rest, NULL);
    Py_DECREF(rest);
    return exc;
}

static PyObject *
channel_send_exception(PyChannelObject *ch, PyObject *args)
{
    PyObject *exc = _PySlp_MakeExceptionFromArgs(
        args, "send_exception", "channel.send_exception");
    if (exc == NULL) {
        return NULL;
    }
    PyObject *r = send_bomb(ch, exc);
    Py_DECREF(exc);
    return r;
}

static PyObject *
channel_send_throw(PyChannelObject *ch, PyObject *args)
{
    PyObject *type, *value = NULL, *tb = NULL;
    if (!PyArg_UnpackTuple(args, "send_throw", 1, 3, &type, &value, &tb)) {
        return NULL;
    }
    PyObject *exc = _PySlp_MakeException(type, value, tb);
    if (exc == NULL) {
        return NULL;
    }
    PyObject *r = send_bomb(ch, exc);
    Py_DECREF(exc);
    return r;
}

static PyObject *
channel_send_sequence(PyChannelObject *ch, PyObject *seq)
{
    PyObject *it = PyObject_GetIter(seq);
    if (it == NULL) {
        return NULL;
    }
    Py_ssize_t n = 0;
    PyObject *item;
    while ((item = PyIter_Next(it)) != NULL) {
        PyObject *r = channel_action(ch, 1, item);
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

static PyObject *
channel_close(PyChannelObject *ch, PyObject *Py_UNUSED(ignored))
{
    ch->closing = 1;
    Py_RETURN_NONE;
}

static PyObject *
channel_open(PyChannelObject *ch, PyObject *Py_UNUSED(ignored))
{
    ch->closing = 0;
    Py_RETURN_NONE;
}

static PyObject *
channel_iternext(PyChannelObject *ch)
{
    if (ch->closing && ch->balance <= 0) {
        return NULL;            /* StopIteration, without blocking */
    }
    return channel_action(ch, -1, NULL);
}

static PyObject *
channel_reduce(PyChannelObject *ch, PyObject *Py_UNUSED(ignored))
{
    PyErr_SetString(PyExc_NotImplementedError,
                    "pickling channels is not implemented yet");
    return NULL;
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
    return Py_NewRef(ch->head ? (PyObject *)ch->head : Py_None);
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
    int sign = _PyLong_Sign(v);
    ch->preference = sign;
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

PyDoc_STRVAR(send_doc, "send(value): give value to a receiver, blocking "
"until one takes it.");
PyDoc_STRVAR(receive_doc, "receive() -> value, blocking until a sender "
"arrives.");
PyDoc_STRVAR(send_exception_doc, "send_exception(exc, *args): the "
"receiver raises exc(*args).");
PyDoc_STRVAR(send_throw_doc, "send_throw(exc, val=None, tb=None): the "
"receiver raises, with raise semantics.");
PyDoc_STRVAR(send_sequence_doc, "send_sequence(seq) -> int: send every "
"item of seq.");
PyDoc_STRVAR(close_doc, "close(): operations that would block now raise "
"ValueError.");
PyDoc_STRVAR(open_doc, "open(): undo close().");

static PyMethodDef channel_methods[] = {
    {"send", (PyCFunction)(void (*)(void))channel_send, METH_FASTCALL,
     send_doc},
    {"receive", (PyCFunction)(void (*)(void))channel_receive, METH_FASTCALL,
     receive_doc},
    {"send_exception", (PyCFunction)channel_send_exception, METH_VARARGS,
     send_exception_doc},
    {"send_throw", (PyCFunction)channel_send_throw, METH_VARARGS,
     send_throw_doc},
    {"send_sequence", (PyCFunction)channel_send_sequence, METH_O,
     send_sequence_doc},
    {"close", (PyCFunction)channel_close, METH_NOARGS, close_doc},
    {"open", (PyCFunction)channel_open, METH_NOARGS, open_doc},
    {"__reduce__", (PyCFunction)channel_reduce, METH_NOARGS, NULL},
    {"__reduce_ex__", (PyCFunction)channel_reduce, METH_O, NULL},
    {"__setstate__", (PyCFunction)channel_reduce, METH_O, NULL},
    {NULL, NULL},
};

/* ------------------------------------------------------------------ */
/* Life cycle */

static PyObject *
channel_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    /* Arguments are ignored so that subclasses can take their own. */
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

static int
channel_traverse(PyChannelObject *ch, visitproc visit, void *arg)
{
    for (PyTaskletObject *t = ch->head; t != NULL; t = t->next) {
        Py_VISIT(t);
    }
    return 0;
}

/* A channel that goes away unblocks its tasklets: they become paused. */
static int
channel_clear(PyChannelObject *ch)
{
    while (ch->head != NULL) {
        PyTaskletObject *t = (PyTaskletObject *)Py_NewRef(ch->head);
        _PySlp_ChannelRemove(ch, t);
        Py_DECREF(t);
    }
    return 0;
}

static void
channel_dealloc(PyChannelObject *ch)
{
    PyObject_GC_UnTrack(ch);
    if (ch->weakreflist != NULL) {
        PyObject_ClearWeakRefs((PyObject *)ch);
    }
    channel_clear(ch);
    Py_TYPE(ch)->tp_free(ch);
}

PyDoc_STRVAR(channel_doc,
"channel()\n\
\n\
A rendezvous of tasklets: send() waits for a receive() and the other\n\
way round.  Arguments are ignored.");

PyTypeObject PySlpChannel_Type = {
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
