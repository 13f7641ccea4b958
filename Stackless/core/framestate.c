/* A suspended tasklet's frames as plain data, and back (D38, D39).
 *
 * A frame of a parked tasklet is suspended in a call: the CALL (or
 * another instruction that pushes a frame) at instr_ptr has taken its
 * operands off the value stack, and once the callee returns, its result is
 * pushed and execution goes on return_offset code units further.  The top
 * frame, parked by a soft switch, looks the same with a placeholder for
 * the result on its stack (core/softswitch.c).  So a frame is:
 *
 *   (func, code, kind, offset, lineno, values, nulls)
 *
 *   func    the function it runs (globals and builtins come from it);
 *   code    None if func.__code__ is the frame's code, else the code;
 *   kind    PySlp_FRAME_CALL, or PySlp_FRAME_INVALID for a frame that
 *           cannot be rebuilt (below a C call: its value stack is not
 *           known) -- kept for inspection only; the top frame of a
 *           pre-empted tasklet is PySlp_FRAME_CHECK (below);
 *   offset  the code unit of the instruction it is suspended in, which is
 *           the same in the adaptive and the unspecialised code;
 *   lineno  for inspection;
 *   values  its locals, cells and free variables, then its value stack
 *           without the placeholder;
 *   nulls   the positions in values that hold NULL (None in values).
 *
 * The top frame of a tasklet that waits in a soft-switchable C function
 * (core/cfunction.c) holds that function's C-frame where the placeholder
 * would be: it is PySlp_FRAME_CFUNC, with the C-frame as its last value.
 * A C-frame that holds a C pointer cannot be saved: such a frame is
 * invalid.
 *
 * A frame pre-empted between two instructions (core/preempt.c) has no
 * placeholder: its stack is complete.  Its offset is where it goes on --
 * a back edge's target or a RESUME, run from their start -- or the call
 * whose tail it stopped at, with the call's result on the stack; it goes
 * on after that call.
 *
 * Everything else is derived on load from the code and the offset:
 * return_offset from the instruction, the stack depth from the bytecode
 * (core/codecheck.c), which also says what each slot and local must be
 * for the eval loop to run the frame safely.  A state that does not match
 * is refused with an exception; nothing unchecked reaches the eval loop.
 */

#include "slp_core.h"
#include "pycore_code.h"          // _PyCode_CODE()
#include "pycore_frame.h"
#include "pycore_opcode_metadata.h"
#include "opcode_ids.h"

/* ------------------------------------------------------------------ */
/* Capture */

static int
frame_offset(_PyInterpreterFrame *f)
{
    return (int)(f->instr_ptr - _PyCode_CODE(_PyFrame_GetCode(f)));
}

/* `top`: 1 for the top frame of a soft-switched tasklet (a placeholder on
   its stack), 2 for that of a pre-empted one, else 0. */
PyObject *
_PySlp_FrameGetState(_PyInterpreterFrame *f, int valid, int top)
{
    PyCodeObject *co = _PyFrame_GetCode(f);
    PyObject *func = f->f_funcobj;
    Py_ssize_t nlocals = co->co_nlocalsplus;
    Py_ssize_t n = nlocals;
    int at_check = top == 2;
    int cfunc = 0;
    if (top == 1 && f->stacktop > nlocals
        && f->localsplus[f->stacktop - 1] != PySlp_UNWIND) {
        /* A C-frame in the placeholder's place: kept, if it can be. */
        assert(PySlp_CFrame_CheckExact(f->localsplus[f->stacktop - 1]));
        cfunc = 1;
        if (!_PySlp_CFramePicklable(f->localsplus[f->stacktop - 1])) {
            valid = 0;
        }
    }
    if (valid) {
        n = f->stacktop - (top == 1 && !cfunc);  /* without a placeholder */
        if (n < nlocals) {
            valid = 0;
            n = nlocals;
        }
    }
    PyObject *values = PyTuple_New(n);
    PyObject *nulls = PyList_New(0);
    PyObject *state = NULL;
    if (values == NULL || nulls == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *v = f->localsplus[i];
        if (v == NULL || v == PySlp_UNWIND) {
            PyObject *k = PyLong_FromSsize_t(i);
            if (k == NULL || PyList_Append(nulls, k) < 0) {
                Py_XDECREF(k);
                goto done;
            }
            Py_DECREF(k);
            v = Py_None;
        }
        PyTuple_SET_ITEM(values, i, Py_NewRef(v));
    }
    PyObject *code = Py_None;
    if (!PyFunction_Check(func)) {
        func = Py_None;
        code = (PyObject *)co;
        valid = 0;
    }
    else if (((PyFunctionObject *)func)->func_code != (PyObject *)co) {
        code = (PyObject *)co;
    }
    PyObject *nt = PyList_AsTuple(nulls);
    if (nt == NULL) {
        goto done;
    }
    int kind = !valid ? PySlp_FRAME_INVALID
               : at_check ? PySlp_FRAME_CHECK
               : cfunc ? PySlp_FRAME_CFUNC : PySlp_FRAME_CALL;
    state = Py_BuildValue("(OOiiiON)", func, code, kind, frame_offset(f),
                          PyUnstable_InterpreterFrame_GetLine(f), values, nt);
done:
    Py_XDECREF(values);
    Py_XDECREF(nulls);
    return state;
}

/* ------------------------------------------------------------------ */
/* Checking a state */

/* How many stack slots the instruction a frame is suspended in has taken
   off, and where execution goes on; -1 if no frame is suspended there. */
static int
call_shape(const PySlp_CodePoint *p, int *return_offset)
{
    switch (p->op) {
    case CALL:
        *return_offset = 1 + _PyOpcode_Caches[CALL];
        return p->arg + 2;
    case CALL_KW:
        *return_offset = 1 + _PyOpcode_Caches[CALL_KW];
        return p->arg + 3;
    case CALL_FUNCTION_EX:
        *return_offset = 1 + _PyOpcode_Caches[CALL_FUNCTION_EX];
        return 3 + (p->arg & 1);
    case BINARY_SUBSCR:
        *return_offset = 1 + _PyOpcode_Caches[BINARY_SUBSCR];
        return 2;
    case LOAD_ATTR:
        if (p->arg & 1) {
            return -1;
        }
        *return_offset = 1 + _PyOpcode_Caches[LOAD_ATTR];
        return 1;
    }
    return -1;
}

static int
bad_state(PyObject *exc, const char *msg)
{
    PyErr_SetString(exc, msg);
    return -1;
}

int
_PySlp_FrameCheckState(PyObject *state, int top, PySlp_FrameSpec *spec)
{
    memset(spec, 0, sizeof(*spec));
    if (!PyTuple_CheckExact(state) || PyTuple_GET_SIZE(state) != 7) {
        return bad_state(PyExc_TypeError,
                         "frame state must be a 7-tuple");
    }
    PyObject *func = PyTuple_GET_ITEM(state, 0);
    PyObject *code = PyTuple_GET_ITEM(state, 1);
    PyObject *values = PyTuple_GET_ITEM(state, 5);
    PyObject *nulls = PyTuple_GET_ITEM(state, 6);
    int overflow;
    long kind = PyLong_Check(PyTuple_GET_ITEM(state, 2))
        ? PyLong_AsLongAndOverflow(PyTuple_GET_ITEM(state, 2), &overflow)
        : -1;
    long offset = PyLong_Check(PyTuple_GET_ITEM(state, 3))
        ? PyLong_AsLongAndOverflow(PyTuple_GET_ITEM(state, 3), &overflow)
        : -1;
    if (code == Py_None && PyFunction_Check(func)) {
        code = ((PyFunctionObject *)func)->func_code;
    }
    if (!PyCode_Check(code)) {
        return bad_state(PyExc_TypeError,
                         "invalid code object for frame_setstate");
    }
    if (!PyTuple_CheckExact(values) || !PyTuple_CheckExact(nulls)) {
        return bad_state(PyExc_TypeError,
                         "frame values and nulls must be tuples");
    }
    PyCodeObject *co = (PyCodeObject *)code;
    spec->func = func;
    spec->code = co;
    spec->values = values;
    spec->nulls = nulls;
    spec->offset = (int)offset;
    if (kind == PySlp_FRAME_INVALID) {
        spec->kind = PySlp_FRAME_INVALID;
        return 0;
    }
    if (kind != PySlp_FRAME_CALL && kind != PySlp_FRAME_YIELD
        && kind != PySlp_FRAME_CHECK && kind != PySlp_FRAME_CFUNC) {
        return bad_state(PyExc_ValueError, "unknown frame kind");
    }
    spec->kind = (int)kind;
    if (!PyFunction_Check(func)) {
        return bad_state(PyExc_TypeError, "frame function is not a function");
    }
    int is_gen = (co->co_flags & (CO_GENERATOR | CO_COROUTINE
                                  | CO_ASYNC_GENERATOR)) != 0;
    if (!(co->co_flags & CO_OPTIMIZED) || is_gen != (kind == PySlp_FRAME_YIELD)) {
        return bad_state(PyExc_ValueError,
                         "frame code does not fit the frame's kind");
    }
    const PySlp_CodeInfo *info = _PySlp_CodeCheck(co);
    if (info == NULL) {
        return -1;
    }
    const PySlp_CodePoint *p = offset >= 0 && offset <= INT_MAX
                               ? _PySlp_CodePointAt(info, offset) : NULL;
    int return_offset = 0;
    int popped;
    int pushed = 0;             /* a call's result, at a check */
    if (kind == PySlp_FRAME_YIELD) {
        /* Resumed with the value sent pushed: it is not saved. */
        popped = p != NULL && p->after_yield != PySlp_NO_YIELD ? 1 : -1;
        spec->gen_state = p != NULL ? p->after_yield : 0;
    }
    else if (kind == PySlp_FRAME_CHECK) {
        /* At a call's tail: after it, its result pushed.  Anywhere else
           (a RESUME, a back edge's target) from the instruction's start,
           with the state the code has there. */
        popped = p == NULL ? -1 : 0;
        if (p != NULL && (p->op == CALL || p->op == CALL_KW
                          || p->op == CALL_FUNCTION_EX)) {
            popped = call_shape(p, &return_offset);
            pushed = 1;
        }
    }
    else {
        popped = p != NULL ? call_shape(p, &return_offset) : -1;
    }
    int cfunc = kind == PySlp_FRAME_CFUNC;
    if (popped < 0
        || ((cfunc || (top && kind == PySlp_FRAME_CALL)) && p->op != CALL)) {
        return bad_state(PyExc_ValueError,
                         "frame offset is not where a frame is suspended");
    }
    Py_ssize_t nlocals = co->co_nlocalsplus;
    Py_ssize_t depth = p->depth - popped + pushed;
    if (depth < 0 || PyTuple_GET_SIZE(values) != nlocals + depth + cfunc) {
        return bad_state(PyExc_ValueError, "invalid localsplus for frame");
    }
    if (cfunc && !PySlp_CFrame_CheckExact(
            PyTuple_GET_ITEM(values, nlocals + depth))) {
        return bad_state(PyExc_ValueError,
                         "the frame's C function has no C-frame");
    }
    /* NULL positions, strictly ascending. */
    Py_ssize_t nn = PyTuple_GET_SIZE(nulls);
    Py_ssize_t last = -1;
    for (Py_ssize_t k = 0; k < nn; k++) {
        PyObject *o = PyTuple_GET_ITEM(nulls, k);
        Py_ssize_t at = PyLong_CheckExact(o) ? PyLong_AsSsize_t(o) : -1;
        if (at == -1 && PyErr_Occurred()) {
            PyErr_Clear();
        }
        if (at <= last || at >= nlocals + depth) {
            return bad_state(PyExc_ValueError, "invalid NULL positions for frame");
        }
        last = at;
    }
    Py_ssize_t k = 0;
    for (Py_ssize_t i = 0; i < nlocals + depth; i++) {
        PyObject *v = PyTuple_GET_ITEM(values, i);
        if (k < nn && PyLong_AsSsize_t(PyTuple_GET_ITEM(nulls, k)) == i) {
            v = NULL;
            k++;
        }
        if (i < nlocals) {
            uint8_t st = p->locals[i];
            if ((v == NULL && !(st & PySlp_L_NULL))
                || (v != NULL && st == PySlp_L_CELL && !PyCell_Check(v))) {
                return bad_state(PyExc_ValueError,
                                 "frame local does not fit its code");
            }
        }
        else if (pushed && i == nlocals + depth - 1) {
            if (v == NULL) {
                return bad_state(PyExc_ValueError,
                                 "frame stack slot does not fit its code");
            }
        }
        else if (!_PySlp_ValueHasKind(info, v, p->stack[i - nlocals])) {
            return bad_state(PyExc_ValueError,
                             "frame stack slot does not fit its code");
        }
    }
    spec->nvalues = nlocals + depth + cfunc;
    spec->return_offset = return_offset;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Rebuilding a tasklet's chain */

static void
fill_frame(_PyInterpreterFrame *f, PySlp_FrameSpec *s, int top)
{
    PyCodeObject *co = s->code;
    _PyFrame_Initialize(f, (PyFunctionObject *)Py_NewRef(s->func), NULL,
                        co, 0);
    Py_ssize_t nn = PyTuple_GET_SIZE(s->nulls);
    Py_ssize_t k = 0;
    for (Py_ssize_t i = 0; i < s->nvalues; i++) {
        if (k < nn && PyLong_AsSsize_t(PyTuple_GET_ITEM(s->nulls, k)) == i) {
            f->localsplus[i] = NULL;
            k++;
            continue;
        }
        f->localsplus[i] = Py_NewRef(PyTuple_GET_ITEM(s->values, i));
    }
    f->stacktop = (int)s->nvalues;
    if (top && s->kind == PySlp_FRAME_CALL) {
        f->localsplus[f->stacktop++] = PySlp_UNWIND;
    }
    f->instr_ptr = _PyCode_CODE(co) + s->offset;
    f->return_offset = (uint16_t)s->return_offset;
}

int
_PySlp_TaskletSetFrames(PyTaskletObject *t, PyObject *states)
{
    PySlp_ThreadState *ts = t->ts;
    assert(ts != NULL && !t->alive && !t->parked && !t->has_cstack);
    Py_ssize_t n = PyList_GET_SIZE(states);
    PySlp_FrameSpec *specs = PyMem_Calloc(n, sizeof(*specs));
    if (specs == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    size_t words = 1;           /* the root chunk's unused first word */
    for (Py_ssize_t i = 0; i < n; i++) {
        if (_PySlp_FrameCheckState(PyList_GET_ITEM(states, i), i == n - 1,
                                   &specs[i]) < 0) {
            goto error;
        }
        if (specs[i].kind != PySlp_FRAME_CALL
            && ((specs[i].kind != PySlp_FRAME_CHECK
                 && specs[i].kind != PySlp_FRAME_CFUNC) || i != n - 1)) {
            PyErr_SetString(PyExc_RuntimeError,
                            "cannot rebuild an invalid frame");
            goto error;
        }
        words += specs[i].code->co_framesize;
    }
    size_t size = offsetof(_PyStackChunk, data) + words * sizeof(PyObject *);
    size = (size + 15) & ~(size_t)15;
    if (size > INT_MAX) {
        PyErr_SetString(PyExc_ValueError, "frames too large");
        goto error;
    }
    _PyStackChunk *chunk = _PySlp_ChunkAlloc(ts->tstate, (int)size);
    if (chunk == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    chunk->previous = NULL;
    chunk->top = 0;
    PyObject **p = &chunk->data[1];
    _PyInterpreterFrame *prev = NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        _PyInterpreterFrame *f = (_PyInterpreterFrame *)p;
        fill_frame(f, &specs[i], i == n - 1);
        f->previous = prev;
        if (prev == NULL) {
            t->base_frame = f;
        }
        prev = f;
        p += specs[i].code->co_framesize;
    }
    int specs_last_kind = n > 0 ? specs[n - 1].kind : PySlp_FRAME_CALL;
    PyMem_Free(specs);
    t->state.datastack_chunk = chunk;
    t->state.datastack_top = p;
    t->state.datastack_limit = (PyObject **)((char *)chunk + chunk->size);
    t->state.current_frame = prev;
    t->state.py_depth = (int)n;
    t->resume_hook = NULL;
    t->parked = 1;
    t->parked_at_check = n > 0 && specs_last_kind == PySlp_FRAME_CHECK;
    t->alive = 1;
    _PySlp_BegunLink(ts, t);
    return 0;
error:
    PyMem_Free(specs);
    return -1;
}

/* ------------------------------------------------------------------ */
/* Generators, coroutines, async generators */

/* (code, name, qualname, frame state or None, handled exception or None);
   the frame state only while the generator is suspended: an exhausted
   one loads exhausted, a running one (its frame in some tasklet's chain)
   cannot be rebuilt on its own and loads exhausted as well. */
PyObject *
_PySlp_GenGetState(PyGenObject *gen, long flags)
{
    _PyInterpreterFrame *f = (_PyInterpreterFrame *)gen->gi_iframe;
    PyObject *fs = NULL;
    int st = gen->gi_frame_state;
    if (st == FRAME_CREATED || FRAME_STATE_SUSPENDED(st)) {
        fs = _PySlp_FrameGetState(f, 1, 0);
        if (fs == NULL) {
            return NULL;
        }
        /* The frame of a suspended generator resumes at a yield. */
        PyObject *k = PyLong_FromLong(PySlp_FRAME_YIELD);
        if (k == NULL) {
            Py_DECREF(fs);
            return NULL;
        }
        Py_SETREF(fs, Py_BuildValue("(OONOOOO)", PyTuple_GET_ITEM(fs, 0),
                                    PyTuple_GET_ITEM(fs, 1), k,
                                    PyTuple_GET_ITEM(fs, 3),
                                    PyTuple_GET_ITEM(fs, 4),
                                    PyTuple_GET_ITEM(fs, 5),
                                    PyTuple_GET_ITEM(fs, 6)));
        if (fs == NULL) {
            return NULL;
        }
    }
    PyObject *exc = gen->gi_exc_state.exc_value;
    /* The code comes with the frame's function when there is a frame. */
    if (!PyAsyncGen_CheckExact(gen)) {
        return Py_BuildValue("(OOONO)", fs ? Py_None : f->f_executable,
                             gen->gi_name, gen->gi_qualname,
                             fs ? fs : Py_NewRef(Py_None),
                             exc ? exc : Py_None);
    }
    /* An async generator's finalizer, as the pickle flags say
       (docs/reference.md section 18.5). */
    PyObject *fin = gen->gi_origin_or_finalizer;
    int hooks = gen->gi_hooks_inited;
    if (flags & PySlp_PICKLEFLAGS_PRESERVE_AG_FINALIZER) {
        fin = fin ? fin : Py_None;
    }
    else if (flags & PySlp_PICKLEFLAGS_RESET_AG_FINALIZER) {
        fin = Py_None;
        hooks = 0;
    }
    else {
        fin = fin ? Py_True : Py_None;
    }
    return Py_BuildValue("(OOONOOiii)", fs ? Py_None : f->f_executable,
                         gen->gi_name, gen->gi_qualname,
                         fs ? fs : Py_NewRef(Py_None), exc ? exc : Py_None,
                         fin, hooks, gen->gi_closed, gen->gi_running_async);
}

/* An async generator's hooks on load (docs/reference.md section 18.5):
   the finalizer pickled by value, none, or the loading thread's. */
static int
set_async_gen_hooks(PyGenObject *gen, PyObject *fin, int hooks, long flags)
{
    if ((flags & PySlp_PICKLEFLAGS_PRESERVE_AG_FINALIZER) && fin != Py_True) {
        gen->gi_hooks_inited = hooks != 0;
        gen->gi_origin_or_finalizer = fin == Py_None ? NULL : Py_NewRef(fin);
        return 0;
    }
    if ((flags & PySlp_PICKLEFLAGS_RESET_AG_FINALIZER) || hooks == 0) {
        return 0;
    }
    PyThreadState *tstate = _PyThreadState_GET();
    gen->gi_hooks_inited = 1;
    gen->gi_origin_or_finalizer = Py_XNewRef(tstate->async_gen_finalizer);
    PyObject *firstiter = tstate->async_gen_firstiter;
    if (firstiter != NULL) {
        Py_INCREF(firstiter);
        PyObject *r = PyObject_CallOneArg(firstiter, (PyObject *)gen);
        Py_DECREF(firstiter);
        if (r == NULL) {
            return -1;
        }
        Py_DECREF(r);
    }
    return 0;
}

/* A generator rebuilt from _PySlp_GenGetState()'s tuple, checked. */
PyObject *
_PySlp_GenFromState(PyObject *state, long flags)
{
    PyObject *code, *name, *qualname, *fs, *exc, *fin = Py_None;
    int hooks = 0, closed = 0, running = 0;
    if (!PyTuple_CheckExact(state)
        || !PyArg_ParseTuple(state, "OUUOO|Oiii;generator state must be "
                             "(code, name, qualname, frame state, "
                             "exception[, finalizer, hooks, closed, "
                             "running])",
                             &code, &name, &qualname, &fs, &exc, &fin,
                             &hooks, &closed, &running)) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_TypeError, "generator state must be a "
                            "tuple");
        }
        return NULL;
    }
    PySlp_FrameSpec spec;
    if (fs != Py_None) {
        if (_PySlp_FrameCheckState(fs, 0, &spec) < 0) {
            return NULL;
        }
        if (spec.kind != PySlp_FRAME_YIELD
            || (code != Py_None && code != (PyObject *)spec.code)) {
            PyErr_SetString(PyExc_ValueError,
                            "generator frame does not fit its code");
            return NULL;
        }
        code = (PyObject *)spec.code;
    }
    if (!PyCode_Check(code)) {
        PyErr_SetString(PyExc_TypeError, "generator code must be code");
        return NULL;
    }
    PyCodeObject *co = (PyCodeObject *)code;
    int genkind = co->co_flags & (CO_GENERATOR | CO_COROUTINE
                                  | CO_ASYNC_GENERATOR);
    PyTypeObject *type = genkind == CO_GENERATOR ? &PyGen_Type
                         : genkind == CO_COROUTINE ? &PyCoro_Type
                         : genkind == CO_ASYNC_GENERATOR ? &PyAsyncGen_Type
                         : NULL;
    if (type == NULL) {
        PyErr_SetString(PyExc_ValueError,
                        "generator code is not a generator's");
        return NULL;
    }
    if (exc != Py_None && !PyExceptionInstance_Check(exc)) {
        PyErr_SetString(PyExc_TypeError,
                        "a generator's exception must be an exception or "
                        "None");
        return NULL;
    }
    PyGenObject *gen = PyObject_GC_NewVar(PyGenObject, type,
                                          _PyFrame_NumSlotsForCodeObject(co));
    if (gen == NULL) {
        return NULL;
    }
    gen->gi_weakreflist = NULL;
    gen->gi_name = Py_NewRef(name);
    gen->gi_qualname = Py_NewRef(qualname);
    gen->gi_exc_state.exc_value = exc == Py_None ? NULL : Py_NewRef(exc);
    gen->gi_exc_state.previous_item = NULL;
    gen->gi_origin_or_finalizer = NULL;
    gen->gi_hooks_inited = 0;
    gen->gi_closed = 0;
    gen->gi_running_async = 0;
    _PyInterpreterFrame *f = (_PyInterpreterFrame *)gen->gi_iframe;
    if (fs == Py_None) {
        /* Exhausted: only its code is kept, as CPython keeps it. */
        f->f_executable = Py_NewRef(code);
        gen->gi_frame_state = FRAME_CLEARED;
    }
    else {
        fill_frame(f, &spec, 0);
        f->owner = FRAME_OWNED_BY_GENERATOR;
        f->previous = NULL;
        gen->gi_frame_state = (int8_t)spec.gen_state;
    }
    PyObject_GC_Track(gen);
    if (type == &PyAsyncGen_Type) {
        gen->gi_closed = closed != 0;
        gen->gi_running_async = running != 0;
        if (set_async_gen_hooks(gen, fin, hooks, flags) < 0) {
            Py_DECREF(gen);
            return NULL;
        }
    }
    return (PyObject *)gen;
}

/* The frames of a suspended tasklet, outermost first, as states; whether
   they can be rebuilt is in each state's kind. */
PyObject *
_PySlp_TaskletGetFrames(PyTaskletObject *t)
{
    PyObject *list = PyList_New(0);
    if (list == NULL || !t->alive || !_PySlp_HasFrames(t)) {
        return list;
    }
    /* Rebuildable: parked softly, with no C state anywhere (D39). */
    int valid = t->parked && !t->has_cstack && !t->homed && !t->is_main
                && t->resume_hook == NULL && t->base_frame != NULL;
    _PyInterpreterFrame *top = t->state.current_frame;
    for (_PyInterpreterFrame *f = top; f != NULL; f = f->previous) {
        if (f->owner == FRAME_OWNED_BY_CSTACK) {
            continue;
        }
        int ok = valid && f->owner == FRAME_OWNED_BY_THREAD;
        PyObject *s = _PySlp_FrameGetState(
            f, ok, f != top ? 0 : t->parked_at_check ? 2 : 1);
        if (s == NULL || PyList_Append(list, s) < 0) {
            Py_XDECREF(s);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(s);
    }
    if (PyList_Reverse(list) < 0) {
        Py_DECREF(list);
        return NULL;
    }
    return list;
}
