"""Deepest plain-Python recursion reached inside an OS thread
(default thread stack size)."""
import threading

import benchlib as bl


def main():
    opts = bl.options(__doc__)
    box = []
    t = threading.Thread(
        target=lambda: box.append(bl.recursion_probe(opts.cap)))
    t.start()
    t.join()
    bl.report_recursion(box[0], opts.cap)


main()
