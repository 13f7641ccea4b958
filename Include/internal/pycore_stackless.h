/* Hooks from the upstream interpreter into Stackless (Stackless/core/).
 * Every call site is in a patch under patches/; keep this list short. */

#ifndef Py_INTERNAL_STACKLESS_H
#define Py_INTERNAL_STACKLESS_H

#ifndef Py_BUILD_CORE
#  error "this header requires Py_BUILD_CORE define"
#endif

/* PyThreadState_Clear(): kill the thread's tasklets that hold C state
   (when it is the calling thread), orphan the others, free the
   scheduler.  Does nothing for a thread that never used Stackless. */
extern void _PySlp_ThreadClear(PyThreadState *tstate);

/* Py_FinalizeEx(), after the atexit handlers: kill every tasklet of the
   main thread that has begun, soft or with C state, so that its cleanup
   code runs (D28). */
extern void _PySlp_Finalize(PyThreadState *tstate);

/* _Py_HandlePending(): whether the current tasklet is atomic, so that
   signal handlers, pending calls and the GIL hand-over wait. */
extern int _PySlp_IsAtomic(PyThreadState *tstate);

/* _Py_HandlePending(), last: raise the exception another thread threw at
   the running tasklet (Stackless/core/threads.c).  -1 if it did. */
extern int _PySlp_HandlePending(PyThreadState *tstate);

/* gc_collect_main(): `tstate` starts (1) or ends (0) a collection.  That
   thread may not switch tasklets meanwhile; others may (D18). */
extern void _PySlp_GCCollecting(PyThreadState *tstate, int on);

/* Soft switching (Stackless/core/softswitch.c): a tasklet gives up the
   CPU by returning from a call made by bytecode and letting the eval loop
   run another tasklet's frames.  The loop learns of it through this bit
   of tstate->eval_breaker, which sends it to the slow path of
   CHECK_EVAL_BREAKER after the call.  It is the highest event bit, which
   the patch adds above CPython's own, so no CPython version can take it
   (docs/architecture.md, D21). */
#define _PY_SLP_SOFT_SWITCH_BIT (1U << (_PY_EVAL_EVENTS_BITS - 1))

/* CHECK_EVAL_BREAKER's slow path: whether `frame`, the frame this loop
   runs, is the one being parked (nested loops see the bit too): 1, and
   the loop goes to its soft switch.  Else 0; or -1 when the bit was set
   only to count a pre-emption tick, and _Py_HandlePending has nothing to
   do. */
extern int _PySlp_IsParking(PyThreadState *tstate,
                            struct _PyInterpreterFrame *frame);

/* How the eval loop goes on after _PySlp_SoftSwitch() (Stackless/core/
   lifecycle.c): the current tasklet's top frame resumes with the value
   of the call it is parked in, or starts, or resumes with an exception
   raised by that call; or the loop returns *result (its own frames
   finished under another loop). */
#define _PySlp_RESUME_VALUE 0
#define _PySlp_RESUME_START 1
#define _PySlp_RESUME_RAISE 2
#define _PySlp_RESUME_EXIT 3

/* Park `frame`'s tasklet (NULL: a dispatcher's entry, nothing to park)
   and make the eval loop whose entry frame is `entry` run the current
   tasklet.  Returns one of _PySlp_RESUME_*.  A dispatcher enters the eval
   loop with an entry frame (FRAME_OWNED_BY_CSTACK) as the frame to run:
   CPython itself never does (Stackless/core/lifecycle.c). */
extern int _PySlp_SoftSwitch(PyThreadState *tstate,
                             struct _PyInterpreterFrame *entry,
                             struct _PyInterpreterFrame *frame,
                             PyObject **result);

/* ceval.c: the first frame of a tasklet that starts softly. */
extern struct _PyInterpreterFrame *_PySlp_PushCallFrame(
    PyThreadState *tstate, PyFunctionObject *func, PyObject *callargs,
    PyObject *kwargs);

/* Frame-stack chunks (Stackless/core/datastack.c): the size push_chunk
   allocates (`stock` for code outside tasklets), and the allocation. */
extern int _PySlp_ChunkSize(PyThreadState *tstate, int nwords, int stock);
extern _PyStackChunk *_PySlp_ChunkAlloc(PyThreadState *tstate, int size);
extern void _PySlp_ChunkFree(PyThreadState *tstate,
                             _PyStackChunk *chunk);

/* METH_STACKLESS (stackless_api.h; CPython reserves the bit): a C
   function that may switch its tasklet softly.  PyCFunction and method
   descriptor objects of such a function get these vectorcalls
   (Stackless/core/cfunction.c), which note where the call's arguments
   lie, as the stackless module's own functions do (D22), and then make
   the call their flags ask for, through the plain ones (Objects/
   methodobject.c, Objects/descrobject.c). */
#define _PySlp_METH_STACKLESS 0x0100
extern PyObject *_PySlp_CFunctionVectorcall(
    PyObject *func, PyObject *const *args, size_t nargsf, PyObject *kwnames);
extern PyObject *_PySlp_MethodDescrVectorcall(
    PyObject *func, PyObject *const *args, size_t nargsf, PyObject *kwnames);
extern PyObject *_PyCFunction_PlainVectorcall(
    PyObject *func, PyObject *const *args, size_t nargsf, PyObject *kwnames);
extern PyObject *_PyMethodDescr_PlainVectorcall(
    PyObject *func, PyObject *const *args, size_t nargsf, PyObject *kwnames);

#endif /* !Py_INTERNAL_STACKLESS_H */
