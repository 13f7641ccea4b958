/* Switching from the current tasklet to another: _PySlp_Transfer() is
 * the one place every switch goes through (D12).
 *
 * A switch is soft when the current tasklet may park its frames
 * (core/softswitch.c decides): then the stackless call returns a token and
 * the eval loop parks it.  Otherwise it is hard: the tasklet's state is
 * saved (core/savedstate.c) and its C stack slice copied away
 * (platf/cstack.c); it loads its state again itself when it is resumed.
 * The queue logic above never knows which kind it got.
 */

#include "slp_core.h"
#include "pycore_ceval.h"         // _Py_set_eval_breaker_bit()

/* _PySlp_PostSwitch() when the tasklet that ran before has finished:
   its frames and C stack go too. */
void
_PySlp_PostSwitchDead(PySlp_ThreadState *ts)
{
    PyTaskletObject *t = (PyTaskletObject *)ts->post_switch;
    ts->post_switch = NULL;
    ts->post_switch_dead = 0;
    _PySlp_StateClear(t);
    if (t->hard != NULL) {
        _PySlp_cstack_clear(&t->hard->cstack);
    }
    t->has_cstack = 0;
    Py_DECREF(t);
}

/* Keep the stack top noted by the stackless function being called
   (_PySlp_NoteCall) if it lies in the top frame's value stack: then
   the frame's whole stack is known while prev is suspended (D16). */
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
int
_PySlp_PrepareStart(PySlp_ThreadState *ts, PyTaskletObject *next)
{
    if (next->has_cstack || next->parked
        || _PySlp_SoftStartable(ts, next)) {
        return 0;
    }
    if (!SLP_HARD_SWITCH) {
        /* Soft-only (D47): a dispatcher calls it from C; only a frame
           evaluator (PEP 523) that must see its first frame is in the
           way: soft switching is always on. */
        if (ts->tstate->interp->eval_frame == NULL) {
            return 0;
        }
        PyErr_SetString(PyExc_RuntimeError,
                        "cannot start a tasklet while a PEP 523 frame "
                        "evaluator is installed: this interpreter is built "
                        "without hard switching (soft-only)");
        return -1;
    }
    PySlp_HardState *h = _PySlp_Hard(next);
    if (h == NULL) {
        return -1;
    }
    if (_PySlp_cstack_init(&h->cstack, ts->cstack_base,
                           _PySlp_HardStart, next) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    next->has_cstack = 1;
    _PySlp_BegunLink(ts, next);
    return 0;
}

/* How much deeper than its caller a hard switch saves the C stack: the
   frames of the switch functions, well under a kilobyte.  Reserving the
   caller's depth plus this makes the save itself allocation-free. */
#define SWITCH_STACK_MARGIN (4 * 1024)

/* Bytes of C stack between the thread's tasklet base and here. */
static Py_NO_INLINE size_t
stack_depth(PySlp_ThreadState *ts)
{
    char *here = (char *)__builtin_frame_address(0);
    return here < ts->cstack_base ? (size_t)(ts->cstack_base - here) : 0;
}

size_t
_PySlp_StackReserve(PySlp_ThreadState *ts)
{
    return stack_depth(ts) + SWITCH_STACK_MARGIN;
}

/* Everything a switch from the current tasklet to `next` needs, checked
   and allocated before the caller changes any queue: whether it is
   allowed (the switch guards), whether it is soft, and the memory a hard
   switch uses.  Once this has succeeded the switch cannot fail
   (docs/architecture.md, D32).  Returns PySlp_SWITCH_HARD or
   PySlp_SWITCH_SOFT, for _PySlp_SwitchTo(); -1 with an exception set. */
int
_PySlp_PrepareSwitchSlow(PySlp_ThreadState *ts, PyTaskletObject *next)
{
    if (_PySlp_CheckSwitch(ts) < 0 || _PySlp_PrepareStart(ts, next) < 0) {
        return -1;
    }
    if (_PySlp_CanPark(ts)) {
        return PySlp_SWITCH_SOFT;
    }
    /* A hard switch saves prev's C stack and cuts its entry frames; a
       soft next runs under a dispatcher, whose context is new. */
    PyTaskletObject *prev = ts->current;
    if (!SLP_HARD_SWITCH && ts->nested_dispatch) {
        /* Soft-only (D47): only main, at the bottom of the C stack, may
           stay where it is while others run; nothing else can wait. */
        _PySlp_RaiseCannotPark(ts);
        return -1;
    }
    PySlp_HardState *h = _PySlp_Hard(prev);
    if (h == NULL
        || _PySlp_ReserveCuts(prev, ts->tstate->current_frame) < 0
        || (SLP_HARD_SWITCH
            && (_PySlp_cstack_reserve(&h->cstack,
                                      _PySlp_StackReserve(ts)) < 0
                || (_PySlp_ResumesSoftly(next)
                    && _PySlp_cstack_reserve(&ts->dispatcher, 0) < 0)))) {
        PyErr_NoMemory();
        return -1;
    }
    return PySlp_SWITCH_HARD;
}

/* Make `next` the running tasklet in place of the current one, which the
   caller has already put where it belongs (ring, channel, nowhere).
   `how`: what _PySlp_PrepareSwitch() said (a dying tasklet's switch:
   PySlp_SWITCH_HARD, and the next one's start prepared).
   `dying`: the current tasklet has finished; its C context is dropped.
   `hook`: what the caller does with the value the current tasklet is
   resumed with, if that happens after a soft switch.
   Returns
     PySlp_SWITCH_HARD    the current tasklet was suspended by a hard
                          switch and is resumed;
     PySlp_SWITCH_SOFT    it parks softly: the caller returns PySlp_UNWIND
                          at once and the eval loop carries the switch out
                          (core/softswitch.c);
     PySlp_DISPATCH_NEXT  (dying only) `next` is current and runs softly
                          in this C context: the caller dispatches it;
     -1                   with MemoryError: nothing switched (only if the
                          C stack grew beyond what was reserved). */
int
_PySlp_Transfer(PySlp_ThreadState *ts, PyTaskletObject *next, int how,
                int dying, PySlp_ResumeHook hook)
{
    PyThreadState *tstate = ts->tstate;
    PyTaskletObject *prev = ts->current;
    assert(prev != next);
    assert(tstate == _PyThreadState_GET());
    assert(how == PySlp_SWITCH_HARD || (how == PySlp_SWITCH_SOFT && !dying));
    /* Pre-emption (core/preempt.c): the slice ends here, and a soft
       interrupt waiting for this switch takes it over. */
    if (ts->preempt_owner != NULL
        && !(ts->preempt_flags & PySlp_PREEMPT_TOTAL)) {
        _PySlp_PreemptNewSlice(ts);
    }
    if (prev->pending_irq) {
        prev->pending_irq = 0;
        next = _PySlp_PreemptRedirect(ts, prev, next, how, dying);
    }
    int soft_next = _PySlp_ResumesSoftly(next);
    assert(soft_next || next->hard != NULL);
    assert(dying || how == PySlp_SWITCH_SOFT || prev->hard != NULL);

    if (ts->settings->schedule_callback != NULL
        || ts->settings->schedule_hook != NULL) {
        _PySlp_CallScheduleCallback(ts, prev, next);
    }
    if (how == PySlp_SWITCH_SOFT) {
        prev->resume_hook = hook;
        Py_XSETREF(ts->soft_next, (PyTaskletObject *)Py_NewRef(next));
        ts->parking = tstate->current_frame;
        _Py_set_eval_breaker_bit(tstate, _PY_SLP_SOFT_SWITCH_BIT);
        return PySlp_SWITCH_SOFT;
    }
    if (!dying) {
        note_call_site(ts, prev);
        if (!prev->has_cstack) {
            /* It ran softly until now; from here its C stack is its own. */
            _PySlp_cstack_init_running(&prev->hard->cstack,
                                       ts->cstack_base);
            prev->has_cstack = 1;
            _PySlp_BegunLink(ts, prev);
        }
    }

    _PySlp_StateSave(tstate, prev);
    /* The thread state's reference to prev is dropped by whoever runs
       next, once prev's stack is no longer the one in use. */
    ts->current = (PyTaskletObject *)Py_NewRef(next);
    ts->post_switch = (PyObject *)prev;
    ts->post_switch_dead = dying;
    if (next->in_ring) {
        ts->head = next;
    }
    _PySlp_CStack *to;
    if (!SLP_HARD_SWITCH) {
        /* Soft-only (D47): main stays where it is on the C stack and a
           dispatcher runs on top of it until main is current again. */
        if (dying) {
            tstate->current_frame = NULL;
            tstate->datastack_chunk = NULL;
            tstate->datastack_top = NULL;
            tstate->datastack_limit = NULL;
            if (soft_next) {
                _PySlp_PostSwitch(ts);
                return PySlp_DISPATCH_NEXT;
            }
            /* Main: it loads its state itself, below. */
            return PySlp_DISPATCH_EXIT;
        }
        assert(soft_next && ts->nested_dispatch == 0);
        _PySlp_DispatchNested(ts);
        _PySlp_DeferredKillsDue(ts);
        goto resumed;
    }
    if (soft_next) {
        /* A dispatcher loads its state: core/lifecycle.c. */
        if (dying) {
            tstate->current_frame = NULL;
            tstate->datastack_chunk = NULL;
            tstate->datastack_top = NULL;
            tstate->datastack_limit = NULL;
            _PySlp_PostSwitch(ts);
            return PySlp_DISPATCH_NEXT;
        }
        /* Reserved: cannot fail. */
        (void)_PySlp_cstack_init(&ts->dispatcher, ts->cstack_base,
                                 _PySlp_DispatchStart, NULL);
        to = &ts->dispatcher;
    }
    else {
        to = &next->hard->cstack;
    }
    if (_PySlp_cstack_switch(dying ? NULL : &prev->hard->cstack, to,
                             ts) == NULL) {
        /* The C stack grew past its reserve and no memory is left. */
        goto undo;
    }
resumed:
    /* prev is resumed, by whoever switched to it. */
    _PySlp_StateLoad(ts, prev);
    _PySlp_PostSwitch(ts);
    prev->hard->call_frame = NULL;
    prev->hard->call_top = NULL;
    return PySlp_SWITCH_HARD;

undo:
    ts->post_switch = NULL;
    ts->post_switch_dead = 0;
    ts->current = prev;
    _PySlp_StateLoad(ts, prev);
    Py_DECREF(next);
    if (prev->in_ring) {
        ts->head = prev;
    }
    PyErr_NoMemory();
    return -1;
}

/* The value a tasklet resumes with: its tempval, reset to None; a bomb
   explodes (NULL with its exception set). */
PyObject *
_PySlp_TakeTempval(PyTaskletObject *t)
{
    PyObject *v = t->tempval;
    t->tempval = Py_NewRef(Py_None);
    if (t->pending_bomb != NULL) {
        /* Thrown by another thread while it ran (core/threads.c): that
           exception comes first, whatever it was resumed with. */
        Py_XDECREF(v);
        v = t->pending_bomb;
        t->pending_bomb = NULL;
    }
    if (v != NULL && PyBomb_CheckExact(v)) {
        _PySlp_RaiseBomb(v);
        Py_DECREF(v);
        return NULL;
    }
    return v ? v : Py_NewRef(Py_None);
}
