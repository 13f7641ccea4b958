/* C stack slices: suspend a flow of control by copying its part of the C
 * stack to the heap, resume it by copying it back to the same addresses.
 *
 * Every context of a thread runs on that thread's one C stack.  A context
 * owns the stack between its stack pointer and its `base`; all the bytes
 * of [sp, base) are saved when it is suspended and put back where they were
 * when it resumes, so pointers into its own frames stay valid.  Everything
 * above the highest base of a thread is shared and never touched.
 *
 * This file knows nothing of Python; tests/cstack exercises it alone.
 */

#ifndef SLP_CSTACK_H
#define SLP_CSTACK_H

#include <stddef.h>

/* Whether this build slices C stacks at all.  A soft-only build
   (configure --without-hard-switch; docs/architecture.md, D47) has no
   switch routine: _PySlp_cstack_init() and _PySlp_cstack_switch() abort
   there, and the interpreter never calls them. */
#ifdef SLP_SOFT_ONLY
#  define SLP_HARD_SWITCH 0
#else
#  define SLP_HARD_SWITCH 1
#endif

typedef struct _PySlp_CStack {
    char *base;         /* the context never uses the stack at or above */
    char *sp;           /* its stack pointer while suspended, else NULL */
    char *copy;         /* heap copy of [sp, base) while suspended */
    size_t capacity;    /* bytes allocated at `copy`, kept for reuse */
    void (*start)(void *value, void *arg);  /* run on first resumption */
    void *start_arg;
} _PySlp_CStack;

/* A context that starts running fn(value, arg) on its first resumption,
   with its stack beginning just below `base`.  `cs` must be zeroed or
   cleared, or a context that may be re-initialised (its buffer is kept).  fn must not return; a
   context ends with _PySlp_cstack_switch(NULL, next, value).
   Returns 0, or -1 when out of memory. */
int _PySlp_cstack_init(_PySlp_CStack *cs, void *base,
                       void (*fn)(void *value, void *arg), void *arg);

/* Make sure `cs` can save `size` bytes (or, with size 0, take a start
   image) without allocating: switch paths that must not fail reserve
   first.  Returns 0, or -1 when out of memory. */
int _PySlp_cstack_reserve(_PySlp_CStack *cs, size_t size);

/* The running context: it has a base, no saved copy.  `base` must lie
   above every frame it will switch from (e.g. near the thread's start). */
void _PySlp_cstack_init_running(_PySlp_CStack *cs, void *base);

/* Suspend `from` (NULL: it is finished and is dropped) and resume `to`,
   which must be suspended.  Returns, in `from` when something resumes it,
   the `value` that resumer passed; NULL if `from` could not be saved (out
   of memory): nothing switched then.  value must not be NULL. */
void *_PySlp_cstack_switch(_PySlp_CStack *from, _PySlp_CStack *to,
                           void *value);

/* The allocator of saved copies: libc's unless set, once, before the
   first context is made.  The interpreter sets its own, so that memory
   accounting and allocation-failure tests see these buffers too. */
void _PySlp_cstack_set_allocator(void *(*realloc_fn)(void *, size_t),
                                 void (*free_fn)(void *));

/* Release the saved copy of a suspended context that will never run. */
void _PySlp_cstack_clear(_PySlp_CStack *cs);

#endif /* SLP_CSTACK_H */
