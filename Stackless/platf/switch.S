/* The stack switching routines for the target being compiled for: the
   compiler's own target macros choose, so one build rule serves every
   platform and an unsupported one stops at slp_platform.h's #error. */
#include "slp_platform.h"

#if defined(__x86_64__) && defined(__APPLE__)
#  include "switch_x86_64_macho.S"
#elif defined(__x86_64__) && defined(_WIN64)
#  include "switch_x86_64_win64.S"
#elif defined(__x86_64__)
#  include "switch_x86_64.S"
#elif defined(__aarch64__) && defined(__APPLE__)
#  include "switch_aarch64_macho.S"
#elif defined(__aarch64__)
#  include "switch_aarch64.S"
#elif defined(__i386__)
#  include "switch_i386.S"
#elif defined(__arm__)
#  include "switch_arm.S"
#elif defined(__riscv)
#  include "switch_riscv64.S"
#elif defined(__powerpc64__)
#  include "switch_ppc64.S"
#elif defined(__s390x__)
#  include "switch_s390x.S"
#endif
