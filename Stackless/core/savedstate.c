/* The one state swap: the part of the thread state each tasklet owns,
 * saved when it is suspended and loaded when it resumes, by the hard and
 * the soft switching paths alike.
 *
 * Every field of PyThreadState (struct _ts, Include/cpython/pystate.h) and
 * of _PyThreadStateImpl, and whether a tasklet switch moves it:
 *
 *   prev, next, interp, _status, _whence, state, thread_id,
 *   native_thread_id, id        identity of the OS thread: not switched.
 *   eval_breaker                 thread-wide signal/GIL/GC requests; they
 *                                concern whoever runs next: not switched.
 *   py_recursion_remaining       SWITCHED, kept as a depth so that
 *                                sys.setrecursionlimit() applies to
 *                                suspended tasklets as well.
 *   py_recursion_limit           the thread's setting: not switched.
 *   c_recursion_remaining        SWITCHED: each tasklet has its own part of
 *                                the C stack, counted from its base.
 *   recursion_headroom           only non-zero while a RecursionError is
 *                                being made; no switch happens then.
 *   tracing                      SWITCHED: a tasklet suspended inside a
 *                                trace function must not mute the others.
 *   what_event                   set around one monitoring callback: a
 *                                switch inside it is the callback's own.
 *   current_frame                SWITCHED: the tasklet's frame chain.
 *   c_profilefunc, c_tracefunc,
 *   c_profileobj, c_traceobj     SWITCHED (per tasklet), through
 *                                _PyEval_SetTrace/SetProfile so that the
 *                                instrumentation counts stay right.
 *   current_exception            nothing is being raised at a switch.
 *   exc_info                     SWITCHED: each tasklet has its own base
 *                                item (exc_state below), so
 *                                sys.exception() never leaks between them.
 *   exc_state                    the thread's base item: main's.
 *   dict, threading_local_key,
 *   threading_local_sentinel     threading.local is per OS thread: not
 *                                switched.
 *   gilstate_counter, async_exc,
 *   delete_later, critical_section,
 *   coroutine_origin_tracking_depth, async_gen_firstiter,
 *   async_gen_finalizer, previous_executor, dict_global_version
 *                                thread-wide settings or caches: not
 *                                switched.
 *   context                      SWITCHED (per tasklet, D13).
 *   context_ver                  bumped when the context changes, so
 *                                ContextVar caches see the switch.
 *   datastack_chunk, datastack_top,
 *   datastack_limit              SWITCHED: each tasklet's frames live in
 *                                chunks of its own.
 *   _PyThreadStateImpl.asyncio_running_loop
 *                                one event loop per thread: not switched.
 *   _PyThreadStateImpl.stackless the scheduler: not switched.
 */

#include "slp_core.h"
#include "pycore_ceval.h"         // _PyEval_SetTrace()
#include "pycore_code.h"          // _Py_Instrument()

void
_PySlp_StateInit(PyTaskletObject *t, PySlp_ThreadState *ts)
{
    PySlp_SavedState *s = &t->state;
    memset(s, 0, sizeof(*s));
    s->exc_info = &t->exc_state;
    s->c_recursion_remaining = ts ? ts->c_remaining_base : 0;
}

/* Whether the thread has a tracer or profiler now.  Almost always not,
   and then a switch moves no tracer reference and instruments nothing.
   (A tasklet's own saved tracers are marked by t->saved_tracers: while it
   runs, its saved fields are empty -- loading consumed them.) */
static inline int
thread_traced(PyThreadState *tstate)
{
    return ((uintptr_t)tstate->c_tracefunc | (uintptr_t)tstate->c_profilefunc
            | (uintptr_t)tstate->c_traceobj
            | (uintptr_t)tstate->c_profileobj) != 0;
}

/* The current tasklet `t` is being suspended: its fields go from the
   thread state into t->state.  The thread state's fields are left as they
   are; whoever runs next loads its own over them. */
void
_PySlp_StateSave(PyThreadState *tstate, PyTaskletObject *t)
{
    PySlp_SavedState *s = &t->state;
    s->current_frame = tstate->current_frame;
    s->datastack_chunk = tstate->datastack_chunk;
    s->datastack_top = tstate->datastack_top;
    s->datastack_limit = tstate->datastack_limit;
    s->py_depth = tstate->py_recursion_limit - tstate->py_recursion_remaining;
    s->c_recursion_remaining = tstate->c_recursion_remaining;
    s->exc_info = tstate->exc_info;
    s->tracing = tstate->tracing;
    s->instr_version = _Py_atomic_load_uintptr_relaxed(
        &tstate->interp->ceval.instrumentation_version);
    s->context = tstate->context;       /* the reference moves */
    tstate->context = NULL;
    if (thread_traced(tstate)) {
        /* The tasklet keeps references to its tracers; the thread keeps
           its own until the next tasklet's replace them. */
        s->c_tracefunc = tstate->c_tracefunc;
        s->c_profilefunc = tstate->c_profilefunc;
        Py_XSETREF(s->c_traceobj, Py_XNewRef(tstate->c_traceobj));
        Py_XSETREF(s->c_profileobj, Py_XNewRef(tstate->c_profileobj));
        t->saved_tracers = 1;
    }
    if (t->base_frame == NULL || t->base_frame->previous != NULL) {
        /* Run by a C-level loop: the chain holds entry frames. */
        _PySlp_CutEntryFrames(t);
    }
    else if (t->hard != NULL) {
        /* Parked softly: the chain ends at its first frame. */
        t->hard->ncuts = 0;
    }
}

/* An error (sys.settrace's audit hook) is reported, not raised. */
static void
set_thread_tracer(PyThreadState *tstate, int profile, Py_tracefunc func,
                  PyObject *obj)
{
    PyObject *exc = PyErr_GetRaisedException();
    int rc = profile ? _PyEval_SetProfile(tstate, func, obj)
                     : _PyEval_SetTrace(tstate, func, obj);
    if (rc < 0) {
        PyErr_FormatUnraisable("Exception ignored while switching the %s "
                               "function of a tasklet",
                               profile ? "profile" : "trace");
    }
    PyErr_SetRaisedException(exc);
}

/* The tasklet's trace and profile functions.  Setting a tracer walks the
   running frame chain, entry frames included, to instrument its code, so
   this runs only once the tasklet's C stack is back (D19); and since
   changing tracing re-instruments code, only when it differs. */
static void
load_tracers(PyThreadState *tstate, PySlp_SavedState *s)
{
    if (tstate->c_tracefunc != s->c_tracefunc
        || tstate->c_traceobj != s->c_traceobj) {
        set_thread_tracer(tstate, 0, s->c_tracefunc, s->c_traceobj);
    }
    if (tstate->c_profilefunc != s->c_profilefunc
        || tstate->c_profileobj != s->c_profileobj) {
        set_thread_tracer(tstate, 1, s->c_profilefunc, s->c_profileobj);
    }
    Py_CLEAR(s->c_traceobj);
    Py_CLEAR(s->c_profileobj);
    s->c_tracefunc = NULL;
    s->c_profilefunc = NULL;
}

/* sys.settrace and sys.monitoring instrument the code of every frame
   that is executing in some thread when they change; a suspended
   tasklet's frames were not among them.  CPython brings other code up to
   date at its next RESUME, but a suspended frame resumes in the middle of
   a call, so do it here if the version changed while it was suspended. */
static void
reinstrument(PyThreadState *tstate, uintptr_t version)
{
    PyInterpreterState *interp = tstate->interp;
    uintptr_t now = _Py_atomic_load_uintptr_relaxed(
        &interp->ceval.instrumentation_version);
    if (now == version) {
        return;
    }
    PyObject *exc = PyErr_GetRaisedException();
    for (_PyInterpreterFrame *f = tstate->current_frame; f; f = f->previous) {
        if (f->owner == FRAME_OWNED_BY_CSTACK) {
            continue;
        }
        PyCodeObject *co = _PyFrame_GetCode(f);
        if (co->_co_instrumentation_version != (uint32_t)now
            && _Py_Instrument(co, interp) < 0) {
            PyErr_FormatUnraisable("Exception ignored while instrumenting "
                                   "the code of a resumed tasklet");
        }
    }
    PyErr_SetRaisedException(exc);
}

/* `t` resumes, in its own C context (after a hard switch, the stack is
   already back): its fields go into the thread state. */
void
_PySlp_StateLoad(PySlp_ThreadState *ts, PyTaskletObject *t)
{
    PyThreadState *tstate = ts->tstate;
    PySlp_SavedState *s = &t->state;
    if (t->hard != NULL && t->hard->ncuts > 0) {
        _PySlp_RestoreEntryFrames(t);
    }
    tstate->current_frame = s->current_frame;
    tstate->datastack_chunk = s->datastack_chunk;
    tstate->datastack_top = s->datastack_top;
    tstate->datastack_limit = s->datastack_limit;
    tstate->py_recursion_remaining = tstate->py_recursion_limit - s->py_depth;
    tstate->c_recursion_remaining = s->c_recursion_remaining;
    tstate->exc_info = s->exc_info;
    tstate->tracing = s->tracing;
    /* Nothing stale may stay behind: these belong to the thread now. */
    s->current_frame = NULL;
    s->datastack_chunk = NULL;
    s->datastack_top = NULL;
    s->datastack_limit = NULL;
    s->py_depth = 0;
    PyObject *old = tstate->context;
    if (old != s->context) {
        /* ContextVar caches key on this. */
        tstate->context_ver++;
    }
    tstate->context = s->context;
    s->context = NULL;
    Py_XDECREF(old);
    if (t->saved_tracers || thread_traced(tstate)
        || s->instr_version != _Py_atomic_load_uintptr_relaxed(
               &tstate->interp->ceval.instrumentation_version)) {
        /* Setting a tracer may run audit hooks: no switching meanwhile. */
        ts->no_switch++;
        t->saved_tracers = 0;
        load_tracers(tstate, s);
        reinstrument(tstate, s->instr_version);
        ts->no_switch--;
    }
}

/* A finished tasklet: give back its data stack chunks and references. */
void
_PySlp_StateClear(PyTaskletObject *t)
{
    PySlp_SavedState *s = &t->state;
    _PyStackChunk *chunk = s->datastack_chunk;
    PyThreadState *tstate = t->ts != NULL ? t->ts->tstate : NULL;
    while (chunk != NULL) {
        _PyStackChunk *prev = chunk->previous;
        _PySlp_ChunkFree(tstate, chunk);
        chunk = prev;
    }
    s->datastack_chunk = NULL;
    s->datastack_top = NULL;
    s->datastack_limit = NULL;
    s->current_frame = NULL;
    s->py_depth = 0;
    Py_CLEAR(s->context);
    Py_CLEAR(s->c_traceobj);
    Py_CLEAR(s->c_profileobj);
    s->c_tracefunc = NULL;
    s->c_profilefunc = NULL;
    t->saved_tracers = 0;
    Py_CLEAR(t->exc_state.exc_value);
    s->exc_info = &t->exc_state;
    if (t->hard != NULL) {
        t->hard->ncuts = 0;
    }
}

/* What a suspended tasklet's saved state owns, its frames included. */
int
_PySlp_StateTraverse(PyTaskletObject *t, visitproc visit, void *arg)
{
    PySlp_SavedState *s = &t->state;
    Py_VISIT(s->context);
    Py_VISIT(s->c_traceobj);
    Py_VISIT(s->c_profileobj);
    Py_VISIT(t->exc_state.exc_value);
    return _PySlp_TraverseFrames(t, visit, arg);
}
