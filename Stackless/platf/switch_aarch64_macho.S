/* Stack slicing primitive for arm64 macOS (Apple's AAPCS64 variant),
 * Mach-O.  See slp_platform.h.
 *
 * UNTESTED: written against the ABI documents, never run.  Only assembled
 * (clang -target arm64-apple-macos11, tests/cstack/run.sh).
 *
 * The code is switch_aarch64.S's, with these differences.  Mach-O: C
 * symbols take a leading underscore, .private_extern stands for .hidden,
 * no .type, .size or .note.GNU-stack, and addresses are formed with
 * adrp/add @PAGE/@PAGEOFF.  Apple's ABI: x18 is reserved to the system
 * (never touched here, as on Linux), and x29 must always address a valid
 * frame record (walkers of the frame chain rely on it): it points to the
 * record at the bottom of our frame while save runs, and is null (the chain
 * ends) while restore runs, when the records above are being rewritten.
 * Plain arm64 only: arm64e would need the return addresses signed.
 *
 * Saved per context: x19-x28, the frame pointer x29 and link register x30,
 * the low halves d8-d15 of v8-v15 (callee-saved by the ABI) and FPCR
 * (rounding mode and friends).
 */
#include "slp_platform.h"

#if defined(__aarch64__) && defined(__APPLE__)

        .text

        .globl  __PySlp_switch
        .private_extern __PySlp_switch
        .p2align 4
__PySlp_switch:
        .cfi_startproc
        sub     sp, sp, #176
        .cfi_def_cfa_offset 176
        stp     x29, x30, [sp, #0]
        .cfi_offset x29, -176
        .cfi_offset x30, -168
        mov     x29, sp                 /* our frame record */
        stp     x19, x20, [sp, #16]
        stp     x21, x22, [sp, #32]
        stp     x23, x24, [sp, #48]
        stp     x25, x26, [sp, #64]
        stp     x27, x28, [sp, #80]
        stp     d8, d9, [sp, #96]
        stp     d10, d11, [sp, #112]
        stp     d12, d13, [sp, #128]
        stp     d14, d15, [sp, #144]
        mrs     x9, fpcr
        str     x9, [sp, #160]

        mov     x19, x1                 /* restore: keep across the call */
        mov     x20, x2                 /* arg: likewise */
        mov     x9, x0
        mov     x0, sp                  /* save(sp, arg) */
        mov     x1, x20
        blr     x9
        cbz     x0, 1f                  /* save refused: stay, return NULL */

        mov     sp, x0                  /* now on the target's stack */
        mov     x29, xzr                /* no frame chain until it is back */
        mov     x0, x20
        blr     x19                     /* restore(arg) refills it above sp */
        mov     x0, x20                 /* the target's call returns arg */
1:
        ldr     x9, [sp, #160]
        msr     fpcr, x9
        ldp     d14, d15, [sp, #144]
        ldp     d12, d13, [sp, #128]
        ldp     d10, d11, [sp, #112]
        ldp     d8, d9, [sp, #96]
        ldp     x27, x28, [sp, #80]
        ldp     x25, x26, [sp, #64]
        ldp     x23, x24, [sp, #48]
        ldp     x21, x22, [sp, #32]
        ldp     x19, x20, [sp, #16]
        ldp     x29, x30, [sp, #0]
        add     sp, sp, #176
        .cfi_def_cfa_offset 0
        ret
        .cfi_endproc

/* The image __PySlp_switch pops for a context that never ran: x19 = fn,
   x20 = arg, x30 = the trampoline, x29 = 0 (end of the frame chain). */
        .globl  __PySlp_init_image
        .private_extern __PySlp_init_image
        .p2align 4
__PySlp_init_image:
        .cfi_startproc
        adrp    x9, _slp_start_trampoline@PAGE
        add     x9, x9, _slp_start_trampoline@PAGEOFF
        stp     xzr, x9, [x0, #0]       /* x29, x30 */
        stp     x1, x2, [x0, #16]       /* x19 = fn, x20 = arg */
        stp     xzr, xzr, [x0, #32]
        stp     xzr, xzr, [x0, #48]
        stp     xzr, xzr, [x0, #64]
        stp     xzr, xzr, [x0, #80]
        stp     xzr, xzr, [x0, #96]
        stp     xzr, xzr, [x0, #112]
        stp     xzr, xzr, [x0, #128]
        stp     xzr, xzr, [x0, #144]
        mrs     x9, fpcr
        stp     x9, xzr, [x0, #160]
        ret
        .cfi_endproc

/* Entered by `ret` with sp 16-byte aligned and x0 = the switch's value.
   It is the outermost frame of its context: unwinders stop here. */
        .p2align 4
_slp_start_trampoline:
        .cfi_startproc
        .cfi_undefined x30
        mov     x1, x20                 /* fn(value, arg) */
        blr     x19
        brk     #0                      /* fn must not return */
        .cfi_endproc

#endif /* __aarch64__ && __APPLE__ */
