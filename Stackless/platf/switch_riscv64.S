/* Stack slicing primitive for riscv64, LP64D ABI.  See slp_platform.h.
 *
 * Saved per context: s0-s11 (callee-saved; s0 is the frame pointer), the
 * return address ra, fs0-fs11 (callee-saved in full under LP64D) and fcsr
 * (the rounding mode frm, with the accrued flags beside it).
 */
#include "slp_platform.h"

#if defined(__riscv) && __riscv_xlen == 64

        .text

/* Frame, from sp: ra (8), s0-s11 (96), fs0-fs11 (96), fcsr + padding (8):
   208 bytes, so sp stays 16-byte aligned. */
        .globl  _PySlp_switch
        .hidden _PySlp_switch
        .type   _PySlp_switch, @function
        .p2align 2
_PySlp_switch:
        .cfi_startproc
        addi    sp, sp, -208
        .cfi_def_cfa_offset 208
        sd      ra, 0(sp)
        .cfi_offset ra, -208
        sd      s0, 8(sp)
        .cfi_offset s0, -200
        sd      s1, 16(sp)
        sd      s2, 24(sp)
        sd      s3, 32(sp)
        sd      s4, 40(sp)
        sd      s5, 48(sp)
        sd      s6, 56(sp)
        sd      s7, 64(sp)
        sd      s8, 72(sp)
        sd      s9, 80(sp)
        sd      s10, 88(sp)
        sd      s11, 96(sp)
        fsd     fs0, 104(sp)
        fsd     fs1, 112(sp)
        fsd     fs2, 120(sp)
        fsd     fs3, 128(sp)
        fsd     fs4, 136(sp)
        fsd     fs5, 144(sp)
        fsd     fs6, 152(sp)
        fsd     fs7, 160(sp)
        fsd     fs8, 168(sp)
        fsd     fs9, 176(sp)
        fsd     fs10, 184(sp)
        fsd     fs11, 192(sp)
        frcsr   t0
        sd      t0, 200(sp)

        mv      s1, a1                  /* restore: keep across the call */
        mv      s2, a2                  /* arg: likewise */
        mv      t0, a0
        mv      a0, sp                  /* save(sp, arg) */
        mv      a1, s2
        jalr    t0
        beqz    a0, 1f                  /* save refused: stay, return NULL */

        mv      sp, a0                  /* now on the target's stack */
        mv      a0, s2
        jalr    s1                      /* restore(arg) refills it above sp */
        mv      a0, s2                  /* the target's call returns arg */
1:
        ld      t0, 200(sp)
        fscsr   t0
        fld     fs11, 192(sp)
        fld     fs10, 184(sp)
        fld     fs9, 176(sp)
        fld     fs8, 168(sp)
        fld     fs7, 160(sp)
        fld     fs6, 152(sp)
        fld     fs5, 144(sp)
        fld     fs4, 136(sp)
        fld     fs3, 128(sp)
        fld     fs2, 120(sp)
        fld     fs1, 112(sp)
        fld     fs0, 104(sp)
        ld      s11, 96(sp)
        ld      s10, 88(sp)
        ld      s9, 80(sp)
        ld      s8, 72(sp)
        ld      s7, 64(sp)
        ld      s6, 56(sp)
        ld      s5, 48(sp)
        ld      s4, 40(sp)
        ld      s3, 32(sp)
        ld      s2, 24(sp)
        ld      s1, 16(sp)
        ld      s0, 8(sp)
        ld      ra, 0(sp)
        addi    sp, sp, 208
        .cfi_def_cfa_offset 0
        ret
        .cfi_endproc
        .size   _PySlp_switch, .-_PySlp_switch

/* The image _PySlp_switch pops for a context that never ran: s1 = fn,
   s2 = arg, ra = the trampoline, s0 = 0 (end of the frame chain). */
        .globl  _PySlp_init_image
        .hidden _PySlp_init_image
        .type   _PySlp_init_image, @function
        .p2align 2
_PySlp_init_image:
        .cfi_startproc
        lla     t0, slp_start_trampoline
        sd      t0, 0(a0)               /* ra */
        sd      zero, 8(a0)             /* s0 */
        sd      a1, 16(a0)              /* s1 = fn */
        sd      a2, 24(a0)              /* s2 = arg */
        sd      zero, 32(a0)            /* s3-s11 */
        sd      zero, 40(a0)
        sd      zero, 48(a0)
        sd      zero, 56(a0)
        sd      zero, 64(a0)
        sd      zero, 72(a0)
        sd      zero, 80(a0)
        sd      zero, 88(a0)
        sd      zero, 96(a0)
        sd      zero, 104(a0)           /* fs0-fs11 */
        sd      zero, 112(a0)
        sd      zero, 120(a0)
        sd      zero, 128(a0)
        sd      zero, 136(a0)
        sd      zero, 144(a0)
        sd      zero, 152(a0)
        sd      zero, 160(a0)
        sd      zero, 168(a0)
        sd      zero, 176(a0)
        sd      zero, 184(a0)
        sd      zero, 192(a0)
        frcsr   t0
        sd      t0, 200(a0)
        ret
        .cfi_endproc
        .size   _PySlp_init_image, .-_PySlp_init_image

/* Entered by `ret` with sp 16-byte aligned and a0 = the switch's value.
   It is the outermost frame of its context: unwinders stop here. */
        .type   slp_start_trampoline, @function
        .p2align 2
slp_start_trampoline:
        .cfi_startproc
        .cfi_undefined ra
        mv      a1, s2                  /* fn(value, arg) */
        jalr    s1
        unimp                           /* fn must not return */
        .cfi_endproc
        .size   slp_start_trampoline, .-slp_start_trampoline

#endif /* __riscv */

        .section .note.GNU-stack,"",@progbits
