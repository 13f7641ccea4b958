/* Frame-stack chunks sized for tasklets.
 *
 * CPython keeps frames in chunks of at least 16 KiB, mapped from the OS
 * (push_chunk in Python/pystate.c).  One thread needs a few; a program
 * with 100,000 tasklets, each owning its chunks, would need 1.6 GB.  So a
 * tasklet's first chunk holds exactly its first frame, and each further
 * chunk doubles the last one, up to the stock 16 KiB, from where CPython's
 * own policy goes on.  Code outside tasklets (a thread's main tasklet)
 * keeps the stock policy, byte for byte.
 *
 * A small chunk is freed as soon as the frame at its base returns, so a
 * call that crosses a chunk boundary in a loop would allocate and free on
 * every iteration.  Each thread therefore keeps its last freed small chunk
 * as a spare and hands it out again when it fits closely enough.
 */

#include "slp_core.h"
#include "pycore_object.h"        // _PyObject_VirtualAlloc()

/* CPython's minimum chunk (DATA_STACK_CHUNK_SIZE in pystate.c). */
#define STOCK_CHUNK (16 * 1024)
#define CHUNK_HEADER offsetof(_PyStackChunk, data)

int
_PySlp_ChunkSize(PyThreadState *tstate, int nwords, int stock)
{
    PySlp_ThreadState *ts = _PySlp_TS(tstate);
    if (ts == NULL || ts->current == NULL || ts->current->is_main) {
        return stock;
    }
    _PyStackChunk *prev = tstate->datastack_chunk;
    /* The root chunk wastes its first word (push_chunk never pops it). */
    size_t need = CHUNK_HEADER + ((size_t)nwords + (prev == NULL))
                                 * sizeof(PyObject *);
    size_t want = prev != NULL ? 2 * prev->size : need;
    if (want < need) {
        want = need;
    }
    want = (want + 15) & ~(size_t)15;
    return want < STOCK_CHUNK ? (int)want : stock;
}

_PyStackChunk *
_PySlp_ChunkAlloc(PyThreadState *tstate, int size)
{
    _PyStackChunk *c;
    if (size >= STOCK_CHUNK) {
        c = _PyObject_VirtualAlloc(size);
    }
    else {
        PySlp_ThreadState *ts = tstate ? _PySlp_TS(tstate) : NULL;
        c = ts != NULL ? ts->spare_chunk : NULL;
        /* A spare up to twice the size will do; more would waste it. */
        if (c != NULL && c->size >= (size_t)size
            && c->size <= 2 * (size_t)size) {
            ts->spare_chunk = NULL;
            return c;
        }
        c = PyMem_Malloc(size);
    }
    if (c != NULL) {
        c->size = size;
    }
    return c;
}

void
_PySlp_ChunkFree(PyThreadState *tstate, _PyStackChunk *chunk)
{
    if (chunk->size >= STOCK_CHUNK) {
        _PyObject_VirtualFree(chunk, chunk->size);
        return;
    }
    PySlp_ThreadState *ts = tstate ? _PySlp_TS(tstate) : NULL;
    if (ts != NULL && ts->tstate == tstate) {
        /* Keep the larger of the two: calls deepen more than they narrow. */
        _PyStackChunk *old = ts->spare_chunk;
        if (old == NULL || old->size < chunk->size) {
            ts->spare_chunk = chunk;
            chunk = old;
        }
    }
    if (chunk != NULL) {
        PyMem_Free(chunk);
    }
}

/* The thread is done: its spare goes too. */
void
_PySlp_ChunkClearSpare(PySlp_ThreadState *ts)
{
    if (ts->spare_chunk != NULL) {
        PyMem_Free(ts->spare_chunk);
        ts->spare_chunk = NULL;
    }
}
