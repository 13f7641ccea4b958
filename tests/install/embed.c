/* A program that embeds the interpreter, the way a game engine would:
 * it starts Python, drives the scheduler from C through the C API before
 * and after Python code imported stackless (docs/c-api.md, "Inside and
 * outside"), runs code that uses an extension module loaded from
 * lib-dynload, and shuts down cleanly. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stackless_api.h>
#include <stdio.h>
#include <string.h>

int
main(void)
{
    PyConfig config;
    /* The regular configuration honours PYTHONHOME, which the test sets:
       it installs into a scratch prefix the program does not live in. */
    PyConfig_InitPythonConfig(&config);
    PyStatus status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status)) {
        Py_ExitStatusException(status);
    }
    if (strstr(Py_GetVersion(), "Stackless " STACKLESS_VERSION) == NULL) {
        fprintf(stderr, "embed: Py_GetVersion() lacks the marker: %s\n",
                Py_GetVersion());
        return 1;
    }
    /* The C API before anything imported stackless. */
    if (PyStackless_GetRunCount() != 1) {
        fprintf(stderr, "embed: GetRunCount() before import failed\n");
        PyErr_Print();
        return 1;
    }
    /* The reference's example: a tasklet queued by Python code runs when
       C code schedules. */
    if (PyRun_SimpleString("import stackless\n"
                           "ran = []\n"
                           "stackless.tasklet(ran.append)('hi')\n") != 0) {
        return 1;
    }
    PyObject *r = PyStackless_Schedule(Py_None, 0);
    if (r == NULL) {
        PyErr_Print();
        return 1;
    }
    Py_DECREF(r);
    PyObject *main_mod = PyImport_AddModule("__main__");
    PyObject *ran = main_mod ? PyObject_GetAttrString(main_mod, "ran") : NULL;
    if (ran == NULL || PyList_Size(ran) != 1) {
        fprintf(stderr, "embed: the queued tasklet did not run\n");
        return 1;
    }
    /* Call_Main from C code with no Python code running. */
    r = PyStackless_CallMethod_Main(ran, "append", "s", "main");
    if (r == NULL || PyList_Size(ran) != 2) {
        PyErr_Print();
        return 1;
    }
    Py_DECREF(r);
    Py_DECREF(ran);
    int rc = PyRun_SimpleString(
        "import sys, stackless, zlib\n"
        "assert 'stackless' in sys.builtin_module_names\n"
        "assert zlib.decompress(zlib.compress(b'x' * 100)) == b'x' * 100\n"
        "print('embed: ok', sys.version.split()[2])\n");
    if (Py_FinalizeEx() < 0 || rc != 0) {
        return 1;
    }
    return 0;
}
