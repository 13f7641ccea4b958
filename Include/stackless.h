#ifndef Py_STACKLESS_H
#define Py_STACKLESS_H

/* Stackless support is compiled into this interpreter.  Extensions that
   also build against stock CPython test it:

       #include <Python.h>
       #ifdef STACKLESS
       #  include <stackless_api.h>
       #endif

   Include this header after Python.h: defined before it, STACKLESS would
   also change CPython's Py_TPFLAGS_DEFAULT (docs/c-api.md, "Headers"). */
#define STACKLESS 1

#include "stackless_version.h"

#endif /* !Py_STACKLESS_H */
