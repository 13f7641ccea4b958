/* The stack switching routines for the target being compiled for: the
   compiler's own target macros choose, so one build rule serves every
   platform and an unsupported one stops at slp_platform.h's #error. */
#include "slp_platform.h"

#if defined(__x86_64__)
#  include "switch_x86_64.S"
#elif defined(__aarch64__)
#  include "switch_aarch64.S"
#endif
