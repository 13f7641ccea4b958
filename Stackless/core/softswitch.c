/* Soft switching: tasklets switch by moving frame pointers, not C stacks.
 *
 * Since 3.11 a chain of Python frames runs in one invocation of the eval
 * loop, on the heap.  A tasklet whose frames all run in one such loop, and
 * which gives up the CPU in a stackless call made directly by bytecode,
 * has nothing on the C stack that is its own: the eval loop can put its
 * frames aside and run another tasklet's instead.  This file decides when
 * that is allowed and carries it out; ceval.c has three small hooks
 * (patches/, "Soft switching"):
 *
 *   1. The stackless call (send, receive, schedule, run, switch) decides
 *      to switch, sees that it may park softly (_PySlp_CanPark), records
 *      the frame to park and the next tasklet, sets a bit of the eval
 *      breaker and returns a placeholder result, PySlp_UNWIND.
 *   2. The CALL instruction stores the placeholder and, like every call
 *      instruction, checks the eval breaker: the slow path sees the bit and
 *      that its frame is the one to park, and jumps to slp_soft_switch.
 *      Nested loops (a finaliser of the call's arguments) see the bit but
 *      not their frame, and ignore it.
 *   3. slp_soft_switch saves the frame's position exactly as a frame
 *      waiting on a Python callee is saved, and calls _PySlp_SoftSwitch(),
 *      which parks the tasklet and tells the loop how the next one goes
 *      on: its parked call returns a value (the placeholder on its stack is
 *      replaced) or raises, or its first frame starts.
 *
 * The loop that runs soft tasklets is a dispatcher: an eval loop entered
 * from _PySlp_DispatchLoop() with a dummy frame, on a fresh C context of
 * its own.  Each soft tasklet's first frame (base_frame) links to the
 * entry frame of the dispatcher that runs it; when that frame returns,
 * the eval loop returns to the dispatch loop, which ends the tasklet and
 * goes on with the next.  A dispatcher's C context belongs to whichever
 * tasklet it runs; when none needs it any more (the next tasklet has a C
 * stack of its own to resume), it is simply dropped.
 *
 * Hard switching remains the fallback, and both mix freely: a soft tasklet
 * that switches from inside a C call (sorted(key=...), __getattr__, a
 * nested loop) saves its C stack, dispatcher included, and later may park
 * softly again at its base.
 */

#include "slp_internal.h"
#include "pycore_ceval.h"         // _Py_set_eval_breaker_bit()
#include "pycore_code.h"          // _PyCode_CODE()
#include "pycore_object.h"        // _PyObject_HEAD_INIT()
#include "pycore_opcode_metadata.h"  // _PyOpcode_Deopt
#include "pycore_pyerrors.h"      // _PyErr_ClearExcState()
#include "pycore_stackless.h"
#include "opcode_ids.h"           // CALL

/* ------------------------------------------------------------------ */
/* The placeholder result of a call that parks its tasklet.  It is stored
   on the parked frame's stack until the real result replaces it; Python
   code never sees it. */

static PyObject *
unwind_repr(PyObject *self)
{
    return PyUnicode_FromString("<stackless unwind token>");
}

static PyTypeObject unwind_type = {
    PyVarObject_HEAD_INIT(&PyType_Type, 0)
    .tp_name = "stackless._unwind_token",
    .tp_basicsize = sizeof(PyObject),
    .tp_repr = unwind_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT,
};

PyObject _PySlp_UnwindToken = _PyObject_HEAD_INIT(&unwind_type);

/* A tasklet can only be made once the module is: readying the token's
   type there is soon enough (gc.get_referents() could hand it out). */
int
_PySlp_SoftSwitchInit(void)
{
    return PyType_Ready(&unwind_type);
}

/* ------------------------------------------------------------------ */
/* When a switch may be soft */

/* Whether `callable` is the function or method descriptor of `cfunc`. */
static int
is_stackless_function(PyObject *callable, void *cfunc)
{
    PyMethodDef *ml = NULL;
    if (PyCFunction_Check(callable)) {
        ml = ((PyCFunctionObject *)callable)->m_ml;
    }
    else if (Py_IS_TYPE(callable, &PyMethodDescr_Type)) {
        ml = ((PyMethodDescrObject *)callable)->d_method;
    }
    return ml != NULL && (void *)ml->ml_meth == cfunc;
}

/* The current tasklet may park softly for a switch made in the stackless
   call just noted (_PySlp_NoteCall) if
     - the call was made by a CALL instruction of the current frame, not
       by C code on its behalf: the callable on that frame's stack, right
       below the arguments the function got, is the function itself
       (sorted(key=ch.receive), map, functools.partial, operator.call all
       pass other callables or other argument arrays);
     - no C-level eval loop lies between that frame and the tasklet's
       first frame (a __getattr__, a key function, next(gen) each enter
       one): the chain from the current frame reaches base_frame without
       passing an entry frame;
     - nothing would observe the call after it returned: no tracer,
       profiler or sys.monitoring on the call (an instrumented opcode),
       no PEP 523 frame evaluator. */
int
_PySlp_CanPark(PySlp_ThreadState *ts)
{
#ifdef _Py_TIER2
    /* Traces of the tier-2 optimiser do not check for the unwind. */
    return 0;
#endif
    PyThreadState *tstate = ts->tstate;
    PyTaskletObject *cur = ts->current;
    PyObject *const *args = ts->call_args;
    if (!_PySlp_globals.softswitch
        || args == NULL || tstate->interp->eval_frame != NULL
        || tstate->c_tracefunc != NULL || tstate->c_profilefunc != NULL) {
        return 0;
    }
    _PyInterpreterFrame *f = tstate->current_frame;
    if (f == NULL || f->owner == FRAME_OWNED_BY_CSTACK) {
        return 0;
    }
    PyCodeObject *co = _PyFrame_GetCode(f);
    _Py_CODEUNIT *first = _PyCode_CODE(co);
    _Py_CODEUNIT *ip = f->instr_ptr;
    if (ip < first || ip >= first + Py_SIZE(co)) {
        return 0;
    }
    int op = ip->op.code;
    if (op >= MIN_INSTRUMENTED_OPCODE || _PyOpcode_Deopt[op] != CALL
        || ip->op.arg != ts->call_nargs
        || (ip > first && ip[-1].op.code == EXTENDED_ARG)) {
        return 0;
    }
    PyObject **stack = f->localsplus + co->co_nlocalsplus;
    PyObject **a = (PyObject **)args;
    if (a < stack + 2 || a + ts->call_nargs > stack + co->co_stacksize
        || !is_stackless_function(a[-2], ts->call_cfunc)) {
        return 0;
    }
    if (cur->base_frame != NULL) {
        for (; f != cur->base_frame; f = f->previous) {
            if (f == NULL || f->owner == FRAME_OWNED_BY_CSTACK) {
                return 0;
            }
        }
        ts->park_bottom = NULL;
        return 1;
    }
    /* Frames run by a loop entered from C (main's): they may leave it,
       which then waits as the tasklet's home, if they are the tasklet's
       whole chain -- no frames of it lie below that loop's entry. */
    if (cur->homed) {
        return 0;
    }
    while (f->previous != NULL
           && f->previous->owner != FRAME_OWNED_BY_CSTACK) {
        f = f->previous;
    }
    if (f->previous == NULL || f->previous->previous != NULL) {
        return 0;
    }
    if (cur->hard == NULL && _PySlp_Hard(cur) == NULL) {
        PyErr_Clear();
        return 0;
    }
    ts->park_bottom = f;
    return 1;
}

/* Whether `t`, set up but never run, can start as a soft tasklet: its
   first frame is a Python function's, made without a C call. */
int
_PySlp_SoftStartable(PySlp_ThreadState *ts, PyTaskletObject *t)
{
    if (!_PySlp_globals.softswitch || t->started || t->soft || !t->alive
        || t->is_main || t->func == NULL || t->ts != ts
        || ts->tstate->interp->eval_frame != NULL) {
        return 0;
    }
    PyObject *f = t->func;
    if (PyMethod_Check(f)) {
        f = PyMethod_GET_FUNCTION(f);
    }
    return PyFunction_Check(f);
}

int
_PySlp_IsParking(PyThreadState *tstate, _PyInterpreterFrame *frame)
{
    PySlp_ThreadState *ts = _PySlp_TS(tstate);
    return ts != NULL && ts->parking == frame
           && (_Py_atomic_load_uintptr_relaxed(&tstate->eval_breaker)
               & _PY_SLP_SOFT_SWITCH_BIT);
}

/* ------------------------------------------------------------------ */
/* Parking and resuming */

/* The per-tasklet thread state of a tasklet parking softly: as
   _PySlp_IState_Save(), minus what cannot apply (entry frames to cut) and
   what rarely does (tracer references), which goes the long way. */
static inline void
save_parked(PyThreadState *tstate, PyTaskletObject *t)
{
    PySlp_IState *s = &t->state;
    if (tstate->c_traceobj != NULL || tstate->c_profileobj != NULL
        || s->c_traceobj != NULL || s->c_profileobj != NULL
        || tstate->c_tracefunc != NULL || tstate->c_profilefunc != NULL) {
        _PySlp_IState_Save(tstate, t);
        return;
    }
    _PySlp_IState_Store(tstate, s);
    s->c_tracefunc = NULL;
    s->c_profilefunc = NULL;
    if (t->hard != NULL) {
        t->hard->ncuts = 0;
    }
}

/* The converse for a tasklet resuming softly (no entry frames to put
   back: a soft chain has none, and a hard one does not come here). */
static inline void
load_parked(PyThreadState *tstate, PyTaskletObject *t)
{
    if (t->hard != NULL && t->hard->ncuts > 0) {
        _PySlp_IState_Load(tstate, t);
        return;
    }
    _PySlp_IState_Fetch(tstate, &t->state);
}

/* _PySlp_LoadTracing() and _PySlp_PostSwitch(), short when there is
   nothing to do. */
static inline void
after_switch(PySlp_ThreadState *ts, PyTaskletObject *t)
{
    PySlp_IState *s = &t->state;
    PyThreadState *tstate = ts->tstate;
    if (s->c_tracefunc != NULL || s->c_profilefunc != NULL
        || s->c_traceobj != NULL || s->c_profileobj != NULL
        || tstate->c_tracefunc != NULL || tstate->c_profilefunc != NULL
        || s->instr_version != _Py_atomic_load_uintptr_relaxed(
               &tstate->interp->ceval.instrumentation_version)) {
        _PySlp_LoadTracing(ts, t);
    }
    if (ts->post_switch != NULL) {
        if (ts->post_switch_dead) {
            _PySlp_PostSwitch(ts);
        }
        else {
            PyObject *prev = ts->post_switch;
            ts->post_switch = NULL;
            Py_DECREF(prev);
        }
    }
}

/* The eval loop has saved `frame`, the current tasklet's top frame, with
   the placeholder result on its stack: put the tasklet aside and make
   ts->soft_next current.  If that one has a C stack of its own, switch to
   it: this C context is nobody's any more and is dropped -- unless the
   parked frames are leaving their home loop, which then waits for them.
   Returns 0, or 1 once the frames that left this loop have finished (the
   result in ts->home_result). */
static int
park_current(PySlp_ThreadState *ts, _PyInterpreterFrame *frame)
{
    PyThreadState *tstate = ts->tstate;
    PyTaskletObject *prev = ts->current;
    PyTaskletObject *next = ts->soft_next;
    assert(tstate->current_frame == frame);
    assert(next != NULL && next != prev);
    (void)frame;
    ts->soft_next = NULL;
    ts->parking = NULL;
    _Py_unset_eval_breaker_bit(tstate, _PY_SLP_SOFT_SWITCH_BIT);

    int leaving = prev->base_frame == NULL;
    if (leaving) {
        prev->base_frame = ts->park_bottom;
        ts->park_bottom = NULL;
    }
    /* Its chain ends at its first frame: the entry frame below belongs to
       this loop, which others will use (as YIELD_VALUE does). */
    prev->base_frame->previous = NULL;
    save_parked(tstate, prev);
    prev->soft = 1;
    if (leaving) {
        prev->homed = 1;
    }
    else if (prev->started && prev->hard != NULL) {
        /* A C stack it once saved is stale now; unless it has a home (or
           is main, whose home is the thread's), it has no C state. */
        _PySlp_cstack_clear(&prev->hard->cstack);
        if (!prev->homed && !prev->is_main) {
            prev->started = 0;
        }
    }
    if (prev->hard != NULL) {
        prev->hard->call_frame = NULL;
        prev->hard->call_top = NULL;
    }
    /* ts's reference to prev is dropped once next runs; soft_next's
       reference to next becomes ts->current's. */
    ts->current = next;
    ts->post_switch = (PyObject *)prev;
    ts->post_switch_dead = 0;
    if (next->in_ring) {
        ts->head = next;
    }
    int hard_next = !next->soft && !_PySlp_SoftStartable(ts, next);
    _PySlp_CStack *to = NULL;
    if (hard_next) {
        assert(next->started && next->hard != NULL);
        _PySlp_IState_Load(tstate, next);
        to = &next->hard->cstack;
    }
    if (!leaving) {
        if (hard_next) {
            (void)_PySlp_cstack_switch(NULL, to, ts);
            Py_UNREACHABLE();
        }
        return 0;
    }
    /* Keep this C context, and the loop in it, as prev's home. */
    PySlp_HardState *h = prev->hard;
    if (h == NULL) {
        Py_FatalError("out of memory keeping a tasklet's C stack");
    }
    h->home_c_remaining = prev->state.c_recursion_remaining;
    if (!hard_next) {
        if (_PySlp_cstack_init(&ts->dispatcher, ts->cstack_base,
                               _PySlp_DispatchStart, NULL) < 0) {
            Py_FatalError("out of memory starting a dispatcher");
        }
        to = &ts->dispatcher;
    }
    _PySlp_cstack_init_running(&h->home, ts->cstack_base);
    if (_PySlp_cstack_switch(&h->home, to, ts) == NULL) {
        Py_FatalError("out of memory keeping a tasklet's C stack");
    }
    /* Back home: the frames that left have finished (go_home()). */
    return 1;
}

/* The current tasklet's frames, run by a dispatcher, finished; they had
   left the loop of a C caller that waits for their result (`r`, or NULL
   with the exception set). */
static void _Py_NO_RETURN
go_home(PySlp_ThreadState *ts, PyTaskletObject *t, PyObject *r)
{
    t->base_frame = NULL;
    t->homed = 0;
    ts->home_result = r;
    ts->tstate->c_recursion_remaining = t->hard->home_c_remaining;
    (void)_PySlp_cstack_switch(NULL, &t->hard->home, ts);
    Py_UNREACHABLE();
}

/* Make the current tasklet's frames run in the loop whose entry frame is
   `entry`.  Returns a _PySlp_RESUME_* code, or -1 if the tasklet ended
   before running any frame (with the exception set that ended it). */
static int
resume_current(PySlp_ThreadState *ts, _PyInterpreterFrame *entry)
{
    PyThreadState *tstate = ts->tstate;
    PyTaskletObject *t = ts->current;
    load_parked(tstate, t);
    if (t->soft) {
        t->soft = 0;
        t->base_frame->previous = entry;
        after_switch(ts, t);
        PySlp_ResumeHook hook = t->resume_hook;
        t->resume_hook = NULL;
        PyObject *r = t->tempval;
        if (r != NULL && !PyBomb_Check(r)) {
            /* _PySlp_TakeTempval(), the common case. */
            t->tempval = Py_NewRef(Py_None);
        }
        else {
            r = _PySlp_TakeTempval(t);
        }
        if (hook != NULL) {
            r = hook(ts, t, r);
        }
        _PyInterpreterFrame *top = tstate->current_frame;
        assert(top->stacktop > 0);
        assert(top->localsplus[top->stacktop - 1] == PySlp_UNWIND);
        if (r == NULL) {
            top->stacktop--;
            return _PySlp_RESUME_RAISE;
        }
        top->localsplus[top->stacktop - 1] = r;
        return _PySlp_RESUME_VALUE;
    }

    /* A new tasklet: its first frame goes on its own frame stack. */
    _PySlp_LoadTracing(ts, t);
    _PySlp_PostSwitch(ts);
    PyObject *tv = t->tempval;
    t->tempval = Py_NewRef(Py_None);
    if (tv != NULL && PyBomb_Check(tv)) {
        /* Killed or thrown to before it ran: the callable never runs. */
        _PySlp_RaiseBomb(tv);
        Py_DECREF(tv);
        return -1;
    }
    Py_XDECREF(tv);
    PyObject *func = t->func, *args = t->args, *kwargs = t->kwargs;
    t->func = t->args = t->kwargs = NULL;
    PyObject *callargs = args;
    if (PyMethod_Check(func)) {
        /* A bound method: its function with self first. */
        PyObject *self = PyMethod_GET_SELF(func);
        Py_ssize_t n = PyTuple_GET_SIZE(args);
        callargs = PyTuple_New(n + 1);
        if (callargs != NULL) {
            PyTuple_SET_ITEM(callargs, 0, Py_NewRef(self));
            for (Py_ssize_t i = 0; i < n; i++) {
                PyTuple_SET_ITEM(callargs, i + 1,
                                 Py_NewRef(PyTuple_GET_ITEM(args, i)));
            }
        }
    }
    _PyInterpreterFrame *frame = NULL;
    if (callargs != NULL) {
        PyObject *fn = PyMethod_Check(func) ? PyMethod_GET_FUNCTION(func)
                                            : func;
        frame = _PySlp_PushCallFrame(tstate, (PyFunctionObject *)fn,
                                     callargs, kwargs);
        if (callargs != args) {
            Py_DECREF(callargs);
        }
    }
    Py_DECREF(func);
    Py_DECREF(args);
    Py_XDECREF(kwargs);
    if (frame == NULL) {
        return -1;
    }
    t->base_frame = frame;
    frame->previous = entry;
    tstate->current_frame = frame;
    _PySlp_CStateLink(ts, t);
    return _PySlp_RESUME_START;
}

int
_PySlp_SoftSwitch(PyThreadState *tstate, _PyInterpreterFrame *entry,
                  _PyInterpreterFrame *frame, PyObject **result)
{
    PySlp_ThreadState *ts = _PySlp_TS(tstate);
    if (frame != NULL && park_current(ts, frame)) {
        *result = ts->home_result;
        ts->home_result = NULL;
        return _PySlp_RESUME_EXIT;
    }
    for (;;) {
        int how = resume_current(ts, entry);
        if (how >= 0) {
            return how;
        }
        /* It ended before it began; the next one may run here too. */
        _PySlp_TaskletEnd(ts, ts->current);
    }
}

/* ------------------------------------------------------------------ */
/* Dispatchers */

void _Py_NO_RETURN
_PySlp_DispatchLoop(PySlp_ThreadState *ts)
{
    PyThreadState *tstate = ts->tstate;
    for (;;) {
        /* The eval loop's entry checks the C recursion budget of whoever
           was current; a dispatcher runs at the base of the C stack. */
        tstate->c_recursion_remaining = ts->c_remaining_base;
        _PyInterpreterFrame dummy;
        memset(&dummy, 0, sizeof(dummy));
        PyObject *r = _PyEval_EvalFrameDefault(tstate, &dummy,
                                               _PySlp_EVAL_DISPATCH);
        /* The current tasklet's first frame has returned or raised. */
        PyTaskletObject *t = ts->current;
        if (t->homed) {
            go_home(ts, t, r);
        }
        t->base_frame = NULL;
        if (r != NULL) {
            PyObject *exc = PyErr_GetRaisedException();
            Py_DECREF(r);
            PyErr_SetRaisedException(exc);
        }
        _PySlp_TaskletEnd(ts, t);
    }
}

/* The first code of a fresh C context made by _PySlp_Transfer() for a
   tasklet that runs softly. */
void
_PySlp_DispatchStart(void *value, void *arg)
{
    (void)arg;
    _PySlp_DispatchLoop((PySlp_ThreadState *)value);
}

/* ------------------------------------------------------------------ */
/* A parked tasklet's frames, dropped without running any code: it is
   unbound, or its thread is gone (spec §11, orphans).  A generator or
   coroutine executing in the chain is closed on the way: its frame is
   cleared and unlinked, so it is no longer running and its f_back does
   not point into the frames freed here (user guide, "Ending a
   tasklet"). */
void
_PySlp_DropFrames(PyTaskletObject *t)
{
    _PyInterpreterFrame *f = t->state.current_frame;
    t->state.current_frame = NULL;
    /* Innermost first: a generator's frame goes before the caller's
       frame that holds the generator. */
    while (f != NULL) {
        _PyInterpreterFrame *prev = f->previous;
        if (f->owner == FRAME_OWNED_BY_THREAD) {
            _PyFrame_ClearExceptCode(f);
            Py_DECREF(f->f_executable);
        }
        else if (f->owner == FRAME_OWNED_BY_GENERATOR) {
            PyGenObject *gen = _PyFrame_GetGenerator(f);
            gen->gi_frame_state = FRAME_CLEARED;
            f->previous = NULL;
            gen->gi_exc_state.previous_item = NULL;
            _PyFrame_ClearExceptCode(f);
            _PyErr_ClearExcState(&gen->gi_exc_state);
        }
        f = prev;
    }
    t->base_frame = NULL;
    t->soft = 0;
    t->resume_hook = NULL;
    if (t->ts != NULL) {
        _PySlp_CStateUnlink(t->ts, t);
    }
}
