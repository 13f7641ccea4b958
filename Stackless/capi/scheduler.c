/* The C API: the scheduler, monitoring, and calls "as main"
 * (stackless_api.h; docs/c-api.md, "The scheduler" to "Calling from
 * outside"). */

#include "slp_capi.h"

PyUnwindObject *Py_UnwindToken = (PyUnwindObject *)PySlp_UNWIND;

/* ------------------------------------------------------------------ */
/* Scheduling */

static PyObject *
schedule(PyObject *retval, int remove, int nr)
{
    if (_PySlp_CapiReady() < 0) {
        return NULL;
    }
    if (!nr) {
        PySlp_HardOnly h;
        _PySlp_HardOnlyBegin(&h);
        PyObject *r = _PySlp_Schedule(retval, remove);
        _PySlp_HardOnlyEnd(&h);
        return r;
    }
    return _PySlp_Schedule(retval, remove);
}

PyObject *
PyStackless_Schedule(PyObject *retval, int remove)
{
    return schedule(retval, remove, 0);
}

PyObject *
PyStackless_Schedule_nr(PyObject *retval, int remove)
{
    return schedule(retval, remove, 1);
}

int
PyStackless_GetRunCount(void)
{
    if (_PySlp_CapiReady() < 0) {
        return -1;
    }
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    if (ts == NULL) {
        return -1;
    }
    return (int)ts->runcount;
}

/* NULL without an exception only if the thread's scheduler cannot be
   made (out of memory); the thread's main tasklet is made on first use
   (docs/c-api.md, "Inside and outside"). */
PyObject *
PyStackless_GetCurrent(void)
{
    PySlp_ThreadState *ts = _PySlp_CapiReady() < 0
                            ? NULL : _PySlp_GetThreadState();
    if (ts == NULL) {
        PyErr_Clear();
        return NULL;
    }
    return Py_NewRef(ts->current);
}

/* Without the GIL the thread state is the one PyGILState knows. */
unsigned long
PyStackless_GetCurrentId(void)
{
    PyThreadState *tstate = PyGILState_GetThisThreadState();
    PySlp_ThreadState *ts = tstate ? _PySlp_TS(tstate) : NULL;
    if (ts == NULL || ts->current == NULL || ts->current == ts->main) {
        return PyThread_get_thread_ident();
    }
    return (unsigned long)(uintptr_t)ts->current;
}

int
PyStackless_AdjustSwitchTrap(int change)
{
    if (_PySlp_CapiReady() < 0) {
        return -1;
    }
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    if (ts == NULL) {
        return -1;
    }
    int old = ts->switch_trap;
    ts->switch_trap += change;
    return old;
}

/* ------------------------------------------------------------------ */
/* run() */

static PyObject *
run_watchdog(long timeout, int flags, double budget)
{
    if (flags < 0 || flags > 255) {
        PyErr_SetString(PyExc_ValueError, "flags must be in [0..255]");
        return NULL;
    }
    int f = (flags & Py_WATCHDOG_THREADBLOCK ? PySlp_PREEMPT_THREADBLOCK : 0)
            | (flags & PY_WATCHDOG_SOFT ? PySlp_PREEMPT_SOFT : 0)
            | (flags & PY_WATCHDOG_IGNORE_NESTING
               ? PySlp_PREEMPT_IGNORE_NEST : 0)
            | (flags & PY_WATCHDOG_TOTALTIMEOUT ? PySlp_PREEMPT_TOTAL : 0);
    if (_PySlp_CapiReady() < 0) {
        return NULL;
    }
    PySlp_HardOnly h;
    _PySlp_HardOnlyBegin(&h);
    PyObject *r = _PySlp_RunWatchdog(timeout, f, budget);
    _PySlp_HardOnlyEnd(&h);
    return r;
}

PyObject *
PyStackless_RunWatchdog(long timeout)
{
    return run_watchdog(timeout, 0, 0.0);
}

PyObject *
PyStackless_RunWatchdogEx(long timeout, int flags)
{
    return run_watchdog(timeout, flags, 0.0);
}

PyObject *
PyStackless_RunWatchdogBudget(long timeout, int flags, double budget)
{
    return run_watchdog(timeout, flags, budget);
}

/* ------------------------------------------------------------------ */
/* Monitoring: the rules are the module functions' */

static int
set_callback(const char *setter, PyObject *callable)
{
    PyObject *m = PyImport_ImportModule("stackless");
    if (m == NULL) {
        return -1;
    }
    PyObject *old = PyObject_CallMethod(m, setter, "O",
                                        callable ? callable : Py_None);
    Py_DECREF(m);
    return _PySlp_DoneOrError(old);
}

int
PyStackless_SetChannelCallback(PyObject *callable)
{
    return set_callback("set_channel_callback", callable);
}

int
PyStackless_SetScheduleCallback(PyObject *callable)
{
    return set_callback("set_schedule_callback", callable);
}

/* One slot per interpreter: the C hook replaces a Python callback, and
   set_schedule_callback() replaces the C hook (core/callbacks.c). */
void
PyStackless_SetScheduleFastcallback(slp_schedule_hook_func func)
{
    PySlp_Settings *s = _PySlp_CapiReady() < 0 ? NULL
                        : _PySlp_GetSettings();
    if (s == NULL) {
        PyErr_Clear();
        return;
    }
    Py_CLEAR(s->schedule_callback);
    s->schedule_hook = func;
}

/* ------------------------------------------------------------------ */
/* Calls "as main" */

PyObject *
PyStackless_Call_Main(PyObject *func, PyObject *args, PyObject *kwds)
{
    if ((args != NULL && !PyTuple_Check(args))
        || (kwds != NULL && !PyDict_Check(kwds))) {
        PyErr_SetString(PyExc_TypeError,
                        "Call_Main needs a tuple and a dict or NULL");
        return NULL;
    }
    PyThreadState *tstate = _PyThreadState_GET();
    PySlp_ThreadState *ts = _PySlp_TS(tstate);
    if (tstate->current_frame != NULL
        || (ts != NULL && ts->current != ts->main)) {
        PyErr_SetString(PyExc_RuntimeError,
                        "Call_Main cannot run within a main tasklet");
        return NULL;
    }
    PyObject *empty = NULL;
    if (args == NULL) {
        args = empty = PyTuple_New(0);
        if (args == NULL) {
            return NULL;
        }
    }
    PyObject *r = PyObject_Call(func, args, kwds);
    Py_XDECREF(empty);
    return r;
}

/* The arguments Py_BuildValue makes of `format`, always a tuple. */
static PyObject *
build_args(const char *format, va_list va)
{
    if (format == NULL || *format == '\0') {
        return PyTuple_New(0);
    }
    PyObject *a = Py_VaBuildValue(format, va);
    if (a == NULL || PyTuple_Check(a)) {
        return a;
    }
    PyObject *t = PyTuple_Pack(1, a);
    Py_DECREF(a);
    return t;
}

static PyObject *
call_main_va(PyObject *callable, const char *format, va_list va)
{
    if (!PyCallable_Check(callable)) {
        PyErr_SetString(PyExc_TypeError, "call of non-callable attribute");
        return NULL;
    }
    PyObject *args = build_args(format, va);
    if (args == NULL) {
        return NULL;
    }
    PyObject *r = PyStackless_Call_Main(callable, args, NULL);
    Py_DECREF(args);
    return r;
}

PyObject *
PyStackless_CallMethod_Main(PyObject *o, const char *name,
                            const char *format, ...)
{
    PyObject *callable = name ? PyObject_GetAttrString(o, name)
                              : Py_NewRef(o);
    if (callable == NULL) {
        return NULL;
    }
    va_list va;
    va_start(va, format);
    PyObject *r = call_main_va(callable, format, va);
    va_end(va);
    Py_DECREF(callable);
    return r;
}

PyObject *
PyStackless_CallCMethod_Main(PyMethodDef *meth, PyObject *self,
                             const char *format, ...)
{
    PyObject *callable = PyCFunction_New(meth, self);
    if (callable == NULL) {
        return NULL;
    }
    va_list va;
    va_start(va, format);
    PyObject *r = call_main_va(callable, format, va);
    va_end(va);
    Py_DECREF(callable);
    return r;
}
