/* C stack slices; see cstack.h.  The switching itself is one assembly
 * routine per platform (slp_platform.h); this file decides what to copy. */

#include "cstack.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if SLP_HARD_SWITCH
#  include "slp_platform.h"
/* Platform routines (switch_*.S). */
extern void *_PySlp_switch(void *(*save)(void *, void *),
                           void (*restore)(void *), void *arg);
extern void _PySlp_init_image(void *image,
                              void (*fn)(void *, void *), void *arg);
#else
/* Soft-only: no target routine.  Keeping the rest of this file (buffers,
   reservations) lets callers stay free of #ifdefs; reaching a switch is a
   bug of the caller, so it stops the process loudly. */
#  define SLP_START_IMAGE_SIZE 16
#  define SLP_STACK_ALIGN 16
static void
no_switch_routine(void)
{
    fputs("Stackless: C stack switch requested in a soft-only build\n",
          stderr);
    abort();
}

static void *
_PySlp_switch(void *(*save)(void *, void *), void (*restore)(void *),
              void *arg)
{
    (void)save; (void)restore; (void)arg;
    no_switch_routine();
    return NULL;
}

static void
_PySlp_init_image(void *image, void (*fn)(void *, void *), void *arg)
{
    (void)image; (void)fn; (void)arg;
    no_switch_routine();
}
#endif

#if defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define SLP_ASAN 1
#  endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#  define SLP_ASAN 1
#endif
#ifdef SLP_ASAN
#  include <sanitizer/asan_interface.h>
#  define SLP_NO_ASAN __attribute__((no_sanitize_address))
#else
#  define SLP_NO_ASAN
#endif

/* What one switch does.  It must not live on the stack: the stack is
   rewritten halfway through the switch.  One per thread. */
typedef struct {
    _PySlp_CStack *from;
    _PySlp_CStack *to;
    void *value;
} transfer;

static _Thread_local transfer current_transfer;

#ifdef SLP_ASAN
/* The lowest stack pointer any context of this thread switched away
   from.  The frames of a suspended or dropped context leave their
   redzones poisoned in the shadow memory; whoever runs there next must
   not find them (see restore_slice). */
static _Thread_local char *lowest_switch_sp;
#endif

/* Stack frames of other contexts carry the sanitizer's redzones; copying
   them is not a bug, so the copy must not be instrumented. */
static SLP_NO_ASAN void
copy_bytes(char *dst, const char *src, size_t n)
{
    /* memcpy may be intercepted by the sanitizer: copy by hand there. */
#ifdef SLP_ASAN
    while (n--) {
        *dst++ = *src++;
    }
#else
    memcpy(dst, src, n);
#endif
}

static void *(*copy_realloc)(void *, size_t) = realloc;
static void (*copy_free)(void *) = free;

void
_PySlp_cstack_set_allocator(void *(*realloc_fn)(void *, size_t),
                            void (*free_fn)(void *))
{
    copy_realloc = realloc_fn;
    copy_free = free_fn;
}

/* Room in cs->copy for `size` bytes, and `slack` more if it must grow:
   a context that deepens a little at a time should not reallocate on
   every switch. */
static int
reserve(_PySlp_CStack *cs, size_t size, size_t slack)
{
    if (size <= cs->capacity) {
        return 0;
    }
    char *copy = copy_realloc(cs->copy, size + slack);
    if (copy == NULL) {
        return -1;
    }
    cs->copy = copy;
    cs->capacity = size + slack;
    return 0;
}

/* A suspended context may stay so for a long time (a server holds many
   tasklets blocked with C state): its buffer keeps little more than what
   it holds.  Switch paths reserve room before a switch (the context's
   depth plus a margin), so the next switch grows it again if need be. */
#define SLACK 256

static void
trim(_PySlp_CStack *cs, size_t size)
{
    if (cs->capacity > size + 4 * SLACK) {
        char *copy = copy_realloc(cs->copy, size + SLACK);
        if (copy != NULL) {         /* else keep the larger one */
            cs->copy = copy;
            cs->capacity = size + SLACK;
        }
    }
}

static void *
save_slice(void *sp, void *arg)
{
    transfer *t = arg;
    _PySlp_CStack *from = t->from;
#ifdef SLP_ASAN
    if (lowest_switch_sp == NULL || (char *)sp < lowest_switch_sp) {
        lowest_switch_sp = sp;
    }
#endif
    if (from != NULL) {
        /* A context may switch from above its base (a thread's first
           context, when it returned past the point where the base was
           chosen): nothing of it lies where others run then. */
        size_t size = (char *)sp < from->base
                      ? (size_t)(from->base - (char *)sp) : 0;
        if (reserve(from, size, SLACK) < 0) {
            return NULL;
        }
        trim(from, size);
        copy_bytes(from->copy, sp, size);
        from->sp = sp;
    }
    return t->to->sp;
}

static void
restore_slice(void *arg)
{
    transfer *t = arg;
    _PySlp_CStack *to = t->to;
    size_t size = to->sp < to->base ? (size_t)(to->base - to->sp) : 0;
#ifdef SLP_ASAN
    /* The shadow still describes whatever ran here last: the restored
       slice, and below it everything other contexts' frames poisoned. */
    char *low = lowest_switch_sp && lowest_switch_sp < to->sp
                ? lowest_switch_sp : to->sp;
    __asan_unpoison_memory_region(low, (size_t)(to->sp - low) + size);
#endif
    copy_bytes(to->sp, to->copy, size);
    to->sp = NULL;
}

/* The first code a new context runs: the trampoline hands it the
   switch's raw result (this thread's transfer record) and the context. */
static void
start_context(void *record, void *arg)
{
    _PySlp_CStack *cs = arg;
    cs->start(((transfer *)record)->value, cs->start_arg);
}

int
_PySlp_cstack_reserve(_PySlp_CStack *cs, size_t size)
{
    return reserve(cs, size ? size : SLP_START_IMAGE_SIZE, 0);
}

int
_PySlp_cstack_init(_PySlp_CStack *cs, void *base,
                   void (*fn)(void *, void *), void *arg)
{
    uintptr_t top = (uintptr_t)base & ~(uintptr_t)(SLP_STACK_ALIGN - 1);
    cs->base = (char *)top;
    cs->sp = NULL;
    /* A buffer left from an earlier use is reused. */
    cs->start = fn;
    cs->start_arg = arg;
    if (reserve(cs, SLP_START_IMAGE_SIZE, 0) < 0) {
        return -1;
    }
    _PySlp_init_image(cs->copy, start_context, cs);
    cs->sp = cs->base - SLP_START_IMAGE_SIZE;
    return 0;
}

void
_PySlp_cstack_init_running(_PySlp_CStack *cs, void *base)
{
    cs->base = base;
    cs->sp = NULL;
    cs->start = NULL;
    cs->start_arg = NULL;
}

void *
_PySlp_cstack_switch(_PySlp_CStack *from, _PySlp_CStack *to, void *value)
{
    transfer *t = &current_transfer;
    t->from = from;
    t->to = to;
    t->value = value;
    if (_PySlp_switch(save_slice, restore_slice, t) == NULL) {
        return NULL;
    }
    /* Resumed: `t` is this thread's record, filled by whoever switched
       to us; our own locals are back as they were. */
    return current_transfer.value;
}

void
_PySlp_cstack_clear(_PySlp_CStack *cs)
{
    copy_free(cs->copy);
    cs->copy = NULL;
    cs->capacity = 0;
    cs->sp = NULL;
}
