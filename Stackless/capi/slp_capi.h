/* Declarations shared by the public C API's files (stackless_api.h;
 * docs/c-api.md).  The API is the top layer: it calls module/ and core/,
 * nothing calls it. */

#ifndef SLP_CAPI_H
#define SLP_CAPI_H

#include "module/slp_module.h"

/* A C API function that is not "_nr" must switch hard, even when its
   caller is a METH_STACKLESS function whose call was noted (or a
   soft-switchable function being re-entered): then the core would park
   softly and return the placeholder to C code that does not expect it.
   These hide that permission for the duration of the call. */
typedef struct {
    PySlp_ThreadState *ts;
    PyObject **args_end;
    PyObject *const *args;
    _PyInterpreterFrame *cframe_frame;
} PySlp_HardOnly;

static inline void
_PySlp_HardOnlyBegin(PySlp_HardOnly *h)
{
    PySlp_ThreadState *ts = _PySlp_TS(_PyThreadState_GET());
    *h = (PySlp_HardOnly){.ts = ts};
    if (ts != NULL) {
        h->args_end = ts->call_args_end;
        h->args = ts->call_args;
        h->cframe_frame = ts->cframe_frame;
        ts->call_args = NULL;
        ts->cframe_frame = NULL;
    }
}

static inline void
_PySlp_HardOnlyEnd(PySlp_HardOnly *h)
{
    if (h->ts != NULL) {
        h->ts->call_args_end = h->args_end;
        h->ts->call_args = h->args;
        h->ts->cframe_frame = h->cframe_frame;
    }
}

/* The API works before anything imported `stackless`, as an embedding
   program's first call may: the module readies the types and the
   settings, so entry points that take no tasklet or channel import it
   first.  0 / -1. */
static inline int
_PySlp_CapiReady(void)
{
    if (PyTasklet_Type.tp_flags & Py_TPFLAGS_READY) {
        return 0;
    }
    PyObject *m = PyImport_ImportModule("stackless");
    Py_XDECREF(m);
    return m != NULL ? 0 : -1;
}

/* 0 / -1 from a stackless call's result (a new reference or NULL). */
static inline int
_PySlp_DoneOrError(PyObject *r)
{
    if (r == NULL) {
        return -1;
    }
    assert(r != PySlp_UNWIND);
    Py_DECREF(r);
    return 0;
}

/* 1 / 0 / -1 of an "_nr" function from its call's result. */
static inline int
_PySlp_UnwoundDoneOrError(PyObject *r)
{
    if (r == PySlp_UNWIND) {
        return 1;
    }
    return _PySlp_DoneOrError(r);
}

/* (klass, *args) for raise_exception() and send_exception(): `args` a
   tuple, one value, or NULL for none; `who` names the caller in the
   error for a NULL klass. */
PyObject *_PySlp_CapiExceptionArgs(PyObject *klass, PyObject *args,
                                   const char *who);
/* The truth of attribute `name` of `o`: 0 or 1, -1 with an exception. */
int _PySlp_CapiFlag(PyObject *o, const char *name);
/* Attribute `name` of `o` as an int; -1 with an exception. */
int _PySlp_CapiInt(PyObject *o, const char *name);
/* Call method `name` of `o` with `args` (a tuple or NULL); 0 / -1.  For
   operations whose rules the module's methods hold. */
int _PySlp_CapiCallMethod(PyObject *o, const char *name, PyObject *args);

#endif /* !SLP_CAPI_H */
