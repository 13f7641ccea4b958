/* A suspended tasklet's frame chain: what may be walked while it does not
 * run, what the garbage collector sees of it, and how it is dropped. */

#include "slp_core.h"
#include "pycore_pyerrors.h"      // _PyErr_ClearExcState()

/* Room in t->hard for the cuts of `chain`, so that cutting it cannot
   fail once a switch is under way.  -1 with MemoryError. */
int
_PySlp_ReserveCuts(PyTaskletObject *t, _PyInterpreterFrame *chain)
{
    PySlp_HardState *h = t->hard;
    int n = _PySlp_CountEntryFrames(chain);
    if (n <= h->cuts_capacity) {
        return 0;
    }
    PySlp_FrameCut *c = PyMem_Realloc(h->cuts, n * sizeof(*c));
    if (c == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    h->cuts = c;
    h->cuts_capacity = n;
    return 0;
}

/* Cut the C-stack entry frames out of the chain of a tasklet about to be
   suspended (D15): they live in the C stack slice that is going to be
   saved, and whoever runs next reuses those addresses.  frame.f_back,
   tracebacks and the GC then walk only frames on the data stack. */
void
_PySlp_CutEntryFrames(PyTaskletObject *t)
{
    _PyInterpreterFrame **slot = &t->state.current_frame;
    PySlp_HardState *h = t->hard;
    if (h != NULL) {
        h->ncuts = 0;
    }
    while (*slot != NULL) {
        _PyInterpreterFrame *f = *slot;
        if (f->owner == FRAME_OWNED_BY_CSTACK) {
            /* The room was reserved (_PySlp_ReserveCuts). */
            assert(h != NULL && h->ncuts < h->cuts_capacity);
            h->cuts[h->ncuts].slot = slot;
            h->cuts[h->ncuts].entry = f;
            h->ncuts++;
            *slot = f->previous;
            continue;
        }
        slot = &f->previous;
    }
}

void
_PySlp_RestoreEntryFrames(PyTaskletObject *t)
{
    PySlp_HardState *h = t->hard;
    if (h == NULL) {
        return;
    }
    for (int i = h->ncuts - 1; i >= 0; i--) {
        *h->cuts[i].slot = h->cuts[i].entry;
    }
    h->ncuts = 0;
}

/* Number of C-level interpreter invocations in a chain. */
int
_PySlp_CountEntryFrames(_PyInterpreterFrame *f)
{
    int n = 0;
    for (; f != NULL; f = f->previous) {
        n += f->owner == FRAME_OWNED_BY_CSTACK;
    }
    return n;
}

/* How many C-level interpreter invocations a tasklet has: its C state. */
int
_PySlp_NestingLevel(PyTaskletObject *t)
{
    PySlp_ThreadState *ts = t->ts;
    if (ts != NULL && ts->tstate != NULL && ts->current == t) {
        int n = _PySlp_CountEntryFrames(ts->tstate->current_frame);
        return n > 0 ? n - 1 : 0;
    }
    if (t->has_cstack && t->alive) {
        /* Suspended by a hard switch: its C stack is part of it. */
        int n = t->hard != NULL ? t->hard->ncuts : 0;
        return n > 0 ? n : 1;
    }
    return 0;
}

/* What a suspended tasklet's frames own (D16).  A frame suspended in a
   call to a Python function has saved its stack top; the top frame has if
   the stackless call that suspended it noted where its arguments end
   (call_top).  A frame suspended in any other C call has no valid stack
   top (stacktop is -1 while the eval loop runs): only its fast locals are
   visited, and the objects on its value stack count as externally
   referenced -- kept alive, never freed early.  Generator frames belong
   to their generator, which visits them. */
int
_PySlp_TraverseFrames(PyTaskletObject *t, visitproc visit, void *arg)
{
    PySlp_HardState *h = t->hard;
    for (_PyInterpreterFrame *f = t->state.current_frame; f;
         f = f->previous) {
        if (f->owner != FRAME_OWNED_BY_THREAD) {
            continue;
        }
        Py_VISIT(f->frame_obj);
        Py_VISIT(f->f_locals);
        Py_VISIT(f->f_funcobj);
        Py_VISIT(f->f_executable);
        PyCodeObject *co = _PyFrame_GetCode(f);
        Py_ssize_t n = co->co_nlocalsplus;
        if (h != NULL && f == h->call_frame && h->call_top != NULL) {
            n = h->call_top - f->localsplus;
        }
        else if (f->stacktop > n) {
            n = f->stacktop;
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            if (f->localsplus[i] != PySlp_UNWIND) {
                Py_VISIT(f->localsplus[i]);
            }
        }
    }
    return 0;
}

/* A parked tasklet's frames, dropped without running any code: it is
   rebound, or its thread is gone (orphans).  A generator or coroutine
   executing in the chain is closed on the way: its frame is cleared and
   unlinked, so it is no longer running and its f_back does not point into
   the frames freed here (user guide, "The life of a tasklet"). */
void
_PySlp_DropFrames(PyTaskletObject *t)
{
    _PyInterpreterFrame *f = t->state.current_frame;
    t->state.current_frame = NULL;
    /* Innermost first: a generator's frame goes before the caller's
       frame that holds the generator. */
    while (f != NULL) {
        _PyInterpreterFrame *prev = f->previous;
        if (f->owner == FRAME_OWNED_BY_THREAD) {
            _PyFrame_ClearExceptCode(f);
            Py_DECREF(f->f_executable);
        }
        else if (f->owner == FRAME_OWNED_BY_GENERATOR) {
            PyGenObject *gen = _PyFrame_GetGenerator(f);
            gen->gi_frame_state = FRAME_CLEARED;
            f->previous = NULL;
            gen->gi_exc_state.previous_item = NULL;
            _PyFrame_ClearExceptCode(f);
            _PyErr_ClearExcState(&gen->gi_exc_state);
        }
        f = prev;
    }
    t->base_frame = NULL;
    t->parked = 0;
    t->parked_at_check = 0;
    t->resume_hook = NULL;
    if (t->ts != NULL) {
        _PySlp_BegunUnlink(t->ts, t);
    }
}
