/* Pickling tasklets and channels (user guide, "Pickling"; D38-D40).
 *
 * The reducers of the tasklet and the channel and the helpers that
 * rebuild them live in `stackless._wrap`, as in the original:
 *
 *   _wrap.frame     a frame of a suspended tasklet as data (its state is
 *                   core/framestate.c's tuple); checked against its code
 *                   when it is loaded, so a bad pickle fails right there;
 *   _wrap.cframe    the call a bound tasklet has not made yet;
 *   _wrap.set_reduce_frame(func)
 *                   a hook called with each _wrap.frame a tasklet pickles,
 *                   whose result is pickled in its place (None: no hook).
 *
 * A pickle is data from outside: every check that keeps the eval loop
 * safe is made on load, in core/framestate.c and core/codecheck.c.
 */

#include "slp_module.h"
#include "pycore_frame.h"
#include "pycore_code.h"          // _PyCode_CODE()
#include "pycore_dict.h"          // _PyDictViewObject
#include "pycore_genobject.h"     // _PyAsyncGenAwaitable_GetState()
#include "pycore_traceback.h"
#include "frameobject.h"          // PyFrame_New()
#include "pycore_import.h"        // _PyImport_GetModuleAttrString()
#include "pycore_modsupport.h"    // _PyArg_NoKeywords()

/* ------------------------------------------------------------------ */
/* _wrap.frame */

typedef struct {
    PyObject_HEAD
    PyObject *state;            /* NULL until set */
} FrameImage;

static PyTypeObject FrameImage_Type;
#define FrameImage_Check(op) Py_IS_TYPE(op, &FrameImage_Type)

static PyObject *
image_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    if (!_PyArg_NoKeywords("frame", kwargs)
        || !_PyArg_NoPositional("frame", args)) {
        return NULL;
    }
    return type->tp_alloc(type, 0);
}

static PyObject *
image_from_state(PyObject *state)
{
    FrameImage *im = PyObject_GC_New(FrameImage, &FrameImage_Type);
    if (im == NULL) {
        return NULL;
    }
    im->state = Py_NewRef(state);
    PyObject_GC_Track(im);
    return (PyObject *)im;
}

static int
image_traverse(FrameImage *im, visitproc visit, void *arg)
{
    Py_VISIT(im->state);
    return 0;
}

static int
image_clear(FrameImage *im)
{
    Py_CLEAR(im->state);
    return 0;
}

static void
image_dealloc(FrameImage *im)
{
    PyObject_GC_UnTrack(im);
    Py_CLEAR(im->state);
    Py_TYPE(im)->tp_free(im);
}

static PyObject *
image_reduce(FrameImage *im, PyObject *Py_UNUSED(ignored))
{
    if (im->state == NULL) {
        PyErr_SetString(PyExc_ValueError, "the frame has no state");
        return NULL;
    }
    return Py_BuildValue("(O()O)", Py_TYPE(im), im->state);
}

static PyObject *
image_reduce_ex(FrameImage *im, PyObject *Py_UNUSED(protocol))
{
    return image_reduce(im, NULL);
}

static PyObject *
image_setstate(FrameImage *im, PyObject *state)
{
    PySlp_FrameSpec spec;
    if (im->state != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "the frame already has a state");
        return NULL;
    }
    if (_PySlp_FrameCheckState(state, 0, &spec) < 0) {
        return NULL;
    }
    im->state = Py_NewRef(state);
    Py_RETURN_NONE;
}

static PyObject *
image_item(FrameImage *im, Py_ssize_t i)
{
    if (im->state == NULL) {
        Py_RETURN_NONE;
    }
    return Py_NewRef(PyTuple_GET_ITEM(im->state, i));
}

static PyObject *
image_get_code(FrameImage *im, void *c)
{
    PyObject *code = image_item(im, 1);
    if (code == Py_None) {
        Py_DECREF(code);
        PyObject *func = image_item(im, 0);
        if (PyFunction_Check(func)) {
            code = Py_NewRef(PyFunction_GET_CODE(func));
        }
        else {
            code = Py_NewRef(Py_None);
        }
        Py_DECREF(func);
    }
    return code;
}

static PyObject *
image_get_valid(FrameImage *im, void *c)
{
    PyObject *kind = image_item(im, 2);
    long k = PyLong_Check(kind) ? PyLong_AsLong(kind) : -1;
    int valid = k == PySlp_FRAME_CALL || k == PySlp_FRAME_CHECK
                || k == PySlp_FRAME_CFUNC;
    Py_DECREF(kind);
    return PyBool_FromLong(valid);
}

/* The frame's variables by name, for inspection. */
static PyObject *
image_get_locals(FrameImage *im, void *c)
{
    PyObject *code = image_get_code(im, NULL);
    PyObject *d = PyDict_New();
    if (code == NULL || d == NULL || !PyCode_Check(code)
        || im->state == NULL) {
        Py_XDECREF(code);
        return d;
    }
    PyCodeObject *co = (PyCodeObject *)code;
    PyObject *values = PyTuple_GET_ITEM(im->state, 5);
    PyObject *nulls = PyTuple_GET_ITEM(im->state, 6);
    PyObject *names = co->co_localsplusnames;
    Py_ssize_t n = Py_MIN(PyTuple_GET_SIZE(names), PyTuple_GET_SIZE(values));
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *k = PyLong_FromSsize_t(i);
        int isnull = k != NULL ? PySequence_Contains(nulls, k) : -1;
        Py_XDECREF(k);
        if (isnull < 0) {
            goto error;
        }
        if (isnull) {
            continue;
        }
        PyObject *v = PyTuple_GET_ITEM(values, i);
        if (PyCell_Check(v)) {
            v = PyCell_GET(v);
            if (v == NULL) {
                continue;
            }
        }
        if (PyDict_SetItem(d, PyTuple_GET_ITEM(names, i), v) < 0) {
            goto error;
        }
    }
    Py_DECREF(code);
    return d;
error:
    Py_DECREF(code);
    Py_DECREF(d);
    return NULL;
}

static PyMethodDef image_methods[] = {
    {"__reduce__", (PyCFunction)image_reduce, METH_NOARGS, NULL},
    {"__reduce_ex__", (PyCFunction)image_reduce_ex, METH_O, NULL},
    {"__setstate__", (PyCFunction)image_setstate, METH_O, NULL},
    {NULL}
};

static PyObject *
image_get_lineno(FrameImage *im, void *c)
{
    return image_item(im, 4);
}

static PyGetSetDef image_getset[] = {
    {"f_code", (getter)image_get_code, NULL,
     PyDoc_STR("the code the frame runs")},
    {"f_lineno", (getter)image_get_lineno, NULL,
     PyDoc_STR("the line it was suspended on")},
    {"f_locals", (getter)image_get_locals, NULL,
     PyDoc_STR("its variables by name")},
    {"valid", (getter)image_get_valid, NULL,
     PyDoc_STR("whether it can run again (it held no C state)")},
    {NULL}
};

static PyTypeObject FrameImage_Type = {
    PyVarObject_HEAD_INIT(&PyType_Type, 0)
    .tp_name = "stackless._wrap.frame",
    .tp_basicsize = sizeof(FrameImage),
    .tp_dealloc = (destructor)image_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = PyDoc_STR("A frame of a suspended tasklet, as data."),
    .tp_traverse = (traverseproc)image_traverse,
    .tp_clear = (inquiry)image_clear,
    .tp_methods = image_methods,
    .tp_getset = image_getset,
    .tp_new = image_new,
};

/* ------------------------------------------------------------------ */
/* _wrap.cframe: the call of a bound tasklet that has not run yet */

typedef struct {
    PyObject_HEAD
    PyObject *state;            /* (func, args, kwargs) */
} CFrame;

static PyTypeObject CFrame_Type;

static void
cframe_dealloc(CFrame *cf)
{
    PyObject_GC_UnTrack(cf);
    Py_CLEAR(cf->state);
    Py_TYPE(cf)->tp_free(cf);
}

static int
cframe_traverse(CFrame *cf, visitproc visit, void *arg)
{
    Py_VISIT(cf->state);
    return 0;
}

static int
cframe_clear(CFrame *cf)
{
    Py_CLEAR(cf->state);
    return 0;
}

static PyObject *
cframe_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    if (!_PyArg_NoKeywords("cframe", kwargs)
        || !_PyArg_NoPositional("cframe", args)) {
        return NULL;
    }
    return type->tp_alloc(type, 0);
}

static PyObject *
cframe_reduce(CFrame *cf, PyObject *Py_UNUSED(ignored))
{
    return Py_BuildValue("(O()O)", Py_TYPE(cf),
                         cf->state ? cf->state : Py_None);
}

static PyObject *
cframe_reduce_ex(CFrame *cf, PyObject *Py_UNUSED(protocol))
{
    return cframe_reduce(cf, NULL);
}

/* A cframe is the bound call, or -- first item "tracing" -- the
   tasklet's tracer and profiler (PICKLEFLAGS_PRESERVE_TRACING_STATE). */
static int
is_tracing_state(PyObject *state)
{
    return PyTuple_CheckExact(state) && PyTuple_GET_SIZE(state) == 3
           && PyUnicode_Check(PyTuple_GET_ITEM(state, 0))
           && PyUnicode_EqualToUTF8(PyTuple_GET_ITEM(state, 0), "tracing");
}

static PyObject *
cframe_setstate(CFrame *cf, PyObject *state)
{
    if (is_tracing_state(state)) {
        Py_XSETREF(cf->state, Py_NewRef(state));
        Py_RETURN_NONE;
    }
    if (!PyTuple_CheckExact(state) || PyTuple_GET_SIZE(state) != 3
        || (PyTuple_GET_ITEM(state, 1) != Py_None
            && !PyTuple_Check(PyTuple_GET_ITEM(state, 1)))
        || (PyTuple_GET_ITEM(state, 2) != Py_None
            && !PyDict_Check(PyTuple_GET_ITEM(state, 2)))) {
        PyErr_SetString(PyExc_TypeError,
                        "cframe state must be (callable, args tuple or "
                        "None, kwargs dict or None)");
        return NULL;
    }
    Py_XSETREF(cf->state, Py_NewRef(state));
    Py_RETURN_NONE;
}

static PyMethodDef cframe_methods[] = {
    {"__reduce__", (PyCFunction)cframe_reduce, METH_NOARGS, NULL},
    {"__reduce_ex__", (PyCFunction)cframe_reduce_ex, METH_O, NULL},
    {"__setstate__", (PyCFunction)cframe_setstate, METH_O, NULL},
    {NULL}
};

static PyTypeObject CFrame_Type = {
    PyVarObject_HEAD_INIT(&PyType_Type, 0)
    .tp_name = "stackless._wrap.cframe",
    .tp_basicsize = sizeof(CFrame),
    .tp_dealloc = (destructor)cframe_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = PyDoc_STR("The call a bound tasklet has not made yet."),
    .tp_traverse = (traverseproc)cframe_traverse,
    .tp_clear = (inquiry)cframe_clear,
    .tp_methods = cframe_methods,
    .tp_new = cframe_new,
};

static PyObject *
make_cframe(PyObject *func, PyObject *args, PyObject *kwargs)
{
    CFrame *cf = PyObject_GC_New(CFrame, &CFrame_Type);
    if (cf == NULL) {
        return NULL;
    }
    cf->state = Py_BuildValue("(OOO)", func ? func : Py_None,
                              args ? args : Py_None,
                              kwargs ? kwargs : Py_None);
    if (cf->state == NULL) {
        Py_DECREF(cf);
        return NULL;
    }
    PyObject_GC_Track(cf);
    return (PyObject *)cf;
}

/* ------------------------------------------------------------------ */
/* Tasklets */

/* Tasklet flags in a pickle (docs/reference.md, "Pickling"). */
#define TF_BLOCKED_MASK 3
#define TF_ATOMIC       (1 << 2)
#define TF_IGNORE_NEST  (1 << 3)
#define TF_BLOCK_TRAP   (1 << 5)

/* A tasklet's contextvars context (reference section 18.2): the values of
   its variables that are module globals, as (module, name, value); the
   others (say, the decimal module's own) cannot be found by name in
   another process and are left out.  None if nothing is left. */
static PyObject *
find_var_name(PyObject *var)
{
    /* ContextVar -> (module, name), cached per interpreter. */
    PySlp_Settings *settings = _PySlp_GetSettings();
    if (settings == NULL) {
        return NULL;
    }
    if (settings->var_names == NULL
        && (settings->var_names = PyDict_New()) == NULL) {
        return NULL;
    }
    PyObject *var_names = settings->var_names;
    PyObject *where;
    if (PyDict_GetItemRef(var_names, var, &where) < 0) {
        return NULL;
    }
    PyObject *modules = PyImport_GetModuleDict();
    if (where != NULL) {
        PyObject *mod = PyDict_GetItemWithError(modules,
                                                PyTuple_GET_ITEM(where, 0));
        PyObject *v = mod && PyModule_Check(mod)
            ? PyDict_GetItemWithError(PyModule_GetDict(mod),
                                      PyTuple_GET_ITEM(where, 1)) : NULL;
        if (v == var) {
            return where;
        }
        Py_CLEAR(where);
        if (PyErr_Occurred()) {
            return NULL;
        }
    }
    PyObject *items = PyDict_Items(modules);
    if (items == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; where == NULL && i < PyList_GET_SIZE(items); i++) {
        PyObject *name = PyTuple_GET_ITEM(PyList_GET_ITEM(items, i), 0);
        PyObject *mod = PyTuple_GET_ITEM(PyList_GET_ITEM(items, i), 1);
        if (!PyModule_Check(mod) || !PyUnicode_Check(name)) {
            continue;
        }
        PyObject *d = PyModule_GetDict(mod), *k, *v;
        Py_ssize_t pos = 0;
        while (PyDict_Next(d, &pos, &k, &v)) {
            if (v == var && PyUnicode_Check(k)) {
                where = PyTuple_Pack(2, name, k);
                break;
            }
        }
    }
    Py_DECREF(items);
    if (where == NULL) {
        return PyErr_Occurred() ? NULL : Py_NewRef(Py_None);
    }
    if (PyDict_SetItem(var_names, var, where) < 0) {
        Py_CLEAR(where);
    }
    return where;
}

static PyObject *
context_state(PyTaskletObject *t)
{
    PyObject *ctx = t->state.context;
    if (ctx == NULL || PyObject_Length(ctx) <= 0) {
        PyErr_Clear();
        return Py_NewRef(Py_None);
    }
    PyObject *items = PyMapping_Items(ctx);
    PyObject *list = items ? PyList_New(0) : NULL;
    for (Py_ssize_t i = 0; list && i < PyList_GET_SIZE(items); i++) {
        PyObject *var = PyTuple_GET_ITEM(PyList_GET_ITEM(items, i), 0);
        PyObject *value = PyTuple_GET_ITEM(PyList_GET_ITEM(items, i), 1);
        PyObject *where = find_var_name(var);
        if (where == NULL) {
            Py_CLEAR(list);
            break;
        }
        if (where != Py_None) {
            PyObject *e = Py_BuildValue("(OOO)", PyTuple_GET_ITEM(where, 0),
                                        PyTuple_GET_ITEM(where, 1), value);
            if (e == NULL || PyList_Append(list, e) < 0) {
                Py_XDECREF(e);
                Py_CLEAR(list);
            }
            Py_XDECREF(e);
        }
        Py_DECREF(where);
    }
    Py_XDECREF(items);
    if (list != NULL && PyList_GET_SIZE(list) == 0) {
        Py_SETREF(list, Py_NewRef(Py_None));
    }
    return list;
}

/* The loaded tasklet's context: a copy of the loading one's, with the
   pickled variables set. */
static int
set_context_state(PyTaskletObject *t, PyObject *cs)
{
    if (cs == Py_None) {
        return 0;
    }
    if (!PyList_Check(cs)) {
        PyErr_SetString(PyExc_TypeError,
                        "a tasklet's context must be a list of (module, "
                        "name, value) or None");
        return -1;
    }
    PyObject *ctx = PyContext_CopyCurrent();
    if (ctx == NULL || PyContext_Enter(ctx) < 0) {
        Py_XDECREF(ctx);
        return -1;
    }
    int rc = 0;
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_GET_SIZE(cs); i++) {
        PyObject *e = PyList_GET_ITEM(cs, i), *mod, *name, *value;
        if (!PyTuple_Check(e)
            || !PyArg_ParseTuple(e, "UUO", &mod, &name, &value)) {
            PyErr_Clear();
            PyErr_SetString(PyExc_TypeError,
                            "a tasklet's context must be a list of (module, "
                            "name, value) or None");
            rc = -1;
            break;
        }
        PyObject *m = PyImport_Import(mod);
        PyObject *var = m ? PyObject_GetAttr(m, name) : NULL;
        Py_XDECREF(m);
        if (var != NULL && !PyContextVar_CheckExact(var)) {
            PyErr_Format(PyExc_TypeError, "%U.%U is not a ContextVar",
                         mod, name);
            Py_CLEAR(var);
        }
        PyObject *token = var ? PyContextVar_Set(var, value) : NULL;
        Py_XDECREF(var);
        Py_XDECREF(token);
        rc = token ? 0 : -1;
    }
    if (PyContext_Exit(ctx) < 0) {
        rc = -1;
    }
    if (rc == 0) {
        Py_XSETREF(t->state.context, ctx);
    }
    else {
        Py_DECREF(ctx);
    }
    return rc;
}

PyObject *
_PySlp_TaskletReduce(PyTaskletObject *t)
{
    if (_PySlp_IsCurrent(t)) {
        PyErr_SetString(PyExc_RuntimeError,
                        "You cannot __reduce__ the tasklet which is "
                        "current.");
        return NULL;
    }
    if (t->blocked == PySlp_BLOCKED_SELECT) {
        /* Its wait on several channels has no pickled form (D45). */
        PyErr_SetString(PyExc_TypeError,
                        "cannot pickle a tasklet waiting in select()");
        return NULL;
    }
    PySlp_Settings *settings = _PySlp_GetSettings();
    if (settings == NULL) {
        return NULL;
    }
    PyObject *frames = NULL, *state = NULL;
    if (t->alive && _PySlp_HasFrames(t)) {
        frames = _PySlp_TaskletGetFrames(t);
        if (frames == NULL) {
            return NULL;
        }
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(frames); i++) {
            PyObject *im = image_from_state(PyList_GET_ITEM(frames, i));
            if (im != NULL && settings->reduce_frame != NULL) {
                Py_SETREF(im, PyObject_CallOneArg(settings->reduce_frame,
                                                  im));
            }
            if (im == NULL) {
                Py_DECREF(frames);
                return NULL;
            }
            PyObject *state = PyList_GET_ITEM(frames, i);
            PyList_SET_ITEM(frames, i, im);
            Py_DECREF(state);
        }
    }
    else {
        frames = PyList_New(0);
        if (frames == NULL) {
            return NULL;
        }
        if (t->func != NULL) {
            PyObject *cf = make_cframe(t->func, t->args, t->kwargs);
            if (cf == NULL || PyList_Append(frames, cf) < 0) {
                Py_XDECREF(cf);
                Py_DECREF(frames);
                return NULL;
            }
            Py_DECREF(cf);
        }
    }
    /* Its tracer and profiler, only if asked for (reference §18.2). */
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    if (ts == NULL) {
        Py_DECREF(frames);
        return NULL;
    }
    PyObject *tr = t->state.c_traceobj, *pr = t->state.c_profileobj;
    if ((ts->pickle_flags & PySlp_PICKLEFLAGS_PRESERVE_TRACING_STATE)
        && PyList_GET_SIZE(frames) > 0 && (tr != NULL || pr != NULL)) {
        PyObject *name = PyUnicode_FromString("tracing");
        PyObject *cf = name ? make_cframe(name, tr ? tr : Py_None,
                                          pr ? pr : Py_None) : NULL;
        Py_XDECREF(name);
        if (cf == NULL || PyList_Append(frames, cf) < 0) {
            Py_XDECREF(cf);
            Py_DECREF(frames);
            return NULL;
        }
        Py_DECREF(cf);
    }
    long flags = (t->blocked & TF_BLOCKED_MASK)
                 | (t->atomic ? TF_ATOMIC : 0)
                 | (t->ignore_nesting ? TF_IGNORE_NEST : 0)
                 | (t->block_trap ? TF_BLOCK_TRAP : 0);
    PyObject *exc = t->exc_state.exc_value;
    if (exc == Py_None) {
        exc = NULL;
    }
    PyObject *tb = exc != NULL ? PyException_GetTraceback(exc) : NULL;
    PyObject *cs = t->alive ? context_state(t) : Py_NewRef(Py_None);
    if (cs == NULL) {
        Py_XDECREF(tb);
        Py_DECREF(frames);
        return NULL;
    }
    /* The ninth item, ours, only when there is a context to carry. */
    state = Py_BuildValue(cs == Py_None ? "(lOiNOOOO)" : "(lOiNOOOOO)",
                          flags, t->tempval ? t->tempval : Py_None,
                          _PySlp_NestingLevel(t), frames,
                          exc ? (PyObject *)Py_TYPE(exc) : Py_None,
                          exc ? exc : Py_None, tb ? tb : Py_None, Py_None,
                          cs);
    Py_DECREF(cs);
    Py_XDECREF(tb);
    if (state == NULL) {
        return NULL;
    }
    return Py_BuildValue("(O()N)", Py_TYPE(t), state);
}

/* A frame of the list: a frame image (or the state of one), checked. */
static PyObject *
frame_state_of(PyObject *item)
{
    if (FrameImage_Check(item) && ((FrameImage *)item)->state != NULL) {
        return Py_NewRef(((FrameImage *)item)->state);
    }
    PyErr_SetString(PyExc_TypeError,
                    "tasklet unpickle needs list of frames last parameter.");
    return NULL;
}

/* The name of the innermost invalid frame's code -- the first one that
   would run --, or NULL. */
static PyObject *
first_invalid(PyObject *states)
{
    for (Py_ssize_t i = PyList_GET_SIZE(states) - 1; i >= 0; i--) {
        PyObject *s = PyList_GET_ITEM(states, i);
        PyObject *kind = PyTuple_GET_ITEM(s, 2);
        long k = PyLong_Check(kind) ? PyLong_AsLong(kind) : -1;
        if (k == PySlp_FRAME_CALL || k == PySlp_FRAME_CHECK
            || k == PySlp_FRAME_CFUNC) {
            continue;
        }
        PyObject *code = PyTuple_GET_ITEM(s, 1);
        if (code == Py_None && PyFunction_Check(PyTuple_GET_ITEM(s, 0))) {
            code = PyFunction_GET_CODE(PyTuple_GET_ITEM(s, 0));
        }
        return PyCode_Check(code)
            ? Py_NewRef(((PyCodeObject *)code)->co_qualname)
            : PyUnicode_FromString("?");
    }
    return NULL;
}

PyObject *
_PySlp_TaskletSetState(PyTaskletObject *t, PyObject *state)
{
    if (!PyTuple_Check(state)
        || (PyTuple_GET_SIZE(state) != 8 && PyTuple_GET_SIZE(state) != 9)
        || !PyLong_Check(PyTuple_GET_ITEM(state, 0))
        || !PyList_Check(PyTuple_GET_ITEM(state, 3))) {
        PyErr_SetString(PyExc_TypeError,
                        "tasklet state must be an 8-tuple: (flags, tempval, "
                        "nesting_level, frames list, exc_type, exc_value, "
                        "exc_tb, exc_owner), and a context");
        return NULL;
    }
    if (_PySlp_CheckNotChanging(t) < 0) {
        return NULL;
    }
    if (t->alive || _PySlp_HasFrames(t) || t->func != NULL || t->is_main
        || _PySlp_IsCurrent(t) || t->ts == NULL
        || t->ts != _PySlp_TS(_PyThreadState_GET())) {
        PyErr_SetString(PyExc_RuntimeError,
                        "only a new tasklet of this thread can be "
                        "unpickled into");
        return NULL;
    }
    long flags = PyLong_AsLong(PyTuple_GET_ITEM(state, 0));
    if (flags == -1 && PyErr_Occurred()) {
        return NULL;
    }
    PyObject *exc = PyTuple_GET_ITEM(state, 5);
    if (exc != Py_None && !PyExceptionInstance_Check(exc)) {
        PyErr_SetString(PyExc_TypeError,
                        "the tasklet's exception must be an exception or "
                        "None");
        return NULL;
    }
    PyObject *frames = PyTuple_GET_ITEM(state, 3);
    Py_ssize_t n = PyList_GET_SIZE(frames);
    PyObject *states = PyList_New(0);
    if (states == NULL) {
        return NULL;
    }
    PyObject *call = NULL, *tracing = NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PyList_GET_ITEM(frames, i);
        if (Py_IS_TYPE(item, &CFrame_Type)
            && ((CFrame *)item)->state != NULL
            && is_tracing_state(((CFrame *)item)->state)) {
            if (i != n - 1 || n == 1) {
                PyErr_SetString(PyExc_ValueError,
                                "a tasklet's tracing state comes last, "
                                "after its frames");
                goto error;
            }
            tracing = ((CFrame *)item)->state;
            continue;
        }
        if (Py_IS_TYPE(item, &CFrame_Type)) {
            if (n != 1 || ((CFrame *)item)->state == NULL) {
                PyErr_SetString(PyExc_ValueError,
                                "a tasklet's call frame comes alone");
                goto error;
            }
            call = ((CFrame *)item)->state;
            continue;
        }
        PyObject *s = frame_state_of(item);
        if (s == NULL || PyList_Append(states, s) < 0) {
            Py_XDECREF(s);
            goto error;
        }
        Py_DECREF(s);
    }
    PyObject *bad = first_invalid(states);
    if (bad != NULL) {
        /* Frames that held C state cannot run again: the tasklet raises
           when it runs, and can be killed (D39).  A channel restored
           first may have queued it: it waits for nothing now. */
        if (t->blocked && t->channel != NULL) {
            Py_DECREF(_PySlp_Unblock(t));
        }
        PyObject *args = PyTuple_Pack(1, bad);
        Py_DECREF(bad);
        PyObject *raiser = _PyImport_GetModuleAttrString("stackless._wrap",
                                                         "_cannot_execute");
        if (args == NULL || raiser == NULL
            || _PySlp_TaskletBind(t, raiser, args, NULL) < 0) {
            Py_XDECREF(args);
            Py_XDECREF(raiser);
            goto error;
        }
        Py_DECREF(args);
        Py_DECREF(raiser);
    }
    else if (call != NULL) {
        PyObject *args = PyTuple_GET_ITEM(call, 1);
        PyObject *kwargs = PyTuple_GET_ITEM(call, 2);
        if (_PySlp_TaskletBind(t, PyTuple_GET_ITEM(call, 0),
                               args == Py_None ? NULL : args,
                               kwargs == Py_None ? NULL : kwargs) < 0) {
            goto error;
        }
    }
    else if (PyList_GET_SIZE(states) > 0) {
        if (_PySlp_TaskletSetFrames(t, states) < 0) {
            goto error;
        }
    }
    Py_DECREF(states);
    if (tracing != NULL && t->alive) {
        /* The C-level hooks are sys.settrace()'s and sys.setprofile()'s
           of this interpreter, made anew. */
        for (int profile = 0; profile < 2; profile++) {
            PyObject *f = PyTuple_GET_ITEM(tracing, 1 + profile);
            if (f != Py_None && _PySlp_TaskletSetTracer(t, f, profile) < 0) {
                return NULL;
            }
        }
    }
    if (PyTuple_GET_SIZE(state) == 9 && t->alive
        && set_context_state(t, PyTuple_GET_ITEM(state, 8)) < 0) {
        return NULL;
    }
    Py_XSETREF(t->tempval, Py_NewRef(PyTuple_GET_ITEM(state, 1)));
    t->atomic = (flags & TF_ATOMIC) != 0;
    t->ignore_nesting = (flags & TF_IGNORE_NEST) != 0;
    t->block_trap = (flags & TF_BLOCK_TRAP) != 0;
    if (exc != Py_None) {
        Py_XSETREF(t->exc_state.exc_value, Py_NewRef(exc));
    }
    return Py_NewRef(t);
error:
    Py_DECREF(states);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Channels */

#define CF_CLOSING      1
#define CF_PREF_SHIFT   1
#define CF_PREF_MASK    (3 << CF_PREF_SHIFT)
#define CF_SCHEDULE_ALL (1 << 3)

PyObject *
_PySlp_ChannelReduce(PyChannelObject *ch)
{
    PyObject *list = PyList_New(0);
    if (list == NULL) {
        return NULL;
    }
    for (PyTaskletObject *t = ch->head; t != NULL; t = t->next) {
        if (t->select_entry) {
            PyErr_SetString(PyExc_TypeError,
                            "cannot pickle a channel that a tasklet waits "
                            "on in select()");
            Py_DECREF(list);
            return NULL;
        }
        if (PyList_Append(list, (PyObject *)t) < 0) {
            Py_DECREF(list);
            return NULL;
        }
    }
    long flags = (ch->closing ? CF_CLOSING : 0)
                 | ((ch->preference & 3) << CF_PREF_SHIFT)
                 | (ch->schedule_all ? CF_SCHEDULE_ALL : 0);
    return Py_BuildValue("(O()(nlN))", Py_TYPE(ch), ch->balance, flags,
                         list);
}

PyObject *
_PySlp_ChannelSetState(PyChannelObject *ch, PyObject *state)
{
    Py_ssize_t balance;
    long flags;
    PyObject *list;
    if (!PyTuple_Check(state)
        || !PyArg_ParseTuple(state, "nlO!;channel state must be (balance, "
                             "flags, list of tasklets)", &balance, &flags,
                             &PyList_Type, &list)) {
        if (!PyErr_Occurred() || !PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyErr_Clear();
            PyErr_SetString(PyExc_TypeError,
                            "channel state must be (balance, flags, list of "
                            "tasklets)");
        }
        return NULL;
    }
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    if (ts == NULL || _PySlp_CheckQueueChange(ts) < 0) {
        return NULL;
    }
    _PySlp_ChannelClear(ch);
    ch->closing = (flags & CF_CLOSING) != 0;
    int pref = (int)((flags & CF_PREF_MASK) >> CF_PREF_SHIFT);
    ch->preference = pref == 3 ? -1 : pref == 2 ? 0 : pref;
    ch->schedule_all = (flags & CF_SCHEDULE_ALL) != 0;
    int dir = balance > 0 ? 1 : -1;
    Py_ssize_t n = PyList_GET_SIZE(list);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PyList_GET_ITEM(list, i);
        if (!PyTasklet_Check(item)) {
            continue;
        }
        PyTaskletObject *t = (PyTaskletObject *)item;
        if (t->blocked) {
            continue;
        }
        if (_PySlp_ChannelRestoreBlocked(ch, t, dir) < 0) {
            return NULL;
        }
    }
    return Py_NewRef(ch);
}

/* ------------------------------------------------------------------ */
/* Code, functions, cells, modules (D40) */

/* A location table the line-number code of CPython can walk without
   reading past its end: entries start with bit 7 set, their varints end
   in the table, and they cover exactly the code's units. */
static int
check_linetable(PyCodeObject *co)
{
    const unsigned char *p = (const unsigned char *)
                             PyBytes_AS_STRING(co->co_linetable);
    const unsigned char *end = p + PyBytes_GET_SIZE(co->co_linetable);
    Py_ssize_t units = 0, ncode = _PyCode_NBYTES(co) / 2;
    while (p < end) {
        unsigned char first = *p++;
        if (!(first & 128)) {
            goto bad;
        }
        int kind = (first >> 3) & 15;
        units += (first & 7) + 1;
        int varints = 0, bytes = 0;
        if (kind < 10) {
            bytes = 1;
        }
        else if (kind <= 12) {
            bytes = 2;
        }
        else if (kind == 13) {
            varints = 1;
        }
        else if (kind == 14) {
            varints = 4;
        }
        for (int k = 0; k < bytes; k++) {
            if (p >= end || (*p & 128)) {
                goto bad;
            }
            p++;
        }
        for (int k = 0; k < varints; k++) {
            do {
                if (p >= end || (*p & 128)) {
                    goto bad;
                }
            } while (*p++ & 64);
        }
    }
    if (units != ncode) {
        goto bad;
    }
    return 0;
bad:
    PyErr_SetString(PyExc_ValueError, "invalid line table for code");
    return -1;
}

/* Check a code object that arrived by value, and every code object it
   can make functions of. */
static int
check_code_tree(PyCodeObject *co, int depth)
{
    if (depth > 200) {
        PyErr_SetString(PyExc_ValueError, "code objects nested too deeply");
        return -1;
    }
    if (check_linetable(co) < 0 || _PySlp_CodeCheck(co) == NULL) {
        return -1;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(co->co_consts); i++) {
        PyObject *c = PyTuple_GET_ITEM(co->co_consts, i);
        if (PyCode_Check(c) && check_code_tree((PyCodeObject *)c,
                                               depth + 1) < 0) {
            return -1;
        }
    }
    return 0;
}

/* The strict mode (D40): this thread's pickle flags refuse code by
   value, both ways. */
static int
refuse_code_by_value(void)
{
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    if (ts == NULL) {
        return -1;
    }
    if (ts->pickle_flags & PySlp_PICKLEFLAGS_CODE_BY_REFERENCE) {
        PyErr_SetString(PyExc_ValueError,
                        "code by value is refused: "
                        "PICKLEFLAGS_CODE_BY_REFERENCE is set");
        return -1;
    }
    return 0;
}

static PyObject *
bytecode_magic(void)
{
    return _PyImport_GetModuleAttrString("importlib._bootstrap_external",
                                         "MAGIC_NUMBER");
}

static PyObject *
wrap_reduce_code(PyObject *module, PyObject *obj)
{
    if (!PyCode_Check(obj)) {
        PyErr_SetString(PyExc_TypeError, "a code object is required");
        return NULL;
    }
    if (refuse_code_by_value() < 0) {
        return NULL;
    }
    PyCodeObject *co = (PyCodeObject *)obj;
    PyObject *magic = bytecode_magic();
    PyObject *code = magic ? PyCode_GetCode(co) : NULL;
    PyObject *names = code ? PyCode_GetVarnames(co) : NULL;
    PyObject *cells = names ? PyCode_GetCellvars(co) : NULL;
    PyObject *frees = cells ? PyCode_GetFreevars(co) : NULL;
    PyObject *helper = frees ? PyObject_GetAttrString(module, "code") : NULL;
    PyObject *r = NULL;
    if (helper != NULL) {
        r = Py_BuildValue(
            "(O(OiiiiiiOOOOOOOiOOOO))", helper, magic,
            co->co_argcount, co->co_posonlyargcount, co->co_kwonlyargcount,
            co->co_nlocals, co->co_stacksize, co->co_flags, code,
            co->co_consts, co->co_names, names, co->co_filename,
            co->co_name, co->co_qualname, co->co_firstlineno,
            co->co_linetable, co->co_exceptiontable, frees, cells);
    }
    Py_XDECREF(magic);
    Py_XDECREF(code);
    Py_XDECREF(names);
    Py_XDECREF(cells);
    Py_XDECREF(frees);
    Py_XDECREF(helper);
    return r;
}

/* _wrap.code(magic, *CodeType arguments): refuses other bytecode
   versions, then checks the code before anything can run it. */
static PyObject *
wrap_code(PyObject *module, PyObject *args)
{
    if (!PyTuple_Check(args) || PyTuple_GET_SIZE(args) < 1) {
        PyErr_SetString(PyExc_TypeError, "code(magic, ...) needs arguments");
        return NULL;
    }
    if (refuse_code_by_value() < 0) {
        return NULL;
    }
    PyObject *magic = bytecode_magic();
    if (magic == NULL) {
        return NULL;
    }
    PyObject *theirs = PyTuple_GET_ITEM(args, 0);
    int same = PyObject_RichCompareBool(theirs, magic, Py_EQ);
    if (same <= 0) {
        if (same == 0) {
            PyErr_Format(PyExc_ValueError,
                         "the pickle holds bytecode of another version "
                         "(magic %R; this interpreter's is %R)",
                         theirs, magic);
        }
        Py_DECREF(magic);
        return NULL;
    }
    Py_DECREF(magic);
    /* The code constructor itself trusts the instructions. */
    if (PyTuple_GET_SIZE(args) > 7
        && _PySlp_CheckInstructionBytes(PyTuple_GET_ITEM(args, 7)) < 0) {
        return NULL;
    }
    PyObject *rest = PyTuple_GetSlice(args, 1, PyTuple_GET_SIZE(args));
    if (rest == NULL) {
        return NULL;
    }
    PyObject *co = PyObject_Call((PyObject *)&PyCode_Type, rest, NULL);
    Py_DECREF(rest);
    if (co != NULL && check_code_tree((PyCodeObject *)co, 0) < 0) {
        Py_CLEAR(co);
    }
    return co;
}

/* A function not found by name: by value.  Its globals are its module's
   dict by reference when they are (D40). */
static PyObject *
wrap_reduce_function(PyObject *module, PyObject *obj)
{
    if (!PyFunction_Check(obj)) {
        PyErr_SetString(PyExc_TypeError, "a function is required");
        return NULL;
    }
    PyFunctionObject *f = (PyFunctionObject *)obj;
    PyObject *globals = f->func_globals;
    PyObject *modname = f->func_module;
    PyObject *globals_ref = NULL;
    if (modname != NULL && PyUnicode_Check(modname)) {
        PyObject *mod = PyImport_GetModule(modname);
        if (mod == NULL && PyErr_Occurred()) {
            return NULL;
        }
        if (mod != NULL && PyModule_Check(mod)
            && PyModule_GetDict(mod) == globals) {
            globals_ref = Py_NewRef(modname);
        }
        Py_XDECREF(mod);
    }
    if (globals_ref == NULL) {
        globals_ref = Py_NewRef(globals);
    }
    PyObject *helper = PyObject_GetAttrString(module, "function");
    if (helper == NULL) {
        Py_DECREF(globals_ref);
        return NULL;
    }
    PyObject *dict = PyObject_GenericGetDict(obj, NULL);
    PyObject *ann = dict ? PyFunction_GetAnnotations(obj) : NULL;
    PyObject *r = NULL;
    if (dict != NULL && (ann != NULL || !PyErr_Occurred())) {
        r = Py_BuildValue(
            "(O(OOOOOOOOOO))", helper, f->func_code, globals_ref,
            f->func_name, f->func_qualname,
            f->func_defaults ? f->func_defaults : Py_None,
            f->func_kwdefaults ? f->func_kwdefaults : Py_None,
            f->func_closure ? f->func_closure : Py_None,
            ann ? ann : Py_None, dict, modname ? modname : Py_None);
    }
    Py_XDECREF(dict);
    Py_DECREF(helper);
    Py_DECREF(globals_ref);
    return r;
}

static PyObject *
wrap_function(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 10) {
        PyErr_SetString(PyExc_TypeError, "function() takes 10 arguments");
        return NULL;
    }
    PyObject *code = args[0], *globals = args[1];
    if (!PyCode_Check(code)) {
        PyErr_SetString(PyExc_TypeError, "function code must be code");
        return NULL;
    }
    if (PyUnicode_Check(globals)) {
        PyObject *mod = PyImport_Import(globals);
        if (mod == NULL) {
            return NULL;
        }
        globals = PyModule_Check(mod) ? PyModule_GetDict(mod) : NULL;
        Py_XINCREF(globals);
        Py_DECREF(mod);
        if (globals == NULL) {
            PyErr_SetString(PyExc_TypeError, "function globals must be "
                            "a module's");
            return NULL;
        }
    }
    else if (PyDict_Check(globals)) {
        Py_INCREF(globals);
    }
    else {
        PyErr_SetString(PyExc_TypeError, "function globals must be a dict");
        return NULL;
    }
    PyObject *ctor_args = Py_BuildValue("(OOOOO)", code, globals, args[2],
                                        args[4], args[6]);
    Py_DECREF(globals);
    if (ctor_args == NULL) {
        return NULL;
    }
    PyObject *f = PyObject_Call((PyObject *)&PyFunction_Type, ctor_args,
                                NULL);
    Py_DECREF(ctor_args);
    if (f == NULL) {
        return NULL;
    }
    if (PyObject_SetAttrString(f, "__qualname__", args[3]) < 0
        || (args[5] != Py_None
            && PyObject_SetAttrString(f, "__kwdefaults__", args[5]) < 0)
        || (args[7] != Py_None
            && PyObject_SetAttrString(f, "__annotations__", args[7]) < 0)
        || (args[8] != Py_None
            && PyObject_SetAttrString(f, "__dict__", args[8]) < 0)
        || (args[9] != Py_None
            && PyObject_SetAttrString(f, "__module__", args[9]) < 0)) {
        Py_DECREF(f);
        return NULL;
    }
    return f;
}

/* Cells by value in two steps, so that a cell may hold the function whose
   closure holds it: made empty, filled by the pickle's BUILD through
   setattr (a state of (None, {"cell_contents": v})). */
static PyObject *
wrap_reduce_cell(PyObject *module, PyObject *obj)
{
    if (!PyCell_Check(obj)) {
        PyErr_SetString(PyExc_TypeError, "a cell is required");
        return NULL;
    }
    PyObject *helper = PyObject_GetAttrString(module, "cell");
    if (helper == NULL) {
        return NULL;
    }
    PyObject *v = PyCell_GET(obj);
    PyObject *r = v == NULL
        ? Py_BuildValue("(O())", helper)
        : Py_BuildValue("(O()(O{sO}))", helper, Py_None, "cell_contents", v);
    Py_DECREF(helper);
    return r;
}

static PyObject *
wrap_cell(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    return PyCell_New(NULL);
}

/* Modules by name when they are imported, else by value. */
static PyObject *
wrap_reduce_module(PyObject *module, PyObject *obj)
{
    PyObject *name = PyModule_GetNameObject(obj);
    if (name == NULL) {
        return NULL;
    }
    PyObject *known = PyImport_GetModule(name);
    if (known == NULL && PyErr_Occurred()) {
        Py_DECREF(name);
        return NULL;
    }
    PyObject *r;
    if (known == obj) {
        PyObject *imp = _PyImport_GetModuleAttrString("importlib",
                                                      "import_module");
        r = imp ? Py_BuildValue("(O(O))", imp, name) : NULL;
        Py_XDECREF(imp);
    }
    else {
        PyObject *helper = PyObject_GetAttrString(module, "module");
        r = helper ? Py_BuildValue("(O(OO))", helper, name,
                                   PyModule_GetDict(obj)) : NULL;
        Py_XDECREF(helper);
    }
    Py_XDECREF(known);
    Py_DECREF(name);
    return r;
}

static PyObject *
wrap_module(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyUnicode_Check(args[0]) || !PyDict_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "module(name, dict) expected");
        return NULL;
    }
    PyObject *m = PyModule_NewObject(args[0]);
    if (m != NULL && PyDict_Update(PyModule_GetDict(m), args[1]) < 0) {
        Py_CLEAR(m);
    }
    return m;
}

/* Generators, coroutines and async generators by value (their frame
   checked on load like a tasklet's; core/framestate.c). */
static PyObject *
wrap_reduce_generator(PyObject *module, PyObject *obj)
{
    if (!PyGen_Check(obj) && !PyCoro_CheckExact(obj)
        && !PyAsyncGen_CheckExact(obj)) {
        PyErr_SetString(PyExc_TypeError, "a generator is required");
        return NULL;
    }
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    if (ts == NULL) {
        return NULL;
    }
    PyObject *helper = PyObject_GetAttrString(module, "generator");
    PyObject *state = helper ? _PySlp_GenGetState((PyGenObject *)obj,
                                                  ts->pickle_flags) : NULL;
    PyObject *r = state ? Py_BuildValue("(O(N))", helper, state) : NULL;
    Py_XDECREF(helper);
    return r;
}

static PyObject *
wrap_generator(PyObject *module, PyObject *state)
{
    PySlp_ThreadState *ts = _PySlp_GetThreadState();
    return ts ? _PySlp_GenFromState(state, ts->pickle_flags) : NULL;
}

/* Tracebacks by value: each entry's function (or code), line and
   instruction; on load each gets a frame object of its own that only
   describes where it was (it cannot run), so that printing and walking the
   traceback work as before. */
static PyObject *
wrap_reduce_traceback(PyObject *module, PyObject *obj)
{
    if (!PyTraceBack_Check(obj)) {
        PyErr_SetString(PyExc_TypeError, "a traceback is required");
        return NULL;
    }
    PyTracebackObject *tb = (PyTracebackObject *)obj;
    _PyInterpreterFrame *f = tb->tb_frame->f_frame;
    PyObject *where = f->f_funcobj;
    if (!PyFunction_Check(where)
        || PyFunction_GET_CODE(where) != f->f_executable) {
        where = f->f_executable;    /* module or class body: by value */
    }
    int lineno = PyFrame_GetLineNumber(tb->tb_frame);
    PyObject *tb_lineno = PyObject_GetAttrString(obj, "tb_lineno");
    PyObject *helper = tb_lineno ? PyObject_GetAttrString(module, "traceback")
                                 : NULL;
    PyObject *r = helper == NULL ? NULL : Py_BuildValue(
        "(O(OOiiO))", helper, tb->tb_next ? (PyObject *)tb->tb_next : Py_None,
        where, lineno, tb->tb_lasti, tb_lineno);
    Py_XDECREF(helper);
    Py_XDECREF(tb_lineno);
    return r;
}

static PyObject *
wrap_traceback(PyObject *module, PyObject *args)
{
    PyObject *next, *where, *lineno;
    int f_lineno, lasti;
    if (!PyArg_ParseTuple(args, "OOiiO:traceback", &next, &where, &f_lineno,
                          &lasti, &lineno)) {
        return NULL;
    }
    if (next != Py_None && !PyTraceBack_Check(next)) {
        PyErr_SetString(PyExc_TypeError, "tb_next must be a traceback");
        return NULL;
    }
    PyObject *globals;
    PyCodeObject *co;
    if (PyFunction_Check(where)) {
        co = (PyCodeObject *)PyFunction_GET_CODE(where);
        globals = Py_NewRef(PyFunction_GET_GLOBALS(where));
    }
    else if (PyCode_Check(where)) {
        co = (PyCodeObject *)where;
        globals = PyDict_New();
        if (globals == NULL) {
            return NULL;
        }
    }
    else {
        PyErr_SetString(PyExc_TypeError,
                        "a traceback's frame must be a function or code");
        return NULL;
    }
    if (lasti < -1 || lasti >= _PyCode_NBYTES(co)) {
        Py_DECREF(globals);
        PyErr_SetString(PyExc_ValueError, "tb_lasti out of range");
        return NULL;
    }
    PyFrameObject *frame = PyFrame_New(_PyThreadState_GET(), co, globals,
                                       NULL);
    Py_DECREF(globals);
    if (frame == NULL) {
        return NULL;
    }
    if (lasti >= 0) {
        /* Where it was: its line numbers come from this. */
        frame->f_frame->instr_ptr = _PyCode_CODE(co) + lasti / 2;
    }
    PyObject *tb = PyObject_CallFunction((PyObject *)&PyTraceBack_Type,
                                         "OOiO", next, frame, lasti,
                                         lineno);
    Py_DECREF(frame);
    return tb;
}

/* Dict views by their dict: _wrap.dict_view(dict, "keys"). */
static PyObject *
wrap_reduce_dict_view(PyObject *module, PyObject *obj)
{
    const char *kind = PyDictKeys_Check(obj) ? "keys"
                       : PyDictValues_Check(obj) ? "values"
                       : PyDictItems_Check(obj) ? "items" : NULL;
    if (kind == NULL) {
        PyErr_SetString(PyExc_TypeError, "a dict view is required");
        return NULL;
    }
    PyObject *helper = PyObject_GetAttrString(module, "dict_view");
    PyObject *r = helper ? Py_BuildValue(
        "(O(Os))", helper, ((_PyDictViewObject *)obj)->dv_dict, kind) : NULL;
    Py_XDECREF(helper);
    return r;
}

static PyObject *
wrap_dict_view(PyObject *module, PyObject *args)
{
    PyObject *d;
    const char *kind;
    if (!PyArg_ParseTuple(args, "O!s:dict_view", &PyDict_Type, &d, &kind)) {
        return NULL;
    }
    if (strcmp(kind, "keys") && strcmp(kind, "values")
        && strcmp(kind, "items")) {
        PyErr_SetString(PyExc_ValueError,
                        "dict_view() kind must be keys, values or items");
        return NULL;
    }
    return PyObject_CallMethod(d, kind, NULL);
}

/* The awaitables of an async generator's asend()/__anext__() and
   athrow()/aclose(), with the generator and how far they got. */
static PyObject *
wrap_reduce_agen_awaitable(PyObject *module, PyObject *obj)
{
    PyObject *st = _PyAsyncGenAwaitable_GetState(obj);
    if (st == NULL) {
        return NULL;
    }
    int athrow = PyLong_AsLong(PyTuple_GET_ITEM(st, 1)) != 0;
    PyObject *helper = PyObject_GetAttrString(
        module, athrow ? "async_generator_athrow" : "async_generator_asend");
    PyObject *r = helper ? Py_BuildValue("(O(OOO))", helper,
                                         PyTuple_GET_ITEM(st, 0),
                                         PyTuple_GET_ITEM(st, 2),
                                         PyTuple_GET_ITEM(st, 3)) : NULL;
    Py_XDECREF(helper);
    Py_DECREF(st);
    return r;
}

static PyObject *
agen_awaitable(PyObject *args, int athrow)
{
    PyObject *gen, *value;
    int state;
    if (!PyArg_ParseTuple(args, "OOi", &gen, &value, &state)) {
        return NULL;
    }
    return _PyAsyncGenAwaitable_FromState(gen, athrow, value, state);
}

static PyObject *
wrap_async_generator_asend(PyObject *module, PyObject *args)
{
    return agen_awaitable(args, 0);
}

static PyObject *
wrap_async_generator_athrow(PyObject *module, PyObject *args)
{
    return agen_awaitable(args, 1);
}

/* copyreg.pickle() for the types above, once per interpreter. */
static int
register_reducers(PyObject *wrap)
{
    static const struct { PyTypeObject *type; const char *reducer; } r[] = {
        {&PyCode_Type, "reduce_code"},
        {&PyFunction_Type, "reduce_function"},
        {&PyCell_Type, "reduce_cell"},
        {&PyModule_Type, "reduce_module"},
        {&PyGen_Type, "reduce_generator"},
        {&PyCoro_Type, "reduce_generator"},
        {&PyAsyncGen_Type, "reduce_generator"},
        {&PyTraceBack_Type, "reduce_traceback"},
        {&PyDictKeys_Type, "reduce_dict_view"},
        {&PyDictValues_Type, "reduce_dict_view"},
        {&PyDictItems_Type, "reduce_dict_view"},
        {&_PyAsyncGenASend_Type, "reduce_agen_awaitable"},
        {&_PyAsyncGenAThrow_Type, "reduce_agen_awaitable"},
    };
    PyObject *copyreg = PyImport_ImportModule("copyreg");
    if (copyreg == NULL) {
        return -1;
    }
    for (size_t i = 0; i < Py_ARRAY_LENGTH(r); i++) {
        PyObject *f = PyObject_GetAttrString(wrap, r[i].reducer);
        PyObject *res = f ? PyObject_CallMethod(copyreg, "pickle", "OO",
                                                r[i].type, f) : NULL;
        Py_XDECREF(f);
        if (res == NULL) {
            Py_DECREF(copyreg);
            return -1;
        }
        Py_DECREF(res);
    }
    Py_DECREF(copyreg);
    return 0;
}

/* ------------------------------------------------------------------ */
/* The _wrap module */

static PyObject *
wrap_set_reduce_frame(PyObject *module, PyObject *func)
{
    PySlp_Settings *s = _PySlp_GetSettings();
    if (s == NULL) {
        return NULL;
    }
    if (func != Py_None && !PyCallable_Check(func)) {
        PyErr_SetString(PyExc_TypeError, "reduce_frame must be callable or "
                        "None");
        return NULL;
    }
    Py_XSETREF(s->reduce_frame, func == Py_None ? NULL : Py_NewRef(func));
    Py_RETURN_NONE;
}

static PyObject *
wrap_cannot_execute(PyObject *module, PyObject *name)
{
    PyErr_Format(PyExc_RuntimeError,
                 "cannot execute invalid frame with '%S': frame had a C "
                 "state that can't be restored.", name);
    return NULL;
}

static PyObject *
wrap_check_code(PyObject *module, PyObject *code)
{
    if (!PyCode_Check(code)) {
        PyErr_SetString(PyExc_TypeError, "a code object is required");
        return NULL;
    }
    if (_PySlp_CodeCheck((PyCodeObject *)code) == NULL) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* The resumption points of a code object, for tests:
   [(offset, op, arg, after_yield, depth, stack kinds, local states)]. */
static PyObject *
wrap_code_points(PyObject *module, PyObject *code)
{
    if (!PyCode_Check(code)) {
        PyErr_SetString(PyExc_TypeError, "a code object is required");
        return NULL;
    }
    PyCodeObject *co = (PyCodeObject *)code;
    const PySlp_CodeInfo *info = _PySlp_CodeCheck(co);
    if (info == NULL) {
        return NULL;
    }
    PyObject *list = PyList_New(0);
    for (Py_ssize_t off = 0; list != NULL && off < _PyCode_NBYTES(co) / 2;
         off++) {
        const PySlp_CodePoint *p = _PySlp_CodePointAt(info, off);
        if (p == NULL) {
            continue;
        }
        PyObject *stack = PyTuple_New(p->depth);
        PyObject *locs = PyTuple_New(co->co_nlocalsplus);
        for (int k = 0; stack && k < p->depth; k++) {
            PyTuple_SET_ITEM(stack, k, PyLong_FromLong(p->stack[k]));
        }
        for (int k = 0; locs && k < co->co_nlocalsplus; k++) {
            PyTuple_SET_ITEM(locs, k, PyLong_FromLong(p->locals[k]));
        }
        PyObject *item = (stack && locs)
            ? Py_BuildValue("(iiiiiNN)", p->offset, p->op, p->arg,
                            p->after_yield, p->depth, stack, locs)
            : NULL;
        if (item == NULL || PyList_Append(list, item) < 0) {
            Py_XDECREF(item);
            Py_CLEAR(list);
            break;
        }
        Py_DECREF(item);
    }
    return list;
}

static PyMethodDef wrap_methods[] = {
    {"_code_points", wrap_code_points, METH_O,
     PyDoc_STR("The resumption points check_code() found, for tests.")},
    {"set_reduce_frame", wrap_set_reduce_frame, METH_O,
     PyDoc_STR("set_reduce_frame(func)\n--\n\nCall func with each frame a "
               "tasklet pickles and pickle its result instead; None "
               "removes the hook.")},
    {"_cannot_execute", wrap_cannot_execute, METH_O,
     PyDoc_STR("What a tasklet whose frames held C state runs when it is "
               "resumed after unpickling.")},
    {"reduce_code", wrap_reduce_code, METH_O,
     PyDoc_STR("Reduce a code object to its value.")},
    {"code", wrap_code, METH_VARARGS,
     PyDoc_STR("code(magic, *fields)\n--\n\nA code object from its "
               "fields, refused if it is of another bytecode version or "
               "fails check_code().")},
    {"reduce_function", wrap_reduce_function, METH_O,
     PyDoc_STR("Reduce a function that cannot be found by name.")},
    {"function", _PyCFunction_CAST(wrap_function), METH_FASTCALL,
     PyDoc_STR("function(code, globals, name, qualname, defaults, "
               "kwdefaults, closure, annotations, dict, module)")},
    {"reduce_cell", wrap_reduce_cell, METH_O,
     PyDoc_STR("Reduce a cell to an empty cell and its contents.")},
    {"cell", wrap_cell, METH_NOARGS,
     PyDoc_STR("cell(): an empty cell, filled by the pickle later.")},
    {"reduce_module", wrap_reduce_module, METH_O,
     PyDoc_STR("Reduce a module: by name if imported, else by value.")},
    {"module", _PyCFunction_CAST(wrap_module), METH_FASTCALL,
     PyDoc_STR("module(name, dict): a module not in sys.modules.")},
    {"reduce_generator", wrap_reduce_generator, METH_O,
     PyDoc_STR("Reduce a generator, coroutine or async generator.")},
    {"generator", wrap_generator, METH_O,
     PyDoc_STR("generator(state): a generator rebuilt and checked.")},
    {"reduce_traceback", wrap_reduce_traceback, METH_O,
     PyDoc_STR("Reduce a traceback entry to where it was.")},
    {"traceback", wrap_traceback, METH_VARARGS,
     PyDoc_STR("traceback(tb_next, function or code, f_lineno, tb_lasti, "
               "tb_lineno)")},
    {"reduce_dict_view", wrap_reduce_dict_view, METH_O,
     PyDoc_STR("Reduce a dict view to its dict.")},
    {"dict_view", wrap_dict_view, METH_VARARGS,
     PyDoc_STR("dict_view(dict, kind): dict.keys(), .values() or .items()")},
    {"reduce_agen_awaitable", wrap_reduce_agen_awaitable, METH_O,
     PyDoc_STR("Reduce an asend() or athrow() awaitable.")},
    {"async_generator_asend", wrap_async_generator_asend, METH_VARARGS,
     PyDoc_STR("async_generator_asend(gen, (value,) or None, state)")},
    {"async_generator_athrow", wrap_async_generator_athrow, METH_VARARGS,
     PyDoc_STR("async_generator_athrow(gen, args or None, state)")},
    {"check_code", wrap_check_code, METH_O,
     PyDoc_STR("check_code(code)\n--\n\nRaise ValueError if the code's "
               "bytecode could crash the interpreter when a frame of it is "
               "rebuilt (docs/architecture.md D38).")},
    {NULL}
};

static struct PyModuleDef wrapmodule = {
    PyModuleDef_HEAD_INIT,
    .m_name = "stackless._wrap",
    .m_doc = "Helpers that rebuild pickled tasklets and frames.",
    .m_size = -1,
    .m_methods = wrap_methods,
};

/* Made once per process: the types are static, the module is reached as
   stackless._wrap and through sys.modules, where pickle looks it up. */
int
_PySlp_AddWrapModule(PyObject *stackless)
{
    if (PyType_Ready(&FrameImage_Type) < 0
        || PyType_Ready(&CFrame_Type) < 0) {
        return -1;
    }
    PyObject *m = PyModule_Create(&wrapmodule);
    if (m == NULL) {
        return -1;
    }
    if (PyModule_AddObjectRef(m, "frame", (PyObject *)&FrameImage_Type) < 0
        || PyModule_AddObjectRef(m, "cframe", (PyObject *)&CFrame_Type) < 0) {
        Py_DECREF(m);
        return -1;
    }
    PyObject *modules = PyImport_GetModuleDict();
    if (PyDict_SetItemString(modules, "stackless._wrap", m) < 0
        || register_reducers(m) < 0) {
        Py_DECREF(m);
        return -1;
    }
    return PyModule_Add(stackless, "_wrap", m);
}
