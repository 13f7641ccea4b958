/* The built-in `stackless` module.
 *
 * It is compiled into the interpreter (Modules/config.c registers it), not
 * built as a shared library: the scheduler lives in the core and every
 * thread state refers to it, so it cannot be optional or loaded late.
 */

#include "Python.h"
#include "stackless_version.h"

PyDoc_STRVAR(stackless_doc,
"Microthreads for Python: tasklets, channels and a scheduler.\n\
\n\
This is the built-in module of Stackless Python " STACKLESS_VERSION ".");

PyDoc_STRVAR(getdebug_doc,
"getdebug() -> bool\n\
\n\
True when the interpreter is a debug build (configured --with-pydebug).");

static PyObject *
stackless_getdebug(PyObject *module, PyObject *Py_UNUSED(ignored))
{
#ifdef Py_DEBUG
    Py_RETURN_TRUE;
#else
    Py_RETURN_FALSE;
#endif
}

static PyMethodDef stackless_methods[] = {
    {"getdebug", stackless_getdebug, METH_NOARGS, getdebug_doc},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot stackless_slots[] = {
    /* The scheduler is per interpreter; sharing the module between
       sub-interpreters would share it too. */
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
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
