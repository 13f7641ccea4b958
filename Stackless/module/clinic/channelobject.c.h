/*[clinic input]
preserve
[clinic start generated code]*/

#if defined(Py_BUILD_CORE) && !defined(Py_BUILD_CORE_MODULE)
#  include "pycore_gc.h"          // PyGC_Head
#  include "pycore_runtime.h"     // _Py_ID()
#endif
#include "pycore_modsupport.h"    // _PyArg_CheckPositional()

PyDoc_STRVAR(stackless_channel_send_throw__doc__,
"send_throw($self, exc, val=None, tb=None, /)\n"
"--\n"
"\n"
"Send an exception with the semantics of raise: the receiver raises it.");

#define STACKLESS_CHANNEL_SEND_THROW_METHODDEF    \
    {"send_throw", _PyCFunction_CAST(stackless_channel_send_throw), METH_FASTCALL, stackless_channel_send_throw__doc__},

static PyObject *
stackless_channel_send_throw_impl(PyChannelObject *self, PyObject *exc,
                                  PyObject *val, PyObject *tb);

static PyObject *
stackless_channel_send_throw(PyChannelObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *return_value = NULL;
    PyObject *exc;
    PyObject *val = Py_None;
    PyObject *tb = Py_None;

    if (!_PyArg_CheckPositional("send_throw", nargs, 1, 3)) {
        goto exit;
    }
    exc = args[0];
    if (nargs < 2) {
        goto skip_optional;
    }
    val = args[1];
    if (nargs < 3) {
        goto skip_optional;
    }
    tb = args[2];
skip_optional:
    return_value = stackless_channel_send_throw_impl(self, exc, val, tb);

exit:
    return return_value;
}

PyDoc_STRVAR(stackless_channel_send_sequence__doc__,
"send_sequence($self, /, seq)\n"
"--\n"
"\n"
"Send every item of seq in turn; returns how many were sent.");

#define STACKLESS_CHANNEL_SEND_SEQUENCE_METHODDEF    \
    {"send_sequence", _PyCFunction_CAST(stackless_channel_send_sequence), METH_FASTCALL|METH_KEYWORDS, stackless_channel_send_sequence__doc__},

static PyObject *
stackless_channel_send_sequence_impl(PyChannelObject *self, PyObject *seq);

static PyObject *
stackless_channel_send_sequence(PyChannelObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *return_value = NULL;
    #if defined(Py_BUILD_CORE) && !defined(Py_BUILD_CORE_MODULE)

    #define NUM_KEYWORDS 1
    static struct {
        PyGC_Head _this_is_not_used;
        PyObject_VAR_HEAD
        PyObject *ob_item[NUM_KEYWORDS];
    } _kwtuple = {
        .ob_base = PyVarObject_HEAD_INIT(&PyTuple_Type, NUM_KEYWORDS)
        .ob_item = { &_Py_ID(seq), },
    };
    #undef NUM_KEYWORDS
    #define KWTUPLE (&_kwtuple.ob_base.ob_base)

    #else  // !Py_BUILD_CORE
    #  define KWTUPLE NULL
    #endif  // !Py_BUILD_CORE

    static const char * const _keywords[] = {"seq", NULL};
    static _PyArg_Parser _parser = {
        .keywords = _keywords,
        .fname = "send_sequence",
        .kwtuple = KWTUPLE,
    };
    #undef KWTUPLE
    PyObject *argsbuf[1];
    PyObject *seq;

    args = _PyArg_UnpackKeywords(args, nargs, NULL, kwnames, &_parser, 1, 1, 0, argsbuf);
    if (!args) {
        goto exit;
    }
    seq = args[0];
    return_value = stackless_channel_send_sequence_impl(self, seq);

exit:
    return return_value;
}

PyDoc_STRVAR(stackless_channel_close__doc__,
"close($self, /)\n"
"--\n"
"\n"
"Close the channel: operations that would block raise ValueError.");

#define STACKLESS_CHANNEL_CLOSE_METHODDEF    \
    {"close", (PyCFunction)stackless_channel_close, METH_NOARGS, stackless_channel_close__doc__},

static PyObject *
stackless_channel_close_impl(PyChannelObject *self);

static PyObject *
stackless_channel_close(PyChannelObject *self, PyObject *Py_UNUSED(ignored))
{
    return stackless_channel_close_impl(self);
}

PyDoc_STRVAR(stackless_channel_open__doc__,
"open($self, /)\n"
"--\n"
"\n"
"Undo close().");

#define STACKLESS_CHANNEL_OPEN_METHODDEF    \
    {"open", (PyCFunction)stackless_channel_open, METH_NOARGS, stackless_channel_open__doc__},

static PyObject *
stackless_channel_open_impl(PyChannelObject *self);

static PyObject *
stackless_channel_open(PyChannelObject *self, PyObject *Py_UNUSED(ignored))
{
    return stackless_channel_open_impl(self);
}

PyDoc_STRVAR(stackless_channel___reduce____doc__,
"__reduce__($self, /)\n"
"--\n"
"\n"
"Return (type, (), (balance, flags, blocked tasklets)) for pickle.");

#define STACKLESS_CHANNEL___REDUCE___METHODDEF    \
    {"__reduce__", (PyCFunction)stackless_channel___reduce__, METH_NOARGS, stackless_channel___reduce____doc__},

static PyObject *
stackless_channel___reduce___impl(PyChannelObject *self);

static PyObject *
stackless_channel___reduce__(PyChannelObject *self, PyObject *Py_UNUSED(ignored))
{
    return stackless_channel___reduce___impl(self);
}

PyDoc_STRVAR(stackless_channel___reduce_ex____doc__,
"__reduce_ex__($self, protocol, /)\n"
"--\n"
"\n"
"Return the same as __reduce__(); the protocol is ignored.");

#define STACKLESS_CHANNEL___REDUCE_EX___METHODDEF    \
    {"__reduce_ex__", (PyCFunction)stackless_channel___reduce_ex__, METH_O, stackless_channel___reduce_ex____doc__},

PyDoc_STRVAR(stackless_channel___setstate____doc__,
"__setstate__($self, state, /)\n"
"--\n"
"\n"
"Restore a pickled channel and block its tasklets on it again.");

#define STACKLESS_CHANNEL___SETSTATE___METHODDEF    \
    {"__setstate__", (PyCFunction)stackless_channel___setstate__, METH_O, stackless_channel___setstate____doc__},
/*[clinic end generated code: output=e05b6f9b95b96868 input=a9049054013a1b77]*/
