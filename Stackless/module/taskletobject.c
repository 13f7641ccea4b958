/* stackless.tasklet's Python face: its methods and attributes (user
 * guide, "Tasklets").  The object itself, its life cycle and every state
 * change are the core's (core/tasklet.c, core/schedule.c, core/kill.c);
 * this file parses arguments, reads attributes and attaches both to the
 * type when the module is made.
 *
 * Argument Clinic writes the parsers (clinic/taskletobject.c.h, `make
 * clinic`).  run(), switch(), kill() and throw() parse by hand: they may
 * switch softly, which needs the raw vectorcall arguments (D22).
 */

#define Py_BUILD_CORE_MODULE 1    /* clinic: keyword tuples made lazily */
#include "slp_module.h"
#include "pycore_ceval.h"         // _PyEval_SetTrace()
#include "pycore_context.h"       // PyContext
#include "pycore_modsupport.h"    // _PyArg_UnpackKeywords()

/*[clinic input]
module stackless
class stackless.tasklet "PyTaskletObject *" "&PyTasklet_Type"
[clinic start generated code]*/
/*[clinic end generated code: output=da39a3ee5e6b4b0d input=3546dcce246a6749]*/

#include "clinic/taskletobject.c.h"

/* ------------------------------------------------------------------ */
/* bind / setup */

/*[clinic input]
stackless.tasklet.__init__ as tasklet_init

    func: object = None
    args: object = None
    kwargs: object = None

A microthread.

tasklet(func) binds func; calling the tasklet with arguments (setup)
makes it runnable: stackless.tasklet(f)(1, 2).
[clinic start generated code]*/

static int
tasklet_init_impl(PyTaskletObject *self, PyObject *func, PyObject *args,
                  PyObject *kwargs)
/*[clinic end generated code: output=48a01f8b349d6030 input=89ada57b4f071add]*/
{
    return _PySlp_TaskletBind(self, func, args, kwargs);
}

/*[clinic input]
stackless.tasklet.bind

    func: object = None
    args: object = None
    kwargs: object = None

Bind func, and set up the call func(*args, **kwargs) if either is given.

Without args and kwargs the tasklet only keeps func (None unbinds it);
with them it is paused, ready to run.  A paused tasklet without C state
loses its frames without running their cleanup code.  Returns self.
[clinic start generated code]*/

static PyObject *
stackless_tasklet_bind_impl(PyTaskletObject *self, PyObject *func,
                            PyObject *args, PyObject *kwargs)
/*[clinic end generated code: output=a8e22e41ecf64645 input=221107c7cf5f1e7a]*/
{
    if (_PySlp_TaskletBind(self, func, args, kwargs) < 0) {
        return NULL;
    }
    return Py_NewRef(self);
}

/* setup(*args, **kwargs): Argument Clinic of 3.13 has no **kwargs. */
static PyObject *
tasklet_setup(PyTaskletObject *t, PyObject *args, PyObject *kwds)
{
    if (_PySlp_TaskletSetup(t, args, kwds) < 0) {
        return NULL;
    }
    return Py_NewRef(t);
}

PyDoc_STRVAR(tasklet_setup__doc__,
"setup($self, /, *args, **kwargs)\n"
"--\n"
"\n"
"Set up the call func(*args, **kwargs) and make the tasklet runnable.\n"
"\n"
"The same as calling the tasklet.  Returns self.");

static PyObject *
tasklet_call(PyObject *self, PyObject *args, PyObject *kwds)
{
    return tasklet_setup((PyTaskletObject *)self, args, kwds);
}

/* ------------------------------------------------------------------ */
/* insert / remove / run / switch */

/*[clinic input]
stackless.tasklet.insert

Append a paused tasklet to its thread's run queue; returns self.
[clinic start generated code]*/

static PyObject *
stackless_tasklet_insert_impl(PyTaskletObject *self)
/*[clinic end generated code: output=44646609f79e5f40 input=70a47e23b3078e95]*/
{
    if (_PySlp_Insert(self) < 0) {
        return NULL;
    }
    return Py_NewRef(self);
}

/*[clinic input]
stackless.tasklet.remove

Take a runnable tasklet out of its thread's run queue; returns self.
[clinic start generated code]*/

static PyObject *
stackless_tasklet_remove_impl(PyTaskletObject *self)
/*[clinic end generated code: output=ed72fd726d4adfd8 input=d36ae9f5ede98209]*/
{
    if (self->blocked) {
        PyErr_SetString(PyExc_RuntimeError,
                        "You cannot remove a blocked tasklet.");
        return NULL;
    }
    if (_PySlp_IsCurrent(self)) {
        PyErr_SetString(PyExc_RuntimeError,
                        "The current tasklet cannot be removed.");
        return NULL;
    }
    if (self->in_ring && (_PySlp_CheckNotChanging(self) < 0
                          || _PySlp_CheckQueueChange(self->ts) < 0)) {
        return NULL;
    }
    if (self->in_ring && self->ts != NULL) {
        _PySlp_RingRemove(self->ts, self);
    }
    return Py_NewRef(self);
}

/* The methods below take no arguments and are METH_FASTCALL all the
   same: a soft switch needs to see where the call's arguments lie on
   the caller's value stack (D22).  The wording is METH_NOARGS's. */
static int
check_no_args(const char *name, Py_ssize_t nargs)
{
    if (nargs != 0) {
        PyErr_Format(PyExc_TypeError, "%s() takes no arguments (%zd given)",
                     name, nargs);
        return -1;
    }
    return 0;
}

static PyObject *
tasklet_run(PyTaskletObject *t, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_no_args("run", nargs) < 0) {
        return NULL;
    }
    _PySlp_NoteCall(args, nargs, 0, (void *)tasklet_run);
    return _PySlp_ForgetCallArgs(_PySlp_RunOrSwitch(t, 0));
}

PyDoc_STRVAR(tasklet_run__doc__,
"run($self, /)\n"
"--\n"
"\n"
"Switch to the tasklet now; the caller stays runnable.\n"
"\n"
"Returns the value the caller is resumed with, normally None.");

static PyObject *
tasklet_switch(PyTaskletObject *t, PyObject *const *args, Py_ssize_t nargs)
{
    if (check_no_args("switch", nargs) < 0) {
        return NULL;
    }
    _PySlp_NoteCall(args, nargs, 0, (void *)tasklet_switch);
    return _PySlp_ForgetCallArgs(_PySlp_RunOrSwitch(t, 1));
}

PyDoc_STRVAR(tasklet_switch__doc__,
"switch($self, /)\n"
"--\n"
"\n"
"Switch to the tasklet now; the caller is paused.\n"
"\n"
"Returns the value the caller is resumed with, normally None.");

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

/* kill(pending=False) and throw(...) parse as Argument Clinic would
   (CPython's own helper, no allocation), keeping the raw arguments. */
static PyObject *
tasklet_kill(PyTaskletObject *t, PyObject *const *args, Py_ssize_t nargs,
             PyObject *kwnames)
{
    static const char * const keywords[] = {"pending", NULL};
    static _PyArg_Parser parser = {.keywords = keywords, .fname = "kill"};
    PyObject *argsbuf[1] = {NULL};
    PyObject *const *a = _PyArg_UnpackKeywords(args, nargs, NULL, kwnames,
                                               &parser, 0, 1, 0, argsbuf);
    if (a == NULL) {
        return NULL;
    }
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    int pending = 0;
    if (nargs + nkw > 0 && a[0] != NULL) {
        pending = PyObject_IsTrue(a[0]);
        if (pending < 0) {
            return NULL;
        }
    }
    _PySlp_NoteCall(args, nargs, nkw, (void *)tasklet_kill);
    return _PySlp_ForgetCallArgs(_PySlp_KillThen(t, pending, kill_resumed));
}

PyDoc_STRVAR(tasklet_kill__doc__,
"kill($self, /, pending=False)\n"
"--\n"
"\n"
"End the tasklet by raising TaskletExit in it.\n"
"\n"
"Its finally blocks run now, or with pending=True when the scheduler\n"
"reaches it.  A dead tasklet is left alone.");

static PyObject *
tasklet_throw(PyTaskletObject *t, PyObject *const *args, Py_ssize_t nargs,
              PyObject *kwnames)
{
    static const char * const keywords[] = {"exc", "val", "tb", "pending",
                                            NULL};
    static _PyArg_Parser parser = {.keywords = keywords, .fname = "throw"};
    PyObject *argsbuf[4] = {NULL};
    PyObject *const *a = _PyArg_UnpackKeywords(args, nargs, NULL, kwnames,
                                               &parser, 0, 4, 0, argsbuf);
    if (a == NULL) {
        return NULL;
    }
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    Py_ssize_t given = nkw ? 4 : nargs;
    PyObject *type = given > 0 ? a[0] : NULL;
    PyObject *val = given > 1 ? a[1] : NULL;
    PyObject *tb = given > 2 ? a[2] : NULL;
    int pending = 0;
    if (given > 3 && a[3] != NULL) {
        pending = PyObject_IsTrue(a[3]);
        if (pending < 0) {
            return NULL;
        }
    }
    if (type == NULL) {
        PyErr_SetString(PyExc_TypeError, "throw() needs an exception");
        return NULL;
    }
    PyObject *exc = _PySlp_MakeException(type, val, tb);
    if (exc == NULL) {
        return NULL;
    }
    _PySlp_NoteCall(args, nargs, nkw, (void *)tasklet_throw);
    PyObject *r = _PySlp_ThrowThen(t, exc, pending, NULL);
    Py_DECREF(exc);
    return _PySlp_ForgetCallArgs(r);
}

PyDoc_STRVAR(tasklet_throw__doc__,
"throw($self, /, exc=None, val=None, tb=None, pending=False)\n"
"--\n"
"\n"
"Raise an exception in the tasklet, with the semantics of raise.\n"
"\n"
"It switches to the tasklet now, or with pending=True the exception\n"
"waits until the scheduler reaches it.");

/* raise_exception(exc_class, /, *args): by hand, for the message of a
   call without arguments (module/exceptionargs.c). */
static PyObject *
tasklet_raise_exception(PyTaskletObject *t, PyObject *args)
{
    PyObject *exc = _PySlp_MakeExceptionFromArgs(args, "raise_exception",
                                                 "tasklet.raise_exception");
    if (exc == NULL) {
        return NULL;
    }
    PyObject *r = _PySlp_ThrowThen(t, exc, 0, NULL);
    Py_DECREF(exc);
    return r;
}

PyDoc_STRVAR(tasklet_raise_exception__doc__,
"raise_exception($self, exc_class, /, *args)\n"
"--\n"
"\n"
"Raise exc_class(*args) in the tasklet and switch to it now.");

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

/*[clinic input]
stackless.tasklet.set_atomic

    flag: object

Set the atomic flag (no pre-emption while set); returns the old value.
[clinic start generated code]*/

static PyObject *
stackless_tasklet_set_atomic_impl(PyTaskletObject *self, PyObject *flag)
/*[clinic end generated code: output=a4276dadd0b66154 input=a740ca08f6a06b49]*/
{
    int v = flag_arg(flag, "set_atomic needs exactly one bool or integer");
    if (v < 0) {
        return NULL;
    }
    int old = self->atomic;
    self->atomic = v;
    return PyBool_FromLong(old);
}

/*[clinic input]
stackless.tasklet.set_ignore_nesting

    flag: object

Set the ignore_nesting flag; returns the old value.

A tasklet with this flag may be pre-empted even while it has C state.
[clinic start generated code]*/

static PyObject *
stackless_tasklet_set_ignore_nesting_impl(PyTaskletObject *self,
                                          PyObject *flag)
/*[clinic end generated code: output=8c48c775f457485e input=92d3243765a3b08a]*/
{
    int v = flag_arg(flag,
                     "set_ignore_nesting needs exactly one bool or integer");
    if (v < 0) {
        return NULL;
    }
    int old = self->ignore_nesting;
    self->ignore_nesting = v;
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

/*[clinic input]
stackless.tasklet.bind_thread

    thread_id as idobj: object(c_default='NULL') = -1
    /

Move a tasklet that is not runnable to a thread (-1: the calling one).
[clinic start generated code]*/

static PyObject *
stackless_tasklet_bind_thread_impl(PyTaskletObject *self, PyObject *idobj)
/*[clinic end generated code: output=d05ba0e775fe9d51 input=ff882a2d70e364a6]*/
{
    PyTaskletObject *t = self;
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
    if (_PySlp_CheckBindThread(t) < 0) {
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
    _PySlp_TaskletBindThread(t, target);
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------ */
/* contextvars: each tasklet has its own context (D13) */

static PyObject **
context_slot(PyTaskletObject *t)
{
    if (_PySlp_IsCurrent(t)) {
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
        if (*slot != NULL && _PySlp_IsCurrent(t)) {
            t->ts->tstate->context_ver++;
        }
    }
    return *slot;
}

/*[clinic input]
stackless.tasklet.set_context

    context as ctx: object

Give the tasklet another contextvars.Context; returns self.
[clinic start generated code]*/

static PyObject *
stackless_tasklet_set_context_impl(PyTaskletObject *self, PyObject *ctx)
/*[clinic end generated code: output=f89b235278316b2a input=3bde7dfdce4945f7]*/
{
    PyTaskletObject *t = self;
    if (!PyContext_CheckExact(ctx)) {
        PyErr_SetString(PyExc_TypeError,
                        "set_context() argument must be a "
                        "contextvars.Context");
        return NULL;
    }
    if (_PySlp_IsCurrent(t) && t->ts->tstate != _PyThreadState_GET()) {
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
    if (_PySlp_IsCurrent(t)) {
        t->ts->tstate->context_ver++;
    }
    return Py_NewRef(t);
}

/* context_run(callable, /, *args, **kwargs): Argument Clinic of 3.13 has
   no **kwargs. */
static PyObject *
tasklet_context_run(PyTaskletObject *t, PyObject *const *args,
                    Py_ssize_t nargs, PyObject *kwnames)
{
    if (nargs < 1) {
        PyErr_SetString(PyExc_TypeError,
                        "context_run() missing 1 required positional "
                        "argument: 'callable'");
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

PyDoc_STRVAR(tasklet_context_run__doc__,
"context_run($self, callable, /, *args, **kwargs)\n"
"--\n"
"\n"
"Call callable(*args, **kwargs) in the tasklet's context.");

/* ------------------------------------------------------------------ */
/* Pickling (module/pickling.c) */

/*[clinic input]
stackless.tasklet.__reduce__

Return (type, (), state) for pickle; not for the current tasklet.
[clinic start generated code]*/

static PyObject *
stackless_tasklet___reduce___impl(PyTaskletObject *self)
/*[clinic end generated code: output=b6a417664c9b2802 input=67ebe02ab53465f1]*/
{
    return _PySlp_TaskletReduce(self);
}

/*[clinic input]
stackless.tasklet.__reduce_ex__

    protocol: object
    /

Return the same as __reduce__(); the protocol is ignored.
[clinic start generated code]*/

static PyObject *
stackless_tasklet___reduce_ex__(PyTaskletObject *self, PyObject *protocol)
/*[clinic end generated code: output=9f2547fe02cd2d07 input=303b6ed03764c8a8]*/
{
    return stackless_tasklet___reduce___impl(self);
}

/*[clinic input]
stackless.tasklet.__setstate__

    state: object
    /

Rebuild a new tasklet from a pickled state; it is left paused.
[clinic start generated code]*/

static PyObject *
stackless_tasklet___setstate__(PyTaskletObject *self, PyObject *state)
/*[clinic end generated code: output=9008b0833d405c82 input=2199b2e1c0cc7bff]*/
{
    return _PySlp_TaskletSetState(self, state);
}

/* ------------------------------------------------------------------ */
/* Attributes */

static PyObject *
get_alive(PyTaskletObject *t, void *c)
{
    return PyBool_FromLong(t->alive && _PySlp_HasThread(t));
}

static PyObject *
get_paused(PyTaskletObject *t, void *c)
{
    return PyBool_FromLong(t->alive && _PySlp_HasThread(t) && !t->in_ring
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
    return PyBool_FromLong(_PySlp_IsCurrent(t));
}

static PyObject *
get_is_main(PyTaskletObject *t, void *c)
{
    return PyBool_FromLong(t->is_main && _PySlp_HasThread(t)
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
    if (!_PySlp_HasThread(t)) {
        return PyLong_FromLong(-1);
    }
    return PyLong_FromUnsignedLong(t->thread_id);
}

static PyObject *
neighbour(PyTaskletObject *n)
{
    /* A select entry shows as the tasklet it stands for. */
    return Py_NewRef(n ? (PyObject *)_PySlp_QueueOwner(n) : Py_None);
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
    if (_PySlp_IsCurrent(t)) {
        f = t->ts->tstate->current_frame;
    }
    else if (_PySlp_HasFrames(t) && t->alive) {
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
    if (_PySlp_IsCurrent(t)) {
        PyThreadState *tstate = t->ts->tstate;
        return PyLong_FromLong(tstate->py_recursion_limit
                               - tstate->py_recursion_remaining);
    }
    if (_PySlp_HasFrames(t) && t->alive) {
        return PyLong_FromLong(t->state.py_depth);
    }
    return PyLong_FromLong(0);
}

static PyObject *
get_channel(PyTaskletObject *t, void *c)
{
    if (t->blocked == PySlp_BLOCKED_SELECT) {
        Py_RETURN_NONE;         /* several channels */
    }
    return Py_NewRef(t->channel ? (PyObject *)t->channel : Py_None);
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

/* Tracing: for the current tasklet the thread state holds it. */

static PyObject *
get_trace_function(PyTaskletObject *t, void *c)
{
    PyObject *obj = _PySlp_IsCurrent(t) ? t->ts->tstate->c_traceobj
                                        : t->state.c_traceobj;
    return Py_NewRef(obj ? obj : Py_None);
}

static PyObject *
get_profile_function(PyTaskletObject *t, void *c)
{
    PyObject *obj = _PySlp_IsCurrent(t) ? t->ts->tstate->c_profileobj
                                        : t->state.c_profileobj;
    return Py_NewRef(obj ? obj : Py_None);
}

/* Set a tracer the way sys.settrace/setprofile would.  For a suspended
   tasklet, let sys do it on this thread, take the C-level pair it made,
   and put this thread's own back. */
int
_PySlp_TaskletSetTracer(PyTaskletObject *t, PyObject *v, int profile)
{
    const char *which = profile ? "profile" : "trace";
    const char *setter = profile ? "setprofile" : "settrace";
    PyThreadState *tstate = _PyThreadState_GET();
    if (v == NULL) {
        v = Py_None;
    }
    if (v != Py_None && !(t->alive && _PySlp_HasThread(t))) {
        PyErr_SetString(PyExc_RuntimeError, "tasklet is not alive");
        return -1;
    }
    if (_PySlp_IsCurrent(t) && t->ts->tstate != tstate) {
        PyErr_Format(PyExc_RuntimeError,
                     "You cannot set the %s function of the current "
                     "tasklet of another thread", which);
        return -1;
    }
    PyObject *sys = PyImport_ImportModule("sys");
    if (sys == NULL) {
        return -1;
    }
    if (_PySlp_IsCurrent(t)) {
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
    t->saved_tracers = 1;     /* loaded when it resumes */
    int rc = profile ? _PyEval_SetProfile(tstate, own_func, own_obj)
                     : _PyEval_SetTrace(tstate, own_func, own_obj);
    Py_XDECREF(own_obj);
    return rc;
}

static int
set_trace_function(PyTaskletObject *t, PyObject *v, void *c)
{
    return _PySlp_TaskletSetTracer(t, v, 0);
}

static int
set_profile_function(PyTaskletObject *t, PyObject *v, void *c)
{
    return _PySlp_TaskletSetTracer(t, v, 1);
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

#define FASTCALL_KW (METH_FASTCALL | METH_KEYWORDS)
#define FN(f) (PyCFunction)(void (*)(void))(f)

static PyMethodDef tasklet_methods[] = {
    STACKLESS_TASKLET_BIND_METHODDEF
    {"setup", FN(tasklet_setup), METH_VARARGS | METH_KEYWORDS,
     tasklet_setup__doc__},
    STACKLESS_TASKLET_INSERT_METHODDEF
    STACKLESS_TASKLET_REMOVE_METHODDEF
    {"run", FN(tasklet_run), METH_FASTCALL, tasklet_run__doc__},
    {"switch", FN(tasklet_switch), METH_FASTCALL, tasklet_switch__doc__},
    {"kill", FN(tasklet_kill), FASTCALL_KW, tasklet_kill__doc__},
    {"throw", FN(tasklet_throw), FASTCALL_KW, tasklet_throw__doc__},
    {"raise_exception", FN(tasklet_raise_exception), METH_VARARGS,
     tasklet_raise_exception__doc__},
    STACKLESS_TASKLET_SET_ATOMIC_METHODDEF
    STACKLESS_TASKLET_SET_IGNORE_NESTING_METHODDEF
    STACKLESS_TASKLET_BIND_THREAD_METHODDEF
    STACKLESS_TASKLET_SET_CONTEXT_METHODDEF
    {"context_run", FN(tasklet_context_run), FASTCALL_KW,
     tasklet_context_run__doc__},
    STACKLESS_TASKLET___REDUCE___METHODDEF
    STACKLESS_TASKLET___REDUCE_EX___METHODDEF
    STACKLESS_TASKLET___SETSTATE___METHODDEF
    {NULL, NULL},
};

int
_PySlp_TaskletTypeReady(void)
{
    PyTypeObject *type = &PyTasklet_Type;
    if (type->tp_flags & Py_TPFLAGS_READY) {
        return 0;
    }
    type->tp_doc = tasklet_init__doc__;
    type->tp_methods = tasklet_methods;
    type->tp_getset = tasklet_getset;
    type->tp_init = tasklet_init;
    type->tp_call = tasklet_call;
    return PyType_Ready(type);
}
