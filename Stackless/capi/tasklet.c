/* The C API: tasklets (stackless_api.h; docs/c-api.md, "Tasklets").
 *
 * Each function does what the Python-level operation does.  Where the
 * rules live in the tasklet type's methods (module/taskletobject.c), it
 * calls the method, so that C and Python cannot disagree. */

#include "slp_capi.h"

/* ------------------------------------------------------------------ */
/* Helpers shared by the API's files */

int
_PySlp_CapiFlag(PyObject *o, const char *name)
{
    PyObject *v = PyObject_GetAttrString(o, name);
    if (v == NULL) {
        return -1;
    }
    int r = PyObject_IsTrue(v);
    Py_DECREF(v);
    return r;
}

int
_PySlp_CapiInt(PyObject *o, const char *name)
{
    PyObject *v = PyObject_GetAttrString(o, name);
    if (v == NULL) {
        return -1;
    }
    int r = PyLong_AsInt(v);
    Py_DECREF(v);
    return r;
}

int
_PySlp_CapiCallMethod(PyObject *o, const char *name, PyObject *args)
{
    PyObject *meth = PyObject_GetAttrString(o, name);
    if (meth == NULL) {
        return -1;
    }
    PySlp_HardOnly h;
    _PySlp_HardOnlyBegin(&h);
    PyObject *r = args ? PyObject_Call(meth, args, NULL)
                       : PyObject_CallNoArgs(meth);
    _PySlp_HardOnlyEnd(&h);
    Py_DECREF(meth);
    return _PySlp_DoneOrError(r);
}

PyObject *
_PySlp_CapiExceptionArgs(PyObject *klass, PyObject *args, const char *who)
{
    if (klass == NULL) {
        PyErr_Format(PyExc_TypeError, "%s needs an exception class", who);
        return NULL;
    }
    if (args == NULL) {
        return PyTuple_Pack(1, klass);
    }
    if (!PyTuple_Check(args)) {
        return PyTuple_Pack(2, klass, args);
    }
    PyObject *head = PyTuple_Pack(1, klass);
    PyObject *a = head ? PySequence_Concat(head, args) : NULL;
    Py_XDECREF(head);
    return a;
}

/* ------------------------------------------------------------------ */
/* Creation and binding */

PyTaskletObject *
PyTasklet_New(PyTypeObject *type, PyObject *func)
{
    if (_PySlp_CapiReady() < 0) {
        return NULL;
    }
    if (type == NULL) {
        type = &PyTasklet_Type;
    }
    if (!PyType_IsSubtype(type, &PyTasklet_Type)) {
        PyErr_SetNone(PyExc_TypeError);
        return NULL;
    }
    PyObject *t;
    if (func == NULL || func == Py_None) {
        t = PyObject_CallNoArgs((PyObject *)type);
    }
    else {
        t = PyObject_CallOneArg((PyObject *)type, func);
    }
    return (PyTaskletObject *)t;
}

PyTaskletObject *
PyTasklet_Bind(PyTaskletObject *task, PyObject *func)
{
    if (PyTasklet_BindEx(task, func, NULL, NULL) < 0) {
        return NULL;
    }
    return (PyTaskletObject *)Py_NewRef(task);
}

int
PyTasklet_BindEx(PyTaskletObject *task, PyObject *func, PyObject *args,
                 PyObject *kwargs)
{
    return _PySlp_TaskletBind(task, func == Py_None ? NULL : func,
                              args == Py_None ? NULL : args,
                              kwargs == Py_None ? NULL : kwargs);
}

int
PyTasklet_BindThread(PyTaskletObject *task, unsigned long thread_id)
{
    PyObject *args = thread_id == (unsigned long)-1
                     ? PyTuple_New(0)
                     : Py_BuildValue("(k)", thread_id);
    if (args == NULL) {
        return -1;
    }
    int r = _PySlp_CapiCallMethod((PyObject *)task, "bind_thread", args);
    Py_DECREF(args);
    return r;
}

/* t(*args, **kwds) through the type, so that a subclass's __call__
   counts. */
int
PyTasklet_Setup(PyTaskletObject *task, PyObject *args, PyObject *kwds)
{
    if ((args != NULL && !PyTuple_Check(args))
        || (kwds != NULL && !PyDict_Check(kwds))) {
        PyErr_SetString(PyExc_TypeError,
                        "PyTasklet_Setup needs a tuple and a dict or NULL");
        return -1;
    }
    PyObject *empty = NULL;
    if (args == NULL) {
        args = empty = PyTuple_New(0);
        if (args == NULL) {
            return -1;
        }
    }
    PyObject *r = PyObject_Call((PyObject *)task, args, kwds);
    Py_XDECREF(empty);
    return _PySlp_DoneOrError(r);
}

/* ------------------------------------------------------------------ */
/* Switching */

static int
run_or_switch(PyTaskletObject *task, int remove, int nr)
{
    PySlp_HardOnly h;
    if (!nr) {
        _PySlp_HardOnlyBegin(&h);
    }
    PyObject *r = _PySlp_RunOrSwitch(task, remove);
    if (!nr) {
        _PySlp_HardOnlyEnd(&h);
    }
    return _PySlp_UnwoundDoneOrError(r);
}

int
PyTasklet_Run(PyTaskletObject *task)
{
    return run_or_switch(task, 0, 0);
}

int
PyTasklet_Run_nr(PyTaskletObject *task)
{
    return run_or_switch(task, 0, 1);
}

int
PyTasklet_Switch(PyTaskletObject *task)
{
    return run_or_switch(task, 1, 0);
}

int
PyTasklet_Switch_nr(PyTaskletObject *task)
{
    return run_or_switch(task, 1, 1);
}

int
PyTasklet_Remove(PyTaskletObject *task)
{
    return _PySlp_CapiCallMethod((PyObject *)task, "remove", NULL);
}

int
PyTasklet_Insert(PyTaskletObject *task)
{
    return _PySlp_Insert(task);
}

/* ------------------------------------------------------------------ */
/* Exceptions: always hard (docs/c-api.md) */

int
PyTasklet_RaiseException(PyTaskletObject *task, PyObject *klass,
                         PyObject *args)
{
    PyObject *a = _PySlp_CapiExceptionArgs(klass, args,
                                           "PyTasklet_RaiseException");
    if (a == NULL) {
        return -1;
    }
    int r = _PySlp_CapiCallMethod((PyObject *)task, "raise_exception", a);
    Py_DECREF(a);
    return r;
}

int
PyTasklet_Throw(PyTaskletObject *task, int pending, PyObject *exc,
                PyObject *val, PyObject *tb)
{
    PyObject *a = Py_BuildValue("(OOOO)", exc ? exc : Py_None,
                                val ? val : Py_None, tb ? tb : Py_None,
                                pending ? Py_True : Py_False);
    if (a == NULL) {
        return -1;
    }
    int r = _PySlp_CapiCallMethod((PyObject *)task, "throw", a);
    Py_DECREF(a);
    return r;
}

int
PyTasklet_Kill(PyTaskletObject *task)
{
    return PyTasklet_KillEx(task, 0);
}

int
PyTasklet_KillEx(PyTaskletObject *task, int pending)
{
    PyObject *a = PyTuple_Pack(1, pending ? Py_True : Py_False);
    if (a == NULL) {
        return -1;
    }
    int r = _PySlp_CapiCallMethod((PyObject *)task, "kill", a);
    Py_DECREF(a);
    return r;
}

/* ------------------------------------------------------------------ */
/* Flags and attributes */

int
PyTasklet_GetAtomic(PyTaskletObject *task)
{
    return task->atomic;
}

int
PyTasklet_SetAtomic(PyTaskletObject *task, int flag)
{
    int old = task->atomic;
    task->atomic = flag != 0;
    return old;
}

int
PyTasklet_GetIgnoreNesting(PyTaskletObject *task)
{
    return task->ignore_nesting;
}

int
PyTasklet_SetIgnoreNesting(PyTaskletObject *task, int flag)
{
    int old = task->ignore_nesting;
    task->ignore_nesting = flag != 0;
    return old;
}

int
PyTasklet_GetBlockTrap(PyTaskletObject *task)
{
    return task->block_trap;
}

void
PyTasklet_SetBlockTrap(PyTaskletObject *task, int value)
{
    task->block_trap = value != 0;
}

PyObject *
PyTasklet_GetFrame(PyTaskletObject *task)
{
    PyObject *f = PyObject_GetAttrString((PyObject *)task, "frame");
    if (f == Py_None) {
        Py_DECREF(f);
        return NULL;
    }
    return f;
}

int
PyTasklet_IsMain(PyTaskletObject *task)
{
    return _PySlp_CapiFlag((PyObject *)task, "is_main");
}

int
PyTasklet_IsCurrent(PyTaskletObject *task)
{
    return _PySlp_IsCurrent(task);
}

int
PyTasklet_GetRecursionDepth(PyTaskletObject *task)
{
    return _PySlp_CapiInt((PyObject *)task, "recursion_depth");
}

int
PyTasklet_GetNestingLevel(PyTaskletObject *task)
{
    return _PySlp_NestingLevel(task);
}

int
PyTasklet_Alive(PyTaskletObject *task)
{
    return _PySlp_CapiFlag((PyObject *)task, "alive");
}

int
PyTasklet_Paused(PyTaskletObject *task)
{
    return _PySlp_CapiFlag((PyObject *)task, "paused");
}

int
PyTasklet_Scheduled(PyTaskletObject *task)
{
    return _PySlp_CapiFlag((PyObject *)task, "scheduled");
}

int
PyTasklet_Restorable(PyTaskletObject *task)
{
    return _PySlp_CapiFlag((PyObject *)task, "restorable");
}

int
PyTasklet_GetPendingIrq(PyTaskletObject *task)
{
    return task->pending_irq;
}

int
PyTasklet_GetBlocked(PyTaskletObject *task)
{
    return task->blocked < 0 ? -1 : task->blocked > 0;
}
