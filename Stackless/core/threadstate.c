/* Per-thread scheduler state: created on a thread's first use of
 * Stackless, ended when the thread state is cleared (D11, D14, D17).
 *
 * One main tasklet per thread state, for its whole life.  The original
 * made a new main object for every outermost execution (each statement at
 * the interactive prompt); one object is simpler and keeps
 * `stackless.main` stable.
 */

#include "slp_core.h"
#include "pycore_pylifecycle.h"     // _Py_IsInterpreterFinalizing()

void
_PySlp_ThreadStateIncref(PySlp_ThreadState *ts)
{
    ts->refcnt++;
}

void
_PySlp_ThreadStateDecref(PySlp_ThreadState *ts)
{
    if (--ts->refcnt == 0) {
        assert(ts->tstate == NULL);
        PyMem_Free(ts);
    }
}

/* The list of tasklets that have begun running and not ended, soft or
   with C state: those with C state must be killed when the thread ends,
   getuncollectables() reports them, and at shutdown all are killed. */
void
_PySlp_BegunLink(PySlp_ThreadState *ts, PyTaskletObject *t)
{
    if (t->is_main || t->begun_next != NULL) {
        return;
    }
    if (ts->begun_head == NULL) {
        t->begun_next = t->begun_prev = t;
    }
    else {
        PyTaskletObject *h = ts->begun_head;
        t->begun_next = h;
        t->begun_prev = h->begun_prev;
        h->begun_prev->begun_next = t;
        h->begun_prev = t;
    }
    ts->begun_head = t;
}

void
_PySlp_BegunUnlink(PySlp_ThreadState *ts, PyTaskletObject *t)
{
    if (t->begun_next == NULL) {
        return;
    }
    if (t->begun_next == t) {
        ts->begun_head = NULL;
    }
    else {
        t->begun_prev->begun_next = t->begun_next;
        t->begun_next->begun_prev = t->begun_prev;
        if (ts->begun_head == t) {
            ts->begun_head = t->begun_next;
        }
    }
    t->begun_next = t->begun_prev = NULL;
}

/* The core's own types, readied on first use; the tasklet type is readied
   with its Python face by the module, which every way in goes through. */
static int
ready_core_types(void)
{
    /* Saved C stacks come from the interpreter's raw allocator. */
    _PySlp_cstack_set_allocator(PyMem_RawRealloc, PyMem_RawFree);
    if (PyType_Ready(&_PySlp_UnwindType) < 0
        || PyType_Ready(&PyBomb_Type) < 0) {
        return -1;
    }
    if (!(PyTasklet_Type.tp_flags & Py_TPFLAGS_READY)) {
        PyErr_SetString(PyExc_SystemError,
                        "the stackless module is not initialised");
        return -1;
    }
    return 0;
}

/* Must not be inlined: its frame address marks the C stack base. */
Py_NO_INLINE PySlp_ThreadState *
_PySlp_CreateThreadState(PyThreadState *tstate)
{
    PySlp_Settings *settings = _PySlp_GetSettings();
    if (settings == NULL || ready_core_types() < 0) {
        return NULL;
    }
    PySlp_ThreadState *ts = PyMem_Calloc(1, sizeof(*ts));
    if (ts == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    ts->tstate = tstate;
    ts->thread_id = tstate->thread_id;
    ts->settings = settings;
    ts->refcnt = 1;             /* the thread's own */
    ts->pickle_flags = settings->pickle_flags_default;
    /* Made by a finaliser during a collection, perhaps this thread's. */
    ts->gc_collecting = tstate->interp->gc.collecting;
    /* Tasklets other than main run on the C stack below this point, and
       everything above it (our callers) stays main's.  The first use is
       usually shallow: a module-level call in a script or thread. */
    ts->cstack_base = (char *)__builtin_frame_address(0);
    ts->c_remaining_base = tstate->c_recursion_remaining;
    ts->wakeup_fd = -1;
    ts->watchdogs = PyList_New(0);
    ts->spare_bomb = _PySlp_NewBomb();
    if (ts->watchdogs == NULL || ts->spare_bomb == NULL) {
        Py_XDECREF(ts->watchdogs);
        Py_XDECREF(ts->spare_bomb);
        PyMem_Free(ts);
        return NULL;
    }
    PyTaskletObject *main = _PySlp_TaskletNew(&PyTasklet_Type, ts);
    if (main == NULL) {
        Py_DECREF(ts->watchdogs);
        Py_DECREF(ts->spare_bomb);
        PyMem_Free(ts);
        return NULL;
    }
    /* main's context is the thread's: it carries no copy of its own. */
    Py_CLEAR(main->state.context);
    main->is_main = 1;
    main->alive = 1;
    main->has_cstack = 1;
    if (_PySlp_Hard(main) == NULL) {
        Py_DECREF(main);
        Py_DECREF(ts->watchdogs);
        Py_DECREF(ts->spare_bomb);
        PyMem_Free(ts);
        return NULL;
    }
    _PySlp_cstack_init_running(&main->hard->cstack, ts->cstack_base);
    ts->main = main;
    ts->current = (PyTaskletObject *)Py_NewRef(main);
    _PySlp_RingAppend(ts, main);
    ((_PyThreadStateImpl *)tstate)->stackless = ts;
    _PySlp_CallScheduleCallback(ts, NULL, main);
    return ts;
}

/* Py_FinalizeEx(), after the atexit handlers: every begun tasklet of the
   main thread is killed (D28). */
void
_PySlp_Finalize(PyThreadState *tstate)
{
    PySlp_ThreadState *ts = _PySlp_TS(tstate);
    if (ts != NULL) {
        _PySlp_KillThreadTasklets(ts, 1);
    }
}

/* PyThreadState_Clear(): the thread's tasklets with C state are killed
   (when it is the calling thread), the others orphaned. */
void
_PySlp_ThreadClear(PyThreadState *tstate)
{
    PySlp_ThreadState *ts = _PySlp_TS(tstate);
    /* Threads asleep waiting for others may have waited for this one
       (core/threads.c): they look again once it is gone.  Not at
       shutdown: a daemon thread that woke then would find its thread
       state freed under it; asleep, it never runs again. */
    if (!_Py_IsInterpreterFinalizing(tstate->interp)) {
        _PySlp_WakeAllIdle(tstate->interp);
    }
    if (ts == NULL) {
        return;
    }
    if (tstate == _PyThreadState_GET()) {
        _PySlp_KillThreadTasklets(ts, 0);
    }
    if (ts->current != ts->main) {
        /* Only possible when another thread clears this one (at
           shutdown): its tasklets can never run again.  Leave the
           thread state's own fields as they are. */
        Py_CLEAR(ts->current);
    }
    Py_XDECREF(_PySlp_PreemptDisarm(ts));
    /* The rest are orphaned: out of the ring, frames kept. */
    while (ts->head != NULL) {
        PyTaskletObject *t = ts->head;
        _PySlp_RingRemove(ts, t);
    }
    ts->tstate = NULL;
    ((_PyThreadStateImpl *)tstate)->stackless = NULL;
    PyTaskletObject *main = ts->main;
    ts->main = NULL;
    main->alive = 0;
    Py_XDECREF(ts->current);
    ts->current = NULL;
    Py_DECREF(main);
    Py_CLEAR(ts->watchdogs);
    Py_CLEAR(ts->deferred_kills);
    Py_CLEAR(ts->spare_bomb);
    Py_CLEAR(ts->post_switch);
    Py_CLEAR(ts->soft_next);
    _PySlp_cstack_clear(&ts->dispatcher);
    _PySlp_ChunkClearSpare(ts);
    ts->settings = NULL;
    if (ts->idle) {
        /* A daemon thread asleep at shutdown, cleared by another: it
           never wakes, but its lock and scheduler stay valid. */
        return;
    }
    _PySlp_ThreadStateFreeIdle(ts);
    _PySlp_ThreadStateDecref(ts);
}

void
_PySlp_GCCollecting(PyThreadState *tstate, int on)
{
    PySlp_ThreadState *ts = _PySlp_TS(tstate);
    if (ts != NULL) {
        ts->gc_collecting = on;
    }
}

int
_PySlp_IsAtomic(PyThreadState *tstate)
{
    PySlp_ThreadState *ts = _PySlp_TS(tstate);
    return ts != NULL && ts->current != NULL && ts->current->atomic;
}

/* get_thread_info()'s bit 30 (the original gave three C-stack serial
   numbers, which this design has no use for): how many of the thread's
   begun tasklets hold a C stack, how many bytes their saved slices take,
   and how deep the C stack is here, from the tasklets' base. */
PyObject *
_PySlp_CStackInfo(PySlp_ThreadState *ts)
{
    Py_ssize_t n = 0;
    size_t bytes = 0;
    for (PyTaskletObject *c = ts->begun_head; c != NULL;
         c = c->begun_next == ts->begun_head ? NULL : c->begun_next) {
        if (c->has_cstack && c->hard != NULL) {
            n++;
            if (c->hard->cstack.sp != NULL) {
                bytes += (size_t)(c->hard->cstack.base
                                  - c->hard->cstack.sp);
            }
        }
    }
    char here;
    Py_ssize_t depth = &here < ts->cstack_base ? ts->cstack_base - &here : 0;
    return Py_BuildValue("(nnn)", n, (Py_ssize_t)bytes, depth);
}
