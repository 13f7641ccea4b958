/* Calling the user's schedule and channel callbacks (user guide,
 * "Callbacks and monitoring").  Their exceptions are reported through
 * sys.unraisablehook and otherwise ignored; while one runs, a flag of the
 * thread's scheduler says so, which the switch guards (slp_core.h) read. */

#include "slp_core.h"

void
_PySlp_ReportCallbackError(const char *where)
{
    PyErr_FormatUnraisable("%s", where);
}

/* Before every switch between two different tasklets, with `current`
   still prev; and with prev NULL (None) when a thread's main tasklet is
   made.  The exception being raised, if any, waits. */
void
_PySlp_CallScheduleCallback(PySlp_ThreadState *ts, PyTaskletObject *prev,
                            PyTaskletObject *next)
{
    PyObject *cb = ts->settings->schedule_callback;
    slp_schedule_hook_func *hook = ts->settings->schedule_hook;
    if (cb == NULL && hook == NULL) {
        return;
    }
    PyObject *exc = PyErr_GetRaisedException();
    ts->in_schedule_cb++;
    if (hook != NULL) {
        /* A C hook (PyStackless_SetScheduleFastcallback): non-zero is an
           error, reported as a callback's exception is. */
        if (hook(prev, next) != 0) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_RuntimeError,
                                "the schedule hook returned an error");
            }
            _PySlp_ReportCallbackError("Error in scheduling callback");
        }
    }
    else {
        Py_INCREF(cb);
        PyObject *r = PyObject_CallFunctionObjArgs(
            cb, prev ? (PyObject *)prev : Py_None, (PyObject *)next, NULL);
        if (r == NULL) {
            _PySlp_ReportCallbackError("Error in scheduling callback");
        }
        Py_XDECREF(r);
        Py_DECREF(cb);
    }
    ts->in_schedule_cb--;
    PyErr_SetRaisedException(exc);
}

/* Before every channel action; `dir` 1 sends `value`, -1 receives.
   While it runs, the caller's tempval shows the value being sent. */
void
_PySlp_CallChannelCallback(PySlp_ThreadState *ts, PyChannelObject *ch,
                           PyTaskletObject *cur, int dir, PyObject *value,
                           int willblock)
{
    PyObject *cb = ts->settings->channel_callback;
    if (cb == NULL) {
        return;
    }
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
        _PySlp_ReportCallbackError("Error in channel callback");
    }
    Py_XDECREF(r);
}
