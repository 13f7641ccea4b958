"""Deepest plain-Python recursion reached inside a tasklet."""
import benchlib as bl

sl = bl.require_stackless()


def main():
    opts = bl.options(__doc__)
    box = []
    sl.tasklet(lambda: box.append(bl.recursion_probe(opts.cap)))()
    sl.run()
    bl.report_recursion(box[0], opts.cap)


main()
