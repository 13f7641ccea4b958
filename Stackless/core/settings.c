/* The interpreter-wide settings: the schedule and channel callbacks, the
 * error handler, the switching mode and the default pickle flags.
 *
 * Each interpreter has its own set (D31): a callback set in a
 * sub-interpreter must never be called by another one, least of all
 * after the sub-interpreter is gone.  The set lives in the interpreter's
 * own dict (PyInterpreterState_GetDict), which CPython clears when the
 * interpreter is finalised, after all its thread states: that drops the
 * callbacks with it, and no upstream hook is needed.  Each thread's
 * scheduler keeps a pointer to its interpreter's set, so the switch paths
 * read a setting with one load.
 */

#include "slp_core.h"

#define SETTINGS_KEY "stackless.settings"

static void
settings_destroy(PyObject *capsule)
{
    PySlp_Settings *s = PyCapsule_GetPointer(capsule, SETTINGS_KEY);
    if (s == NULL) {
        PyErr_Clear();
        return;
    }
    Py_CLEAR(s->schedule_callback);
    s->schedule_hook = NULL;
    Py_CLEAR(s->channel_callback);
    Py_CLEAR(s->error_handler);
    Py_CLEAR(s->reduce_frame);
    Py_CLEAR(s->var_names);
    for (int i = 0; i < PySlp_START_SHIMS; i++) {
        Py_CLEAR(s->start_shims[i]);
    }
    PyMem_Free(s);
}

PySlp_Settings *
_PySlp_GetSettings(void)
{
    PyThreadState *tstate = _PyThreadState_GET();
    PySlp_ThreadState *ts = _PySlp_TS(tstate);
    if (ts != NULL) {
        return ts->settings;
    }
    PyObject *dict = PyInterpreterState_GetDict(tstate->interp);
    if (dict == NULL) {
        PyErr_SetString(PyExc_RuntimeError,
                        "the interpreter has no dict for stackless");
        return NULL;
    }
    PyObject *capsule;
    if (PyDict_GetItemStringRef(dict, SETTINGS_KEY, &capsule) < 0) {
        return NULL;
    }
    if (capsule != NULL) {
        PySlp_Settings *s = PyCapsule_GetPointer(capsule, SETTINGS_KEY);
        Py_DECREF(capsule);
        return s;
    }
    PySlp_Settings *s = PyMem_Calloc(1, sizeof(*s));
    if (s == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    s->softswitch = 1;
    capsule = PyCapsule_New(s, SETTINGS_KEY, settings_destroy);
    if (capsule == NULL) {
        PyMem_Free(s);
        return NULL;
    }
    int rc = PyDict_SetItemString(dict, SETTINGS_KEY, capsule);
    Py_DECREF(capsule);     /* on failure this frees s */
    return rc < 0 ? NULL : s;
}
