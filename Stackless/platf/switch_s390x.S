/* Stack slicing primitive for s390x, the z/Architecture ELF ABI.  See
 * slp_platform.h.
 *
 * Saved per context: r6-r13 (callee-saved; r11 is the frame pointer, r12
 * the GOT pointer), the return address r14, f8-f15 (callee-saved; they are
 * the callee-saved halves of v8-v15 too) and the floating point control
 * register FPC (rounding mode, exception masks).
 *
 * A callee may store registers in the 160-byte save area at the bottom of
 * its caller's frame.  Ours is below the saved block, so what save writes
 * there is not in the slice, and restore gets one below the target's block,
 * where copying the slice in cannot overwrite what it stored.  Frames keep
 * the back chain at 0(r15), which the ABI makes optional.
 */
#include "slp_platform.h"

#if defined(__s390x__)

        .text

/* Frame, from r15 (304 bytes): the register save area (160) for our
   callees, then the saved block that `sp` (r15 + 160) points to: r6-r14
   (72), f8-f15 (64), FPC + padding (8).  The CFA is r15 + 160 at entry. */
        .globl  _PySlp_switch
        .hidden _PySlp_switch
        .type   _PySlp_switch, @function
        .p2align 4
_PySlp_switch:
        .cfi_startproc
        lgr     %r1, %r15
        aghi    %r15, -304
        .cfi_adjust_cfa_offset 304
        stg     %r1, 0(%r15)            /* back chain */
        stmg    %r6, %r14, 160(%r15)
        .cfi_offset %r6, -304
        .cfi_offset %r7, -296
        .cfi_offset %r8, -288
        .cfi_offset %r9, -280
        .cfi_offset %r10, -272
        .cfi_offset %r11, -264
        .cfi_offset %r12, -256
        .cfi_offset %r13, -248
        .cfi_offset %r14, -240
        std     %f8, 232(%r15)
        std     %f9, 240(%r15)
        std     %f10, 248(%r15)
        std     %f11, 256(%r15)
        std     %f12, 264(%r15)
        std     %f13, 272(%r15)
        std     %f14, 280(%r15)
        std     %f15, 288(%r15)
        stfpc   296(%r15)

        lgr     %r6, %r3                /* restore: keep across the call */
        lgr     %r7, %r4                /* arg: likewise */
        lgr     %r1, %r2
        la      %r2, 160(%r15)          /* save(sp, arg) */
        lgr     %r3, %r7
        basr    %r14, %r1
        ltgr    %r2, %r2
        jz      1f                      /* save refused: stay, return NULL */

        lay     %r15, -160(%r2)         /* now on the target's stack, with */
        lghi    %r0, 0                  /* a save area whose back chain */
        stg     %r0, 0(%r15)            /* ends until the slice is back */
        lgr     %r2, %r7
        basr    %r14, %r6               /* restore(arg) refills it above sp */
        lgr     %r2, %r7                /* the target's call returns arg */
1:
        lfpc    296(%r15)
        ld      %f15, 288(%r15)
        ld      %f14, 280(%r15)
        ld      %f13, 272(%r15)
        ld      %f12, 264(%r15)
        ld      %f11, 256(%r15)
        ld      %f10, 248(%r15)
        ld      %f9, 240(%r15)
        ld      %f8, 232(%r15)
        lmg     %r6, %r14, 160(%r15)
        aghi    %r15, 304
        .cfi_adjust_cfa_offset -304
        br      %r14
        .cfi_endproc
        .size   _PySlp_switch, .-_PySlp_switch

/* The image _PySlp_switch pops for a context that never ran: r6 = fn,
   r7 = arg, r14 = the trampoline, FPC = ours. */
        .globl  _PySlp_init_image
        .hidden _PySlp_init_image
        .type   _PySlp_init_image, @function
        .p2align 4
_PySlp_init_image:
        .cfi_startproc
        stg     %r3, 0(%r2)             /* r6 = fn */
        stg     %r4, 8(%r2)             /* r7 = arg */
        xc      16(48,%r2), 16(%r2)     /* r8-r13 */
        larl    %r1, slp_start_trampoline
        stg     %r1, 64(%r2)            /* r14 */
        xc      72(72,%r2), 72(%r2)     /* f8-f15, FPC's padding */
        stfpc   136(%r2)
        br      %r14
        .cfi_endproc
        .size   _PySlp_init_image, .-_PySlp_init_image

/* Entered by `br %r14` with r15 16-byte aligned and r2 = the switch's
   value.  It is the outermost frame of its context: a save area with a
   null back chain below the image's end, and unwinders stop here. */
        .type   slp_start_trampoline, @function
        .p2align 4
slp_start_trampoline:
        .cfi_startproc
        .cfi_undefined %r14
        aghi    %r15, -160
        .cfi_adjust_cfa_offset 160
        lghi    %r0, 0
        stg     %r0, 0(%r15)
        lgr     %r3, %r7                /* fn(value, arg) */
        basr    %r14, %r6
        j       .+2                     /* fn must not return: an */
                                        /* operation exception, as gcc's */
                                        /* __builtin_trap */
        .cfi_endproc
        .size   slp_start_trampoline, .-slp_start_trampoline

#endif /* __s390x__ */

        .section .note.GNU-stack,"",@progbits
