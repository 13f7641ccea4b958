/* postbox: an extension module that uses the Stackless C API.
 *
 * A Postbox wraps a stackless channel.  put() sends on it, and get() and
 * get_many() receive from it in a soft-switchable C function: while a
 * tasklet waits in one of them it keeps nothing on the C stack, so it is
 * as cheap as one blocked in channel.receive(), and it pickles.  See
 * README.md here and docs/c-api.md. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stackless_api.h>

/* ------------------------------------------------------------------ */
/* The Postbox type */

typedef struct {
    PyObject_HEAD
    PyChannelObject *channel;   /* NULL only after tp_clear */
    long count;                 /* values handed out by get/get_many */
} PostboxObject;

static PyTypeObject Postbox_Type;

#define Postbox_Check(op) PyObject_TypeCheck((op), &Postbox_Type)

/* The channel of `box`, or NULL with an exception: the garbage collector
   may have cleared a box that something still reaches in a finaliser. */
static PyChannelObject *
postbox_channel(PostboxObject *box)
{
    if (box->channel == NULL) {
        PyErr_SetString(PyExc_ValueError, "the postbox has no channel");
    }
    return box->channel;
}

static PyObject *
postbox_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    if (PyTuple_GET_SIZE(args) != 0
        || (kwds != NULL && PyDict_GET_SIZE(kwds) != 0)) {
        PyErr_SetString(PyExc_TypeError, "Postbox() takes no arguments");
        return NULL;
    }
    PostboxObject *box = (PostboxObject *)type->tp_alloc(type, 0);
    if (box == NULL) {
        return NULL;
    }
    box->channel = PyChannel_New(NULL);
    if (box->channel == NULL) {
        Py_DECREF(box);
        return NULL;
    }
    box->count = 0;
    return (PyObject *)box;
}

/* A box, its channel, a tasklet blocked on the channel and that
   tasklet's C-frame (which holds the box) form a cycle. */
static int
postbox_traverse(PostboxObject *box, visitproc visit, void *arg)
{
    Py_VISIT(box->channel);
    return 0;
}

static int
postbox_clear(PostboxObject *box)
{
    Py_CLEAR(box->channel);
    return 0;
}

static void
postbox_dealloc(PostboxObject *box)
{
    PyTypeObject *tp = Py_TYPE(box);
    PyObject_GC_UnTrack(box);
    postbox_clear(box);
    tp->tp_free(box);
}

/* put(value): send `value` to the next getter, waiting for one if there
   is none.  METH_STACKLESS, so that a call from Python code waits softly:
   PyChannel_Send_nr() then returns 1 and we must return the unwind token
   at once; the caller's frame gets None when the transfer is done.  Called
   any other way (from C, through map()), it blocks hard and returns 0. */
static PyObject *
postbox_put(PostboxObject *self, PyObject *value)
{
    PyChannelObject *ch = postbox_channel(self);
    if (ch == NULL) {
        return NULL;
    }
    int r = PyChannel_Send_nr(ch, value);
    if (r < 0) {
        return NULL;
    }
    if (r == 1) {
        return (PyObject *)Py_UnwindToken;
    }
    Py_RETURN_NONE;
}

/* A copy that carries the channel, so that tasklets blocked on it (which
   pickle with their channel) wait on the copy's channel when both are
   pickled together. */
static PyObject *
postbox_reduce(PostboxObject *self, PyObject *Py_UNUSED(ignored))
{
    PyChannelObject *ch = postbox_channel(self);
    if (ch == NULL) {
        return NULL;
    }
    return Py_BuildValue("(O(){s:l,s:O})", Py_TYPE(self),
                         "count", self->count, "channel", ch);
}

static PyObject *
postbox_setstate(PostboxObject *self, PyObject *state)
{
    if (!PyDict_Check(state)) {
        PyErr_SetString(PyExc_TypeError, "Postbox state must be a dict");
        return NULL;
    }
    PyObject *count, *ch;
    /* Check everything before changing anything. */
    if (PyDict_GetItemStringRef(state, "count", &count) < 0
        || PyDict_GetItemStringRef(state, "channel", &ch) < 0) {
        return NULL;
    }
    long n = 0;
    if (count != NULL) {
        n = PyLong_AsLong(count);
        Py_DECREF(count);
        if (n == -1 && PyErr_Occurred()) {
            Py_XDECREF(ch);
            return NULL;
        }
        if (n < 0) {
            PyErr_SetString(PyExc_ValueError,
                            "Postbox count must not be negative");
            Py_XDECREF(ch);
            return NULL;
        }
    }
    if (ch != NULL && !PyChannel_Check(ch)) {
        PyErr_SetString(PyExc_TypeError,
                        "Postbox channel must be a stackless channel");
        Py_DECREF(ch);
        return NULL;
    }
    self->count = n;
    if (ch != NULL) {
        Py_XSETREF(self->channel, (PyChannelObject *)ch);
    }
    Py_RETURN_NONE;
}

static PyObject *
postbox_get_count(PostboxObject *self, void *Py_UNUSED(closure))
{
    return PyLong_FromLong(self->count);
}

static PyObject *
postbox_get_channel(PostboxObject *self, void *Py_UNUSED(closure))
{
    PyChannelObject *ch = postbox_channel(self);
    return ch ? Py_NewRef((PyObject *)ch) : NULL;
}

static PyMethodDef postbox_methods[] = {
    {"put", (PyCFunction)postbox_put, METH_O | METH_STACKLESS,
     PyDoc_STR("put($self, value, /)\n--\n\n"
               "Hand value to the next getter, waiting for one.")},
    {"__reduce__", (PyCFunction)postbox_reduce, METH_NOARGS, NULL},
    {"__setstate__", (PyCFunction)postbox_setstate, METH_O, NULL},
    {NULL, NULL}
};

static PyGetSetDef postbox_getset[] = {
    {"count", (getter)postbox_get_count, NULL,
     PyDoc_STR("How many values get() and get_many() have handed out."),
     NULL},
    {"channel", (getter)postbox_get_channel, NULL,
     PyDoc_STR("The stackless channel inside."), NULL},
    {NULL}
};

static PyTypeObject Postbox_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "postbox.Postbox",
    .tp_basicsize = sizeof(PostboxObject),
    .tp_dealloc = (destructor)postbox_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = PyDoc_STR("Postbox()\n--\n\n"
                        "A channel that C code receives from softly."),
    .tp_traverse = (traverseproc)postbox_traverse,
    .tp_clear = (inquiry)postbox_clear,
    .tp_methods = postbox_methods,
    .tp_getset = postbox_getset,
    .tp_new = postbox_new,
};

/* ------------------------------------------------------------------ */
/* The soft-switchable receive */

/* The state of one get()/get_many() call, kept by the interpreter in a
   C-frame object between entries, so that it pickles:
     ob1    the Postbox
     ob2    get_many(): the list of values so far; get(): NULL
     n      get_many(): how many values are still to come
     step   0: not started; 1: a receive was started, and `retval` is
            its result when we are entered
   `any` stays NULL: a C pointer could not be pickled. */
static PyObject *
receive_sfunc(PyObject *retval, long *step, PyObject **ob1, PyObject **ob2,
              PyObject **ob3, long *n, void **any)
{
    /* A loaded pickle may hold anything: check before casting. */
    if (*ob1 == NULL || !Postbox_Check(*ob1)
        || (*ob2 != NULL && !PyList_CheckExact(*ob2))) {
        PyErr_SetString(PyExc_TypeError, "postbox: corrupt receive state");
        return NULL;
    }
    PostboxObject *box = (PostboxObject *)*ob1;
    PyObject *value = NULL;

    if (*step == 1) {
        /* Re-entered: the receive we unwound from is done.  NULL means
           it raised (kill(), send_exception()); let that propagate. */
        if (retval == NULL) {
            return NULL;
        }
        value = Py_NewRef(retval);
    }
    else if (*step != 0) {
        PyErr_Format(PyExc_SystemError, "postbox: bad step %ld", *step);
        return NULL;
    }
    for (;;) {
        if (value == NULL) {
            PyChannelObject *ch = postbox_channel(box);
            if (ch == NULL) {
                return NULL;
            }
            /* Set before the call: if it unwinds, the next entry must
               know that a receive is under way. */
            *step = 1;
            value = PyChannel_Receive_nr(ch);
            if (value == NULL) {
                return NULL;
            }
            if (STACKLESS_UNWINDING(value)) {
                /* Waiting softly: return at once; we are entered again
                   with the value when a sender comes. */
                return value;
            }
            /* A sender was waiting, or we were not called from Python
               code and the receive switched hard: the value is here. */
        }
        box->count++;
        if (*ob2 == NULL) {
            return value;
        }
        int err = PyList_Append(*ob2, value);
        Py_CLEAR(value);
        if (err < 0) {
            return NULL;
        }
        if (--*n <= 0) {
            return Py_NewRef(*ob2);
        }
    }
}

/* The declaration must stay reachable as an attribute of the module
   (name "_receive"): a C-frame pickles it by name. */
static PyStacklessFunctionDeclarationObject receive_decl = {
    PyObject_HEAD_INIT(NULL)
    receive_sfunc,
    "_receive",
    NULL,
};

/* get(box): METH_STACKLESS, so that PyStackless_CallFunction() may return
   the unwind token, which we pass on untouched. */
static PyObject *
postbox_get(PyObject *module, PyObject *box)
{
    if (!Postbox_Check(box)) {
        PyErr_Format(PyExc_TypeError, "get() argument must be a Postbox, "
                     "not %.100s", Py_TYPE(box)->tp_name);
        return NULL;
    }
    return PyStackless_CallFunction(&receive_decl, Py_None, box, NULL, NULL,
                                    1, NULL);
}

static PyObject *
postbox_get_many(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError,
                     "get_many() takes exactly 2 arguments (%zd given)",
                     nargs);
        return NULL;
    }
    PyObject *box = args[0];
    if (!Postbox_Check(box)) {
        PyErr_Format(PyExc_TypeError, "get_many() argument 1 must be a "
                     "Postbox, not %.100s", Py_TYPE(box)->tp_name);
        return NULL;
    }
    long count = PyLong_AsLong(args[1]);
    if (count == -1 && PyErr_Occurred()) {
        return NULL;
    }
    PyObject *values = PyList_New(0);
    if (values == NULL) {
        return NULL;
    }
    if (count <= 0) {
        return values;
    }
    PyObject *r = PyStackless_CallFunction(&receive_decl, Py_None, box,
                                           values, NULL, count, NULL);
    Py_DECREF(values);      /* the C-frame holds its own reference */
    return r;
}

static PyMethodDef module_methods[] = {
    {"get", (PyCFunction)postbox_get, METH_O | METH_STACKLESS,
     PyDoc_STR("get($module, box, /)\n--\n\n"
               "Wait for the next value put into box and return it.")},
    {"get_many", (PyCFunction)(void (*)(void))postbox_get_many,
     METH_FASTCALL | METH_STACKLESS,
     PyDoc_STR("get_many($module, box, count, /)\n--\n\n"
               "Wait for count values put into box; return them as a "
               "list.")},
    {NULL, NULL}
};

/* ------------------------------------------------------------------ */
/* The module */

static struct PyModuleDef postbox_module;

static int
postbox_exec(PyObject *module)
{
    if (PyType_Ready(&Postbox_Type) < 0) {
        return -1;
    }
    if (PyModule_AddObjectRef(module, "Postbox",
                              (PyObject *)&Postbox_Type) < 0) {
        return -1;
    }
    /* Sets the declaration's type and module name and adds it to the
       module as "_receive". */
    if (PyStackless_InitFunctionDeclaration(&receive_decl, module,
                                            &postbox_module) < 0) {
        return -1;
    }
    return 0;
}

static PyModuleDef_Slot postbox_slots[] = {
    {Py_mod_exec, postbox_exec},
    /* Static types and a static declaration: one interpreter only. */
    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED},
    {0, NULL}
};

static struct PyModuleDef postbox_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "postbox",
    .m_doc = "Postboxes received from softly by C code (Stackless C API "
             "example).",
    .m_size = 0,
    .m_methods = module_methods,
    .m_slots = postbox_slots,
};

PyMODINIT_FUNC
PyInit_postbox(void)
{
    return PyModuleDef_Init(&postbox_module);
}
