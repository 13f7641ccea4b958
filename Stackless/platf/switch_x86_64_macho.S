/* Stack slicing primitive for x86-64 macOS, System V ABI, Mach-O.  See
 * slp_platform.h.
 *
 * UNTESTED: written against the ABI documents, never run.  Only assembled
 * (clang -target x86_64-apple-macos11, tests/cstack/run.sh).
 *
 * The code is switch_x86_64.S's: the ABI is the same.  Mach-O differs in
 * spelling only: C symbols take a leading underscore, .private_extern
 * stands for .hidden, and there are no .type, .size or .note.GNU-stack.
 *
 * Saved per context: rbx rbp r12-r15 (callee-saved), MXCSR and the x87
 * control word (the ABI treats their control bits as callee-saved), and the
 * return address, which the call pushed.
 */
#include "slp_platform.h"

#if defined(__x86_64__) && defined(__APPLE__)

        .text

        .globl  __PySlp_switch
        .private_extern __PySlp_switch
        .p2align 4
__PySlp_switch:
        .cfi_startproc
        pushq   %rbp
        .cfi_adjust_cfa_offset 8
        pushq   %rbx
        .cfi_adjust_cfa_offset 8
        pushq   %r12
        .cfi_adjust_cfa_offset 8
        pushq   %r13
        .cfi_adjust_cfa_offset 8
        pushq   %r14
        .cfi_adjust_cfa_offset 8
        pushq   %r15
        .cfi_adjust_cfa_offset 8
        subq    $8, %rsp                /* 6 pushes + 8 + return address: */
        .cfi_adjust_cfa_offset 8        /* rsp is 16-byte aligned again */
        stmxcsr (%rsp)
        fnstcw  4(%rsp)

        movq    %rsi, %r12              /* restore: keep across the call */
        movq    %rdx, %r13              /* arg: likewise */
        movq    %rdi, %rax
        movq    %rsp, %rdi              /* save(sp, arg) */
        movq    %r13, %rsi
        call    *%rax
        testq   %rax, %rax
        jz      1f                      /* save refused: stay, return NULL */

        movq    %rax, %rsp              /* now on the target's stack */
        movq    %r13, %rdi
        call    *%r12                   /* restore(arg) refills it above rsp */
        movq    %r13, %rax              /* the target's call returns arg */
1:
        ldmxcsr (%rsp)
        fldcw   4(%rsp)
        addq    $8, %rsp
        .cfi_adjust_cfa_offset -8
        popq    %r15
        .cfi_adjust_cfa_offset -8
        popq    %r14
        .cfi_adjust_cfa_offset -8
        popq    %r13
        .cfi_adjust_cfa_offset -8
        popq    %r12
        .cfi_adjust_cfa_offset -8
        popq    %rbx
        .cfi_adjust_cfa_offset -8
        popq    %rbp
        .cfi_adjust_cfa_offset -8
        ret
        .cfi_endproc

/* The image __PySlp_switch pops for a context that never ran: r12 = fn,
   r13 = arg, return address = the trampoline, control words = ours. */
        .globl  __PySlp_init_image
        .private_extern __PySlp_init_image
        .p2align 4
__PySlp_init_image:
        .cfi_startproc
        stmxcsr (%rdi)
        fnstcw  4(%rdi)
        movw    $0, 6(%rdi)
        movq    $0, 8(%rdi)             /* r15 */
        movq    $0, 16(%rdi)            /* r14 */
        movq    %rdx, 24(%rdi)          /* r13 = arg */
        movq    %rsi, 32(%rdi)          /* r12 = fn */
        movq    $0, 40(%rdi)            /* rbx */
        movq    $0, 48(%rdi)            /* rbp */
        leaq    _slp_start_trampoline(%rip), %rax
        movq    %rax, 56(%rdi)
        ret
        .cfi_endproc

/* Entered by `ret` with rsp 16-byte aligned and rax = the switch's value.
   It is the outermost frame of its context: unwinders stop here. */
        .p2align 4
_slp_start_trampoline:
        .cfi_startproc
        .cfi_undefined rip
        movq    %rax, %rdi              /* fn(value, arg) */
        movq    %r13, %rsi
        call    *%r12
        ud2                             /* fn must not return */
        .cfi_endproc

#endif /* __x86_64__ && __APPLE__ */
