#ifndef Py_STACKLESS_VERSION_H
#define Py_STACKLESS_VERSION_H

/* The Stackless release this interpreter carries.  It also appears in
   sys.version as "<python version> Stackless <STACKLESS_VERSION> (...)".
   The form is "<CPython version>-slp.<n>": n counts our releases on top of
   one CPython release, so the base is visible at a glance. */
#define STACKLESS_VERSION "3.13.5-slp.0"

#endif /* !Py_STACKLESS_VERSION_H */
