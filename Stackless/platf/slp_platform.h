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
#elif defined(__x86_64__) && defined(__APPLE__)
   /* The same in Mach-O (switch_x86_64_macho.S): mxcsr + x87 control word
      (8), rbx rbp r12-r15 (48), return address. */
#  define SLP_START_IMAGE_SIZE 64
#elif defined(__x86_64__) && defined(_WIN64)
   /* Microsoft x64 (mingw-w64): xmm6-xmm15 (160), mxcsr + x87 control word
      (8), rbx rbp rdi rsi r12-r15 (64), return address, a null return
      address for the trampoline and padding (16). */
#  define SLP_START_IMAGE_SIZE 256
#elif defined(__aarch64__) && defined(__ELF__)
   /* x29 x30 (16), x19-x28 (80), d8-d15 (64), fpcr + padding (16). */
#  define SLP_START_IMAGE_SIZE 176
#elif defined(__aarch64__) && defined(__APPLE__)
   /* The same in Mach-O (switch_aarch64_macho.S): x29 x30 (16), x19-x28
      (80), d8-d15 (64), fpcr + padding (16). */
#  define SLP_START_IMAGE_SIZE 176
#elif defined(__i386__) && defined(__ELF__)
   /* mxcsr + x87 control word + padding (12), edi esi ebx ebp (16),
      return address. */
#  define SLP_START_IMAGE_SIZE 32
#elif defined(__arm__) && defined(__ELF__) && defined(__ARM_FP)
   /* d8-d15 (64), fpscr + padding (12), r4-r11 and lr (36). */
#  define SLP_START_IMAGE_SIZE 112
#elif defined(__riscv) && defined(__ELF__) && __riscv_xlen == 64 \
      && defined(__riscv_float_abi_double)
   /* ra s0-s11 (104), fs0-fs11 (96), fcsr + padding (8). */
#  define SLP_START_IMAGE_SIZE 208
#elif defined(__powerpc64__) && defined(__ELF__) && defined(_CALL_ELF) \
      && _CALL_ELF == 2 && defined(__ALTIVEC__)
   /* r14-r31 (144), f14-f31 (144), v20-v31 (192), r2 lr cr fpscr (32). */
#  define SLP_START_IMAGE_SIZE 512
#elif defined(__s390x__) && defined(__ELF__)
   /* r6-r14 (72), f8-f15 (64), fpc + padding (8). */
#  define SLP_START_IMAGE_SIZE 144
#else
#  error "Stackless: no stack switching code for this target. Supported: x86-64 (ELF, Mach-O, Windows with mingw-w64), AArch64 (ELF, Mach-O), i386 ELF, 32-bit ARM ELF with VFP, riscv64 LP64D ELF, ppc64 ELFv2 with AltiVec (ppc64le), s390x ELF. Either port one assembly file, Stackless/platf/switch_<arch>.S (see slp_platform.h), or configure the soft-only build with --without-hard-switch."
#endif

/* Stack pointers handed to _PySlp_switch are aligned to this. */
#define SLP_STACK_ALIGN 16

#endif /* SLP_PLATFORM_H */
