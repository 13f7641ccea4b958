/* A channel's queue of blocked tasklets and the transfer of a value over
 * it (user guide, "Channels").  The queue is a FIFO, all senders or all
 * receivers; `balance` counts them (+ senders, - receivers).  The channel
 * holds a reference to each tasklet in its queue, and each such tasklet
 * one to the channel. */

#include "slp_core.h"

void
_PySlp_ChannelAppend(PyChannelObject *ch, PyTaskletObject *t, int dir)
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

/* Whatever `t` waits on forgets it: its channel, or every channel of its
   select.  Returns what held it (a new reference), to drop once
   finalisers may run; NULL if it was not blocked. */
PyObject *
_PySlp_Unblock(PyTaskletObject *t)
{
    if (t->blocked == PySlp_BLOCKED_SELECT) {
        return _PySlp_SelectCancelled(t);
    }
    if (!t->blocked) {
        return NULL;
    }
    PyChannelObject *ch = (PyChannelObject *)Py_NewRef(t->channel);
    _PySlp_ChannelRemove(ch, t);
    return (PyObject *)ch;
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
    _PySlp_ChannelAppend(ch, t, dir);
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

/* (index, got) for a caller in select(); steals `got`. */
static PyObject *
with_index(Py_ssize_t index, PyObject *got)
{
    PyObject *i = PyLong_FromSsize_t(index);
    PyObject *r = i != NULL ? PyTuple_New(2) : NULL;
    if (r == NULL) {
        Py_XDECREF(i);
        Py_DECREF(got);
        return NULL;
    }
    PyTuple_SET_ITEM(r, 0, i);
    PyTuple_SET_ITEM(r, 1, got);
    return r;
}

/* What a select makes beforehand, before anything changes (D32): what
   the caller gets (*got), with its index if it is a select's
   operation, and what the owner of entry `p` resumes with (*wres). */
static int
select_values(PyTaskletObject *p, int dir, PyObject *value,
              Py_ssize_t index, PyObject **got, PyObject **wres)
{
    *got = Py_NewRef(dir > 0 || p->tempval == NULL ? Py_None : p->tempval);
    if (p->select_entry) {
        *wres = _PySlp_SelectResult(p, dir > 0 ? value : Py_None);
        if (*wres == NULL) {
            Py_CLEAR(*got);
            return -1;
        }
    }
    if (index >= 0 && !PyBomb_CheckExact(*got)) {
        *got = with_index(index, *got);
        if (*got == NULL) {
            Py_CLEAR(*wres);
            return -1;
        }
    }
    return 0;
}

/* The transfer with partner `p`, at the head: `p` leaves the queue with
   the value it is given, or `w`, the select that `p` is an entry of,
   ends with `wres` (stolen).  *got: what the caller gets; `selecting`
   (a constant where this is inlined): it was made beforehand, else it
   is made here (the common case: a receiver takes the sender's value
   without a reference count).  Returns what `p` held, to drop later. */
static inline Py_ALWAYS_INLINE PyObject *
settle(PyChannelObject *ch, PyTaskletObject *p, PyTaskletObject *w,
       int dir, PyObject *value, PyObject *wres, PyObject **got,
       const int selecting)
{
    if (selecting && wres != NULL) {
        return _PySlp_SelectDone(w, wres);
    }
    _PySlp_ChannelRemove(ch, p);
    PyObject *old = NULL;
    if (selecting) {
        old = p->tempval;
        p->tempval = Py_NewRef(dir > 0 ? value : Py_None);
    }
    else if (dir > 0) {
        *got = Py_NewRef(Py_None);
        old = p->tempval;
        p->tempval = Py_NewRef(value);
    }
    else {
        *got = p->tempval ? p->tempval : Py_NewRef(Py_None);
        p->tempval = Py_NewRef(Py_None);
    }
    return old;
}

/* The partner `w` (waiting at the head as `p`) belongs to another thread
   (docs/reference.md, "Channels between threads"): it takes or gives the
   value and becomes runnable in its own thread, which wakes if it sleeps;
   the caller goes on, whatever the channel prefers.  A partner whose
   thread has ended cannot run: the value is not handed to it. */
static PyObject *
transfer_to_thread(PyChannelObject *ch, PyTaskletObject *p,
                   PyTaskletObject *w, int dir, PyObject *value,
                   PyObject *got, PyObject *wres, int selecting)
{
    if (!_PySlp_HasThread(w)) {
        PyErr_SetString(PyExc_RuntimeError,
                        "the tasklet waiting on the channel has no thread "
                        "(its thread ended): kill() it or revive it with "
                        "bind_thread()");
        Py_XDECREF(got);
        Py_XDECREF(wres);
        return NULL;
    }
    /* An entry's owner lives while the entry does (its func). */
    Py_INCREF(ch);
    Py_INCREF(p);
    PyObject *old = selecting
        ? settle(ch, p, w, dir, value, wres, &got, 1)
        : settle(ch, p, w, dir, value, wres, &got, 0);
    if (!w->in_ring) {
        _PySlp_RingAppend(w->ts, w);
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

/* The transfer with the partner waiting at the head, `p` (`w` wakes: p,
   or the select p is an entry of).  With the channel's preference it
   decides who runs on (user guide, "Who runs after a transfer").
   `selecting`, a constant: got and wres were made beforehand. */
static inline Py_ALWAYS_INLINE PyObject *
transfer_now(PySlp_ThreadState *ts, PyChannelObject *ch,
             PyTaskletObject *p, PyTaskletObject *w, int dir,
             PyObject *value, PyObject *got, PyObject *wres,
             const int selecting)
{
    PyTaskletObject *cur = ts->current;
    if (w->ts != ts) {
        return transfer_to_thread(ch, p, w, dir, value, got, wres,
                                  selecting);
    }
    int preferred = dir > 0 ? ch->preference < 0 : ch->preference > 0;
    /* Who runs on, if not the caller. */
    PyTaskletObject *next = NULL;
    if (ch->schedule_all) {
        next = cur->next == cur ? w : cur->next;
    }
    else if (preferred) {
        next = w;
    }
    int how = next != NULL ? _PySlp_PrepareSwitch(ts, next) : 0;
    if (how < 0) {
        if (selecting) {
            Py_XDECREF(got);
            Py_XDECREF(wres);
        }
        return NULL;
    }
    /* Replaced values and the references held here go after the switch:
       finalisers may run code.  An entry's owner lives while the entry
       does (its func). */
    Py_INCREF(ch);
    Py_INCREF(p);
    PyObject *old = settle(ch, p, w, dir, value, wres, &got, selecting);
    if (preferred && !ch->schedule_all) {
        _PySlp_RingInsertAfter(ts, cur, w);
    }
    else {
        _PySlp_RingAppend(ts, w);
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
        if (cur->pending_irq && next == w) {
            /* A preferred switch is not a soft interrupt's moment: the
               partner carries the mark on (section 10.2). */
            cur->pending_irq = 0;
            w->pending_irq = 1;
        }
        r = _PySlp_SwitchTo(ts, next, how);
        Py_XDECREF(mine);
    }
    Py_XDECREF(old);
    Py_DECREF(p);
    Py_DECREF(ch);
    return r;
}

/* A transfer that involves a select: the partner `p` is a select entry,
   or the caller is a select (index >= 0).  Apart, so that plain
   transfers pay nothing for it. */
static PyObject *
transfer_select(PySlp_ThreadState *ts, PyChannelObject *ch,
                PyTaskletObject *p, int dir, PyObject *value,
                Py_ssize_t index)
{
    PyObject *got, *wres = NULL;
    if (select_values(p, dir, value, index, &got, &wres) < 0) {
        return NULL;
    }
    return transfer_now(ts, ch, p, _PySlp_QueueOwner(p), dir, value, got,
                        wres, 1);
}

/* send (dir 1, `value` may be a bomb) and receive (dir -1).  With a
   partner waiting the transfer happens now, and the channel's preference
   says who runs on (user guide, "Who runs after a transfer"); else the
   caller blocks and the next runnable tasklet runs.  `index` >= 0: the
   operation of that index in a select(), which has checked that a
   partner waits; the result is (index, value).  Inlined into both entry
   points, so that plain send/receive, with index a constant -1, pay
   nothing for select(). */
static inline Py_ALWAYS_INLINE PyObject *
channel_action(PyChannelObject *ch, int dir, PyObject *value,
               Py_ssize_t index)
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
        if (p->select_entry || index >= 0) {
            return transfer_select(ts, ch, p, dir, value, index);
        }
        return transfer_now(ts, ch, p, p, dir, value, NULL, NULL, 0);
    }
    if (index >= 0) {
        /* select() chose a closed channel, or a channel callback took
           the partner away. */
        PyErr_SetString(ch->closing ? PyExc_ValueError : PyExc_RuntimeError,
                        ch->closing
                        ? "Send/receive operation on a closed channel"
                        : "the channel callback took away the partner "
                          "select() had chosen");
        return NULL;
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
        _PySlp_ChannelAppend(ch, cur, dir);
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
    _PySlp_ChannelAppend(ch, cur, dir);
    if (insert) {
        _PySlp_RingAppend(ts, next);
    }
    PyObject *r = _PySlp_SwitchTo(ts, next, how);
    Py_XDECREF(old);
    Py_XDECREF(old_next);
    return r;
}

PyObject *
_PySlp_ChannelAction(PyChannelObject *ch, int dir, PyObject *value)
{
    return channel_action(ch, dir, value, -1);
}

PyObject *
_PySlp_ChannelActionAt(PyChannelObject *ch, int dir, PyObject *value,
                       Py_ssize_t index)
{
    return channel_action(ch, dir, value, index);
}
