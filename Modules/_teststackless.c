/* _teststackless: the Stackless C API (stackless_api.h) driven from C,
 * for Lib/test/test_stackless/test_capi.py and bench/capi.py.
 *
 * Built with the interpreter like _testcapi, against the public headers
 * only; not an API of its own.  Each function wraps one or a few C API
 * calls and reports their results as Python values, so that the tests can
 * check return conventions, error paths and soft switching from Python. */

#define PY_SSIZE_T_CLEAN
#include "Python.h"
#include "stackless_api.h"
#include "pythread.h"

/* ------------------------------------------------------------------ */
/* Argument helpers */

static int
tasklet_arg(PyObject *o, PyTaskletObject **t)
{
    if (!PyTasklet_Check(o)) {
        PyErr_SetString(PyExc_TypeError, "a tasklet is required");
        return 0;
    }
    *t = (PyTaskletObject *)o;
    return 1;
}

static int
channel_arg(PyObject *o, PyChannelObject **ch)
{
    if (!PyChannel_Check(o)) {
        PyErr_SetString(PyExc_TypeError, "a channel is required");
        return 0;
    }
    *ch = (PyChannelObject *)o;
    return 1;
}

/* An int result of the C API: -1 must come with an exception, anything
   else without one. */
static PyObject *
int_result(int r)
{
    if (r == -1) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_AssertionError,
                            "-1 returned without an exception");
        }
        return NULL;
    }
    if (PyErr_Occurred()) {
        return NULL;
    }
    return PyLong_FromLong(r);
}

/* An "_nr" int: 1 switched softly, so the caller must return the token. */
static PyObject *
nr_int(int r)
{
    if (r == 1) {
        return (PyObject *)Py_UnwindToken;
    }
    if (r == 0) {
        Py_RETURN_NONE;
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Tasklets */

static PyObject *
new_tasklet(PyObject *self, PyObject *args)
{
    PyObject *func = NULL, *type = NULL;
    if (!PyArg_ParseTuple(args, "|OO", &func, &type)) {
        return NULL;
    }
    if (type == Py_None) {
        type = NULL;
    }
    if (type != NULL && !PyType_Check(type)) {
        PyErr_SetString(PyExc_TypeError, "type must be a type");
        return NULL;
    }
    return (PyObject *)PyTasklet_New((PyTypeObject *)type, func);
}

static PyObject *
bind(PyObject *self, PyObject *args)
{
    PyObject *o, *func;
    PyTaskletObject *t;
    if (!PyArg_ParseTuple(args, "OO", &o, &func) || !tasklet_arg(o, &t)) {
        return NULL;
    }
    return (PyObject *)PyTasklet_Bind(t, func);
}

static PyObject *
bind_ex(PyObject *self, PyObject *args)
{
    PyObject *o, *func, *a = NULL, *kw = NULL;
    PyTaskletObject *t;
    if (!PyArg_ParseTuple(args, "OO|OO", &o, &func, &a, &kw)
        || !tasklet_arg(o, &t)) {
        return NULL;
    }
    return int_result(PyTasklet_BindEx(t, func, a, kw));
}

static PyObject *
bind_thread(PyObject *self, PyObject *args)
{
    PyObject *o;
    long long id = -1;
    PyTaskletObject *t;
    if (!PyArg_ParseTuple(args, "O|L", &o, &id) || !tasklet_arg(o, &t)) {
        return NULL;
    }
    return int_result(PyTasklet_BindThread(t, (unsigned long)id));
}

static PyObject *
setup(PyObject *self, PyObject *args)
{
    PyObject *o, *a, *kw = NULL;
    PyTaskletObject *t;
    if (!PyArg_ParseTuple(args, "OO!|O", &o, &PyTuple_Type, &a, &kw)
        || !tasklet_arg(o, &t)) {
        return NULL;
    }
    if (kw == Py_None) {
        kw = NULL;
    }
    return int_result(PyTasklet_Setup(t, a, kw));
}

#define TASKLET_INT_FUNC(name, call)                                    \
    static PyObject *                                                   \
    name(PyObject *self, PyObject *o)                                   \
    {                                                                   \
        PyTaskletObject *t;                                             \
        if (!tasklet_arg(o, &t)) {                                      \
            return NULL;                                                \
        }                                                               \
        return int_result(call(t));                                     \
    }

TASKLET_INT_FUNC(run, PyTasklet_Run)
TASKLET_INT_FUNC(switch_, PyTasklet_Switch)
TASKLET_INT_FUNC(remove_, PyTasklet_Remove)
TASKLET_INT_FUNC(insert, PyTasklet_Insert)
TASKLET_INT_FUNC(kill, PyTasklet_Kill)

/* METH_O | METH_STACKLESS: the switch may be soft. */
static PyObject *
run_nr(PyObject *self, PyObject *o)
{
    PyTaskletObject *t;
    if (!tasklet_arg(o, &t)) {
        return NULL;
    }
    return nr_int(PyTasklet_Run_nr(t));
}

static PyObject *
switch_nr(PyObject *self, PyObject *o)
{
    PyTaskletObject *t;
    if (!tasklet_arg(o, &t)) {
        return NULL;
    }
    return nr_int(PyTasklet_Switch_nr(t));
}

static PyObject *
kill_ex(PyObject *self, PyObject *args)
{
    PyObject *o;
    int pending;
    PyTaskletObject *t;
    if (!PyArg_ParseTuple(args, "Op", &o, &pending) || !tasklet_arg(o, &t)) {
        return NULL;
    }
    return int_result(PyTasklet_KillEx(t, pending));
}

static PyObject *
raise_exception(PyObject *self, PyObject *args)
{
    PyObject *o, *klass, *a = NULL;
    PyTaskletObject *t;
    if (!PyArg_ParseTuple(args, "OO|O", &o, &klass, &a)
        || !tasklet_arg(o, &t)) {
        return NULL;
    }
    return int_result(PyTasklet_RaiseException(t, klass, a));
}

static PyObject *
throw_(PyObject *self, PyObject *args)
{
    PyObject *o, *exc, *val = NULL, *tb = NULL;
    int pending;
    PyTaskletObject *t;
    if (!PyArg_ParseTuple(args, "OpO|OO", &o, &pending, &exc, &val, &tb)
        || !tasklet_arg(o, &t)) {
        return NULL;
    }
    return int_result(PyTasklet_Throw(t, pending, exc, val, tb));
}

/* Every getter at once: a dict the tests compare with the attributes. */
static PyObject *
tasklet_info(PyObject *self, PyObject *o)
{
    PyTaskletObject *t;
    if (!tasklet_arg(o, &t)) {
        return NULL;
    }
    PyObject *frame = PyTasklet_GetFrame(t);
    if (frame == NULL) {
        if (PyErr_Occurred()) {
            return NULL;
        }
        frame = Py_NewRef(Py_None);
    }
    PyObject *d = Py_BuildValue(
        "{sisisisisisisisisisisisisisisN}",
        "atomic", PyTasklet_GetAtomic(t),
        "ignore_nesting", PyTasklet_GetIgnoreNesting(t),
        "block_trap", PyTasklet_GetBlockTrap(t),
        "is_main", PyTasklet_IsMain(t),
        "is_current", PyTasklet_IsCurrent(t),
        "recursion_depth", PyTasklet_GetRecursionDepth(t),
        "nesting_level", PyTasklet_GetNestingLevel(t),
        "alive", PyTasklet_Alive(t),
        "paused", PyTasklet_Paused(t),
        "scheduled", PyTasklet_Scheduled(t),
        "restorable", PyTasklet_Restorable(t),
        "pending_irq", PyTasklet_GetPendingIrq(t),
        "blocked", PyTasklet_GetBlocked(t),
        "checks", PyTasklet_Check(o) + 2 * PyTasklet_CheckExact(o),
        "frame", frame);
    return d;
}

/* (old atomic, old ignore_nesting) after setting them; block_trap too. */
static PyObject *
set_flags(PyObject *self, PyObject *args)
{
    PyObject *o;
    int atomic, ignore_nesting, block_trap;
    PyTaskletObject *t;
    if (!PyArg_ParseTuple(args, "Oiii", &o, &atomic, &ignore_nesting,
                          &block_trap) || !tasklet_arg(o, &t)) {
        return NULL;
    }
    int a = PyTasklet_SetAtomic(t, atomic);
    int n = PyTasklet_SetIgnoreNesting(t, ignore_nesting);
    PyTasklet_SetBlockTrap(t, block_trap);
    return Py_BuildValue("(ii)", a, n);
}

/* ------------------------------------------------------------------ */
/* Channels */

static PyObject *
new_channel(PyObject *self, PyObject *args)
{
    PyObject *type = NULL;
    if (!PyArg_ParseTuple(args, "|O", &type)) {
        return NULL;
    }
    if (type == Py_None) {
        type = NULL;
    }
    if (type != NULL && !PyType_Check(type)) {
        PyErr_SetString(PyExc_TypeError, "type must be a type");
        return NULL;
    }
    return (PyObject *)PyChannel_New((PyTypeObject *)type);
}

static PyObject *
send(PyObject *self, PyObject *args)
{
    PyObject *o, *v;
    PyChannelObject *ch;
    if (!PyArg_ParseTuple(args, "OO", &o, &v) || !channel_arg(o, &ch)) {
        return NULL;
    }
    return int_result(PyChannel_Send(ch, v));
}

/* METH_FASTCALL | METH_STACKLESS */
static PyObject *
send_nr(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    PyChannelObject *ch;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "send_nr(channel, value)");
        return NULL;
    }
    if (!channel_arg(args[0], &ch)) {
        return NULL;
    }
    return nr_int(PyChannel_Send_nr(ch, args[1]));
}

static PyObject *
receive(PyObject *self, PyObject *o)
{
    PyChannelObject *ch;
    if (!channel_arg(o, &ch)) {
        return NULL;
    }
    return PyChannel_Receive(ch);
}

/* select(ops, block): PyChannel_Select; select_nr the same with _nr,
   METH_STACKLESS. */
static PyObject *
select_ops(PyObject *self, PyObject *args)
{
    PyObject *ops;
    int block = 1;
    if (!PyArg_ParseTuple(args, "O|p:select", &ops, &block)) {
        return NULL;
    }
    return PyChannel_Select(ops, block);
}

static PyObject *
select_ops_nr(PyObject *self, PyObject *o)
{
    /* The unwind token goes back to the eval loop untouched. */
    return PyChannel_Select_nr(o, 1);
}

/* METH_O | METH_STACKLESS */
static PyObject *
receive_nr(PyObject *self, PyObject *o)
{
    PyChannelObject *ch;
    if (!channel_arg(o, &ch)) {
        return NULL;
    }
    /* The unwind token goes back to the eval loop untouched. */
    return PyChannel_Receive_nr(ch);
}

/* METH_O, not METH_STACKLESS: its _nr call must switch hard. */
static PyObject *
receive_nr_plain(PyObject *self, PyObject *o)
{
    PyChannelObject *ch;
    if (!channel_arg(o, &ch)) {
        return NULL;
    }
    PyObject *r = PyChannel_Receive_nr(ch);
    if (r != NULL && STACKLESS_UNWINDING(r)) {
        PyErr_SetString(PyExc_AssertionError,
                        "unwound in a function without METH_STACKLESS");
        return NULL;
    }
    return r;
}

static PyObject *
send_exception(PyObject *self, PyObject *args)
{
    PyObject *o, *klass, *v = NULL;
    PyChannelObject *ch;
    if (!PyArg_ParseTuple(args, "OO|O", &o, &klass, &v)
        || !channel_arg(o, &ch)) {
        return NULL;
    }
    return int_result(PyChannel_SendException(ch, klass, v));
}

static PyObject *
send_throw(PyObject *self, PyObject *args)
{
    PyObject *o, *exc, *val = NULL, *tb = NULL;
    PyChannelObject *ch;
    if (!PyArg_ParseTuple(args, "OO|OO", &o, &exc, &val, &tb)
        || !channel_arg(o, &ch)) {
        return NULL;
    }
    return int_result(PyChannel_SendThrow(ch, exc, val, tb));
}

static PyObject *
channel_info(PyObject *self, PyObject *o)
{
    PyChannelObject *ch;
    if (!channel_arg(o, &ch)) {
        return NULL;
    }
    return Py_BuildValue(
        "{sNsisisisisisi}",
        "queue", PyChannel_GetQueue(ch),
        "closing", PyChannel_GetClosing(ch),
        "closed", PyChannel_GetClosed(ch),
        "preference", PyChannel_GetPreference(ch),
        "schedule_all", PyChannel_GetScheduleAll(ch),
        "balance", PyChannel_GetBalance(ch),
        "checks", PyChannel_Check(o) + 2 * PyChannel_CheckExact(o));
}

static PyObject *
channel_set(PyObject *self, PyObject *args)
{
    PyObject *o;
    int preference, schedule_all, close;
    PyChannelObject *ch;
    if (!PyArg_ParseTuple(args, "Oiii", &o, &preference, &schedule_all,
                          &close) || !channel_arg(o, &ch)) {
        return NULL;
    }
    PyChannel_SetPreference(ch, preference);
    PyChannel_SetScheduleAll(ch, schedule_all);
    if (close) {
        PyChannel_Close(ch);
    }
    else {
        PyChannel_Open(ch);
    }
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------ */
/* The scheduler */

static PyObject *
schedule(PyObject *self, PyObject *args)
{
    PyObject *retval;
    int remove;
    if (!PyArg_ParseTuple(args, "Op", &retval, &remove)) {
        return NULL;
    }
    return PyStackless_Schedule(retval, remove);
}

/* METH_FASTCALL | METH_STACKLESS */
static PyObject *
schedule_nr(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "schedule_nr(retval, remove)");
        return NULL;
    }
    int remove = PyObject_IsTrue(args[1]);
    if (remove < 0) {
        return NULL;
    }
    return PyStackless_Schedule_nr(args[0], remove);
}

static PyObject *
scheduler_info(PyObject *self, PyObject *unused)
{
    PyObject *cur = PyStackless_GetCurrent();
    if (cur == NULL) {
        if (PyErr_Occurred()) {
            return NULL;
        }
        cur = Py_NewRef(Py_None);
    }
    return Py_BuildValue("{sisNsk}",
                         "runcount", PyStackless_GetRunCount(),
                         "current", cur,
                         "current_id", PyStackless_GetCurrentId());
}

/* The id without the GIL, as a profiler would read it. */
static PyObject *
current_id_nogil(PyObject *self, PyObject *unused)
{
    unsigned long id;
    Py_BEGIN_ALLOW_THREADS
    id = PyStackless_GetCurrentId();
    Py_END_ALLOW_THREADS
    return PyLong_FromUnsignedLong(id);
}

static PyObject *
adjust_switch_trap(PyObject *self, PyObject *arg)
{
    int change = PyLong_AsInt(arg);
    if (change == -1 && PyErr_Occurred()) {
        return NULL;
    }
    return int_result(PyStackless_AdjustSwitchTrap(change));
}

static PyObject *
run_watchdog(PyObject *self, PyObject *args)
{
    long timeout;
    int flags = INT_MIN;        /* none given: PyStackless_RunWatchdog */
    double budget = -1;
    if (!PyArg_ParseTuple(args, "l|id", &timeout, &flags, &budget)) {
        return NULL;
    }
    if (budget >= 0) {
        return PyStackless_RunWatchdogBudget(timeout, flags, budget);
    }
    if (flags == INT_MIN) {
        return PyStackless_RunWatchdog(timeout);
    }
    return PyStackless_RunWatchdogEx(timeout, flags);
}

/* ------------------------------------------------------------------ */
/* Monitoring */

static PyObject *
set_channel_callback(PyObject *self, PyObject *cb)
{
    return int_result(PyStackless_SetChannelCallback(cb == Py_None ? NULL
                                                                   : cb));
}

static PyObject *
set_schedule_callback(PyObject *self, PyObject *cb)
{
    return int_result(PyStackless_SetScheduleCallback(cb == Py_None ? NULL
                                                                    : cb));
}

/* A C hook that counts switches; with `fail` it reports an error. */
static long hook_calls;
static long hook_from_null;
static int hook_fail;

static int
counting_hook(PyTaskletObject *from, PyTaskletObject *to)
{
    hook_calls++;
    if (from == NULL) {
        hook_from_null++;
    }
    if (hook_fail) {
        PyErr_SetString(PyExc_ValueError, "hook failed on purpose");
        return -1;
    }
    return 0;
}

static PyObject *
set_fast_callback(PyObject *self, PyObject *args)
{
    int on, fail = 0;
    if (!PyArg_ParseTuple(args, "p|p", &on, &fail)) {
        return NULL;
    }
    hook_calls = hook_from_null = 0;
    hook_fail = fail;
    PyStackless_SetScheduleFastcallback(on ? counting_hook : NULL);
    Py_RETURN_NONE;
}

static PyObject *
fast_callback_calls(PyObject *self, PyObject *unused)
{
    return Py_BuildValue("(ll)", hook_calls, hook_from_null);
}

/* ------------------------------------------------------------------ */
/* Calls "as main" */

static PyObject *
call_main(PyObject *self, PyObject *args)
{
    PyObject *func, *a = NULL, *kw = NULL;
    if (!PyArg_ParseTuple(args, "O|OO", &func, &a, &kw)) {
        return NULL;
    }
    return PyStackless_Call_Main(func, a, kw);
}

static PyObject *
doubler(PyObject *self, PyObject *arg)
{
    return PyNumber_Add(arg, arg);
}

static PyMethodDef doubler_def = {"doubler", doubler, METH_O, NULL};

/* Calls made from a thread that runs no Python code: a C thread with a
   thread state of its own (PyGILState_Ensure), as an engine's worker
   would have.  Results go into `out` (a list), one per call. */
typedef struct {
    PyObject *obj;      /* strong */
    PyObject *out;      /* strong */
    PyThread_type_lock done;
} outside_job;

static void
append_result(PyObject *out, PyObject *r)
{
    if (r == NULL) {
        r = PyErr_GetRaisedException();
    }
    if (r != NULL) {
        (void)PyList_Append(out, r);
        Py_DECREF(r);
    }
    PyErr_Clear();
}

static void
outside_thread(void *arg)
{
    outside_job *job = arg;
    PyGILState_STATE g = PyGILState_Ensure();
    /* obj() with Call_Main; obj.method(21) by name; a missing attribute;
       a non-callable attribute; a C method; then a schedule() from
       outside Python: queued tasklets run and come back here. */
    append_result(job->out, PyStackless_Call_Main(job->obj, NULL, NULL));
    append_result(job->out,
                  PyStackless_CallMethod_Main(job->obj, "method", "(i)",
                                              21));
    append_result(job->out,
                  PyStackless_CallMethod_Main(job->obj, "no_such", NULL));
    append_result(job->out,
                  PyStackless_CallMethod_Main(job->obj, "data", NULL));
    append_result(job->out,
                  PyStackless_CallCMethod_Main(&doubler_def, NULL, "i",
                                               4));
    append_result(job->out, PyStackless_CallMethod_Main(job->obj, "spawn",
                                                        NULL));
    append_result(job->out, PyStackless_Schedule(Py_None, 0));
    append_result(job->out, PyLong_FromLong(PyStackless_GetRunCount()));
    Py_CLEAR(job->obj);
    Py_CLEAR(job->out);
    PyGILState_Release(g);
    PyThread_release_lock(job->done);
}

static PyObject *
call_main_outside(PyObject *self, PyObject *obj)
{
    outside_job job;
    job.obj = Py_NewRef(obj);
    job.out = PyList_New(0);
    job.done = PyThread_allocate_lock();
    if (job.out == NULL || job.done == NULL) {
        Py_XDECREF(job.out);
        Py_DECREF(job.obj);
        if (job.done) {
            PyThread_free_lock(job.done);
        }
        return PyErr_NoMemory();
    }
    PyObject *out = Py_NewRef(job.out);
    PyThread_acquire_lock(job.done, 1);
    if (PyThread_start_new_thread(outside_thread, &job) == PYTHREAD_INVALID_THREAD_ID) {
        PyThread_release_lock(job.done);
        PyThread_free_lock(job.done);
        Py_DECREF(job.obj);
        Py_DECREF(job.out);
        Py_DECREF(out);
        PyErr_SetString(PyExc_RuntimeError, "cannot start a thread");
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    PyThread_acquire_lock(job.done, 1);
    Py_END_ALLOW_THREADS
    PyThread_free_lock(job.done);
    return out;
}

/* ------------------------------------------------------------------ */
/* Soft-switchable functions */

/* receive_soft(channel): receive, then return (value, step) -- the
   step shows that the function was re-entered after the switch. */
static PyObject *
receive_soft_impl(PyObject *retval, long *step, PyObject **ob1,
                  PyObject **ob2, PyObject **ob3, long *n, void **any)
{
    if (retval == NULL) {
        return NULL;
    }
    if (*step == 0) {
        *step = 1;
        PyObject *r = PyChannel_Receive_nr((PyChannelObject *)*ob1);
        if (r == NULL || STACKLESS_UNWINDING(r)) {
            return r;
        }
        /* It did not switch, or switched hard: the value is here. */
        PyObject *res = Py_BuildValue("(Ol)", r, *step);
        Py_DECREF(r);
        return res;
    }
    return Py_BuildValue("(Ol)", retval, *step);
}

static PyStacklessFunctionDeclarationObject receive_soft_decl = {
    PyObject_HEAD_INIT(NULL)
    receive_soft_impl, "_receive_soft_impl", NULL
};

/* receive_many(channel, count): receive count values, one switch each,
   and return them in a list kept in ob2; n counts down. */
static PyObject *
receive_many_impl(PyObject *retval, long *step, PyObject **ob1,
                  PyObject **ob2, PyObject **ob3, long *n, void **any)
{
    if (retval == NULL) {
        return NULL;
    }
    for (;;) {
        if (*step == 1) {
            /* Re-entered with the value of the receive. */
            if (PyList_Append(*ob2, retval) < 0) {
                return NULL;
            }
            (*n)--;
        }
        if (*n <= 0) {
            return Py_NewRef(*ob2);
        }
        *step = 1;
        PyObject *r = PyChannel_Receive_nr((PyChannelObject *)*ob1);
        if (r == NULL || STACKLESS_UNWINDING(r)) {
            return r;
        }
        /* Hard: go round with the value as if re-entered. */
        int rc = PyList_Append(*ob2, r);
        Py_DECREF(r);
        if (rc < 0) {
            return NULL;
        }
        (*n)--;
        *step = 2;
    }
}

static PyStacklessFunctionDeclarationObject receive_many_decl = {
    PyObject_HEAD_INIT(NULL)
    receive_many_impl, "_receive_many_impl", NULL
};

/* The reference's example: let the others run once, return ob1. */
static PyObject *
pause_impl(PyObject *retval, long *step, PyObject **ob1, PyObject **ob2,
           PyObject **ob3, long *n, void **any)
{
    if (retval == NULL) {
        return NULL;
    }
    if (*step == 0) {
        *step = 1;
        PyObject *r = PyStackless_Schedule_nr(Py_None, 0);
        if (r == NULL || STACKLESS_UNWINDING(r)) {
            return r;
        }
        Py_DECREF(r);
    }
    return Py_NewRef(*ob1);
}

static PyStacklessFunctionDeclarationObject pause_decl = {
    PyObject_HEAD_INIT(NULL)
    pause_impl, "_pause_impl", NULL
};

/* Holds a C pointer in `any`: its C-frame cannot be pickled. */
static PyObject *
receive_any_impl(PyObject *retval, long *step, PyObject **ob1,
                 PyObject **ob2, PyObject **ob3, long *n, void **any)
{
    if (retval == NULL) {
        return NULL;
    }
    if (*any != (void *)&receive_any_impl) {
        PyErr_SetString(PyExc_AssertionError, "any was not kept");
        return NULL;
    }
    if (*step == 0) {
        *step = 1;
        return PyChannel_Receive_nr((PyChannelObject *)*ob1);
    }
    return Py_NewRef(retval);
}

static PyStacklessFunctionDeclarationObject receive_any_decl = {
    PyObject_HEAD_INIT(NULL)
    receive_any_impl, "_receive_any_impl", NULL
};

static PyObject *
receive_soft(PyObject *self, PyObject *o)
{
    PyChannelObject *ch;
    if (!channel_arg(o, &ch)) {
        return NULL;
    }
    return PyStackless_CallFunction(&receive_soft_decl, Py_None, o, NULL,
                                    NULL, 0, NULL);
}

static PyObject *
receive_many(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    PyChannelObject *ch;
    if (nargs != 2 || !PyLong_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "receive_many(channel, count)");
        return NULL;
    }
    if (!channel_arg(args[0], &ch)) {
        return NULL;
    }
    long count = PyLong_AsLong(args[1]);
    PyObject *list = PyList_New(0);
    if (list == NULL) {
        return NULL;
    }
    PyObject *r = PyStackless_CallFunction(&receive_many_decl, Py_None,
                                           args[0], list, NULL, count,
                                           NULL);
    Py_DECREF(list);
    return r;
}

static PyObject *
pause_(PyObject *self, PyObject *arg)
{
    return PyStackless_CallFunction(&pause_decl, Py_None, arg, NULL, NULL,
                                    0, NULL);
}

static PyObject *
receive_any(PyObject *self, PyObject *o)
{
    PyChannelObject *ch;
    if (!channel_arg(o, &ch)) {
        return NULL;
    }
    return PyStackless_CallFunction(&receive_any_decl, Py_None, o, NULL,
                                    NULL, 0, (void *)&receive_any_impl);
}

/* CallFunction entered with the current exception (arg NULL). */
static PyObject *
call_function_with_error(PyObject *self, PyObject *exc)
{
    if (exc != Py_None) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
    }
    return PyStackless_CallFunction(&receive_soft_decl, NULL, Py_None,
                                    NULL, NULL, 0, NULL);
}

/* ------------------------------------------------------------------ */
/* Misuse the eval loop must survive */

/* Returns the token without having switched. */
static PyObject *
bad_unwind(PyObject *self, PyObject *unused)
{
    return (PyObject *)Py_UnwindToken;
}

/* Switches softly and returns something else than the token. */
static PyObject *
ignore_unwind(PyObject *self, PyObject *o)
{
    PyChannelObject *ch;
    if (!channel_arg(o, &ch)) {
        return NULL;
    }
    PyObject *r = PyChannel_Receive_nr(ch);
    if (r == NULL || STACKLESS_UNWINDING(r)) {
        return PyUnicode_FromString("ignored");
    }
    return r;
}

static PyObject *
unwind_token_info(PyObject *self, PyObject *o)
{
    return Py_BuildValue("(ii)", STACKLESS_UNWINDING(o),
                         STACKLESS_UNWINDING(Py_UnwindToken));
}

/* ------------------------------------------------------------------ */
/* A METH_STACKLESS method: called through its method descriptor */

typedef struct {
    PyObject_HEAD
    PyObject *channel;
} ReceiverObject;

static PyObject *
receiver_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *ch;
    if (!PyArg_ParseTuple(args, "O!:Receiver", &PyChannel_Type, &ch)) {
        return NULL;
    }
    ReceiverObject *self = (ReceiverObject *)type->tp_alloc(type, 0);
    if (self != NULL) {
        self->channel = Py_NewRef(ch);
    }
    return (PyObject *)self;
}

static void
receiver_dealloc(ReceiverObject *self)
{
    Py_XDECREF(self->channel);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* METH_NOARGS | METH_STACKLESS */
static PyObject *
receiver_receive(ReceiverObject *self, PyObject *unused)
{
    return PyChannel_Receive_nr((PyChannelObject *)self->channel);
}

static PyMethodDef receiver_methods[] = {
    {"receive", (PyCFunction)receiver_receive,
     METH_NOARGS | METH_STACKLESS},
    {NULL, NULL}
};

static PyTypeObject Receiver_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "_teststackless.Receiver",
    .tp_basicsize = sizeof(ReceiverObject),
    .tp_dealloc = (destructor)receiver_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = receiver_methods,
    .tp_new = receiver_new,
};

/* ------------------------------------------------------------------ */
/* Benchmarks (bench/capi.py): loops in C */

/* count round trips: send i, receive the echo. */
static PyObject *
bench_round_trips(PyObject *self, PyObject *args)
{
    PyObject *o_out, *o_in;
    long count;
    PyChannelObject *out, *in;
    if (!PyArg_ParseTuple(args, "OOl", &o_out, &o_in, &count)
        || !channel_arg(o_out, &out) || !channel_arg(o_in, &in)) {
        return NULL;
    }
    for (long i = 0; i < count; i++) {
        if (PyChannel_Send(out, Py_None) < 0) {
            return NULL;
        }
        PyObject *r = PyChannel_Receive(in);
        if (r == NULL) {
            return NULL;
        }
        Py_DECREF(r);
    }
    Py_RETURN_NONE;
}

/* The same from a soft-switchable function: ob1 and ob2 the channels,
   n the round trips left; step 0 sends, 1 receives, 2 has received. */
static PyObject *
round_trips_impl(PyObject *retval, long *step, PyObject **ob1,
                 PyObject **ob2, PyObject **ob3, long *n, void **any)
{
    if (retval == NULL) {
        return NULL;
    }
    for (;;) {
        if (*step == 0) {
            if (*n <= 0) {
                Py_RETURN_NONE;
            }
            *step = 1;
            int r = PyChannel_Send_nr((PyChannelObject *)*ob1, Py_None);
            if (r < 0) {
                return NULL;
            }
            if (r == 1) {
                return (PyObject *)Py_UnwindToken;
            }
        }
        if (*step == 1) {
            *step = 2;
            PyObject *v = PyChannel_Receive_nr((PyChannelObject *)*ob2);
            if (v == NULL || STACKLESS_UNWINDING(v)) {
                return v;
            }
            Py_DECREF(v);
        }
        (*n)--;
        *step = 0;
    }
}

static PyStacklessFunctionDeclarationObject round_trips_decl = {
    PyObject_HEAD_INIT(NULL)
    round_trips_impl, "_round_trips_impl", NULL
};

static PyObject *
bench_round_trips_soft(PyObject *self, PyObject *args)
{
    PyObject *o_out, *o_in;
    long count;
    PyChannelObject *out, *in;
    if (!PyArg_ParseTuple(args, "OOl", &o_out, &o_in, &count)
        || !channel_arg(o_out, &out) || !channel_arg(o_in, &in)) {
        return NULL;
    }
    return PyStackless_CallFunction(&round_trips_decl, Py_None, o_out,
                                    o_in, NULL, count, NULL);
}

static PyObject *
bench_schedule(PyObject *self, PyObject *arg)
{
    long count = PyLong_AsLong(arg);
    if (count == -1 && PyErr_Occurred()) {
        return NULL;
    }
    for (long i = 0; i < count; i++) {
        PyObject *r = PyStackless_Schedule(Py_None, 0);
        if (r == NULL) {
            return NULL;
        }
        Py_DECREF(r);
    }
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------ */

static PyMethodDef methods[] = {
    {"new_tasklet", new_tasklet, METH_VARARGS},
    {"bind", bind, METH_VARARGS},
    {"bind_ex", bind_ex, METH_VARARGS},
    {"bind_thread", bind_thread, METH_VARARGS},
    {"setup", setup, METH_VARARGS},
    {"run", run, METH_O},
    {"run_nr", run_nr, METH_O | METH_STACKLESS},
    {"switch", switch_, METH_O},
    {"switch_nr", switch_nr, METH_O | METH_STACKLESS},
    {"remove", remove_, METH_O},
    {"insert", insert, METH_O},
    {"kill", kill, METH_O},
    {"kill_ex", kill_ex, METH_VARARGS},
    {"raise_exception", raise_exception, METH_VARARGS},
    {"throw", throw_, METH_VARARGS},
    {"tasklet_info", tasklet_info, METH_O},
    {"set_flags", set_flags, METH_VARARGS},
    {"new_channel", new_channel, METH_VARARGS},
    {"send", send, METH_VARARGS},
    {"send_nr", _PyCFunction_CAST(send_nr), METH_FASTCALL | METH_STACKLESS},
    {"receive", receive, METH_O},
    {"receive_nr", receive_nr, METH_O | METH_STACKLESS},
    {"select", select_ops, METH_VARARGS},
    {"select_nr", select_ops_nr, METH_O | METH_STACKLESS},
    {"receive_nr_plain", receive_nr_plain, METH_O},
    {"send_exception", send_exception, METH_VARARGS},
    {"send_throw", send_throw, METH_VARARGS},
    {"channel_info", channel_info, METH_O},
    {"channel_set", channel_set, METH_VARARGS},
    {"schedule", schedule, METH_VARARGS},
    {"schedule_nr", _PyCFunction_CAST(schedule_nr),
     METH_FASTCALL | METH_STACKLESS},
    {"scheduler_info", scheduler_info, METH_NOARGS},
    {"current_id_nogil", current_id_nogil, METH_NOARGS},
    {"adjust_switch_trap", adjust_switch_trap, METH_O},
    {"run_watchdog", run_watchdog, METH_VARARGS},
    {"set_channel_callback", set_channel_callback, METH_O},
    {"set_schedule_callback", set_schedule_callback, METH_O},
    {"set_fast_callback", set_fast_callback, METH_VARARGS},
    {"fast_callback_calls", fast_callback_calls, METH_NOARGS},
    {"call_main", call_main, METH_VARARGS},
    {"call_main_outside", call_main_outside, METH_O},
    {"receive_soft", receive_soft, METH_O | METH_STACKLESS},
    {"receive_many", _PyCFunction_CAST(receive_many),
     METH_FASTCALL | METH_STACKLESS},
    {"pause", pause_, METH_O | METH_STACKLESS},
    {"receive_any", receive_any, METH_O | METH_STACKLESS},
    {"receive_soft_plain", receive_soft, METH_O},
    {"call_function_with_error", call_function_with_error,
     METH_O | METH_STACKLESS},
    {"bad_unwind", bad_unwind, METH_NOARGS | METH_STACKLESS},
    {"ignore_unwind", ignore_unwind, METH_O | METH_STACKLESS},
    {"unwind_token_info", unwind_token_info, METH_O},
    {"bench_round_trips", bench_round_trips, METH_VARARGS},
    {"bench_round_trips_soft", bench_round_trips_soft,
     METH_VARARGS | METH_STACKLESS},
    {"bench_schedule", bench_schedule, METH_O},
    {NULL, NULL}
};

static struct PyModuleDef module_def;

static int
exec_module(PyObject *m)
{
    if (PyStackless_InitFunctionDeclaration(&receive_soft_decl, m,
                                            &module_def) < 0
        || PyStackless_InitFunctionDeclaration(&receive_many_decl, m,
                                               &module_def) < 0
        || PyStackless_InitFunctionDeclaration(&pause_decl, m,
                                               &module_def) < 0
        || PyStackless_InitFunctionDeclaration(&receive_any_decl, m,
                                               &module_def) < 0
        || PyStackless_InitFunctionDeclaration(&round_trips_decl, m,
                                               &module_def) < 0) {
        return -1;
    }
    if (PyModule_AddType(m, &Receiver_Type) < 0) {
        return -1;
    }
    return PyModule_AddIntConstant(m, "METH_STACKLESS", METH_STACKLESS);
}

static PyModuleDef_Slot slots[] = {
    {Py_mod_exec, exec_module},
    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED},
    {0, NULL}
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_teststackless",
    .m_doc = "The Stackless C API, driven from C (tests only).",
    .m_methods = methods,
    .m_slots = slots,
};

PyMODINIT_FUNC
PyInit__teststackless(void)
{
    return PyModuleDef_Init(&module_def);
}
