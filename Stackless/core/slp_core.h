/* The Stackless core: what module/ builds on (docs/architecture.md,
 * "Layers").  Nothing here includes or calls module/.
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
 *
 * Declarations are grouped by the file that defines them; each file
 * holds one concept (the file map is in docs/architecture.md).
 */

#ifndef SLP_CORE_H
#define SLP_CORE_H

#ifndef Py_BUILD_CORE
#  define Py_BUILD_CORE 1
#endif
#include "Python.h"
#include "pycore_frame.h"
#include "pycore_pystate.h"
#include "pycore_tstate.h"
#include "pycore_interp.h"        // PyInterpreterState.gc
#include "pycore_ceval.h"         // _Py_unset_eval_breaker_bit()
#include "opcode_ids.h"           // _PySlp_IsTick()
#include "pycore_stackless.h"     // the hooks upstream calls

#include "stackless_api.h"       // the public types, PyTasklet_Check()
#include "platf/cstack.h"

typedef struct _PySlp_ThreadState PySlp_ThreadState;

/* What a stackless call does with the value its tasklet is resumed with
   (NULL: an exception is set); returns the call's result.  Run after a
   hard switch returns, or by the eval loop when a soft-switched tasklet
   resumes: the call itself has long returned then (core/softswitch.c). */
typedef PyObject *(*PySlp_ResumeHook)(PySlp_ThreadState *ts,
                                      PyTaskletObject *t, PyObject *value);

/* The part of a thread state that belongs to one flow of control.  While
   a tasklet is current these fields live in the PyThreadState; while it is
   suspended they are saved here (core/savedstate.c accounts for every
   field of PyThreadState and says why it is or is not switched). */
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
} PySlp_SavedState;

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
       they finish under a dispatcher (D25). */
    _PySlp_CStack home;
    int home_c_remaining;       /* c_recursion_remaining in that loop */
} PySlp_HardState;

struct _PySlp_Tasklet {
    PyObject_HEAD
    PyTaskletObject *next;      /* ring or channel queue neighbours */
    PyTaskletObject *prev;
    PySlp_ThreadState *ts;      /* own thread; NULL: orphaned or none */
    unsigned long thread_id;    /* the own thread's id while ts != NULL */
    PyObject *tempval;          /* strong: the value it resumes with */
    PyObject *pending_bomb;     /* strong: thrown by another thread while
                                   it ran; raised first (core/threads.c) */
    PyObject *func;             /* set up, not started: the call to make */
    PyObject *args;
    PyObject *kwargs;
    union {
        PyChannelObject *channel;   /* strong while blocked on one */
        PyObject *select;       /* strong while selecting: a tuple of its
                                   select entries (core/select.c) */
    };
    int blocked;                /* 1 sending, -1 receiving, 0, or
                                   PySlp_BLOCKED_SELECT */
    unsigned int alive:1;       /* set up or running, not finished */
    unsigned int has_cstack:1;  /* its own C context: a hard tasklet */
    unsigned int parked:1;      /* parked by a soft switch: frames only */
    unsigned int homed:1;       /* its frames left their loop: see home */
    unsigned int is_main:1;
    unsigned int atomic:1;
    unsigned int ignore_nesting:1;
    unsigned int block_trap:1;
    unsigned int in_ring:1;     /* linked into its thread's run queue */
    unsigned int exit_tried:1;  /* its thread ends: kill was tried */
    unsigned int changing:1;    /* bind()/setup() under way: see below */
    unsigned int saved_tracers:1;   /* state holds tracers to load */
    unsigned int pending_irq:1; /* a pre-emption waits for it (preempt.c) */
    unsigned int parked_at_check:1; /* parked by a pre-emption, between
                                       instructions: no placeholder */
    unsigned int select_entry:1;    /* never runs: stands in a channel
                                       queue for its owner, `func`
                                       (core/select.c) */
    PySlp_SavedState state;     /* valid while not current */
    _PyErr_StackItem exc_state; /* the tasklet's own base item */
    PySlp_HardState *hard;      /* NULL until its first hard switch */
    PyTaskletObject *begun_next;    /* list of the thread's tasklets */
    PyTaskletObject *begun_prev;    /* that have begun and not ended */
    PyObject *weakreflist;
    /* Soft switching (core/softswitch.c).  base_frame: the first frame of
       the tasklet's own chain, linked to the entry frame of whichever
       loop runs it (NULL while parked); NULL if its frames are not its
       own to move (main, or started by a C call). */
    _PyInterpreterFrame *base_frame;
    PySlp_ResumeHook resume_hook;   /* of the call it is parked in */
};

/* Suspended with frames to resume: parked softly, or with a C stack. */
static inline int
_PySlp_HasFrames(PyTaskletObject *t)
{
    return t->has_cstack || t->parked;
}

/* t->blocked of a tasklet waiting in select() on several channels. */
#define PySlp_BLOCKED_SELECT 2

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

/* Pickle flags (docs/reference.md, "Pickling"); the last is ours. */
#define PySlp_PICKLEFLAGS_PRESERVE_TRACING_STATE 1
#define PySlp_PICKLEFLAGS_PRESERVE_AG_FINALIZER  2
#define PySlp_PICKLEFLAGS_RESET_AG_FINALIZER     4
#define PySlp_PICKLEFLAGS_CODE_BY_REFERENCE      8
#define PySlp_PICKLEFLAGS_MASK                   15

#define PySlp_START_SHIMS 5

/* The interpreter-wide settings: one set per interpreter, dropped with it
   (core/settings.c). */
typedef struct {
    PyObject *schedule_callback;
    slp_schedule_hook_func *schedule_hook;  /* C API; replaces the above */
    PyObject *channel_callback;
    PyObject *error_handler;
    int softswitch;
    long pickle_flags_default;
    Py_ssize_t code_extra_index;    /* co_extra slot + 1 (codecheck.c) */
    PyObject *reduce_frame;     /* _wrap.set_reduce_frame() */
    PyObject *var_names;        /* ContextVar -> (module, name) found */
    /* Soft-only (D47): Python functions f(*args) -> callable(*args) that
       start a tasklet whose callable is C code, by number of args. */
    PyObject *start_shims[PySlp_START_SHIMS];
} PySlp_Settings;

struct _PySlp_ThreadState {
    PyThreadState *tstate;
    unsigned long thread_id;
    PySlp_Settings *settings;   /* its interpreter's (borrowed) */
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
    PyTaskletObject *begun_head;    /* tasklets with frames, not main */
    Py_ssize_t refcnt;          /* the thread + every tasklet of it */
    int in_schedule_cb;         /* the schedule callback runs */
    int in_channel_cb;          /* the channel callback runs */
    int no_switch;              /* C code that must not be switched away */
    long pickle_flags;          /* stackless.pickle_flags() */
    PyObject **call_args_end;   /* see _PySlp_NoteCall() */
    PyObject *const *call_args; /* ... the noted call's arguments, */
    Py_ssize_t call_nargs;      /* their number (keyword values too), */
    int call_kw;                /* whether some were keywords (CALL_KW), */
    void *call_cfunc;           /* and the C function called */
    /* C functions that switch softly (core/cfunction.c): the C-frame of
       one that just unwound, for its METH_STACKLESS caller to return;
       the parked frame whose C function is being re-entered. */
    PyObject *pending_cframe;
    _PyInterpreterFrame *cframe_frame;
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
    PyObject *spare_bomb;       /* for an exception when memory is out */
    int queues_frozen;          /* no run queue or channel may change */
    /* Waiting for other threads (core/threads.c): while `idle` the thread
       has released the GIL and sleeps on idle_lock until a tasklet of
       its own becomes runnable; `wake_posted` once someone released it. */
    int idle;
    int wake_posted;
    int wakeup_fd;              /* written to when another thread makes a
                                   tasklet of this one runnable; -1 */
    void *idle_lock;            /* PyThread_type_lock, made on first wait */
    int threadblock;            /* run(threadblock=True) is in force */
    int nested_dispatch;        /* soft-only: a dispatcher runs on top of
                                   main's C stack (D47) */
    int gc_collecting;          /* this thread runs the collector */
    /* Pre-emption (core/preempt.c), owned by the first run() with a
       timeout or a budget; preempt_owner is NULL while none is active. */
    PyTaskletObject *preempt_owner;     /* borrowed: a watchdog */
    int preempt_flags;                  /* PySlp_PREEMPT_* */
    long preempt_timeout;               /* ticks per slice; 0: none */
    long preempt_ticks;                 /* ticks of the slice so far */
    long preempt_next;                  /* ... when to look closer */
    long preempt_first;                 /* ... the first time in a slice */
    PyTime_t preempt_deadline;          /* monotonic; 0: no budget */
    uint64_t select_rand;               /* select()'s fair choice */
    int preempt_expired;                /* the budget is spent */
    int park_at_check;                  /* the frame parks for one */
    int raise_at_check;                 /* ... or raises, resumed hard */
    PyTaskletObject *preempt_victim;    /* strong: what run() returns */
};

static inline PySlp_ThreadState *
_PySlp_TS(PyThreadState *tstate)
{
    return (PySlp_ThreadState *)((_PyThreadStateImpl *)tstate)->stackless;
}

/* ------------------------------------------------------------------ */
/* core/bomb.c: an exception in a bottle (docs/reference.md §2.9) */

#define PyBomb_CheckExact(op) Py_IS_TYPE(op, &PyBomb_Type)
PyObject *_PySlp_MakeBomb(PyObject *exc);
PyObject *_PySlp_NewBomb(void);
void _PySlp_BombFill(PyObject *bomb, PyObject *exc);
void _PySlp_RaiseBomb(PyObject *bomb);

/* ------------------------------------------------------------------ */
/* core/settings.c */

/* The settings of the calling thread's interpreter, made on first use;
   NULL with an exception if that fails. */
PySlp_Settings *_PySlp_GetSettings(void);

/* ------------------------------------------------------------------ */
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
void _PySlp_BegunLink(PySlp_ThreadState *ts, PyTaskletObject *t);
void _PySlp_BegunUnlink(PySlp_ThreadState *ts, PyTaskletObject *t);

/* ------------------------------------------------------------------ */
/* core/threads.c: tasklets of one thread acted on by another (D41) */

void _PySlp_WakeIdleNow(PySlp_ThreadState *ts);
void _PySlp_WakeFd(PySlp_ThreadState *ts);

/* A tasklet of `ts` became runnable: if ts's thread sleeps waiting for
   one, wake it; if it may sleep in an event loop instead, tell the loop
   (its wakeup fd). */
static inline void
_PySlp_WakeIdle(PySlp_ThreadState *ts)
{
    if (ts->idle && !ts->wake_posted) {
        _PySlp_WakeIdleNow(ts);
    }
    else if (ts->wakeup_fd >= 0) {
        _PySlp_WakeFd(ts);
    }
}
int _PySlp_OthersCanWake(PySlp_ThreadState *ts);
int _PySlp_WaitForWork(PySlp_ThreadState *ts);
void _PySlp_ThrowPending(PyTaskletObject *t, PyObject *bomb);
void _PySlp_WakeAllIdle(PyInterpreterState *interp);
void _PySlp_ThreadStateFreeIdle(PySlp_ThreadState *ts);
int _PySlp_CheckBindThread(PyTaskletObject *t);
void _PySlp_TaskletBindThread(PyTaskletObject *t,
                              PySlp_ThreadState *target);

/* ------------------------------------------------------------------ */
/* core/tasklet.c: the tasklet object's structure and life cycle */

PyTaskletObject *_PySlp_TaskletNew(PyTypeObject *type,
                                   PySlp_ThreadState *ts);
int _PySlp_TaskletBind(PyTaskletObject *t, PyObject *func, PyObject *args,
                       PyObject *kwargs);
int _PySlp_TaskletSetup(PyTaskletObject *t, PyObject *args,
                        PyObject *kwargs);

/* bind() and setup() run Python code on the way (finalisers of what they
   drop, iterating the arguments): that code must not find the tasklet
   half bound, so it may not change it meanwhile. */
static inline int
_PySlp_CheckNotChanging(PyTaskletObject *t)
{
    if (t->changing) {
        PyErr_SetString(PyExc_RuntimeError,
                        "the tasklet is being bound and cannot change now");
        return -1;
    }
    return 0;
}
int _PySlp_IsCurrent(PyTaskletObject *t);

static inline int
_PySlp_HasThread(PyTaskletObject *t)
{
    return t->ts != NULL && t->ts->tstate != NULL;
}

/* ------------------------------------------------------------------ */
/* core/ring.c: the run queue */

void _PySlp_RingAppend(PySlp_ThreadState *ts, PyTaskletObject *t);
void _PySlp_RingInsertAfter(PySlp_ThreadState *ts, PyTaskletObject *after,
                            PyTaskletObject *t);
void _PySlp_RingRemove(PySlp_ThreadState *ts, PyTaskletObject *t);

/* ------------------------------------------------------------------ */
/* Switch guards: whether the current tasklet may switch now, and whether
   the run queue and channels may change (user guide, "Callbacks"). */

/* NULL if a switch is allowed now, else why not (RuntimeError's text). */
static inline const char *
_PySlp_WhyNoSwitch(PySlp_ThreadState *ts)
{
    if (ts->in_schedule_cb || ts->no_switch) {
        return "Recursive scheduler call due to callbacks!";
    }
    if (ts->switch_trap) {
        return "switch_trap";
    }
    if (ts->parking != NULL) {
        /* Code run between a soft switch's decision and the eval loop
           carrying it out (a finaliser of the call's arguments). */
        return "cannot switch tasklets while a switch is under way";
    }
    if (ts->gc_collecting) {
        /* The collector keeps its object lists' heads on the C stack;
           another tasklet's stack would overwrite them (D18). */
        return "cannot switch tasklets during garbage collection";
    }
    return NULL;
}

static inline int
_PySlp_CheckSwitch(PySlp_ThreadState *ts)
{
    const char *why = _PySlp_WhyNoSwitch(ts);
    if (why != NULL) {
        PyErr_SetString(PyExc_RuntimeError, why);
        return -1;
    }
    return 0;
}

/* The schedule callback runs in the middle of a switch whose two tasklets
   are chosen: moving either (removing the one about to run, waking the
   one leaving from the channel it just blocked on) would break the
   switch, so while it runs every change of the queues is refused.  The
   same holds while a soft switch waits for the eval loop to park the
   frame (finalisers of values the switch dropped run then), and while a
   tasklet ends. */
static inline int
_PySlp_CheckQueueChange(PySlp_ThreadState *ts)
{
    if (ts == NULL) {
        return 0;
    }
    if (ts->in_schedule_cb) {
        PyErr_SetString(PyExc_RuntimeError,
                        "cannot change the run queue or a channel inside "
                        "the schedule callback");
        return -1;
    }
    if (ts->queues_frozen || ts->parking != NULL) {
        PyErr_SetString(PyExc_RuntimeError,
                        "cannot change the run queue or a channel while a "
                        "switch is under way");
        return -1;
    }
    return 0;
}

/* Whether a tasklet may be linked into `owner`'s ring now.  Another
   thread's ring may always grow: a switch under way there has chosen its
   tasklets already, and one linked in just waits its turn (D41). */
static inline int
_PySlp_CheckQueueGrow(PySlp_ThreadState *owner)
{
    if (owner != _PySlp_TS(_PyThreadState_GET())) {
        return 0;
    }
    return _PySlp_CheckQueueChange(owner);
}

/* ------------------------------------------------------------------ */
/* core/callbacks.c: calling the user's callbacks */

void _PySlp_CallScheduleCallback(PySlp_ThreadState *ts,
                                 PyTaskletObject *prev,
                                 PyTaskletObject *next);
void _PySlp_CallChannelCallback(PySlp_ThreadState *ts, PyChannelObject *ch,
                                PyTaskletObject *cur, int dir,
                                PyObject *value, int willblock);
void _PySlp_ReportCallbackError(const char *where);

/* ------------------------------------------------------------------ */
/* core/savedstate.c: the one state swap */

void _PySlp_StateInit(PyTaskletObject *t, PySlp_ThreadState *ts);
void _PySlp_StateSave(PyThreadState *tstate, PyTaskletObject *t);
void _PySlp_StateLoad(PySlp_ThreadState *ts, PyTaskletObject *t);
void _PySlp_StateClear(PyTaskletObject *t);
int _PySlp_StateTraverse(PyTaskletObject *t, visitproc visit, void *arg);

/* ------------------------------------------------------------------ */
/* core/frames.c: a suspended tasklet's frame chain */

int _PySlp_ReserveCuts(PyTaskletObject *t, _PyInterpreterFrame *chain);
void _PySlp_CutEntryFrames(PyTaskletObject *t);
void _PySlp_RestoreEntryFrames(PyTaskletObject *t);
int _PySlp_CountEntryFrames(_PyInterpreterFrame *f);
int _PySlp_NestingLevel(PyTaskletObject *t);
int _PySlp_TraverseFrames(PyTaskletObject *t, visitproc visit, void *arg);
void _PySlp_DropFrames(PyTaskletObject *t);

/* ------------------------------------------------------------------ */
/* core/transfer.c: switching from the current tasklet to another */

/* A stackless function called from bytecode gets its arguments where
   they lie on the calling frame's value stack; their end is that stack's
   top.  Noting it lets the GC see the whole frame of a tasklet suspended
   in the call (core/frames.c), and lets _PySlp_CanPark() check that the
   call came straight from bytecode (core/softswitch.c).  Every noted call
   must be forgotten (_PySlp_ForgetCallArgs). */
static inline void
_PySlp_NoteCall(PyObject *const *args, Py_ssize_t nargs, Py_ssize_t nkw,
                void *cfunc)
{
    PySlp_ThreadState *ts = _PySlp_TS(_PyThreadState_GET());
    if (ts != NULL) {
        ts->call_args_end = args ? (PyObject **)args + nargs + nkw : NULL;
        ts->call_args = args;
        /* As CALL and CALL_KW count them: keyword values included. */
        ts->call_nargs = nargs + nkw;
        ts->call_kw = nkw != 0;
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

/* core/softswitch.c, needed inline here: the placeholder result of a
   stackless call whose switch is soft, and whether it may be. */
extern PyTypeObject _PySlp_UnwindType;
extern PyObject _PySlp_UnwindToken;
#define PySlp_UNWIND (&_PySlp_UnwindToken)
int _PySlp_CanPark(PySlp_ThreadState *ts);

/* How a prepared switch goes, and the results of _PySlp_Transfer(). */
#define PySlp_SWITCH_HARD   0   /* the C stack is saved; resumed later */
#define PySlp_SWITCH_SOFT   1   /* parks: return PySlp_UNWIND at once */
#define PySlp_DISPATCH_NEXT 2   /* dying: the next runs in this context */
#define PySlp_DISPATCH_EXIT 3   /* soft-only: the dispatcher returns to
                                   main, below it on the C stack (D47) */

int _PySlp_PrepareStart(PySlp_ThreadState *ts, PyTaskletObject *next);

/* Whether `next`, its start prepared, runs under a dispatcher: it is
   parked, or starts softly.  Otherwise it has a C context to resume.
   Decided when the start is prepared, whatever changes after (a schedule
   callback may turn soft switching off). */
static inline int
_PySlp_ResumesSoftly(PyTaskletObject *next)
{
    return next->parked || !next->has_cstack;
}

int _PySlp_PrepareSwitchSlow(PySlp_ThreadState *ts, PyTaskletObject *next);
size_t _PySlp_StackReserve(PySlp_ThreadState *ts);
int _PySlp_Transfer(PySlp_ThreadState *ts, PyTaskletObject *next, int how,
                    int dying, PySlp_ResumeHook hook);
void _PySlp_PostSwitchDead(PySlp_ThreadState *ts);
PyObject *_PySlp_TakeTempval(PyTaskletObject *t);

/* Everything a switch from the current tasklet to `next` needs, checked
   and allocated before the caller changes any queue (D32): the switch
   guards, whether it is soft, the memory a hard switch uses.  Once this
   succeeded the switch cannot fail.  Returns PySlp_SWITCH_HARD or
   PySlp_SWITCH_SOFT for _PySlp_SwitchTo(); -1 with an exception set.
   The common case -- a parked tasklet next, the current one parking --
   stays inline. */
static inline int
_PySlp_PrepareSwitch(PySlp_ThreadState *ts, PyTaskletObject *next)
{
    if (_PySlp_WhyNoSwitch(ts) == NULL && next->parked
        && _PySlp_CanPark(ts)) {
        return PySlp_SWITCH_SOFT;
    }
    return _PySlp_PrepareSwitchSlow(ts, next);
}

/* Runs right after every switch, in the tasklet that now runs: drops the
   thread state's reference to the one that ran before, and its frames
   and C stack if it finished. */
static inline void
_PySlp_PostSwitch(PySlp_ThreadState *ts)
{
    if (ts->post_switch_dead) {
        _PySlp_PostSwitchDead(ts);
        return;
    }
    PyObject *prev = ts->post_switch;
    ts->post_switch = NULL;
    Py_XDECREF(prev);
}

/* Switch to `next` (the caller prepared the switch, `how`, and arranged
   the queues) and return what the current tasklet is resumed with, passed
   through `hook` if there is one; or PySlp_UNWIND, which the caller
   returns at once: the switch is soft, the hook runs on resumption. */
static inline PyObject *
_PySlp_SwitchToThen(PySlp_ThreadState *ts, PyTaskletObject *next, int how,
                    PySlp_ResumeHook hook)
{
    PyTaskletObject *cur = ts->current;
    if (next != cur) {
        int rc = _PySlp_Transfer(ts, next, how, 0, hook);
        if (rc == PySlp_SWITCH_SOFT) {
            return PySlp_UNWIND;
        }
        if (rc < 0) {
            return NULL;
        }
    }
    PyObject *r = _PySlp_TakeTempval(cur);
    return hook != NULL ? hook(ts, cur, r) : r;
}

static inline PyObject *
_PySlp_SwitchTo(PySlp_ThreadState *ts, PyTaskletObject *next, int how)
{
    return _PySlp_SwitchToThen(ts, next, how, NULL);
}

/* ------------------------------------------------------------------ */
/* core/softswitch.c: parking frames instead of copying C stacks */

int _PySlp_SoftStartable(PySlp_ThreadState *ts, PyTaskletObject *t);
int _PySlp_IsPythonCallable(PyObject *f);
void _PySlp_RaiseCannotPark(PySlp_ThreadState *ts);
int _PySlp_Park(PySlp_ThreadState *ts, _PyInterpreterFrame *frame);
int _PySlp_ResumeParked(PySlp_ThreadState *ts, _PyInterpreterFrame *entry);
void _Py_NO_RETURN _PySlp_GoHome(PySlp_ThreadState *ts, PyTaskletObject *t,
                                 PyObject *r);

/* _PySlp_ResumeParked(): the tasklet parks again at once. */
#define PySlp_RESUME_PARK_AGAIN (-2)

/* ------------------------------------------------------------------ */
/* core/cfunction.c: C functions that switch softly */

PyObject *_PySlp_CFrameResume(PySlp_ThreadState *ts,
                              _PyInterpreterFrame *top, PyObject *r);
int _PySlp_CFramePicklable(PyObject *cf);
#define PySlp_CFrame_CheckExact(op) Py_IS_TYPE((op), &PyCFrame_Type)

/* ------------------------------------------------------------------ */
/* core/lifecycle.c: a tasklet's start and end; dispatchers */

void _PySlp_HardStart(void *value, void *arg);
int _PySlp_SoftStart(PySlp_ThreadState *ts, _PyInterpreterFrame *entry);
int _PySlp_PrepareStartShim(PyTaskletObject *t);
int _PySlp_TaskletEnd(PySlp_ThreadState *ts, PyTaskletObject *t);
void _PySlp_DispatchStart(void *value, void *arg);
void _Py_NO_RETURN _PySlp_DispatchLoop(PySlp_ThreadState *ts);
void _PySlp_DispatchNested(PySlp_ThreadState *ts);

/* ------------------------------------------------------------------ */
/* core/schedule.c: schedule(), run() and who runs next */

#define PySlp_NEXT_QUEUED   0   /* in the ring already */
#define PySlp_NEXT_APPEND   1   /* a paused watchdog: append it first */
#define PySlp_NEXT_WAIT     2   /* wait for another thread */
PyTaskletObject *_PySlp_NextAfterLeaving(PySlp_ThreadState *ts,
                                         int blocking, int *mode);
PyObject *_PySlp_WaitThenSwitch(PySlp_ThreadState *ts);
PyTaskletObject *_PySlp_InnermostWatchdog(PySlp_ThreadState *ts);
void _PySlp_ForgetWatchdog(PySlp_ThreadState *ts, PyTaskletObject *t);
PyObject *_PySlp_Schedule(PyObject *retval, int remove);
PyObject *_PySlp_RunWatchdog(long timeout, int flags, double budget);
PyObject *_PySlp_RunOrSwitch(PyTaskletObject *t, int remove);
int _PySlp_Insert(PyTaskletObject *t);

/* ------------------------------------------------------------------ */
/* core/kill.c: throw(), kill(), and killing unreachable tasklets */

PyObject *_PySlp_ThrowThen(PyTaskletObject *t, PyObject *exc, int pending,
                           PySlp_ResumeHook hook);
PyObject *_PySlp_KillThen(PyTaskletObject *t, int pending,
                          PySlp_ResumeHook hook);
PyObject *_PySlp_Kill(PyTaskletObject *t, int pending);
int _PySlp_KillForGood(PyTaskletObject *t, const char *why);
void _PySlp_FinalizeTasklet(PyTaskletObject *t);
void _PySlp_KillThreadTasklets(PySlp_ThreadState *ts, int all);
void _PySlp_RunDeferredKillsNow(PySlp_ThreadState *ts);
void _PySlp_DeferredKillsDue(PySlp_ThreadState *ts);

static inline void
_PySlp_RunDeferredKills(PySlp_ThreadState *ts)
{
    if (ts->deferred_kills != NULL
        && PyList_GET_SIZE(ts->deferred_kills) > 0) {
        _PySlp_RunDeferredKillsNow(ts);
    }
}

/* ------------------------------------------------------------------ */
/* core/channel.c: the queue of a channel and the transfer over it */

void _PySlp_ChannelRemove(PyChannelObject *ch, PyTaskletObject *t);
void _PySlp_ChannelClear(PyChannelObject *ch);
int _PySlp_ChannelRestoreBlocked(PyChannelObject *ch, PyTaskletObject *t,
                                 int dir);
PyObject *_PySlp_ChannelAction(PyChannelObject *ch, int dir,
                               PyObject *value);
PyObject *_PySlp_ChannelActionAt(PyChannelObject *ch, int dir,
                                 PyObject *value, Py_ssize_t index);
void _PySlp_ChannelAppend(PyChannelObject *ch, PyTaskletObject *t, int dir);
PyObject *_PySlp_Unblock(PyTaskletObject *t);

/* ------------------------------------------------------------------ */
/* core/select.c: waiting on several channels at once */

/* The tasklet that `t`, at a channel's head, stands for. */
static inline PyTaskletObject *
_PySlp_QueueOwner(PyTaskletObject *t)
{
    return t->select_entry ? (PyTaskletObject *)t->func : t;
}

PyObject *_PySlp_Select(PyObject *ops, int block);
PyObject *_PySlp_SelectResult(PyTaskletObject *entry, PyObject *got);
PyObject *_PySlp_SelectDone(PyTaskletObject *owner, PyObject *result);
PyObject *_PySlp_SelectCancelled(PyTaskletObject *owner);

/* ------------------------------------------------------------------ */
/* core/codecheck.c: what bytecode guarantees at each instruction (D38) */

/* Kinds of value a stack slot may hold: a set of these bits. */
#define PySlp_S_NULL    0x0001
#define PySlp_S_OBJ     0x0002  /* any object */
#define PySlp_S_ITER    0x0004  /* has tp_iternext */
#define PySlp_S_EXC     0x0008  /* exception instance */
#define PySlp_S_NONE    0x0010
#define PySlp_S_LASTI   0x0020  /* int: an instruction offset */
#define PySlp_S_LIST    0x0040
#define PySlp_S_DICT    0x0080
#define PySlp_S_SET     0x0100
#define PySlp_S_STR     0x0200
#define PySlp_S_TUPLE   0x0400
#define PySlp_S_CODE    0x0800
#define PySlp_S_FUNC    0x1000
#define PySlp_S_CELL    0x2000
#define PySlp_S_CELLS   0x4000  /* tuple of cells: a closure */

/* States a local may be in: a set of these bits. */
#define PySlp_L_NULL    0x01
#define PySlp_L_OBJ     0x02
#define PySlp_L_CELL    0x04

#define PySlp_NO_YIELD (-100)   /* not a FRAME_* state */

/* The state before an instruction where a frame can be suspended. */
typedef struct {
    int offset;                 /* code unit of its op */
    int op, arg;                /* unspecialised, argument extended */
    int after_yield;            /* a generator resumes here: the frame
                                   state it has then; else PySlp_NO_YIELD */
    int depth;                  /* value stack depth before it */
    uint16_t *stack;            /* depth kinds, bottom first */
    uint8_t *locals;            /* co_nlocalsplus states */
} PySlp_CodePoint;

typedef struct _PySlp_CodeInfo PySlp_CodeInfo;

/* The checked code's states (cached on it), or NULL with ValueError if
   the bytecode is unsafe to run. */
const PySlp_CodeInfo *_PySlp_CodeCheck(PyCodeObject *co);
const PySlp_CodePoint *_PySlp_CodePointAt(const PySlp_CodeInfo *info,
                                          Py_ssize_t offset);
int _PySlp_CodeIsInstruction(const PySlp_CodeInfo *info, Py_ssize_t offset);
int _PySlp_CheckInstructionBytes(PyObject *bytes);
int _PySlp_ValueHasKind(const PySlp_CodeInfo *info, PyObject *v,
                        uint16_t kinds);

/* ------------------------------------------------------------------ */
/* core/framestate.c: a suspended tasklet's frames as data, and back */

#define PySlp_FRAME_INVALID 0   /* inspection only: cannot run again */
#define PySlp_FRAME_CALL    1   /* suspended in a call */
#define PySlp_FRAME_YIELD   2   /* a generator's, suspended at a yield */
#define PySlp_FRAME_CHECK   3   /* the top one, pre-empted at a check */
#define PySlp_FRAME_CFUNC   4   /* the top one, its C function waiting */

/* A frame state checked against its code (borrowed references). */
typedef struct {
    int kind;
    PyObject *func;
    PyCodeObject *code;
    PyObject *values;
    PyObject *nulls;
    Py_ssize_t nvalues;
    int offset;
    int return_offset;
    int gen_state;              /* PySlp_FRAME_YIELD: its frame state */
} PySlp_FrameSpec;

PyObject *_PySlp_FrameGetState(_PyInterpreterFrame *f, int valid, int top);
int _PySlp_FrameCheckState(PyObject *state, int top, PySlp_FrameSpec *spec);
PyObject *_PySlp_TaskletGetFrames(PyTaskletObject *t);
PyObject *_PySlp_GenGetState(PyGenObject *gen, long flags);
PyObject *_PySlp_GenFromState(PyObject *state, long flags);
int _PySlp_TaskletSetFrames(PyTaskletObject *t, PyObject *states);

/* ------------------------------------------------------------------ */
/* core/datastack.c */

void _PySlp_ChunkClearSpare(PySlp_ThreadState *ts);


/* ------------------------------------------------------------------ */
/* core/preempt.c: run(timeout) interrupts the running tasklet */

#define PySlp_PREEMPT_THREADBLOCK   1
#define PySlp_PREEMPT_SOFT          2
#define PySlp_PREEMPT_IGNORE_NEST   4
#define PySlp_PREEMPT_TOTAL         8

PyObject *_PySlp_CStackInfo(PySlp_ThreadState *ts);  /* threadstate.c */

int _PySlp_PreemptArm(PySlp_ThreadState *ts, PyTaskletObject *owner,
                      long timeout, int flags, double budget);
PyObject *_PySlp_PreemptDisarm(PySlp_ThreadState *ts);
int _PySlp_PreemptSpent(PySlp_ThreadState *ts);
int _PySlp_PreemptNow(PySlp_ThreadState *ts, _PyInterpreterFrame *frame);
void _PySlp_ResumePointAtCheck(_PyInterpreterFrame *frame);
PyTaskletObject *_PySlp_PreemptRedirect(PySlp_ThreadState *ts,
                                        PyTaskletObject *prev,
                                        PyTaskletObject *next, int how,
                                        int dying);

/* A new slice of ticks starts for the running tasklet. */
static inline void
_PySlp_PreemptNewSlice(PySlp_ThreadState *ts)
{
    ts->preempt_ticks = 0;
    ts->preempt_next = ts->preempt_first;
}

/* The soft-switch bit of the eval breaker has done its work: clear it,
   unless a pre-empting run() keeps it set to count ticks. */
static inline void
_PySlp_BreakerDone(PySlp_ThreadState *ts)
{
    if (ts->preempt_owner == NULL) {
        _Py_unset_eval_breaker_bit(ts->tstate, _PY_SLP_SOFT_SWITCH_BIT);
    }
}

/* Whether the check at `op` is a tick: a back edge or a frame's start,
   not a call's tail.  Instrumented opcodes count as ticks, except calls
   that are cheap to tell apart. */
static inline int
_PySlp_IsTick(int op)
{
    if (op == JUMP_BACKWARD || op == RESUME_CHECK || op == RESUME) {
        return 1;
    }
    return op >= MIN_INSTRUMENTED_OPCODE && op != INSTRUMENTED_CALL
           && op != INSTRUMENTED_CALL_KW
           && op != INSTRUMENTED_CALL_FUNCTION_EX;
}

/* CHECK_EVAL_BREAKER's slow path in `frame`, the current tasklet's top
   frame, while pre-emption is active (_PySlp_IsParking).  Returns 1 if
   the eval loop must go to its soft switch (core/preempt.c); -1 if
   nothing else is to be done at this check; else 0.  Inline: it runs at
   every loop iteration and call while a pre-empting run() is active. */
static inline int
_PySlp_PreemptCheck(PySlp_ThreadState *ts, _PyInterpreterFrame *frame)
{
    PyTaskletObject *cur = ts->current;
    if (cur->pending_irq
        || (_PySlp_IsTick(frame->instr_ptr->op.code)
            && ++ts->preempt_ticks >= ts->preempt_next
            && _PySlp_PreemptSpent(ts))) {
        return _PySlp_PreemptNow(ts, frame);
    }
    /* With only this bit set, and no thread throwing at the tasklet,
       _Py_HandlePending has nothing to do. */
    if ((_Py_atomic_load_uintptr_relaxed(&ts->tstate->eval_breaker)
         & _PY_EVAL_EVENTS_MASK) == _PY_SLP_SOFT_SWITCH_BIT
        && cur->pending_bomb == NULL) {
        return -1;
    }
    return 0;
}

#endif /* SLP_CORE_H */
