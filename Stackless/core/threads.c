/* Tasklets of one thread acted on by another (D41).
 *
 * A thread whose run queue runs dry while another thread could still make
 * one of its tasklets runnable sleeps, without the GIL, on a lock of its
 * own; whoever links a tasklet into its ring releases that lock.  An
 * exception thrown at a tasklet that is running in another thread is kept
 * on the tasklet and raised by its own thread: at that thread's next
 * eval-breaker check, or when the tasklet next resumes, whichever comes
 * first (user guide, "Threads").
 *
 * Everything here runs under the GIL except the sleep itself.
 */

#include "slp_core.h"
#include "pycore_ceval.h"         // _Py_set_eval_breaker_bit()
#include "pycore_fileutils.h"     // _Py_write_noraise()
#include "pythread.h"

void
_PySlp_WakeIdleNow(PySlp_ThreadState *ts)
{
    ts->wake_posted = 1;
    PyThread_release_lock((PyThread_type_lock)ts->idle_lock);
}

/* Only another thread need write: a thread that made its own tasklet
   runnable is awake.  The fd is non-blocking; a full pipe already says
   "wake up", so a failed write is dropped (as signal.set_wakeup_fd's). */
void
_PySlp_WakeFd(PySlp_ThreadState *ts)
{
    if (ts->tstate != _PyThreadState_GET()) {
        (void)_Py_write_noraise(ts->wakeup_fd, "", 1);
    }
}

/* Whether a thread of the interpreter other than ts's could still make
   one of ts's tasklets runnable: one that exists, is not ending, and is
   not itself asleep waiting for others (docs/reference.md, "Blocking"). */
int
_PySlp_OthersCanWake(PySlp_ThreadState *ts)
{
    PyThreadState *me = ts->tstate;
    PyThreadState *p = PyInterpreterState_ThreadHead(me->interp);
    for (; p != NULL; p = PyThreadState_Next(p)) {
        if (p == me || p->_status.cleared || p->_status.finalizing) {
            continue;
        }
        PySlp_ThreadState *o = _PySlp_TS(p);
        if (o == NULL || !o->idle || o->wake_posted) {
            return 1;           /* running, or woken and about to */
        }
    }
    return 0;
}

/* The lock an idle thread sleeps on is held whenever no wake-up is
   posted: a wake-up releases it, the sleeper's acquire takes it back. */
static int
make_idle_lock(PySlp_ThreadState *ts)
{
    if (ts->idle_lock == NULL) {
        PyThread_type_lock lock = PyThread_allocate_lock();
        if (lock == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        (void)PyThread_acquire_lock(lock, WAIT_LOCK);
        ts->idle_lock = lock;
        ts->wake_posted = 0;
    }
    return 0;
}

/* Signal handlers run before the thread sleeps and when a signal ends
   its sleep: Ctrl-C must end a program that waits for another thread,
   also when the signal came just before the sleep.  A handler may not
   switch meanwhile (the current tasklet is off the ring).  -1 if one
   raised. */
static int
run_signal_handlers(PySlp_ThreadState *ts)
{
    ts->no_switch++;
    ts->queues_frozen++;
    int rc = PyErr_CheckSignals();
    ts->queues_frozen--;
    ts->no_switch--;
    return rc;
}

/* The calling thread's ring is empty: the tasklet running has left it
   (blocked on a channel, removed itself, or finished).  Sleep without the
   GIL until another thread links a tasklet into the ring.  Returns 1 once
   the ring is not empty, 0 if no other thread could ever fill it (every
   other one sleeps too, or none is left: the caller's deadlock), -1 with
   an exception (no memory for the lock; a signal handler raised). */
int
_PySlp_WaitForWork(PySlp_ThreadState *ts)
{
    if (make_idle_lock(ts) < 0) {
        return -1;
    }
    PyThread_type_lock lock = (PyThread_type_lock)ts->idle_lock;
    while (ts->head == NULL) {
        if (!_PySlp_OthersCanWake(ts)) {
            return 0;           /* the caller's deadlock error */
        }
        if (run_signal_handlers(ts) < 0) {
            return -1;
        }
        PyLockStatus st;
        ts->idle = 1;
        Py_BEGIN_ALLOW_THREADS
        st = PyThread_acquire_lock_timed(lock, -1, 1);
        Py_END_ALLOW_THREADS
        ts->idle = 0;
        if (st == PY_LOCK_ACQUIRED) {
            ts->wake_posted = 0;
            continue;
        }
        /* A signal interrupted the sleep. */
        if (ts->wake_posted) {
            (void)PyThread_acquire_lock(lock, NOWAIT_LOCK);
            ts->wake_posted = 0;
        }
    }
    return 1;
}

/* Every thread of the interpreter asleep in _PySlp_WaitForWork() looks
   again: a thread that could have woken them is ending. */
void
_PySlp_WakeAllIdle(PyInterpreterState *interp)
{
    PyThreadState *p = PyInterpreterState_ThreadHead(interp);
    for (; p != NULL; p = PyThreadState_Next(p)) {
        PySlp_ThreadState *o = _PySlp_TS(p);
        if (o != NULL) {
            _PySlp_WakeIdle(o);
        }
    }
}

/* The thread's scheduler goes: its lock too, unless the thread still
   sleeps on it (a daemon thread at shutdown, cleared by another thread,
   never wakes again: lock and scheduler are left to the process's end). */
void
_PySlp_ThreadStateFreeIdle(PySlp_ThreadState *ts)
{
    if (ts->idle_lock != NULL && !ts->idle) {
        PyThread_type_lock lock = (PyThread_type_lock)ts->idle_lock;
        ts->idle_lock = NULL;
        if (ts->wake_posted) {
            (void)PyThread_acquire_lock(lock, NOWAIT_LOCK);
        }
        PyThread_release_lock(lock);
        PyThread_free_lock(lock);
    }
}

/* `t` is current in another thread and running there (not asleep): keep
   the bomb for it and make its thread look. */
void
_PySlp_ThrowPending(PyTaskletObject *t, PyObject *bomb)
{
    Py_XSETREF(t->pending_bomb, bomb);
    _Py_set_eval_breaker_bit(t->ts->tstate, _PY_SLP_SOFT_SWITCH_BIT);
}

/* The eval breaker's slow path (_Py_HandlePending): raise what another
   thread threw at the running tasklet.  The soft-switch bit brought us
   here unless a soft switch is under way, which clears it itself. */
int
_PySlp_HandlePending(PyThreadState *tstate)
{
    PySlp_ThreadState *ts = _PySlp_TS(tstate);
    if (ts == NULL || ts->parking != NULL) {
        return 0;
    }
    PyTaskletObject *cur = ts->current;
    if (cur == NULL || cur->pending_bomb == NULL) {
        _PySlp_BreakerDone(ts);
        return 0;
    }
    if (ts->in_schedule_cb || ts->in_channel_cb || ts->no_switch) {
        /* A callback's errors are only reported: keep it for later. */
        return 0;
    }
    _PySlp_BreakerDone(ts);
    PyObject *bomb = cur->pending_bomb;
    cur->pending_bomb = NULL;
    _PySlp_RaiseBomb(bomb);
    Py_DECREF(bomb);
    return -1;
}

/* ------------------------------------------------------------------ */
/* tasklet.bind_thread() */

/* Whether `t` may move to another thread: it must not run (be current or
   runnable) and must have no C state, which is part of its thread's C
   stack.  A main tasklet never moves, even once its thread has ended. */
int
_PySlp_CheckBindThread(PyTaskletObject *t)
{
    if (_PySlp_CheckNotChanging(t) < 0) {
        return -1;
    }
    if (t->in_ring || _PySlp_IsCurrent(t)) {
        PyErr_SetString(PyExc_RuntimeError,
                        "can't (re)bind a runnable tasklet");
        return -1;
    }
    if (t->is_main) {
        PyErr_SetString(PyExc_RuntimeError,
                        "can't (re)bind the main tasklet of a thread");
        return -1;
    }
    if ((t->has_cstack || t->homed) && t->alive) {
        PyErr_SetString(PyExc_RuntimeError,
                        "tasklet has C state on its stack");
        return -1;
    }
    return 0;
}

/* Move `t` (checked by _PySlp_CheckBindThread) to `target`.  It leaves
   every per-thread list of its old thread: the begun tasklets (which
   that thread kills at its end) and the watchdog stack (a run() that
   would return there: it now returns in the new thread, when the tasklet
   resumes). */
void
_PySlp_TaskletBindThread(PyTaskletObject *t, PySlp_ThreadState *target)
{
    PySlp_ThreadState *old = t->ts;
    if (target == old) {
        return;
    }
    _PySlp_ThreadStateIncref(target);
    if (old != NULL) {
        int begun = t->begun_next != NULL;
        _PySlp_BegunUnlink(old, t);
        if (begun) {
            _PySlp_BegunLink(target, t);
        }
        if (old->watchdogs != NULL) {
            _PySlp_ForgetWatchdog(old, t);
        }
    }
    t->ts = target;
    t->thread_id = target->thread_id;
    if (old != NULL) {
        _PySlp_ThreadStateDecref(old);
    }
}
