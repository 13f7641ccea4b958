/* select(): one operation out of several, on several channels (user
 * guide, "Select"; decision D45).
 *
 * If some operations can happen now, one of them is chosen at random
 * (fair when several are ready) and made as a plain send or receive.
 * Otherwise the caller waits on all of them at once: for each operation
 * it queues a select entry, a tasklet object that never runs and stands
 * in the owner's place in that channel's queue, as a sender (holding the
 * value) or a receiver.  The partner that reaches an entry first settles
 * the select: it takes every entry of the owner out of every queue, so
 * exactly one operation happens, and the owner resumes with
 * (index, value).  Killing or throwing into the owner takes the entries
 * out the same way (_PySlp_Unblock).
 */

#include "slp_core.h"

typedef struct {
    PyChannelObject *ch;        /* borrowed from the ops sequence */
    int dir;                    /* 1 send, -1 receive */
    PyObject *value;            /* borrowed: what a send gives */
} select_op;

#define SELECT_SMALL 8

static int
parse_ops(PyObject *seq, select_op *ops, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
        if (PyChannel_Check(item)) {
            ops[i] = (select_op){(PyChannelObject *)item, -1, NULL};
        }
        else if (PyTuple_Check(item) && PyTuple_GET_SIZE(item) == 2
                 && PyChannel_Check(PyTuple_GET_ITEM(item, 0))) {
            ops[i] = (select_op){
                (PyChannelObject *)PyTuple_GET_ITEM(item, 0), 1,
                PyTuple_GET_ITEM(item, 1)};
        }
        else {
            PyErr_Format(PyExc_TypeError,
                         "select() operations are channels (to receive) "
                         "or (channel, value) tuples (to send), not %.100s",
                         Py_TYPE(item)->tp_name);
            return -1;
        }
    }
    /* A queue holds senders or receivers, never both: one select cannot
       wait to send and to receive on the same channel. */
    for (Py_ssize_t i = 0; i < n; i++) {
        for (Py_ssize_t j = i + 1; j < n; j++) {
            if (ops[i].ch == ops[j].ch && ops[i].dir != ops[j].dir) {
                PyErr_Format(PyExc_ValueError,
                             "select() cannot both send to and receive "
                             "from one channel (operations %zd and %zd)",
                             i, j);
                return -1;
            }
        }
    }
    return 0;
}

/* Whether operation `op` happens now (or raises now: a closed channel). */
static int
op_ready(select_op *op)
{
    PyChannelObject *ch = op->ch;
    if (op->dir > 0 ? ch->balance < 0 : ch->balance > 0) {
        return 1;
    }
    return ch->closing && ch->balance == 0;
}

static uint64_t
next_rand(PySlp_ThreadState *ts)
{
    /* xorshift64*: the choice must be fair, not unpredictable. */
    uint64_t x = ts->select_rand;
    if (x == 0) {
        x = (uint64_t)(uintptr_t)ts ^ 0x9E3779B97F4A7C15u;
    }
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    ts->select_rand = x;
    return x * 0x2545F4914F6CDD1Du;
}

/* A ready operation chosen uniformly at random, or -1. */
static Py_ssize_t
choose_ready(PySlp_ThreadState *ts, select_op *ops, Py_ssize_t n)
{
    Py_ssize_t chosen = -1, seen = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (op_ready(&ops[i])) {
            seen++;
            if (seen == 1 || next_rand(ts) % (uint64_t)seen == 0) {
                chosen = i;
            }
        }
    }
    return chosen;
}

static PyTaskletObject *
new_entry(PyTaskletObject *owner, PyObject *value)
{
    PyTaskletObject *e = (PyTaskletObject *)PyTasklet_Type.tp_alloc(
        &PyTasklet_Type, 0);
    if (e == NULL) {
        return NULL;
    }
    /* No thread: an entry never runs, and nothing must count it. */
    _PySlp_StateInit(e, NULL);
    e->select_entry = 1;
    e->func = Py_NewRef(owner);
    e->tempval = Py_XNewRef(value);
    return e;
}

/* Take every entry of `owner` out of its queue; returns the tuple of
   entries (a new reference, to drop once finalisers may run). */
static PyObject *
unlink_entries(PyTaskletObject *owner)
{
    assert(owner->blocked == PySlp_BLOCKED_SELECT);
    PyObject *entries = owner->select;
    owner->select = NULL;
    owner->blocked = 0;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(entries); i++) {
        PyTaskletObject *e = (PyTaskletObject *)PyTuple_GET_ITEM(entries, i);
        if (e->blocked) {
            _PySlp_ChannelRemove(e->channel, e);
        }
    }
    return entries;
}

/* The partner at a channel's head found `entry` there: what the owner
   resumes with, (index, got), or the bomb it is to raise. */
PyObject *
_PySlp_SelectResult(PyTaskletObject *entry, PyObject *got)
{
    PyTaskletObject *owner = _PySlp_QueueOwner(entry);
    PyObject *entries = owner->select;
    Py_ssize_t i = 0;
    while (PyTuple_GET_ITEM(entries, i) != (PyObject *)entry) {
        i++;
    }
    if (PyBomb_CheckExact(got)) {
        return Py_NewRef(got);
    }
    return Py_BuildValue("(nO)", i, got);
}

/* The partner settled owner's select: `result` (stolen) is what it
   resumes with.  Returns the entries, to drop later.  Cannot fail. */
PyObject *
_PySlp_SelectDone(PyTaskletObject *owner, PyObject *result)
{
    PyObject *entries = unlink_entries(owner);
    Py_XSETREF(owner->tempval, result);
    return entries;
}

PyObject *
_PySlp_SelectCancelled(PyTaskletObject *owner)
{
    return unlink_entries(owner);
}

static PyObject *
select_block(PySlp_ThreadState *ts, select_op *ops, Py_ssize_t n)
{
    PyTaskletObject *cur = ts->current;
    if (cur->block_trap) {
        PyErr_SetString(PyExc_RuntimeError,
                        "this tasklet does not like to be blocked.");
        return NULL;
    }
    /* Everything that can fail comes before the queues change (D32). */
    PyObject *entries = PyTuple_New(n);
    if (entries == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyTaskletObject *e = new_entry(cur, ops[i].value);
        if (e == NULL) {
            Py_DECREF(entries);
            return NULL;
        }
        PyTuple_SET_ITEM(entries, i, (PyObject *)e);
    }
    int insert;
    PyTaskletObject *next = _PySlp_NextAfterLeaving(ts, 1, &insert);
    if (next == NULL) {
        Py_DECREF(entries);
        return NULL;
    }
    int how = 0;
    if (insert == PySlp_NEXT_WAIT) {
        /* Nothing here can run: the thread waits for another one. */
        if (_PySlp_CheckSwitch(ts) < 0) {
            Py_DECREF(entries);
            return NULL;
        }
    }
    else {
        assert(next != cur);
        how = _PySlp_PrepareSwitch(ts, next);
        if (how < 0) {
            Py_DECREF(entries);
            return NULL;
        }
    }
    PyObject *old = cur->tempval;
    cur->tempval = Py_NewRef(Py_None);
    _PySlp_RingRemove(ts, cur);
    for (Py_ssize_t i = 0; i < n; i++) {
        _PySlp_ChannelAppend(ops[i].ch,
                             (PyTaskletObject *)PyTuple_GET_ITEM(entries, i),
                             ops[i].dir);
    }
    cur->select = entries;
    cur->blocked = PySlp_BLOCKED_SELECT;
    PyObject *r;
    if (insert == PySlp_NEXT_WAIT) {
        r = _PySlp_WaitThenSwitch(ts);
    }
    else {
        if (insert) {
            _PySlp_RingAppend(ts, next);
        }
        r = _PySlp_SwitchTo(ts, next, how);
    }
    Py_XDECREF(old);
    return r;
}

PyObject *
_PySlp_Select(PyObject *seq, int block)
{
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    if (ts == NULL) {
        return NULL;
    }
    PyObject *fast = PySequence_Fast(seq, "select() needs a sequence of "
                                          "operations");
    if (fast == NULL) {
        return NULL;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    select_op small[SELECT_SMALL];
    select_op *ops = small;
    PyObject *r = NULL;
    if (n == 0) {
        PyErr_SetString(PyExc_ValueError,
                        "select() needs at least one operation");
        goto done;
    }
    if (n > SELECT_SMALL) {
        ops = PyMem_New(select_op, n);
        if (ops == NULL) {
            PyErr_NoMemory();
            goto done;
        }
    }
    if (parse_ops(fast, ops, n) < 0) {
        goto done;
    }
    _PySlp_RunDeferredKills(ts);
    if (ts->in_channel_cb) {
        PyErr_SetString(PyExc_RuntimeError,
                        "Recursive channel call due to callbacks!");
        goto done;
    }
    if (_PySlp_CheckQueueChange(ts) < 0) {
        goto done;
    }
    Py_ssize_t i = choose_ready(ts, ops, n);
    if (i < 0 && block && ts->settings->channel_callback != NULL) {
        /* Each operation would block: the callback hears of each, and
           may make one of them ready. */
        for (Py_ssize_t j = 0; j < n; j++) {
            _PySlp_CallChannelCallback(ts, ops[j].ch, ts->current,
                                       ops[j].dir, ops[j].value, 1);
        }
        i = choose_ready(ts, ops, n);
    }
    if (i >= 0) {
        r = _PySlp_ChannelActionAt(ops[i].ch, ops[i].dir, ops[i].value, i);
    }
    else if (!block) {
        r = Py_NewRef(Py_None);
    }
    else {
        r = select_block(ts, ops, n);
    }
done:
    if (ops != small) {
        PyMem_Free(ops);
    }
    Py_DECREF(fast);
    return r;
}
