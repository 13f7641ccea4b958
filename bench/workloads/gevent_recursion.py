"""Deepest plain-Python recursion reached inside a gevent greenlet."""
import benchlib as bl
import gevent


def main():
    opts = bl.options(__doc__)
    outcome = gevent.spawn(bl.recursion_probe, opts.cap).get()
    bl.report_recursion(outcome, opts.cap)


main()
