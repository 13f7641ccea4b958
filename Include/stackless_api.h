/* The Stackless C API: tasklets, channels and the scheduler from C.
 *
 * For extension modules and for programs that embed the interpreter.
 * Every function needs the GIL, except PyStackless_GetCurrentId().  Each
 * does what the same operation of the stackless module does; this header
 * states the C side: return conventions beside each group, the "_nr"
 * protocol below.  The C API chapter of the Stackless documentation
 * ("The C API") describes every function with examples.
 *
 * The names, signatures and return conventions are those of the original
 * Stackless Python, so that code written for it compiles; the C API
 * chapter lists where this implementation differs. */

#ifndef Py_STACKLESS_API_H
#define Py_STACKLESS_API_H

#include <Python.h>
#include "stackless.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Types, objects, flags */

typedef struct _PySlp_Tasklet PyTaskletObject;
typedef struct _PySlp_Channel PyChannelObject;
typedef struct _PySlp_UnwindObject PyUnwindObject;

PyAPI_DATA(PyTypeObject) PyTasklet_Type;
PyAPI_DATA(PyTypeObject) PyChannel_Type;
PyAPI_DATA(PyTypeObject) PyBomb_Type;
PyAPI_DATA(PyTypeObject) PyCFrame_Type;

#define PyTasklet_Check(op) PyObject_TypeCheck((op), &PyTasklet_Type)
#define PyTasklet_CheckExact(op) Py_IS_TYPE((op), &PyTasklet_Type)
#define PyChannel_Check(op) PyObject_TypeCheck((op), &PyChannel_Type)
#define PyChannel_CheckExact(op) Py_IS_TYPE((op), &PyChannel_Type)
#define PyBomb_Check(op) Py_IS_TYPE((op), &PyBomb_Type)
#define PyCFrame_Check(op) Py_IS_TYPE((op), &PyCFrame_Type)

/* The result of an "_nr" function that switched softly: the caller
   returns it at once, and the eval loop delivers the real result later.
   Never reference counted; test it with STACKLESS_UNWINDING(). */
PyAPI_DATA(PyUnwindObject *) Py_UnwindToken;
#define STACKLESS_UNWINDING(obj) \
    ((PyObject *)(obj) == (PyObject *)Py_UnwindToken)

/* A C function (PyMethodDef.ml_flags) that may return Py_UnwindToken
   from an "_nr" call or PyStackless_CallFunction().  CPython reserves
   the bit; Python.h defines it as 0 unless STACKLESS was defined first. */
#undef METH_STACKLESS
#define METH_STACKLESS 0x0100

/* The original's type flag for a tp_call that may unwind.  Accepted and
   ignored: only METH_STACKLESS functions take part in soft switching
   here, and only when called directly by Python bytecode.
   Py_TPFLAGS_HAVE_STACKLESS_EXTENSION keeps object.h's definition,
   because Py_TPFLAGS_DEFAULT includes it. */
#define Py_TPFLAGS_HAVE_STACKLESS_CALL (1UL << 15)

/* Flags of PyStackless_RunWatchdogEx(); the mixed prefixes are the
   original's. */
#define Py_WATCHDOG_THREADBLOCK 1
#define PY_WATCHDOG_SOFT 2
#define PY_WATCHDOG_IGNORE_NESTING 4
#define PY_WATCHDOG_TOTALTIMEOUT 8
#define PY_WATCHDOG_TIMEOUT PY_WATCHDOG_TOTALTIMEOUT

/* A C hook called at every switch, as the schedule callback is
   (`from` is NULL when a main tasklet starts).  Non-zero: an error, which
   is reported and ignored.  It must not switch tasklets. */
typedef int (slp_schedule_hook_func)(PyTaskletObject *from,
                                     PyTaskletObject *to);

/* ------------------------------------------------------------------ */
/* Tasklets: 0 / -1 with an exception, unless said otherwise.  "_nr":
   1 switched softly (return Py_UnwindToken), 0 done, -1 error. */

PyAPI_FUNC(PyTaskletObject *) PyTasklet_New(PyTypeObject *type,
                                            PyObject *func);
PyAPI_FUNC(PyTaskletObject *) PyTasklet_Bind(PyTaskletObject *task,
                                             PyObject *func);
PyAPI_FUNC(int) PyTasklet_BindEx(PyTaskletObject *task, PyObject *func,
                                 PyObject *args, PyObject *kwargs);
PyAPI_FUNC(int) PyTasklet_BindThread(PyTaskletObject *task,
                                     unsigned long thread_id);
PyAPI_FUNC(int) PyTasklet_Setup(PyTaskletObject *task, PyObject *args,
                                PyObject *kwds);
PyAPI_FUNC(int) PyTasklet_Run(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_Run_nr(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_Switch(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_Switch_nr(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_Remove(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_Insert(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_RaiseException(PyTaskletObject *task,
                                         PyObject *klass, PyObject *args);
PyAPI_FUNC(int) PyTasklet_Throw(PyTaskletObject *task, int pending,
                                PyObject *exc, PyObject *val, PyObject *tb);
PyAPI_FUNC(int) PyTasklet_Kill(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_KillEx(PyTaskletObject *task, int pending);

/* Flags: the getters return 0 or 1; the setters return the old value. */
PyAPI_FUNC(int) PyTasklet_GetAtomic(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_SetAtomic(PyTaskletObject *task, int flag);
PyAPI_FUNC(int) PyTasklet_GetIgnoreNesting(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_SetIgnoreNesting(PyTaskletObject *task,
                                           int flag);
PyAPI_FUNC(int) PyTasklet_GetBlockTrap(PyTaskletObject *task);
PyAPI_FUNC(void) PyTasklet_SetBlockTrap(PyTaskletObject *task, int value);

/* A new reference, or NULL without an exception if it has no frame. */
PyAPI_FUNC(PyObject *) PyTasklet_GetFrame(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_IsMain(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_IsCurrent(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_GetRecursionDepth(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_GetNestingLevel(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_Alive(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_Paused(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_Scheduled(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_Restorable(PyTaskletObject *task);
PyAPI_FUNC(int) PyTasklet_GetPendingIrq(PyTaskletObject *task);
/* -1 blocked receiving, 1 sending, 0 not blocked. */
PyAPI_FUNC(int) PyTasklet_GetBlocked(PyTaskletObject *task);

/* ------------------------------------------------------------------ */
/* Channels */

PyAPI_FUNC(PyChannelObject *) PyChannel_New(PyTypeObject *type);
PyAPI_FUNC(int) PyChannel_Send(PyChannelObject *self, PyObject *arg);
PyAPI_FUNC(int) PyChannel_Send_nr(PyChannelObject *self, PyObject *arg);
PyAPI_FUNC(PyObject *) PyChannel_Receive(PyChannelObject *self);
PyAPI_FUNC(PyObject *) PyChannel_Receive_nr(PyChannelObject *self);
PyAPI_FUNC(int) PyChannel_SendException(PyChannelObject *self,
                                        PyObject *klass, PyObject *value);
PyAPI_FUNC(int) PyChannel_SendThrow(PyChannelObject *self, PyObject *exc,
                                    PyObject *val, PyObject *tb);
/* Ours: stackless.select(ops, block) -- (index, value), None if `block`
   is 0 and nothing is ready, NULL with an exception. */
PyAPI_FUNC(PyObject *) PyChannel_Select(PyObject *ops, int block);
PyAPI_FUNC(PyObject *) PyChannel_Select_nr(PyObject *ops, int block);
/* A new reference to the first blocked tasklet, or to None. */
PyAPI_FUNC(PyObject *) PyChannel_GetQueue(PyChannelObject *self);
PyAPI_FUNC(void) PyChannel_Close(PyChannelObject *self);
PyAPI_FUNC(void) PyChannel_Open(PyChannelObject *self);
PyAPI_FUNC(int) PyChannel_GetClosing(PyChannelObject *self);
PyAPI_FUNC(int) PyChannel_GetClosed(PyChannelObject *self);
PyAPI_FUNC(int) PyChannel_GetPreference(PyChannelObject *self);
PyAPI_FUNC(void) PyChannel_SetPreference(PyChannelObject *self, int val);
PyAPI_FUNC(int) PyChannel_GetScheduleAll(PyChannelObject *self);
PyAPI_FUNC(void) PyChannel_SetScheduleAll(PyChannelObject *self, int val);
PyAPI_FUNC(int) PyChannel_GetBalance(PyChannelObject *self);

/* ------------------------------------------------------------------ */
/* The scheduler */

/* `retval` is borrowed; returns a new reference to what the caller is
   resumed with. */
PyAPI_FUNC(PyObject *) PyStackless_Schedule(PyObject *retval, int remove);
PyAPI_FUNC(PyObject *) PyStackless_Schedule_nr(PyObject *retval,
                                               int remove);
PyAPI_FUNC(int) PyStackless_GetRunCount(void);
/* A new reference; NULL without an exception if the thread has none. */
PyAPI_FUNC(PyObject *) PyStackless_GetCurrent(void);
/* Usable without the GIL. */
PyAPI_FUNC(unsigned long) PyStackless_GetCurrentId(void);
PyAPI_FUNC(int) PyStackless_AdjustSwitchTrap(int change);
/* None, or the interrupted tasklet (out of the run queue: insert or
   kill it). */
PyAPI_FUNC(PyObject *) PyStackless_RunWatchdog(long timeout);
PyAPI_FUNC(PyObject *) PyStackless_RunWatchdogEx(long timeout, int flags);
/* Ours: run(timeout, ..., budget=seconds); a timeout of 0 means none. */
PyAPI_FUNC(PyObject *) PyStackless_RunWatchdogBudget(long timeout,
                                                     int flags,
                                                     double budget);

/* ------------------------------------------------------------------ */
/* Monitoring: NULL removes. */

PyAPI_FUNC(int) PyStackless_SetChannelCallback(PyObject *callable);
PyAPI_FUNC(int) PyStackless_SetScheduleCallback(PyObject *callable);
PyAPI_FUNC(void) PyStackless_SetScheduleFastcallback(
    slp_schedule_hook_func func);

/* ------------------------------------------------------------------ */
/* Calls from C code with no Python code running in the thread */

PyAPI_FUNC(PyObject *) PyStackless_Call_Main(PyObject *func, PyObject *args,
                                             PyObject *kwds);
PyAPI_FUNC(PyObject *) PyStackless_CallMethod_Main(PyObject *o,
                                                   const char *name,
                                                   const char *format, ...);
PyAPI_FUNC(PyObject *) PyStackless_CallCMethod_Main(PyMethodDef *meth,
                                                    PyObject *self,
                                                    const char *format, ...);

/* ------------------------------------------------------------------ */
/* Soft-switchable extension functions: a METH_STACKLESS function returns
   PyStackless_CallFunction(); the function declared is run at once and,
   after each soft switch, re-entered with the result. */

/* Re-entered with the result of the operation it waited for (retval,
   borrowed; NULL: an exception is set).  *step, the three object slots
   (owning their references), *n and *any persist across entries.
   Returns a new reference, NULL, or Py_UnwindToken from an "_nr"
   call. */
typedef PyObject *(slp_softswitchablefunc)(PyObject *retval, long *step,
                                           PyObject **ob1, PyObject **ob2,
                                           PyObject **ob3, long *n,
                                           void **any);

typedef struct {
    PyObject_HEAD
    slp_softswitchablefunc *sfunc;
    const char *name;           /* its attribute name in the module */
    const char *module_name;    /* set by InitFunctionDeclaration */
} PyStacklessFunctionDeclarationObject;

PyAPI_DATA(PyTypeObject) PyStacklessFunctionDeclaration_Type;
#define PyStacklessFunctionDeclarationType_CheckExact(op) \
    Py_IS_TYPE((op), &PyStacklessFunctionDeclaration_Type)

PyAPI_FUNC(int) PyStackless_InitFunctionDeclaration(
    PyStacklessFunctionDeclarationObject *sfd, PyObject *module,
    PyModuleDef *module_def);
PyAPI_FUNC(PyObject *) PyStackless_CallFunction(
    PyStacklessFunctionDeclarationObject *sfd, PyObject *arg,
    PyObject *ob1, PyObject *ob2, PyObject *ob3, long n, void *any);

#ifdef __cplusplus
}
#endif

#endif /* !Py_STACKLESS_API_H */
