/* The built-in `stackless` module (spec §2): scheduling functions,
 * callbacks, the atomic context manager and computed attributes.
 *
 * It is compiled into the interpreter (Modules/config.c registers it), not
 * built as a shared library: the scheduler lives in the core and every
 * thread state refers to it, so it cannot be optional or loaded late.
 */

#include "core/slp_internal.h"
#include "stackless_version.h"
#include "pycore_tuple.h"          // _PyTuple_FromArray()

#define PICKLEFLAGS_MASK 7

/* ------------------------------------------------------------------ */
/* Scheduling functions */

static PyObject *
slp_getcurrent(PyObject *m, PyObject *Py_UNUSED(ignored))
{
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    return ts ? Py_NewRef(ts->current) : NULL;
}

static PyObject *
slp_getmain(PyObject *m, PyObject *Py_UNUSED(ignored))
{
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    return ts ? Py_NewRef(ts->main) : NULL;
}

static PyObject *
slp_getruncount(PyObject *m, PyObject *Py_UNUSED(ignored))
{
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    return ts ? PyLong_FromSsize_t(ts->runcount) : NULL;
}

static PyObject *
slp_getcurrentid(PyObject *m, PyObject *Py_UNUSED(ignored))
{
    PyThreadState *tstate = _PyThreadState_GET();
    PySlp_ThreadState *ts = _PySlp_TS(tstate);
    if (ts == NULL || ts->current == ts->main) {
        return PyLong_FromUnsignedLong(tstate->thread_id);
    }
    return PyLong_FromVoidPtr(ts->current);
}

/* schedule(retval=<current>) and schedule_remove(): vectorcall, so that
   a tasklet suspended in them has its calling frame's stack noted. */
static PyObject *
schedule_impl(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
              const char *name, int remove, void *cfunc)
{
    PyObject *retval = NULL;
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    if (nargs + nkw > 1) {
        PyErr_Format(PyExc_TypeError,
                     "%s() takes at most 1 argument (%zd given)", name,
                     nargs + nkw);
        return NULL;
    }
    if (nargs == 1) {
        retval = args[0];
    }
    else if (nkw == 1) {
        if (!_PyUnicode_EqualToASCIIString(PyTuple_GET_ITEM(kwnames, 0),
                                           "retval")) {
            PyErr_Format(PyExc_TypeError,
                         "%s() got an unexpected keyword argument '%U'",
                         name, PyTuple_GET_ITEM(kwnames, 0));
            return NULL;
        }
        retval = args[0];
    }
    _PySlp_NoteCall(args, nargs, nkw, cfunc);
    return _PySlp_ForgetCallArgs(_PySlp_Schedule(retval, remove));
}

static PyObject *slp_schedule_remove(PyObject *, PyObject *const *,
                                     Py_ssize_t, PyObject *);

static PyObject *
slp_schedule(PyObject *m, PyObject *const *args, Py_ssize_t nargs,
             PyObject *kwnames)
{
    return schedule_impl(args, nargs, kwnames, "schedule", 0,
                         (void *)slp_schedule);
}

static PyObject *
slp_schedule_remove(PyObject *m, PyObject *const *args, Py_ssize_t nargs,
                    PyObject *kwnames)
{
    return schedule_impl(args, nargs, kwnames, "schedule_remove", 1,
                         (void *)slp_schedule_remove);
}

/* Parse vectorcall arguments as PyArg_ParseTupleAndKeywords() would;
   for the stackless calls that are vectorcall only so that they can
   switch softly (their arguments then lie on the caller's stack). */
int
_PySlp_ParseFast(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                 const char *format, const char * const *kwlist, ...)
{
    PyObject *tuple = _PyTuple_FromArray(args, nargs);
    PyObject *dict = NULL;
    if (tuple == NULL) {
        return 0;
    }
    if (kwnames != NULL) {
        dict = PyDict_New();
        for (Py_ssize_t i = 0;
             dict != NULL && i < PyTuple_GET_SIZE(kwnames); i++) {
            if (PyDict_SetItem(dict, PyTuple_GET_ITEM(kwnames, i),
                               args[nargs + i]) < 0) {
                Py_CLEAR(dict);
            }
        }
        if (dict == NULL) {
            Py_DECREF(tuple);
            return 0;
        }
    }
    va_list va;
    va_start(va, kwlist);
    int ok = PyArg_VaParseTupleAndKeywords(tuple, dict, format,
                                           (char **)kwlist, va);
    va_end(va);
    Py_DECREF(tuple);
    Py_XDECREF(dict);
    return ok;
}

/* run(): vectorcall like schedule(), so that it can switch softly. */
static PyObject *
slp_run(PyObject *m, PyObject *const *args, Py_ssize_t nargs,
        PyObject *kwnames)
{
    static const char * const kwlist[] = {
        "timeout", "threadblock", "soft", "ignore_nesting", "totaltimeout",
        NULL};
    long timeout = 0;
    int threadblock = 0, soft = 0, ignore_nesting = 0, totaltimeout = 0;
    if ((nargs != 0 || kwnames != NULL)
        && !_PySlp_ParseFast(args, nargs, kwnames, "|liiii:run", kwlist,
                             &timeout, &threadblock, &soft, &ignore_nesting,
                             &totaltimeout)) {
        return NULL;
    }
    if (timeout > 0) {
        PyErr_SetString(PyExc_NotImplementedError,
                        "pre-emptive run(timeout) is not implemented yet");
        return NULL;
    }
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    _PySlp_NoteCall(args, nargs, nkw, (void *)slp_run);
    return _PySlp_ForgetCallArgs(_PySlp_RunWatchdog());
}

static PyObject *
slp_get_thread_info(PyObject *m, PyObject *args)
{
    PyObject *idobj = NULL;
    long flags = 0;
    if (!PyArg_ParseTuple(args, "|O!l:get_thread_info", &PyLong_Type,
                          &idobj, &flags)) {
        return NULL;
    }
    PyThreadState *tstate = _PyThreadState_GET();
    if (idobj != NULL) {
        long long id = PyLong_AsLongLong(idobj);
        if (id == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            id = (long long)PyLong_AsUnsignedLongLong(idobj);
            if (PyErr_Occurred()) {
                return NULL;
            }
        }
        if (id != -1) {
            PyThreadState *t = PyInterpreterState_ThreadHead(tstate->interp);
            while (t != NULL && t->thread_id != (unsigned long)id) {
                t = PyThreadState_Next(t);
            }
            if (t == NULL) {
                PyErr_SetString(PyExc_RuntimeError, "Thread id not found");
                return NULL;
            }
            tstate = t;
        }
    }
    PySlp_ThreadState *ts = _PySlp_TS(tstate);
    if (ts == NULL && tstate == _PyThreadState_GET()) {
        ts = _PySlp_GetThreadState();
        if (ts == NULL) {
            return NULL;
        }
    }
    if (ts == NULL) {
        return Py_BuildValue("(OOi)", Py_None, Py_None, 0);
    }
    return Py_BuildValue("(OOn)", ts->main ? (PyObject *)ts->main : Py_None,
                         ts->runcount && ts->current
                         ? (PyObject *)ts->current : Py_None,
                         ts->runcount);
}

static PyObject *
slp_switch_trap(PyObject *m, PyObject *args)
{
    int change = 0;
    if (!PyArg_ParseTuple(args, "|i:switch_trap", &change)) {
        return NULL;
    }
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    if (ts == NULL) {
        return NULL;
    }
    int old = ts->switch_trap;
    ts->switch_trap += change;
    /* Kills deferred while the trap was set may happen now. */
    _PySlp_RunDeferredKills(ts);
    if (PyErr_Occurred()) {
        return NULL;
    }
    return PyLong_FromLong(old);
}

/* ------------------------------------------------------------------ */
/* Callbacks (spec §2.2, §7) */

static PyObject *
set_callback(PyObject **slot, PyObject *cb, const char *msg)
{
    if (cb != Py_None && !PyCallable_Check(cb)) {
        PyErr_SetString(PyExc_TypeError, msg);
        return NULL;
    }
    PyObject *old = *slot;
    *slot = cb == Py_None ? NULL : Py_NewRef(cb);
    return old ? old : Py_NewRef(Py_None);
}

static PyObject *
slp_set_schedule_callback(PyObject *m, PyObject *cb)
{
    return set_callback(&_PySlp_globals.schedule_callback, cb,
                        "schedule callback must be callable");
}

static PyObject *
slp_get_schedule_callback(PyObject *m, PyObject *Py_UNUSED(ignored))
{
    PyObject *cb = _PySlp_globals.schedule_callback;
    return Py_NewRef(cb ? cb : Py_None);
}

static PyObject *
slp_set_channel_callback(PyObject *m, PyObject *cb)
{
    return set_callback(&_PySlp_globals.channel_callback, cb,
                        "channel callback must be callable");
}

static PyObject *
slp_get_channel_callback(PyObject *m, PyObject *Py_UNUSED(ignored))
{
    PyObject *cb = _PySlp_globals.channel_callback;
    return Py_NewRef(cb ? cb : Py_None);
}

static PyObject *
slp_set_error_handler(PyObject *m, PyObject *args)
{
    PyObject *handler = Py_None;
    if (!PyArg_ParseTuple(args, "|O:set_error_handler", &handler)) {
        return NULL;
    }
    return set_callback(&_PySlp_globals.error_handler, handler,
                        "error handler must be callable");
}

/* ------------------------------------------------------------------ */
/* Switching mode, pickle flags */

static PyObject *
slp_enable_softswitch(PyObject *m, PyObject *flag)
{
    int old = _PySlp_globals.softswitch;
    if (flag != Py_None) {
        int v = PyObject_IsTrue(flag);
        if (v < 0) {
            return NULL;
        }
        /* Recorded; until soft switching exists every switch is hard. */
        _PySlp_globals.softswitch = v;
    }
    return PyBool_FromLong(old);
}

static PyObject *
update_flags(long *slot, PyObject *args, PyObject *kwds, const char *fmt,
             char **kwlist)
{
    long value = -1, mask = -1;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, fmt, kwlist,
                                     &value, &mask)) {
        return NULL;
    }
    long old = *slot;
    if (value == -1) {
        return PyLong_FromLong(old);
    }
    if (value < -1 || (value & mask & ~PICKLEFLAGS_MASK)) {
        PyErr_SetString(PyExc_ValueError,
                        "you must not set an undefined pickle-flag");
        return NULL;
    }
    *slot = (old & ~mask) | (value & mask);
    return PyLong_FromLong(old);
}

static PyObject *
slp_pickle_flags(PyObject *m, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"new_flags", "mask", NULL};
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    if (ts == NULL) {
        return NULL;
    }
    return update_flags(&ts->pickle_flags, args, kwds, "|ll:pickle_flags",
                        kwlist);
}

static PyObject *
slp_pickle_flags_default(PyObject *m, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"new_default", "mask", NULL};
    return update_flags(&_PySlp_globals.pickle_flags_default, args, kwds,
                        "|ll:pickle_flags_default", kwlist);
}

/* ------------------------------------------------------------------ */
/* Miscellaneous */

static PyObject *
slp_getdebug(PyObject *m, PyObject *Py_UNUSED(ignored))
{
#ifdef Py_DEBUG
    Py_RETURN_TRUE;
#else
    Py_RETURN_FALSE;
#endif
}

static PyObject *
slp_getuncollectables(PyObject *m, PyObject *Py_UNUSED(ignored))
{
    PyObject *list = PyList_New(0);
    if (list == NULL) {
        return NULL;
    }
    PyInterpreterState *interp = _PyInterpreterState_GET();
    PyThreadState *t = PyInterpreterState_ThreadHead(interp);
    for (; t != NULL; t = PyThreadState_Next(t)) {
        PySlp_ThreadState *ts = _PySlp_TS(t);
        PyTaskletObject *h = ts ? ts->cstate_head : NULL;
        PyTaskletObject *c = h;
        while (c != NULL) {
            /* The list holds soft tasklets too: only C state counts. */
            if (c != ts->current && c->started
                && PyList_Append(list, (PyObject *)c) < 0) {
                Py_DECREF(list);
                return NULL;
            }
            c = c->cs_next == h ? NULL : c->cs_next;
        }
    }
    return list;
}

static PyObject *
slp_getthreads(PyObject *m, PyObject *Py_UNUSED(ignored))
{
    PyObject *list = PyList_New(0);
    if (list == NULL) {
        return NULL;
    }
    PyInterpreterState *interp = _PyInterpreterState_GET();
    PyThreadState *t = PyInterpreterState_ThreadHead(interp);
    for (; t != NULL; t = PyThreadState_Next(t)) {
        PyObject *id = PyLong_FromUnsignedLong(t->thread_id);
        /* The list starts with the newest thread: put each in front. */
        if (id == NULL || PyList_Insert(list, 0, id) < 0) {
            Py_XDECREF(id);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(id);
    }
    return list;
}

/* ------------------------------------------------------------------ */
/* atomic: a context manager over the current tasklet's atomic flag */

typedef struct {
    PyObject_HEAD
    int saved;
} AtomicObject;

static PyObject *
atomic_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    return type->tp_alloc(type, 0);
}

static PyObject *
atomic_enter(AtomicObject *self, PyObject *Py_UNUSED(ignored))
{
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    if (ts == NULL) {
        return NULL;
    }
    self->saved = ts->current->atomic;
    ts->current->atomic = 1;
    return Py_NewRef(self);
}

static PyObject *
atomic_exit(AtomicObject *self, PyObject *args)
{
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    if (ts == NULL) {
        return NULL;
    }
    ts->current->atomic = self->saved;
    Py_RETURN_FALSE;
}

static PyMethodDef atomic_methods[] = {
    {"__enter__", (PyCFunction)atomic_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)atomic_exit, METH_VARARGS, NULL},
    {NULL, NULL},
};

static PyTypeObject Atomic_Type = {
    PyVarObject_HEAD_INIT(&PyType_Type, 0)
    .tp_name = "stackless.atomic",
    .tp_basicsize = sizeof(AtomicObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = PyDoc_STR("with atomic(): the current tasklet is atomic "
                        "inside the block"),
    .tp_methods = atomic_methods,
    .tp_new = atomic_new,
};

/* ------------------------------------------------------------------ */
/* The module object's class: attributes computed on every access. */

static PyObject *
mod_get_current(PyObject *m, void *c)
{
    return slp_getcurrent(m, NULL);
}

static PyObject *
mod_get_main(PyObject *m, void *c)
{
    return slp_getmain(m, NULL);
}

static PyObject *
mod_get_runcount(PyObject *m, void *c)
{
    return slp_getruncount(m, NULL);
}

static PyObject *
mod_get_threads(PyObject *m, void *c)
{
    return slp_getthreads(m, NULL);
}

static PyObject *
mod_get_uncollectables(PyObject *m, void *c)
{
    return slp_getuncollectables(m, NULL);
}

static PyObject *
mod_get_debug(PyObject *m, void *c)
{
    return slp_getdebug(m, NULL);
}

static PyObject *
mod_get_tracing_state(PyObject *m, void *c)
{
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    return ts ? PyBool_FromLong(ts->pickle_flags & 1) : NULL;
}

static int
mod_set_tracing_state(PyObject *m, PyObject *v, void *c)
{
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    int on = v ? PyObject_IsTrue(v) : 0;
    if (ts == NULL || on < 0) {
        return -1;
    }
    ts->pickle_flags = (ts->pickle_flags & ~1L) | on;
    _PySlp_globals.pickle_flags_default =
        (_PySlp_globals.pickle_flags_default & ~1L) | on;
    return 0;
}

static PyObject *
mod_reduce(PyObject *m, PyObject *Py_UNUSED(ignored))
{
    return PyUnicode_FromString("stackless");
}

static PyGetSetDef module_getset[] = {
    {"current", mod_get_current, NULL, PyDoc_STR("getcurrent()")},
    {"main", mod_get_main, NULL, PyDoc_STR("getmain()")},
    {"runcount", mod_get_runcount, NULL, PyDoc_STR("getruncount()")},
    {"threads", mod_get_threads, NULL, PyDoc_STR("getthreads()")},
    {"uncollectables", mod_get_uncollectables, NULL,
     PyDoc_STR("getuncollectables()")},
    {"debug", mod_get_debug, NULL, PyDoc_STR("getdebug()")},
    {"pickle_with_tracing_state", mod_get_tracing_state,
     mod_set_tracing_state,
     PyDoc_STR("deprecated: PICKLEFLAGS_PRESERVE_TRACING_STATE")},
    {NULL},
};

static PyMethodDef module_type_methods[] = {
    {"__reduce__", (PyCFunction)mod_reduce, METH_NOARGS, NULL},
    {"__reduce_ex__", (PyCFunction)mod_reduce, METH_O, NULL},
    {NULL, NULL},
};

/* GC support, size and the rest are inherited from the module type. */
static PyTypeObject StacklessModule_Type = {
    PyVarObject_HEAD_INIT(&PyType_Type, 0)
    .tp_name = "stackless.StacklessModuleType",
    .tp_base = &PyModule_Type,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = module_type_methods,
    .tp_getset = module_getset,
};

/* ------------------------------------------------------------------ */

PyDoc_STRVAR(stackless_doc,
"Microthreads for Python: tasklets, channels and a scheduler.\n\
\n\
This is the built-in module of Stackless Python " STACKLESS_VERSION ".");

#define KW METH_VARARGS | METH_KEYWORDS
#define FN(f) (PyCFunction)(void (*)(void))(f)

static PyMethodDef stackless_methods[] = {
    {"getcurrent", slp_getcurrent, METH_NOARGS,
     PyDoc_STR("getcurrent() -> the current tasklet of this thread")},
    {"getmain", slp_getmain, METH_NOARGS,
     PyDoc_STR("getmain() -> the main tasklet of this thread")},
    {"getruncount", slp_getruncount, METH_NOARGS,
     PyDoc_STR("getruncount() -> runnable tasklets, the current one "
               "included")},
    {"getcurrentid", slp_getcurrentid, METH_NOARGS,
     PyDoc_STR("getcurrentid() -> a cheap id of the current tasklet")},
    {"schedule", FN(slp_schedule), METH_FASTCALL | METH_KEYWORDS,
     PyDoc_STR("schedule(retval=current): let the next tasklet run")},
    {"schedule_remove", FN(slp_schedule_remove),
     METH_FASTCALL | METH_KEYWORDS,
     PyDoc_STR("schedule_remove(retval=current): pause and let the next "
               "tasklet run")},
    {"run", FN(slp_run), METH_FASTCALL | METH_KEYWORDS,
     PyDoc_STR("run(timeout=0, ...): run the other tasklets until none "
               "is runnable")},
    {"get_thread_info", slp_get_thread_info, METH_VARARGS,
     PyDoc_STR("get_thread_info(thread_id=-1) -> (main, current, "
               "runcount)")},
    {"switch_trap", slp_switch_trap, METH_VARARGS,
     PyDoc_STR("switch_trap(change=0) -> previous level; non-zero forbids "
               "switching")},
    {"set_schedule_callback", slp_set_schedule_callback, METH_O,
     PyDoc_STR("set_schedule_callback(callable) -> previous callback")},
    {"get_schedule_callback", slp_get_schedule_callback, METH_NOARGS,
     PyDoc_STR("get_schedule_callback() -> callback or None")},
    {"set_channel_callback", slp_set_channel_callback, METH_O,
     PyDoc_STR("set_channel_callback(callable) -> previous callback")},
    {"get_channel_callback", slp_get_channel_callback, METH_NOARGS,
     PyDoc_STR("get_channel_callback() -> callback or None")},
    {"set_error_handler", slp_set_error_handler, METH_VARARGS,
     PyDoc_STR("set_error_handler(handler=None) -> previous handler")},
    {"enable_softswitch", slp_enable_softswitch, METH_O,
     PyDoc_STR("enable_softswitch(flag) -> previous setting; None "
               "queries")},
    {"pickle_flags", FN(slp_pickle_flags), KW,
     PyDoc_STR("pickle_flags(new_flags=-1, mask=-1) -> previous flags")},
    {"pickle_flags_default", FN(slp_pickle_flags_default), KW,
     PyDoc_STR("pickle_flags_default(new_default=-1, mask=-1) -> "
               "previous")},
    {"getdebug", slp_getdebug, METH_NOARGS,
     PyDoc_STR("getdebug() -> True for a debug build")},
    {"getuncollectables", slp_getuncollectables, METH_NOARGS,
     PyDoc_STR("getuncollectables() -> tasklets holding C state")},
    {"getthreads", slp_getthreads, METH_NOARGS,
     PyDoc_STR("getthreads() -> ids of all threads, oldest first")},
    {NULL, NULL, 0, NULL},
};

static int
stackless_exec(PyObject *m)
{
    if (PyType_Ready(&StacklessModule_Type) < 0
        || _PySlp_SoftSwitchInit() < 0) {
        return -1;
    }
    if (!PyObject_TypeCheck(m, &PyModule_Type)
        || Py_TYPE(m)->tp_basicsize != PyModule_Type.tp_basicsize) {
        PyErr_SetString(PyExc_SystemError, "unexpected module object");
        return -1;
    }
    Py_SET_TYPE(m, &StacklessModule_Type);

    if (PyModule_AddType(m, &PySlpTasklet_Type) < 0
        || PyModule_AddType(m, &PySlpChannel_Type) < 0
        || PyModule_AddType(m, &PySlpBomb_Type) < 0
        || PyModule_AddType(m, &Atomic_Type) < 0) {
        return -1;
    }
    if (PyModule_AddObjectRef(m, "TaskletExit", PyExc_TaskletExit) < 0
        || PyModule_AddObjectRef(m, "stackless", m) < 0
        || PyModule_AddIntConstant(m, "PICKLEFLAGS_PRESERVE_TRACING_STATE",
                                   1) < 0
        || PyModule_AddIntConstant(m, "PICKLEFLAGS_PRESERVE_AG_FINALIZER",
                                   2) < 0
        || PyModule_AddIntConstant(m, "PICKLEFLAGS_RESET_AG_FINALIZER",
                                   4) < 0) {
        return -1;
    }
    PyObject *all = Py_BuildValue(
        "[sssssssssssssssssssssss]", "atomic", "channel",
        "enable_softswitch", "get_channel_callback", "get_schedule_callback",
        "get_thread_info", "getcurrent", "getcurrentid", "getdebug",
        "getmain", "getruncount", "getthreads", "getuncollectables",
        "pickle_with_tracing_state", "run", "schedule", "schedule_remove",
        "set_channel_callback", "set_error_handler", "set_schedule_callback",
        "switch_trap", "tasklet", "stackless");
    if (all == NULL) {
        return -1;
    }
    return PyModule_Add(m, "__all__", all);
}

static PyModuleDef_Slot stackless_slots[] = {
    {Py_mod_exec, stackless_exec},
    /* Callbacks and types are process-wide, so are the schedulers' hooks
       into every thread state: one interpreter only, for now. */
    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef stacklessmodule = {
    PyModuleDef_HEAD_INIT,
    .m_name = "stackless",
    .m_doc = stackless_doc,
    .m_size = 0,
    .m_methods = stackless_methods,
    .m_slots = stackless_slots,
};

PyMODINIT_FUNC
PyInit_stackless(void)
{
    return PyModuleDef_Init(&stacklessmodule);
}
