/* The life of a tasklet: its start, in a C context of its own (hard) or
 * as a first frame run by a dispatcher (soft); its end, with the policy for
 * an exception nobody handled; and the dispatch loop that runs soft
 * tasklets, entered by the eval loop's soft-switch hook.
 */

#include "slp_core.h"

/* ------------------------------------------------------------------ */
/* Start */

/* The common start of every tasklet, in the context it runs in: its state
   is loaded and the tasklet that ran before is let go.  A tasklet killed
   or thrown to before it ran has a bomb in tempval: the exception is
   raised and its callable never runs (returns -1, as for a tasklet with
   nothing to call). */
static int
begin(PySlp_ThreadState *ts, PyTaskletObject *t)
{
    _PySlp_StateLoad(ts, t);
    _PySlp_PostSwitch(ts);
    PyObject *tv = t->tempval;
    t->tempval = Py_NewRef(Py_None);
    if (tv != NULL && PyBomb_CheckExact(tv)) {
        _PySlp_RaiseBomb(tv);
        Py_DECREF(tv);
        return -1;
    }
    Py_XDECREF(tv);
    if (t->func == NULL) {
        PyErr_SetString(PyExc_RuntimeError,
                        "the tasklet was not bound to a function");
        return -1;
    }
    return 0;
}

/* The first code of a tasklet's own C context (core/transfer.c makes it
   for a tasklet whose callable is not a Python function). */
void
_PySlp_HardStart(void *value, void *arg)
{
    PySlp_ThreadState *ts = value;
    PyTaskletObject *t = arg;
    if (begin(ts, t) == 0) {
        /* The call stays in t->func/args/kwargs while it runs: referenced
           from the tasklet, not from this C stack, the GC can see them. */
        PyObject *r = PyObject_Call(t->func, t->args, t->kwargs);
        Py_XDECREF(r);
    }
    Py_CLEAR(t->func);
    Py_CLEAR(t->args);
    Py_CLEAR(t->kwargs);
    (void)_PySlp_TaskletEnd(ts, t);
    /* The next tasklet runs softly: this context dispatches from now on. */
    _PySlp_DispatchLoop(ts);
}

/* Soft-only (D47): the function that starts `t`, bound to a C callable
   with no keyword arguments, as a Python frame: start(f, *args) calls
   f(*args) with a CALL instruction, so that a stackless function as the
   callable (tasklet(channel.send)) is called by bytecode and may park.
   NULL (no error) where there is none: more arguments, or keywords. */
static PyObject *
start_shim(PyTaskletObject *t)
{
    Py_ssize_t n = t->args != NULL ? PyTuple_GET_SIZE(t->args) : 0;
    if (t->ts == NULL || n >= PySlp_START_SHIMS
        || (t->kwargs != NULL && PyDict_GET_SIZE(t->kwargs) != 0)) {
        return NULL;
    }
    return t->ts->settings->start_shims[n];
}

/* Make the start function of `t` (bound) if it will need one: called
   when it is bound, where running a little Python code is safe, unlike
   in the switch that starts it.  Returns 0, or -1 with an exception. */
int
_PySlp_PrepareStartShim(PyTaskletObject *t)
{
    if (t->func == NULL || t->args == NULL || t->ts == NULL
        || _PySlp_IsPythonCallable(t->func)) {
        return 0;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(t->args);
    if (n >= PySlp_START_SHIMS) {
        return 0;
    }
    PyObject **slot = &t->ts->settings->start_shims[n];
    if (*slot != NULL) {
        return 0;
    }
    /* def tasklet_start(f, a0, a1):
           return f(a0, a1) */
    char src[160] = "def tasklet_start(f";
    char call[80] = "    return f(";
    for (Py_ssize_t i = 0; i < n; i++) {
        char a[8];
        PyOS_snprintf(a, sizeof(a), ", a%d", (int)i);
        strcat(src, a);
        strcat(call, a + (i == 0 ? 2 : 0));
    }
    strcat(src, "):\n");
    strcat(src, call);
    strcat(src, ")\n");
    PyObject *code = Py_CompileString(src, "<stackless>", Py_file_input);
    if (code == NULL) {
        return -1;
    }
    PyObject *globals = Py_BuildValue("{sssO}", "__name__", "stackless",
                                      "__builtins__", PyEval_GetBuiltins());
    PyObject *r = globals ? PyEval_EvalCode(code, globals, globals) : NULL;
    Py_DECREF(code);
    if (r == NULL) {
        Py_XDECREF(globals);
        return -1;
    }
    Py_DECREF(r);
    PyObject *f;
    int found = PyDict_GetItemStringRef(globals, "tasklet_start", &f);
    Py_DECREF(globals);
    if (found <= 0) {
        return found < 0 ? -1 : 0;
    }
    Py_XSETREF(*slot, f);
    return 0;
}

/* The current tasklet starts softly: its first frame goes on its own
   frame stack, linked to the loop whose entry frame is `entry`.  Returns
   _PySlp_RESUME_START, or -1 if it ended before running any frame (the
   exception set that ended it). */
int
_PySlp_SoftStart(PySlp_ThreadState *ts, _PyInterpreterFrame *entry)
{
    PyTaskletObject *t = ts->current;
    if (begin(ts, t) < 0) {
        return -1;
    }
    PyObject *func = t->func, *args = t->args, *kwargs = t->kwargs;
    PyObject *shim;
    if (!SLP_HARD_SWITCH && !_PySlp_IsPythonCallable(func)
        && (shim = start_shim(t)) != NULL) {
        /* Soft-only: start(func, *args) instead (start_shim). */
        Py_ssize_t n = PyTuple_GET_SIZE(args);
        PyObject *shim_args = PyTuple_New(n + 1);
        if (shim_args == NULL) {
            return -1;
        }
        PyTuple_SET_ITEM(shim_args, 0, Py_NewRef(func));
        for (Py_ssize_t i = 0; i < n; i++) {
            PyTuple_SET_ITEM(shim_args, i + 1,
                             Py_NewRef(PyTuple_GET_ITEM(args, i)));
        }
        t->func = Py_NewRef(shim);
        t->args = shim_args;
        Py_DECREF(func);
        Py_DECREF(args);
        func = t->func;
        args = t->args;
    }
    if (!SLP_HARD_SWITCH && !_PySlp_IsPythonCallable(func)) {
        /* Soft-only (D47): no C context of its own to start in.  The call
           runs here, on the dispatcher's, to its end: switching inside it
           raises (_PySlp_PrepareSwitchSlow).  As for a hard start, the
           call stays referenced from the tasklet while it runs. */
        ts->tstate->current_frame = entry;
        _PySlp_BegunLink(ts, t);
        PyObject *r = PyObject_Call(func, args, kwargs);
        Py_XDECREF(r);
        /* It ends with no frame, as a hard-started tasklet does. */
        ts->tstate->current_frame = NULL;
        Py_CLEAR(t->func);
        Py_CLEAR(t->args);
        Py_CLEAR(t->kwargs);
        return -1;
    }
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
        frame = _PySlp_PushCallFrame(ts->tstate, (PyFunctionObject *)fn,
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
    ts->tstate->current_frame = frame;
    _PySlp_BegunLink(ts, t);
    return _PySlp_RESUME_START;
}

/* ------------------------------------------------------------------ */
/* End */

static int
is_main_thread(PyThreadState *tstate)
{
    return _Py_IsMainInterpreter(tstate->interp)
           && tstate->thread_id == _PyRuntime.main_thread;
}

/* The exceptions that end a tasklet quietly: TaskletExit, and
   SystemExit outside the program's initial thread.  Returns exc, or NULL
   (exc dropped) if it is absorbed. */
static PyObject *
absorb_silent_exit(PySlp_ThreadState *ts, PyObject *exc)
{
    if (PyErr_GivenExceptionMatches(exc, PyExc_TaskletExit)
        || (PyErr_GivenExceptionMatches(exc, PyExc_SystemExit)
            && !is_main_thread(ts->tstate))) {
        Py_DECREF(exc);
        return NULL;
    }
    return exc;
}

/* What an exception ending a tasklet becomes (user guide, "Errors in
   tasklets"): the exception to deliver to the innermost run() caller or
   main (new reference), or NULL if it is absorbed.  SystemExit from the
   initial thread ends the program: main re-raises it.  The error handler
   sees every other one; what it raises is judged by the same rules (a
   handler that kills the current tasklet ends it quietly). */
static PyObject *
unhandled_exception(PySlp_ThreadState *ts, PyObject *exc)
{
    exc = absorb_silent_exit(ts, exc);
    if (exc == NULL || PyErr_GivenExceptionMatches(exc, PyExc_SystemExit)) {
        return exc;
    }
    PyObject *handler = ts->settings->error_handler;
    if (handler != NULL) {
        PyObject *tb = PyException_GetTraceback(exc);
        Py_INCREF(handler);
        PyObject *r = PyObject_CallFunctionObjArgs(
            handler, (PyObject *)Py_TYPE(exc), exc, tb ? tb : Py_None, NULL);
        Py_DECREF(handler);
        Py_XDECREF(tb);
        Py_DECREF(exc);
        if (r != NULL) {
            Py_DECREF(r);
            return NULL;
        }
        exc = absorb_silent_exit(ts, PyErr_GetRaisedException());
    }
    return exc;
}

/* Make `w` (a watchdog: the innermost run() caller or main) runnable
   with `exc` (a new reference, taken) in its tempval, raised when it
   resumes.  Memory may be out: the thread keeps one bomb in reserve, and
   takes a new one when it can (D32). */
static void
deliver(PySlp_ThreadState *ts, PyTaskletObject *w, PyObject *exc)
{
    PyObject *bomb = _PySlp_MakeBomb(exc);
    if (bomb == NULL) {
        PyErr_Clear();
        bomb = ts->spare_bomb;
        ts->spare_bomb = NULL;
        if (bomb != NULL) {
            _PySlp_BombFill(bomb, exc);
        }
        else {
            PyErr_SetRaisedException(Py_NewRef(exc));
            PyErr_FormatUnraisable("Exception ignored: no memory left to "
                                   "deliver a tasklet's exception to %R",
                                   w);
        }
    }
    Py_DECREF(exc);
    if (ts->spare_bomb == NULL) {
        ts->spare_bomb = _PySlp_NewBomb();
        PyErr_Clear();
    }
    if (bomb != NULL) {
        Py_XSETREF(w->tempval, bomb);
    }
    Py_XDECREF(_PySlp_Unblock(w));
    if (!w->in_ring) {
        _PySlp_RingAppend(ts, w);
    }
}

/* `t`, the current tasklet, has finished (with the exception set, if
   one ended it).  Returns 0 when the tasklet that runs next is current and
   runs softly in this C context, which then becomes its dispatcher;
   otherwise switches away for good -- except in a soft-only build, where
   it returns 1 when the next is main: the dispatcher returns to it (D47).
   Nothing here can fail (D32). */
int
_PySlp_TaskletEnd(PySlp_ThreadState *ts, PyTaskletObject *t)
{
    PyObject *exc = PyErr_GetRaisedException();
    if (exc != NULL) {
        exc = unhandled_exception(ts, exc);
    }
    /* The tasklet is half gone: finalisers that run from here on may
       neither switch nor change the queues chosen below. */
    ts->no_switch++;
    ts->queues_frozen++;
    t->alive = 0;
    t->base_frame = NULL;
    _PySlp_BegunUnlink(ts, t);
    Py_CLEAR(t->exc_state.exc_value);
    Py_XSETREF(t->tempval, Py_NewRef(Py_None));

    PyTaskletObject *next;
    if (exc != NULL) {
        /* Raise it in the innermost run() caller or main, right now. */
        _PySlp_RingRemove(ts, t);
        next = _PySlp_InnermostWatchdog(ts);
        deliver(ts, next, exc);
    }
    else if (t->next != t) {
        next = t->next;
        _PySlp_RingRemove(ts, t);
    }
    else {
        /* The ring is empty now: the innermost run() caller or main goes
           on, told why if it is blocked (user guide, "Deadlock"). */
        _PySlp_RingRemove(ts, t);
        next = _PySlp_InnermostWatchdog(ts);
        if (next->blocked && _PySlp_OthersCanWake(ts)) {
            /* Another thread may still wake it, or another tasklet of
               this one (docs/reference.md, "Blocking"): wait, letting
               other threads change the queues meanwhile. */
            ts->queues_frozen--;
            int rc = _PySlp_WaitForWork(ts);
            ts->queues_frozen++;
            if (rc > 0) {
                next = ts->head;
            }
            else if (rc < 0) {
                /* A signal handler raised (Ctrl-C): main hears of it. */
                next = _PySlp_InnermostWatchdog(ts);
                deliver(ts, next, PyErr_GetRaisedException());
            }
            else {
                next = _PySlp_InnermostWatchdog(ts);
            }
        }
        if (next->blocked) {
            PyErr_SetString(PyExc_RuntimeError,
                            next->blocked == PySlp_BLOCKED_SELECT
                            ? "the main tasklet is selecting without a "
                              "partner available."
                            : next->blocked > 0
                            ? "the main tasklet is sending without a "
                              "receiver available."
                            : "the main tasklet is receiving without a "
                              "sender available.");
            deliver(ts, next, PyErr_GetRaisedException());
        }
        else if (!next->in_ring) {
            _PySlp_RingAppend(ts, next);
        }
    }
    assert(next != t);
    if (_PySlp_PrepareStart(ts, next) < 0) {
        /* No memory for its C context: it stays runnable, and the
           innermost run() caller or main hears of it instead. */
        next = _PySlp_InnermostWatchdog(ts);
        deliver(ts, next, PyErr_GetRaisedException());
    }
    ts->queues_frozen--;
    ts->no_switch--;
    int rc = _PySlp_Transfer(ts, next, PySlp_SWITCH_HARD, 1, NULL);
    assert(rc == PySlp_DISPATCH_NEXT || rc == PySlp_DISPATCH_EXIT);
    return rc == PySlp_DISPATCH_EXIT;
}

/* ------------------------------------------------------------------ */
/* Dispatchers (D24) */

/* The eval loop's soft-switch hook (ceval.c, slp_soft_switch): park
   `frame`'s tasklet (NULL: a dispatcher's entry, nothing to park) and make
   the loop whose entry frame is `entry` run the current tasklet. */
int
_PySlp_SoftSwitch(PyThreadState *tstate, _PyInterpreterFrame *entry,
                  _PyInterpreterFrame *frame, PyObject **result)
{
    PySlp_ThreadState *ts = _PySlp_TS(tstate);
    if (frame != NULL && ts->raise_at_check) {
        /* Not a switch: pre-empted hard at a check of `frame` and resumed
           with an exception, which the loop raises there (preempt.c). */
        ts->raise_at_check = 0;
        _PySlp_ResumePointAtCheck(frame);
        return _PySlp_RESUME_RAISE;
    }
    int parked = frame != NULL ? _PySlp_Park(ts, frame) : 0;
    for (;;) {
        if (parked == 1) {
            *result = ts->home_result;
            ts->home_result = NULL;
            return _PySlp_RESUME_EXIT;
        }
        if (parked == 2) {
            /* Soft-only: main runs next, below this dispatcher, which
               returns to it (_PySlp_DispatchNested). */
            *result = Py_NewRef(Py_None);
            return _PySlp_RESUME_EXIT;
        }
        int how = ts->current->parked ? _PySlp_ResumeParked(ts, entry)
                                      : _PySlp_SoftStart(ts, entry);
        if (how >= 0) {
            return how;
        }
        if (how == PySlp_RESUME_PARK_AGAIN) {
            /* Its C function switched again (core/cfunction.c). */
            parked = _PySlp_Park(ts, ts->tstate->current_frame);
            assert(parked != 1);
            continue;
        }
        /* It ended before it began (or, soft-only, it was a C call that
           ran to its end); the next one may run here too. */
        parked = _PySlp_TaskletEnd(ts, ts->current) ? 2 : 0;
    }
}

/* Run soft tasklets, starting with the current one, with the C
   recursion budget `c_budget` for each.  With hard switching this goes on
   for the life of the C context (a homed tasklet's frames finishing go
   home); soft-only, it returns once main is current again (D47). */
static void
dispatch(PySlp_ThreadState *ts, int c_budget)
{
    PyThreadState *tstate = ts->tstate;
    for (;;) {
        /* The eval loop's entry checks the C recursion budget of whoever
           was current. */
        tstate->c_recursion_remaining = c_budget;
        /* An entry frame as the frame to run: the eval loop's hook sees
           it and runs the current tasklet's frames instead. */
        _PyInterpreterFrame dummy;
        memset(&dummy, 0, sizeof(dummy));
        dummy.owner = FRAME_OWNED_BY_CSTACK;
        PyObject *r = _PyEval_EvalFrameDefault(tstate, &dummy, 0);
        PyTaskletObject *t = ts->current;
        if (!SLP_HARD_SWITCH && !_PySlp_ResumesSoftly(t)) {
            /* Left for main, below us (the result is a placeholder). */
            Py_XDECREF(r);
            return;
        }
        /* The current tasklet's first frame has returned or raised. */
        if (t->homed) {
            _PySlp_GoHome(ts, t, r);
        }
        t->base_frame = NULL;
        if (r != NULL) {
            PyObject *exc = PyErr_GetRaisedException();
            Py_DECREF(r);
            PyErr_SetRaisedException(exc);
        }
        if (_PySlp_TaskletEnd(ts, t)) {
            return;
        }
    }
}

void _Py_NO_RETURN
_PySlp_DispatchLoop(PySlp_ThreadState *ts)
{
    /* A fresh C context: it starts at the base of the C stack. */
    dispatch(ts, ts->c_remaining_base);
    Py_UNREACHABLE();
}

/* Soft-only (D47): main switched to a soft tasklet, now current.  Run
   soft tasklets on top of main's C stack until main is current again.
   Everything the dispatcher's loop put on the C stack is gone then. */
void
_PySlp_DispatchNested(PySlp_ThreadState *ts)
{
    assert(!SLP_HARD_SWITCH && ts->nested_dispatch == 0);
    PyThreadState *tstate = ts->tstate;
    int c_remaining = tstate->c_recursion_remaining;
    ts->nested_dispatch = 1;
    dispatch(ts, c_remaining);
    ts->nested_dispatch = 0;
    tstate->c_recursion_remaining = c_remaining;
}

/* The first code of a fresh C context made for a tasklet that runs
   softly (core/transfer.c, core/softswitch.c). */
void
_PySlp_DispatchStart(void *value, void *arg)
{
    (void)arg;
    _PySlp_DispatchLoop((PySlp_ThreadState *)value);
}
