/* Stack slicing primitive for 32-bit ARM, AAPCS with VFP (armhf).  See
 * slp_platform.h.
 *
 * Saved per context: r4-r11 (callee-saved; r9 too, it is one on Linux),
 * the link register, d8-d15 (callee-saved by the VFP procedure call
 * standard; d16-d31 are not) and FPSCR (rounding mode, flush-to-zero,
 * default NaN).
 *
 * Assembled in the instruction set the compiler defaults to: Thumb-2 with
 * Debian's armhf compiler, ARM elsewhere.  The symbols are typed %function,
 * so the linker and `adr` mark Thumb code, and every transfer is an
 * interworking one (blx, pop into pc).
 *
 * Stack: 8-byte aligned at calls per AAPCS; the frame is a multiple of 16,
 * so a context's first call (the trampoline's) is 16-byte aligned.  Unwind
 * tables: EHABI (.fnstart, .save, .cantunwind) for the runtime unwinder,
 * CFI in .debug_frame for debuggers.
 */
#include "slp_platform.h"

#if defined(__arm__)

        .syntax unified
#if defined(__thumb2__)
        .thumb
#else
        .arm
#endif
        .cfi_sections .debug_frame

        .text

/* Frame, from sp: d8-d15 (64), FPSCR and padding (12), r4-r11 and lr (36). */
        .globl  _PySlp_switch
        .hidden _PySlp_switch
        .type   _PySlp_switch, %function
        .p2align 2
_PySlp_switch:
        .fnstart
        .cfi_startproc
        push    {r4-r11, lr}
        .save   {r4-r11, lr}
        .cfi_adjust_cfa_offset 36
        .cfi_offset r4, -36
        .cfi_offset r5, -32
        .cfi_offset r6, -28
        .cfi_offset r7, -24
        .cfi_offset r8, -20
        .cfi_offset r9, -16
        .cfi_offset r10, -12
        .cfi_offset r11, -8
        .cfi_offset lr, -4
        sub     sp, sp, #12
        .pad    #12
        .cfi_adjust_cfa_offset 12
        vpush   {d8-d15}
        .vsave  {d8-d15}
        .cfi_adjust_cfa_offset 64
        vmrs    r4, fpscr
        str     r4, [sp, #64]

        mov     r4, r1                  /* restore: keep across the call */
        mov     r5, r2                  /* arg: likewise */
        mov     r3, r0
        mov     r0, sp                  /* save(sp, arg) */
        mov     r1, r5
        blx     r3
        cmp     r0, #0
        beq     1f                      /* save refused: stay, return NULL */

        mov     sp, r0                  /* now on the target's stack */
        mov     r0, r5
        blx     r4                      /* restore(arg) refills it above sp */
        mov     r0, r5                  /* the target's call returns arg */
1:
        ldr     r4, [sp, #64]
        vmsr    fpscr, r4
        vpop    {d8-d15}
        add     sp, sp, #12
        pop     {r4-r11, pc}
        .cfi_endproc
        .fnend
        .size   _PySlp_switch, .-_PySlp_switch

/* The image _PySlp_switch pops for a context that never ran: r4 = fn,
   r5 = arg, lr = the trampoline (pop loads it into pc), FPSCR = ours. */
        .globl  _PySlp_init_image
        .hidden _PySlp_init_image
        .type   _PySlp_init_image, %function
        .p2align 2
_PySlp_init_image:
        .fnstart
        .cfi_startproc
        mov     r12, r2                 /* arg; r2 r3 become a zero pair */
        mov     r2, #0
        mov     r3, #0
        strd    r2, r3, [r0, #0]        /* d8-d15 */
        strd    r2, r3, [r0, #8]
        strd    r2, r3, [r0, #16]
        strd    r2, r3, [r0, #24]
        strd    r2, r3, [r0, #32]
        strd    r2, r3, [r0, #40]
        strd    r2, r3, [r0, #48]
        strd    r2, r3, [r0, #56]
        vmrs    r2, fpscr
        strd    r2, r3, [r0, #64]       /* FPSCR, padding */
        mov     r2, #0
        str     r2, [r0, #72]
        str     r1, [r0, #76]           /* r4 = fn */
        str     r12, [r0, #80]          /* r5 = arg */
        strd    r2, r3, [r0, #84]       /* r6 r7 */
        strd    r2, r3, [r0, #92]       /* r8 r9 */
        strd    r2, r3, [r0, #100]      /* r10 r11 */
        adr     r3, slp_start_trampoline
#if defined(__thumb__)
        orr     r3, r3, #1              /* Thumb code (gas may have set it) */
#endif
        str     r3, [r0, #108]          /* lr */
        bx      lr
        .cfi_endproc
        .fnend
        .size   _PySlp_init_image, .-_PySlp_init_image

/* Entered by `pop {..., pc}` with sp 16-byte aligned and r0 = the switch's
   value.  It is the outermost frame of its context: unwinders stop here. */
        .type   slp_start_trampoline, %function
        .p2align 2
slp_start_trampoline:
        .fnstart
        .cantunwind
        .cfi_startproc
        .cfi_undefined lr
        mov     r1, r5                  /* fn(value, arg) */
        blx     r4
        udf     #0                      /* fn must not return */
        .cfi_endproc
        .fnend
        .size   slp_start_trampoline, .-slp_start_trampoline

#endif /* __arm__ */

        .section .note.GNU-stack,"",%progbits
