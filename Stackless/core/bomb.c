/* stackless.bomb: an exception in a bottle.  A bomb in a
 * tasklet's tempval, or sent over a channel, raises when it is taken. */

#include "slp_core.h"

typedef struct {
    PyObject_HEAD
    PyObject *type;
    PyObject *value;
    PyObject *traceback;
} PyBombObject;

static PyObject *
make(PyTypeObject *cls, PyObject *type, PyObject *value, PyObject *tb)
{
    PyBombObject *b = PyObject_GC_New(PyBombObject, cls);
    if (b == NULL) {
        return NULL;
    }
    b->type = Py_NewRef(type ? type : Py_None);
    b->value = Py_NewRef(value ? value : Py_None);
    b->traceback = Py_NewRef(tb ? tb : Py_None);
    PyObject_GC_Track(b);
    return (PyObject *)b;
}

PyObject *
_PySlp_MakeBomb(PyObject *exc)
{
    PyObject *tb = PyException_GetTraceback(exc);
    PyObject *b = make(&PyBomb_Type, (PyObject *)Py_TYPE(exc), exc, tb);
    Py_XDECREF(tb);
    return b;
}

/* An empty bomb, made in advance for _PySlp_BombFill(). */
PyObject *
_PySlp_NewBomb(void)
{
    return make(&PyBomb_Type, NULL, NULL, NULL);
}

/* Load `exc` into a bomb made in advance: needs no memory, so that an
   exception can be delivered where none may be left. */
void
_PySlp_BombFill(PyObject *bomb, PyObject *exc)
{
    PyBombObject *b = (PyBombObject *)bomb;
    PyObject *tb = PyException_GetTraceback(exc);
    Py_XSETREF(b->type, Py_NewRef((PyObject *)Py_TYPE(exc)));
    Py_XSETREF(b->value, Py_NewRef(exc));
    Py_XSETREF(b->traceback, tb ? tb : Py_NewRef(Py_None));
}

void
_PySlp_RaiseBomb(PyObject *bomb)
{
    PyBombObject *b = (PyBombObject *)bomb;
    if (!PyExceptionClass_Check(b->type)) {
        PyErr_Format(PyExc_TypeError,
                     "exceptions must be classes, or instances, not %s",
                     Py_TYPE(b->type)->tp_name);
        return;
    }
    PyObject *tb = b->traceback == Py_None ? NULL : b->traceback;
    PyObject *value = b->value;
    if (PyExceptionInstance_Check(value)) {
        if (tb != NULL) {
            PyException_SetTraceback(value, tb);
        }
        PyErr_SetRaisedException(Py_NewRef(value));
        return;
    }
    /* A class and a separate value: raise semantics make the instance. */
    PyErr_Restore(Py_NewRef(b->type), Py_NewRef(value), Py_XNewRef(tb));
}

static PyObject *
bomb_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"type", "value", "traceback", NULL};
    PyObject *t = NULL, *v = NULL, *tb = NULL;
    /* bomb(sys.exc_info()): one tuple is the triple. */
    if (kwds == NULL && PyTuple_GET_SIZE(args) == 1
        && PyTuple_Check(PyTuple_GET_ITEM(args, 0)))
    {
        args = PyTuple_GET_ITEM(args, 0);
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OOO:bomb", kwlist,
                                     &t, &v, &tb)) {
        return NULL;
    }
    return make(type, t, v, tb);
}

static int
bomb_traverse(PyBombObject *b, visitproc visit, void *arg)
{
    Py_VISIT(b->type);
    Py_VISIT(b->value);
    Py_VISIT(b->traceback);
    return 0;
}

static int
bomb_clear(PyBombObject *b)
{
    Py_CLEAR(b->type);
    Py_CLEAR(b->value);
    Py_CLEAR(b->traceback);
    return 0;
}

static void
bomb_dealloc(PyBombObject *b)
{
    PyObject_GC_UnTrack(b);
    bomb_clear(b);
    Py_TYPE(b)->tp_free(b);
}

static PyObject *
bomb_reduce(PyBombObject *b, PyObject *Py_UNUSED(ignored))
{
    /* A traceback does not pickle: the triple goes without it. */
    return Py_BuildValue("O(OOO)", Py_TYPE(b), b->type, b->value, Py_None);
}

static PyMethodDef bomb_methods[] = {
    {"__reduce__", (PyCFunction)bomb_reduce, METH_NOARGS,
     PyDoc_STR("__reduce__($self, /)\n--\n\nPickling support.")},
    {NULL, NULL},
};

static PyMemberDef bomb_members[] = {
    {"type", _Py_T_OBJECT, offsetof(PyBombObject, type), Py_READONLY,
     PyDoc_STR("the exception class")},
    {"value", _Py_T_OBJECT, offsetof(PyBombObject, value), Py_READONLY,
     PyDoc_STR("the exception instance or argument")},
    {"traceback", _Py_T_OBJECT, offsetof(PyBombObject, traceback),
     Py_READONLY, PyDoc_STR("the traceback or None")},
    {NULL},
};

PyDoc_STRVAR(bomb_doc,
"bomb(type=None, value=None, traceback=None)\n"
"--\n"
"\n"
"An exception waiting to be raised: put into a tasklet's tempval or sent\n"
"over a channel, it is raised where the tasklet resumes.");

PyTypeObject PyBomb_Type = {
    PyVarObject_HEAD_INIT(&PyType_Type, 0)
    .tp_name = "stackless.bomb",
    .tp_basicsize = sizeof(PyBombObject),
    .tp_dealloc = (destructor)bomb_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = bomb_doc,
    .tp_traverse = (traverseproc)bomb_traverse,
    .tp_clear = (inquiry)bomb_clear,
    .tp_methods = bomb_methods,
    .tp_members = bomb_members,
    .tp_new = bomb_new,
    .tp_free = PyObject_GC_Del,
};
