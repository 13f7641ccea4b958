/* Who runs next: schedule(), run() with its watchdog stack, and
 * tasklet.run()/switch() (user guide, "Tasklets").  The switch itself is
 * core/transfer.c's. */

#include "slp_core.h"

/* The innermost tasklet inside stackless.run(), else main. */
PyTaskletObject *
_PySlp_InnermostWatchdog(PySlp_ThreadState *ts)
{
    Py_ssize_t n = PyList_GET_SIZE(ts->watchdogs);
    if (n > 0) {
        return (PyTaskletObject *)PyList_GET_ITEM(ts->watchdogs, n - 1);
    }
    return ts->main;
}

/* A tasklet interrupted for a run() that will not return it goes back
   to the run queue rather than being lost. */
static void
requeue_victim(PySlp_ThreadState *ts, PyObject *victim)
{
    PyTaskletObject *v = (PyTaskletObject *)victim;
    if (v != NULL && v->alive && !v->in_ring && !v->blocked && v->ts == ts
        && !_PySlp_IsCurrent(v)) {
        _PySlp_RingAppend(ts, v);
    }
    Py_XDECREF(victim);
}

/* `t` leaves run() without coming back to it (its frames are dropped):
   its entry on the watchdog stack goes, or the next tasklet to end with
   an exception would be sent to it. */
void
_PySlp_ForgetWatchdog(PySlp_ThreadState *ts, PyTaskletObject *t)
{
    for (Py_ssize_t i = PyList_GET_SIZE(ts->watchdogs) - 1; i >= 0; i--) {
        if (PyList_GET_ITEM(ts->watchdogs, i) == (PyObject *)t) {
            PyObject *exc = PyErr_GetRaisedException();
            (void)PyList_SetSlice(ts->watchdogs, i, i + 1, NULL);
            PyErr_SetRaisedException(exc);
        }
    }
    if (ts->preempt_owner == t) {
        requeue_victim(ts, _PySlp_PreemptDisarm(ts));
    }
}

static int
is_initial_thread(PySlp_ThreadState *ts)
{
    return _Py_IsMainInterpreter(ts->tstate->interp)
           && ts->thread_id == _PyRuntime.main_thread;
}

/* Who runs when the current tasklet leaves the ring without naming a
   successor (docs/reference.md, "Blocking"): the next in the ring; else
   the innermost run() caller or main if it is paused (*mode
   PySlp_NEXT_APPEND: append it first); else, while another thread could
   make a tasklet of this one runnable, nobody yet (PySlp_NEXT_WAIT, the
   current tasklet returned: _PySlp_WaitThenSwitch()).  `blocking`: the
   current tasklet blocks on a channel, rather than being paused.  Returns
   the current tasklet itself when it is the paused watchdog (nothing else
   to do), NULL with the deadlock error. */
PyTaskletObject *
_PySlp_NextAfterLeaving(PySlp_ThreadState *ts, int blocking, int *mode)
{
    PyTaskletObject *cur = ts->current;
    *mode = PySlp_NEXT_QUEUED;
    if (cur->in_ring && cur->next != cur) {
        return cur->next;
    }
    PyTaskletObject *w = _PySlp_InnermostWatchdog(ts);
    int w_paused = w == cur ? !blocking
                            : w->alive && !w->in_ring && !w->blocked;
    if (w_paused && !ts->threadblock) {
        *mode = w == cur ? PySlp_NEXT_QUEUED : PySlp_NEXT_APPEND;
        return w;
    }
    if (_PySlp_OthersCanWake(ts)) {
        *mode = PySlp_NEXT_WAIT;
        return cur;
    }
    if (w_paused && is_initial_thread(ts)) {
        *mode = w == cur ? PySlp_NEXT_QUEUED : PySlp_NEXT_APPEND;
        return w;
    }
    PyErr_SetString(PyExc_RuntimeError,
                    "Deadlock: the last runnable tasklet cannot be blocked.");
    return NULL;
}

/* The current tasklet has left the ring (blocked on a channel, or
   removed) and nothing here can run: wait until another thread makes a
   tasklet of this thread runnable, and run that one (it may be the
   current tasklet itself, woken by a partner).  Returns what the current
   tasklet resumes with, PySlp_UNWIND for a soft switch, or NULL with an
   exception: then the current tasklet is back in the ring and off its
   channel, as if it had never left. */
PyObject *
_PySlp_WaitThenSwitch(PySlp_ThreadState *ts)
{
    PyTaskletObject *cur = ts->current;
    int rc = _PySlp_WaitForWork(ts);
    if (rc > 0) {
        PyTaskletObject *next = ts->head;
        if (next == cur) {
            return _PySlp_TakeTempval(cur);
        }
        int how = _PySlp_PrepareSwitch(ts, next);
        if (how >= 0) {
            return _PySlp_SwitchTo(ts, next, how);
        }
    }
    else if (rc == 0) {
        PyErr_SetString(PyExc_RuntimeError,
                        "Deadlock: the last runnable tasklet cannot be "
                        "blocked.");
    }
    if (cur->in_ring) {
        /* Made runnable meanwhile: it goes on with what it got. */
        PyErr_Clear();
        ts->head = cur;
        return _PySlp_TakeTempval(cur);
    }
    Py_XDECREF(_PySlp_Unblock(cur));
    _PySlp_RingAppend(ts, cur);
    ts->head = cur;
    Py_XSETREF(cur->tempval, Py_NewRef(Py_None));
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
        /* Not in the ring: only while a switch is under way, which the
           switch guards refuse below. */
        next = cur->in_ring ? cur->next : ts->main;
    }
    else {
        next = _PySlp_NextAfterLeaving(ts, 0, &insert);
        if (next == NULL) {
            return NULL;
        }
    }
    if (insert == PySlp_NEXT_WAIT) {
        if (_PySlp_CheckSwitch(ts) < 0) {
            return NULL;
        }
        PyObject *old = cur->tempval;
        cur->tempval = Py_NewRef(retval);
        _PySlp_RingRemove(ts, cur);
        PyObject *r = _PySlp_WaitThenSwitch(ts);
        Py_XDECREF(old);
        return r;
    }
    if (next == cur) {
        return Py_NewRef(retval);
    }
    int how = _PySlp_PrepareSwitch(ts, next);
    if (how < 0) {
        return NULL;
    }
    /* The old tempval goes after the switch: its finaliser may run code. */
    PyObject *old = cur->tempval;
    cur->tempval = Py_NewRef(retval);
    if (remove) {
        _PySlp_RingRemove(ts, cur);
        if (insert) {
            _PySlp_RingAppend(ts, next);
        }
    }
    PyObject *r = _PySlp_SwitchTo(ts, next, how);
    Py_XDECREF(old);
    return r;
}

/* ------------------------------------------------------------------ */
/* stackless.run(): the caller waits on the watchdog stack until the run
   queue is empty. */

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
    PyObject *victim = NULL;
    if (i >= 0) {
        for (Py_ssize_t j = i; j < n; j++) {
            PyTaskletObject *w =
                (PyTaskletObject *)PyList_GET_ITEM(ts->watchdogs, j);
            if (w == ts->preempt_owner) {
                /* The run() that owns pre-emption returns now, or (an
                   inner one) when it next gets control: it ends here. */
                victim = _PySlp_PreemptDisarm(ts);
                if (w != cur) {
                    requeue_victim(ts, victim);
                    victim = NULL;
                }
            }
            if (j > i && w->alive && !w->in_ring && !w->blocked) {
                _PySlp_RingAppend(ts, w);
            }
        }
        PyObject *exc = PyErr_GetRaisedException();
        (void)PyList_SetSlice(ts->watchdogs, i, n, NULL);
        PyErr_SetRaisedException(exc);
    }
    if (r == NULL) {
        requeue_victim(ts, victim);
        return NULL;
    }
    Py_DECREF(r);
    if (victim != NULL) {
        return victim;
    }
    Py_RETURN_NONE;
}

/* `timeout` ticks per slice and a `budget` in seconds (ours) make this
   run() pre-emptive if no other run() is (core/preempt.c). */
PyObject *
_PySlp_RunWatchdog(long timeout, int flags, double budget)
{
    /* Checked here for run() and the C API alike. */
    if (!(budget >= 0) || budget > 1e9) {
        PyErr_SetString(PyExc_ValueError,
                        "budget must be a number of seconds, "
                        "0 <= budget <= 1e9");
        return NULL;
    }
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    if (ts == NULL) {
        return NULL;
    }
    _PySlp_RunDeferredKills(ts);
    PyTaskletObject *cur = ts->current;
    if (cur->next == cur) {
        Py_RETURN_NONE;
    }
    PyTaskletObject *next = cur->next;
    int how = _PySlp_PrepareSwitch(ts, next);
    if (how < 0 || PyList_Append(ts->watchdogs, (PyObject *)cur) < 0) {
        return NULL;
    }
    if (timeout > 0 || budget > 0) {
        (void)_PySlp_PreemptArm(ts, cur, timeout, flags, budget);
    }
    _PySlp_RingRemove(ts, cur);
    return _PySlp_SwitchToThen(ts, next, how, run_resumed);
}

/* ------------------------------------------------------------------ */
/* tasklet.run() (`remove` false: the caller stays runnable) and
   tasklet.switch() (the caller is paused). */

static int
check_runnable(PyTaskletObject *t)
{
    if (_PySlp_CheckNotChanging(t) < 0) {
        return -1;
    }
    if (t->blocked) {
        PyErr_SetString(PyExc_RuntimeError,
                        "You cannot run a blocked tasklet");
        return -1;
    }
    if (!_PySlp_HasThread(t)) {
        PyErr_SetString(PyExc_RuntimeError,
                        "Target thread isn't initialized");
        return -1;
    }
    if (!t->alive) {
        PyErr_SetString(PyExc_RuntimeError,
                        "You cannot run an unbound(dead) tasklet");
        return -1;
    }
    return 0;
}

/* tasklet.insert(): append a paused tasklet to its thread's run queue. */
int
_PySlp_Insert(PyTaskletObject *t)
{
    if (check_runnable(t) < 0 || _PySlp_CheckQueueGrow(t->ts) < 0) {
        return -1;
    }
    if (!t->in_ring) {
        _PySlp_RingAppend(t->ts, t);
    }
    return 0;
}

PyObject *
_PySlp_RunOrSwitch(PyTaskletObject *t, int remove)
{
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    if (ts == NULL) {
        return NULL;
    }
    if (!_PySlp_HasThread(t)) {
        PyErr_SetString(PyExc_RuntimeError, "tasklet has no thread");
        return NULL;
    }
    _PySlp_RunDeferredKills(ts);
    if (t->ts != ts) {
        if (remove) {
            PyErr_SetString(PyExc_RuntimeError,
                            "can't switch to a different thread.");
            return NULL;
        }
        /* Another thread's tasklet runs next there. */
        if (check_runnable(t) < 0) {
            return NULL;
        }
        if (!t->in_ring) {
            PySlp_ThreadState *other = t->ts;
            if (other->current != NULL && other->current->in_ring) {
                _PySlp_RingInsertAfter(other, other->current, t);
            }
            else {
                _PySlp_RingAppend(other, t);
            }
        }
        Py_RETURN_NONE;
    }
    PyTaskletObject *cur = ts->current;
    if (t == cur) {
        Py_RETURN_NONE;
    }
    if (check_runnable(t) < 0) {
        return NULL;
    }
    int how = _PySlp_PrepareSwitch(ts, t);
    if (how < 0) {
        return NULL;
    }
    if (!t->in_ring) {
        _PySlp_RingAppend(ts, t);
    }
    if (remove) {
        _PySlp_RingRemove(ts, cur);
    }
    return _PySlp_SwitchTo(ts, t, how);
}
