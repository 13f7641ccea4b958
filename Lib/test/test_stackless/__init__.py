"""Tests of the stackless module and of the Stackless build itself.

Run with ``./python -m test test_stackless``; ``make test`` runs them as part
of the full regression suite.
"""

import os

from test.support import load_package_tests


def load_tests(*args):
    return load_package_tests(os.path.dirname(__file__), *args)
