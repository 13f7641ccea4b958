/* Per-thread scheduler state: created on a thread's first use of
 * Stackless, ended when the thread state is cleared (spec §11, §14).
 *
 * Decision: one main tasklet per thread state, for its whole life.  The
 * original made a new main object for every outermost execution (each
 * statement at the interactive prompt); one object is simpler and keeps
 * `stackless.main` stable, which the spec leaves open.
 */

#include "slp_internal.h"

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
   and getuncollectables() reports them; at shutdown all are killed. */
void
_PySlp_CStateLink(PySlp_ThreadState *ts, PyTaskletObject *t)
{
    if (t->is_main || t->cs_next != NULL) {
        return;
    }
    if (ts->cstate_head == NULL) {
        t->cs_next = t->cs_prev = t;
    }
    else {
        PyTaskletObject *h = ts->cstate_head;
        t->cs_next = h;
        t->cs_prev = h->cs_prev;
        h->cs_prev->cs_next = t;
        h->cs_prev = t;
    }
    ts->cstate_head = t;
}

void
_PySlp_CStateUnlink(PySlp_ThreadState *ts, PyTaskletObject *t)
{
    if (t->cs_next == NULL) {
        return;
    }
    if (t->cs_next == t) {
        ts->cstate_head = NULL;
    }
    else {
        t->cs_prev->cs_next = t->cs_next;
        t->cs_next->cs_prev = t->cs_prev;
        if (ts->cstate_head == t) {
            ts->cstate_head = t->cs_next;
        }
    }
    t->cs_next = t->cs_prev = NULL;
}

/* Must not be inlined: its frame address marks the C stack base. */
Py_NO_INLINE PySlp_ThreadState *
_PySlp_CreateThreadState(PyThreadState *tstate)
{
    PySlp_ThreadState *ts = PyMem_Calloc(1, sizeof(*ts));
    if (ts == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    ts->tstate = tstate;
    ts->thread_id = tstate->thread_id;
    ts->refcnt = 1;             /* the thread's own */
    ts->pickle_flags = _PySlp_globals.pickle_flags_default;
    /* Tasklets other than main run on the C stack below this point, and
       everything above it (our callers) stays main's.  The first use is
       usually shallow: a module-level call in a script or thread. */
    ts->cstack_base = (char *)__builtin_frame_address(0);
    ts->c_remaining_base = tstate->c_recursion_remaining;
    ts->watchdogs = PyList_New(0);
    if (ts->watchdogs == NULL) {
        PyMem_Free(ts);
        return NULL;
    }
    PyTaskletObject *main = _PySlp_NewTasklet(&PySlpTasklet_Type, ts);
    if (main == NULL) {
        Py_DECREF(ts->watchdogs);
        PyMem_Free(ts);
        return NULL;
    }
    /* main's context is the thread's: it carries no copy of its own. */
    Py_CLEAR(main->state.context);
    main->is_main = 1;
    main->alive = 1;
    main->started = 1;
    if (_PySlp_Hard(main) == NULL) {
        Py_DECREF(main);
        Py_DECREF(ts->watchdogs);
        PyMem_Free(ts);
        return NULL;
    }
    _PySlp_cstack_init_running(&main->hard->cstack, ts->cstack_base);
    ts->main = main;
    ts->current = (PyTaskletObject *)Py_NewRef(main);
    _PySlp_RingAppend(ts, main);
    ((_PyThreadStateImpl *)tstate)->stackless = ts;

    PyObject *cb = _PySlp_globals.schedule_callback;
    if (cb != NULL) {
        Py_INCREF(cb);
        ts->in_schedule_cb++;
        PyObject *r = PyObject_CallFunctionObjArgs(cb, Py_None, main, NULL);
        ts->in_schedule_cb--;
        if (r == NULL) {
            _PySlp_ReportCallbackError("Error in scheduling callback");
        }
        Py_XDECREF(r);
        Py_DECREF(cb);
    }
    return ts;
}


static int
must_die(PyTaskletObject *t, int all)
{
    return t->alive && t->cs_next != NULL && (all || t->started);
}

/* Kill the calling thread's tasklets that hold C state (`all`: every one
   that has begun), so that their cleanup code runs; give up on one that
   refuses to die.  At thread end only C state forces a kill (spec §11:
   the others become orphans a bind_thread() can revive); at interpreter
   shutdown nothing could revive them, so they are all unwound. */
static void
kill_tasklets(PySlp_ThreadState *ts, int all)
{
    if (ts->current != ts->main) {
        return;
    }
    PyObject *exc = PyErr_GetRaisedException();
    int saved_trap = ts->switch_trap;
    ts->switch_trap = 0;
    for (int round = 0; round < 10; round++) {
        /* Killing runs code that may start or end others: take a list. */
        PyObject *victims = PyList_New(0);
        PyTaskletObject *h = ts->cstate_head, *c = h;
        while (victims != NULL && c != NULL) {
            if (must_die(c, all)
                && PyList_Append(victims, (PyObject *)c) < 0) {
                Py_CLEAR(victims);
            }
            c = c->cs_next == h ? NULL : c->cs_next;
        }
        if (victims == NULL) {
            PyErr_Clear();
            break;
        }
        Py_ssize_t n = PyList_GET_SIZE(victims);
        for (Py_ssize_t i = 0; i < n; i++) {
            PyTaskletObject *t =
                (PyTaskletObject *)PyList_GET_ITEM(victims, i);
            if (!must_die(t, all)) {
                continue;
            }
            PyObject *r = _PySlp_Kill(t, 0);
            if (r == NULL) {
                PyErr_FormatUnraisable("Exception ignored while killing "
                                       "a tasklet at thread exit");
            }
            Py_XDECREF(r);
        }
        Py_DECREF(victims);
        if (n == 0) {
            break;
        }
    }
    ts->switch_trap = saved_trap;
    PyErr_SetRaisedException(exc);
}

void
_PySlp_Finalize(PyThreadState *tstate)
{
    PySlp_ThreadState *ts = _PySlp_TS(tstate);
    if (ts != NULL) {
        kill_tasklets(ts, 1);
    }
}

void
_PySlp_ThreadClear(PyThreadState *tstate)
{
    PySlp_ThreadState *ts = _PySlp_TS(tstate);
    if (ts == NULL) {
        return;
    }
    if (tstate == _PyThreadState_GET()) {
        kill_tasklets(ts, 0);
    }
    if (ts->current != ts->main) {
        /* Only possible when another thread clears this one (at
           shutdown): its tasklets can never run again.  Leave the
           thread state's own fields as they are. */
        Py_CLEAR(ts->current);
    }
    /* The rest are orphaned (spec §11): out of the ring, frames kept. */
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
    Py_CLEAR(ts->post_switch);
    Py_CLEAR(ts->soft_next);
    _PySlp_cstack_clear(&ts->dispatcher);
    _PySlp_ChunkClearSpare(ts);
    _PySlp_ThreadStateDecref(ts);
}

int
_PySlp_IsAtomic(PyThreadState *tstate)
{
    PySlp_ThreadState *ts = _PySlp_TS(tstate);
    return ts != NULL && ts->current != NULL && ts->current->atomic;
}
