/* The `stackless` module's own declarations, shared by the files of
 * module/: the Python face of the core's objects (docs/architecture.md,
 * "Layers").  The core never includes this header. */

#ifndef SLP_MODULE_H
#define SLP_MODULE_H

#include "core/slp_core.h"

/* module/taskletobject.c: attach the tasklet type's methods and
   attributes, then ready it; set a tasklet's tracer or profiler as
   sys.settrace()/setprofile() would. */
int _PySlp_TaskletTypeReady(void);
int _PySlp_TaskletSetTracer(PyTaskletObject *t, PyObject *v, int profile);

/* module/channelobject.c: PyChannel_Type (stackless_api.h) */

/* module/exceptionargs.c: raise-style arguments made an exception */
PyObject *_PySlp_MakeException(PyObject *type, PyObject *value,
                               PyObject *tb);
PyObject *_PySlp_MakeExceptionFromArgs(PyObject *args, const char *who,
                                       const char *what);

/* module/pickling.c: reducers and the stackless._wrap helpers */
PyObject *_PySlp_TaskletReduce(PyTaskletObject *t);
PyObject *_PySlp_TaskletSetState(PyTaskletObject *t, PyObject *state);
PyObject *_PySlp_ChannelReduce(PyChannelObject *ch);
PyObject *_PySlp_ChannelSetState(PyChannelObject *ch, PyObject *state);
int _PySlp_AddWrapModule(PyObject *stackless);

#endif /* SLP_MODULE_H */
