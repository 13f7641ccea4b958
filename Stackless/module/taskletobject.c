/* stackless.tasklet (spec §3, §4): construction, binding, the methods
 * that move a tasklet between states, and its attributes.  The moves
 * themselves are in core/scheduler.c. */

#include "core/slp_internal.h"
#include "pycore_ceval.h"         // _PyEval_SetTrace()
#include "pycore_call.h"          // _PyObject_MakeTpCall()
#include "pycore_context.h"       // PyContext

static PyObject *
no_thread(void)
{
    PyErr_SetString(PyExc_RuntimeError, "tasklet has no thread");
    return NULL;
}

static int
has_thread(PyTaskletObject *t)
{
    return t->ts != NULL && t->ts->tstate != NULL;
}

static int
is_current(PyTaskletObject *t)
{
    return has_thread(t) && t->ts->current == t;
}

/* Suspended with a saved C stack. */
static int
has_cstate(PyTaskletObject *t)
{
    return t->started && t->alive && !is_current(t);
}

/* Suspended with frames: parked softly or with a saved C stack. */
static int
has_frames(PyTaskletObject *t)
{
    return (t->started || t->soft) && t->alive && !is_current(t);
}

PyTaskletObject *
_PySlp_NewTasklet(PyTypeObject *type, PySlp_ThreadState *ts)
{
    PyTaskletObject *t = (PyTaskletObject *)type->tp_alloc(type, 0);
    if (t == NULL) {
        return NULL;
    }
    t->ts = ts;
    _PySlp_ThreadStateIncref(ts);
    t->thread_id = ts->thread_id;
    t->tempval = Py_NewRef(Py_None);
    _PySlp_IState_Init(t, ts);
    /* spec §13 (project decision): a new tasklet starts in a copy of its
       creator's context, as an asyncio task does. */
    t->state.context = PyContext_CopyCurrent();
    if (t->state.context == NULL) {
        Py_DECREF(t);
        return NULL;
    }
    return t;
}

static PyObject *
tasklet_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    /* Arguments are for __init__ (bind). */
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    if (ts == NULL) {
        return NULL;
    }
    return (PyObject *)_PySlp_NewTasklet(type, ts);
}

/* ------------------------------------------------------------------ */
/* bind / setup */

static PyObject *
do_bind(PyTaskletObject *t, PyObject *func, PyObject *args, PyObject *kwargs)
{
    if (func == Py_None) {
        func = NULL;
    }
    if (args == Py_None) {
        args = NULL;
    }
    if (kwargs == Py_None) {
        kwargs = NULL;
    }
    if (func != NULL && !PyCallable_Check(func)) {
        PyErr_SetString(PyExc_TypeError,
                        "tasklet function must be a callable or None");
        return NULL;
    }
    if (is_current(t)) {
        PyErr_SetString(PyExc_RuntimeError,
                        "can't (re)bind the current tasklet");
        return NULL;
    }
    if (t->in_ring || t->blocked) {
        PyErr_SetString(PyExc_RuntimeError, "tasklet is scheduled");
        return NULL;
    }
    if (has_cstate(t)) {
        PyErr_SetString(PyExc_RuntimeError,
                        "tasklet has C state on its stack");
        return NULL;
    }
    if (t->is_main && args == NULL && kwargs == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "can't unbind the main tasklet");
        return NULL;
    }
    if (t->soft) {
        /* A paused soft tasklet: its old frames go, no cleanup runs. */
        _PySlp_DropFrames(t);
        _PySlp_IState_Clear(t);
        t->alive = 0;
    }
    if (args == NULL && kwargs == NULL) {
        /* Unbound or bound: tempval holds the callable. */
        Py_CLEAR(t->func);
        Py_CLEAR(t->args);
        Py_CLEAR(t->kwargs);
        t->alive = 0;
        Py_XSETREF(t->tempval, Py_NewRef(func ? func : Py_None));
        Py_RETURN_NONE;
    }
    if (func == NULL) {
        func = t->func ? t->func : t->tempval;
        if (func == NULL || func == Py_None || !PyCallable_Check(func)) {
            PyErr_SetString(PyExc_RuntimeError,
                            "the tasklet was not bound to a function");
            return NULL;
        }
    }
    if (!has_thread(t)) {
        return no_thread();
    }
    PyObject *a = args ? PySequence_Tuple(args) : PyTuple_New(0);
    if (a == NULL) {
        return NULL;
    }
    PyObject *kw = NULL;
    if (kwargs != NULL) {
        if (!PyDict_Check(kwargs)) {
            Py_DECREF(a);
            PyErr_SetString(PyExc_TypeError, "kwargs must be a dict");
            return NULL;
        }
        kw = PyDict_Copy(kwargs);
        if (kw == NULL) {
            Py_DECREF(a);
            return NULL;
        }
    }
    Py_INCREF(func);
    Py_XSETREF(t->func, func);
    Py_XSETREF(t->args, a);
    Py_XSETREF(t->kwargs, kw);
    Py_XSETREF(t->tempval, Py_NewRef(Py_None));
    t->alive = 1;
    Py_RETURN_NONE;
}

static PyObject *
tasklet_bind(PyTaskletObject *t, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"func", "args", "kwargs", NULL};
    PyObject *func = NULL, *fargs = NULL, *fkwargs = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OOO:bind", kwlist,
                                     &func, &fargs, &fkwargs)) {
        return NULL;
    }
    PyObject *r = do_bind(t, func, fargs, fkwargs);
    if (r == NULL) {
        return NULL;
    }
    Py_DECREF(r);
    return Py_NewRef(t);
}

/* tasklet(func): made a million times a second by some programs, so the
   usual call of the exact type skips the argument tuple and parser. */
static PyObject *
tasklet_vectorcall(PyObject *type, PyObject *const *args, size_t nargsf,
                   PyObject *kwnames)
{
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (type != (PyObject *)&PySlpTasklet_Type || kwnames != NULL
        || nargs > 1) {
        return _PyObject_MakeTpCall(_PyThreadState_GET(), type, args, nargs,
                                    kwnames);
    }
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    if (ts == NULL) {
        return NULL;
    }
    PyTaskletObject *t = _PySlp_NewTasklet(&PySlpTasklet_Type, ts);
    if (t == NULL) {
        return NULL;
    }
    if (nargs == 1) {
        PyObject *r = do_bind(t, args[0], NULL, NULL);
        if (r == NULL) {
            Py_DECREF(t);
            return NULL;
        }
        Py_DECREF(r);
    }
    return (PyObject *)t;
}

static int
tasklet_init(PyObject *self, PyObject *args, PyObject *kwds)
{
    PyObject *r = tasklet_bind((PyTaskletObject *)self, args, kwds);
    if (r == NULL) {
        return -1;
    }
    Py_DECREF(r);
    return 0;
}

static PyObject *
tasklet_setup(PyTaskletObject *t, PyObject *args, PyObject *kwds)
{
    if (_PySlp_CheckQueueChange(t->ts) < 0) {
        return NULL;
    }
    if (t->alive) {
        PyErr_SetString(PyExc_RuntimeError, "tasklet is alive");
        return NULL;
    }
    PyObject *r = do_bind(t, NULL, args, kwds ? kwds : NULL);
    if (r == NULL) {
        return NULL;
    }
    Py_DECREF(r);
    _PySlp_RingAppend(t->ts, t);
    return Py_NewRef(t);
}

/* ------------------------------------------------------------------ */
/* insert / remove / run / switch */

static int
check_runnable(PyTaskletObject *t)
{
    if (t->blocked) {
        PyErr_SetString(PyExc_RuntimeError,
                        "You cannot run a blocked tasklet");
        return -1;
    }
    if (!has_thread(t)) {
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

static PyObject *
tasklet_insert(PyTaskletObject *t, PyObject *Py_UNUSED(ignored))
{
    if (check_runnable(t) < 0 || _PySlp_CheckQueueChange(t->ts) < 0) {
        return NULL;
    }
    if (!t->in_ring) {
        _PySlp_RingAppend(t->ts, t);
    }
    return Py_NewRef(t);
}

static PyObject *
tasklet_remove(PyTaskletObject *t, PyObject *Py_UNUSED(ignored))
{
    if (t->blocked) {
        PyErr_SetString(PyExc_RuntimeError,
                        "You cannot remove a blocked tasklet.");
        return NULL;
    }
    if (is_current(t)) {
        PyErr_SetString(PyExc_RuntimeError,
                        "The current tasklet cannot be removed.");
        return NULL;
    }
    if (t->in_ring && _PySlp_CheckQueueChange(t->ts) < 0) {
        return NULL;
    }
    if (t->in_ring && t->ts != NULL) {
        _PySlp_RingRemove(t->ts, t);
    }
    return Py_NewRef(t);
}

static PyObject *
run_or_switch(PyTaskletObject *t, int remove)
{
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    if (ts == NULL) {
        return NULL;
    }
    if (!has_thread(t)) {
        return no_thread();
    }
    _PySlp_RunDeferredKills(ts);
    if (t->ts != ts) {
        if (remove) {
            PyErr_SetString(PyExc_RuntimeError,
                            "can't switch to a different thread.");
            return NULL;
        }
        /* Another thread's tasklet runs next there (spec §3.2). */
        if (check_runnable(t) < 0 || _PySlp_CheckQueueChange(t->ts) < 0) {
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
    if (check_runnable(t) < 0 || _PySlp_CheckSwitchTrap(ts) < 0) {
        return NULL;
    }
    if (!t->in_ring) {
        _PySlp_RingAppend(ts, t);
    }
    if (remove) {
        _PySlp_RingRemove(ts, cur);
    }
    return _PySlp_SwitchTo(ts, t);
}

static PyObject *
tasklet_run(PyTaskletObject *t, PyObject *const *args, Py_ssize_t nargs)
{
    if (!_PyArg_CheckPositional("run", nargs, 0, 0)) {
        return NULL;
    }
    _PySlp_NoteCall(args, nargs, 0, (void *)tasklet_run);
    return _PySlp_ForgetCallArgs(run_or_switch(t, 0));
}

static PyObject *
tasklet_switch(PyTaskletObject *t, PyObject *const *args, Py_ssize_t nargs)
{
    if (!_PyArg_CheckPositional("switch", nargs, 0, 0)) {
        return NULL;
    }
    _PySlp_NoteCall(args, nargs, 0, (void *)tasklet_switch);
    return _PySlp_ForgetCallArgs(run_or_switch(t, 1));
}

/* ------------------------------------------------------------------ */
/* kill / throw / raise_exception */

/* kill() returns None, whatever its caller is resumed with. */
static PyObject *
kill_resumed(PySlp_ThreadState *ts, PyTaskletObject *cur, PyObject *r)
{
    if (r == NULL) {
        return NULL;
    }
    Py_DECREF(r);
    Py_RETURN_NONE;
}

/* kill() and throw() are vectorcall so that they can switch softly. */
static PyObject *
tasklet_kill(PyTaskletObject *t, PyObject *const *args, Py_ssize_t nargs,
             PyObject *kwnames)
{
    static const char * const kwlist[] = {"pending", NULL};
    int pending = 0;
    if ((nargs != 0 || kwnames != NULL)
        && !_PySlp_ParseFast(args, nargs, kwnames, "|p:kill", kwlist,
                             &pending)) {
        return NULL;
    }
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    _PySlp_NoteCall(args, nargs, nkw, (void *)tasklet_kill);
    return _PySlp_ForgetCallArgs(_PySlp_KillThen(t, pending, kill_resumed));
}

static PyObject *
tasklet_throw(PyTaskletObject *t, PyObject *const *args, Py_ssize_t nargs,
              PyObject *kwnames)
{
    static const char * const kwlist[] = {"exc", "val", "tb", "pending",
                                          NULL};
    PyObject *type = NULL, *val = NULL, *tb = NULL;
    int pending = 0;
    if (!_PySlp_ParseFast(args, nargs, kwnames, "|OOOp:throw", kwlist,
                          &type, &val, &tb, &pending)) {
        return NULL;
    }
    if (type == NULL) {
        PyErr_SetString(PyExc_TypeError, "throw() needs an exception");
        return NULL;
    }
    PyObject *exc = _PySlp_MakeException(type, val, tb);
    if (exc == NULL) {
        return NULL;
    }
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    _PySlp_NoteCall(args, nargs, nkw, (void *)tasklet_throw);
    PyObject *r = _PySlp_Throw(t, exc, pending);
    Py_DECREF(exc);
    return _PySlp_ForgetCallArgs(r);
}

static PyObject *
tasklet_raise_exception(PyTaskletObject *t, PyObject *args)
{
    PyObject *exc = _PySlp_MakeExceptionFromArgs(
        args, "raise_exception", "tasklet.raise_exception");
    if (exc == NULL) {
        return NULL;
    }
    PyObject *r = _PySlp_Throw(t, exc, 0);
    Py_DECREF(exc);
    return r;
}

/* ------------------------------------------------------------------ */
/* Flags */

static int
flag_arg(PyObject *flag, const char *msg)
{
    if (!PyLong_Check(flag)) {
        PyErr_SetString(PyExc_TypeError, msg);
        return -1;
    }
    return _PyLong_Sign(flag) != 0;
}

static PyObject *
tasklet_set_atomic(PyTaskletObject *t, PyObject *flag)
{
    int v = flag_arg(flag, "set_atomic needs exactly one bool or integer");
    if (v < 0) {
        return NULL;
    }
    int old = t->atomic;
    t->atomic = v;
    return PyBool_FromLong(old);
}

static PyObject *
tasklet_set_ignore_nesting(PyTaskletObject *t, PyObject *flag)
{
    int v = flag_arg(flag,
                     "set_ignore_nesting needs exactly one bool or integer");
    if (v < 0) {
        return NULL;
    }
    int old = t->ignore_nesting;
    t->ignore_nesting = v;
    return PyBool_FromLong(old);
}

static PyThreadState *
find_thread(unsigned long id)
{
    PyInterpreterState *interp = _PyInterpreterState_GET();
    PyThreadState *ts = PyInterpreterState_ThreadHead(interp);
    for (; ts != NULL; ts = PyThreadState_Next(ts)) {
        if (ts->thread_id == id) {
            return ts;
        }
    }
    return NULL;
}

static PyObject *
tasklet_bind_thread(PyTaskletObject *t, PyObject *args)
{
    PyObject *idobj = NULL;
    if (!PyArg_UnpackTuple(args, "bind_thread", 0, 1, &idobj)) {
        return NULL;
    }
    PySlp_ThreadState *target;
    long long id = -1;
    if (idobj != NULL) {
        if (!PyLong_Check(idobj)) {
            PyErr_SetString(PyExc_TypeError,
                            "bind_thread() argument must be an int");
            return NULL;
        }
        if (_PyLong_Sign(idobj) < 0) {
            id = PyLong_AsLongLong(idobj);
            if (id == -1 && PyErr_Occurred()) {
                return NULL;
            }
            if (id != -1) {
                PyErr_SetString(PyExc_OverflowError,
                                "thread id must be -1 or not negative");
                return NULL;
            }
        }
        else {
            unsigned long long u = PyLong_AsUnsignedLongLong(idobj);
            if (u == (unsigned long long)-1 && PyErr_Occurred()) {
                return NULL;
            }
            id = (long long)u;
        }
    }
    if (id == -1 && t->ts != NULL && t->ts->tstate == _PyThreadState_GET()) {
        Py_RETURN_NONE;         /* already ours */
    }
    if (t->in_ring) {
        PyErr_SetString(PyExc_RuntimeError,
                        "can't (re)bind a runnable tasklet");
        return NULL;
    }
    if (has_cstate(t)) {
        PyErr_SetString(PyExc_RuntimeError,
                        "tasklet has C state on its stack");
        return NULL;
    }
    if (id == -1) {
        target = _PySlp_GetThreadState();
        if (target == NULL) {
            return NULL;
        }
    }
    else {
        PyThreadState *tstate = find_thread((unsigned long)id);
        target = tstate ? _PySlp_TS(tstate) : NULL;
        if (target == NULL) {
            PyErr_SetString(PyExc_ValueError, "bad thread");
            return NULL;
        }
    }
    if (target != t->ts) {
        _PySlp_ThreadStateIncref(target);
        if (t->ts != NULL) {
            _PySlp_ThreadStateDecref(t->ts);
        }
        t->ts = target;
        t->thread_id = target->thread_id;
    }
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------ */
/* contextvars (spec §13) */

static PyObject **
context_slot(PyTaskletObject *t)
{
    if (is_current(t)) {
        return &t->ts->tstate->context;
    }
    return &t->state.context;
}

/* The tasklet's context, made on first use; borrowed. */
static PyObject *
tasklet_context(PyTaskletObject *t)
{
    PyObject **slot = context_slot(t);
    if (*slot == NULL) {
        *slot = PyContext_New();
        if (*slot != NULL && is_current(t)) {
            t->ts->tstate->context_ver++;
        }
    }
    return *slot;
}

static PyObject *
tasklet_set_context(PyTaskletObject *t, PyObject *ctx)
{
    if (!PyContext_CheckExact(ctx)) {
        PyErr_SetString(PyExc_TypeError,
                        "set_context() argument must be a "
                        "contextvars.Context");
        return NULL;
    }
    if (is_current(t) && t->ts->tstate != _PyThreadState_GET()) {
        PyErr_SetString(PyExc_RuntimeError,
                        "You cannot set the context of the current tasklet "
                        "of another thread");
        return NULL;
    }
    PyObject **slot = context_slot(t);
    if (*slot != NULL && ((PyContext *)*slot)->ctx_entered) {
        /* Context.run() in the tasklet's frames expects to find its
           context again when it returns; else it stays entered for ever. */
        PyErr_SetString(PyExc_RuntimeError,
                        "cannot replace the context of a tasklet while it "
                        "is entered (inside Context.run())");
        return NULL;
    }
    Py_XSETREF(*slot, Py_NewRef(ctx));
    if (is_current(t)) {
        t->ts->tstate->context_ver++;
    }
    return Py_NewRef(t);
}

static PyObject *
tasklet_context_run(PyTaskletObject *t, PyObject *const *args,
                    Py_ssize_t nargs, PyObject *kwnames)
{
    if (nargs < 1) {
        PyErr_SetString(PyExc_TypeError,
                        "context_run() missing 1 required positional "
                        "argument");
        return NULL;
    }
    PyObject *ctx = tasklet_context(t);
    if (ctx == NULL) {
        return NULL;
    }
    Py_INCREF(ctx);
    PyThreadState *tstate = _PyThreadState_GET();
    /* The caller runs in t's context for the call, not entered: a switch
       inside the call carries it like any tasklet's context. */
    PyObject *saved = tstate->context;
    tstate->context = ctx;
    tstate->context_ver++;
    PyObject *r = PyObject_Vectorcall(args[0], args + 1, nargs - 1,
                                      kwnames);
    Py_XSETREF(tstate->context, saved);
    tstate->context_ver++;
    return r;
}

static PyObject *
get_context_id(PyTaskletObject *t, void *c)
{
    PyObject *ctx = tasklet_context(t);
    if (ctx == NULL) {
        return NULL;
    }
    return PyLong_FromVoidPtr(ctx);
}

/* ------------------------------------------------------------------ */
/* Pickling arrives with its own issue. */

static PyObject *
tasklet_reduce(PyTaskletObject *t, PyObject *Py_UNUSED(ignored))
{
    if (is_current(t)) {
        PyErr_SetString(PyExc_RuntimeError,
                        "You cannot __reduce__ the tasklet which is "
                        "current.");
        return NULL;
    }
    PyErr_SetString(PyExc_NotImplementedError,
                    "pickling tasklets is not implemented yet");
    return NULL;
}

static PyObject *
tasklet_setstate(PyTaskletObject *t, PyObject *state)
{
    PyErr_SetString(PyExc_NotImplementedError,
                    "unpickling tasklets is not implemented yet");
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Attributes */

static PyObject *
get_alive(PyTaskletObject *t, void *c)
{
    return PyBool_FromLong(t->alive && has_thread(t));
}

static PyObject *
get_paused(PyTaskletObject *t, void *c)
{
    return PyBool_FromLong(t->alive && has_thread(t) && !t->in_ring
                           && !t->blocked);
}

static PyObject *
get_scheduled(PyTaskletObject *t, void *c)
{
    return PyBool_FromLong(t->in_ring || t->blocked);
}

static PyObject *
get_blocked(PyTaskletObject *t, void *c)
{
    return PyBool_FromLong(t->blocked != 0);
}

static PyObject *
get_is_current(PyTaskletObject *t, void *c)
{
    return PyBool_FromLong(is_current(t));
}

static PyObject *
get_is_main(PyTaskletObject *t, void *c)
{
    return PyBool_FromLong(t->is_main && has_thread(t)
                           && t->ts->main == t);
}

static PyObject *
get_nesting_level(PyTaskletObject *t, void *c)
{
    return PyLong_FromLong(_PySlp_NestingLevel(t));
}

static PyObject *
get_restorable(PyTaskletObject *t, void *c)
{
    return PyBool_FromLong(_PySlp_NestingLevel(t) == 0);
}

static PyObject *
get_atomic(PyTaskletObject *t, void *c)
{
    return PyBool_FromLong(t->atomic);
}

static PyObject *
get_ignore_nesting(PyTaskletObject *t, void *c)
{
    return PyBool_FromLong(t->ignore_nesting);
}

static PyObject *
get_block_trap(PyTaskletObject *t, void *c)
{
    return PyBool_FromLong(t->block_trap);
}

static int
set_block_trap(PyTaskletObject *t, PyObject *v, void *c)
{
    if (v == NULL) {
        v = Py_False;
    }
    int f = flag_arg(v, "block_trap must be set to a bool or integer");
    if (f < 0) {
        return -1;
    }
    t->block_trap = f;
    return 0;
}

static PyObject *
get_thread_id(PyTaskletObject *t, void *c)
{
    if (!has_thread(t)) {
        return PyLong_FromLong(-1);
    }
    return PyLong_FromUnsignedLong(t->thread_id);
}

static PyObject *
neighbour(PyTaskletObject *n)
{
    return Py_NewRef(n ? (PyObject *)n : Py_None);
}

static PyObject *
get_next(PyTaskletObject *t, void *c)
{
    return neighbour(t->next);
}

static PyObject *
get_prev(PyTaskletObject *t, void *c)
{
    return neighbour(t->prev);
}

static PyObject *
get_frame(PyTaskletObject *t, void *c)
{
    _PyInterpreterFrame *f = NULL;
    if (is_current(t)) {
        f = t->ts->tstate->current_frame;
    }
    else if ((t->started || t->soft) && t->alive) {
        f = t->state.current_frame;
    }
    f = f ? _PyFrame_GetFirstComplete(f) : NULL;
    if (f == NULL) {
        Py_RETURN_NONE;
    }
    return Py_XNewRef((PyObject *)_PyFrame_GetFrameObject(f));
}

static PyObject *
get_tempval(PyTaskletObject *t, void *c)
{
    return Py_NewRef(t->tempval ? t->tempval : Py_None);
}

static int
set_tempval(PyTaskletObject *t, PyObject *v, void *c)
{
    Py_XSETREF(t->tempval, Py_NewRef(v ? v : Py_None));
    return 0;
}

static PyObject *
get_recursion_depth(PyTaskletObject *t, void *c)
{
    if (is_current(t)) {
        PyThreadState *tstate = t->ts->tstate;
        return PyLong_FromLong(tstate->py_recursion_limit
                               - tstate->py_recursion_remaining);
    }
    if ((t->started || t->soft) && t->alive) {
        return PyLong_FromLong(t->state.py_depth);
    }
    return PyLong_FromLong(0);
}

static PyObject *
get_channel(PyTaskletObject *t, void *c)
{
    return Py_NewRef(t->channel ? (PyObject *)t->channel : Py_None);
}

/* Tracing: for the current tasklet the thread state holds it. */

static PyObject *
get_trace_function(PyTaskletObject *t, void *c)
{
    PyObject *obj = is_current(t) ? t->ts->tstate->c_traceobj
                                  : t->state.c_traceobj;
    return Py_NewRef(obj ? obj : Py_None);
}

static PyObject *
get_profile_function(PyTaskletObject *t, void *c)
{
    PyObject *obj = is_current(t) ? t->ts->tstate->c_profileobj
                                  : t->state.c_profileobj;
    return Py_NewRef(obj ? obj : Py_None);
}

/* Set a tracer the way sys.settrace/setprofile would.  For a suspended
   tasklet, let sys do it on this thread, take the C-level pair it made,
   and put this thread's own back. */
static int
set_tracer(PyTaskletObject *t, PyObject *v, int profile)
{
    const char *which = profile ? "profile" : "trace";
    const char *setter = profile ? "setprofile" : "settrace";
    PyThreadState *tstate = _PyThreadState_GET();
    if (v == NULL) {
        v = Py_None;
    }
    if (v != Py_None && !(t->alive && has_thread(t))) {
        PyErr_SetString(PyExc_RuntimeError, "tasklet is not alive");
        return -1;
    }
    if (is_current(t) && t->ts->tstate != tstate) {
        PyErr_Format(PyExc_RuntimeError,
                     "You cannot set the %s function of the current "
                     "tasklet of another thread", which);
        return -1;
    }
    PyObject *sys = PyImport_ImportModule("sys");
    if (sys == NULL) {
        return -1;
    }
    if (is_current(t)) {
        PyObject *r = PyObject_CallMethod(sys, setter, "O", v);
        Py_DECREF(sys);
        Py_XDECREF(r);
        return r ? 0 : -1;
    }
    Py_tracefunc own_func = profile ? tstate->c_profilefunc
                                    : tstate->c_tracefunc;
    PyObject *own_obj = Py_XNewRef(profile ? tstate->c_profileobj
                                           : tstate->c_traceobj);
    PyObject *r = PyObject_CallMethod(sys, setter, "O", v);
    Py_DECREF(sys);
    if (r == NULL) {
        Py_XDECREF(own_obj);
        return -1;
    }
    Py_DECREF(r);
    if (profile) {
        t->state.c_profilefunc = tstate->c_profilefunc;
        Py_XSETREF(t->state.c_profileobj, Py_XNewRef(tstate->c_profileobj));
    }
    else {
        t->state.c_tracefunc = tstate->c_tracefunc;
        Py_XSETREF(t->state.c_traceobj, Py_XNewRef(tstate->c_traceobj));
    }
    int rc = profile ? _PyEval_SetProfile(tstate, own_func, own_obj)
                     : _PyEval_SetTrace(tstate, own_func, own_obj);
    Py_XDECREF(own_obj);
    return rc;
}

static int
set_trace_function(PyTaskletObject *t, PyObject *v, void *c)
{
    return set_tracer(t, v, 0);
}

static int
set_profile_function(PyTaskletObject *t, PyObject *v, void *c)
{
    return set_tracer(t, v, 1);
}

static PyGetSetDef tasklet_getset[] = {
    {"alive", (getter)get_alive, NULL,
     PyDoc_STR("has frames (or is set up) and its thread exists")},
    {"paused", (getter)get_paused, NULL,
     PyDoc_STR("alive and neither runnable nor blocked")},
    {"scheduled", (getter)get_scheduled, NULL,
     PyDoc_STR("runnable, current or blocked")},
    {"blocked", (getter)get_blocked, NULL,
     PyDoc_STR("waiting on a channel")},
    {"is_current", (getter)get_is_current, NULL,
     PyDoc_STR("the current tasklet of its thread")},
    {"is_main", (getter)get_is_main, NULL,
     PyDoc_STR("the main tasklet of its thread")},
    {"restorable", (getter)get_restorable, NULL,
     PyDoc_STR("holds no C state (nesting_level == 0)")},
    {"atomic", (getter)get_atomic, NULL,
     PyDoc_STR("not pre-empted; see set_atomic()")},
    {"ignore_nesting", (getter)get_ignore_nesting, NULL,
     PyDoc_STR("may be pre-empted with C state; see set_ignore_nesting()")},
    {"block_trap", (getter)get_block_trap, (setter)set_block_trap,
     PyDoc_STR("blocking on a channel raises RuntimeError")},
    {"thread_id", (getter)get_thread_id, NULL,
     PyDoc_STR("id of its thread, -1 once that thread has ended")},
    {"next", (getter)get_next, NULL,
     PyDoc_STR("next tasklet in the run queue or channel queue")},
    {"prev", (getter)get_prev, NULL,
     PyDoc_STR("previous tasklet in the run queue or channel queue")},
    {"frame", (getter)get_frame, NULL,
     PyDoc_STR("the innermost Python frame, or None")},
    {"tempval", (getter)get_tempval, (setter)set_tempval,
     PyDoc_STR("the value the tasklet resumes with")},
    {"recursion_depth", (getter)get_recursion_depth, NULL,
     PyDoc_STR("Python recursion depth of the tasklet")},
    {"nesting_level", (getter)get_nesting_level, NULL,
     PyDoc_STR("nested C-level interpreter invocations (C state)")},
    {"trace_function", (getter)get_trace_function,
     (setter)set_trace_function,
     PyDoc_STR("the tasklet's sys.settrace() function")},
    {"profile_function", (getter)get_profile_function,
     (setter)set_profile_function,
     PyDoc_STR("the tasklet's sys.setprofile() function")},
    {"context_id", (getter)get_context_id, NULL,
     PyDoc_STR("identifies the tasklet's contextvars.Context")},
    {"_channel", (getter)get_channel, NULL,
     PyDoc_STR("the channel the tasklet is blocked on, or None")},
    {NULL},
};

PyDoc_STRVAR(bind_doc, "bind(func=None, args=None, kwargs=None) -> self");
PyDoc_STRVAR(setup_doc, "setup(*args, **kwargs) -> self: bind the "
"arguments and make the tasklet runnable.");
PyDoc_STRVAR(insert_doc, "insert() -> self: append to the run queue.");
PyDoc_STRVAR(remove_doc, "remove() -> self: take out of the run queue.");
PyDoc_STRVAR(run_doc, "run(): switch to the tasklet; the caller stays "
"runnable.");
PyDoc_STRVAR(switch_doc, "switch(): switch to the tasklet; the caller is "
"paused.");
PyDoc_STRVAR(kill_doc, "kill(pending=False): raise TaskletExit in the "
"tasklet.");
PyDoc_STRVAR(throw_doc, "throw(exc=None, val=None, tb=None, pending=False)"
": raise an exception in the tasklet.");
PyDoc_STRVAR(raise_exception_doc, "raise_exception(exc_class, *args): "
"raise exc_class(*args) in the tasklet now.");
PyDoc_STRVAR(set_atomic_doc, "set_atomic(flag) -> previous value");
PyDoc_STRVAR(set_ignore_nesting_doc, "set_ignore_nesting(flag) -> previous "
"value");
PyDoc_STRVAR(bind_thread_doc, "bind_thread(thread_id=-1): move a tasklet "
"that is not runnable to a thread.");
PyDoc_STRVAR(set_context_doc, "set_context(ctx) -> self: the tasklet's "
"contextvars.Context becomes ctx.");
PyDoc_STRVAR(context_run_doc, "context_run(callable, *args, **kwargs): "
"call it in the tasklet's context.");

static PyObject *tasklet_call(PyObject *self, PyObject *args,
                              PyObject *kwds);

static PyMethodDef tasklet_methods[] = {
    {"bind", (PyCFunction)(void (*)(void))tasklet_bind,
     METH_VARARGS | METH_KEYWORDS, bind_doc},
    {"setup", (PyCFunction)(void (*)(void))tasklet_setup,
     METH_VARARGS | METH_KEYWORDS, setup_doc},
    {"insert", (PyCFunction)tasklet_insert, METH_NOARGS, insert_doc},
    {"remove", (PyCFunction)tasklet_remove, METH_NOARGS, remove_doc},
    {"run", (PyCFunction)(void (*)(void))tasklet_run, METH_FASTCALL,
     run_doc},
    {"switch", (PyCFunction)(void (*)(void))tasklet_switch, METH_FASTCALL,
     switch_doc},
    {"kill", (PyCFunction)(void (*)(void))tasklet_kill,
     METH_FASTCALL | METH_KEYWORDS, kill_doc},
    {"throw", (PyCFunction)(void (*)(void))tasklet_throw,
     METH_FASTCALL | METH_KEYWORDS, throw_doc},
    {"raise_exception", (PyCFunction)tasklet_raise_exception, METH_VARARGS,
     raise_exception_doc},
    {"set_atomic", (PyCFunction)tasklet_set_atomic, METH_O, set_atomic_doc},
    {"set_ignore_nesting", (PyCFunction)tasklet_set_ignore_nesting, METH_O,
     set_ignore_nesting_doc},
    {"bind_thread", (PyCFunction)tasklet_bind_thread, METH_VARARGS,
     bind_thread_doc},
    {"set_context", (PyCFunction)tasklet_set_context, METH_O,
     set_context_doc},
    {"context_run", (PyCFunction)(void (*)(void))tasklet_context_run,
     METH_FASTCALL | METH_KEYWORDS, context_run_doc},
    {"__reduce__", (PyCFunction)tasklet_reduce, METH_NOARGS, NULL},
    {"__reduce_ex__", (PyCFunction)tasklet_reduce, METH_O, NULL},
    {"__setstate__", (PyCFunction)tasklet_setstate, METH_O, NULL},
    {NULL, NULL},
};

static PyObject *
tasklet_call(PyObject *self, PyObject *args, PyObject *kwds)
{
    return tasklet_setup((PyTaskletObject *)self, args, kwds);
}

/* ------------------------------------------------------------------ */
/* Life cycle */

static int
tasklet_traverse(PyTaskletObject *t, visitproc visit, void *arg)
{
    Py_VISIT(t->tempval);
    Py_VISIT(t->func);
    Py_VISIT(t->args);
    Py_VISIT(t->kwargs);
    Py_VISIT(t->channel);
    if (!is_current(t)) {
        return _PySlp_IState_Traverse(t, visit, arg);
    }
    return 0;
}

static int
tasklet_clear(PyTaskletObject *t)
{
    Py_CLEAR(t->tempval);
    if (!t->started && !t->soft) {
        Py_CLEAR(t->func);
        Py_CLEAR(t->args);
        Py_CLEAR(t->kwargs);
        Py_CLEAR(t->state.context);
    }
    return 0;
}

static int
run_deferred_kills(void *Py_UNUSED(arg))
{
    if (_PyInterpreterState_GET()->gc.collecting) {
        /* Run by a finaliser's Python code during the same collection:
           too early.  Come back once it is over. */
        (void)Py_AddPendingCall(run_deferred_kills, NULL);
        return 0;
    }
    /* Where switching is not allowed for longer (inside a callback, a
       switch trap), the kills wait for the next stackless operation. */
    PySlp_ThreadState *ts = _PySlp_TS(_PyThreadState_GET());
    if (ts != NULL) {
        _PySlp_RunDeferredKills(ts);
    }
    return 0;
}

/* Keep t alive until it can be killed: by the next stackless operation
   of its thread, or in the main thread by a pending call as soon as the
   eval loop runs again. */
static void
defer_kill(PyTaskletObject *t)
{
    PySlp_ThreadState *ts = t->ts;
    PyObject *exc = PyErr_GetRaisedException();
    if (ts->deferred_kills == NULL) {
        ts->deferred_kills = PyList_New(0);
    }
    if (ts->deferred_kills == NULL
        || PyList_Append(ts->deferred_kills, (PyObject *)t) < 0) {
        PyErr_FormatUnraisable("Exception ignored while deferring the "
                               "kill of an unreachable tasklet");
    }
    else if (ts->tstate == _PyThreadState_GET() && _Py_IsMainThread()) {
        (void)Py_AddPendingCall(run_deferred_kills, NULL);
    }
    PyErr_SetRaisedException(exc);
}

/* spec §14: a suspended tasklet is killed before it goes away, so its
   cleanup code runs; one that refuses to die is kept in gc.garbage.
   Where it cannot be killed now (another thread's tasklet, no switch
   allowed: a collection, a callback, a switch trap), the kill is
   deferred (D18). */
static void
tasklet_finalize(PyObject *self)
{
    PyTaskletObject *t = (PyTaskletObject *)self;
    if (!has_frames(t) || t->is_main) {
        return;
    }
    PyThreadState *tstate = _PyThreadState_GET();
    if (t->ts->tstate != tstate || !_PySlp_CanSwitchNow(t->ts)) {
        defer_kill(t);
        return;
    }
    PyObject *exc = PyErr_GetRaisedException();
    for (int i = 0; i < 10 && has_frames(t); i++) {
        PyObject *r = _PySlp_Kill(t, 0);
        if (r == NULL) {
            PyErr_FormatUnraisable("Exception ignored while killing an "
                                   "unreachable tasklet %R", self);
        }
        Py_XDECREF(r);
    }
    if (has_frames(t)) {
        Py_CLEAR(t->tempval);
        PyObject *garbage = NULL;
        PyObject *gc = PyImport_ImportModule("gc");
        if (gc != NULL) {
            garbage = PyObject_GetAttrString(gc, "garbage");
            Py_DECREF(gc);
        }
        if (garbage == NULL || PyList_Append(garbage, self) < 0) {
            PyErr_FormatUnraisable("Exception ignored while keeping an "
                                   "unkillable tasklet");
        }
        Py_XDECREF(garbage);
        if (_Py_GetConfig()->verbose) {
            PySys_WriteStderr("stackless: tasklet %p could not be killed "
                              "and is kept in gc.garbage\n", self);
        }
    }
    PyErr_SetRaisedException(exc);
}

static void
tasklet_dealloc(PyTaskletObject *t)
{
    if (PyObject_CallFinalizerFromDealloc((PyObject *)t) < 0) {
        return;                 /* resurrected */
    }
    PyObject_GC_UnTrack(t);
    if (t->weakreflist != NULL) {
        PyObject_ClearWeakRefs((PyObject *)t);
    }
    assert(!t->in_ring && !t->blocked);
    if (t->started && t->alive && !t->is_main) {
        /* Its C stack still refers to its frames: keep both, leaked,
           rather than free memory something may still point into. */
        if (t->ts != NULL) {
            _PySlp_CStateUnlink(t->ts, t);
        }
        t->state.datastack_chunk = NULL;
        if (t->hard != NULL) {
            t->hard->cstack.copy = NULL;
            t->hard->home.copy = NULL;
        }
    }
    if (t->is_main) {
        /* The thread owns main's data stack. */
        t->state.datastack_chunk = NULL;
    }
    if (t->soft) {
        _PySlp_DropFrames(t);
    }
    if (t->ts != NULL) {
        _PySlp_CStateUnlink(t->ts, t);
    }
    _PySlp_IState_Clear(t);
    if (t->hard != NULL) {
        _PySlp_cstack_clear(&t->hard->cstack);
        _PySlp_cstack_clear(&t->hard->home);
        PyMem_Free(t->hard->cuts);
        PyMem_Free(t->hard);
    }
    Py_CLEAR(t->tempval);
    Py_CLEAR(t->func);
    Py_CLEAR(t->args);
    Py_CLEAR(t->kwargs);
    Py_CLEAR(t->channel);
    if (t->ts != NULL) {
        _PySlp_ThreadStateDecref(t->ts);
        t->ts = NULL;
    }
    Py_TYPE(t)->tp_free((PyObject *)t);
}

PyDoc_STRVAR(tasklet_doc,
"tasklet(func=None, args=None, kwargs=None)\n\
\n\
A microthread.  tasklet(func) binds func; calling the tasklet with\n\
arguments (setup) makes it runnable: stackless.tasklet(f)(1, 2).");

PyTypeObject PySlpTasklet_Type = {
    PyVarObject_HEAD_INIT(&PyType_Type, 0)
    .tp_name = "stackless.tasklet",
    .tp_basicsize = sizeof(PyTaskletObject),
    .tp_dealloc = (destructor)tasklet_dealloc,
    .tp_call = tasklet_call,
    .tp_vectorcall = tasklet_vectorcall,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC
                | Py_TPFLAGS_BASETYPE,
    .tp_doc = tasklet_doc,
    .tp_traverse = (traverseproc)tasklet_traverse,
    .tp_clear = (inquiry)tasklet_clear,
    .tp_weaklistoffset = offsetof(PyTaskletObject, weakreflist),
    .tp_methods = tasklet_methods,
    .tp_getset = tasklet_getset,
    .tp_init = tasklet_init,
    .tp_alloc = PyType_GenericAlloc,
    .tp_new = tasklet_new,
    .tp_free = PyObject_GC_Del,
    .tp_finalize = tasklet_finalize,
};
