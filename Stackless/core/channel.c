/* A channel's queue of blocked tasklets and the transfer of a value over
 * it (user guide, "Channels").  The queue is a FIFO, all senders or all
 * receivers; `balance` counts them (+ senders, - receivers).  The channel
 * holds a reference to each tasklet in its queue, and each such tasklet
 * one to the channel. */

#include "slp_core.h"

static void
queue_append(PyChannelObject *ch, PyTaskletObject *t, int dir)
{
    assert(t->next == NULL && t->prev == NULL && !t->in_ring);
    Py_INCREF(t);
    t->prev = ch->tail;
    t->next = NULL;
    if (ch->tail != NULL) {
        ch->tail->next = t;
    }
    else {
        ch->head = t;
    }
    ch->tail = t;
    ch->balance += dir;
    t->blocked = dir;
    Py_XSETREF(t->channel, (PyChannelObject *)Py_NewRef(ch));
}

/* Unblock t; drops the channel's reference to it (callers hold one). */
void
_PySlp_ChannelRemove(PyChannelObject *ch, PyTaskletObject *t)
{
    assert(t->channel == ch && t->blocked);
    if (t->prev != NULL) {
        t->prev->next = t->next;
    }
    else {
        ch->head = t->next;
    }
    if (t->next != NULL) {
        t->next->prev = t->prev;
    }
    else {
        ch->tail = t->prev;
    }
    t->next = t->prev = NULL;
    ch->balance -= t->blocked;
    t->blocked = 0;
    PyChannelObject *own = t->channel;
    t->channel = NULL;
    Py_DECREF(t);
    Py_DECREF(own);
}

/* A channel being unpickled lists its blocked tasklets, which may still be
   blank (their state comes later) or already rebuilt, paused.  Only a
   tasklet that is nowhere else may join its queue. */
int
_PySlp_ChannelRestoreBlocked(PyChannelObject *ch, PyTaskletObject *t,
                             int dir)
{
    if (t->blocked || t->in_ring || t->is_main || t->next != NULL
        || t->prev != NULL || _PySlp_IsCurrent(t)
        || t->ts != _PySlp_TS(_PyThreadState_GET())) {
        PyErr_SetString(PyExc_ValueError,
                        "the channel state lists a tasklet that cannot "
                        "block on it");
        return -1;
    }
    if (t->alive && !t->parked) {
        /* Loaded with frames that held C state, or never started: it
           waits for nothing (D39). */
        return 0;
    }
    queue_append(ch, t, dir);
    return 0;
}

/* A channel that goes away unblocks its tasklets: they become paused. */
void
_PySlp_ChannelClear(PyChannelObject *ch)
{
    while (ch->head != NULL) {
        PyTaskletObject *t = (PyTaskletObject *)Py_NewRef(ch->head);
        _PySlp_ChannelRemove(ch, t);
        Py_DECREF(t);
    }
}

/* The partner `p` at the head of the queue belongs to another thread
   (docs/reference.md, "Channels between threads"): it takes or gives the
   value and becomes runnable in its own thread, which wakes if it sleeps;
   the caller goes on, whatever the channel prefers.  A partner whose
   thread has ended cannot run: the value is not handed to it. */
static PyObject *
transfer_to_thread(PyChannelObject *ch, PyTaskletObject *p, int dir,
                   PyObject *value)
{
    if (!_PySlp_HasThread(p)) {
        PyErr_SetString(PyExc_RuntimeError,
                        "the tasklet waiting on the channel has no thread "
                        "(its thread ended): kill() it or revive it with "
                        "bind_thread()");
        return NULL;
    }
    Py_INCREF(ch);
    Py_INCREF(p);
    _PySlp_ChannelRemove(ch, p);
    PyObject *got, *old = NULL;
    if (dir > 0) {
        old = p->tempval;
        p->tempval = Py_NewRef(value);
        got = Py_NewRef(Py_None);
    }
    else {
        got = p->tempval ? p->tempval : Py_NewRef(Py_None);
        p->tempval = Py_NewRef(Py_None);
    }
    if (!p->in_ring) {
        _PySlp_RingAppend(p->ts, p);
    }
    if (PyBomb_CheckExact(got)) {
        _PySlp_RaiseBomb(got);
        Py_SETREF(got, NULL);
    }
    Py_XDECREF(old);
    Py_DECREF(p);
    Py_DECREF(ch);
    return got;
}

/* send (dir 1, `value` may be a bomb) and receive (dir -1).  With a
   partner waiting the transfer happens now, and the channel's preference
   says who runs on (user guide, "Who runs after a transfer"); else the
   caller blocks and the next runnable tasklet runs. */
PyObject *
_PySlp_ChannelAction(PyChannelObject *ch, int dir, PyObject *value)
{
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    if (ts == NULL) {
        return NULL;
    }
    _PySlp_RunDeferredKills(ts);
    PyTaskletObject *cur = ts->current;
    if (ts->in_channel_cb) {
        PyErr_SetString(PyExc_RuntimeError,
                        "Recursive channel call due to callbacks!");
        return NULL;
    }
    if (_PySlp_CheckQueueChange(ts) < 0) {
        return NULL;
    }
    int willblock = dir > 0 ? ch->balance >= 0 : ch->balance <= 0;
    if (ts->settings->channel_callback != NULL) {
        _PySlp_CallChannelCallback(ts, ch, cur, dir, value, willblock);
        /* The callback may have changed the queue; look again. */
        willblock = dir > 0 ? ch->balance >= 0 : ch->balance <= 0;
    }

    if (!willblock) {
        PyTaskletObject *p = ch->head;
        if (p->ts != ts) {
            return transfer_to_thread(ch, p, dir, value);
        }
        int preferred = dir > 0 ? ch->preference < 0 : ch->preference > 0;
        /* Who runs on, if not the caller. */
        PyTaskletObject *next = NULL;
        if (ch->schedule_all) {
            next = cur->next == cur ? p : cur->next;
        }
        else if (preferred) {
            next = p;
        }
        int how = next != NULL ? _PySlp_PrepareSwitch(ts, next) : 0;
        if (how < 0) {
            return NULL;
        }
        /* Replaced values and the references held here go after the
           switch: finalisers may run code. */
        Py_INCREF(ch);
        Py_INCREF(p);
        _PySlp_ChannelRemove(ch, p);
        PyObject *got, *old = NULL;
        if (dir > 0) {
            old = p->tempval;
            p->tempval = Py_NewRef(value);
            got = Py_NewRef(Py_None);
        }
        else {
            got = p->tempval ? p->tempval : Py_NewRef(Py_None);
            p->tempval = Py_NewRef(Py_None);
        }
        if (preferred && !ch->schedule_all) {
            _PySlp_RingInsertAfter(ts, cur, p);
        }
        else {
            _PySlp_RingAppend(ts, p);
        }
        PyObject *r;
        if (next == NULL) {
            /* The caller continues: a receiver takes the value now. */
            r = got;
            if (PyBomb_CheckExact(got)) {
                _PySlp_RaiseBomb(got);
                Py_DECREF(got);
                r = NULL;
            }
        }
        else {
            PyObject *mine = cur->tempval;
            cur->tempval = got;
            if (cur->pending_irq && next == p) {
                /* A preferred switch is not a soft interrupt's moment:
                   the partner carries the mark on (section 10.2). */
                cur->pending_irq = 0;
                p->pending_irq = 1;
            }
            r = _PySlp_SwitchTo(ts, next, how);
            Py_XDECREF(mine);
        }
        Py_XDECREF(old);
        Py_DECREF(p);
        Py_DECREF(ch);
        return r;
    }

    /* No partner: block. */
    if (cur->block_trap) {
        PyErr_SetString(PyExc_RuntimeError,
                        "this tasklet does not like to be blocked.");
        return NULL;
    }
    if (ch->closing) {
        PyErr_SetString(PyExc_ValueError,
                        "Send/receive operation on a closed channel");
        return NULL;
    }
    int insert;
    PyTaskletObject *next = _PySlp_NextAfterLeaving(ts, 1, &insert);
    if (next == NULL) {
        return NULL;
    }
    if (insert == PySlp_NEXT_WAIT) {
        /* Nothing here can run: the thread waits for another one. */
        if (_PySlp_CheckSwitch(ts) < 0) {
            return NULL;
        }
        PyObject *old = cur->tempval;
        cur->tempval = Py_NewRef(dir > 0 ? value : Py_None);
        _PySlp_RingRemove(ts, cur);
        queue_append(ch, cur, dir);
        PyObject *r = _PySlp_WaitThenSwitch(ts);
        Py_XDECREF(old);
        return r;
    }
    assert(next != cur);
    int how = _PySlp_PrepareSwitch(ts, next);
    if (how < 0) {
        return NULL;
    }
    PyObject *old = cur->tempval, *old_next = NULL;
    cur->tempval = Py_NewRef(dir > 0 ? value : Py_None);
    if (insert && dir > 0 && PyBomb_CheckExact(value)) {
        /* A quirk kept from the original: the waking watchdog gets the
           bomb of a tasklet blocking in send_exception()/send_throw()
           (docs/reference.md §10, rule 2). */
        old_next = next->tempval;
        next->tempval = Py_NewRef(value);
    }
    _PySlp_RingRemove(ts, cur);
    queue_append(ch, cur, dir);
    if (insert) {
        _PySlp_RingAppend(ts, next);
    }
    PyObject *r = _PySlp_SwitchTo(ts, next, how);
    Py_XDECREF(old);
    Py_XDECREF(old_next);
    return r;
}
