"""Spawn: tasklets created, run to completion and finished per second.

Tasklets are created in batches, then the batch is run with
stackless.run() until all of them have finished.
"""
import benchlib as bl

sl = bl.require_stackless()


def work(i):
    return i + 1


def make_run(batch):
    def run(n):
        batches = max(1, n // batch)
        tasklet, run_all = sl.tasklet, sl.run
        t0 = bl.clock()
        for _ in range(batches):
            for i in range(batch):
                tasklet(work)(i)
            run_all()
        return (bl.clock() - t0) * n / (batches * batch)
    return run


def main():
    opts = bl.options(__doc__)
    n, seconds = bl.measure_rate(make_run(opts.batch), opts.duration,
                                 start=opts.batch)
    bl.report_rate("spawn", "tasks/s", n, seconds, batch=opts.batch)


main()
