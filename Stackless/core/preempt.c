/* Pre-emption: a run() with a timeout (or a budget, ours) takes the CPU
 * back from a tasklet that keeps it too long (user guide, "Pre-emption";
 * docs/reference.md section 10; docs/architecture.md D42).
 *
 * A tick is one check of the eval breaker that CPython makes anyway at a
 * loop's back edge (JUMP_BACKWARD) and at the start or resumption of a
 * Python frame (RESUME): every computation that runs long passes one of
 * them often.  While a pre-empting run() is active, the thread's
 * soft-switch bit stays set, so that each such check takes the slow path
 * and lands in _PySlp_PreemptCheck() (through _PySlp_IsParking).  With no
 * such run() nothing is counted and nothing is paid.
 *
 * When the slice is spent the interrupt is
 *   - deferred (a mark on the tasklet, retried at every check) while the
 *     tasklet is atomic, a callback runs, the switch trap is set, the
 *     collector runs, or it has C state on its stack (nesting) without
 *     ignore_nesting;
 *   - soft (run(soft=True)): the mark makes the tasklet's next switch go
 *     to the watchdog instead (_PySlp_PreemptRedirect, from
 *     _PySlp_Transfer);
 *   - hard: the tasklet leaves the ring, the watchdog takes its place and
 *     its run() returns it.  A soft tasklet parks its frames right at the
 *     check (the eval loop's soft switch, with no call to return from:
 *     parked_at_check); one with C state on its stack, or traced, is
 *     switched hard right there.
 */

#include "slp_core.h"
#include "pycore_code.h"          // _Py_GetBaseOpcode()
#include "pycore_opcode_metadata.h"  // _PyOpcode_Caches
#include "opcode_ids.h"

/* How many ticks pass between two readings of the clock for a budget:
   reading it costs about as much as a few ticks. */
#define CLOCK_POLL_TICKS 8

static PyObject *
take_victim(PySlp_ThreadState *ts)
{
    PyObject *v = (PyObject *)ts->preempt_victim;
    ts->preempt_victim = NULL;
    return v;
}

/* The first run() with a timeout or a budget owns pre-emption until it
   returns.  Returns 1 if `owner` now owns it, 0 if another run() does. */
int
_PySlp_PreemptArm(PySlp_ThreadState *ts, PyTaskletObject *owner,
                  long timeout, int flags, double budget)
{
    if (ts->preempt_owner != NULL) {
        return 0;
    }
    PyTime_t deadline = 0;
    if (budget > 0) {
        PyTime_t now;
        (void)PyTime_MonotonicRaw(&now);
        deadline = now + (PyTime_t)(budget * 1e9);
        if (deadline <= now) {
            deadline = now + 1;
        }
    }
    ts->preempt_owner = owner;
    ts->preempt_flags = flags;
    ts->preempt_timeout = timeout > 0 ? timeout : 0;
    ts->preempt_deadline = deadline;
    ts->preempt_first = timeout <= 0 ? CLOCK_POLL_TICKS
                        : deadline == 0 || timeout < CLOCK_POLL_TICKS
                        ? timeout : CLOCK_POLL_TICKS;
    _PySlp_PreemptNewSlice(ts);
    ts->preempt_expired = 0;
    ts->threadblock = (flags & PySlp_PREEMPT_THREADBLOCK) != 0;
    _Py_set_eval_breaker_bit(ts->tstate, _PY_SLP_SOFT_SWITCH_BIT);
    return 1;
}

/* The owning run() returns (or its tasklet leaves run() for good): the
   settings go.  Returns the interrupted tasklet, if a hard interrupt
   ended the run(), as a new reference. */
PyObject *
_PySlp_PreemptDisarm(PySlp_ThreadState *ts)
{
    if (ts->preempt_owner == NULL) {
        return NULL;
    }
    ts->preempt_owner = NULL;
    ts->preempt_flags = 0;
    ts->preempt_timeout = 0;
    ts->preempt_deadline = 0;
    ts->threadblock = 0;
    PyTaskletObject *cur = ts->current;
    if (cur != NULL) {
        cur->pending_irq = 0;
    }
    /* The bit may still be needed: a soft switch under way, or an
       exception another thread threw at the running tasklet. */
    if (ts->parking == NULL && (cur == NULL || cur->pending_bomb == NULL)) {
        _Py_unset_eval_breaker_bit(ts->tstate, _PY_SLP_SOFT_SWITCH_BIT);
    }
    return take_victim(ts);
}

/* The slice's tick count reached preempt_next: whether the slice (or
   the budget) is spent; if not, when to look again. */
int
_PySlp_PreemptSpent(PySlp_ThreadState *ts)
{
    long ticks = ts->preempt_ticks;
    long timeout = ts->preempt_timeout;
    if (timeout > 0 && ticks >= timeout) {
        return 1;
    }
    if (ts->preempt_deadline != 0) {
        if (ts->preempt_expired) {
            return 1;
        }
        PyTime_t now;
        (void)PyTime_MonotonicRaw(&now);
        if (now >= ts->preempt_deadline) {
            ts->preempt_expired = 1;
            return 1;
        }
    }
    long next = ticks + CLOCK_POLL_TICKS;
    ts->preempt_next = timeout > 0 && next > timeout ? timeout : next;
    return 0;
}

/* The watchdog waits in its run() (paused), so that it can take over. */
static inline int
owner_waits(PySlp_ThreadState *ts, PyTaskletObject *cur)
{
    PyTaskletObject *w = ts->preempt_owner;
    return w != cur && w->alive && !w->in_ring && !w->blocked
           && w->ts == ts;
}

/* Why `cur` may not be interrupted now, if it may not (section 10.2's
   deferral rules, and this port's switch guards). */
static int
must_defer(PySlp_ThreadState *ts, PyTaskletObject *cur)
{
    if (cur->atomic || ts->in_schedule_cb || ts->in_channel_cb
        || _PySlp_WhyNoSwitch(ts) != NULL || ts->queues_frozen) {
        return 1;
    }
    if (!cur->ignore_nesting
        && !(ts->preempt_flags & PySlp_PREEMPT_IGNORE_NEST)
        && _PySlp_NestingLevel(cur) > 0) {
        return 1;
    }
    return 0;
}

/* Whether `cur` can park its frames right at this check: a soft tasklet
   whose chain, from `frame` to its first frame, runs in this loop alone,
   untraced, at an opcode whose resumption point is known. */
static int
can_park_here(PySlp_ThreadState *ts, PyTaskletObject *cur,
              _PyInterpreterFrame *frame)
{
#ifdef _Py_TIER2
    return 0;
#endif
    PyThreadState *tstate = ts->tstate;
    if (!ts->settings->softswitch || cur->base_frame == NULL
        || tstate->interp->eval_frame != NULL
        || tstate->c_tracefunc != NULL || tstate->c_profilefunc != NULL
        || frame->instr_ptr->op.code >= MIN_INSTRUMENTED_OPCODE) {
        return 0;
    }
    for (_PyInterpreterFrame *f = frame; f != cur->base_frame;
         f = f->previous) {
        if (f == NULL || f->owner == FRAME_OWNED_BY_CSTACK) {
            return 0;
        }
    }
    return 1;
}

/* The watchdog takes the place of `cur` in the ring; run() will return
   `cur`. */
static void
swap_in_owner(PySlp_ThreadState *ts, PyTaskletObject *cur)
{
    PyTaskletObject *w = ts->preempt_owner;
    _PySlp_RingInsertAfter(ts, cur, w);
    Py_XSETREF(ts->preempt_victim, (PyTaskletObject *)Py_NewRef(cur));
    _PySlp_RingRemove(ts, cur);
}

/* Where a frame stopped at a check goes on (`frame->instr_ptr` and
   return_offset, which the eval loop resumes at when it runs the frame
   again, and where an exception thrown at it is raised).  At a back edge:
   at the jump's target, the loop's next iteration.  Re-running the jump
   would do too, but CPython 3.13's exception table leaves some back edges
   (the one of `while cond:`) outside the loop's `try`, so a kill there
   would skip `finally`.  At a frame's start: the RESUME again (its check
   comes before its event).  At a call's tail: after the call, where
   slp_soft_switch's return_offset points. */
void
_PySlp_ResumePointAtCheck(_PyInterpreterFrame *frame)
{
    PyCodeObject *co = _PyFrame_GetCode(frame);
    _Py_CODEUNIT *code = _PyCode_CODE(co);
    _Py_CODEUNIT *ip = frame->instr_ptr;
    int op = _Py_GetBaseOpcode(co, (int)(ip - code));
    if (op == RESUME) {
        frame->return_offset = 0;
    }
    else if (op == JUMP_BACKWARD) {
        /* Its argument, with any EXTENDED_ARG prefix: found by decoding
           from the start, since caches may look like opcodes. */
        int oparg = 0;
        for (_Py_CODEUNIT *p = code; p < ip;) {
            int o = _Py_GetBaseOpcode(co, (int)(p - code));
            oparg = o == EXTENDED_ARG ? (oparg | p->op.arg) << 8 : 0;
            p += 1 + _PyOpcode_Caches[o];
        }
        oparg |= ip->op.arg;
        frame->instr_ptr = ip + 1 + _PyOpcode_Caches[JUMP_BACKWARD] - oparg;
        frame->return_offset = 0;
    }
}

/* Interrupt `cur` with a hard switch to the watchdog, right here in the
   eval breaker's slow path.  Returns 0 once resumed, -1 with the
   exception it was resumed with (a kill): the eval loop raises it at the
   check (_PySlp_SoftSwitch, raise_at_check). */
static int
interrupt_hard(PySlp_ThreadState *ts, PyTaskletObject *cur)
{
    PyTaskletObject *w = ts->preempt_owner;
    /* Nothing here is a stackless call's: the switch must be hard. */
    (void)_PySlp_ForgetCallArgs(NULL);
    int how = _PySlp_PrepareSwitchSlow(ts, w);
    if (how < 0) {
        /* No memory to save its stack: try again at the next check. */
        PyErr_Clear();
        cur->pending_irq = 1;
        return 0;
    }
    assert(how == PySlp_SWITCH_HARD);
    Py_INCREF(cur);
    swap_in_owner(ts, cur);
    PyObject *r = _PySlp_SwitchTo(ts, w, how);
    /* Checks made by the schedule callback's code meanwhile do not
       count against the victim. */
    cur->pending_irq = 0;
    Py_DECREF(cur);
    if (r == NULL) {
        return -1;
    }
    Py_DECREF(r);
    return 0;
}

/* _PySlp_PreemptCheck() (slp_core.h), when the slice is spent or an
   interrupt waits: interrupt `cur` if it may be, else mark it.  Returns
   1 if the eval loop must go to its soft switch: the frame parks (soft
   interrupt), or raises what it was resumed with after a hard one. */
int
_PySlp_PreemptNow(PySlp_ThreadState *ts, _PyInterpreterFrame *frame)
{
    PyTaskletObject *cur = ts->current;
    /* Spent: the next slice starts now, whatever happens. */
    _PySlp_PreemptNewSlice(ts);
    if (!owner_waits(ts, cur)) {
        cur->pending_irq = 0;
        return 0;
    }
    if ((ts->preempt_flags & PySlp_PREEMPT_SOFT) || must_defer(ts, cur)) {
        /* The soft interrupt waits for the next switch; a deferred one
           is retried at every check. */
        cur->pending_irq = 1;
        return 0;
    }
    cur->pending_irq = 0;
    if (!can_park_here(ts, cur, frame)) {
        if (interrupt_hard(ts, cur) < 0) {
            ts->raise_at_check = 1;
            return 1;
        }
        return 0;
    }
    swap_in_owner(ts, cur);
    ts->park_at_check = 1;
    (void)_PySlp_Transfer(ts, ts->preempt_owner, PySlp_SWITCH_SOFT, 0,
                          NULL);
    cur->pending_irq = 0;
    return ts->parking == frame;
}

/* _PySlp_Transfer(), when `prev` carries a pre-emption mark: a soft
   interrupt makes the watchdog run instead of `next`, just before it in
   the ring (its run() returns None; both stay runnable).  Returns whom to
   switch to. */
PyTaskletObject *
_PySlp_PreemptRedirect(PySlp_ThreadState *ts, PyTaskletObject *prev,
                       PyTaskletObject *next, int how, int dying)
{
    PyTaskletObject *w = ts->preempt_owner;
    if (w == NULL || !(ts->preempt_flags & PySlp_PREEMPT_SOFT)
        || w == next || !owner_waits(ts, prev)) {
        return next;
    }
    if (!dying && !prev->ignore_nesting
        && !(ts->preempt_flags & PySlp_PREEMPT_IGNORE_NEST)
        && _PySlp_NestingLevel(prev) > 0) {
        /* It could not be interrupted: the next one carries the mark. */
        next->pending_irq = 1;
        return next;
    }
    /* A hard switch reserved a dispatcher only if `next` needed one. */
    if (how == PySlp_SWITCH_HARD && _PySlp_ResumesSoftly(w)
        && !_PySlp_ResumesSoftly(next)
        && _PySlp_cstack_reserve(&ts->dispatcher, 0) < 0) {
        PyErr_Clear();
        next->pending_irq = 1;
        return next;
    }
    if (next->in_ring) {
        _PySlp_RingInsertAfter(ts, next->prev, w);
    }
    else {
        _PySlp_RingAppend(ts, w);
    }
    return w;
}
