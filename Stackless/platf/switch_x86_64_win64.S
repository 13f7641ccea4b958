/* Stack slicing primitive for x86-64 Windows, Microsoft x64 ABI, in GNU
 * assembler syntax for PE/COFF (mingw-w64).  See slp_platform.h.
 *
 * Saved per context: rbx rbp rdi rsi r12-r15 and xmm6-xmm15 (callee-saved,
 * the xmm registers in full), MXCSR and the x87 control word (their control
 * bits are callee-saved), and the return address, which the call pushed.
 *
 * Every call is made with rsp 16-byte aligned and 32 bytes of shadow space
 * above the return address, which the callee may write.  The shadow space
 * of our calls lies below the saved block, so what save writes there is
 * not in the slice, and restore gets one below the target's block, where
 * copying the slice in cannot overwrite what it spilled.
 *
 * The thread information block: every context of a thread runs on that
 * thread's own stack, at the addresses where it first ran (slices are
 * copied back in place), so StackBase (gs:[0x08]), StackLimit (gs:[0x10])
 * and DeallocationStack (gs:[0x1478]) stay true for all of them and are
 * never switched.  Nor does the guard page mechanism that commits the stack
 * as it grows come into play: a slice is only copied back to addresses that
 * were committed when it was saved (it ran there), and Windows does not
 * decommit a thread's stack; StackLimit only moves down, whichever context
 * touches a new page first.
 *
 * Unwind data is SEH (.seh_*), the format Windows and its debuggers read;
 * the trampoline's return address is null, where stack walks end.
 */
#include "slp_platform.h"

#if defined(__x86_64__) && defined(_WIN64)

        .text

/* Frame, from rsp: the shadow space (32) for our callees, then the saved
   block that `sp` (rsp + 32) points to: xmm6-xmm15 (160), MXCSR and the x87
   control word (8), r15 r14 r13 r12 rsi rdi rbx rbp (64), the return
   address.  rsp is 16-byte aligned in the body: the call left it 8 below a
   multiple of 16. */
        .globl  _PySlp_switch
        .def    _PySlp_switch; .scl 2; .type 32; .endef
        .p2align 4
_PySlp_switch:
        .seh_proc _PySlp_switch
        pushq   %rbp
        .seh_pushreg %rbp
        pushq   %rbx
        .seh_pushreg %rbx
        pushq   %rdi
        .seh_pushreg %rdi
        pushq   %rsi
        .seh_pushreg %rsi
        pushq   %r12
        .seh_pushreg %r12
        pushq   %r13
        .seh_pushreg %r13
        pushq   %r14
        .seh_pushreg %r14
        pushq   %r15
        .seh_pushreg %r15
        subq    $200, %rsp              /* 32 shadow + 160 xmm + 8 */
        .seh_stackalloc 200
        movaps  %xmm6, 32(%rsp)
        .seh_savexmm %xmm6, 32
        movaps  %xmm7, 48(%rsp)
        .seh_savexmm %xmm7, 48
        movaps  %xmm8, 64(%rsp)
        .seh_savexmm %xmm8, 64
        movaps  %xmm9, 80(%rsp)
        .seh_savexmm %xmm9, 80
        movaps  %xmm10, 96(%rsp)
        .seh_savexmm %xmm10, 96
        movaps  %xmm11, 112(%rsp)
        .seh_savexmm %xmm11, 112
        movaps  %xmm12, 128(%rsp)
        .seh_savexmm %xmm12, 128
        movaps  %xmm13, 144(%rsp)
        .seh_savexmm %xmm13, 144
        movaps  %xmm14, 160(%rsp)
        .seh_savexmm %xmm14, 160
        movaps  %xmm15, 176(%rsp)
        .seh_savexmm %xmm15, 176
        .seh_endprologue
        stmxcsr 192(%rsp)
        fnstcw  196(%rsp)

        movq    %rdx, %r12              /* restore: keep across the call */
        movq    %r8, %r13               /* arg: likewise */
        movq    %rcx, %rax
        leaq    32(%rsp), %rcx          /* save(sp, arg) */
        movq    %r13, %rdx
        call    *%rax
        testq   %rax, %rax
        jz      1f                      /* save refused: stay, return NULL */

        leaq    -32(%rax), %rsp         /* now on the target's stack */
        movq    %r13, %rcx
        call    *%r12                   /* restore(arg) refills it above sp */
        movq    %r13, %rax              /* the target's call returns arg */
1:
        ldmxcsr 192(%rsp)
        fldcw   196(%rsp)
        movaps  32(%rsp), %xmm6
        movaps  48(%rsp), %xmm7
        movaps  64(%rsp), %xmm8
        movaps  80(%rsp), %xmm9
        movaps  96(%rsp), %xmm10
        movaps  112(%rsp), %xmm11
        movaps  128(%rsp), %xmm12
        movaps  144(%rsp), %xmm13
        movaps  160(%rsp), %xmm14
        movaps  176(%rsp), %xmm15
        addq    $200, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rsi
        popq    %rdi
        popq    %rbx
        popq    %rbp
        ret
        .seh_endproc

/* The image _PySlp_switch pops for a context that never ran: r12 = fn,
   r13 = arg, return address = the trampoline, control words = ours; above
   it the trampoline's own return address, null, and padding. */
        .globl  _PySlp_init_image
        .def    _PySlp_init_image; .scl 2; .type 32; .endef
        .p2align 4
_PySlp_init_image:
        .seh_proc _PySlp_init_image
        .seh_endprologue
        pxor    %xmm0, %xmm0
        movups  %xmm0, 0(%rcx)          /* xmm6-xmm15 */
        movups  %xmm0, 16(%rcx)
        movups  %xmm0, 32(%rcx)
        movups  %xmm0, 48(%rcx)
        movups  %xmm0, 64(%rcx)
        movups  %xmm0, 80(%rcx)
        movups  %xmm0, 96(%rcx)
        movups  %xmm0, 112(%rcx)
        movups  %xmm0, 128(%rcx)
        movups  %xmm0, 144(%rcx)
        stmxcsr 160(%rcx)
        fnstcw  164(%rcx)
        movw    $0, 166(%rcx)
        movq    $0, 168(%rcx)           /* r15 */
        movq    $0, 176(%rcx)           /* r14 */
        movq    %r8, 184(%rcx)          /* r13 = arg */
        movq    %rdx, 192(%rcx)         /* r12 = fn */
        movq    $0, 200(%rcx)           /* rsi */
        movq    $0, 208(%rcx)           /* rdi */
        movq    $0, 216(%rcx)           /* rbx */
        movq    $0, 224(%rcx)           /* rbp */
        leaq    slp_start_trampoline(%rip), %rax
        movq    %rax, 232(%rcx)
        movq    $0, 240(%rcx)           /* the trampoline's return address */
        movq    $0, 248(%rcx)
        ret
        .seh_endproc

/* Entered by `ret` with rsp 16-byte aligned, a null return address at
   (%rsp) and rax = the switch's value.  It is the outermost frame of its
   context: unwinding it finds that null return address, and stops. */
        .def    slp_start_trampoline; .scl 3; .type 32; .endef
        .p2align 4
slp_start_trampoline:
        .seh_proc slp_start_trampoline
        subq    $32, %rsp               /* fn's shadow space */
        .seh_stackalloc 32
        .seh_endprologue
        movq    %rax, %rcx              /* fn(value, arg) */
        movq    %r13, %rdx
        call    *%r12
        ud2                             /* fn must not return */
        .seh_endproc

#endif /* __x86_64__ && _WIN64 */
