/* Stack slicing primitive for i386, System V ABI.  See slp_platform.h.
 *
 * Saved per context: ebx esi edi ebp (callee-saved), the x87 control word
 * and, on a CPU with SSE, MXCSR (the ABI treats their control bits as
 * callee-saved), and the return address, which the call pushed.
 *
 * MXCSR needs SSE, which the i686 baseline lacks, while libc (fesetround,
 * the SSE2 variants of libm) uses it whenever the CPU has it: CPUID tells,
 * once, and the answer is kept in slp_sse.  Its slot is in every frame, so
 * the layout and SLP_START_IMAGE_SIZE do not depend on the CPU.
 *
 * Calls are made with esp 16-byte aligned, as gcc assumes; the outgoing
 * argument area lies below the saved block, so a callee that writes its
 * arguments (the ABI lets it) changes nothing that a slice holds.
 */
#include "slp_platform.h"

#if defined(__i386__)

#if defined(__CET__)
#  define SLP_ENDBR endbr32
#else
#  define SLP_ENDBR
#endif

        .text

/* Frame of _PySlp_switch, from esp: the outgoing arguments (16), then the
   saved block that `sp` (esp + 16) points to: MXCSR, x87 control word and
   padding (12), edi esi ebx ebp (16), the return address.  esp is 16-byte
   aligned in the body: the call left it 4 below a multiple of 16. */
        .globl  _PySlp_switch
        .hidden _PySlp_switch
        .type   _PySlp_switch, @function
        .p2align 4
_PySlp_switch:
        .cfi_startproc
        SLP_ENDBR
        pushl   %ebp
        .cfi_adjust_cfa_offset 4
        pushl   %ebx
        .cfi_adjust_cfa_offset 4
        pushl   %esi
        .cfi_adjust_cfa_offset 4
        pushl   %edi
        .cfi_adjust_cfa_offset 4
        subl    $28, %esp               /* 16 arguments + 12 control words */
        .cfi_adjust_cfa_offset 28

        movl    52(%esp), %esi          /* restore: keep across the call */
        movl    56(%esp), %edi          /* arg: likewise */
        fnstcw  20(%esp)
        call    slp_sse_state           /* 2 when MXCSR exists: ebx keeps */
        movl    %eax, %ebx              /* it across the calls */
        cmpl    $2, %ebx
        jne     2f
        stmxcsr 16(%esp)
2:
        leal    16(%esp), %eax
        movl    %eax, 0(%esp)           /* save(sp, arg) */
        movl    %edi, 4(%esp)
        call    *48(%esp)
        testl   %eax, %eax
        jz      1f                      /* save refused: stay, return NULL */

        leal    -16(%eax), %esp         /* now on the target's stack */
        movl    %edi, 0(%esp)
        call    *%esi                   /* restore(arg) refills it above sp */
        movl    %edi, %eax              /* the target's call returns arg */
1:
        cmpl    $2, %ebx
        jne     3f
        ldmxcsr 16(%esp)
3:
        fldcw   20(%esp)
        addl    $28, %esp
        .cfi_adjust_cfa_offset -28
        popl    %edi
        .cfi_adjust_cfa_offset -4
        popl    %esi
        .cfi_adjust_cfa_offset -4
        popl    %ebx
        .cfi_adjust_cfa_offset -4
        popl    %ebp
        .cfi_adjust_cfa_offset -4
        ret
        .cfi_endproc
        .size   _PySlp_switch, .-_PySlp_switch

/* The image _PySlp_switch pops for a context that never ran: esi = fn,
   edi = arg, return address = the trampoline, control words = ours. */
        .globl  _PySlp_init_image
        .hidden _PySlp_init_image
        .type   _PySlp_init_image, @function
        .p2align 4
_PySlp_init_image:
        .cfi_startproc
        SLP_ENDBR
        movl    4(%esp), %edx           /* image */
        movl    $0x1f80, 0(%edx)        /* MXCSR's reset value, unless: */
        call    slp_sse_state
        cmpl    $2, %eax
        jne     1f
        stmxcsr 0(%edx)
1:
        fnstcw  4(%edx)
        movw    $0, 6(%edx)
        movl    $0, 8(%edx)
        movl    12(%esp), %eax
        movl    %eax, 12(%edx)          /* edi = arg */
        movl    8(%esp), %eax
        movl    %eax, 16(%edx)          /* esi = fn */
        movl    $0, 20(%edx)            /* ebx */
        movl    $0, 24(%edx)            /* ebp */
        call    slp_pc_thunk_cx
2:      leal    (slp_start_trampoline - 2b)(%ecx), %eax
        movl    %eax, 28(%edx)
        ret
        .cfi_endproc
        .size   _PySlp_init_image, .-_PySlp_init_image

/* Entered by `ret` with esp 16-byte aligned and eax = the switch's value.
   It is the outermost frame of its context: unwinders stop here. */
        .type   slp_start_trampoline, @function
        .p2align 4
slp_start_trampoline:
        .cfi_startproc
        .cfi_undefined eip
        subl    $16, %esp
        movl    %eax, 0(%esp)           /* fn(value, arg) */
        movl    %edi, 4(%esp)
        call    *%esi
        ud2                             /* fn must not return */
        .cfi_endproc
        .size   slp_start_trampoline, .-slp_start_trampoline

/* eax = slp_sse: 2 if the CPU has SSE (MXCSR), else 1; CPUID is asked the
   first time only.  Only eax and the flags change. */
        .type   slp_sse_state, @function
        .p2align 4
slp_sse_state:
        .cfi_startproc
        pushl   %ecx
        .cfi_adjust_cfa_offset 4
        call    slp_pc_thunk_cx
        addl    $_GLOBAL_OFFSET_TABLE_, %ecx
        movl    slp_sse@GOTOFF(%ecx), %eax
        testl   %eax, %eax
        jz      1f
        popl    %ecx
        .cfi_adjust_cfa_offset -4
        ret
        .cfi_adjust_cfa_offset 4
1:
        pushl   %ebx                    /* cpuid writes eax ebx ecx edx */
        .cfi_adjust_cfa_offset 4
        pushl   %edx
        .cfi_adjust_cfa_offset 4
        pushl   %ecx
        .cfi_adjust_cfa_offset 4
        movl    $1, %eax
        cpuid
        popl    %ecx
        .cfi_adjust_cfa_offset -4
        movl    $1, %eax
        btl     $25, %edx               /* CPUID.1:EDX.SSE */
        adcl    $0, %eax
        movl    %eax, slp_sse@GOTOFF(%ecx)  /* threads racing agree */
        popl    %edx
        .cfi_adjust_cfa_offset -4
        popl    %ebx
        .cfi_adjust_cfa_offset -4
        popl    %ecx
        .cfi_adjust_cfa_offset -4
        ret
        .cfi_endproc
        .size   slp_sse_state, .-slp_sse_state

/* ecx = the caller's return address: position-independent data access. */
        .type   slp_pc_thunk_cx, @function
        .p2align 4
slp_pc_thunk_cx:
        .cfi_startproc
        movl    (%esp), %ecx
        ret
        .cfi_endproc
        .size   slp_pc_thunk_cx, .-slp_pc_thunk_cx

        .bss
        .p2align 2
        .type   slp_sse, @object
        .size   slp_sse, 4
slp_sse:
        .zero   4                       /* 0: not asked yet */

#endif /* __i386__ */

        .section .note.GNU-stack,"",@progbits
