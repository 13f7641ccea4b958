#ifndef Py_STACKLESS_H
#define Py_STACKLESS_H

/* Stackless support is compiled into this interpreter: stackless_api.h
   includes this header, and code shared with stock CPython can test
   STACKLESS after including it.  Python.h does not include it; finding
   the header is the test:

       #include <Python.h>
       #if defined(__has_include) && __has_include(<stackless_api.h>)
       #  include <stackless_api.h>
       #endif

   Include this header after Python.h: defined before it, STACKLESS would
   also change CPython's Py_TPFLAGS_DEFAULT. */
#define STACKLESS 1

#include "stackless_version.h"

#endif /* !Py_STACKLESS_H */
