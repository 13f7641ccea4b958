/* C functions that switch softly (docs/c-api.md, "Soft switching from C";
 * D43, D44).
 *
 * A stackless call parks its tasklet softly only when it was made
 * directly by bytecode, which _PySlp_CanPark() reads off the calling frame
 * and the call noted by _PySlp_NoteCall() (D22).  An extension function
 * flagged METH_STACKLESS gets a vectorcall from here that notes its call
 * the same way, so that the "_nr" functions of the C API it calls may
 * park too: they return Py_UnwindToken, the function returns it, and the
 * CALL instruction parks the frame as for channel.receive().
 *
 * A soft-switchable function (PyStackless_CallFunction) goes further: it
 * is re-entered with the result of the operation it waited for.  Its
 * state lives in a C-frame object.  When the function unwinds, the
 * C-frame takes the placeholder's place on the parked frame's stack, so
 * that the GC, kill() and the pickler see it where the call's result will
 * go; _PySlp_ResumeParked() hands the tasklet's resume value to it
 * (_PySlp_CFrameResume) instead of storing the value there.  The
 * function may unwind again from there: the frame then parks once more
 * without having run an instruction. */

#include "slp_core.h"
#include "pycore_modsupport.h"     // _PyArg_NoKeywords()
#include "pycore_object.h"        // _Py_SetImmortal()

/* ------------------------------------------------------------------ */
/* METH_STACKLESS calls */

/* A METH_STACKLESS function has returned `r`.  If a soft switch is under
   way for the calling frame, the CALL instruction must get the
   placeholder (or the C-frame that waits) whatever the function
   returned; and a placeholder without a switch must not reach Python. */
static PyObject *
finish_call(PyThreadState *tstate, PyObject *r, const char *name)
{
    PySlp_ThreadState *ts = _PySlp_TS(tstate);
    if (ts == NULL) {
        goto no_switch;
    }
    ts->call_args_end = NULL;
    ts->call_args = NULL;
    if (ts->parking == NULL || ts->parking != tstate->current_frame) {
        Py_CLEAR(ts->pending_cframe);
        goto no_switch;
    }
    if (r != PySlp_UNWIND) {
        /* It ignored an "_nr" call's unwind: the switch goes on, the
           value it returned instead is lost. */
        if (r == NULL) {
            PyErr_FormatUnraisable("Exception ignored by %s(), which "
                                   "returned NULL during a soft switch",
                                   name);
        }
        Py_XDECREF(r);
    }
    if (ts->pending_cframe != NULL) {
        r = ts->pending_cframe;
        ts->pending_cframe = NULL;
        return r;
    }
    return PySlp_UNWIND;

no_switch:
    if (r == PySlp_UNWIND) {
        PyErr_Format(PyExc_SystemError,
                     "%s() returned Py_UnwindToken without a soft switch",
                     name);
        return NULL;
    }
    return r;
}

PyObject *
_PySlp_CFunctionVectorcall(PyObject *func, PyObject *const *args,
                           size_t nargsf, PyObject *kwnames)
{
    PyThreadState *tstate = _PyThreadState_GET();
    PyMethodDef *ml = ((PyCFunctionObject *)func)->m_ml;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    _PySlp_NoteCall(args, nargs, nkw, (void *)ml->ml_meth);
    PyObject *r = _PyCFunction_PlainVectorcall(func, args, nargsf, kwnames);
    return finish_call(tstate, r, ml->ml_name);
}

PyObject *
_PySlp_MethodDescrVectorcall(PyObject *func, PyObject *const *args,
                             size_t nargsf, PyObject *kwnames)
{
    PyThreadState *tstate = _PyThreadState_GET();
    PyMethodDef *ml = ((PyMethodDescrObject *)func)->d_method;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    if (nargs >= 1) {
        /* args[0] is self; the arguments the CALL passed follow. */
        _PySlp_NoteCall(args + 1, nargs - 1, nkw, (void *)ml->ml_meth);
    }
    PyObject *r = _PyMethodDescr_PlainVectorcall(func, args, nargsf,
                                                 kwnames);
    return finish_call(tstate, r, ml->ml_name);
}

/* ------------------------------------------------------------------ */
/* Declarations of soft-switchable functions */

static PyObject *
decl_repr(PyStacklessFunctionDeclarationObject *d)
{
    return PyUnicode_FromFormat("<soft-switchable function %s.%s>",
                                d->module_name ? d->module_name : "?",
                                d->name ? d->name : "?");
}

/* Pickled by name, as module-level functions are: the module must have
   the declaration as attribute `name` (InitFunctionDeclaration). */
static PyObject *
decl_reduce(PyStacklessFunctionDeclarationObject *d, PyObject *unused)
{
    if (d->name == NULL) {
        PyErr_SetString(PyExc_TypeError,
                        "a soft-switchable function without a name cannot "
                        "be pickled");
        return NULL;
    }
    return PyUnicode_FromString(d->name);
}

static PyObject *
decl_get_name(PyStacklessFunctionDeclarationObject *d, void *c)
{
    if (d->name == NULL) {
        Py_RETURN_NONE;
    }
    return PyUnicode_FromString(d->name);
}

static PyObject *
decl_get_module(PyStacklessFunctionDeclarationObject *d, void *c)
{
    if (d->module_name == NULL) {
        Py_RETURN_NONE;
    }
    return PyUnicode_FromString(d->module_name);
}

static PyMethodDef decl_methods[] = {
    {"__reduce__", (PyCFunction)decl_reduce, METH_NOARGS, NULL},
    {NULL, NULL}
};

static PyGetSetDef decl_getset[] = {
    {"name", (getter)decl_get_name, NULL, "the attribute name", NULL},
    {"__module__", (getter)decl_get_module, NULL, "the module", NULL},
    {NULL}
};

/* Declarations are static objects of their extension: never freed. */
PyTypeObject PyStacklessFunctionDeclaration_Type = {
    PyVarObject_HEAD_INIT(&PyType_Type, 0)
    .tp_name = "stackless.function_declaration",
    .tp_basicsize = sizeof(PyStacklessFunctionDeclarationObject),
    .tp_repr = (reprfunc)decl_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The declaration of a soft-switchable C function.",
    .tp_methods = decl_methods,
    .tp_getset = decl_getset,
};

int
PyStackless_InitFunctionDeclaration(PyStacklessFunctionDeclarationObject *sfd,
                                    PyObject *module,
                                    PyModuleDef *module_def)
{
    if (sfd == NULL || sfd->sfunc == NULL) {
        PyErr_SetString(PyExc_SystemError,
                        "a function declaration needs its function");
        return -1;
    }
    if (PyType_Ready(&PyStacklessFunctionDeclaration_Type) < 0
        || PyType_Ready(&PyCFrame_Type) < 0) {
        return -1;
    }
    if (Py_TYPE(sfd) == NULL) {
        Py_SET_TYPE(sfd, &PyStacklessFunctionDeclaration_Type);
    }
    if (!PyStacklessFunctionDeclarationType_CheckExact(sfd)) {
        PyErr_SetString(PyExc_TypeError,
                        "not a soft-switchable function declaration");
        return -1;
    }
    /* A static object: make sure no reference count ever frees it. */
    _Py_SetImmortal((PyObject *)sfd);
    if (module_def != NULL) {
        sfd->module_name = module_def->m_name;
    }
    if (module != NULL) {
        if (sfd->name == NULL) {
            PyErr_SetString(PyExc_SystemError,
                            "a function declaration needs its name");
            return -1;
        }
        if (PyModule_AddObjectRef(module, sfd->name,
                                  (PyObject *)sfd) < 0) {
            return -1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* C-frames */

typedef struct {
    PyObject_HEAD
    PyStacklessFunctionDeclarationObject *sfd;  /* strong */
    PyObject *ob1, *ob2, *ob3;  /* strong or NULL */
    long step;
    long n;
    void *any;
} PySlp_CFrame;

static int
cframe_traverse(PySlp_CFrame *cf, visitproc visit, void *arg)
{
    Py_VISIT(cf->ob1);
    Py_VISIT(cf->ob2);
    Py_VISIT(cf->ob3);
    return 0;
}

static int
cframe_clear(PySlp_CFrame *cf)
{
    Py_CLEAR(cf->ob1);
    Py_CLEAR(cf->ob2);
    Py_CLEAR(cf->ob3);
    return 0;
}

static void
cframe_dealloc(PySlp_CFrame *cf)
{
    PyObject_GC_UnTrack(cf);
    cframe_clear(cf);
    Py_XDECREF(cf->sfd);
    PyObject_GC_Del(cf);
}

static PySlp_CFrame *
cframe_alloc(PyStacklessFunctionDeclarationObject *sfd, PyObject *ob1,
             PyObject *ob2, PyObject *ob3, long step, long n, void *any)
{
    PySlp_CFrame *cf = PyObject_GC_New(PySlp_CFrame, &PyCFrame_Type);
    if (cf == NULL) {
        return NULL;
    }
    cf->sfd = (PyStacklessFunctionDeclarationObject *)Py_NewRef(sfd);
    cf->ob1 = Py_XNewRef(ob1);
    cf->ob2 = Py_XNewRef(ob2);
    cf->ob3 = Py_XNewRef(ob3);
    cf->step = step;
    cf->n = n;
    cf->any = any;
    PyObject_GC_Track(cf);
    return cf;
}

/* C-frame(declaration, step, n, ob1, ob2, ob3, nulls): what __reduce__
   gives.  `nulls` is a bit set: bit i set means slot i+1 is NULL, which
   the function may tell apart from None. */
static PyObject *
cframe_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *sfd, *ob[3];
    long step, n;
    int nulls;
    if (!_PyArg_NoKeywords("stackless._cframe", kwds)
        || !PyArg_ParseTuple(args, "O!llOOOi:_cframe",
                             &PyStacklessFunctionDeclaration_Type, &sfd,
                             &step, &n, &ob[0], &ob[1], &ob[2], &nulls)) {
        return NULL;
    }
    for (int i = 0; i < 3; i++) {
        if (nulls & (1 << i)) {
            ob[i] = NULL;
        }
    }
    return (PyObject *)cframe_alloc(
        (PyStacklessFunctionDeclarationObject *)sfd, ob[0], ob[1], ob[2],
        step, n, NULL);
}

static PyObject *
cframe_reduce(PySlp_CFrame *cf, PyObject *unused)
{
    if (cf->any != NULL) {
        PyErr_Format(PyExc_TypeError,
                     "cannot pickle the C-frame of %s: it holds a C pointer",
                     cf->sfd->name ? cf->sfd->name : "?");
        return NULL;
    }
    int nulls = (cf->ob1 == NULL) | (cf->ob2 == NULL) << 1
                | (cf->ob3 == NULL) << 2;
    return Py_BuildValue("(O(OllOOOi))", Py_TYPE(cf), cf->sfd,
                         cf->step, cf->n,
                         cf->ob1 ? cf->ob1 : Py_None,
                         cf->ob2 ? cf->ob2 : Py_None,
                         cf->ob3 ? cf->ob3 : Py_None, nulls);
}

static PyMethodDef cframe_methods[] = {
    {"__reduce__", (PyCFunction)cframe_reduce, METH_NOARGS, NULL},
    {NULL, NULL}
};

static PyObject *
cframe_repr(PySlp_CFrame *cf)
{
    return PyUnicode_FromFormat("<C-frame of %s, step %ld>",
                                cf->sfd->name ? cf->sfd->name : "?",
                                cf->step);
}

PyTypeObject PyCFrame_Type = {
    PyVarObject_HEAD_INIT(&PyType_Type, 0)
    .tp_name = "stackless._cframe",
    .tp_basicsize = sizeof(PySlp_CFrame),
    .tp_dealloc = (destructor)cframe_dealloc,
    .tp_repr = (reprfunc)cframe_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "The state of a soft-switchable C function that waits.",
    .tp_traverse = (traverseproc)cframe_traverse,
    .tp_clear = (inquiry)cframe_clear,
    .tp_methods = cframe_methods,
    .tp_new = cframe_new,
};

/* Whether `cf` can be pickled (a C pointer cannot). */
int
_PySlp_CFramePicklable(PyObject *cf)
{
    return ((PySlp_CFrame *)cf)->any == NULL;
}

static PyObject *
call_sfunc(PySlp_CFrame *cf, PyObject *retval)
{
    return cf->sfd->sfunc(retval, &cf->step, &cf->ob1, &cf->ob2, &cf->ob3,
                          &cf->n, &cf->any);
}

PyObject *
PyStackless_CallFunction(PyStacklessFunctionDeclarationObject *sfd,
                         PyObject *arg, PyObject *ob1, PyObject *ob2,
                         PyObject *ob3, long n, void *any)
{
    if (sfd == NULL || !PyStacklessFunctionDeclarationType_CheckExact(sfd)) {
        PyErr_SetString(PyExc_TypeError,
                        "PyStackless_CallFunction needs a function "
                        "declaration made by "
                        "PyStackless_InitFunctionDeclaration");
        return NULL;
    }
    if (arg == NULL && !PyErr_Occurred()) {
        PyErr_SetString(PyExc_SystemError,
                        "No error occurred, but arg is NULL");
        return NULL;
    }
    PyObject *exc = arg == NULL ? PyErr_GetRaisedException() : NULL;
    PySlp_CFrame *cf = cframe_alloc(sfd, ob1, ob2, ob3, 0, n, any);
    if (cf == NULL) {
        Py_XDECREF(exc);
        return NULL;
    }
    if (exc != NULL) {
        PyErr_SetRaisedException(exc);
    }
    PyObject *r = call_sfunc(cf, arg);
    if (r == PySlp_UNWIND) {
        PyThreadState *tstate = _PyThreadState_GET();
        PySlp_ThreadState *ts = _PySlp_TS(tstate);
        if (ts != NULL && ts->parking != NULL
            && ts->parking == tstate->current_frame
            && ts->pending_cframe == NULL) {
            /* The METH_STACKLESS caller puts it on the frame's stack
               (finish_call). */
            ts->pending_cframe = (PyObject *)cf;
            return r;
        }
        /* finish_call() reports this. */
    }
    Py_DECREF(cf);
    return r;
}

/* The parked top frame `top` of the current tasklet waits on the C-frame
   on its stack; `r` is what the tasklet was resumed with (NULL: an
   exception is set).  Returns the call's result for the frame (NULL:
   raise), or PySlp_UNWIND: the function switched softly again and the
   frame must park once more, C-frame and all. */
PyObject *
_PySlp_CFrameResume(PySlp_ThreadState *ts, _PyInterpreterFrame *top,
                    PyObject *r)
{
    PySlp_CFrame *cf = (PySlp_CFrame *)Py_NewRef(
        top->localsplus[top->stacktop - 1]);
    assert(Py_IS_TYPE(cf, &PyCFrame_Type));
    _PyInterpreterFrame *outer = ts->cframe_frame;
    ts->cframe_frame = top;
    PyObject *res = call_sfunc(cf, r);
    ts->cframe_frame = outer;
    Py_XDECREF(r);
    if (res == PySlp_UNWIND) {
        if (ts->parking == top) {
            Py_DECREF(cf);
            return res;
        }
        PyErr_Format(PyExc_SystemError,
                     "%s returned Py_UnwindToken without a soft switch",
                     cf->sfd->name ? cf->sfd->name : "?");
        res = NULL;
    }
    else if (ts->parking == top) {
        /* It ignored an unwind: the switch goes on, as in finish_call. */
        if (res == NULL) {
            PyErr_FormatUnraisable("Exception ignored by %s, which "
                                   "returned NULL during a soft switch",
                                   cf->sfd->name ? cf->sfd->name : "?");
        }
        Py_XDECREF(res);
        Py_DECREF(cf);
        return PySlp_UNWIND;
    }
    Py_DECREF(cf);
    return res;
}
