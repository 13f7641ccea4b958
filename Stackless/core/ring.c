/* The run queue: a ring of the thread's runnable tasklets that contains
 * the running one (D12).  "Append" links a tasklet just before `head`,
 * where round-robin order starts; a switch only moves `head`, so the ring
 * is never reordered by one. */

#include "slp_core.h"

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
    _PySlp_WakeIdle(ts);
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
    _PySlp_WakeIdle(ts);
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
