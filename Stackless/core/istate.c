/* The part of the thread state each tasklet owns.
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
 *   c_profileobj, c_traceobj     SWITCHED (spec §13: per tasklet), through
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
 *   context                      SWITCHED (spec §13: per tasklet).
 *   context_ver                  bumped when the context changes, so
 *                                ContextVar caches see the switch.
 *   datastack_chunk, datastack_top,
 *   datastack_limit              SWITCHED: each tasklet's frames live in
 *                                chunks of its own.
 *   _PyThreadStateImpl.asyncio_running_loop
 *                                one event loop per thread: not switched.
 *   _PyThreadStateImpl.stackless the scheduler: not switched.
 */

#include "slp_internal.h"
#include "pycore_ceval.h"         // _PyEval_SetTrace()
#include "pycore_object.h"        // _PyObject_VirtualFree()
#include "pycore_code.h"          // _Py_Instrument()

void
_PySlp_IState_Init(PyTaskletObject *t, PySlp_ThreadState *ts)
{
    PySlp_IState *s = &t->state;
    memset(s, 0, sizeof(*s));
    s->exc_info = &t->exc_state;
    s->c_recursion_remaining = ts ? ts->c_remaining_base : 0;
}

/* Cut the C-stack entry frames out of the chain of a tasklet about to be
   suspended: they live in the C stack slice that is going to be saved,
   and whoever runs next reuses those addresses.  frame.f_back,
   tracebacks and the GC then walk only frames on the data stack. */
static void
cut_entry_frames(PyTaskletObject *t)
{
    _PyInterpreterFrame **slot = &t->state.current_frame;
    if (t->hard != NULL) {
        t->hard->ncuts = 0;
    }
    while (*slot != NULL) {
        _PyInterpreterFrame *f = *slot;
        if (f->owner == FRAME_OWNED_BY_CSTACK) {
            PySlp_HardState *h = t->hard;
            if (h == NULL || h->ncuts == h->cuts_capacity) {
                /* Out of memory: keep the rest uncut.  Only a walk over a
                   suspended chain may then misread it. */
                h = h ? h : (PySlp_HardState *)PyMem_Calloc(1, sizeof(*h));
                if (h == NULL) {
                    return;
                }
                t->hard = h;
                int n = h->cuts_capacity ? 2 * h->cuts_capacity : 4;
                PySlp_FrameCut *c = PyMem_Realloc(h->cuts, n * sizeof(*c));
                if (c == NULL) {
                    return;
                }
                h->cuts = c;
                h->cuts_capacity = n;
            }
            h->cuts[h->ncuts].slot = slot;
            h->cuts[h->ncuts].entry = f;
            h->ncuts++;
            *slot = f->previous;
            continue;
        }
        slot = &f->previous;
    }
}

static void
restore_entry_frames(PyTaskletObject *t)
{
    PySlp_HardState *h = t->hard;
    if (h == NULL) {
        return;
    }
    for (int i = h->ncuts - 1; i >= 0; i--) {
        *h->cuts[i].slot = h->cuts[i].entry;
    }
    h->ncuts = 0;
}

/* Number of C-level interpreter invocations in a chain. */
int
_PySlp_CountEntryFrames(_PyInterpreterFrame *f)
{
    int n = 0;
    for (; f != NULL; f = f->previous) {
        n += f->owner == FRAME_OWNED_BY_CSTACK;
    }
    return n;
}

void
_PySlp_IState_Save(PyThreadState *tstate, PyTaskletObject *t)
{
    PySlp_IState *s = &t->state;
    _PySlp_IState_Store(tstate, s);
    /* The references move from the thread state to the tasklet. */
    s->c_tracefunc = tstate->c_tracefunc;
    s->c_profilefunc = tstate->c_profilefunc;
    if (tstate->c_traceobj != NULL || s->c_traceobj != NULL) {
        Py_XSETREF(s->c_traceobj, Py_XNewRef(tstate->c_traceobj));
    }
    if (tstate->c_profileobj != NULL || s->c_profileobj != NULL) {
        Py_XSETREF(s->c_profileobj, Py_XNewRef(tstate->c_profileobj));
    }
    if (t->base_frame == NULL || t->base_frame->previous != NULL) {
        /* A chain parked softly ends at its first frame: nothing to cut. */
        cut_entry_frames(t);
    }
    else if (t->hard != NULL) {
        t->hard->ncuts = 0;
    }
}

void
_PySlp_IState_Load(PyThreadState *tstate, PyTaskletObject *t)
{
    restore_entry_frames(t);
    _PySlp_IState_Fetch(tstate, &t->state);
}

/* An error (sys.settrace's audit hook) is reported, not raised. */
static void
set_tracer(PyThreadState *tstate, int profile, Py_tracefunc func,
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

/* The tasklet's trace and profile functions.  Separate from Load and run
   only once the tasklet's C stack is back: setting a tracer walks the
   running frame chain, entry frames included, to instrument its code.
   Changing tracing re-instruments code: only when it differs. */
void
_PySlp_IState_LoadTracing(PyThreadState *tstate, PyTaskletObject *t)
{
    PySlp_IState *s = &t->state;
    if (tstate->c_tracefunc != s->c_tracefunc
        || tstate->c_traceobj != s->c_traceobj) {
        set_tracer(tstate, 0, s->c_tracefunc, s->c_traceobj);
    }
    if (tstate->c_profilefunc != s->c_profilefunc
        || tstate->c_profileobj != s->c_profileobj) {
        set_tracer(tstate, 1, s->c_profilefunc, s->c_profileobj);
    }
    Py_CLEAR(s->c_traceobj);
    Py_CLEAR(s->c_profileobj);
    s->c_tracefunc = NULL;
    s->c_profilefunc = NULL;
}

/* sys.settrace and sys.monitoring instrument the code of every frame
   that is executing in some thread when they change; a suspended
   tasklet's frames were not among them.  CPython brings other code up to
   date at its next RESUME, but a hard-switched frame resumes in the
   middle of a call, so do it here, for the frames of the tasklet that
   was just resumed, if the version changed while it was suspended. */
void
_PySlp_IState_Reinstrument(PyThreadState *tstate, PyTaskletObject *t,
                           uintptr_t version)
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

/* A finished tasklet: give back its data stack chunks and references. */
void
_PySlp_IState_Clear(PyTaskletObject *t)
{
    PySlp_IState *s = &t->state;
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
    Py_CLEAR(t->exc_state.exc_value);
    s->exc_info = &t->exc_state;
    if (t->hard != NULL) {
        t->hard->ncuts = 0;
    }
}

/* What a suspended tasklet's frames own.  A frame suspended in a call to
   a Python function has saved its stack top; the top frame has if the
   stackless call that suspended it noted where its arguments end
   (call_top).  A frame suspended in any other C call has no valid stack
   top (stacktop is -1 while the eval loop runs): only its fast locals are
   visited, and the objects on its value stack count as externally
   referenced -- kept alive, never freed early.  Generator frames belong
   to their generator, which visits them. */
int
_PySlp_IState_Traverse(PyTaskletObject *t, visitproc visit, void *arg)
{
    PySlp_IState *s = &t->state;
    Py_VISIT(s->context);
    Py_VISIT(s->c_traceobj);
    Py_VISIT(s->c_profileobj);
    Py_VISIT(t->exc_state.exc_value);
    for (_PyInterpreterFrame *f = s->current_frame; f; f = f->previous) {
        if (f->owner != FRAME_OWNED_BY_THREAD) {
            continue;
        }
        Py_VISIT(f->frame_obj);
        Py_VISIT(f->f_locals);
        Py_VISIT(f->f_funcobj);
        Py_VISIT(f->f_executable);
        PyCodeObject *co = _PyFrame_GetCode(f);
        Py_ssize_t n = co->co_nlocalsplus;
        if (t->hard != NULL && f == t->hard->call_frame
            && t->hard->call_top != NULL) {
            n = t->hard->call_top - f->localsplus;
        }
        else if (f->stacktop > n) {
            n = f->stacktop;
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            if (f->localsplus[i] != PySlp_UNWIND) {
                Py_VISIT(f->localsplus[i]);
            }
        }
    }
    return 0;
}
