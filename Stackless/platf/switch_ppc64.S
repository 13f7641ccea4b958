/* Stack slicing primitive for 64-bit PowerPC, ELFv2 ABI (ppc64le).  See
 * slp_platform.h.
 *
 * Saved per context: r14-r31, f14-f31 and v20-v31 (callee-saved; VRSAVE is
 * unused on Linux), the condition register (fields cr2-cr4 are
 * callee-saved), the link register, the TOC pointer r2 and FPSCR (rounding
 * mode and exception enables).
 *
 * Calls through a pointer put the callee's address in r12 (its global entry
 * point derives r2 from it) and reload r2 afterwards.  Every frame starts
 * with the ABI's 32-byte header (back chain at 0(r1), CR and LR save words
 * a callee may write, TOC save word), 16-byte aligned.
 */
#include "slp_platform.h"

#if defined(__powerpc64__)

#if defined(_CALL_ELF) && _CALL_ELF == 2
        .abiversion 2
#endif

        .text

/* Frame, from r1 (544 bytes): the header (32) for our callees, then the
   saved block that `sp` (r1 + 32) points to: r14-r31 (144), f14-f31 (144),
   v20-v31 (192), r2 (8), LR (8), CR (4) + padding (4), FPSCR (8).  The
   block lies above the header, so what save writes into the header is not
   in the slice; restore gets a header of its own below the target's block,
   where copying the slice in cannot overwrite what it saved. */
        .globl  _PySlp_switch
        .hidden _PySlp_switch
        .type   _PySlp_switch, @function
        .p2align 4
_PySlp_switch:
        .cfi_startproc
        mflr    %r0
        std     %r0, 16(%r1)            /* the caller's LR save word, for */
        stdu    %r1, -544(%r1)          /* walkers of the back chain */
        .cfi_def_cfa_offset 544
        std     %r0, 520(%r1)
        .cfi_offset lr, -24
        std     %r2, 512(%r1)
        std     %r14, 32(%r1)
        std     %r15, 40(%r1)
        std     %r16, 48(%r1)
        std     %r17, 56(%r1)
        std     %r18, 64(%r1)
        std     %r19, 72(%r1)
        std     %r20, 80(%r1)
        std     %r21, 88(%r1)
        std     %r22, 96(%r1)
        std     %r23, 104(%r1)
        std     %r24, 112(%r1)
        std     %r25, 120(%r1)
        std     %r26, 128(%r1)
        std     %r27, 136(%r1)
        std     %r28, 144(%r1)
        std     %r29, 152(%r1)
        std     %r30, 160(%r1)
        std     %r31, 168(%r1)
        .cfi_offset r31, -376
        stfd    %f14, 176(%r1)
        stfd    %f15, 184(%r1)
        stfd    %f16, 192(%r1)
        stfd    %f17, 200(%r1)
        stfd    %f18, 208(%r1)
        stfd    %f19, 216(%r1)
        stfd    %f20, 224(%r1)
        stfd    %f21, 232(%r1)
        stfd    %f22, 240(%r1)
        stfd    %f23, 248(%r1)
        stfd    %f24, 256(%r1)
        stfd    %f25, 264(%r1)
        stfd    %f26, 272(%r1)
        stfd    %f27, 280(%r1)
        stfd    %f28, 288(%r1)
        stfd    %f29, 296(%r1)
        stfd    %f30, 304(%r1)
        stfd    %f31, 312(%r1)
        li      %r11, 320
        stvx    %v20, %r1, %r11
        li      %r11, 336
        stvx    %v21, %r1, %r11
        li      %r11, 352
        stvx    %v22, %r1, %r11
        li      %r11, 368
        stvx    %v23, %r1, %r11
        li      %r11, 384
        stvx    %v24, %r1, %r11
        li      %r11, 400
        stvx    %v25, %r1, %r11
        li      %r11, 416
        stvx    %v26, %r1, %r11
        li      %r11, 432
        stvx    %v27, %r1, %r11
        li      %r11, 448
        stvx    %v28, %r1, %r11
        li      %r11, 464
        stvx    %v29, %r1, %r11
        li      %r11, 480
        stvx    %v30, %r1, %r11
        li      %r11, 496
        stvx    %v31, %r1, %r11
        mfcr    %r0
        stw     %r0, 528(%r1)
        mffs    %f0
        stfd    %f0, 536(%r1)

        mr      %r14, %r4               /* restore: keep across the call */
        mr      %r15, %r5               /* arg: likewise */
        mr      %r12, %r3
        mtctr   %r12
        addi    %r3, %r1, 32            /* save(sp, arg) */
        mr      %r4, %r15
        bctrl
        ld      %r2, 512(%r1)
        cmpdi   %r3, 0
        beq     1f                      /* save refused: stay, return NULL */

        li      %r0, 0                  /* now on the target's stack, with */
        mr      %r1, %r3                /* a header whose back chain ends */
        stdu    %r0, -32(%r1)           /* until the slice is back */
        mr      %r12, %r14
        mtctr   %r12
        mr      %r3, %r15
        bctrl                           /* restore(arg) refills it above sp */
        mr      %r3, %r15               /* the target's call returns arg */
1:
        lfd     %f0, 536(%r1)
        mtfsf   0xff, %f0
        lwz     %r0, 528(%r1)
        mtcrf   0x38, %r0               /* cr2 cr3 cr4 */
        li      %r11, 496
        lvx     %v31, %r1, %r11
        li      %r11, 480
        lvx     %v30, %r1, %r11
        li      %r11, 464
        lvx     %v29, %r1, %r11
        li      %r11, 448
        lvx     %v28, %r1, %r11
        li      %r11, 432
        lvx     %v27, %r1, %r11
        li      %r11, 416
        lvx     %v26, %r1, %r11
        li      %r11, 400
        lvx     %v25, %r1, %r11
        li      %r11, 384
        lvx     %v24, %r1, %r11
        li      %r11, 368
        lvx     %v23, %r1, %r11
        li      %r11, 352
        lvx     %v22, %r1, %r11
        li      %r11, 336
        lvx     %v21, %r1, %r11
        li      %r11, 320
        lvx     %v20, %r1, %r11
        lfd     %f31, 312(%r1)
        lfd     %f30, 304(%r1)
        lfd     %f29, 296(%r1)
        lfd     %f28, 288(%r1)
        lfd     %f27, 280(%r1)
        lfd     %f26, 272(%r1)
        lfd     %f25, 264(%r1)
        lfd     %f24, 256(%r1)
        lfd     %f23, 248(%r1)
        lfd     %f22, 240(%r1)
        lfd     %f21, 232(%r1)
        lfd     %f20, 224(%r1)
        lfd     %f19, 216(%r1)
        lfd     %f18, 208(%r1)
        lfd     %f17, 200(%r1)
        lfd     %f16, 192(%r1)
        lfd     %f15, 184(%r1)
        lfd     %f14, 176(%r1)
        ld      %r31, 168(%r1)
        ld      %r30, 160(%r1)
        ld      %r29, 152(%r1)
        ld      %r28, 144(%r1)
        ld      %r27, 136(%r1)
        ld      %r26, 128(%r1)
        ld      %r25, 120(%r1)
        ld      %r24, 112(%r1)
        ld      %r23, 104(%r1)
        ld      %r22, 96(%r1)
        ld      %r21, 88(%r1)
        ld      %r20, 80(%r1)
        ld      %r19, 72(%r1)
        ld      %r18, 64(%r1)
        ld      %r17, 56(%r1)
        ld      %r16, 48(%r1)
        ld      %r15, 40(%r1)
        ld      %r14, 32(%r1)
        ld      %r2, 512(%r1)
        ld      %r0, 520(%r1)
        mtlr    %r0
        addi    %r1, %r1, 544
        .cfi_def_cfa_offset 0
        blr
        .cfi_endproc
        .size   _PySlp_switch, .-_PySlp_switch

/* The image _PySlp_switch pops for a context that never ran: r14 = fn,
   r15 = arg, LR = the trampoline, r2 = our TOC pointer, FPSCR = ours. */
        .globl  _PySlp_init_image
        .hidden _PySlp_init_image
        .type   _PySlp_init_image, @function
        .p2align 4
_PySlp_init_image:
        .cfi_startproc
        std     %r4, 0(%r3)             /* r14 = fn */
        std     %r5, 8(%r3)             /* r15 = arg */
        li      %r0, 0                  /* r16-r31, f14-f31, v20-v31 */
        li      %r9, 58
        mtctr   %r9
        addi    %r9, %r3, 8
2:      stdu    %r0, 8(%r9)
        bdnz    2b
        std     %r2, 480(%r3)
        mflr    %r11
        .cfi_register lr, r11
        bcl     20, 31, 3f              /* the trampoline's address, */
3:      mflr    %r9                     /* position-independent */
        mtlr    %r11
        .cfi_restore lr
        addi    %r9, %r9, slp_start_trampoline - 3b
        std     %r9, 488(%r3)           /* LR */
        mfcr    %r0
        stw     %r0, 496(%r3)
        li      %r0, 0
        stw     %r0, 500(%r3)
        mffs    %f0
        stfd    %f0, 504(%r3)
        blr
        .cfi_endproc
        .size   _PySlp_init_image, .-_PySlp_init_image

/* Entered by `blr` with r1 16-byte aligned and r3 = the switch's value.
   It is the outermost frame of its context: a header with a null back
   chain below the image's end, and unwinders stop here. */
        .type   slp_start_trampoline, @function
        .p2align 4
slp_start_trampoline:
        .cfi_startproc
        .cfi_undefined lr
        li      %r0, 0
        stdu    %r0, -32(%r1)
        .cfi_def_cfa_offset 32
        mr      %r4, %r15               /* fn(value, arg) */
        mr      %r12, %r14
        mtctr   %r12
        bctrl
        trap                            /* fn must not return */
        .cfi_endproc
        .size   slp_start_trampoline, .-slp_start_trampoline

#endif /* __powerpc64__ */

        .section .note.GNU-stack,"",@progbits
