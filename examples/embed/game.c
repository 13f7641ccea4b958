/* game: a C program that embeds Stackless Python, the way a game engine
 * would.
 *
 * The world (world.py) is a few thousand NPC tasklets written in Python.
 * The engine's frame loop is C: every frame it pushes the frame's input
 * events into the `inputs` channel, gives the tasklets a bounded slice of
 * CPU with a pre-emptive run of the scheduler, and collects the NPCs'
 * results from the `outputs` channel.  A tasklet still thinking when the
 * slice is spent is interrupted, put back, and continues next frame.
 *
 *     game [--npcs N] [--frames N] [--events N]
 *          [--ticks N | --budget-ms MS] [WORLD.py]
 *
 * Prints "embed-game: ok ..." and exits 0 if no event was lost or
 * answered twice and every answer is right; exits 1 otherwise.  See
 * README.md here and docs/c-api.md. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stackless_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    long npcs;
    long frames;
    long events;        /* new input events per frame */
    long ticks;         /* ticks per frame, for PyStackless_RunWatchdogEx */
    double budget;      /* seconds per frame; > 0 selects
                           PyStackless_RunWatchdogBudget instead */
    const char *world_path;
} Options;

typedef struct {
    PyObject *world;            /* the world module */
    PyChannelObject *inputs;
    PyChannelObject *outputs;
    PyObject *kinds[3];         /* "look", "move", "plan" */
    long work[3];               /* world.WORK of each kind */
    long expect[3];             /* the right answer for each kind */
    long made;                  /* events made so far (their serials) */
    long sent;                  /* events sent into `inputs` */
    long received;              /* results taken from `outputs` */
    long interrupted;           /* tasklets the watchdog gave back */
    unsigned char *seen;        /* seen[serial]: its result arrived */
} Game;

static const char *kind_names[3] = {"look", "move", "plan"};

/* The kind of event `serial`: now and then an expensive plan, which
   takes longer than a frame's allowance; one move in five; else a look. */
static int
kind_of(long serial)
{
    if (serial % 500 == 499) {
        return 2;
    }
    return serial % 5 == 0 ? 1 : 0;
}

/* world.think(work), computed in C to check the NPCs' answers. */
static long
expected_value(long work)
{
    long long acc = 0;
    for (long long i = 0; i < work; i++) {
        acc = (acc + i * i) % 1000003;
    }
    return (long)acc;
}

/* ------------------------------------------------------------------ */
/* Start-up */

static int
parse_options(int argc, char **argv, Options *opt)
{
    *opt = (Options){.npcs = 2000, .frames = 50, .events = 100,
                     .ticks = 150000, .budget = 0.0, .world_path = NULL};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        char *end = NULL;
        if (a[0] != '-') {
            opt->world_path = a;
            continue;
        }
        if (v == NULL) {
            goto usage;
        }
        i++;
        if (strcmp(a, "--npcs") == 0) {
            opt->npcs = strtol(v, &end, 10);
        }
        else if (strcmp(a, "--frames") == 0) {
            opt->frames = strtol(v, &end, 10);
        }
        else if (strcmp(a, "--events") == 0) {
            opt->events = strtol(v, &end, 10);
        }
        else if (strcmp(a, "--ticks") == 0) {
            opt->ticks = strtol(v, &end, 10);
        }
        else if (strcmp(a, "--budget-ms") == 0) {
            opt->budget = strtod(v, &end) / 1000.0;
        }
        else {
            goto usage;
        }
        if (end == v || *end != '\0') {
            goto usage;
        }
    }
    if (opt->npcs < 1 || opt->frames < 0 || opt->events < 0
        || opt->ticks < 1 || opt->budget < 0) {
        goto usage;
    }
    return 0;

usage:
    fprintf(stderr, "usage: %s [--npcs N] [--frames N] [--events N] "
            "[--ticks N | --budget-ms MS] [WORLD.py]\n", argv[0]);
    return -1;
}

/* Import the world module from its file: its directory goes first on
   sys.path, and the module is named after the file.  A real import (not
   a PyRun_* of the text) gives the NPC functions a module to be found
   in by name, as pickling a saved world would need. */
static PyObject *
import_world(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t baselen = strlen(base);
    if (baselen < 4 || strcmp(base + baselen - 3, ".py") != 0) {
        PyErr_Format(PyExc_ValueError, "%s: not a .py file", path);
        return NULL;
    }
    PyObject *dir = slash ? PyUnicode_DecodeFSDefaultAndSize(
                                path, slash - path + (slash == path))
                          : PyUnicode_FromString(".");
    if (dir == NULL) {
        return NULL;
    }
    PyObject *sys_path = PySys_GetObject("path");    /* borrowed */
    int err = sys_path == NULL ? -1 : PyList_Insert(sys_path, 0, dir);
    Py_DECREF(dir);
    if (err < 0) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_RuntimeError, "no sys.path");
        }
        return NULL;
    }
    PyObject *name = PyUnicode_DecodeFSDefaultAndSize(base, baselen - 3);
    if (name == NULL) {
        return NULL;
    }
    PyObject *module = PyImport_Import(name);
    Py_DECREF(name);
    return module;
}

/* Channels, the world's tasklets, and the kinds of events. */
static int
build_world(Game *g, const Options *opt)
{
    /* Made here rather than in world.py, to show the C side of them. */
    g->inputs = PyChannel_New(NULL);
    g->outputs = PyChannel_New(NULL);
    if (g->inputs == NULL || g->outputs == NULL) {
        return -1;
    }
    /* Who continues after a transfer between the C loop and an NPC:
       always the C loop, so that NPC code runs only inside the
       pre-emptive run below, within the frame's budget.  With the
       default preference (-1, the receiver runs at once) each
       PyChannel_Send() would run the receiving NPC right away, from
       the send, with no watchdog to stop it.  Preference 1 on `inputs`
       makes the sender (the loop) continue and queues the NPC;
       preference -1 on `outputs` makes the receiver (the loop)
       continue and queues the NPC that sent. */
    PyChannel_SetPreference(g->inputs, 1);
    PyChannel_SetPreference(g->outputs, -1);

    PyObject *work = PyObject_GetAttrString(g->world, "WORK");
    if (work == NULL) {
        return -1;
    }
    for (int k = 0; k < 3; k++) {
        g->kinds[k] = PyUnicode_InternFromString(kind_names[k]);
        PyObject *w = g->kinds[k] ? PyObject_GetItem(work, g->kinds[k])
                                  : NULL;
        g->work[k] = w ? PyLong_AsLong(w) : -1;
        Py_XDECREF(w);
        if (g->work[k] == -1 && PyErr_Occurred()) {
            Py_DECREF(work);
            return -1;
        }
        g->expect[k] = expected_value(g->work[k]);
    }
    Py_DECREF(work);

    PyObject *npcs = PyObject_CallMethod(g->world, "build", "lOO",
                                         opt->npcs, g->inputs, g->outputs);
    if (npcs == NULL) {
        return -1;
    }
    Py_DECREF(npcs);    /* world.npcs keeps them; shutdown reads it */

    /* Every NPC is runnable; one run lets each reach its first
       inputs.receive().  No timeout: a plain run, which returns when
       every tasklet waits. */
    PyObject *r = PyStackless_RunWatchdogEx(0, 0);
    if (r == NULL) {
        return -1;
    }
    Py_DECREF(r);
    if (PyChannel_GetBalance(g->inputs) != -opt->npcs) {
        PyErr_Format(PyExc_RuntimeError,
                     "%d NPCs wait for input after start-up, not %ld",
                     -PyChannel_GetBalance(g->inputs), opt->npcs);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* One frame */

/* (1) Input: hand out new and left-over events, one to each NPC that
   waits for one.  A send on a channel blocks until a receiver takes the
   value, and the C loop, the main tasklet, must never block: it sends
   only while the balance is negative (receivers wait), and preference 1
   lets it go on at once.  Events that find no idle NPC wait in the
   backlog (serials made - sent) for a later frame. */
static int
push_inputs(Game *g)
{
    while (g->sent < g->made && PyChannel_GetBalance(g->inputs) < 0) {
        PyObject *event = Py_BuildValue("(lO)", g->sent,
                                        g->kinds[kind_of(g->sent)]);
        if (event == NULL) {
            return -1;
        }
        int err = PyChannel_Send(g->inputs, event);
        Py_DECREF(event);
        if (err < 0) {
            return -1;
        }
        g->sent++;
    }
    return 0;
}

/* (2) Simulation: run the scheduler until every NPC waits on a channel
   or the frame's allowance is spent.  Either ticks (a tick is a loop
   iteration or a Python call; PY_WATCHDOG_TOTALTIMEOUT makes the
   timeout count for the whole run, not per tasklet slice) or wall-clock
   seconds.  A non-None result is the tasklet that was running when the
   allowance ran out: out of the run queue, paused but intact.  Putting
   it back at the end of the queue continues it next frame where it was
   interrupted.  Returns 1 if the run was cut short, 0 if it ran dry. */
static int
run_frame(Game *g, const Options *opt)
{
    PyObject *victim;
    if (opt->budget > 0) {
        victim = PyStackless_RunWatchdogBudget(0, 0, opt->budget);
    }
    else {
        victim = PyStackless_RunWatchdogEx(opt->ticks,
                                           PY_WATCHDOG_TOTALTIMEOUT);
    }
    if (victim == NULL) {
        return -1;      /* an NPC raised, and nothing handled it */
    }
    if (victim == Py_None) {
        Py_DECREF(victim);
        /* It ran dry: nothing but the loop itself is runnable. */
        if (PyStackless_GetRunCount() != 1) {
            PyErr_Format(PyExc_RuntimeError,
                         "run() returned None with %d tasklets runnable",
                         PyStackless_GetRunCount());
            return -1;
        }
        return 0;
    }
    g->interrupted++;
    int err = PyTasklet_Insert((PyTaskletObject *)victim);
    Py_DECREF(victim);
    return err < 0 ? -1 : 1;
}

/* (3) Output: take the result of every NPC that waits to send one.  A
   positive balance counts blocked senders, so these receives never
   block; preference -1 keeps the loop running and queues the sender,
   which goes back to waiting for input during the next frame's run. */
static int
collect_outputs(Game *g)
{
    while (PyChannel_GetBalance(g->outputs) > 0) {
        PyObject *result = PyChannel_Receive(g->outputs);
        if (result == NULL) {
            return -1;
        }
        long serial, ident, value;
        if (!PyArg_ParseTuple(result, "lll;result must be (serial, npc, "
                              "value)", &serial, &ident, &value)) {
            Py_DECREF(result);
            return -1;
        }
        Py_DECREF(result);
        if (serial < 0 || serial >= g->sent || g->seen[serial]) {
            PyErr_Format(PyExc_RuntimeError,
                         "result for event %ld from NPC %ld: %s", serial,
                         ident, serial >= 0 && serial < g->sent
                                ? "answered twice" : "never sent");
            return -1;
        }
        long want = g->expect[kind_of(serial)];
        if (value != want) {
            PyErr_Format(PyExc_RuntimeError,
                         "event %ld: NPC %ld answered %ld, not %ld",
                         serial, ident, value, want);
            return -1;
        }
        g->seen[serial] = 1;
        g->received++;
    }
    return 0;
}

/* The loop must be the main tasklet between frames: NPC code runs only
   inside run_frame(). */
static int
check_main_is_current(void)
{
    PyObject *cur = PyStackless_GetCurrent();
    if (cur == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_RuntimeError, "no current tasklet");
        }
        return -1;
    }
    int is_main = PyTasklet_IsMain((PyTaskletObject *)cur);
    Py_DECREF(cur);
    if (is_main != 1) {
        PyErr_SetString(PyExc_RuntimeError,
                        "the frame loop is not the main tasklet");
        return -1;
    }
    return 0;
}

static int
frame(Game *g, const Options *opt, long number, int make_events)
{
    if (make_events) {
        g->made += opt->events;
    }
    if (push_inputs(g) < 0
        || run_frame(g, opt) < 0
        || collect_outputs(g) < 0
        || check_main_is_current() < 0) {
        return -1;
    }
    if (make_events && (number + 1) % 10 == 0) {
        printf("frame %ld: events made %ld, sent %ld, answered %ld; "
               "runnable now %d; interrupted so far %ld\n",
               number + 1, g->made, g->sent, g->received,
               PyStackless_GetRunCount(), g->interrupted);
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Shutdown */

/* Kill every NPC still alive: TaskletExit is raised where it waits, so
   its finally block runs now, while the world is intact.  Py_FinalizeEx
   would kill them too, but later and without the chance to check. */
static int
kill_npcs(Game *g, long *killed)
{
    PyObject *npcs = PyObject_GetAttrString(g->world, "npcs");
    if (npcs == NULL) {
        return -1;
    }
    PyObject *seq = PySequence_Fast(npcs, "world.npcs must be a list");
    Py_DECREF(npcs);
    if (seq == NULL) {
        return -1;
    }
    *killed = 0;
    for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq); i++) {
        PyObject *t = PySequence_Fast_GET_ITEM(seq, i);
        if (!PyTasklet_Check(t)) {
            PyErr_SetString(PyExc_TypeError, "world.npcs holds a non-tasklet");
            Py_DECREF(seq);
            return -1;
        }
        if (PyTasklet_Alive((PyTaskletObject *)t)) {
            if (PyTasklet_Kill((PyTaskletObject *)t) < 0) {
                Py_DECREF(seq);
                return -1;
            }
            (*killed)++;
        }
    }
    Py_DECREF(seq);
    return 0;
}

static long
world_stat(Game *g, const char *key)
{
    PyObject *stats = PyObject_GetAttrString(g->world, "stats");
    PyObject *v = stats ? PyMapping_GetItemString(stats, key) : NULL;
    long n = v ? PyLong_AsLong(v) : -1;
    Py_XDECREF(stats);
    Py_XDECREF(v);
    return n;
}

/* ------------------------------------------------------------------ */

static int
play(Game *g, const Options *opt)
{
    /* The C API works once the stackless module is initialised, which
       importing it does (a script's "import stackless" would too).  The
       first call then makes this thread's scheduler and main tasklet. */
    PyObject *stackless = PyImport_ImportModule("stackless");
    if (stackless == NULL) {
        return -1;
    }
    Py_DECREF(stackless);   /* sys.modules keeps it */
    if (check_main_is_current() < 0) {
        return -1;
    }
    g->world = import_world(opt->world_path);
    if (g->world == NULL || build_world(g, opt) < 0) {
        return -1;
    }
    /* Enough room for every event the frames make: the drain frames
       below make none. */
    long capacity = opt->frames * opt->events;
    g->seen = calloc(capacity ? capacity : 1, 1);
    if (g->seen == NULL) {
        PyErr_NoMemory();
        return -1;
    }

    for (long f = 0; f < opt->frames; f++) {
        if (frame(g, opt, f, 1) < 0) {
            return -1;
        }
    }
    /* The game is over, but NPCs may still think about events and the
       backlog may hold some: more frames without new events, until
       every event is answered and the queue has run dry. */
    long drain = 0;
    while (g->sent < g->made || g->received < g->sent
           || PyStackless_GetRunCount() != 1) {
        if (drain++ > 100000) {
            PyErr_SetString(PyExc_RuntimeError, "the world never drains");
            return -1;
        }
        if (frame(g, opt, opt->frames + drain, 0) < 0) {
            return -1;
        }
    }

    /* No message lost, none answered twice (collect_outputs checked
       each), and the NPCs agree. */
    for (long s = 0; s < g->made; s++) {
        if (!g->seen[s]) {
            PyErr_Format(PyExc_RuntimeError, "event %ld got no result", s);
            return -1;
        }
    }
    long handled = world_stat(g, "handled");
    if (handled != g->received) {
        if (!PyErr_Occurred()) {
            PyErr_Format(PyExc_RuntimeError, "the NPCs handled %ld events, "
                         "the loop got %ld results", handled, g->received);
        }
        return -1;
    }

    long killed;
    if (kill_npcs(g, &killed) < 0) {
        return -1;
    }
    long exited = world_stat(g, "exited");
    if (killed != opt->npcs || exited != opt->npcs) {
        if (!PyErr_Occurred()) {
            PyErr_Format(PyExc_RuntimeError, "%ld NPCs killed, %ld exited, "
                         "of %ld", killed, exited, opt->npcs);
        }
        return -1;
    }
    printf("embed-game: ok: %ld frames (+%ld to drain), %ld NPCs, "
           "%ld messages processed, %ld interrupted, %s\n",
           opt->frames, drain, opt->npcs, g->received, g->interrupted,
           opt->budget > 0 ? "wall-clock budget" : "tick budget");
    return 0;
}

int
main(int argc, char **argv)
{
    Options opt;
    if (parse_options(argc, argv, &opt) < 0) {
        return 2;
    }
    /* Without a path, world.py next to the program. */
    char *default_path = NULL;
    if (opt.world_path == NULL) {
        const char *slash = strrchr(argv[0], '/');
        size_t len = slash ? (size_t)(slash - argv[0] + 1) : 0;
        default_path = malloc(len + sizeof("world.py"));
        if (default_path == NULL) {
            return 2;
        }
        memcpy(default_path, argv[0], len);
        strcpy(default_path + len, "world.py");
        opt.world_path = default_path;
    }

    PyConfig config;
    /* The regular configuration honours PYTHONHOME and PYTHONPATH: the
       Makefile's run target sets PYTHONHOME to the install prefix, which
       the program does not live in. */
    PyConfig_InitPythonConfig(&config);
    PyStatus status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status)) {
        Py_ExitStatusException(status);
    }

    Game g = {0};
    int rc = 0;
    if (play(&g, &opt) < 0) {
        PyErr_Print();
        fprintf(stderr, "embed-game: FAILED\n");
        rc = 1;
    }
    for (int k = 0; k < 3; k++) {
        Py_XDECREF(g.kinds[k]);
    }
    Py_XDECREF(g.inputs);
    Py_XDECREF(g.outputs);
    Py_XDECREF(g.world);
    free(g.seen);
    free(default_path);
    /* Kills any tasklet of this thread still alive (after a failure),
       running its cleanup, then shuts the interpreter down. */
    if (Py_FinalizeEx() < 0) {
        rc = 1;
    }
    return rc;
}
