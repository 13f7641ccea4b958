/*[clinic input]
preserve
[clinic start generated code]*/

#if defined(Py_BUILD_CORE) && !defined(Py_BUILD_CORE_MODULE)
#  include "pycore_gc.h"          // PyGC_Head
#  include "pycore_runtime.h"     // _Py_ID()
#endif
#include "pycore_modsupport.h"    // _PyArg_UnpackKeywords()

PyDoc_STRVAR(tasklet_init__doc__,
"tasklet(func=None, args=None, kwargs=None)\n"
"--\n"
"\n"
"A microthread.\n"
"\n"
"tasklet(func) binds func; calling the tasklet with arguments (setup)\n"
"makes it runnable: stackless.tasklet(f)(1, 2).");

static int
tasklet_init_impl(PyTaskletObject *self, PyObject *func, PyObject *args,
                  PyObject *kwargs);

static int
tasklet_init(PyObject *self, PyObject *args, PyObject *kwargs)
{
    int return_value = -1;
    #if defined(Py_BUILD_CORE) && !defined(Py_BUILD_CORE_MODULE)

    #define NUM_KEYWORDS 3
    static struct {
        PyGC_Head _this_is_not_used;
        PyObject_VAR_HEAD
        PyObject *ob_item[NUM_KEYWORDS];
    } _kwtuple = {
        .ob_base = PyVarObject_HEAD_INIT(&PyTuple_Type, NUM_KEYWORDS)
        .ob_item = { &_Py_ID(func), &_Py_ID(args), &_Py_ID(kwargs), },
    };
    #undef NUM_KEYWORDS
    #define KWTUPLE (&_kwtuple.ob_base.ob_base)

    #else  // !Py_BUILD_CORE
    #  define KWTUPLE NULL
    #endif  // !Py_BUILD_CORE

    static const char * const _keywords[] = {"func", "args", "kwargs", NULL};
    static _PyArg_Parser _parser = {
        .keywords = _keywords,
        .fname = "tasklet",
        .kwtuple = KWTUPLE,
    };
    #undef KWTUPLE
    PyObject *argsbuf[3];
    PyObject * const *fastargs;
    Py_ssize_t nargs = PyTuple_GET_SIZE(args);
    Py_ssize_t noptargs = nargs + (kwargs ? PyDict_GET_SIZE(kwargs) : 0) - 0;
    PyObject *func = Py_None;
    PyObject *__clinic_args = Py_None;
    PyObject *__clinic_kwargs = Py_None;

    fastargs = _PyArg_UnpackKeywords(_PyTuple_CAST(args)->ob_item, nargs, kwargs, NULL, &_parser, 0, 3, 0, argsbuf);
    if (!fastargs) {
        goto exit;
    }
    if (!noptargs) {
        goto skip_optional_pos;
    }
    if (fastargs[0]) {
        func = fastargs[0];
        if (!--noptargs) {
            goto skip_optional_pos;
        }
    }
    if (fastargs[1]) {
        __clinic_args = fastargs[1];
        if (!--noptargs) {
            goto skip_optional_pos;
        }
    }
    __clinic_kwargs = fastargs[2];
skip_optional_pos:
    return_value = tasklet_init_impl((PyTaskletObject *)self, func, __clinic_args, __clinic_kwargs);

exit:
    return return_value;
}

PyDoc_STRVAR(stackless_tasklet_bind__doc__,
"bind($self, /, func=None, args=None, kwargs=None)\n"
"--\n"
"\n"
"Bind func, and set up the call func(*args, **kwargs) if either is given.\n"
"\n"
"Without args and kwargs the tasklet only keeps func (None unbinds it);\n"
"with them it is paused, ready to run.  A paused tasklet without C state\n"
"loses its frames without running their cleanup code.  Returns self.");

#define STACKLESS_TASKLET_BIND_METHODDEF    \
    {"bind", _PyCFunction_CAST(stackless_tasklet_bind), METH_FASTCALL|METH_KEYWORDS, stackless_tasklet_bind__doc__},

static PyObject *
stackless_tasklet_bind_impl(PyTaskletObject *self, PyObject *func,
                            PyObject *args, PyObject *kwargs);

static PyObject *
stackless_tasklet_bind(PyTaskletObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *return_value = NULL;
    #if defined(Py_BUILD_CORE) && !defined(Py_BUILD_CORE_MODULE)

    #define NUM_KEYWORDS 3
    static struct {
        PyGC_Head _this_is_not_used;
        PyObject_VAR_HEAD
        PyObject *ob_item[NUM_KEYWORDS];
    } _kwtuple = {
        .ob_base = PyVarObject_HEAD_INIT(&PyTuple_Type, NUM_KEYWORDS)
        .ob_item = { &_Py_ID(func), &_Py_ID(args), &_Py_ID(kwargs), },
    };
    #undef NUM_KEYWORDS
    #define KWTUPLE (&_kwtuple.ob_base.ob_base)

    #else  // !Py_BUILD_CORE
    #  define KWTUPLE NULL
    #endif  // !Py_BUILD_CORE

    static const char * const _keywords[] = {"func", "args", "kwargs", NULL};
    static _PyArg_Parser _parser = {
        .keywords = _keywords,
        .fname = "bind",
        .kwtuple = KWTUPLE,
    };
    #undef KWTUPLE
    PyObject *argsbuf[3];
    Py_ssize_t noptargs = nargs + (kwnames ? PyTuple_GET_SIZE(kwnames) : 0) - 0;
    PyObject *func = Py_None;
    PyObject *__clinic_args = Py_None;
    PyObject *__clinic_kwargs = Py_None;

    args = _PyArg_UnpackKeywords(args, nargs, NULL, kwnames, &_parser, 0, 3, 0, argsbuf);
    if (!args) {
        goto exit;
    }
    if (!noptargs) {
        goto skip_optional_pos;
    }
    if (args[0]) {
        func = args[0];
        if (!--noptargs) {
            goto skip_optional_pos;
        }
    }
    if (args[1]) {
        __clinic_args = args[1];
        if (!--noptargs) {
            goto skip_optional_pos;
        }
    }
    __clinic_kwargs = args[2];
skip_optional_pos:
    return_value = stackless_tasklet_bind_impl(self, func, __clinic_args, __clinic_kwargs);

exit:
    return return_value;
}

PyDoc_STRVAR(stackless_tasklet_insert__doc__,
"insert($self, /)\n"
"--\n"
"\n"
"Append a paused tasklet to its thread\'s run queue; returns self.");

#define STACKLESS_TASKLET_INSERT_METHODDEF    \
    {"insert", (PyCFunction)stackless_tasklet_insert, METH_NOARGS, stackless_tasklet_insert__doc__},

static PyObject *
stackless_tasklet_insert_impl(PyTaskletObject *self);

static PyObject *
stackless_tasklet_insert(PyTaskletObject *self, PyObject *Py_UNUSED(ignored))
{
    return stackless_tasklet_insert_impl(self);
}

PyDoc_STRVAR(stackless_tasklet_remove__doc__,
"remove($self, /)\n"
"--\n"
"\n"
"Take a runnable tasklet out of its thread\'s run queue; returns self.");

#define STACKLESS_TASKLET_REMOVE_METHODDEF    \
    {"remove", (PyCFunction)stackless_tasklet_remove, METH_NOARGS, stackless_tasklet_remove__doc__},

static PyObject *
stackless_tasklet_remove_impl(PyTaskletObject *self);

static PyObject *
stackless_tasklet_remove(PyTaskletObject *self, PyObject *Py_UNUSED(ignored))
{
    return stackless_tasklet_remove_impl(self);
}

PyDoc_STRVAR(stackless_tasklet_set_atomic__doc__,
"set_atomic($self, /, flag)\n"
"--\n"
"\n"
"Set the atomic flag (no pre-emption while set); returns the old value.");

#define STACKLESS_TASKLET_SET_ATOMIC_METHODDEF    \
    {"set_atomic", _PyCFunction_CAST(stackless_tasklet_set_atomic), METH_FASTCALL|METH_KEYWORDS, stackless_tasklet_set_atomic__doc__},

static PyObject *
stackless_tasklet_set_atomic_impl(PyTaskletObject *self, PyObject *flag);

static PyObject *
stackless_tasklet_set_atomic(PyTaskletObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
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
        .ob_item = { &_Py_ID(flag), },
    };
    #undef NUM_KEYWORDS
    #define KWTUPLE (&_kwtuple.ob_base.ob_base)

    #else  // !Py_BUILD_CORE
    #  define KWTUPLE NULL
    #endif  // !Py_BUILD_CORE

    static const char * const _keywords[] = {"flag", NULL};
    static _PyArg_Parser _parser = {
        .keywords = _keywords,
        .fname = "set_atomic",
        .kwtuple = KWTUPLE,
    };
    #undef KWTUPLE
    PyObject *argsbuf[1];
    PyObject *flag;

    args = _PyArg_UnpackKeywords(args, nargs, NULL, kwnames, &_parser, 1, 1, 0, argsbuf);
    if (!args) {
        goto exit;
    }
    flag = args[0];
    return_value = stackless_tasklet_set_atomic_impl(self, flag);

exit:
    return return_value;
}

PyDoc_STRVAR(stackless_tasklet_set_ignore_nesting__doc__,
"set_ignore_nesting($self, /, flag)\n"
"--\n"
"\n"
"Set the ignore_nesting flag; returns the old value.\n"
"\n"
"A tasklet with this flag may be pre-empted even while it has C state.");

#define STACKLESS_TASKLET_SET_IGNORE_NESTING_METHODDEF    \
    {"set_ignore_nesting", _PyCFunction_CAST(stackless_tasklet_set_ignore_nesting), METH_FASTCALL|METH_KEYWORDS, stackless_tasklet_set_ignore_nesting__doc__},

static PyObject *
stackless_tasklet_set_ignore_nesting_impl(PyTaskletObject *self,
                                          PyObject *flag);

static PyObject *
stackless_tasklet_set_ignore_nesting(PyTaskletObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
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
        .ob_item = { &_Py_ID(flag), },
    };
    #undef NUM_KEYWORDS
    #define KWTUPLE (&_kwtuple.ob_base.ob_base)

    #else  // !Py_BUILD_CORE
    #  define KWTUPLE NULL
    #endif  // !Py_BUILD_CORE

    static const char * const _keywords[] = {"flag", NULL};
    static _PyArg_Parser _parser = {
        .keywords = _keywords,
        .fname = "set_ignore_nesting",
        .kwtuple = KWTUPLE,
    };
    #undef KWTUPLE
    PyObject *argsbuf[1];
    PyObject *flag;

    args = _PyArg_UnpackKeywords(args, nargs, NULL, kwnames, &_parser, 1, 1, 0, argsbuf);
    if (!args) {
        goto exit;
    }
    flag = args[0];
    return_value = stackless_tasklet_set_ignore_nesting_impl(self, flag);

exit:
    return return_value;
}

PyDoc_STRVAR(stackless_tasklet_bind_thread__doc__,
"bind_thread($self, thread_id=-1, /)\n"
"--\n"
"\n"
"Move a tasklet that is not runnable to a thread (-1: the calling one).");

#define STACKLESS_TASKLET_BIND_THREAD_METHODDEF    \
    {"bind_thread", _PyCFunction_CAST(stackless_tasklet_bind_thread), METH_FASTCALL, stackless_tasklet_bind_thread__doc__},

static PyObject *
stackless_tasklet_bind_thread_impl(PyTaskletObject *self, PyObject *idobj);

static PyObject *
stackless_tasklet_bind_thread(PyTaskletObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *return_value = NULL;
    PyObject *idobj = NULL;

    if (!_PyArg_CheckPositional("bind_thread", nargs, 0, 1)) {
        goto exit;
    }
    if (nargs < 1) {
        goto skip_optional;
    }
    idobj = args[0];
skip_optional:
    return_value = stackless_tasklet_bind_thread_impl(self, idobj);

exit:
    return return_value;
}

PyDoc_STRVAR(stackless_tasklet_set_context__doc__,
"set_context($self, /, context)\n"
"--\n"
"\n"
"Give the tasklet another contextvars.Context; returns self.");

#define STACKLESS_TASKLET_SET_CONTEXT_METHODDEF    \
    {"set_context", _PyCFunction_CAST(stackless_tasklet_set_context), METH_FASTCALL|METH_KEYWORDS, stackless_tasklet_set_context__doc__},

static PyObject *
stackless_tasklet_set_context_impl(PyTaskletObject *self, PyObject *ctx);

static PyObject *
stackless_tasklet_set_context(PyTaskletObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
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
        .ob_item = { &_Py_ID(context), },
    };
    #undef NUM_KEYWORDS
    #define KWTUPLE (&_kwtuple.ob_base.ob_base)

    #else  // !Py_BUILD_CORE
    #  define KWTUPLE NULL
    #endif  // !Py_BUILD_CORE

    static const char * const _keywords[] = {"context", NULL};
    static _PyArg_Parser _parser = {
        .keywords = _keywords,
        .fname = "set_context",
        .kwtuple = KWTUPLE,
    };
    #undef KWTUPLE
    PyObject *argsbuf[1];
    PyObject *ctx;

    args = _PyArg_UnpackKeywords(args, nargs, NULL, kwnames, &_parser, 1, 1, 0, argsbuf);
    if (!args) {
        goto exit;
    }
    ctx = args[0];
    return_value = stackless_tasklet_set_context_impl(self, ctx);

exit:
    return return_value;
}

PyDoc_STRVAR(stackless_tasklet___reduce____doc__,
"__reduce__($self, /)\n"
"--\n"
"\n"
"Return (type, (), state) for pickle; not for the current tasklet.");

#define STACKLESS_TASKLET___REDUCE___METHODDEF    \
    {"__reduce__", (PyCFunction)stackless_tasklet___reduce__, METH_NOARGS, stackless_tasklet___reduce____doc__},

static PyObject *
stackless_tasklet___reduce___impl(PyTaskletObject *self);

static PyObject *
stackless_tasklet___reduce__(PyTaskletObject *self, PyObject *Py_UNUSED(ignored))
{
    return stackless_tasklet___reduce___impl(self);
}

PyDoc_STRVAR(stackless_tasklet___reduce_ex____doc__,
"__reduce_ex__($self, protocol, /)\n"
"--\n"
"\n"
"Return the same as __reduce__(); the protocol is ignored.");

#define STACKLESS_TASKLET___REDUCE_EX___METHODDEF    \
    {"__reduce_ex__", (PyCFunction)stackless_tasklet___reduce_ex__, METH_O, stackless_tasklet___reduce_ex____doc__},

PyDoc_STRVAR(stackless_tasklet___setstate____doc__,
"__setstate__($self, state, /)\n"
"--\n"
"\n"
"Rebuild a new tasklet from a pickled state; it is left paused.");

#define STACKLESS_TASKLET___SETSTATE___METHODDEF    \
    {"__setstate__", (PyCFunction)stackless_tasklet___setstate__, METH_O, stackless_tasklet___setstate____doc__},
/*[clinic end generated code: output=239b7eb6cb33256b input=a9049054013a1b77]*/
