/* Ending tasklets from outside: throw() and kill(), and the one policy for
 * tasklets nobody can reach any more -- unreachable ones found by the
 * garbage collector, and those left when their thread or the interpreter
 * ends.  Such a tasklet is killed, so that its `finally` blocks run; one
 * that refuses to die is kept in gc.garbage (user guide, "Switching and
 * the C stack"; D18, D28). */

#include "slp_core.h"

/* ------------------------------------------------------------------ */
/* throw() and kill() */

/* throw() at a tasklet of another thread is always pending: it becomes
   runnable in its own thread, which wakes if it sleeps; the caller goes
   on.  One that is running there gets the exception at its thread's next
   look (core/threads.c). */
static PyObject *
throw_other_thread(PyTaskletObject *t, PyObject *exc)
{
    if (_PySlp_CheckNotChanging(t) < 0) {
        return NULL;
    }
    PyObject *bomb = _PySlp_MakeBomb(exc);
    if (bomb == NULL) {
        return NULL;
    }
    PySlp_ThreadState *other = t->ts;
    if (_PySlp_IsCurrent(t) && t->in_ring) {
        _PySlp_ThrowPending(t, bomb);
        Py_RETURN_NONE;
    }
    /* Suspended, or current in a thread asleep waiting for others. */
    Py_INCREF(t);
    PyObject *old = t->tempval;
    PyObject *channel = _PySlp_Unblock(t);
    t->tempval = bomb;
    if (!t->in_ring) {
        _PySlp_RingAppend(other, t);
    }
    Py_XDECREF(old);
    Py_XDECREF(channel);
    Py_DECREF(t);
    Py_RETURN_NONE;
}

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
    if (!_PySlp_HasThread(t)) {
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
        return throw_other_thread(t, exc);
    }
    if (_PySlp_CheckQueueChange(ts) < 0 || _PySlp_CheckNotChanging(t) < 0) {
        return NULL;
    }
    PyObject *bomb = _PySlp_MakeBomb(exc);
    if (bomb == NULL) {
        return NULL;
    }
    int how = pending ? 0 : _PySlp_PrepareSwitch(ts, t);
    if (how < 0) {
        Py_DECREF(bomb);
        return NULL;
    }
    /* What t held goes after the switch: finalisers may run code. */
    Py_INCREF(t);
    PyObject *old = t->tempval;
    PyObject *channel = _PySlp_Unblock(t);
    t->tempval = bomb;
    if (!t->in_ring) {
        _PySlp_RingAppend(ts, t);
    }
    PyObject *r;
    if (pending) {
        r = Py_NewRef(Py_None);
    }
    else {
        r = _PySlp_SwitchToThen(ts, t, how, hook);
    }
    Py_XDECREF(old);
    Py_XDECREF(channel);
    Py_DECREF(t);
    return r;
}

PyObject *
_PySlp_KillThen(PyTaskletObject *t, int pending, PySlp_ResumeHook hook)
{
    if (!_PySlp_HasThread(t)) {
        /* Orphaned: its thread is gone, so it cannot run any more.  Its
           frames are dropped without running code; only a tasklet with
           C state cannot be dropped (its C stack refers to them). */
        if (t->blocked) {
            /* It waits for nothing any more: its queue forgets it. */
            Py_INCREF(t);
            Py_DECREF(_PySlp_Unblock(t));
            Py_DECREF(t);
        }
        if (t->parked) {
            _PySlp_DropFrames(t);
            _PySlp_StateClear(t);
            t->alive = 0;
        }
        if (!t->has_cstack) {
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
/* The kill-unreachable policy */

/* Has begun and not ended, and is not running: killing it runs code. */
static int
still_to_kill(PyTaskletObject *t)
{
    return t->alive && _PySlp_HasFrames(t) && !_PySlp_IsCurrent(t);
}

/* Kill `t` until it is dead; a tasklet that catches TaskletExit gets a
   few more.  Errors are reported as unraisable, with `why` ("a tasklet at
   thread exit").  Returns 1
   if it died, 0 if it refused. */
int
_PySlp_KillForGood(PyTaskletObject *t, const char *why)
{
    PyObject *exc = PyErr_GetRaisedException();
    for (int i = 0; i < 10 && still_to_kill(t); i++) {
        /* An error (its cleanup code raised, memory ran out) is reported;
           the next attempt may still succeed. */
        PyObject *r = _PySlp_Kill(t, 0);
        if (r == NULL) {
            PyErr_FormatUnraisable("Exception ignored while killing "
                                   "%s: %R", why, t);
        }
        Py_XDECREF(r);
    }
    PyErr_SetRaisedException(exc);
    return !still_to_kill(t);
}

/* An unreachable tasklet that cannot be killed now or at all. */
static void
keep_in_garbage(PyTaskletObject *t)
{
    PyObject *exc = PyErr_GetRaisedException();
    Py_CLEAR(t->tempval);
    PyObject *garbage = NULL;
    PyObject *gc = PyImport_ImportModule("gc");
    if (gc != NULL) {
        garbage = PyObject_GetAttrString(gc, "garbage");
        Py_DECREF(gc);
    }
    if (garbage == NULL || PyList_Append(garbage, (PyObject *)t) < 0) {
        PyErr_FormatUnraisable("Exception ignored while keeping an "
                               "unkillable tasklet");
    }
    Py_XDECREF(garbage);
    if (_Py_GetConfig()->verbose) {
        PySys_WriteStderr("stackless: tasklet %p could not be killed "
                          "and is kept in gc.garbage\n", (void *)t);
    }
    PyErr_SetRaisedException(exc);
}

static void
kill_unreachable(PyTaskletObject *t)
{
    if (!_PySlp_KillForGood(t, "an unreachable tasklet")) {
        keep_in_garbage(t);
    }
}

static int run_deferred_kills(void *Py_UNUSED(arg));

/* Whether a kill may run from here, C code that no bytecode called: any
   switch must be allowed, and in a soft-only build (D47) only main can
   switch from C; elsewhere the kill waits for main. */
static int
can_kill_from_c(PySlp_ThreadState *ts)
{
    return _PySlp_WhyNoSwitch(ts) == NULL
           && (SLP_HARD_SWITCH || ts->current == ts->main);
}

/* Keep t alive until it can be killed: by the next stackless operation
   of its thread, or in the main thread by a pending call as soon as the
   eval loop runs again. */
static void
defer_kill(PyTaskletObject *t)
{
    PySlp_ThreadState *ts = t->ts;
    PyObject *exc = PyErr_GetRaisedException();
    if (ts->deferred_kills == NULL) {
        ts->deferred_kills = PyList_New(0);
    }
    if (ts->deferred_kills == NULL
        || PyList_Append(ts->deferred_kills, (PyObject *)t) < 0) {
        PyErr_FormatUnraisable("Exception ignored while deferring the "
                               "kill of an unreachable tasklet");
    }
    else if (ts->tstate == _PyThreadState_GET() && _Py_IsMainThread()) {
        (void)Py_AddPendingCall(run_deferred_kills, NULL);
    }
    PyErr_SetRaisedException(exc);
}

/* Soft-only (D47): main is current again, at the bottom of the C stack;
   the kills deferred while other tasklets ran go as soon as its eval loop
   does (in the main thread; elsewhere at its next stackless call). */
void
_PySlp_DeferredKillsDue(PySlp_ThreadState *ts)
{
    if (ts->deferred_kills != NULL
        && PyList_GET_SIZE(ts->deferred_kills) > 0
        && ts->tstate == _PyThreadState_GET() && _Py_IsMainThread()) {
        (void)Py_AddPendingCall(run_deferred_kills, NULL);
    }
}

static int
run_deferred_kills(void *Py_UNUSED(arg))
{
    if (_PyInterpreterState_GET()->gc.collecting) {
        /* Run by a finaliser's Python code during the same collection:
           too early.  Come back once it is over. */
        (void)Py_AddPendingCall(run_deferred_kills, NULL);
        return 0;
    }
    /* Where switching is not allowed for longer (inside a callback, a
       switch trap), the kills wait for the next stackless operation. */
    PySlp_ThreadState *ts = _PySlp_TS(_PyThreadState_GET());
    if (ts != NULL) {
        _PySlp_RunDeferredKills(ts);
    }
    return 0;
}

void
_PySlp_RunDeferredKillsNow(PySlp_ThreadState *ts)
{
    while (ts->deferred_kills != NULL
           && PyList_GET_SIZE(ts->deferred_kills) > 0
           && can_kill_from_c(ts)) {
        PyObject *t = Py_NewRef(PyList_GET_ITEM(ts->deferred_kills, 0));
        PyObject *exc = PyErr_GetRaisedException();
        (void)PyList_SetSlice(ts->deferred_kills, 0, 1, NULL);
        PyErr_SetRaisedException(exc);
        kill_unreachable((PyTaskletObject *)t);
        Py_DECREF(t);
    }
}

/* The tasklet type's finaliser (PEP 442): a suspended tasklet that became
   unreachable.  Where it cannot be killed now (another thread's tasklet;
   no switch allowed: a collection, a callback, a switch trap; soft-only,
   a tasklet other than main runs) the kill is deferred.  An orphan cannot run: its frames are dropped when it is
   freed. */
void
_PySlp_FinalizeTasklet(PyTaskletObject *t)
{
    if (t->is_main || !still_to_kill(t) || !_PySlp_HasThread(t)) {
        return;
    }
    if (t->ts->tstate != _PyThreadState_GET() || !can_kill_from_c(t->ts)) {
        defer_kill(t);
        return;
    }
    kill_unreachable(t);
}

/* The calling thread ends (`all` false) or the interpreter does (`all`):
   kill its tasklets that hold C state, or every one that has begun, so
   that their cleanup code runs.  At thread end only C state forces a
   kill: the others become orphans that bind_thread() can revive; at
   shutdown nothing could revive them (D28). */
void
_PySlp_KillThreadTasklets(PySlp_ThreadState *ts, int all)
{
    if (ts->current != ts->main) {
        return;
    }
    PyObject *exc = PyErr_GetRaisedException();
    int saved_trap = ts->switch_trap;
    ts->switch_trap = 0;
    _PySlp_RunDeferredKills(ts);
    /* Walk the list of begun tasklets without allocating (memory may be
       out).  Killing runs code that may end or begin others: a tasklet
       is marked once its kill was tried, the walk starts over when the
       one just killed has left the list, and it gives up after a few
       rounds' worth of kills (cleanup code that keeps starting more). */
    Py_ssize_t budget = 1000;
    for (PyTaskletObject *c = ts->begun_head; c != NULL;
         c = c->begun_next == ts->begun_head ? NULL : c->begun_next) {
        budget += 10;
    }
    PyTaskletObject *c = (PyTaskletObject *)Py_XNewRef(ts->begun_head);
    while (c != NULL && budget > 0) {
        if (!c->exit_tried && still_to_kill(c) && (all || c->has_cstack)) {
            c->exit_tried = 1;
            budget--;
            (void)_PySlp_KillForGood(c, "a tasklet at thread exit");
        }
        PyTaskletObject *next;
        if (c->begun_next == NULL) {
            next = ts->begun_head;      /* it left the list: start over */
        }
        else {
            next = c->begun_next == ts->begun_head ? NULL : c->begun_next;
        }
        Py_XINCREF(next);
        Py_SETREF(c, next);
    }
    Py_XDECREF(c);
    for (c = ts->begun_head; c != NULL;
         c = c->begun_next == ts->begun_head ? NULL : c->begun_next) {
        c->exit_tried = 0;
    }
    ts->switch_trap = saved_trap;
    PyErr_SetRaisedException(exc);
}
