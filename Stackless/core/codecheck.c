/* What a code object's bytecode guarantees at each instruction: the check
 * that lets a frame rebuilt from a pickle run without crashing the eval
 * loop (docs/architecture.md D38, D39).
 *
 * The eval loop trusts its frame completely: an offset inside an inline
 * cache, a stack one slot too deep, an int where FOR_ITER expects an
 * iterator, NULL in a local read by LOAD_FAST, an int in a cell slot --
 * each crashes it.  CPython keeps no per-instruction record of what the
 * compiler arranged, so this file computes one: an abstract run of the
 * unspecialised bytecode from its first instruction over every path,
 * exception edges included, that gives for every instruction the depth
 * of the value stack, the kinds of value each stack slot may hold and the
 * states each local may be in.
 *
 * The same run verifies the code itself: every index in range, every jump
 * on an instruction, the stack within co_stacksize, and each operation
 * that the eval loop does not check (FOR_ITER, LIST_APPEND, RERAISE,
 * SET_FUNCTION_ATTRIBUTE, ...) given an operand of the kind it assumes.
 * Code that fails is refused, so code objects that arrive by value may be
 * run only after they passed; code the compiler made always passes
 * (the tests run this over the whole standard library).
 *
 * The result is cached on the code object (co_extra): only the states at
 * resumption points are kept, the instructions where a frame can be
 * suspended.
 */

#include "slp_core.h"
#include "pycore_code.h"          // _PyCode_GetCode()
#include "pycore_intrinsics.h"    // INTRINSIC_*
#include "pycore_object.h"        // _PyObject_NextNotImplemented
#include "pycore_opcode_metadata.h"
#include "pycore_opcode_utils.h"  // MAKE_FUNCTION_*
#include "opcode.h"                // NB_*

#define L_ALL (PySlp_L_NULL | PySlp_L_OBJ | PySlp_L_CELL)

struct _PySlp_CodeInfo {
    Py_ssize_t ncode;           /* code units */
    unsigned char *isop;        /* 1 at the real op of each instruction */
    Py_ssize_t npoints;
    PySlp_CodePoint *points;    /* sorted by offset */
};

/* ------------------------------------------------------------------ */
/* The abstract state */

typedef struct {
    int depth;                  /* -1: not reached yet */
    uint16_t *stack;            /* co_stacksize kinds */
    uint8_t *locals;            /* co_nlocalsplus states */
} State;

typedef struct {
    PyCodeObject *co;
    const _Py_CODEUNIT *code;
    Py_ssize_t n;
    int stacksize;
    int nlocals;
    Py_ssize_t nconsts, nnames;
    unsigned char *entry;       /* 1: an instruction begins here */
    unsigned char *target;      /* 1: something jumps here */
    unsigned char *isop;
    State *in;                  /* state at each entry */
    Py_ssize_t *work;           /* entries whose state changed */
    Py_ssize_t nwork;
    unsigned char *queued;
    /* exception table, parsed */
    int nhandlers;
    struct { int start, end, target, depth, lasti; } *handlers;
    State cur;
    State tmp;
} Checker;

static int
fail(Checker *c, Py_ssize_t at, const char *why)
{
    if (c->co == NULL) {
        PyErr_Format(PyExc_ValueError, "invalid bytecode at %zd: %s",
                     at * 2, why);
    }
    else {
        PyErr_Format(PyExc_ValueError, "invalid bytecode in %R at %zd: %s",
                     c->co->co_qualname, at * 2, why);
    }
    return -1;
}

static int
state_alloc(Checker *c, State *s)
{
    s->depth = -1;
    s->stack = PyMem_Calloc(c->stacksize + 1, sizeof(uint16_t));
    s->locals = PyMem_Calloc(c->nlocals + 1, 1);
    if (s->stack == NULL || s->locals == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static void
state_free(State *s)
{
    PyMem_Free(s->stack);
    PyMem_Free(s->locals);
}

/* Merge `s` into the state at entry `to`; queue it if that changed. */
static int
flow(Checker *c, Py_ssize_t from, Py_ssize_t to, const State *s)
{
    if (to < 0 || to >= c->n || !c->entry[to]) {
        return fail(c, from, "jump to no instruction");
    }
    State *d = &c->in[to];
    int changed = 0;
    if (d->stack == NULL) {
        if (state_alloc(c, d) < 0) {
            return -1;
        }
    }
    if (d->depth < 0) {
        d->depth = s->depth;
        memcpy(d->stack, s->stack, s->depth * sizeof(uint16_t));
        memcpy(d->locals, s->locals, c->nlocals);
        changed = 1;
    }
    else {
        if (d->depth != s->depth) {
            return fail(c, from, "stack depths disagree where paths meet");
        }
        for (int i = 0; i < s->depth; i++) {
            uint16_t k = d->stack[i] | s->stack[i];
            changed |= k != d->stack[i];
            d->stack[i] = k;
        }
        for (int i = 0; i < c->nlocals; i++) {
            uint8_t k = d->locals[i] | s->locals[i];
            changed |= k != d->locals[i];
            d->locals[i] = k;
        }
    }
    if (changed && !c->queued[to]) {
        c->queued[to] = 1;
        c->work[c->nwork++] = to;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Decoding */

static int
read_varint(const unsigned char **p, const unsigned char *end, int *out)
{
    unsigned int v = 0;
    int bits = 0;
    for (;;) {
        if (*p >= end || bits > 24) {
            return -1;
        }
        unsigned char b = *(*p)++;
        v = (v << 6) | (b & 63);
        bits += 6;
        if (!(b & 64)) {
            break;
        }
    }
    *out = (int)v;
    return 0;
}

/* The exception table must parse within its bounds, sorted, each entry
   marked as CPython's lookup expects (a byte with bit 7 set starts an
   entry, no other does). */
static int
parse_exception_table(Checker *c)
{
    PyObject *t = c->co->co_exceptiontable;
    const unsigned char *p = (const unsigned char *)PyBytes_AS_STRING(t);
    const unsigned char *end = p + PyBytes_GET_SIZE(t);
    Py_ssize_t max = PyBytes_GET_SIZE(t) / 4 + 1;
    c->handlers = PyMem_Calloc(max, sizeof(*c->handlers));
    if (c->handlers == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    int prev_end = 0;
    while (p < end) {
        const unsigned char *first = p;
        int start, size, target, dl;
        if (!(*p & 128) || read_varint(&p, end, &start) < 0
            || read_varint(&p, end, &size) < 0
            || read_varint(&p, end, &target) < 0
            || read_varint(&p, end, &dl) < 0) {
            return fail(c, 0, "malformed exception table");
        }
        for (const unsigned char *q = first + 1; q < p; q++) {
            if (*q & 128) {
                return fail(c, 0, "malformed exception table");
            }
        }
        if (start < prev_end || size <= 0 || start + size > c->n
            || target >= c->n || (dl >> 1) > c->stacksize
            || c->nhandlers >= max) {
            return fail(c, 0, "exception table entry out of range");
        }
        if (!c->entry[target]) {
            return fail(c, target, "exception handler on no instruction");
        }
        c->target[target] = 1;
        c->handlers[c->nhandlers].start = start;
        c->handlers[c->nhandlers].end = start + size;
        c->handlers[c->nhandlers].target = target;
        c->handlers[c->nhandlers].depth = dl >> 1;
        c->handlers[c->nhandlers].lasti = dl & 1;
        c->nhandlers++;
        prev_end = start + size;
    }
    return 0;
}

static int
is_base_op(int op)
{
    if (op <= 0 || op > 255 || !_PyOpcode_opcode_metadata[op].valid_entry
        || _PyOpcode_Deopt[op] != op || op >= MIN_INSTRUMENTED_OPCODE) {
        return op == RESUME;
    }
    switch (op) {
    case RESERVED:
    case INTERPRETER_EXIT:
    case ENTER_EXECUTOR:
    case EXIT_INIT_CHECK:       /* only in CPython's own __init__ shim */
        return 0;
    }
    return 1;
}

/* The real op at entry i (after its EXTENDED_ARGs) and its argument. */
static Py_ssize_t
real_op(Checker *c, Py_ssize_t i, int *op, int *arg)
{
    int a = 0;
    while (c->code[i].op.code == EXTENDED_ARG) {
        a = (a << 8) | c->code[i].op.arg;
        i++;
    }
    *op = c->code[i].op.code;
    *arg = (a << 8) | c->code[i].op.arg;
    return i;
}

/* Mark instruction entries and real ops: every op one of this version's
   unspecialised instructions, its inline caches within the code. */
static int
scan_instructions(Checker *c)
{
    Py_ssize_t i = 0;
    while (i < c->n) {
        c->entry[i] = 1;
        Py_ssize_t first = i;
        int ext = 0;
        while (i < c->n && c->code[i].op.code == EXTENDED_ARG) {
            if (++ext > 3) {
                return fail(c, i, "too many EXTENDED_ARG");
            }
            if (ext == 1 && c->code[i].op.arg == 0) {
                /* The eval loop asserts an extension is never zero. */
                return fail(c, i, "EXTENDED_ARG 0");
            }
            i++;
        }
        if (i >= c->n) {
            return fail(c, first, "EXTENDED_ARG at the end");
        }
        int op = c->code[i].op.code;
        if (!is_base_op(op)) {
            return fail(c, i, "not an instruction of this version");
        }
        c->isop[i] = 1;
        i += 1 + _PyOpcode_Caches[op];
        if (i > c->n) {
            return fail(c, first, "inline cache beyond the end");
        }
    }
    return 0;
}

/* CPython's code constructor walks the instructions too (to set up the
   inline caches) and trusts them: raw bytecode that arrives by value is
   scanned before a code object is made of it. */
int
_PySlp_CheckInstructionBytes(PyObject *bytes)
{
    if (!PyBytes_Check(bytes) || PyBytes_GET_SIZE(bytes) % 2) {
        PyErr_SetString(PyExc_ValueError, "bytecode must be bytes of even "
                        "length");
        return -1;
    }
    Checker c;
    memset(&c, 0, sizeof(c));
    c.code = (const _Py_CODEUNIT *)PyBytes_AS_STRING(bytes);
    c.n = PyBytes_GET_SIZE(bytes) / 2;
    c.entry = PyMem_Calloc(c.n + 1, 1);
    c.isop = PyMem_Calloc(c.n + 1, 1);
    int rc = -1;
    if (c.entry == NULL || c.isop == NULL) {
        PyErr_NoMemory();
    }
    else {
        rc = scan_instructions(&c);
    }
    PyMem_Free(c.entry);
    PyMem_Free(c.isop);
    return rc;
}

/* Instructions, then jump targets. */
static int
decode(Checker *c)
{
    if (scan_instructions(c) < 0) {
        return -1;
    }
    Py_ssize_t i;
    /* Jump targets, so that pattern rules can see what is entered only
       by falling through. */
    for (i = 0; i < c->n; i++) {
        if (!c->entry[i]) {
            continue;
        }
        int op, arg;
        Py_ssize_t r = real_op(c, i, &op, &arg);
        Py_ssize_t next = r + 1 + _PyOpcode_Caches[op];
        Py_ssize_t t = -1;
        switch (op) {
        case JUMP_FORWARD:
        case POP_JUMP_IF_FALSE:
        case POP_JUMP_IF_TRUE:
        case POP_JUMP_IF_NONE:
        case POP_JUMP_IF_NOT_NONE:
        case SEND:
            t = next + arg;
            break;
        case FOR_ITER:
            t = next + arg + 2;
            if (next + arg < c->n) {
                c->target[next + arg] = 1;   /* a generator returns there */
            }
            break;
        case JUMP_BACKWARD:
        case JUMP_BACKWARD_NO_INTERRUPT:
            t = next - arg;
            break;
        }
        if (t >= 0 && t < c->n) {
            c->target[t] = 1;
        }
    }
    return 0;
}

/* The previous instruction's real op, if `at` is entered only by falling
   through from it: the pattern rules below rely on that. */
static Py_ssize_t
previous_op(Checker *c, Py_ssize_t at, int *op, int *arg)
{
    Py_ssize_t e = at;
    while (e > 0 && !c->entry[e]) {
        e--;
    }
    if (c->target[e] || e == 0) {
        return -1;
    }
    Py_ssize_t p = e - 1;
    while (p >= 0 && !c->isop[p]) {
        p--;
    }
    if (p < 0) {
        return -1;
    }
    Py_ssize_t pe = p;
    while (pe > 0 && !c->entry[pe]) {
        pe--;
    }
    (void)real_op(c, pe, op, arg);
    return p;
}

/* ------------------------------------------------------------------ */
/* One instruction */

#define NEED(n) \
    do { if (s->depth < (n)) return fail(c, i, "stack underflow"); } while (0)
#define SLOT(k) (s->stack[s->depth - (k)])  /* k = 1: top */
#define PUSH(kind) \
    do { \
        uint16_t kind_ = (kind); \
        if (s->depth >= c->stacksize) \
            return fail(c, i, "stack beyond co_stacksize"); \
        s->stack[s->depth++] = kind_; \
    } while (0)
#define REQUIRE(k, kinds, why) \
    do { \
        if (SLOT(k) == 0 || (SLOT(k) & ~(kinds))) return fail(c, i, why); \
    } while (0)
#define LOCAL(n) \
    do { if ((n) < 0 || (n) >= c->nlocals) \
        return fail(c, i, "local index out of range"); } while (0)

static uint16_t
const_kind(PyObject *v)
{
    if (PyUnicode_CheckExact(v)) {
        return PySlp_S_STR;
    }
    if (PyTuple_CheckExact(v)) {
        return PySlp_S_TUPLE;
    }
    if (PyCode_Check(v)) {
        return PySlp_S_CODE;
    }
    if (v == Py_None) {
        return PySlp_S_NONE;
    }
    return PySlp_S_OBJ;
}

/* Whether the instruction before `at` is LOAD_CONST of a tuple of n or
   fewer (exact: n) items -- strings unless `exact` --, and `at` is
   reached only by falling through from it. */
static int
prev_const_tuple(Checker *c, Py_ssize_t at, Py_ssize_t n, int exact)
{
    int op, arg;
    if (previous_op(c, at, &op, &arg) < 0 || op != LOAD_CONST
        || arg >= c->nconsts) {
        return 0;
    }
    PyObject *t = PyTuple_GET_ITEM(c->co->co_consts, arg);
    if (!PyTuple_CheckExact(t) || PyTuple_GET_SIZE(t) > n
        || (exact && PyTuple_GET_SIZE(t) != n)) {
        return 0;
    }
    for (Py_ssize_t j = 0; !exact && j < PyTuple_GET_SIZE(t); j++) {
        if (!PyUnicode_CheckExact(PyTuple_GET_ITEM(t, j))) {
            return 0;
        }
    }
    return 1;
}

/* The code constant a MAKE_FUNCTION at `at` makes a function of, or NULL
   if it is not the LOAD_CONST right before. */
static PyCodeObject *
made_code(Checker *c, Py_ssize_t at, Py_ssize_t *where)
{
    int op, arg;
    Py_ssize_t p = previous_op(c, at, &op, &arg);
    if (p < 0 || op != LOAD_CONST || arg >= c->nconsts) {
        return NULL;
    }
    PyObject *co = PyTuple_GET_ITEM(c->co->co_consts, arg);
    *where = p;
    return PyCode_Check(co) ? (PyCodeObject *)co : NULL;
}

/* Apply instruction (real op at i) to c->cur, sending it to successors. */
static int
step(Checker *c, Py_ssize_t e, Py_ssize_t i, int op, int arg)
{
    State *s = &c->cur;
    Py_ssize_t next = i + 1 + _PyOpcode_Caches[op];
    int flags = c->co->co_flags;

    /* Exception edges: the handler sees the state before the op; the
       innermost entry is the only one that applies, and entries do not
       overlap (parse_exception_table). */
    for (int h = 0; h < c->nhandlers; h++) {
        if (e < c->handlers[h].start || e >= c->handlers[h].end) {
            continue;
        }
        if (c->handlers[h].depth > s->depth) {
            return fail(c, i, "handler deeper than the stack");
        }
        State *t = &c->tmp;
        t->depth = c->handlers[h].depth;
        memcpy(t->stack, s->stack, t->depth * sizeof(uint16_t));
        memcpy(t->locals, s->locals, c->nlocals);
        if (t->depth + 1 + c->handlers[h].lasti > c->stacksize) {
            return fail(c, i, "stack beyond co_stacksize");
        }
        if (c->handlers[h].lasti) {
            t->stack[t->depth++] = PySlp_S_LASTI;
        }
        t->stack[t->depth++] = PySlp_S_EXC;
        if (flow(c, i, c->handlers[h].target, t) < 0) {
            return -1;
        }
        break;
    }

    int popped = _PyOpcode_num_popped(op, arg);
    int pushed = _PyOpcode_num_pushed(op, arg);
    if (popped < 0 || pushed < 0) {
        return fail(c, i, "unknown stack effect");
    }
    NEED(popped);
    int fallthrough = 1;
    int jumps = 0;              /* whether it may jump (to `jump`) */
    Py_ssize_t jump = -1;

    switch (op) {
    /* Locals */
    case LOAD_FAST:
        LOCAL(arg);
        if (s->locals[arg] & PySlp_L_NULL) {
            return fail(c, i, "LOAD_FAST of a local that may be unbound");
        }
        PUSH(s->locals[arg] == PySlp_L_CELL ? PySlp_S_CELL : PySlp_S_OBJ);
        return flow(c, i, next, s);
    case LOAD_FAST_CHECK:
        LOCAL(arg);
        PUSH(PySlp_S_OBJ);
        /* It raises if the local is unbound: past it, it is bound. */
        if (s->locals[arg] & PySlp_L_NULL) {
            s->locals[arg] = (s->locals[arg] & ~PySlp_L_NULL) | PySlp_L_OBJ;
        }
        return flow(c, i, next, s);
    case LOAD_FAST_AND_CLEAR:
        LOCAL(arg);
        PUSH(PySlp_S_OBJ | PySlp_S_NULL);
        s->locals[arg] = PySlp_L_NULL;
        return flow(c, i, next, s);
    case LOAD_FAST_LOAD_FAST: {
        int a = arg >> 4, b = arg & 15;
        LOCAL(a);
        LOCAL(b);
        if ((s->locals[a] | s->locals[b]) & PySlp_L_NULL) {
            return fail(c, i, "LOAD_FAST of a local that may be unbound");
        }
        PUSH(PySlp_S_OBJ);
        PUSH(PySlp_S_OBJ);
        return flow(c, i, next, s);
    }
    case STORE_FAST:
        LOCAL(arg);
        s->locals[arg] = ((SLOT(1) & PySlp_S_NULL) ? PySlp_L_NULL : 0)
                         | ((SLOT(1) & ~PySlp_S_NULL) ? PySlp_L_OBJ : 0);
        s->depth--;
        return flow(c, i, next, s);
    case STORE_FAST_LOAD_FAST: {
        int a = arg >> 4, b = arg & 15;
        LOCAL(a);
        LOCAL(b);
        REQUIRE(1, ~PySlp_S_NULL, "NULL stored");
        s->locals[a] = PySlp_L_OBJ;
        s->depth--;
        if (s->locals[b] & PySlp_L_NULL) {
            return fail(c, i, "LOAD_FAST of a local that may be unbound");
        }
        PUSH(PySlp_S_OBJ);
        return flow(c, i, next, s);
    }
    case STORE_FAST_STORE_FAST: {
        int a = arg >> 4, b = arg & 15;
        LOCAL(a);
        LOCAL(b);
        REQUIRE(1, ~PySlp_S_NULL, "NULL stored");
        REQUIRE(2, ~PySlp_S_NULL, "NULL stored");
        s->locals[a] = PySlp_L_OBJ;
        s->locals[b] = PySlp_L_OBJ;
        s->depth -= 2;
        return flow(c, i, next, s);
    }
    case DELETE_FAST:
        LOCAL(arg);
        s->locals[arg] = PySlp_L_NULL;
        return flow(c, i, next, s);
    case MAKE_CELL:
        LOCAL(arg);
        s->locals[arg] = PySlp_L_CELL;
        return flow(c, i, next, s);
    case COPY_FREE_VARS:
        if (arg != c->co->co_nfreevars || e != 0) {
            return fail(c, i, "COPY_FREE_VARS must come first");
        }
        for (int k = c->nlocals - arg; k < c->nlocals; k++) {
            s->locals[k] = PySlp_L_CELL;
        }
        return flow(c, i, next, s);
    case LOAD_DEREF:
    case STORE_DEREF:
    case DELETE_DEREF:
    case LOAD_FROM_DICT_OR_DEREF:
        LOCAL(arg);
        if (s->locals[arg] != PySlp_L_CELL) {
            return fail(c, i, "cell operation on a slot that may hold no cell");
        }
        break;

    /* Constants, names */
    case LOAD_CONST:
        if (arg >= c->nconsts) {
            return fail(c, i, "constant index out of range");
        }
        PUSH(const_kind(PyTuple_GET_ITEM(c->co->co_consts, arg)));
        return flow(c, i, next, s);
    case RETURN_CONST:
        if (arg >= c->nconsts) {
            return fail(c, i, "constant index out of range");
        }
        if (s->depth != 0) {
            return fail(c, i, "return with values left on the stack");
        }
        return 0;
    case RETURN_VALUE:
        /* The eval loop returns only from an otherwise empty stack. */
        if (s->depth != 1) {
            return fail(c, i, "return with values left on the stack");
        }
        break;
    case LOAD_GLOBAL:
        if ((arg >> 1) >= c->nnames) {
            return fail(c, i, "name index out of range");
        }
        PUSH(PySlp_S_OBJ);
        if (arg & 1) {
            PUSH(PySlp_S_NULL);
        }
        return flow(c, i, next, s);
    case LOAD_ATTR:
        if ((arg >> 1) >= c->nnames) {
            return fail(c, i, "name index out of range");
        }
        REQUIRE(1, ~PySlp_S_NULL, "NULL operand");
        s->depth--;
        PUSH(PySlp_S_OBJ);
        if (arg & 1) {
            PUSH(PySlp_S_OBJ | PySlp_S_NULL);
        }
        return flow(c, i, next, s);
    case LOAD_SUPER_ATTR:
        if ((arg >> 2) >= c->nnames) {
            return fail(c, i, "name index out of range");
        }
        for (int k = 1; k <= 3; k++) {
            REQUIRE(k, ~PySlp_S_NULL, "NULL operand");
        }
        s->depth -= 3;
        PUSH(PySlp_S_OBJ);
        if (arg & 1) {
            PUSH(PySlp_S_OBJ | PySlp_S_NULL);
        }
        return flow(c, i, next, s);
    case LOAD_NAME:
    case STORE_NAME:
    case DELETE_NAME:
    case LOAD_FROM_DICT_OR_GLOBALS:
    case STORE_GLOBAL:
    case DELETE_GLOBAL:
    case STORE_ATTR:
    case DELETE_ATTR:
    case IMPORT_NAME:
    case IMPORT_FROM:
        if (arg >= c->nnames) {
            return fail(c, i, "name index out of range");
        }
        break;

    /* The stack */
    case PUSH_NULL:
        PUSH(PySlp_S_NULL);
        return flow(c, i, next, s);
    case COPY:
        if (arg < 1) {
            return fail(c, i, "bad COPY");
        }
        NEED(arg);
        REQUIRE(arg, ~PySlp_S_NULL, "NULL copied");
        PUSH(SLOT(arg));
        return flow(c, i, next, s);
    case SWAP: {
        if (arg < 2) {
            return fail(c, i, "bad SWAP");
        }
        NEED(arg);
        uint16_t k = SLOT(1);
        SLOT(1) = SLOT(arg);
        SLOT(arg) = k;
        return flow(c, i, next, s);
    }

    /* Calls */
    case CALL:
    case CALL_KW: {
        int extra = op == CALL_KW;
        if (extra && !prev_const_tuple(c, i, arg, 0)) {
            return fail(c, i, "CALL_KW without its keyword names");
        }
        REQUIRE(arg + 2 + extra, ~PySlp_S_NULL, "NULL callable");
        for (int k = 1; k <= arg + extra; k++) {
            REQUIRE(k, ~PySlp_S_NULL, "NULL argument");
        }
        s->depth -= arg + 2 + extra;
        PUSH(PySlp_S_OBJ);
        return flow(c, i, next, s);
    }
    case CALL_FUNCTION_EX: {
        int kw = arg & 1;
        if (kw) {
            REQUIRE(1, PySlp_S_DICT, "keyword arguments not a dict");
        }
        REQUIRE(1 + kw, ~PySlp_S_NULL, "NULL arguments");
        REQUIRE(3 + kw, ~PySlp_S_NULL, "NULL callable");
        s->depth -= 3 + kw;
        PUSH(PySlp_S_OBJ);
        return flow(c, i, next, s);
    }
    case CALL_INTRINSIC_1:
        if (arg < 1 || arg > MAX_INTRINSIC_1) {
            return fail(c, i, "no such intrinsic");
        }
        REQUIRE(1, ~PySlp_S_NULL, "NULL operand");
        if (arg == INTRINSIC_LIST_TO_TUPLE) {
            REQUIRE(1, PySlp_S_LIST, "not a list");
            SLOT(1) = PySlp_S_TUPLE;
            return flow(c, i, next, s);
        }
        if (arg == INTRINSIC_SUBSCRIPT_GENERIC) {
            REQUIRE(1, PySlp_S_TUPLE, "not a tuple");
        }
        if (arg == INTRINSIC_TYPEVAR || arg == INTRINSIC_PARAMSPEC
            || arg == INTRINSIC_TYPEVARTUPLE) {
            REQUIRE(1, PySlp_S_STR, "not a str");
        }
        if (arg == INTRINSIC_TYPEALIAS) {
            int pop, parg;
            if (previous_op(c, i, &pop, &parg) < 0 || pop != BUILD_TUPLE
                || parg != 3) {
                return fail(c, i, "type alias without its tuple");
            }
        }
        if (arg == INTRINSIC_STOPITERATION_ERROR) {
            /* The exception, or a RuntimeError made of it. */
            REQUIRE(1, PySlp_S_EXC, "not an exception");
            return flow(c, i, next, s);
        }
        SLOT(1) = PySlp_S_OBJ;
        return flow(c, i, next, s);
    case CALL_INTRINSIC_2:
        if (arg < 1 || arg > MAX_INTRINSIC_2) {
            return fail(c, i, "no such intrinsic");
        }
        REQUIRE(1, ~PySlp_S_NULL, "NULL operand");
        REQUIRE(2, ~PySlp_S_NULL, "NULL operand");
        if (arg == INTRINSIC_PREP_RERAISE_STAR) {
            REQUIRE(1, PySlp_S_LIST, "not a list");
        }
        if (arg == INTRINSIC_SET_FUNCTION_TYPE_PARAMS) {
            REQUIRE(2, PySlp_S_FUNC, "not a function");
        }
        if (arg == INTRINSIC_TYPEVAR_WITH_BOUND
            || arg == INTRINSIC_TYPEVAR_WITH_CONSTRAINTS) {
            REQUIRE(2, PySlp_S_STR, "not a str");
        }
        if (arg == INTRINSIC_TYPEVAR_WITH_CONSTRAINTS) {
            REQUIRE(1, PySlp_S_TUPLE, "not a tuple");
        }
        s->depth--;
        SLOT(1) = arg == INTRINSIC_PREP_RERAISE_STAR
                  ? PySlp_S_EXC | PySlp_S_NONE
                  : arg == INTRINSIC_SET_FUNCTION_TYPE_PARAMS
                  ? PySlp_S_FUNC : PySlp_S_OBJ;
        return flow(c, i, next, s);

    /* Containers */
    case BUILD_LIST:
    case BUILD_TUPLE:
    case BUILD_SET:
    case BUILD_STRING:
    case BUILD_MAP:
    case BUILD_CONST_KEY_MAP: {
        int n = op == BUILD_MAP ? 2 * arg
                : op == BUILD_CONST_KEY_MAP ? arg + 1 : arg;
        NEED(n);
        if (op == BUILD_CONST_KEY_MAP && !prev_const_tuple(c, i, arg, 1)) {
            return fail(c, i, "BUILD_CONST_KEY_MAP without its keys");
        }
        uint16_t all = 0xffff;
        for (int k = 1; k <= n; k++) {
            REQUIRE(k, ~PySlp_S_NULL, "NULL item");
            all &= SLOT(k) == PySlp_S_CELL ? PySlp_S_CELL : 0;
            if (op == BUILD_STRING) {
                REQUIRE(k, PySlp_S_STR, "not a str");
            }
        }
        s->depth -= n;
        PUSH(op == BUILD_LIST ? PySlp_S_LIST
             : op == BUILD_TUPLE ? (n > 0 && all ? PySlp_S_CELLS
                                                : PySlp_S_TUPLE)
             : op == BUILD_SET ? PySlp_S_SET
             : op == BUILD_STRING ? PySlp_S_STR : PySlp_S_DICT);
        return flow(c, i, next, s);
    }
    case LIST_APPEND:
    case LIST_EXTEND:
    case SET_ADD:
    case SET_UPDATE:
    case DICT_UPDATE:
        if (arg < 1) {
            return fail(c, i, "bad container depth");
        }
        NEED(arg + 1);
        REQUIRE(1, ~PySlp_S_NULL, "NULL item");
        REQUIRE(arg + 1, (op == LIST_APPEND || op == LIST_EXTEND)
                ? PySlp_S_LIST : op == DICT_UPDATE ? PySlp_S_DICT
                : PySlp_S_SET, "container of the wrong type");
        s->depth--;
        return flow(c, i, next, s);
    case DICT_MERGE:
        if (arg < 1) {
            return fail(c, i, "bad container depth");
        }
        NEED(arg + 4);
        REQUIRE(1, ~PySlp_S_NULL, "NULL item");
        REQUIRE(arg + 1, PySlp_S_DICT, "container of the wrong type");
        REQUIRE(arg + 4, ~PySlp_S_NULL, "NULL callable");
        s->depth--;
        return flow(c, i, next, s);
    case MAP_ADD:
        if (arg < 1) {
            return fail(c, i, "bad container depth");
        }
        NEED(arg + 2);
        REQUIRE(1, ~PySlp_S_NULL, "NULL item");
        REQUIRE(2, ~PySlp_S_NULL, "NULL item");
        REQUIRE(arg + 2, PySlp_S_DICT, "container of the wrong type");
        s->depth -= 2;
        return flow(c, i, next, s);
    case FORMAT_SIMPLE:
    case FORMAT_WITH_SPEC:
        for (int k = 1; k <= popped; k++) {
            REQUIRE(k, ~PySlp_S_NULL, "NULL operand");
        }
        s->depth -= popped;
        PUSH(PySlp_S_STR);
        return flow(c, i, next, s);
    case CONVERT_VALUE:
        if (arg < 1 || arg > 3) {
            return fail(c, i, "bad conversion");
        }
        REQUIRE(1, ~PySlp_S_NULL, "NULL operand");
        SLOT(1) = PySlp_S_STR;
        return flow(c, i, next, s);
    case MATCH_KEYS:
        REQUIRE(1, PySlp_S_TUPLE, "keys not a tuple");
        REQUIRE(2, ~PySlp_S_NULL, "NULL operand");
        PUSH(PySlp_S_OBJ);
        return flow(c, i, next, s);
    case MATCH_CLASS:
        REQUIRE(1, PySlp_S_TUPLE, "names not a tuple");
        REQUIRE(2, ~PySlp_S_NULL, "NULL operand");
        REQUIRE(3, ~PySlp_S_NULL, "NULL operand");
        s->depth -= 3;
        PUSH(PySlp_S_OBJ);
        return flow(c, i, next, s);

    /* Functions */
    case MAKE_FUNCTION: {
        Py_ssize_t where;
        PyCodeObject *made = made_code(c, i, &where);
        REQUIRE(1, PySlp_S_CODE, "not a code object");
        if (made == NULL) {
            return fail(c, i, "MAKE_FUNCTION without its code constant");
        }
        if (made->co_nfreevars > 0) {
            /* Its closure: a tuple of exactly that many cells, built
               right before, set right after (COPY_FREE_VARS trusts it). */
            int pop, parg;
            int nop = -1, narg = 0;
            if (previous_op(c, where, &pop, &parg) < 0 || pop != BUILD_TUPLE
                || parg != made->co_nfreevars || SLOT(2) != PySlp_S_CELLS
                || next >= c->n || c->target[next]) {
                return fail(c, i, "closure without its cells");
            }
            (void)real_op(c, next, &nop, &narg);
            if (nop != SET_FUNCTION_ATTRIBUTE
                || narg != MAKE_FUNCTION_CLOSURE) {
                return fail(c, i, "closure not set");
            }
            SLOT(1) = PySlp_S_FUNC | PySlp_S_CODE;  /* marks: needs it */
            return flow(c, i, next, s);
        }
        SLOT(1) = PySlp_S_FUNC;
        return flow(c, i, next, s);
    }
    case SET_FUNCTION_ATTRIBUTE:
        if (arg == MAKE_FUNCTION_CLOSURE) {
            if (SLOT(1) != (PySlp_S_FUNC | PySlp_S_CODE)
                || SLOT(2) != PySlp_S_CELLS) {
                return fail(c, i, "closure set apart from its function");
            }
        }
        else if (arg == MAKE_FUNCTION_DEFAULTS) {
            REQUIRE(1, PySlp_S_FUNC, "not a function");
            REQUIRE(2, PySlp_S_TUPLE | PySlp_S_CELLS, "defaults not a tuple");
        }
        else if (arg == MAKE_FUNCTION_KWDEFAULTS) {
            REQUIRE(1, PySlp_S_FUNC, "not a function");
            REQUIRE(2, PySlp_S_DICT, "keyword defaults not a dict");
        }
        else if (arg == MAKE_FUNCTION_ANNOTATIONS) {
            REQUIRE(1, PySlp_S_FUNC, "not a function");
            REQUIRE(2, ~PySlp_S_NULL, "NULL annotations");
        }
        else {
            return fail(c, i, "no such function attribute");
        }
        s->depth -= 2;
        PUSH(PySlp_S_FUNC);
        return flow(c, i, next, s);
    case RETURN_GENERATOR:
        if (!(flags & (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR))) {
            return fail(c, i, "RETURN_GENERATOR outside a generator");
        }
        if (s->depth != 0) {
            return fail(c, i, "RETURN_GENERATOR on a stack in use");
        }
        PUSH(PySlp_S_OBJ);
        return flow(c, i, next, s);
    case YIELD_VALUE:
        if (!(flags & (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR))) {
            return fail(c, i, "YIELD_VALUE outside a generator");
        }
        if (arg > 1) {
            return fail(c, i, "bad YIELD_VALUE");
        }
        REQUIRE(1, ~PySlp_S_NULL, "NULL yielded");
        if (arg == 1) {
            /* Suspended "in yield from", the generator's gi_yieldfrom
               is the stack slot below: it must be there. */
            NEED(2);
            REQUIRE(2, ~PySlp_S_NULL, "yield from without its iterator");
        }
        SLOT(1) = PySlp_S_OBJ;
        return flow(c, i, next, s);

    /* Iteration */
    case GET_ITER:
        REQUIRE(1, ~PySlp_S_NULL, "NULL operand");
        SLOT(1) = PySlp_S_ITER;
        return flow(c, i, next, s);
    case FOR_ITER:
        REQUIRE(1, PySlp_S_ITER, "FOR_ITER without an iterator");
        jump = next + arg + 2;
        jumps = 1;
        break;
    case SEND:
        REQUIRE(1, ~PySlp_S_NULL, "NULL operand");
        REQUIRE(2, ~PySlp_S_NULL, "NULL operand");
        SLOT(1) = PySlp_S_OBJ;
        jump = next + arg;
        jumps = 1;
        break;

    /* Exceptions */
    case PUSH_EXC_INFO:
        REQUIRE(1, PySlp_S_EXC, "not an exception");
        SLOT(1) = PySlp_S_EXC | PySlp_S_NONE;
        PUSH(PySlp_S_EXC);
        return flow(c, i, next, s);
    case POP_EXCEPT:
        REQUIRE(1, PySlp_S_EXC | PySlp_S_NONE, "not an exception");
        s->depth--;
        return flow(c, i, next, s);
    case RERAISE:
        if (arg > 2) {
            return fail(c, i, "bad RERAISE");
        }
        NEED(arg + 1);
        REQUIRE(1, PySlp_S_EXC, "not an exception");
        if (arg) {
            REQUIRE(arg + 1, PySlp_S_LASTI, "not an instruction offset");
        }
        return 0;
    case WITH_EXCEPT_START:
        REQUIRE(1, PySlp_S_EXC, "not an exception");
        REQUIRE(3, PySlp_S_LASTI, "not an instruction offset");
        REQUIRE(4, ~PySlp_S_NULL, "NULL exit");
        PUSH(PySlp_S_OBJ);
        return flow(c, i, next, s);
    case CLEANUP_THROW:
        REQUIRE(1, PySlp_S_EXC, "not an exception");
        REQUIRE(2, ~PySlp_S_NULL, "NULL operand");
        REQUIRE(3, ~PySlp_S_NULL, "NULL operand");
        s->depth -= 3;
        PUSH(PySlp_S_OBJ);
        PUSH(PySlp_S_OBJ);
        return flow(c, i, next, s);
    case END_ASYNC_FOR:
        REQUIRE(1, PySlp_S_EXC, "not an exception");
        REQUIRE(2, ~PySlp_S_NULL, "NULL operand");
        s->depth -= 2;
        return flow(c, i, next, s);
    case CHECK_EXC_MATCH:
        REQUIRE(1, ~PySlp_S_NULL, "NULL operand");
        REQUIRE(2, ~PySlp_S_NULL, "NULL operand");
        SLOT(1) = PySlp_S_OBJ;
        return flow(c, i, next, s);
    case RAISE_VARARGS:
        if (arg > 2) {
            return fail(c, i, "bad RAISE_VARARGS");
        }
        break;
    /* Arguments that index a table of the eval loop. */
    case BINARY_OP:
        if (arg > NB_INPLACE_XOR) {
            return fail(c, i, "no such binary operator");
        }
        break;
    case COMPARE_OP:
        if ((arg >> 5) > Py_GE) {
            return fail(c, i, "no such comparison");
        }
        break;

    /* Jumps */
    case JUMP_FORWARD:
        fallthrough = 0;
        jump = next + arg;
        jumps = 1;
        break;
    case JUMP_BACKWARD:
    case JUMP_BACKWARD_NO_INTERRUPT:
        fallthrough = 0;
        jump = next - arg;
        jumps = 1;
        break;
    case POP_JUMP_IF_FALSE:
    case POP_JUMP_IF_TRUE:
    case POP_JUMP_IF_NONE:
    case POP_JUMP_IF_NOT_NONE:
        jump = next + arg;
        jumps = 1;
        break;
    }

    /* The generic rest: operands must not be NULL, results are objects. */
    if (op == FOR_ITER) {
        /* A generator it runs inline (FOR_ITER_GEN) returns to the
           END_FOR at next + arg with its result pushed; END_FOR and the
           instruction after it are reached only that way. */
        Py_ssize_t end_for = next + arg;
        if (end_for >= c->n || c->code[end_for].op.code != END_FOR) {
            return fail(c, i, "FOR_ITER without its END_FOR");
        }
        PUSH(PySlp_S_OBJ);
        if (flow(c, i, end_for, s) < 0) {
            return -1;
        }
        s->depth--;
        /* Exhausted: the iterator is popped and END_FOR and the
           instruction after it are skipped. */
        s->depth--;
        if (flow(c, i, jump, s) < 0) {
            return -1;
        }
        s->depth++;
        PUSH(PySlp_S_OBJ);
        return flow(c, i, next, s);
    }
    if (op != SEND) {
        for (int k = 1; k <= popped; k++) {
            REQUIRE(k, ~PySlp_S_NULL, "NULL operand");
        }
    }
    uint16_t below = 0;
    int narrow = 0;
    if ((op == POP_JUMP_IF_NONE || op == POP_JUMP_IF_NOT_NONE)
        && s->depth >= 2) {
        /* `COPY 1; POP_JUMP_IF_NOT_NONE`: the copy's source is known to
           be None, or not, on each branch (except* re-raise). */
        int pop, parg;
        if (previous_op(c, i, &pop, &parg) >= 0 && pop == COPY && parg == 1) {
            narrow = 1;
            below = SLOT(2);
        }
    }
    s->depth -= popped;
    for (int k = 0; k < pushed; k++) {
        PUSH(PySlp_S_OBJ);
    }
    if (op == SEND) {
        SLOT(2) = PySlp_S_OBJ;
    }
    if (jumps) {
        if (narrow) {
            uint16_t none = below & PySlp_S_NONE;
            uint16_t other = below & ~PySlp_S_NONE;
            SLOT(1) = op == POP_JUMP_IF_NONE ? none : other;
            if (SLOT(1) == 0) {
                SLOT(1) = below;
            }
        }
        if (flow(c, i, jump, s) < 0) {
            return -1;
        }
        if (narrow) {
            uint16_t none = below & PySlp_S_NONE;
            uint16_t other = below & ~PySlp_S_NONE;
            SLOT(1) = op == POP_JUMP_IF_NONE ? other : none;
            if (SLOT(1) == 0) {
                SLOT(1) = below;
            }
        }
    }
    if (!fallthrough) {
        return 0;
    }
    switch (op) {
    case RETURN_VALUE:
    case RAISE_VARARGS:
        return 0;
    }
    return flow(c, i, next, s);
}

/* ------------------------------------------------------------------ */
/* The whole code object */

static int
is_resume_point(Checker *c, Py_ssize_t i)
{
    int op = c->code[i].op.code;
    switch (op) {
    case CALL:
    case CALL_KW:
    case CALL_FUNCTION_EX:
    case BINARY_SUBSCR:
    case LOAD_ATTR:
    case SEND:
    case FOR_ITER:
    case RESUME:
        return 1;
    }
    return 0;
}

/* The marker cached for code that failed, so that it fails fast again. */
static PySlp_CodeInfo invalid_code;

static void
info_free(void *p)
{
    PySlp_CodeInfo *info = p;
    if (info == NULL || info == &invalid_code) {
        return;
    }
    for (Py_ssize_t k = 0; k < info->npoints; k++) {
        PyMem_Free(info->points[k].stack);
        PyMem_Free(info->points[k].locals);
    }
    PyMem_Free(info->points);
    PyMem_Free(info->isop);
    PyMem_Free(info);
}

static PySlp_CodeInfo *
analyse(PyCodeObject *co)
{
    Checker c;
    memset(&c, 0, sizeof(c));
    PySlp_CodeInfo *info = NULL;
    c.co = co;
    PyObject *bytes = _PyCode_GetCode(co);
    if (bytes == NULL) {
        return NULL;
    }
    c.code = (const _Py_CODEUNIT *)PyBytes_AS_STRING(bytes);
    c.n = PyBytes_GET_SIZE(bytes) / 2;
    c.stacksize = co->co_stacksize;
    c.nlocals = co->co_nlocalsplus;
    c.nconsts = PyTuple_GET_SIZE(co->co_consts);
    c.nnames = PyTuple_GET_SIZE(co->co_names);
    if (c.n == 0) {
        fail(&c, 0, "no instructions");
        goto done;
    }
    c.entry = PyMem_Calloc(c.n, 1);
    c.target = PyMem_Calloc(c.n, 1);
    c.isop = PyMem_Calloc(c.n, 1);
    c.queued = PyMem_Calloc(c.n, 1);
    c.in = PyMem_Calloc(c.n, sizeof(State));
    c.work = PyMem_Calloc(c.n, sizeof(Py_ssize_t));
    if (!c.entry || !c.target || !c.isop || !c.queued || !c.in || !c.work
        || state_alloc(&c, &c.cur) < 0 || state_alloc(&c, &c.tmp) < 0) {
        PyErr_NoMemory();
        goto done;
    }
    if (decode(&c) < 0 || parse_exception_table(&c) < 0) {
        goto done;
    }
    /* Entry: arguments bound, other locals unbound. */
    {
        State *s = &c.cur;
        s->depth = 0;
        int nargs = co->co_argcount + co->co_kwonlyargcount
                    + ((co->co_flags & CO_VARARGS) != 0)
                    + ((co->co_flags & CO_VARKEYWORDS) != 0);
        for (int k = 0; k < c.nlocals; k++) {
            s->locals[k] = k < nargs ? PySlp_L_OBJ : PySlp_L_NULL;
        }
        if (flow(&c, 0, 0, s) < 0) {
            goto done;
        }
    }
    while (c.nwork > 0) {
        Py_ssize_t e = c.work[--c.nwork];
        c.queued[e] = 0;
        State *in = &c.in[e];
        c.cur.depth = in->depth;
        memcpy(c.cur.stack, in->stack, in->depth * sizeof(uint16_t));
        memcpy(c.cur.locals, in->locals, c.nlocals);
        int op, arg;
        Py_ssize_t i = real_op(&c, e, &op, &arg);
        if (step(&c, e, i, op, arg) < 0) {
            goto done;
        }
    }
    /* Keep the states at resumption points. */
    info = PyMem_Calloc(1, sizeof(*info));
    if (info == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    info->ncode = c.n;
    info->isop = c.isop;
    c.isop = NULL;
    Py_ssize_t npoints = 0;
    /* A pre-empted frame resumes at a back edge's target (core/preempt.c,
       PySlp_FRAME_CHECK). */
    unsigned char *back = PyMem_Calloc(c.n, 1);
    if (back == NULL) {
        PyErr_NoMemory();
        info_free(info);
        info = NULL;
        goto done;
    }
    for (Py_ssize_t e = 0; e < c.n; e++) {
        int op, arg;
        if (!c.entry[e]) {
            continue;
        }
        Py_ssize_t i = real_op(&c, e, &op, &arg);
        Py_ssize_t t = i + 1 + _PyOpcode_Caches[op] - arg;
        if ((op == JUMP_BACKWARD || op == JUMP_BACKWARD_NO_INTERRUPT)
            && t >= 0 && t < c.n) {
            back[t] = 1;
        }
    }
    for (int pass = 0; pass < 2; pass++) {
        for (Py_ssize_t e = 0; e < c.n; e++) {
            int op, arg;
            if (!c.entry[e] || c.in[e].depth < 0) {
                continue;
            }
            Py_ssize_t i = real_op(&c, e, &op, &arg);
            /* A generator resumes right after YIELD_VALUE (or, never run,
               after RETURN_GENERATOR), with the value sent pushed. */
            int after = PySlp_NO_YIELD;
            if (e > 0 && info->isop[e - 1]) {
                int pop = c.code[e - 1].op.code;
                if (pop == YIELD_VALUE) {
                    after = FRAME_SUSPENDED + c.code[e - 1].op.arg;
                }
                else if (pop == RETURN_GENERATOR) {
                    after = FRAME_CREATED;
                }
            }
            if (!is_resume_point(&c, i) && after == PySlp_NO_YIELD
                && !back[e]) {
                continue;
            }
            if (pass == 0) {
                npoints++;
                continue;
            }
            PySlp_CodePoint *p = &info->points[info->npoints++];
            /* A back edge jumps to the instruction's first unit, which
               is its EXTENDED_ARG prefix if it has one. */
            p->offset = back[e] ? (int)e : (int)i;
            p->op = op;
            p->arg = arg;
            p->after_yield = after;
            p->depth = c.in[e].depth;
            p->stack = c.in[e].stack;
            p->locals = c.in[e].locals;
            c.in[e].stack = NULL;
            c.in[e].locals = NULL;
        }
        if (pass == 0) {
            info->points = PyMem_Calloc(npoints + 1, sizeof(PySlp_CodePoint));
            if (info->points == NULL) {
                PyErr_NoMemory();
                info_free(info);
                info = NULL;
                PyMem_Free(back);
                goto done;
            }
        }
    }
    PyMem_Free(back);
done:
    if (c.in != NULL) {
        for (Py_ssize_t e = 0; e < c.n; e++) {
            state_free(&c.in[e]);
        }
    }
    state_free(&c.cur);
    state_free(&c.tmp);
    PyMem_Free(c.in);
    PyMem_Free(c.entry);
    PyMem_Free(c.target);
    PyMem_Free(c.isop);
    PyMem_Free(c.queued);
    PyMem_Free(c.work);
    PyMem_Free(c.handlers);
    Py_DECREF(bytes);
    return info;
}

const PySlp_CodeInfo *
_PySlp_CodeCheck(PyCodeObject *co)
{
    PySlp_Settings *settings = _PySlp_GetSettings();
    if (settings == NULL) {
        return NULL;
    }
    if (settings->code_extra_index == 0) {
        Py_ssize_t k = PyUnstable_Eval_RequestCodeExtraIndex(info_free);
        if (k < 0) {
            PyErr_SetString(PyExc_RuntimeError,
                            "no code object extra slot left for stackless");
            return NULL;
        }
        settings->code_extra_index = k + 1;
    }
    Py_ssize_t index = settings->code_extra_index - 1;
    void *extra = NULL;
    if (PyUnstable_Code_GetExtra((PyObject *)co, index, &extra) < 0) {
        return NULL;
    }
    if (extra == &invalid_code) {
        PySlp_CodeInfo *again = analyse(co);   /* for the message */
        if (again != NULL) {
            info_free(again);
            PyErr_SetString(PyExc_ValueError, "invalid bytecode");
        }
        return NULL;
    }
    if (extra != NULL) {
        return extra;
    }
    PySlp_CodeInfo *info = analyse(co);
    if (info == NULL) {
        if (PyErr_ExceptionMatches(PyExc_ValueError)) {
            PyObject *exc = PyErr_GetRaisedException();
            (void)PyUnstable_Code_SetExtra((PyObject *)co, index,
                                           &invalid_code);
            PyErr_SetRaisedException(exc);
        }
        return NULL;
    }
    if (PyUnstable_Code_SetExtra((PyObject *)co, index, info) < 0) {
        info_free(info);
        return NULL;
    }
    return info;
}

const PySlp_CodePoint *
_PySlp_CodePointAt(const PySlp_CodeInfo *info, Py_ssize_t offset)
{
    Py_ssize_t lo = 0, hi = info->npoints;
    while (lo < hi) {
        Py_ssize_t mid = (lo + hi) / 2;
        if (info->points[mid].offset < offset) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    return lo < info->npoints && info->points[lo].offset == offset
           ? &info->points[lo] : NULL;
}

int
_PySlp_CodeIsInstruction(const PySlp_CodeInfo *info, Py_ssize_t offset)
{
    return offset >= 0 && offset < info->ncode && info->isop[offset];
}

int
_PySlp_ValueHasKind(const PySlp_CodeInfo *info, PyObject *v, uint16_t kinds)
{
    if (v == NULL) {
        return (kinds & PySlp_S_NULL) != 0;
    }
    if (kinds & PySlp_S_OBJ) {
        return 1;
    }
    if ((kinds & PySlp_S_ITER) && Py_TYPE(v)->tp_iternext != NULL
        && Py_TYPE(v)->tp_iternext != &_PyObject_NextNotImplemented) {
        return 1;
    }
    if ((kinds & PySlp_S_EXC) && PyExceptionInstance_Check(v)) {
        return 1;
    }
    if ((kinds & PySlp_S_NONE) && v == Py_None) {
        return 1;
    }
    if ((kinds & PySlp_S_LASTI) && PyLong_CheckExact(v)) {
        int overflow;
        long k = PyLong_AsLongAndOverflow(v, &overflow);
        if (!overflow && _PySlp_CodeIsInstruction(info, k)) {
            return 1;
        }
    }
    if (((kinds & PySlp_S_LIST) && PyList_CheckExact(v))
        || ((kinds & PySlp_S_DICT) && PyDict_CheckExact(v))
        || ((kinds & PySlp_S_SET) && PySet_CheckExact(v))
        || ((kinds & PySlp_S_STR) && PyUnicode_Check(v))
        || ((kinds & PySlp_S_TUPLE) && PyTuple_Check(v))
        || ((kinds & PySlp_S_CODE) && PyCode_Check(v))
        || ((kinds & PySlp_S_FUNC) && PyFunction_Check(v))
        || ((kinds & PySlp_S_CELL) && PyCell_Check(v))) {
        return 1;
    }
    if ((kinds & PySlp_S_CELLS) && PyTuple_CheckExact(v)) {
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(v); k++) {
            if (!PyCell_Check(PyTuple_GET_ITEM(v, k))) {
                return 0;
            }
        }
        return 1;
    }
    return 0;
}
