/* The C API: channels (stackless_api.h; docs/c-api.md, "Channels"). */

#include "slp_capi.h"

PyChannelObject *
PyChannel_New(PyTypeObject *type)
{
    if (_PySlp_CapiReady() < 0) {
        return NULL;
    }
    if (type == NULL) {
        type = &PyChannel_Type;
    }
    if (!PyType_IsSubtype(type, &PyChannel_Type)) {
        PyErr_SetString(PyExc_TypeError,
                        "channel_new: type must be subtype of channel");
        return NULL;
    }
    return (PyChannelObject *)PyObject_CallNoArgs((PyObject *)type);
}

/* A transfer; `nr`: it may switch softly (docs/c-api.md, "_nr"). */
static PyObject *
action(PyChannelObject *ch, int dir, PyObject *value, int nr)
{
    if (!nr) {
        PySlp_HardOnly h;
        _PySlp_HardOnlyBegin(&h);
        PyObject *r = _PySlp_ChannelAction(ch, dir, value);
        _PySlp_HardOnlyEnd(&h);
        return r;
    }
    return _PySlp_ChannelAction(ch, dir, value);
}

int
PyChannel_Send(PyChannelObject *self, PyObject *arg)
{
    return _PySlp_DoneOrError(action(self, 1, arg, 0));
}

int
PyChannel_Send_nr(PyChannelObject *self, PyObject *arg)
{
    return _PySlp_UnwoundDoneOrError(action(self, 1, arg, 1));
}

PyObject *
PyChannel_Receive(PyChannelObject *self)
{
    return action(self, -1, NULL, 0);
}

PyObject *
PyChannel_Receive_nr(PyChannelObject *self)
{
    return action(self, -1, NULL, 1);
}

/* select(): as the module function (reference 7.6). */
PyObject *
PyChannel_Select(PyObject *ops, int block)
{
    if (_PySlp_CapiReady() < 0) {
        return NULL;
    }
    PySlp_HardOnly h;
    _PySlp_HardOnlyBegin(&h);
    PyObject *r = _PySlp_Select(ops, block);
    _PySlp_HardOnlyEnd(&h);
    return r;
}

PyObject *
PyChannel_Select_nr(PyObject *ops, int block)
{
    if (_PySlp_CapiReady() < 0) {
        return NULL;
    }
    return _PySlp_Select(ops, block);
}

/* send_exception(klass, *value): the rules are the method's. */
int
PyChannel_SendException(PyChannelObject *self, PyObject *klass,
                        PyObject *value)
{
    PyObject *a = _PySlp_CapiExceptionArgs(klass, value,
                                           "PyChannel_SendException");
    if (a == NULL) {
        return -1;
    }
    int r = _PySlp_CapiCallMethod((PyObject *)self, "send_exception", a);
    Py_DECREF(a);
    return r;
}

int
PyChannel_SendThrow(PyChannelObject *self, PyObject *exc, PyObject *val,
                    PyObject *tb)
{
    if (exc == NULL) {
        PyErr_SetString(PyExc_TypeError,
                        "PyChannel_SendThrow needs an exception");
        return -1;
    }
    PyObject *a = PyTuple_Pack(3, exc, val ? val : Py_None,
                               tb ? tb : Py_None);
    if (a == NULL) {
        return -1;
    }
    int r = _PySlp_CapiCallMethod((PyObject *)self, "send_throw", a);
    Py_DECREF(a);
    return r;
}

PyObject *
PyChannel_GetQueue(PyChannelObject *self)
{
    return Py_NewRef(self->head ? (PyObject *)_PySlp_QueueOwner(self->head)
                                : Py_None);
}

void
PyChannel_Close(PyChannelObject *self)
{
    self->closing = 1;
}

void
PyChannel_Open(PyChannelObject *self)
{
    self->closing = 0;
}

int
PyChannel_GetClosing(PyChannelObject *self)
{
    return self->closing;
}

int
PyChannel_GetClosed(PyChannelObject *self)
{
    return self->closing && self->balance == 0;
}

int
PyChannel_GetPreference(PyChannelObject *self)
{
    return self->preference;
}

void
PyChannel_SetPreference(PyChannelObject *self, int val)
{
    self->preference = (val > 0) - (val < 0);
}

int
PyChannel_GetScheduleAll(PyChannelObject *self)
{
    return self->schedule_all;
}

void
PyChannel_SetScheduleAll(PyChannelObject *self, int val)
{
    self->schedule_all = val != 0;
}

int
PyChannel_GetBalance(PyChannelObject *self)
{
    return (int)self->balance;
}
