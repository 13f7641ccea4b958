/* The tasklet object: its structure and life cycle -- creation, binding
 * a call, what the garbage collector sees, finalisation and freeing.
 *
 * The type's Python face, its methods and attributes, belongs to the
 * module layer (module/taskletobject.c), which attaches it when the
 * `stackless` module is made, before the type is readied: no tasklet
 * exists before that.
 */

#include "slp_core.h"
#include "pycore_call.h"          // _PyObject_MakeTpCall()
#include "pycore_context.h"       // PyContext_CopyCurrent()

int
_PySlp_IsCurrent(PyTaskletObject *t)
{
    return _PySlp_HasThread(t) && t->ts->current == t;
}

PyTaskletObject *
_PySlp_TaskletNew(PyTypeObject *type, PySlp_ThreadState *ts)
{
    PyTaskletObject *t = (PyTaskletObject *)type->tp_alloc(type, 0);
    if (t == NULL) {
        return NULL;
    }
    t->ts = ts;
    _PySlp_ThreadStateIncref(ts);
    t->thread_id = ts->thread_id;
    t->tempval = Py_NewRef(Py_None);
    _PySlp_StateInit(t, ts);
    /* A new tasklet starts in a copy of its creator's context, as an
       asyncio task does (D13). */
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
    return (PyObject *)_PySlp_TaskletNew(type, ts);
}

/* bind(func, args, kwargs), None meaning "not given": with neither args
   nor kwargs the tasklet keeps only its callable (bound, or unbound
   without one); else the call is set up (paused).  The frames of a paused
   soft tasklet are dropped without running code. */
static int
bind_now(PyTaskletObject *t, PyObject *func, PyObject *args,
         PyObject *kwargs)
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
        return -1;
    }
    if (_PySlp_IsCurrent(t)) {
        PyErr_SetString(PyExc_RuntimeError,
                        "can't (re)bind the current tasklet");
        return -1;
    }
    if (t->in_ring || t->blocked) {
        PyErr_SetString(PyExc_RuntimeError, "tasklet is scheduled");
        return -1;
    }
    if (t->has_cstack && t->alive) {
        PyErr_SetString(PyExc_RuntimeError,
                        "tasklet has C state on its stack");
        return -1;
    }
    if (t->is_main && args == NULL && kwargs == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "can't unbind the main tasklet");
        return -1;
    }
    if ((args != NULL || kwargs != NULL) && !_PySlp_HasThread(t)) {
        /* Before anything changes: an orphan keeps its frames. */
        PyErr_SetString(PyExc_RuntimeError, "tasklet has no thread");
        return -1;
    }
    if (t->parked) {
        /* A paused soft tasklet: its old frames go, no cleanup runs; if
           it was waiting in run(), it is no longer. */
        if (_PySlp_HasThread(t)) {
            _PySlp_ForgetWatchdog(t->ts, t);
        }
        _PySlp_DropFrames(t);
        _PySlp_StateClear(t);
        t->alive = 0;
    }
    if (args == NULL && kwargs == NULL) {
        /* Unbound or bound: tempval holds the callable. */
        Py_CLEAR(t->func);
        Py_CLEAR(t->args);
        Py_CLEAR(t->kwargs);
        t->alive = 0;
        Py_XSETREF(t->tempval, Py_NewRef(func ? func : Py_None));
        return 0;
    }
    if (func == NULL) {
        func = t->func ? t->func : t->tempval;
        if (func == NULL || func == Py_None || !PyCallable_Check(func)) {
            PyErr_SetString(PyExc_RuntimeError,
                            "the tasklet was not bound to a function");
            return -1;
        }
    }
    PyObject *a = args ? PySequence_Tuple(args) : PyTuple_New(0);
    if (a == NULL) {
        return -1;
    }
    PyObject *kw = NULL;
    if (kwargs != NULL) {
        if (!PyDict_Check(kwargs)) {
            Py_DECREF(a);
            PyErr_SetString(PyExc_TypeError, "kwargs must be a dict");
            return -1;
        }
        kw = PyDict_Copy(kwargs);
        if (kw == NULL) {
            Py_DECREF(a);
            return -1;
        }
    }
    Py_INCREF(func);
    Py_XSETREF(t->func, func);
    Py_XSETREF(t->args, a);
    Py_XSETREF(t->kwargs, kw);
    Py_XSETREF(t->tempval, Py_NewRef(Py_None));
    t->alive = 1;
    return SLP_HARD_SWITCH ? 0 : _PySlp_PrepareStartShim(t);
}

int
_PySlp_TaskletBind(PyTaskletObject *t, PyObject *func, PyObject *args,
                   PyObject *kwargs)
{
    if (_PySlp_CheckNotChanging(t) < 0) {
        return -1;
    }
    t->changing = 1;
    int rc = bind_now(t, func, args, kwargs);
    t->changing = 0;
    return rc;
}

/* setup(*args, **kwargs): bind the call and make the tasklet runnable in
   its own thread. */
int
_PySlp_TaskletSetup(PyTaskletObject *t, PyObject *args, PyObject *kwargs)
{
    if (_PySlp_CheckNotChanging(t) < 0
        || _PySlp_CheckQueueGrow(t->ts) < 0) {
        return -1;
    }
    if (t->alive && _PySlp_HasThread(t)) {
        PyErr_SetString(PyExc_RuntimeError, "tasklet is alive");
        return -1;
    }
    t->changing = 1;
    int rc = bind_now(t, NULL, args, kwargs);
    t->changing = 0;
    if (rc < 0) {
        return -1;
    }
    /* Code run while binding may have frozen the queues (a schedule
       callback that switched here) or ended the thread. */
    if (_PySlp_CheckQueueGrow(t->ts) < 0) {
        return -1;
    }
    if (!t->in_ring && _PySlp_HasThread(t)) {
        _PySlp_RingAppend(t->ts, t);
    }
    return 0;
}

/* tasklet(func): made a million times a second by some programs, so the
   usual call of the exact type skips the argument tuple and parser
   (D30); every other form takes the general path. */
static PyObject *
tasklet_vectorcall(PyObject *type, PyObject *const *args, size_t nargsf,
                   PyObject *kwnames)
{
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (type != (PyObject *)&PyTasklet_Type || kwnames != NULL
        || nargs > 1) {
        return _PyObject_MakeTpCall(_PyThreadState_GET(), type, args, nargs,
                                    kwnames);
    }
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    if (ts == NULL) {
        return NULL;
    }
    PyTaskletObject *t = _PySlp_TaskletNew(&PyTasklet_Type, ts);
    if (t == NULL) {
        return NULL;
    }
    if (nargs == 1 && _PySlp_TaskletBind(t, args[0], NULL, NULL) < 0) {
        Py_DECREF(t);
        return NULL;
    }
    return (PyObject *)t;
}

/* ------------------------------------------------------------------ */
/* Garbage collection and freeing */

static int
tasklet_traverse(PyTaskletObject *t, visitproc visit, void *arg)
{
    Py_VISIT(t->tempval);
    Py_VISIT(t->pending_bomb);
    Py_VISIT(t->func);
    Py_VISIT(t->args);
    Py_VISIT(t->kwargs);
    Py_VISIT(t->channel);
    if (!_PySlp_IsCurrent(t)) {
        return _PySlp_StateTraverse(t, visit, arg);
    }
    return 0;
}

static int
tasklet_clear(PyTaskletObject *t)
{
    Py_CLEAR(t->tempval);
    Py_CLEAR(t->pending_bomb);
    if (!_PySlp_HasFrames(t)) {
        Py_CLEAR(t->func);
        Py_CLEAR(t->args);
        Py_CLEAR(t->kwargs);
        Py_CLEAR(t->state.context);
    }
    return 0;
}

static void
tasklet_finalize(PyObject *self)
{
    _PySlp_FinalizeTasklet((PyTaskletObject *)self);
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
    if (t->has_cstack && t->alive && !t->is_main) {
        /* Its C stack still refers to its frames: keep both, leaked,
           rather than free memory something may still point into. */
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
    if (t->parked) {
        _PySlp_DropFrames(t);
    }
    if (t->ts != NULL) {
        _PySlp_BegunUnlink(t->ts, t);
    }
    _PySlp_StateClear(t);
    if (t->hard != NULL) {
        _PySlp_cstack_clear(&t->hard->cstack);
        _PySlp_cstack_clear(&t->hard->home);
        PyMem_Free(t->hard->cuts);
        PyMem_Free(t->hard);
    }
    Py_CLEAR(t->tempval);
    Py_CLEAR(t->pending_bomb);
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

/* tp_methods, tp_getset, tp_doc, tp_init and tp_call: module layer. */
PyTypeObject PyTasklet_Type = {
    PyVarObject_HEAD_INIT(&PyType_Type, 0)
    .tp_name = "stackless.tasklet",
    .tp_basicsize = sizeof(PyTaskletObject),
    .tp_dealloc = (destructor)tasklet_dealloc,
    .tp_vectorcall = tasklet_vectorcall,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC
                | Py_TPFLAGS_BASETYPE,
    .tp_traverse = (traverseproc)tasklet_traverse,
    .tp_clear = (inquiry)tasklet_clear,
    .tp_weaklistoffset = offsetof(PyTaskletObject, weakreflist),
    .tp_alloc = PyType_GenericAlloc,
    .tp_new = tasklet_new,
    .tp_free = PyObject_GC_Del,
    .tp_finalize = tasklet_finalize,
};
