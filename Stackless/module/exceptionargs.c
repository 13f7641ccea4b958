/* Exceptions made from the arguments of throw(), raise_exception(),
 * send_throw() and send_exception(), with the checks and messages of
 * Python's own `raise`. */

#include "slp_module.h"

/* (type, value, tb) with raise semantics: a class instantiated with value
   (a tuple is the argument list), or an instance with no separate value;
   tb a traceback or None.  NULL with TypeError otherwise. */
PyObject *
_PySlp_MakeException(PyObject *type, PyObject *value, PyObject *tb)
{
    if (tb == Py_None) {
        tb = NULL;
    }
    if (tb != NULL && !PyTraceBack_Check(tb)) {
        PyErr_SetString(PyExc_TypeError,
                        "third argument must be a traceback object");
        return NULL;
    }
    PyObject *exc;
    if (PyExceptionClass_Check(type)) {
        if (value == NULL || value == Py_None) {
            exc = PyObject_CallNoArgs(type);
        }
        else if (PyExceptionInstance_Check(value)
                 && PyObject_IsInstance(value, type) == 1) {
            exc = Py_NewRef(value);
        }
        else if (PyTuple_Check(value)) {
            exc = PyObject_Call(type, value, NULL);
        }
        else {
            exc = PyObject_CallOneArg(type, value);
        }
        if (exc != NULL && !PyExceptionInstance_Check(exc)) {
            PyErr_Format(PyExc_TypeError,
                         "calling %R should have returned an instance of "
                         "BaseException, not %s",
                         type, Py_TYPE(exc)->tp_name);
            Py_CLEAR(exc);
        }
    }
    else if (PyExceptionInstance_Check(type)) {
        if (value != NULL && value != Py_None) {
            PyErr_SetString(PyExc_TypeError,
                            "instance exception may not have a separate "
                            "value");
            return NULL;
        }
        exc = Py_NewRef(type);
    }
    else {
        PyErr_Format(PyExc_TypeError,
                     "exceptions must be classes, or instances, not %s",
                     Py_TYPE(type)->tp_name);
        return NULL;
    }
    if (exc != NULL && tb != NULL) {
        PyException_SetTraceback(exc, tb);
    }
    return exc;
}

/* args[0](*args[1:]) for send_exception() and raise_exception() (`who`,
   `what` name the method in error messages). */
PyObject *
_PySlp_MakeExceptionFromArgs(PyObject *args, const char *who,
                             const char *what)
{
    if (PyTuple_GET_SIZE(args) < 1) {
        /* The message programs written for Stackless match. */
        PyErr_Format(PyExc_TypeError, "%s() takes at least 1 argument",
                     who);
        return NULL;
    }
    PyObject *klass = PyTuple_GET_ITEM(args, 0);
    if (!PyExceptionClass_Check(klass)) {
        PyErr_Format(PyExc_TypeError,
                     "%s needs Exception or string subclass as first "
                     "parameter", what);
        return NULL;
    }
    PyObject *rest = PyTuple_GetSlice(args, 1, PyTuple_GET_SIZE(args));
    if (rest == NULL) {
        return NULL;
    }
    PyObject *exc = PyObject_Call(klass, rest, NULL);
    Py_DECREF(rest);
    return exc;
}
