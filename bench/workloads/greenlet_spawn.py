"""Spawn: greenlets created, run to completion and finished per second.

A batch of greenlets is created, then each is started and runs to its end
(returning to the main greenlet).
"""
import benchlib as bl
from greenlet import greenlet


def work(i):
    return i + 1


def make_run(batch):
    def run(n):
        batches = max(1, n // batch)
        t0 = bl.clock()
        for _ in range(batches):
            gs = [greenlet(work) for _ in range(batch)]
            for i, g in enumerate(gs):
                g.switch(i)
        return (bl.clock() - t0) * n / (batches * batch)
    return run


def main():
    opts = bl.options(__doc__)
    n, seconds = bl.measure_rate(make_run(opts.batch), opts.duration,
                                 start=opts.batch)
    bl.report_rate("spawn", "tasks/s", n, seconds, batch=opts.batch)


main()
