"""Deepest plain-Python recursion reached inside a greenlet."""
import benchlib as bl
from greenlet import greenlet


def main():
    opts = bl.options(__doc__)
    outcome = greenlet(bl.recursion_probe).switch(opts.cap)
    bl.report_recursion(outcome, opts.cap)


main()
