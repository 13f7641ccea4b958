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

/* Py_FinalizeEx(), after the atexit handlers: kill the main thread's
   tasklets that hold C state, so their cleanup code runs. */
extern void _PySlp_Finalize(PyThreadState *tstate);

/* _Py_HandlePending(): whether the current tasklet is atomic, so that
   signal handlers, pending calls and the GIL hand-over wait. */
extern int _PySlp_IsAtomic(PyThreadState *tstate);

#endif /* !Py_INTERNAL_STACKLESS_H */
