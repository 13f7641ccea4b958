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
 *      (core/lifecycle.c), which parks the tasklet (_PySlp_Park) and tells
 *      the loop how the next one goes on: its parked call returns a value
 *      (the placeholder on its stack is replaced) or raises
 *      (_PySlp_ResumeParked), or its first frame starts.
 *
 * The loop that runs soft tasklets is a dispatcher (core/lifecycle.c): an
 * eval loop entered from _PySlp_DispatchLoop() with a dummy frame, on a
 * fresh C context of its own.  Each soft tasklet's first frame
 * (base_frame) links to the entry frame of the dispatcher that runs it;
 * when that frame returns, the eval loop returns to the dispatch loop,
 * which ends the tasklet and goes on with the next.  A dispatcher's C context belongs to whichever
 * tasklet it runs; when none needs it any more (the next tasklet has a C
 * stack of its own to resume), it is simply dropped.
 *
 * Hard switching remains the fallback, and both mix freely: a soft tasklet
 * that switches from inside a C call (sorted(key=...), __getattr__, a
 * nested loop) saves its C stack, dispatcher included, and later may park
 * softly again at its base.
 */

#include "slp_core.h"
#include "pycore_ceval.h"         // _Py_set_eval_breaker_bit()
#include "pycore_code.h"          // _PyCode_CODE()
#include "pycore_object.h"        // _PyObject_HEAD_INIT()
#include "pycore_opcode_metadata.h"  // _PyOpcode_Deopt
#include "opcode_ids.h"           // CALL

/* ------------------------------------------------------------------ */
/* The placeholder result of a call that parks its tasklet.  It is stored
   on the parked frame's stack until the real result replaces it; Python
   code never sees it (core/frames.c does not visit it). */

static PyObject *
unwind_repr(PyObject *self)
{
    return PyUnicode_FromString("<stackless unwind token>");
}

PyTypeObject _PySlp_UnwindType = {
    PyVarObject_HEAD_INIT(&PyType_Type, 0)
    .tp_name = "stackless._unwind_token",
    .tp_basicsize = sizeof(PyObject),
    .tp_repr = unwind_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT,
};

PyObject _PySlp_UnwindToken = _PyObject_HEAD_INIT(&_PySlp_UnwindType);

/* ------------------------------------------------------------------ */
/* When a switch may be soft */

/* Whether `callable` is the function or method descriptor of `cfunc`. */
static int
is_stackless_function(PyObject *callable, void *cfunc)
{
    /* Exact type tests first: the subtype walk of PyCFunction_Check()
       costs more than the rest of this function. */
    PyMethodDef *ml = NULL;
    if (Py_IS_TYPE(callable, &PyMethodDescr_Type)) {
        ml = ((PyMethodDescrObject *)callable)->d_method;
    }
    else if (Py_IS_TYPE(callable, &PyCFunction_Type)
             || PyCFunction_Check(callable)) {
        ml = ((PyCFunctionObject *)callable)->m_ml;
    }
    return ml != NULL && (void *)ml->ml_meth == cfunc;
}

/* The current tasklet may park softly for a switch made in the stackless
   call just noted (_PySlp_NoteCall) if (D22)
     - the call was made by a CALL (or CALL_KW) instruction of the
       current frame, not
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
    _PyInterpreterFrame *f = tstate->current_frame;
    if (!ts->settings->softswitch
        || tstate->interp->eval_frame != NULL
        || tstate->c_tracefunc != NULL || tstate->c_profilefunc != NULL
        || f == NULL || f->owner == FRAME_OWNED_BY_CSTACK) {
        return 0;
    }
    if (f == ts->cframe_frame && cur->base_frame != NULL) {
        /* A soft-switchable C function re-entered on its parked frame's
           resumption (core/cfunction.c): the call was checked when it
           first parked, and the frame is still inside that CALL. */
        goto check_chain;
    }
    if (args == NULL) {
        return 0;
    }
    PyCodeObject *co = _PyFrame_GetCode(f);
    _Py_CODEUNIT *first = _PyCode_CODE(co);
    _Py_CODEUNIT *ip = f->instr_ptr;
    if (ip < first || ip >= first + Py_SIZE(co)) {
        return 0;
    }
    int op = ip->op.code;
    /* CALL_KW stores its result and checks the eval breaker as CALL
       does; its keyword names lie on the stack above the arguments. */
    int call_op = ts->call_kw ? CALL_KW : CALL;
    if (op >= MIN_INSTRUMENTED_OPCODE || _PyOpcode_Deopt[op] != call_op
        || ip->op.arg != ts->call_nargs
        || (ip > first && ip[-1].op.code == EXTENDED_ARG)) {
        return 0;
    }
    PyObject **stack = f->localsplus + co->co_nlocalsplus;
    PyObject **a = (PyObject **)args;
    if (a < stack + 2
        || a + ts->call_nargs + ts->call_kw > stack + co->co_stacksize
        || !is_stackless_function(a[-2], ts->call_cfunc)) {
        return 0;
    }
    if (cur->base_frame != NULL) {
check_chain:
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
       whole chain -- no frames of it lie below that loop's entry.  A
       soft-only build has no home to keep: main switches from where it
       is, with a dispatcher on top of it (D47). */
    if (cur->homed || !SLP_HARD_SWITCH) {
        return 0;
    }
    while (f->previous != NULL
           && f->previous->owner != FRAME_OWNED_BY_CSTACK) {
        f = f->previous;
    }
    if (f->previous == NULL || f->previous->previous != NULL) {
        return 0;
    }
    /* Leaving needs a home and a dispatcher: reserve their memory now,
       or switch hard, so that parking cannot fail (D32). */
    if ((cur->hard == NULL && _PySlp_Hard(cur) == NULL)
        || _PySlp_cstack_reserve(&cur->hard->home,
                                 _PySlp_StackReserve(ts)) < 0
        || _PySlp_cstack_reserve(&ts->dispatcher, 0) < 0) {
        PyErr_Clear();
        return 0;
    }
    ts->park_bottom = f;
    return 1;
}

/* A soft-only build (D47) cannot switch the current tasklet, which is
   not main and may not park: raise RuntimeError saying why, naming the C
   call in the way when there is one. */
void
_PySlp_RaiseCannotPark(PySlp_ThreadState *ts)
{
    PyThreadState *tstate = ts->tstate;
    PyTaskletObject *cur = ts->current;
    _PyInterpreterFrame *f = tstate->current_frame;
    const char *why = NULL;
    PyObject *caller = NULL, *callee = NULL;
    if (tstate->interp->eval_frame != NULL) {
        why = "a PEP 523 frame evaluator is installed";
    }
    else if (tstate->c_tracefunc != NULL || tstate->c_profilefunc != NULL) {
        why = "a tracer or profiler is set (sys.settrace, sys.setprofile)";
    }
    else if (f == NULL || f->owner == FRAME_OWNED_BY_CSTACK) {
        why = "the tasklet is running C code (its callable is not a "
              "Python function, or C code called the switching function)";
    }
    else {
        /* The innermost C call between the current frame and the
           tasklet's first frame: the Python frames either side of it. */
        _PyInterpreterFrame *above = f;
        for (_PyInterpreterFrame *g = f; g != NULL && g != cur->base_frame;
             g = g->previous) {
            if (g->owner != FRAME_OWNED_BY_CSTACK) {
                above = g;
                continue;
            }
            _PyInterpreterFrame *below = g->previous;
            while (below != NULL && below->owner == FRAME_OWNED_BY_CSTACK) {
                below = below->previous;
            }
            if (below != NULL) {
                caller = _PyFrame_GetCode(below)->co_qualname;
                callee = _PyFrame_GetCode(above)->co_qualname;
            }
            break;
        }
        if (caller == NULL) {
            why = "the switching function was not called directly by "
                  "Python code (C code such as map(), a callback or a key "
                  "function called it), or sys.monitoring watches the call";
        }
    }
    if (why != NULL) {
        PyErr_Format(PyExc_RuntimeError,
                     "cannot switch tasklets here: %s; this interpreter is "
                     "built without hard switching (soft-only)", why);
    }
    else {
        PyErr_Format(PyExc_RuntimeError,
                     "cannot switch tasklets here: %U() called C code (a "
                     "builtin, a special method, a callback, or the first "
                     "pass of a for loop over a generator) that called "
                     "%U(), which switched; this interpreter is built "
                     "without hard switching (soft-only)", caller, callee);
    }
}

/* Whether `t`, set up but never run, can start as a soft tasklet: its
   first frame is a Python function's, made without a C call. */
int
_PySlp_SoftStartable(PySlp_ThreadState *ts, PyTaskletObject *t)
{
    if (!ts->settings->softswitch || t->has_cstack || t->parked
        || !t->alive || t->is_main || t->func == NULL || t->ts != ts
        || ts->tstate->interp->eval_frame != NULL) {
        return 0;
    }
    return _PySlp_IsPythonCallable(t->func);
}

/* Whether calling `f` only pushes a Python frame: a function, or a
   method of one. */
int
_PySlp_IsPythonCallable(PyObject *f)
{
    if (PyMethod_Check(f)) {
        f = PyMethod_GET_FUNCTION(f);
    }
    return PyFunction_Check(f);
}

int
_PySlp_IsParking(PyThreadState *tstate, _PyInterpreterFrame *frame)
{
    PySlp_ThreadState *ts = _PySlp_TS(tstate);
    if (ts == NULL) {
        return 0;
    }
    if (ts->parking != NULL) {
        return ts->parking == frame
               && (_Py_atomic_load_uintptr_relaxed(&tstate->eval_breaker)
                   & _PY_SLP_SOFT_SWITCH_BIT);
    }
    /* A pre-empting run() keeps the bit set to count ticks. */
    if (ts->preempt_owner != NULL && ts->current != NULL) {
        return _PySlp_PreemptCheck(ts, frame);
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Parking and resuming */

/* The eval loop has saved `frame`, the current tasklet's top frame, with
   the placeholder result on its stack: put the tasklet aside and make
   ts->soft_next current.  If that one has a C stack of its own, switch to
   it: this C context is nobody's any more and is dropped -- unless the
   parked frames are leaving their home loop, which then waits for them.
   Returns 0, or 1 once the frames that left this loop have finished (the
   result in ts->home_result); in a soft-only build, 2 when the next is
   main, for which this dispatcher's loop must return (D47). */
int
_PySlp_Park(PySlp_ThreadState *ts, _PyInterpreterFrame *frame)
{
    PyThreadState *tstate = ts->tstate;
    PyTaskletObject *prev = ts->current;
    PyTaskletObject *next = ts->soft_next;
    assert(tstate->current_frame == frame);
    assert(next != NULL && next != prev);
    ts->soft_next = NULL;
    ts->parking = NULL;
    _PySlp_BreakerDone(ts);
    if (ts->park_at_check) {
        /* Interrupted between instructions (core/preempt.c): no call
           returns a value to it; where it goes on is
           _PySlp_ResumePointAtCheck's choice. */
        ts->park_at_check = 0;
        prev->parked_at_check = 1;
        _PySlp_ResumePointAtCheck(frame);
    }

    int leaving = prev->base_frame == NULL;
    if (leaving) {
        prev->base_frame = ts->park_bottom;
        ts->park_bottom = NULL;
    }
    /* Its chain ends at its first frame: the entry frame below belongs to
       this loop, which others will use (as YIELD_VALUE does). */
    prev->base_frame->previous = NULL;
    _PySlp_StateSave(tstate, prev);
    prev->parked = 1;
    if (leaving) {
        prev->homed = 1;
    }
    else if (prev->has_cstack && prev->hard != NULL) {
        /* A C stack it once saved is stale now; unless it has a home (or
           is main, whose home is the thread's), it has no C state. */
        _PySlp_cstack_clear(&prev->hard->cstack);
        if (!prev->homed && !prev->is_main) {
            prev->has_cstack = 0;
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
    int hard_next = !_PySlp_ResumesSoftly(next);
    _PySlp_CStack *to = NULL;
    if (hard_next) {
        /* It loads its state itself once resumed (core/transfer.c). */
        assert(next->has_cstack && next->hard != NULL);
        to = &next->hard->cstack;
    }
    if (!leaving) {
        if (hard_next) {
            if (!SLP_HARD_SWITCH) {
                /* It is main, below this dispatcher (D47). */
                return 2;
            }
            (void)_PySlp_cstack_switch(NULL, to, ts);
            Py_UNREACHABLE();
        }
        return 0;
    }
    /* Keep this C context, and the loop in it, as prev's home.  Its
       memory and the dispatcher's were reserved by _PySlp_CanPark(). */
    PySlp_HardState *h = prev->hard;
    h->home_c_remaining = prev->state.c_recursion_remaining;
    if (!hard_next) {
        (void)_PySlp_cstack_init(&ts->dispatcher, ts->cstack_base,
                                 _PySlp_DispatchStart, NULL);
        to = &ts->dispatcher;
    }
    _PySlp_cstack_init_running(&h->home, ts->cstack_base);
    void *resumed = _PySlp_cstack_switch(&h->home, to, ts);
    assert(resumed != NULL);
    (void)resumed;
    /* Back home: the frames that left have finished (_PySlp_GoHome). */
    return 1;
}

/* The current tasklet's frames, run by a dispatcher, finished; they had
   left the loop of a C caller that waits for their result (`r`, or NULL
   with the exception set). */
void _Py_NO_RETURN
_PySlp_GoHome(PySlp_ThreadState *ts, PyTaskletObject *t, PyObject *r)
{
    t->base_frame = NULL;
    t->homed = 0;
    ts->home_result = r;
    ts->tstate->c_recursion_remaining = t->hard->home_c_remaining;
    (void)_PySlp_cstack_switch(NULL, &t->hard->home, ts);
    Py_UNREACHABLE();
}

/* The current tasklet is parked: make its frames run in the loop whose
   entry frame is `entry`.  Returns _PySlp_RESUME_VALUE (the value it is
   resumed with replaced the placeholder) or _PySlp_RESUME_RAISE; or
   PySlp_RESUME_PARK_AGAIN: a C function re-entered there switched softly
   again, and the tasklet parks once more. */
int
_PySlp_ResumeParked(PySlp_ThreadState *ts, _PyInterpreterFrame *entry)
{
    PyTaskletObject *t = ts->current;
    assert(t->parked);
    t->parked = 0;
    t->base_frame->previous = entry;
    _PySlp_StateLoad(ts, t);
    _PySlp_PostSwitch(ts);
    PySlp_ResumeHook hook = t->resume_hook;
    t->resume_hook = NULL;
    PyObject *r = t->tempval;
    if (r != NULL && !PyBomb_CheckExact(r) && t->pending_bomb == NULL) {
        /* _PySlp_TakeTempval(), the common case. */
        t->tempval = Py_NewRef(Py_None);
    }
    else {
        r = _PySlp_TakeTempval(t);
    }
    if (hook != NULL) {
        r = hook(ts, t, r);
    }
    if (t->parked_at_check) {
        /* Nothing to replace: it goes on where it was interrupted, or
           raises there. */
        t->parked_at_check = 0;
        if (r == NULL) {
            return _PySlp_RESUME_RAISE;
        }
        Py_DECREF(r);
        return _PySlp_RESUME_VALUE;
    }
    _PyInterpreterFrame *top = ts->tstate->current_frame;
    assert(top->stacktop > 0);
    PyObject **slot = &top->localsplus[top->stacktop - 1];
    if (*slot != PySlp_UNWIND) {
        /* A soft-switchable C function waits there (core/cfunction.c). */
        r = _PySlp_CFrameResume(ts, top, r);
        if (r == PySlp_UNWIND) {
            return PySlp_RESUME_PARK_AGAIN;
        }
        PyObject *cf = *slot;
        *slot = PySlp_UNWIND;
        Py_DECREF(cf);
    }
    if (r == NULL) {
        top->stacktop--;
        return _PySlp_RESUME_RAISE;
    }
    top->localsplus[top->stacktop - 1] = r;
    return _PySlp_RESUME_VALUE;
}
