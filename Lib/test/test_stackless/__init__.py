"""Tests of the stackless module and of the Stackless build itself.

Run with ``./python -m test test_stackless``; ``make test`` runs them as part
of the full regression suite.
"""

import os

from test.support import load_package_tests

# Importing stackless registers its reducers in copyreg.dispatch_table.
# regrtest's refleak mode (-R) snapshots that table after importing this
# package and restores it after every run: the registrations must come
# first, or the second run would find them gone.
import stackless  # noqa: F401


def load_tests(*args):
    return load_package_tests(os.path.dirname(__file__), *args)
