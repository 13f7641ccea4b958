/*[clinic input]
preserve
[clinic start generated code]*/

#if defined(Py_BUILD_CORE) && !defined(Py_BUILD_CORE_MODULE)
#  include "pycore_gc.h"          // PyGC_Head
#  include "pycore_runtime.h"     // _Py_ID()
#endif
#include "pycore_modsupport.h"    // _PyArg_CheckPositional()

PyDoc_STRVAR(stackless_getcurrent__doc__,
"getcurrent($module, /)\n"
"--\n"
"\n"
"Return the current tasklet of this thread.");

#define STACKLESS_GETCURRENT_METHODDEF    \
    {"getcurrent", (PyCFunction)stackless_getcurrent, METH_NOARGS, stackless_getcurrent__doc__},

static PyObject *
stackless_getcurrent_impl(PyObject *module);

static PyObject *
stackless_getcurrent(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    return stackless_getcurrent_impl(module);
}

PyDoc_STRVAR(stackless_getmain__doc__,
"getmain($module, /)\n"
"--\n"
"\n"
"Return the main tasklet of this thread.");

#define STACKLESS_GETMAIN_METHODDEF    \
    {"getmain", (PyCFunction)stackless_getmain, METH_NOARGS, stackless_getmain__doc__},

static PyObject *
stackless_getmain_impl(PyObject *module);

static PyObject *
stackless_getmain(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    return stackless_getmain_impl(module);
}

PyDoc_STRVAR(stackless_getruncount__doc__,
"getruncount($module, /)\n"
"--\n"
"\n"
"Return the number of runnable tasklets, the current one included.");

#define STACKLESS_GETRUNCOUNT_METHODDEF    \
    {"getruncount", (PyCFunction)stackless_getruncount, METH_NOARGS, stackless_getruncount__doc__},

static PyObject *
stackless_getruncount_impl(PyObject *module);

static PyObject *
stackless_getruncount(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    return stackless_getruncount_impl(module);
}

PyDoc_STRVAR(stackless_getcurrentid__doc__,
"getcurrentid($module, /)\n"
"--\n"
"\n"
"Return a cheap id of the current tasklet (main\'s is the thread id).");

#define STACKLESS_GETCURRENTID_METHODDEF    \
    {"getcurrentid", (PyCFunction)stackless_getcurrentid, METH_NOARGS, stackless_getcurrentid__doc__},

static PyObject *
stackless_getcurrentid_impl(PyObject *module);

static PyObject *
stackless_getcurrentid(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    return stackless_getcurrentid_impl(module);
}

PyDoc_STRVAR(stackless_get_thread_info__doc__,
"get_thread_info($module, thread_id=-1, flags=0, /)\n"
"--\n"
"\n"
"Return (main, current, runcount) of a thread (-1: the calling one).");

#define STACKLESS_GET_THREAD_INFO_METHODDEF    \
    {"get_thread_info", _PyCFunction_CAST(stackless_get_thread_info), METH_FASTCALL, stackless_get_thread_info__doc__},

static PyObject *
stackless_get_thread_info_impl(PyObject *module, PyObject *idobj, long flags);

static PyObject *
stackless_get_thread_info(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *return_value = NULL;
    PyObject *idobj = NULL;
    long flags = 0;

    if (!_PyArg_CheckPositional("get_thread_info", nargs, 0, 2)) {
        goto exit;
    }
    if (nargs < 1) {
        goto skip_optional;
    }
    idobj = args[0];
    if (nargs < 2) {
        goto skip_optional;
    }
    flags = PyLong_AsLong(args[1]);
    if (flags == -1 && PyErr_Occurred()) {
        goto exit;
    }
skip_optional:
    return_value = stackless_get_thread_info_impl(module, idobj, flags);

exit:
    return return_value;
}

PyDoc_STRVAR(stackless_switch_trap__doc__,
"switch_trap($module, /, change=0)\n"
"--\n"
"\n"
"Add change to this thread\'s switch trap; return the previous level.\n"
"\n"
"While the level is not zero, every switch to another tasklet raises\n"
"RuntimeError.");

#define STACKLESS_SWITCH_TRAP_METHODDEF    \
    {"switch_trap", _PyCFunction_CAST(stackless_switch_trap), METH_FASTCALL|METH_KEYWORDS, stackless_switch_trap__doc__},

static PyObject *
stackless_switch_trap_impl(PyObject *module, int change);

static PyObject *
stackless_switch_trap(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
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
        .ob_item = { &_Py_ID(change), },
    };
    #undef NUM_KEYWORDS
    #define KWTUPLE (&_kwtuple.ob_base.ob_base)

    #else  // !Py_BUILD_CORE
    #  define KWTUPLE NULL
    #endif  // !Py_BUILD_CORE

    static const char * const _keywords[] = {"change", NULL};
    static _PyArg_Parser _parser = {
        .keywords = _keywords,
        .fname = "switch_trap",
        .kwtuple = KWTUPLE,
    };
    #undef KWTUPLE
    PyObject *argsbuf[1];
    Py_ssize_t noptargs = nargs + (kwnames ? PyTuple_GET_SIZE(kwnames) : 0) - 0;
    int change = 0;

    args = _PyArg_UnpackKeywords(args, nargs, NULL, kwnames, &_parser, 0, 1, 0, argsbuf);
    if (!args) {
        goto exit;
    }
    if (!noptargs) {
        goto skip_optional_pos;
    }
    change = PyLong_AsInt(args[0]);
    if (change == -1 && PyErr_Occurred()) {
        goto exit;
    }
skip_optional_pos:
    return_value = stackless_switch_trap_impl(module, change);

exit:
    return return_value;
}

PyDoc_STRVAR(stackless_set_schedule_callback__doc__,
"set_schedule_callback($module, callable, /)\n"
"--\n"
"\n"
"Install cb(prev, next), called before every switch; return the old one.\n"
"\n"
"None removes it.");

#define STACKLESS_SET_SCHEDULE_CALLBACK_METHODDEF    \
    {"set_schedule_callback", (PyCFunction)stackless_set_schedule_callback, METH_O, stackless_set_schedule_callback__doc__},

PyDoc_STRVAR(stackless_get_schedule_callback__doc__,
"get_schedule_callback($module, /)\n"
"--\n"
"\n"
"Return the schedule callback, or None.");

#define STACKLESS_GET_SCHEDULE_CALLBACK_METHODDEF    \
    {"get_schedule_callback", (PyCFunction)stackless_get_schedule_callback, METH_NOARGS, stackless_get_schedule_callback__doc__},

static PyObject *
stackless_get_schedule_callback_impl(PyObject *module);

static PyObject *
stackless_get_schedule_callback(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    return stackless_get_schedule_callback_impl(module);
}

PyDoc_STRVAR(stackless_set_channel_callback__doc__,
"set_channel_callback($module, callable, /)\n"
"--\n"
"\n"
"Install cb(channel, tasklet, sending, willblock); return the old one.\n"
"\n"
"It is called before every channel action.  None removes it.");

#define STACKLESS_SET_CHANNEL_CALLBACK_METHODDEF    \
    {"set_channel_callback", (PyCFunction)stackless_set_channel_callback, METH_O, stackless_set_channel_callback__doc__},

PyDoc_STRVAR(stackless_get_channel_callback__doc__,
"get_channel_callback($module, /)\n"
"--\n"
"\n"
"Return the channel callback, or None.");

#define STACKLESS_GET_CHANNEL_CALLBACK_METHODDEF    \
    {"get_channel_callback", (PyCFunction)stackless_get_channel_callback, METH_NOARGS, stackless_get_channel_callback__doc__},

static PyObject *
stackless_get_channel_callback_impl(PyObject *module);

static PyObject *
stackless_get_channel_callback(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    return stackless_get_channel_callback_impl(module);
}

PyDoc_STRVAR(stackless_set_error_handler__doc__,
"set_error_handler($module, handler=None, /)\n"
"--\n"
"\n"
"Install handler(type, value, traceback) for tasklets\' unhandled errors.\n"
"\n"
"Returns the old one; None removes it.");

#define STACKLESS_SET_ERROR_HANDLER_METHODDEF    \
    {"set_error_handler", _PyCFunction_CAST(stackless_set_error_handler), METH_FASTCALL, stackless_set_error_handler__doc__},

static PyObject *
stackless_set_error_handler_impl(PyObject *module, PyObject *handler);

static PyObject *
stackless_set_error_handler(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *return_value = NULL;
    PyObject *handler = Py_None;

    if (!_PyArg_CheckPositional("set_error_handler", nargs, 0, 1)) {
        goto exit;
    }
    if (nargs < 1) {
        goto skip_optional;
    }
    handler = args[0];
skip_optional:
    return_value = stackless_set_error_handler_impl(module, handler);

exit:
    return return_value;
}

PyDoc_STRVAR(stackless_enable_softswitch__doc__,
"enable_softswitch($module, flag, /)\n"
"--\n"
"\n"
"Turn soft switching on or off; return the previous setting.\n"
"\n"
"None only asks.");

#define STACKLESS_ENABLE_SOFTSWITCH_METHODDEF    \
    {"enable_softswitch", (PyCFunction)stackless_enable_softswitch, METH_O, stackless_enable_softswitch__doc__},

PyDoc_STRVAR(stackless_pickle_flags__doc__,
"pickle_flags($module, /, new_flags=-1, mask=-1)\n"
"--\n"
"\n"
"Set this thread\'s pickle flags to (old & ~mask) | (new_flags & mask).\n"
"\n"
"Returns the old flags; -1 changes nothing.");

#define STACKLESS_PICKLE_FLAGS_METHODDEF    \
    {"pickle_flags", _PyCFunction_CAST(stackless_pickle_flags), METH_FASTCALL|METH_KEYWORDS, stackless_pickle_flags__doc__},

static PyObject *
stackless_pickle_flags_impl(PyObject *module, long new_flags, long mask);

static PyObject *
stackless_pickle_flags(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *return_value = NULL;
    #if defined(Py_BUILD_CORE) && !defined(Py_BUILD_CORE_MODULE)

    #define NUM_KEYWORDS 2
    static struct {
        PyGC_Head _this_is_not_used;
        PyObject_VAR_HEAD
        PyObject *ob_item[NUM_KEYWORDS];
    } _kwtuple = {
        .ob_base = PyVarObject_HEAD_INIT(&PyTuple_Type, NUM_KEYWORDS)
        .ob_item = { &_Py_ID(new_flags), &_Py_ID(mask), },
    };
    #undef NUM_KEYWORDS
    #define KWTUPLE (&_kwtuple.ob_base.ob_base)

    #else  // !Py_BUILD_CORE
    #  define KWTUPLE NULL
    #endif  // !Py_BUILD_CORE

    static const char * const _keywords[] = {"new_flags", "mask", NULL};
    static _PyArg_Parser _parser = {
        .keywords = _keywords,
        .fname = "pickle_flags",
        .kwtuple = KWTUPLE,
    };
    #undef KWTUPLE
    PyObject *argsbuf[2];
    Py_ssize_t noptargs = nargs + (kwnames ? PyTuple_GET_SIZE(kwnames) : 0) - 0;
    long new_flags = -1;
    long mask = -1;

    args = _PyArg_UnpackKeywords(args, nargs, NULL, kwnames, &_parser, 0, 2, 0, argsbuf);
    if (!args) {
        goto exit;
    }
    if (!noptargs) {
        goto skip_optional_pos;
    }
    if (args[0]) {
        new_flags = PyLong_AsLong(args[0]);
        if (new_flags == -1 && PyErr_Occurred()) {
            goto exit;
        }
        if (!--noptargs) {
            goto skip_optional_pos;
        }
    }
    mask = PyLong_AsLong(args[1]);
    if (mask == -1 && PyErr_Occurred()) {
        goto exit;
    }
skip_optional_pos:
    return_value = stackless_pickle_flags_impl(module, new_flags, mask);

exit:
    return return_value;
}

PyDoc_STRVAR(stackless_pickle_flags_default__doc__,
"pickle_flags_default($module, /, new_default=-1, mask=-1)\n"
"--\n"
"\n"
"Set the pickle flags new threads start with, as pickle_flags() does.");

#define STACKLESS_PICKLE_FLAGS_DEFAULT_METHODDEF    \
    {"pickle_flags_default", _PyCFunction_CAST(stackless_pickle_flags_default), METH_FASTCALL|METH_KEYWORDS, stackless_pickle_flags_default__doc__},

static PyObject *
stackless_pickle_flags_default_impl(PyObject *module, long new_default,
                                    long mask);

static PyObject *
stackless_pickle_flags_default(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *return_value = NULL;
    #if defined(Py_BUILD_CORE) && !defined(Py_BUILD_CORE_MODULE)

    #define NUM_KEYWORDS 2
    static struct {
        PyGC_Head _this_is_not_used;
        PyObject_VAR_HEAD
        PyObject *ob_item[NUM_KEYWORDS];
    } _kwtuple = {
        .ob_base = PyVarObject_HEAD_INIT(&PyTuple_Type, NUM_KEYWORDS)
        .ob_item = { &_Py_ID(new_default), &_Py_ID(mask), },
    };
    #undef NUM_KEYWORDS
    #define KWTUPLE (&_kwtuple.ob_base.ob_base)

    #else  // !Py_BUILD_CORE
    #  define KWTUPLE NULL
    #endif  // !Py_BUILD_CORE

    static const char * const _keywords[] = {"new_default", "mask", NULL};
    static _PyArg_Parser _parser = {
        .keywords = _keywords,
        .fname = "pickle_flags_default",
        .kwtuple = KWTUPLE,
    };
    #undef KWTUPLE
    PyObject *argsbuf[2];
    Py_ssize_t noptargs = nargs + (kwnames ? PyTuple_GET_SIZE(kwnames) : 0) - 0;
    long new_default = -1;
    long mask = -1;

    args = _PyArg_UnpackKeywords(args, nargs, NULL, kwnames, &_parser, 0, 2, 0, argsbuf);
    if (!args) {
        goto exit;
    }
    if (!noptargs) {
        goto skip_optional_pos;
    }
    if (args[0]) {
        new_default = PyLong_AsLong(args[0]);
        if (new_default == -1 && PyErr_Occurred()) {
            goto exit;
        }
        if (!--noptargs) {
            goto skip_optional_pos;
        }
    }
    mask = PyLong_AsLong(args[1]);
    if (mask == -1 && PyErr_Occurred()) {
        goto exit;
    }
skip_optional_pos:
    return_value = stackless_pickle_flags_default_impl(module, new_default, mask);

exit:
    return return_value;
}

PyDoc_STRVAR(stackless_getdebug__doc__,
"getdebug($module, /)\n"
"--\n"
"\n"
"Return True for a debug build of the interpreter.");

#define STACKLESS_GETDEBUG_METHODDEF    \
    {"getdebug", (PyCFunction)stackless_getdebug, METH_NOARGS, stackless_getdebug__doc__},

static PyObject *
stackless_getdebug_impl(PyObject *module);

static PyObject *
stackless_getdebug(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    return stackless_getdebug_impl(module);
}

PyDoc_STRVAR(stackless_getuncollectables__doc__,
"getuncollectables($module, /)\n"
"--\n"
"\n"
"Return the suspended tasklets that hold C state (a saved C stack).");

#define STACKLESS_GETUNCOLLECTABLES_METHODDEF    \
    {"getuncollectables", (PyCFunction)stackless_getuncollectables, METH_NOARGS, stackless_getuncollectables__doc__},

static PyObject *
stackless_getuncollectables_impl(PyObject *module);

static PyObject *
stackless_getuncollectables(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    return stackless_getuncollectables_impl(module);
}

PyDoc_STRVAR(stackless_getthreads__doc__,
"getthreads($module, /)\n"
"--\n"
"\n"
"Return the ids of all threads of the interpreter, oldest first.");

#define STACKLESS_GETTHREADS_METHODDEF    \
    {"getthreads", (PyCFunction)stackless_getthreads, METH_NOARGS, stackless_getthreads__doc__},

static PyObject *
stackless_getthreads_impl(PyObject *module);

static PyObject *
stackless_getthreads(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    return stackless_getthreads_impl(module);
}

PyDoc_STRVAR(stackless_atomic___enter____doc__,
"__enter__($self, /)\n"
"--\n"
"\n"
"Make the current tasklet atomic, remembering its old flag.");

#define STACKLESS_ATOMIC___ENTER___METHODDEF    \
    {"__enter__", (PyCFunction)stackless_atomic___enter__, METH_NOARGS, stackless_atomic___enter____doc__},

static PyObject *
stackless_atomic___enter___impl(AtomicObject *self);

static PyObject *
stackless_atomic___enter__(AtomicObject *self, PyObject *Py_UNUSED(ignored))
{
    return stackless_atomic___enter___impl(self);
}

PyDoc_STRVAR(stackless_atomic___exit____doc__,
"__exit__($self, exc_type, exc_value, traceback, /)\n"
"--\n"
"\n"
"Give the current tasklet its old atomic flag back.");

#define STACKLESS_ATOMIC___EXIT___METHODDEF    \
    {"__exit__", _PyCFunction_CAST(stackless_atomic___exit__), METH_FASTCALL, stackless_atomic___exit____doc__},

static PyObject *
stackless_atomic___exit___impl(AtomicObject *self, PyObject *exc_type,
                               PyObject *exc_value, PyObject *traceback);

static PyObject *
stackless_atomic___exit__(AtomicObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *return_value = NULL;
    PyObject *exc_type;
    PyObject *exc_value;
    PyObject *traceback;

    if (!_PyArg_CheckPositional("__exit__", nargs, 3, 3)) {
        goto exit;
    }
    exc_type = args[0];
    exc_value = args[1];
    traceback = args[2];
    return_value = stackless_atomic___exit___impl(self, exc_type, exc_value, traceback);

exit:
    return return_value;
}

PyDoc_STRVAR(mod_reduce__doc__,
"__reduce__($self, /)\n"
"--\n"
"\n"
"The module pickles by name.");

#define MOD_REDUCE_METHODDEF    \
    {"__reduce__", (PyCFunction)mod_reduce, METH_NOARGS, mod_reduce__doc__},

static PyObject *
mod_reduce_impl(PyObject *self);

static PyObject *
mod_reduce(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    return mod_reduce_impl(self);
}

PyDoc_STRVAR(mod_reduce_ex__doc__,
"__reduce_ex__($self, protocol, /)\n"
"--\n"
"\n"
"The module pickles by name.");

#define MOD_REDUCE_EX_METHODDEF    \
    {"__reduce_ex__", (PyCFunction)mod_reduce_ex, METH_O, mod_reduce_ex__doc__},
/*[clinic end generated code: output=b1cea68c583f9968 input=a9049054013a1b77]*/
