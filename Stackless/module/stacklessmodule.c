/* The built-in `stackless` module: scheduling functions, callbacks, the
 * atomic context manager and computed attributes (user guide).
 *
 * It is compiled into the interpreter (Modules/config.c registers it), not
 * built as a shared library: the scheduler lives in the core and every
 * thread state refers to it, so it cannot be optional or loaded late.
 *
 * Argument Clinic writes the parsers (clinic/stacklessmodule.c.h, `make
 * clinic`).  schedule(), schedule_remove() and run() parse by hand: they
 * may switch softly, which needs the raw vectorcall arguments (D22).
 */

#define Py_BUILD_CORE_MODULE 1    /* clinic: keyword tuples made lazily */
#include "slp_module.h"
#include "stackless_version.h"
#include "pycore_modsupport.h"    // _PyArg_UnpackKeywords()


/*[clinic input]
module stackless
class stackless.atomic "AtomicObject *" "&Atomic_Type"
class stackless.StacklessModuleType "PyObject *" "&StacklessModule_Type"
[clinic start generated code]*/
/*[clinic end generated code: output=da39a3ee5e6b4b0d input=3122feecb96f5d8c]*/

typedef struct {
    PyObject_HEAD
    int saved;
} AtomicObject;

static PyTypeObject Atomic_Type;

#include "clinic/stacklessmodule.c.h"

/* ------------------------------------------------------------------ */
/* Scheduling functions */

/*[clinic input]
stackless.getcurrent

Return the current tasklet of this thread.
[clinic start generated code]*/

static PyObject *
stackless_getcurrent_impl(PyObject *module)
/*[clinic end generated code: output=ccbcf4e24c7af4e1 input=b5a834e196892885]*/
{
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    return ts ? Py_NewRef(ts->current) : NULL;
}

/*[clinic input]
stackless.getmain

Return the main tasklet of this thread.
[clinic start generated code]*/

static PyObject *
stackless_getmain_impl(PyObject *module)
/*[clinic end generated code: output=2721cd4cf73e5be0 input=22f060627b0833b5]*/
{
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    return ts ? Py_NewRef(ts->main) : NULL;
}

/*[clinic input]
stackless.getruncount

Return the number of runnable tasklets, the current one included.
[clinic start generated code]*/

static PyObject *
stackless_getruncount_impl(PyObject *module)
/*[clinic end generated code: output=1db88ac9fd6504e2 input=f7fe1793c8186213]*/
{
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    return ts ? PyLong_FromSsize_t(ts->runcount) : NULL;
}

/*[clinic input]
stackless.getcurrentid

Return a cheap id of the current tasklet (main's is the thread id).
[clinic start generated code]*/

static PyObject *
stackless_getcurrentid_impl(PyObject *module)
/*[clinic end generated code: output=f3eea6ab935c5603 input=da3ff2bacda73fde]*/
{
    PyThreadState *tstate = _PyThreadState_GET();
    PySlp_ThreadState *ts = _PySlp_TS(tstate);
    if (ts == NULL || ts->current == ts->main) {
        return PyLong_FromUnsignedLong(tstate->thread_id);
    }
    return PyLong_FromVoidPtr(ts->current);
}

/* schedule(retval=<current>) and schedule_remove(): parsed by hand,
   without allocation, keeping the raw arguments for a soft switch. */
static PyObject *
schedule_impl(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
              _PyArg_Parser *parser, int remove, void *cfunc)
{
    PyObject *argsbuf[1] = {NULL};
    PyObject *const *a = _PyArg_UnpackKeywords(args, nargs, NULL, kwnames,
                                               parser, 0, 1, 0, argsbuf);
    if (a == NULL) {
        return NULL;
    }
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    PyObject *retval = nargs + nkw > 0 ? a[0] : NULL;
    _PySlp_NoteCall(args, nargs, nkw, cfunc);
    return _PySlp_ForgetCallArgs(_PySlp_Schedule(retval, remove));
}

static const char * const schedule_keywords[] = {"retval", NULL};

static PyObject *
slp_schedule(PyObject *m, PyObject *const *args, Py_ssize_t nargs,
             PyObject *kwnames)
{
    static _PyArg_Parser parser = {.keywords = schedule_keywords,
                                   .fname = "schedule"};
    return schedule_impl(args, nargs, kwnames, &parser, 0,
                         (void *)slp_schedule);
}

PyDoc_STRVAR(slp_schedule__doc__,
"schedule($module, /, retval=None)\n"
"--\n"
"\n"
"Let the next runnable tasklet run; the caller stays runnable.\n"
"\n"
"Returns retval (the current tasklet if it is not given) when the caller\n"
"runs again.");

static PyObject *
slp_schedule_remove(PyObject *m, PyObject *const *args, Py_ssize_t nargs,
                    PyObject *kwnames)
{
    static _PyArg_Parser parser = {.keywords = schedule_keywords,
                                   .fname = "schedule_remove"};
    return schedule_impl(args, nargs, kwnames, &parser, 1,
                         (void *)slp_schedule_remove);
}

/* PEP 562: `stackless.aio`, the asyncio bridge, is written in Python
   (Lib/_stackless_aio.py) and imported on first use, so that importing
   stackless does not import asyncio. */
static PyObject *
slp_module_getattr(PyObject *m, PyObject *name)
{
    if (PyUnicode_Check(name) && PyUnicode_EqualToUTF8(name, "aio")) {
        PyObject *aio = PyImport_ImportModule("_stackless_aio");
        if (aio != NULL && PyObject_SetAttr(m, name, aio) < 0) {
            Py_CLEAR(aio);
        }
        return aio;
    }
    PyErr_Format(PyExc_AttributeError,
                 "module 'stackless' has no attribute %R", name);
    return NULL;
}

/* _set_wakeup_fd(fd): for an event loop that runs this thread's
   tasklets (stackless.aio, D46), which sleeps in its selector rather
   than in the scheduler: a byte is written to fd whenever another thread
   makes one of this thread's tasklets runnable.  -1 turns it off.
   Returns the previous fd. */
static PyObject *
slp_set_wakeup_fd(PyObject *m, PyObject *arg)
{
    int fd = PyLong_AsInt(arg);
    if (fd == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (fd < -1) {
        PyErr_SetString(PyExc_ValueError, "fd must be -1 or a file descriptor");
        return NULL;
    }
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    if (ts == NULL) {
        return NULL;
    }
    int old = ts->wakeup_fd;
    ts->wakeup_fd = fd;
    return PyLong_FromLong(old);
}

/* _coro_send(coro): one step of a coroutine for stackless.aio (D46):
   (True, its result) when it returned, (False, what it yielded).
   PyIter_Send reports the return without raising StopIteration, so the
   step makes no exception and no traceback (which would also make a
   frame object for the caller's frame), as a Task's C step does not. */
static PyObject *
slp_coro_send(PyObject *m, PyObject *coro)
{
    PyObject *r;
    PySendResult how = PyIter_Send(coro, Py_None, &r);
    if (how == PYGEN_ERROR) {
        return NULL;
    }
    PyObject *t = PyTuple_Pack(2, how == PYGEN_RETURN ? Py_True : Py_False,
                               r);
    Py_DECREF(r);
    return t;
}

/* select(ops, block=True): parsed by hand, as it may switch softly. */
static PyObject *
slp_select(PyObject *m, PyObject *const *args, Py_ssize_t nargs,
           PyObject *kwnames)
{
    static const char * const keywords[] = {"ops", "block", NULL};
    static _PyArg_Parser parser = {.keywords = keywords, .fname = "select"};
    PyObject *argsbuf[2] = {NULL, NULL};
    PyObject *const *a = _PyArg_UnpackKeywords(args, nargs, NULL, kwnames,
                                               &parser, 1, 2, 0, argsbuf);
    if (a == NULL) {
        return NULL;
    }
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    int block = 1;
    if (nargs + nkw > 1 && (block = PyObject_IsTrue(a[1])) < 0) {
        return NULL;
    }
    _PySlp_NoteCall(args, nargs, nkw, (void *)slp_select);
    return _PySlp_ForgetCallArgs(_PySlp_Select(a[0], block));
}

PyDoc_STRVAR(slp_select__doc__,
"select($module, /, ops, block=True)\n"
"--\n"
"\n"
"Make exactly one of several channel operations.\n"
"\n"
"Each item of ops is a channel, to receive from it, or a tuple\n"
"(channel, value), to send value over it.  Returns (index, value): the\n"
"index in ops of the operation made, and the value received (None for a\n"
"send).  If several can happen now, one is chosen at random.  If none\n"
"can, the caller blocks until a partner arrives on any of the channels;\n"
"with block false it returns None instead.");

PyDoc_STRVAR(slp_schedule_remove__doc__,
"schedule_remove($module, /, retval=None)\n"
"--\n"
"\n"
"Pause the caller and let the next runnable tasklet run.\n"
"\n"
"Returns retval (the current tasklet if it is not given) when the caller\n"
"is made to run again.");

/* An int argument of run(); `a` NULL means not given. */
static int
run_int_arg(PyObject *a, long *out)
{
    if (a == NULL) {
        return 0;
    }
    long v = PyLong_AsLong(a);
    if (v == -1 && PyErr_Occurred()) {
        return -1;
    }
    *out = v;
    return 0;
}

static PyObject *
slp_run(PyObject *m, PyObject *const *args, Py_ssize_t nargs,
        PyObject *kwnames)
{
    static const char * const keywords[] = {
        "timeout", "threadblock", "soft", "ignore_nesting", "totaltimeout",
        "budget", NULL};
    static _PyArg_Parser parser = {.keywords = keywords, .fname = "run"};
    PyObject *argsbuf[6] = {NULL};
    PyObject *const *a = _PyArg_UnpackKeywords(args, nargs, NULL, kwnames,
                                               &parser, 0, 5, 0, argsbuf);
    if (a == NULL) {
        return NULL;
    }
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    Py_ssize_t given = nkw ? 5 : nargs;
    long values[5] = {0, 0, 0, 0, 0};
    for (Py_ssize_t i = 0; i < given; i++) {
        if (run_int_arg(a[i], &values[i]) < 0) {
            return NULL;
        }
    }
    /* Ours: a wall-clock budget in seconds (keyword only). */
    double budget = 0;
    if (nkw && a[5] != NULL && a[5] != Py_None) {
        budget = PyFloat_AsDouble(a[5]);
        if (budget == -1 && PyErr_Occurred()) {
            return NULL;
        }
    }
    int flags = (values[1] ? PySlp_PREEMPT_THREADBLOCK : 0)
                | (values[2] ? PySlp_PREEMPT_SOFT : 0)
                | (values[3] ? PySlp_PREEMPT_IGNORE_NEST : 0)
                | (values[4] ? PySlp_PREEMPT_TOTAL : 0);
    _PySlp_NoteCall(args, nargs, nkw, (void *)slp_run);
    return _PySlp_ForgetCallArgs(_PySlp_RunWatchdog(values[0], flags,
                                                    budget));
}

PyDoc_STRVAR(slp_run__doc__,
"run($module, /, timeout=0, threadblock=False, soft=False,\n"
"    ignore_nesting=False, totaltimeout=False, *, budget=None)\n"
"--\n"
"\n"
"Run the runnable tasklets until none is left, then return.\n"
"\n"
"With timeout > 0 (ticks: loop iterations and Python frame starts) or a\n"
"budget in seconds, this call pre-empts: a tasklet that runs longer than\n"
"timeout ticks in one go, or whatever runs when the budget is spent, is\n"
"interrupted, and run() returns it, paused.  The flags apply only then.");

/*[clinic input]
stackless.get_thread_info

    thread_id as idobj: object(c_default='NULL') = -1
    flags: long = 0
    /

Return (main, current, runcount) of a thread (-1: the calling one).
[clinic start generated code]*/

static PyObject *
stackless_get_thread_info_impl(PyObject *module, PyObject *idobj, long flags)
/*[clinic end generated code: output=b8dfb89d0b5e9cb4 input=f2bcbbe290dc36ae]*/
{
    PyThreadState *tstate = _PyThreadState_GET();
    if (idobj != NULL && !PyLong_Check(idobj)) {
        PyErr_Format(PyExc_TypeError,
                     "get_thread_info() argument 1 must be int, not %T",
                     idobj);
        return NULL;
    }
    if (idobj != NULL) {
        long long id = PyLong_AsLongLong(idobj);
        if (id == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            id = (long long)PyLong_AsUnsignedLongLong(idobj);
            if (PyErr_Occurred()) {
                return NULL;
            }
        }
        if (id != -1) {
            PyThreadState *t = PyInterpreterState_ThreadHead(tstate->interp);
            while (t != NULL && t->thread_id != (unsigned long)id) {
                t = PyThreadState_Next(t);
            }
            if (t == NULL) {
                PyErr_SetString(PyExc_RuntimeError, "Thread id not found");
                return NULL;
            }
            tstate = t;
        }
    }
    PySlp_ThreadState *ts = _PySlp_TS(tstate);
    if (ts == NULL && tstate == _PyThreadState_GET()) {
        ts = _PySlp_GetThreadState();
        if (ts == NULL) {
            return NULL;
        }
    }
    PyObject *info;
    if (ts == NULL) {
        info = Py_BuildValue("[OOi]", Py_None, Py_None, 0);
    }
    else {
        info = Py_BuildValue("[OOn]",
                             ts->main ? (PyObject *)ts->main : Py_None,
                             ts->runcount && ts->current
                             ? (PyObject *)ts->current : Py_None,
                             ts->runcount);
    }
    if (info == NULL) {
        return NULL;
    }
    /* Bit 30: three numbers about the C stack (ours: see the reference,
       get_thread_info); bit 31: the watchdog list, outermost first. */
    if (flags & (1L << 30)) {
        PyObject *c = ts == NULL ? Py_BuildValue("(iii)", 0, 0, 0)
                      : _PySlp_CStackInfo(ts);
        int rc = c == NULL ? -1 : PyList_SetSlice(info, PY_SSIZE_T_MAX,
                                                  PY_SSIZE_T_MAX, c);
        Py_XDECREF(c);
        if (rc < 0) {
            Py_DECREF(info);
            return NULL;
        }
    }
    if (flags & (1L << 31)) {
        PyObject *w = ts == NULL ? PyList_New(0)
                      : PyList_GetSlice(ts->watchdogs, 0, PY_SSIZE_T_MAX);
        int rc = w == NULL ? -1 : PyList_Append(info, w);
        Py_XDECREF(w);
        if (rc < 0) {
            Py_DECREF(info);
            return NULL;
        }
    }
    PyObject *t = PyList_AsTuple(info);
    Py_DECREF(info);
    return t;
}

/*[clinic input]
stackless.switch_trap

    change: int = 0

Add change to this thread's switch trap; return the previous level.

While the level is not zero, every switch to another tasklet raises
RuntimeError.
[clinic start generated code]*/

static PyObject *
stackless_switch_trap_impl(PyObject *module, int change)
/*[clinic end generated code: output=1649bac040280dc5 input=eb94aaf962641ee2]*/
{
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    if (ts == NULL) {
        return NULL;
    }
    int old = ts->switch_trap;
    ts->switch_trap += change;
    /* Kills deferred while the trap was set may happen now. */
    _PySlp_RunDeferredKills(ts);
    if (PyErr_Occurred()) {
        return NULL;
    }
    return PyLong_FromLong(old);
}

/* ------------------------------------------------------------------ */
/* Callbacks: interpreter-wide, one set per interpreter (D31) */

static PySlp_Settings *
settings(void)
{
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    return ts ? ts->settings : NULL;
}

static PyObject *
set_callback(PyObject **slot, PyObject *cb, const char *msg)
{
    if (cb != Py_None && !PyCallable_Check(cb)) {
        PyErr_SetString(PyExc_TypeError, msg);
        return NULL;
    }
    PyObject *old = *slot;
    *slot = cb == Py_None ? NULL : Py_NewRef(cb);
    return old ? old : Py_NewRef(Py_None);
}

/*[clinic input]
stackless.set_schedule_callback

    callable as cb: object
    /

Install cb(prev, next), called before every switch; return the old one.

None removes it.
[clinic start generated code]*/

static PyObject *
stackless_set_schedule_callback(PyObject *module, PyObject *cb)
/*[clinic end generated code: output=99544272162d4438 input=a427efd33bb76a37]*/
{
    PySlp_Settings *s = settings();
    if (s == NULL) {
        return NULL;
    }
    PyObject *old = set_callback(&s->schedule_callback, cb,
                                 "schedule callback must be callable");
    if (old != NULL) {
        /* One slot: a C hook of the C API is replaced (docs/c-api.md). */
        s->schedule_hook = NULL;
    }
    return old;
}

/*[clinic input]
stackless.get_schedule_callback

Return the schedule callback, or None.
[clinic start generated code]*/

static PyObject *
stackless_get_schedule_callback_impl(PyObject *module)
/*[clinic end generated code: output=92e5b157fc97c1fa input=6ab44fe7a789b2c7]*/
{
    PySlp_Settings *s = settings();
    if (s == NULL) {
        return NULL;
    }
    PyObject *cb = s->schedule_callback;
    return Py_NewRef(cb ? cb : Py_None);
}

/*[clinic input]
stackless.set_channel_callback

    callable as cb: object
    /

Install cb(channel, tasklet, sending, willblock); return the old one.

It is called before every channel action.  None removes it.
[clinic start generated code]*/

static PyObject *
stackless_set_channel_callback(PyObject *module, PyObject *cb)
/*[clinic end generated code: output=014cce2e6a1e8325 input=ca85abb0f81ae79d]*/
{
    PySlp_Settings *s = settings();
    return s ? set_callback(&s->channel_callback, cb,
                            "channel callback must be callable") : NULL;
}

/*[clinic input]
stackless.get_channel_callback

Return the channel callback, or None.
[clinic start generated code]*/

static PyObject *
stackless_get_channel_callback_impl(PyObject *module)
/*[clinic end generated code: output=82b31a5bb183e64b input=7424777291a9f7d8]*/
{
    PySlp_Settings *s = settings();
    if (s == NULL) {
        return NULL;
    }
    PyObject *cb = s->channel_callback;
    return Py_NewRef(cb ? cb : Py_None);
}

/*[clinic input]
stackless.set_error_handler

    handler: object = None
    /

Install handler(type, value, traceback) for tasklets' unhandled errors.

Returns the old one; None removes it.
[clinic start generated code]*/

static PyObject *
stackless_set_error_handler_impl(PyObject *module, PyObject *handler)
/*[clinic end generated code: output=0958d4dbd5590835 input=a9a2a6d27b04f891]*/
{
    PySlp_Settings *s = settings();
    return s ? set_callback(&s->error_handler, handler,
                            "error handler must be callable") : NULL;
}

/* ------------------------------------------------------------------ */
/* Switching mode, pickle flags */

/*[clinic input]
stackless.enable_softswitch

    flag: object
    /

Turn soft switching on or off; return the previous setting.

None only asks.
[clinic start generated code]*/

static PyObject *
stackless_enable_softswitch(PyObject *module, PyObject *flag)
/*[clinic end generated code: output=287d663327b0bf4e input=7bb5367447e1ab3f]*/
{
    PySlp_Settings *s = settings();
    if (s == NULL) {
        return NULL;
    }
    int old = s->softswitch;
    if (flag != Py_None) {
        int v = PyObject_IsTrue(flag);
        if (v < 0) {
            return NULL;
        }
        if (!v && !SLP_HARD_SWITCH) {
            PyErr_SetString(PyExc_RuntimeError,
                            "soft switching cannot be turned off: this "
                            "interpreter is built without hard switching "
                            "(soft-only)");
            return NULL;
        }
        s->softswitch = v;
    }
    return PyBool_FromLong(old);
}

static PyObject *
update_flags(long *slot, long value, long mask)
{
    long old = *slot;
    if (value == -1) {
        return PyLong_FromLong(old);
    }
    if (value < -1 || (value & mask & ~PySlp_PICKLEFLAGS_MASK)) {
        PyErr_SetString(PyExc_ValueError,
                        "you must not set an undefined pickle-flag");
        return NULL;
    }
    *slot = (old & ~mask) | (value & mask);
    return PyLong_FromLong(old);
}

/*[clinic input]
stackless.pickle_flags

    new_flags: long = -1
    mask: long = -1

Set this thread's pickle flags to (old & ~mask) | (new_flags & mask).

Returns the old flags; -1 changes nothing.
[clinic start generated code]*/

static PyObject *
stackless_pickle_flags_impl(PyObject *module, long new_flags, long mask)
/*[clinic end generated code: output=1aefd0e144e3caac input=74a8ed00eda65faf]*/
{
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    return ts ? update_flags(&ts->pickle_flags, new_flags, mask) : NULL;
}

/*[clinic input]
stackless.pickle_flags_default

    new_default: long = -1
    mask: long = -1

Set the pickle flags new threads start with, as pickle_flags() does.
[clinic start generated code]*/

static PyObject *
stackless_pickle_flags_default_impl(PyObject *module, long new_default,
                                    long mask)
/*[clinic end generated code: output=5b6f084054cd9f90 input=5770d80d1e057fd0]*/
{
    PySlp_Settings *s = settings();
    return s ? update_flags(&s->pickle_flags_default, new_default, mask)
             : NULL;
}

/* ------------------------------------------------------------------ */
/* Miscellaneous */

/*[clinic input]
stackless.getdebug

Return True for a debug build of the interpreter.
[clinic start generated code]*/

static PyObject *
stackless_getdebug_impl(PyObject *module)
/*[clinic end generated code: output=2283e93647e5833c input=eaf12674fe96de30]*/
{
#ifdef Py_DEBUG
    Py_RETURN_TRUE;
#else
    Py_RETURN_FALSE;
#endif
}

/*[clinic input]
stackless.getuncollectables

Return the suspended tasklets that hold C state (a saved C stack).
[clinic start generated code]*/

static PyObject *
stackless_getuncollectables_impl(PyObject *module)
/*[clinic end generated code: output=1ac756d6958120f8 input=c446c316b8e99eb5]*/
{
    PyObject *list = PyList_New(0);
    if (list == NULL) {
        return NULL;
    }
    PyInterpreterState *interp = _PyInterpreterState_GET();
    PyThreadState *t = PyInterpreterState_ThreadHead(interp);
    for (; t != NULL; t = PyThreadState_Next(t)) {
        PySlp_ThreadState *ts = _PySlp_TS(t);
        PyTaskletObject *h = ts ? ts->begun_head : NULL;
        PyTaskletObject *c = h;
        while (c != NULL) {
            /* The list holds soft tasklets too: only C state counts. */
            if (c != ts->current && c->has_cstack
                && PyList_Append(list, (PyObject *)c) < 0) {
                Py_DECREF(list);
                return NULL;
            }
            c = c->begun_next == h ? NULL : c->begun_next;
        }
    }
    return list;
}

/*[clinic input]
stackless.getthreads

Return the ids of all threads of the interpreter, oldest first.
[clinic start generated code]*/

static PyObject *
stackless_getthreads_impl(PyObject *module)
/*[clinic end generated code: output=acf4f0b0807b8dda input=fb9c0a46f58018dd]*/
{
    PyObject *list = PyList_New(0);
    if (list == NULL) {
        return NULL;
    }
    PyInterpreterState *interp = _PyInterpreterState_GET();
    PyThreadState *t = PyInterpreterState_ThreadHead(interp);
    for (; t != NULL; t = PyThreadState_Next(t)) {
        PyObject *id = PyLong_FromUnsignedLong(t->thread_id);
        /* The list starts with the newest thread: put each in front. */
        if (id == NULL || PyList_Insert(list, 0, id) < 0) {
            Py_XDECREF(id);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(id);
    }
    return list;
}

/* ------------------------------------------------------------------ */
/* atomic: a context manager over the current tasklet's atomic flag */

static PyObject *
atomic_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    /* Arguments are ignored. */
    return type->tp_alloc(type, 0);
}

/*[clinic input]
stackless.atomic.__enter__

Make the current tasklet atomic, remembering its old flag.
[clinic start generated code]*/

static PyObject *
stackless_atomic___enter___impl(AtomicObject *self)
/*[clinic end generated code: output=96c6d6d8caa17767 input=f36ad823b627fcc7]*/
{
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    if (ts == NULL) {
        return NULL;
    }
    self->saved = ts->current->atomic;
    ts->current->atomic = 1;
    return Py_NewRef(self);
}

/*[clinic input]
stackless.atomic.__exit__

    exc_type: object
    exc_value: object
    traceback: object
    /

Give the current tasklet its old atomic flag back.
[clinic start generated code]*/

static PyObject *
stackless_atomic___exit___impl(AtomicObject *self, PyObject *exc_type,
                               PyObject *exc_value, PyObject *traceback)
/*[clinic end generated code: output=23a56ba752d6e9d6 input=8480de1a94a9f103]*/
{
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    if (ts == NULL) {
        return NULL;
    }
    ts->current->atomic = self->saved;
    Py_RETURN_FALSE;
}

static PyMethodDef atomic_methods[] = {
    STACKLESS_ATOMIC___ENTER___METHODDEF
    STACKLESS_ATOMIC___EXIT___METHODDEF
    {NULL, NULL},
};

static PyTypeObject Atomic_Type = {
    PyVarObject_HEAD_INIT(&PyType_Type, 0)
    .tp_name = "stackless.atomic",
    .tp_basicsize = sizeof(AtomicObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = PyDoc_STR("atomic(*args, **kwargs)\n--\n\n"
                        "with atomic(): the current tasklet is atomic "
                        "inside the block.  Arguments are ignored."),
    .tp_methods = atomic_methods,
    .tp_new = atomic_new,
};

/* ------------------------------------------------------------------ */
/* The module object's class: attributes computed on every access. */

static PyObject *
mod_get_current(PyObject *m, void *c)
{
    return stackless_getcurrent_impl(m);
}

static PyObject *
mod_get_main(PyObject *m, void *c)
{
    return stackless_getmain_impl(m);
}

static PyObject *
mod_get_runcount(PyObject *m, void *c)
{
    return stackless_getruncount_impl(m);
}

static PyObject *
mod_get_threads(PyObject *m, void *c)
{
    return stackless_getthreads_impl(m);
}

static PyObject *
mod_get_uncollectables(PyObject *m, void *c)
{
    return stackless_getuncollectables_impl(m);
}

static PyObject *
mod_get_debug(PyObject *m, void *c)
{
    return stackless_getdebug_impl(m);
}

static PyObject *
mod_get_tracing_state(PyObject *m, void *c)
{
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    return ts ? PyBool_FromLong(ts->pickle_flags & 1) : NULL;
}

static int
mod_set_tracing_state(PyObject *m, PyObject *v, void *c)
{
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    int on = v ? PyObject_IsTrue(v) : 0;
    if (ts == NULL || on < 0) {
        return -1;
    }
    ts->pickle_flags = (ts->pickle_flags & ~1L) | on;
    ts->settings->pickle_flags_default =
        (ts->settings->pickle_flags_default & ~1L) | on;
    return 0;
}

/*[clinic input]
stackless.StacklessModuleType.__reduce__ as mod_reduce

    self: self(type="PyObject *")

The module pickles by name.
[clinic start generated code]*/

static PyObject *
mod_reduce_impl(PyObject *self)
/*[clinic end generated code: output=39a951b8cf259819 input=490298393ed016d0]*/
{
    return PyUnicode_FromString("stackless");
}

/*[clinic input]
stackless.StacklessModuleType.__reduce_ex__ as mod_reduce_ex

    self: self(type="PyObject *")
    protocol: object
    /

The module pickles by name.
[clinic start generated code]*/

static PyObject *
mod_reduce_ex(PyObject *self, PyObject *protocol)
/*[clinic end generated code: output=9e5b166525449eba input=b9fdf8e3686ae92a]*/
{
    return PyUnicode_FromString("stackless");
}

static PyGetSetDef module_getset[] = {
    {"current", mod_get_current, NULL, PyDoc_STR("getcurrent()")},
    {"main", mod_get_main, NULL, PyDoc_STR("getmain()")},
    {"runcount", mod_get_runcount, NULL, PyDoc_STR("getruncount()")},
    {"threads", mod_get_threads, NULL, PyDoc_STR("getthreads()")},
    {"uncollectables", mod_get_uncollectables, NULL,
     PyDoc_STR("getuncollectables()")},
    {"debug", mod_get_debug, NULL, PyDoc_STR("getdebug()")},
    {"pickle_with_tracing_state", mod_get_tracing_state,
     mod_set_tracing_state,
     PyDoc_STR("deprecated: PICKLEFLAGS_PRESERVE_TRACING_STATE")},
    {NULL},
};

static PyMethodDef module_type_methods[] = {
    MOD_REDUCE_METHODDEF
    MOD_REDUCE_EX_METHODDEF
    {NULL, NULL},
};

/* GC support, size and the rest are inherited from the module type. */
static PyTypeObject StacklessModule_Type = {
    PyVarObject_HEAD_INIT(&PyType_Type, 0)
    .tp_name = "stackless.StacklessModuleType",
    .tp_base = &PyModule_Type,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = module_type_methods,
    .tp_getset = module_getset,
};

/* ------------------------------------------------------------------ */

PyDoc_STRVAR(stackless_doc,
"Microthreads for Python: tasklets, channels and a scheduler.\n\
\n\
This is the built-in module of Stackless Python " STACKLESS_VERSION ".");

#define FN(f) (PyCFunction)(void (*)(void))(f)
#define FASTCALL_KW (METH_FASTCALL | METH_KEYWORDS)

static PyMethodDef stackless_methods[] = {
    STACKLESS_GETCURRENT_METHODDEF
    STACKLESS_GETMAIN_METHODDEF
    STACKLESS_GETRUNCOUNT_METHODDEF
    STACKLESS_GETCURRENTID_METHODDEF
    {"schedule", FN(slp_schedule), FASTCALL_KW, slp_schedule__doc__},
    {"schedule_remove", FN(slp_schedule_remove), FASTCALL_KW,
     slp_schedule_remove__doc__},
    {"select", FN(slp_select), FASTCALL_KW, slp_select__doc__},
    {"__getattr__", slp_module_getattr, METH_O, NULL},
    {"_set_wakeup_fd", slp_set_wakeup_fd, METH_O, NULL},
    {"_coro_send", slp_coro_send, METH_O, NULL},
    {"run", FN(slp_run), FASTCALL_KW, slp_run__doc__},
    STACKLESS_GET_THREAD_INFO_METHODDEF
    STACKLESS_SWITCH_TRAP_METHODDEF
    STACKLESS_SET_SCHEDULE_CALLBACK_METHODDEF
    STACKLESS_GET_SCHEDULE_CALLBACK_METHODDEF
    STACKLESS_SET_CHANNEL_CALLBACK_METHODDEF
    STACKLESS_GET_CHANNEL_CALLBACK_METHODDEF
    STACKLESS_SET_ERROR_HANDLER_METHODDEF
    STACKLESS_ENABLE_SOFTSWITCH_METHODDEF
    STACKLESS_PICKLE_FLAGS_METHODDEF
    STACKLESS_PICKLE_FLAGS_DEFAULT_METHODDEF
    STACKLESS_GETDEBUG_METHODDEF
    STACKLESS_GETUNCOLLECTABLES_METHODDEF
    STACKLESS_GETTHREADS_METHODDEF
    {NULL, NULL, 0, NULL},
};

static int
stackless_exec(PyObject *m)
{
    if (PyType_Ready(&StacklessModule_Type) < 0
        || _PySlp_TaskletTypeReady() < 0) {
        return -1;
    }
    if (!PyObject_TypeCheck(m, &PyModule_Type)
        || Py_TYPE(m)->tp_basicsize != PyModule_Type.tp_basicsize) {
        PyErr_SetString(PyExc_SystemError, "unexpected module object");
        return -1;
    }
    Py_SET_TYPE(m, &StacklessModule_Type);

    if (_PySlp_AddWrapModule(m) < 0) {
        return -1;
    }
    if (PyModule_AddType(m, &PyTasklet_Type) < 0
        || PyModule_AddType(m, &PyChannel_Type) < 0
        || PyModule_AddType(m, &PyBomb_Type) < 0
        || PyModule_AddType(m, &Atomic_Type) < 0
        /* For pickles of tasklets waiting in a C function (D44). */
        || PyModule_AddType(m, &PyCFrame_Type) < 0) {
        return -1;
    }
    if (PyModule_AddObjectRef(m, "TaskletExit", PyExc_TaskletExit) < 0
        || PyModule_AddObjectRef(m, "stackless", m) < 0
        || PyModule_AddIntConstant(m, "PICKLEFLAGS_PRESERVE_TRACING_STATE",
                                   1) < 0
        || PyModule_AddIntConstant(m, "PICKLEFLAGS_PRESERVE_AG_FINALIZER",
                                   2) < 0
        || PyModule_AddIntConstant(m, "PICKLEFLAGS_RESET_AG_FINALIZER",
                                   4) < 0
        || PyModule_AddIntConstant(m, "PICKLEFLAGS_CODE_BY_REFERENCE",
                                   PySlp_PICKLEFLAGS_CODE_BY_REFERENCE) < 0
        || PyModule_AddObjectRef(m, "hard_switching",
                                 SLP_HARD_SWITCH ? Py_True : Py_False) < 0) {
        return -1;
    }
    PyObject *all = Py_BuildValue(
        "[ssssssssssssssssssssssss]", "atomic", "channel",
        "enable_softswitch", "get_channel_callback", "get_schedule_callback",
        "get_thread_info", "getcurrent", "getcurrentid", "getdebug",
        "getmain", "getruncount", "getthreads", "getuncollectables",
        "pickle_with_tracing_state", "run", "schedule", "schedule_remove",
        "select",
        "set_channel_callback", "set_error_handler", "set_schedule_callback",
        "switch_trap", "tasklet", "stackless");
    if (all == NULL) {
        return -1;
    }
    return PyModule_Add(m, "__all__", all);
}

static PyModuleDef_Slot stackless_slots[] = {
    {Py_mod_exec, stackless_exec},
    /* The settings are per interpreter (D31), but the types are static
       and shared: interpreters with a GIL of their own may not import
       it; legacy sub-interpreters, sharing the main GIL, may. */
    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef stacklessmodule = {
    PyModuleDef_HEAD_INIT,
    .m_name = "stackless",
    .m_doc = stackless_doc,
    .m_size = 0,
    .m_methods = stackless_methods,
    .m_slots = stackless_slots,
};

PyMODINIT_FUNC
PyInit_stackless(void)
{
    return PyModuleDef_Init(&stacklessmodule);
}
