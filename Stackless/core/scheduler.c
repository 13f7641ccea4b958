/* The scheduler: the run queue, switching between tasklets, the end of a
 * tasklet, stackless.run() and its watchdogs.
 *
 * Every switch goes through _PySlp_Transfer().  A hard switch swaps the
 * per-tasklet part of the thread state (istate.c) and then the C stack
 * (platf/cstack.c).  A soft switch leaves the C stack alone: the current
 * tasklet's call returns a token, and the eval loop parks its frames and
 * runs the next tasklet's (softswitch.c).  The queue logic does not care
 * which it gets.
 */

#include "slp_internal.h"
#include "pycore_pyerrors.h"      // _PyErr_GetRaisedException()
#include "pycore_ceval.h"         // _Py_set_eval_breaker_bit()

PySlp_Globals _PySlp_globals = {NULL, NULL, NULL, 1, 0};

/* ------------------------------------------------------------------ */
/* The run queue: a ring that contains the running tasklet.  "Append"
   links a tasklet just before `head`, the start of round-robin order. */

void
_PySlp_RingAppend(PySlp_ThreadState *ts, PyTaskletObject *t)
{
    assert(!t->in_ring && t->next == NULL && t->prev == NULL);
    Py_INCREF(t);
    if (ts->head == NULL) {
        t->next = t->prev = t;
        ts->head = t;
    }
    else {
        PyTaskletObject *h = ts->head;
        t->prev = h->prev;
        t->next = h;
        h->prev->next = t;
        h->prev = t;
    }
    t->in_ring = 1;
    ts->runcount++;
}

void
_PySlp_RingInsertAfter(PySlp_ThreadState *ts, PyTaskletObject *after,
                       PyTaskletObject *t)
{
    assert(after->in_ring && !t->in_ring);
    Py_INCREF(t);
    t->prev = after;
    t->next = after->next;
    after->next->prev = t;
    after->next = t;
    t->in_ring = 1;
    ts->runcount++;
}

/* Drops the ring's reference: the caller must hold its own. */
void
_PySlp_RingRemove(PySlp_ThreadState *ts, PyTaskletObject *t)
{
    assert(t->in_ring);
    if (t->next == t) {
        ts->head = NULL;
    }
    else {
        t->prev->next = t->next;
        t->next->prev = t->prev;
        if (ts->head == t) {
            ts->head = t->next;
        }
    }
    t->next = t->prev = NULL;
    t->in_ring = 0;
    ts->runcount--;
    Py_DECREF(t);
}

/* ------------------------------------------------------------------ */
/* Callbacks */

void
_PySlp_ReportCallbackError(const char *where)
{
    PyErr_FormatUnraisable("%s", where);
}

/* spec §7.1: before every switch between two different tasklets;
   `current` is still prev while it runs. */
static void
call_schedule_callback(PySlp_ThreadState *ts, PyTaskletObject *prev,
                       PyTaskletObject *next)
{
    PyObject *cb = _PySlp_globals.schedule_callback;
    if (cb == NULL) {
        return;
    }
    Py_INCREF(cb);
    PyObject *exc = PyErr_GetRaisedException();
    ts->in_schedule_cb++;
    PyObject *r = PyObject_CallFunctionObjArgs(
        cb, prev ? (PyObject *)prev : Py_None, (PyObject *)next, NULL);
    ts->in_schedule_cb--;
    if (r == NULL) {
        _PySlp_ReportCallbackError("Error in scheduling callback");
    }
    Py_XDECREF(r);
    PyErr_SetRaisedException(exc);
    Py_DECREF(cb);
}

/* Whether the current tasklet may switch to another one now; if not,
   why (a message for RuntimeError). */
static const char *
why_no_switch(PySlp_ThreadState *ts)
{
    if (ts->in_schedule_cb || ts->no_switch) {
        return "Recursive scheduler call due to callbacks!";
    }
    if (ts->switch_trap) {
        return "switch_trap";
    }
    if (ts->parking != NULL) {
        /* Code run between a soft switch's decision and the eval loop
           carrying it out (a finaliser of the call's arguments). */
        return "cannot switch tasklets while a switch is under way";
    }
    if (_PyInterpreterState_GET()->gc.collecting) {
        /* The collector keeps its object lists' heads on the C stack;
           another tasklet's stack would overwrite them (D18). */
        return "cannot switch tasklets during garbage collection";
    }
    return NULL;
}

int
_PySlp_CanSwitchNow(PySlp_ThreadState *ts)
{
    return why_no_switch(ts) == NULL;
}

int
_PySlp_CheckSwitchTrap(PySlp_ThreadState *ts)
{
    const char *why = why_no_switch(ts);
    if (why != NULL) {
        PyErr_SetString(PyExc_RuntimeError, why);
        return -1;
    }
    return 0;
}

/* Whether the run queue and the channels of `ts` may change now.  The
   schedule callback runs in the middle of a switch whose two tasklets are
   chosen: moving either (removing the one about to run, waking the one
   leaving from the channel it just blocked on) would break the switch, so
   while it runs every change is refused (user guide, "Callbacks"). */
int
_PySlp_CheckQueueChange(PySlp_ThreadState *ts)
{
    if (ts != NULL && ts->in_schedule_cb) {
        PyErr_SetString(PyExc_RuntimeError,
                        "cannot change the run queue or a channel inside "
                        "the schedule callback");
        return -1;
    }
    return 0;
}

/* Tasklets whose finaliser ran during a garbage collection: they could
   not be killed then (see _PySlp_CheckSwitchTrap), so they were kept
   alive in ts->deferred_kills.  Kill them now. */
void
_PySlp_RunDeferredKillsNow(PySlp_ThreadState *ts)
{
    /* Where no switch is allowed (a callback, a collection, a switch
       trap) they stay queued for the thread's next stackless operation. */
    while (ts->deferred_kills != NULL
           && PyList_GET_SIZE(ts->deferred_kills) > 0
           && _PySlp_CanSwitchNow(ts)) {
        PyObject *t = Py_NewRef(PyList_GET_ITEM(ts->deferred_kills, 0));
        PyObject *exc = PyErr_GetRaisedException();
        (void)PyList_SetSlice(ts->deferred_kills, 0, 1, NULL);
        for (int i = 0; i < 10 && ((PyTaskletObject *)t)->alive; i++) {
            PyObject *r = _PySlp_Kill((PyTaskletObject *)t, 0);
            if (r == NULL) {
                PyErr_FormatUnraisable("Exception ignored while killing an "
                                       "unreachable tasklet %R", t);
                break;
            }
            Py_DECREF(r);
        }
        PyErr_SetRaisedException(exc);
        Py_DECREF(t);
    }
}

/* ------------------------------------------------------------------ */
/* Switching */

static void tasklet_start(void *value, void *arg);

/* The resumed tasklet's tracer and instrumentation, once its C stack is
   back.  Setting a tracer may run audit hooks: no switching meanwhile. */
void
_PySlp_LoadTracing(PySlp_ThreadState *ts, PyTaskletObject *t)
{
    PyThreadState *tstate = ts->tstate;
    PySlp_IState *s = &t->state;
    if (s->c_tracefunc == NULL && s->c_profilefunc == NULL
        && s->c_traceobj == NULL && s->c_profileobj == NULL
        && tstate->c_tracefunc == NULL && tstate->c_profilefunc == NULL
        && s->instr_version == _Py_atomic_load_uintptr_relaxed(
               &tstate->interp->ceval.instrumentation_version)) {
        /* Nobody traces, nothing was instrumented meanwhile. */
        return;
    }
    uintptr_t version = t->state.instr_version;
    ts->no_switch++;
    _PySlp_IState_LoadTracing(ts->tstate, t);
    _PySlp_IState_Reinstrument(ts->tstate, t, version);
    ts->no_switch--;
}

/* Runs right after every switch, in the tasklet that now runs. */
void
_PySlp_PostSwitch(PySlp_ThreadState *ts)
{
    PyObject *prev = ts->post_switch;
    int dead = ts->post_switch_dead;
    ts->post_switch = NULL;
    ts->post_switch_dead = 0;
    if (dead) {
        /* Its frames are gone and it will never run again. */
        PyTaskletObject *t = (PyTaskletObject *)prev;
        _PySlp_IState_Clear(t);
        if (t->hard != NULL) {
            _PySlp_cstack_clear(&t->hard->cstack);
        }
        t->started = 0;
    }
    Py_XDECREF(prev);
}

/* Keep the stack top noted by the stackless function being called
   (_PySlp_NoteCall) if it lies in the top frame's value stack: then
   the frame's whole stack is known while prev is suspended. */
static void
note_call_site(PySlp_ThreadState *ts, PyTaskletObject *prev)
{
    PyObject **end = ts->call_args_end;
    _PyInterpreterFrame *f = ts->tstate->current_frame;
    PySlp_HardState *h = prev->hard;
    ts->call_args_end = NULL;
    h->call_frame = NULL;
    h->call_top = NULL;
    if (end == NULL || f == NULL || f->owner != FRAME_OWNED_BY_THREAD) {
        return;
    }
    PyCodeObject *co = _PyFrame_GetCode(f);
    PyObject **base = f->localsplus + co->co_nlocalsplus;
    if (end >= base && end <= base + co->co_stacksize) {
        h->call_frame = f;
        h->call_top = end;
    }
}

/* A tasklet that starts with a C call (its callable is not a Python
   function, or soft switching is off) gets a C context of its own. */
static int
prepare_hard_start(PySlp_ThreadState *ts, PyTaskletObject *next)
{
    if (next->started || next->soft) {
        return 0;
    }
    PySlp_HardState *h = _PySlp_Hard(next);
    if (h == NULL) {
        return -1;
    }
    if (_PySlp_cstack_init(&h->cstack, ts->cstack_base,
                           tasklet_start, next) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    next->started = 1;
    _PySlp_CStateLink(ts, next);
    return 0;
}

/* Make `next` the running tasklet in place of the current one, which the
   caller has already put where it belongs (ring, channel, nowhere).
   `dying`: the current tasklet has finished; its C context is dropped.
   `hook`: what the caller does with the value the current tasklet is
   resumed with, if that happens after a soft switch.
   Returns
     0  the current tasklet was suspended by a hard switch and is resumed;
     1  it may park softly: the caller returns PySlp_UNWIND at once and the
        eval loop carries the switch out (softswitch.c);
     2  (dying only) `next` is current and runs softly in this C context:
        the caller goes on dispatching;
    -1  with an exception set: nothing switched. */
int
_PySlp_Transfer(PySlp_ThreadState *ts, PyTaskletObject *next, int dying,
                PySlp_ResumeHook hook)
{
    PyThreadState *tstate = ts->tstate;
    PyTaskletObject *prev = ts->current;
    assert(prev != next);
    assert(tstate == _PyThreadState_GET());

    /* Decide before the callback: code it runs may note calls of its own. */
    int park = !dying && _PySlp_CanPark(ts);
    int soft_next = next->soft || _PySlp_SoftStartable(ts, next);
    if (!soft_next && prepare_hard_start(ts, next) < 0) {
        return -1;
    }
    call_schedule_callback(ts, prev, next);
    if (park) {
        prev->resume_hook = hook;
        Py_XSETREF(ts->soft_next, (PyTaskletObject *)Py_NewRef(next));
        ts->parking = tstate->current_frame;
        _Py_set_eval_breaker_bit(tstate, _PY_SLP_SOFT_SWITCH_BIT);
        return 1;
    }
    if (!dying && _PySlp_Hard(prev) == NULL) {
        return -1;
    }
    if (!dying) {
        note_call_site(ts, prev);
    }
    if (!dying && !prev->started) {
        /* It ran softly until now; from here on its C stack is its own. */
        _PySlp_cstack_init_running(&prev->hard->cstack, ts->cstack_base);
        prev->started = 1;
        _PySlp_CStateLink(ts, prev);
    }

    _PySlp_IState_Save(tstate, prev);
    /* The thread state's reference to prev is dropped by whoever runs
       next, once prev's stack is no longer the one in use. */
    ts->current = (PyTaskletObject *)Py_NewRef(next);
    ts->post_switch = (PyObject *)prev;
    ts->post_switch_dead = dying;
    if (next->in_ring) {
        ts->head = next;
    }
    _PySlp_CStack *to;
    if (soft_next) {
        /* The eval loop loads its state: _PySlp_SoftSwitch(). */
        if (dying) {
            tstate->current_frame = NULL;
            tstate->datastack_chunk = NULL;
            tstate->datastack_top = NULL;
            tstate->datastack_limit = NULL;
            _PySlp_PostSwitch(ts);
            return 2;
        }
        if (_PySlp_cstack_init(&ts->dispatcher, ts->cstack_base,
                               _PySlp_DispatchStart, NULL) < 0) {
            goto undo;
        }
        to = &ts->dispatcher;
    }
    else {
        _PySlp_IState_Load(tstate, next);
        to = &next->hard->cstack;
    }
    if (_PySlp_cstack_switch(dying ? NULL : &prev->hard->cstack, to,
                             ts) == NULL) {
        /* Out of memory saving prev's stack: nothing switched. */
        if (!soft_next) {
            _PySlp_IState_Save(tstate, next);
        }
        goto undo;
    }
    _PySlp_LoadTracing(ts, prev);
    _PySlp_PostSwitch(ts);
    prev->hard->call_frame = NULL;
    prev->hard->call_top = NULL;
    return 0;

undo:
    ts->post_switch = NULL;
    ts->post_switch_dead = 0;
    ts->current = prev;
    _PySlp_IState_Load(tstate, prev);
    Py_DECREF(next);
    if (prev->in_ring) {
        ts->head = prev;
    }
    PyErr_NoMemory();
    return -1;
}

PyObject *
_PySlp_TakeTempval(PyTaskletObject *t)
{
    PyObject *v = t->tempval;
    t->tempval = Py_NewRef(Py_None);
    if (v != NULL && PyBomb_Check(v)) {
        _PySlp_RaiseBomb(v);
        Py_DECREF(v);
        return NULL;
    }
    return v ? v : Py_NewRef(Py_None);
}

/* Switch to `next` (the caller checked the switch trap and arranged the
   queues) and return what the current tasklet is resumed with, passed
   through `hook` if there is one; or PySlp_UNWIND, which the caller
   returns at once: the switch is soft, the hook runs on resumption. */
PyObject *
_PySlp_SwitchToThen(PySlp_ThreadState *ts, PyTaskletObject *next,
                    PySlp_ResumeHook hook)
{
    PyTaskletObject *cur = ts->current;
    if (next != cur) {
        int rc = _PySlp_Transfer(ts, next, 0, hook);
        if (rc < 0) {
            return NULL;
        }
        if (rc == 1) {
            return PySlp_UNWIND;
        }
    }
    PyObject *r = _PySlp_TakeTempval(cur);
    return hook != NULL ? hook(ts, cur, r) : r;
}

PyObject *
_PySlp_SwitchTo(PySlp_ThreadState *ts, PyTaskletObject *next)
{
    return _PySlp_SwitchToThen(ts, next, NULL);
}

/* The innermost tasklet inside stackless.run(), else main. */
static PyTaskletObject *
innermost_watchdog(PySlp_ThreadState *ts)
{
    Py_ssize_t n = PyList_GET_SIZE(ts->watchdogs);
    if (n > 0) {
        return (PyTaskletObject *)PyList_GET_ITEM(ts->watchdogs, n - 1);
    }
    return ts->main;
}

/* spec §9: who runs when the current tasklet leaves the ring without
   naming a successor.  Sets *insert when that tasklet must be appended
   first.  Returns the current tasklet itself when it is the watchdog
   (nothing else to do), NULL with the deadlock error. */
PyTaskletObject *
_PySlp_NextAfterLeaving(PySlp_ThreadState *ts, int *insert)
{
    PyTaskletObject *cur = ts->current;
    *insert = 0;
    if (cur->in_ring && cur->next != cur) {
        return cur->next;
    }
    PyTaskletObject *w = innermost_watchdog(ts);
    if (w == cur) {
        return cur;
    }
    if (w->alive && !w->in_ring && !w->blocked) {
        *insert = 1;
        return w;
    }
    /* Cross-thread wake-ups do not exist yet, so waiting for another
       thread could never end: it is a deadlock in every case. */
    PyErr_SetString(PyExc_RuntimeError,
                    "Deadlock: the last runnable tasklet cannot be blocked.");
    return NULL;
}

/* stackless.schedule() and schedule_remove(). */
PyObject *
_PySlp_Schedule(PyObject *retval, int remove)
{
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    if (ts == NULL) {
        return NULL;
    }
    _PySlp_RunDeferredKills(ts);
    PyTaskletObject *cur = ts->current;
    PyTaskletObject *next;
    int insert = 0;
    if (retval == NULL) {
        retval = (PyObject *)cur;
    }
    if (!remove) {
        next = cur->next;
    }
    else {
        next = _PySlp_NextAfterLeaving(ts, &insert);
        if (next == NULL) {
            return NULL;
        }
    }
    if (next == cur) {
        return Py_NewRef(retval);
    }
    if (_PySlp_CheckSwitchTrap(ts) < 0) {
        return NULL;
    }
    Py_XSETREF(cur->tempval, Py_NewRef(retval));
    if (remove) {
        _PySlp_RingRemove(ts, cur);
        if (insert) {
            _PySlp_RingAppend(ts, next);
        }
    }
    return _PySlp_SwitchTo(ts, next);
}

/* ------------------------------------------------------------------ */
/* stackless.run(): the caller waits on the watchdog stack (spec §10.1). */

/* Any resumption ends this run(): pop it and every watchdog pushed after
   it; those are put back in the ring to return later. */
static PyObject *
run_resumed(PySlp_ThreadState *ts, PyTaskletObject *cur, PyObject *r)
{
    Py_ssize_t n = PyList_GET_SIZE(ts->watchdogs);
    Py_ssize_t i = n - 1;
    while (i >= 0 && PyList_GET_ITEM(ts->watchdogs, i) != (PyObject *)cur) {
        i--;
    }
    if (i >= 0) {
        for (Py_ssize_t j = i + 1; j < n; j++) {
            PyTaskletObject *w =
                (PyTaskletObject *)PyList_GET_ITEM(ts->watchdogs, j);
            if (w->alive && !w->in_ring && !w->blocked) {
                _PySlp_RingAppend(ts, w);
            }
        }
        PyObject *exc = PyErr_GetRaisedException();
        (void)PyList_SetSlice(ts->watchdogs, i, n, NULL);
        PyErr_SetRaisedException(exc);
    }
    if (r == NULL) {
        return NULL;
    }
    Py_DECREF(r);
    Py_RETURN_NONE;
}

PyObject *
_PySlp_RunWatchdog(void)
{
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    if (ts == NULL) {
        return NULL;
    }
    _PySlp_RunDeferredKills(ts);
    PyTaskletObject *cur = ts->current;
    if (cur->next == cur) {
        Py_RETURN_NONE;
    }
    if (_PySlp_CheckSwitchTrap(ts) < 0) {
        return NULL;
    }
    if (PyList_Append(ts->watchdogs, (PyObject *)cur) < 0) {
        return NULL;
    }
    PyTaskletObject *next = cur->next;
    _PySlp_RingRemove(ts, cur);
    return _PySlp_SwitchToThen(ts, next, run_resumed);
}

/* ------------------------------------------------------------------ */
/* throw() and kill() (spec §3.2, §8) */

PyObject *
_PySlp_ThrowThen(PyTaskletObject *t, PyObject *exc, int pending,
                 PySlp_ResumeHook hook)
{
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    if (ts == NULL) {
        return NULL;
    }
    if (t == ts->current) {
        PyErr_SetRaisedException(Py_NewRef(exc));
        return NULL;
    }
    int is_exit = PyErr_GivenExceptionMatches(exc, PyExc_TaskletExit);
    if (t->ts == NULL || t->ts->tstate == NULL) {
        if (is_exit && !t->alive) {
            Py_RETURN_NONE;
        }
        PyErr_SetString(PyExc_RuntimeError, "tasklet has no thread");
        return NULL;
    }
    if (!t->alive) {
        if (is_exit) {
            Py_RETURN_NONE;
        }
        PyErr_SetString(PyExc_RuntimeError,
                        "You cannot throw to a dead tasklet");
        return NULL;
    }
    if (t->ts != ts) {
        PyErr_SetString(PyExc_RuntimeError,
                        "throw() and kill() to a tasklet of another "
                        "thread are not supported yet");
        return NULL;
    }
    if (_PySlp_CheckQueueChange(ts) < 0
        || (!pending && _PySlp_CheckSwitchTrap(ts) < 0)) {
        return NULL;
    }
    PyObject *bomb = _PySlp_MakeBomb(exc);
    if (bomb == NULL) {
        return NULL;
    }
    Py_INCREF(t);
    if (t->blocked) {
        _PySlp_ChannelRemove(t->channel, t);
    }
    Py_XSETREF(t->tempval, bomb);
    if (!t->in_ring) {
        _PySlp_RingAppend(ts, t);
    }
    PyObject *r;
    if (pending) {
        r = Py_NewRef(Py_None);
    }
    else {
        r = _PySlp_SwitchToThen(ts, t, hook);
    }
    Py_DECREF(t);
    return r;
}

PyObject *
_PySlp_Throw(PyTaskletObject *t, PyObject *exc, int pending)
{
    return _PySlp_ThrowThen(t, exc, pending, NULL);
}

PyObject *
_PySlp_KillThen(PyTaskletObject *t, int pending, PySlp_ResumeHook hook)
{
    if (t->ts == NULL || t->ts->tstate == NULL) {
        /* Orphaned: its thread is gone, so it cannot run any more.  Only
           a tasklet that never started can be dropped without running. */
        if (t->soft) {
            _PySlp_DropFrames(t);
            _PySlp_IState_Clear(t);
            t->alive = 0;
        }
        if (!t->started) {
            Py_CLEAR(t->func);
            Py_CLEAR(t->args);
            Py_CLEAR(t->kwargs);
            t->alive = 0;
        }
        Py_RETURN_NONE;
    }
    if (!t->alive) {
        Py_RETURN_NONE;
    }
    PyObject *exc = PyObject_CallNoArgs(PyExc_TaskletExit);
    if (exc == NULL) {
        return NULL;
    }
    PyObject *r = _PySlp_ThrowThen(t, exc, pending, hook);
    Py_DECREF(exc);
    return r;
}

/* kill() on behalf of C code (finalisers, thread end, deferred kills):
   never soft, even inside a stackless call that noted its arguments --
   its caller could not pass the unwind token on. */
PyObject *
_PySlp_Kill(PyTaskletObject *t, int pending)
{
    PySlp_ThreadState *ts = _PySlp_TS(_PyThreadState_GET());
    PyObject *const *noted = ts != NULL ? ts->call_args : NULL;
    if (ts != NULL) {
        ts->call_args = NULL;
    }
    PyObject *r = _PySlp_KillThen(t, pending, NULL);
    if (ts != NULL) {
        ts->call_args = noted;
    }
    return r;
}

/* ------------------------------------------------------------------ */
/* Nesting: how many C-level interpreter invocations a tasklet has. */

int
_PySlp_NestingLevel(PyTaskletObject *t)
{
    PySlp_ThreadState *ts = t->ts;
    if (ts != NULL && ts->tstate != NULL && ts->current == t) {
        int n = _PySlp_CountEntryFrames(ts->tstate->current_frame);
        return n > 0 ? n - 1 : 0;
    }
    if (t->started && t->alive) {
        /* Suspended by a hard switch: its C stack is part of it. */
        int n = t->hard != NULL ? t->hard->ncuts : 0;
        return n > 0 ? n : 1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* The life of a non-main tasklet: its C context starts here. */

static int
is_main_thread(PyThreadState *tstate)
{
    return _Py_IsMainInterpreter(tstate->interp)
           && tstate->thread_id == _PyRuntime.main_thread;
}

/* The exceptions that end a tasklet quietly: TaskletExit, and
   SystemExit outside the program's initial thread.  Returns exc, or NULL
   (exc dropped) if it is absorbed. */
static PyObject *
absorb_silent_exit(PySlp_ThreadState *ts, PyObject *exc)
{
    if (PyErr_GivenExceptionMatches(exc, PyExc_TaskletExit)
        || (PyErr_GivenExceptionMatches(exc, PyExc_SystemExit)
            && !is_main_thread(ts->tstate))) {
        Py_DECREF(exc);
        return NULL;
    }
    return exc;
}

/* spec §8: decide what an exception ending tasklet `t` becomes; returns
   the exception to deliver (new reference) or NULL if it is absorbed.
   SystemExit from the initial thread ends the program: main re-raises
   it.  What the error handler raises is judged by the same rules (a
   handler that kills the current tasklet ends it quietly). */
static PyObject *
unhandled_exception(PySlp_ThreadState *ts, PyObject *exc)
{
    exc = absorb_silent_exit(ts, exc);
    if (exc == NULL || PyErr_GivenExceptionMatches(exc, PyExc_SystemExit)) {
        return exc;
    }
    PyObject *handler = _PySlp_globals.error_handler;
    if (handler != NULL) {
        PyObject *tb = PyException_GetTraceback(exc);
        Py_INCREF(handler);
        PyObject *r = PyObject_CallFunctionObjArgs(
            handler, (PyObject *)Py_TYPE(exc), exc, tb ? tb : Py_None, NULL);
        Py_DECREF(handler);
        Py_XDECREF(tb);
        Py_DECREF(exc);
        if (r != NULL) {
            Py_DECREF(r);
            return NULL;
        }
        exc = absorb_silent_exit(ts, PyErr_GetRaisedException());
    }
    return exc;
}

/* `t`, the current tasklet, has finished (with the exception set, if
   one ended it).  Returns when the tasklet that runs next is current and
   runs softly in this C context, which then becomes its dispatcher;
   otherwise switches away for good. */
void
_PySlp_TaskletEnd(PySlp_ThreadState *ts, PyTaskletObject *t)
{
    PyObject *exc = PyErr_GetRaisedException();
    if (exc != NULL) {
        exc = unhandled_exception(ts, exc);
    }
    t->alive = 0;
    t->base_frame = NULL;
    _PySlp_CStateUnlink(ts, t);
    Py_CLEAR(t->exc_state.exc_value);
    Py_XSETREF(t->tempval, Py_NewRef(Py_None));

    PyTaskletObject *next;
    if (exc != NULL) {
        /* Raise it in the innermost run() caller or main, right now. */
        next = innermost_watchdog(ts);
        PyObject *bomb = _PySlp_MakeBomb(exc);
        Py_DECREF(exc);
        if (bomb == NULL) {
            Py_FatalError("no memory to deliver a tasklet's exception");
        }
        Py_XSETREF(next->tempval, bomb);
        if (next->blocked) {
            _PySlp_ChannelRemove(next->channel, next);
        }
        _PySlp_RingRemove(ts, t);
        if (!next->in_ring) {
            _PySlp_RingAppend(ts, next);
        }
    }
    else if (t->next != t) {
        next = t->next;
        _PySlp_RingRemove(ts, t);
    }
    else {
        /* The ring is empty now (spec §8.1). */
        _PySlp_RingRemove(ts, t);
        next = innermost_watchdog(ts);
        if (next->blocked) {
            PyErr_SetString(PyExc_RuntimeError,
                            next->blocked > 0
                            ? "the main tasklet is sending without a "
                              "receiver available."
                            : "the main tasklet is receiving without a "
                              "sender available.");
            PyObject *err = PyErr_GetRaisedException();
            PyObject *bomb = _PySlp_MakeBomb(err);
            Py_DECREF(err);
            if (bomb == NULL) {
                Py_FatalError("no memory to wake the main tasklet");
            }
            Py_XSETREF(next->tempval, bomb);
            _PySlp_ChannelRemove(next->channel, next);
        }
        _PySlp_RingAppend(ts, next);
    }
    if (_PySlp_Transfer(ts, next, 1, NULL) != 2) {
        Py_FatalError("cannot switch away from a finished tasklet");
    }
}

static void
tasklet_start(void *value, void *arg)
{
    PySlp_ThreadState *ts = value;
    PyTaskletObject *t = arg;
    _PySlp_LoadTracing(ts, t);
    _PySlp_PostSwitch(ts);

    /* The call stays in t->func/args/kwargs while it runs: referenced
       from the tasklet, not from this C stack, the GC can see them. */
    PyObject *tv = t->tempval;
    t->tempval = Py_NewRef(Py_None);
    if (tv != NULL && PyBomb_Check(tv)) {
        /* Killed or thrown to before it ran: the callable never runs. */
        _PySlp_RaiseBomb(tv);
    }
    else if (t->func == NULL) {
        PyErr_SetString(PyExc_RuntimeError,
                        "the tasklet was not bound to a function");
    }
    else {
        Py_XDECREF(tv);
        tv = NULL;
        PyObject *r = PyObject_Call(t->func, t->args, t->kwargs);
        Py_XDECREF(r);
    }
    Py_XDECREF(tv);
    Py_CLEAR(t->func);
    Py_CLEAR(t->args);
    Py_CLEAR(t->kwargs);
    _PySlp_TaskletEnd(ts, t);
    /* The next tasklet runs softly: this context dispatches from now on. */
    _PySlp_DispatchLoop(ts);
}
