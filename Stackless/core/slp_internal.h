/* Stackless internals shared by core/ and module/.
 *
 * Three objects make the model:
 *   PySlp_ThreadState   one per thread state: main, current, the run
 *                       queue (a ring), watchdogs, the C stack base;
 *   PyTaskletObject     a flow of control: its frames, the part of the
 *                       thread state it owns, its saved C stack slice;
 *   PyChannelObject     a FIFO of tasklets blocked on send or receive.
 *
 * Reference ownership: the ring holds one reference to each tasklet in
 * it, a channel to each tasklet blocked on it, the thread state to
 * `main` and `current`, the watchdog list to its tasklets.
 */

#ifndef SLP_INTERNAL_H
#define SLP_INTERNAL_H

#ifndef Py_BUILD_CORE
#  define Py_BUILD_CORE 1
#endif
#include "Python.h"
#include "pycore_frame.h"
#include "pycore_pystate.h"
#include "pycore_tstate.h"
#include "pycore_interp.h"        // PyInterpreterState.gc
#include "pycore_stackless.h"     // the hooks upstream calls
#include "pycore_modsupport.h"     // _PyArg_CheckPositional()

#include "platf/cstack.h"

typedef struct _PySlp_ThreadState PySlp_ThreadState;
typedef struct _PySlp_Tasklet PyTaskletObject;
typedef struct _PySlp_Channel PyChannelObject;

/* What a stackless call does with the value its tasklet is resumed with
   (NULL: an exception is set); returns the call's result.  Run after a
   hard switch returns, or by the eval loop when a soft-switched tasklet
   resumes: the call itself has long returned then (core/softswitch.c). */
typedef PyObject *(*PySlp_ResumeHook)(PySlp_ThreadState *ts,
                                      PyTaskletObject *t, PyObject *value);

/* The part of a thread state that belongs to one flow of control.  While
   a tasklet is current these fields live in the PyThreadState; while it is
   suspended they live here.  core/istate.c accounts for every field of
   PyThreadState and says why it is or is not switched. */
typedef struct {
    _PyInterpreterFrame *current_frame;
    _PyStackChunk *datastack_chunk;
    PyObject **datastack_top;
    PyObject **datastack_limit;
    int py_depth;               /* py_recursion_limit - remaining */
    int c_recursion_remaining;
    _PyErr_StackItem *exc_info;
    PyObject *context;          /* strong */
    Py_tracefunc c_tracefunc;
    Py_tracefunc c_profilefunc;
    PyObject *c_traceobj;       /* strong */
    PyObject *c_profileobj;     /* strong */
    int tracing;
    uintptr_t instr_version;    /* instrumentation version at suspension */
} PySlp_IState;

/* A suspended tasklet's frame chain with the C-stack entry frames cut
   out (they lie in its saved C stack, where nobody else may read them):
   each entry is the link that pointed at an entry frame. */
typedef struct {
    _PyInterpreterFrame **slot;
    _PyInterpreterFrame *entry;
} PySlp_FrameCut;

/* What only a tasklet that has been hard-switched needs; allocated on its
   first hard switch, so that soft tasklets stay small. */
typedef struct {
    _PySlp_CStack cstack;
    PySlp_FrameCut *cuts;       /* while suspended; see PySlp_FrameCut */
    int ncuts;
    int cuts_capacity;
    _PyInterpreterFrame *call_frame;  /* top frame, suspended in a call */
    PyObject **call_top;        /* ... whose value stack ends here */
    /* A tasklet whose frames were run by a loop entered from C (main's,
       or a C callable's) leaves that loop waiting, as its `home`, when
       it first parks softly; the loop gets the frames' result back once
       they finish under a dispatcher (core/softswitch.c). */
    _PySlp_CStack home;
    int home_c_remaining;       /* c_recursion_remaining in that loop */
} PySlp_HardState;

struct _PySlp_Tasklet {
    PyObject_HEAD
    PyTaskletObject *next;      /* ring or channel queue neighbours */
    PyTaskletObject *prev;
    PySlp_ThreadState *ts;      /* own thread; NULL: orphaned or none */
    unsigned long thread_id;    /* the own thread's id while ts != NULL */
    PyObject *tempval;          /* strong; see spec §1 */
    PyObject *func;             /* set up, not started: the call to make */
    PyObject *args;
    PyObject *kwargs;
    PyChannelObject *channel;   /* strong while blocked */
    int blocked;                /* 1 sending, -1 receiving, 0 */
    unsigned int alive:1;       /* set up or running, not finished */
    unsigned int started:1;     /* has a C context (hard switching) */
    unsigned int soft:1;        /* parked by a soft switch: frames only */
    unsigned int homed:1;       /* its frames left their loop: see home */
    unsigned int is_main:1;
    unsigned int atomic:1;
    unsigned int ignore_nesting:1;
    unsigned int block_trap:1;
    unsigned int in_ring:1;     /* linked into its thread's run queue */
    PySlp_IState state;         /* valid while not current */
    _PyErr_StackItem exc_state; /* the tasklet's own base item */
    PySlp_HardState *hard;      /* NULL until its first hard switch */
    PyTaskletObject *cs_next;   /* list of the thread's tasklets that */
    PyTaskletObject *cs_prev;   /* have begun and not ended (borrowed) */
    PyObject *weakreflist;
    /* Soft switching (core/softswitch.c).  base_frame: the first frame of
       the tasklet's own chain, linked to the entry frame of whichever
       loop runs it (NULL while parked); NULL if its frames are not its
       own to move (main, or started by a C call). */
    _PyInterpreterFrame *base_frame;
    PySlp_ResumeHook resume_hook;   /* of the call it is parked in */
};

struct _PySlp_Channel {
    PyObject_HEAD
    PyTaskletObject *head;      /* FIFO of blocked tasklets */
    PyTaskletObject *tail;
    Py_ssize_t balance;         /* > 0 senders wait, < 0 receivers */
    int preference;             /* -1 receiver, 1 sender, 0 caller runs */
    int schedule_all;
    int closing;
    PyObject *weakreflist;
};

struct _PySlp_ThreadState {
    PyThreadState *tstate;
    unsigned long thread_id;
    PyTaskletObject *main;      /* strong */
    PyTaskletObject *current;   /* strong; always in the ring when running */
    PyTaskletObject *head;      /* where round-robin order starts */
    Py_ssize_t runcount;
    PyObject *watchdogs;        /* list: tasklets inside run() */
    int switch_trap;
    char *cstack_base;          /* where non-main tasklets' stacks start */
    int c_remaining_base;       /* c_recursion_remaining at that base */
    PyObject *post_switch;      /* reference to drop once switched */
    int post_switch_dead;       /* ... and it finished: free its stack */
    PyTaskletObject *cstate_head;  /* tasklets with frames, not main */
    Py_ssize_t refcnt;          /* the thread + every tasklet of it */
    int in_schedule_cb;         /* the schedule callback runs */
    int no_switch;              /* C code that must not be switched away */
    int in_channel_cb;
    long pickle_flags;          /* stackless.pickle_flags() */
    PyObject **call_args_end;   /* see _PySlp_NoteCall() */
    PyObject *const *call_args; /* ... the noted call's arguments, */
    Py_ssize_t call_nargs;      /* their number (positional), */
    void *call_cfunc;           /* and the C function called */
    /* Soft switching (core/softswitch.c): the frame being parked and the
       tasklet to run once the eval loop has parked it; the image of a
       fresh C context that runs the dispatcher; the spare frame chunk
       (core/datastack.c). */
    _PyInterpreterFrame *parking;
    _PyInterpreterFrame *park_bottom;   /* first frame, if it leaves home */
    PyObject *home_result;          /* what a homed chain returned */
    PyTaskletObject *soft_next;     /* strong */
    _PySlp_CStack dispatcher;
    _PyStackChunk *spare_chunk;
    PyObject *deferred_kills;   /* list: unreachable, to kill after GC */
};

/* Interpreter-wide settings (one interpreter is supported). */
typedef struct {
    PyObject *schedule_callback;
    PyObject *channel_callback;
    PyObject *error_handler;
    int softswitch;
    long pickle_flags_default;
} PySlp_Globals;

extern PySlp_Globals _PySlp_globals;

extern PyTypeObject PySlpTasklet_Type;
extern PyTypeObject PySlpChannel_Type;
extern PyTypeObject PySlpBomb_Type;

#define PyTasklet_Check(op) PyObject_TypeCheck(op, &PySlpTasklet_Type)
#define PyChannel_Check(op) PyObject_TypeCheck(op, &PySlpChannel_Type)
#define PyBomb_Check(op) Py_IS_TYPE(op, &PySlpBomb_Type)

static inline PySlp_ThreadState *
_PySlp_TS(PyThreadState *tstate)
{
    return (PySlp_ThreadState *)((_PyThreadStateImpl *)tstate)->stackless;
}

/* A stackless function called from bytecode gets its arguments where
   they lie on the calling frame's value stack; their end is that stack's
   top.  Noting it lets the GC see the whole frame of a tasklet suspended
   in the call (core/istate.c), and lets _PySlp_CanPark() check that the
   call came straight from bytecode (core/softswitch.c).  Every noted call
   must be forgotten (_PySlp_ForgetCallArgs). */
static inline void
_PySlp_NoteCall(PyObject *const *args, Py_ssize_t nargs, Py_ssize_t nkw,
                void *cfunc)
{
    PySlp_ThreadState *ts = _PySlp_TS(_PyThreadState_GET());
    if (ts != NULL) {
        ts->call_args_end = args ? (PyObject **)args + nargs + nkw : NULL;
        /* A call with keywords comes from CALL_KW: never soft. */
        ts->call_args = nkw == 0 ? args : NULL;
        ts->call_nargs = nargs;
        ts->call_cfunc = cfunc;
    }
}

static inline PyObject *
_PySlp_ForgetCallArgs(PyObject *result)
{
    PySlp_ThreadState *ts = _PySlp_TS(_PyThreadState_GET());
    if (ts != NULL) {
        ts->call_args_end = NULL;
        ts->call_args = NULL;
    }
    return result;
}

/* t->hard, made if need be; NULL with MemoryError. */
static inline PySlp_HardState *
_PySlp_Hard(PyTaskletObject *t)
{
    if (t->hard == NULL) {
        t->hard = PyMem_Calloc(1, sizeof(PySlp_HardState));
        if (t->hard == NULL) {
            PyErr_NoMemory();
        }
    }
    return t->hard;
}

/* core/softswitch.c */
extern PyObject _PySlp_UnwindToken;
#define PySlp_UNWIND (&_PySlp_UnwindToken)
int _PySlp_SoftSwitchInit(void);
int _PySlp_CanPark(PySlp_ThreadState *ts);
int _PySlp_SoftStartable(PySlp_ThreadState *ts, PyTaskletObject *t);
void _PySlp_DispatchStart(void *value, void *arg);
void _Py_NO_RETURN _PySlp_DispatchLoop(PySlp_ThreadState *ts);
void _PySlp_DropFrames(PyTaskletObject *t);

/* core/datastack.c */
void _PySlp_ChunkClearSpare(PySlp_ThreadState *ts);

/* core/threadstate.c */
PySlp_ThreadState *_PySlp_CreateThreadState(PyThreadState *tstate);

/* The calling thread's scheduler, made on first use; NULL with an
   exception if that fails. */
static inline PySlp_ThreadState *
_PySlp_GetThreadState(void)
{
    PyThreadState *tstate = _PyThreadState_GET();
    PySlp_ThreadState *ts = _PySlp_TS(tstate);
    return ts != NULL ? ts : _PySlp_CreateThreadState(tstate);
}
void _PySlp_ThreadStateIncref(PySlp_ThreadState *ts);
void _PySlp_ThreadStateDecref(PySlp_ThreadState *ts);
void _PySlp_CStateLink(PySlp_ThreadState *ts, PyTaskletObject *t);
void _PySlp_CStateUnlink(PySlp_ThreadState *ts, PyTaskletObject *t);

/* The plain fields of PySlp_IState, from the thread state into the
   tasklet and back; the context reference moves with them.  Tracing and
   the entry-frame cuts are core/istate.c's business. */
static inline void
_PySlp_IState_Store(PyThreadState *tstate, PySlp_IState *s)
{
    s->current_frame = tstate->current_frame;
    s->datastack_chunk = tstate->datastack_chunk;
    s->datastack_top = tstate->datastack_top;
    s->datastack_limit = tstate->datastack_limit;
    s->py_depth = tstate->py_recursion_limit - tstate->py_recursion_remaining;
    s->c_recursion_remaining = tstate->c_recursion_remaining;
    s->exc_info = tstate->exc_info;
    s->tracing = tstate->tracing;
    s->instr_version = _Py_atomic_load_uintptr_relaxed(
        &tstate->interp->ceval.instrumentation_version);
    s->context = tstate->context;
    tstate->context = NULL;
}

static inline void
_PySlp_IState_Fetch(PyThreadState *tstate, PySlp_IState *s)
{
    tstate->current_frame = s->current_frame;
    tstate->datastack_chunk = s->datastack_chunk;
    tstate->datastack_top = s->datastack_top;
    tstate->datastack_limit = s->datastack_limit;
    tstate->py_recursion_remaining = tstate->py_recursion_limit - s->py_depth;
    tstate->c_recursion_remaining = s->c_recursion_remaining;
    tstate->exc_info = s->exc_info;
    tstate->tracing = s->tracing;
    /* Nothing stale may stay behind: these belong to the thread now. */
    s->current_frame = NULL;
    s->datastack_chunk = NULL;
    s->datastack_top = NULL;
    s->datastack_limit = NULL;
    s->py_depth = 0;
    PyObject *old = tstate->context;
    if (old != s->context) {
        tstate->context_ver++;
    }
    tstate->context = s->context;
    s->context = NULL;
    Py_XDECREF(old);
}

/* core/istate.c: the per-tasklet part of the thread state */
void _PySlp_IState_Init(PyTaskletObject *t, PySlp_ThreadState *ts);
void _PySlp_IState_Save(PyThreadState *tstate, PyTaskletObject *t);
void _PySlp_IState_Load(PyThreadState *tstate, PyTaskletObject *t);
void _PySlp_IState_LoadTracing(PyThreadState *tstate, PyTaskletObject *t);
void _PySlp_IState_Reinstrument(PyThreadState *tstate, PyTaskletObject *t,
                                uintptr_t version);
void _PySlp_IState_Clear(PyTaskletObject *t);
int _PySlp_IState_Traverse(PyTaskletObject *t, visitproc visit, void *arg);
int _PySlp_CountEntryFrames(_PyInterpreterFrame *f);

/* core/scheduler.c */
void _PySlp_RingAppend(PySlp_ThreadState *ts, PyTaskletObject *t);
void _PySlp_RingInsertAfter(PySlp_ThreadState *ts, PyTaskletObject *after,
                            PyTaskletObject *t);
void _PySlp_RingRemove(PySlp_ThreadState *ts, PyTaskletObject *t);
PyObject *_PySlp_SwitchTo(PySlp_ThreadState *ts, PyTaskletObject *next);
PyObject *_PySlp_SwitchToThen(PySlp_ThreadState *ts, PyTaskletObject *next,
                              PySlp_ResumeHook hook);
int _PySlp_Transfer(PySlp_ThreadState *ts, PyTaskletObject *next,
                    int dying, PySlp_ResumeHook hook);
void _PySlp_TaskletEnd(PySlp_ThreadState *ts, PyTaskletObject *t);
void _PySlp_PostSwitch(PySlp_ThreadState *ts);
void _PySlp_LoadTracing(PySlp_ThreadState *ts, PyTaskletObject *t);
PyObject *_PySlp_TakeTempval(PyTaskletObject *t);
int _PySlp_CheckSwitchTrap(PySlp_ThreadState *ts);
int _PySlp_CanSwitchNow(PySlp_ThreadState *ts);
int _PySlp_CheckQueueChange(PySlp_ThreadState *ts);
PyTaskletObject *_PySlp_NextAfterLeaving(PySlp_ThreadState *ts,
                                         int *insert);
PyObject *_PySlp_Schedule(PyObject *retval, int remove);
void _PySlp_RunDeferredKillsNow(PySlp_ThreadState *ts);

static inline void
_PySlp_RunDeferredKills(PySlp_ThreadState *ts)
{
    if (ts->deferred_kills != NULL
        && PyList_GET_SIZE(ts->deferred_kills) > 0) {
        _PySlp_RunDeferredKillsNow(ts);
    }
}
PyObject *_PySlp_RunWatchdog(void);
PyObject *_PySlp_Throw(PyTaskletObject *t, PyObject *exc, int pending);
PyObject *_PySlp_ThrowThen(PyTaskletObject *t, PyObject *exc, int pending,
                           PySlp_ResumeHook hook);
PyObject *_PySlp_KillThen(PyTaskletObject *t, int pending,
                          PySlp_ResumeHook hook);
int _PySlp_ParseFast(PyObject *const *args, Py_ssize_t nargs,
                     PyObject *kwnames, const char *format,
                     const char * const *kwlist, ...);
PyObject *_PySlp_Kill(PyTaskletObject *t, int pending);
void _PySlp_ReportCallbackError(const char *where);
int _PySlp_NestingLevel(PyTaskletObject *t);

/* module/bombobject.c */
PyObject *_PySlp_MakeBomb(PyObject *exc);
void _PySlp_RaiseBomb(PyObject *bomb);

/* module/channelobject.c */
void _PySlp_ChannelRemove(PyChannelObject *ch, PyTaskletObject *t);
PyObject *_PySlp_MakeException(PyObject *type, PyObject *value,
                               PyObject *tb);
PyObject *_PySlp_MakeExceptionFromArgs(PyObject *args, const char *who,
                                       const char *what);

/* module/taskletobject.c */
PyTaskletObject *_PySlp_NewTasklet(PyTypeObject *type, PySlp_ThreadState *ts);

#endif /* SLP_INTERNAL_H */
