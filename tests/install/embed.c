/* A program that embeds the interpreter, the way a game engine would:
 * it starts Python, runs code that uses the built-in stackless module and
 * an extension module loaded from lib-dynload, and shuts down cleanly. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stackless_version.h>
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
