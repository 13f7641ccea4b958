/* Stack slicing: the platform layer.
 *
 * Included by C and by the assembly files (.S), so only preprocessor
 * definitions live here.  Each supported target provides, in its .S file:
 *
 *   void *_PySlp_switch(void *(*save)(void *sp, void *arg),
 *                       void (*restore)(void *arg), void *arg);
 *       Pushes the callee-saved registers (integer, floating point and the
 *       FP control word) on the stack, calls save(sp, arg) with the
 *       resulting stack pointer, and if save returns NULL returns NULL at
 *       once (nothing switched).  Otherwise it moves the stack pointer to
 *       the returned address, calls restore(arg) -- whose frame lies below
 *       that address, so restore may rewrite everything above it -- pops the
 *       registers found there and returns `arg` into the context that had
 *       saved them.
 *
 *   void _PySlp_init_image(void *image, void (*fn)(void *value, void *arg),
 *                          void *arg);
 *       Writes SLP_START_IMAGE_SIZE bytes: a stack image that, switched to
 *       like a suspended context, calls fn(value, arg) where value is what
 *       the switch returned.  fn must never return: a finished context
 *       switches away for good (returning traps).
 */

#ifndef SLP_PLATFORM_H
#define SLP_PLATFORM_H

#if defined(__x86_64__) && defined(__ELF__)
   /* mxcsr + x87 control word (8), rbx rbp r12-r15 (48), return address. */
#  define SLP_START_IMAGE_SIZE 64
#elif defined(__aarch64__) && defined(__ELF__)
   /* x29 x30 (16), x19-x28 (80), d8-d15 (64), fpcr + padding (16). */
#  define SLP_START_IMAGE_SIZE 176
#else
#  error "Stackless: no stack switching code for this target. Supported: x86-64 and AArch64 ELF (Linux). Porting means one assembly file in Stackless/platf/."
#endif

/* Stack pointers handed to _PySlp_switch are aligned to this. */
#define SLP_STACK_ALIGN 16

#endif /* SLP_PLATFORM_H */
