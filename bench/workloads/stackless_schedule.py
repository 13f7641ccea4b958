"""schedule() round robin over N tasklets: switches per second.

N tasklets each call stackless.schedule() k times; every call is one
switch to the next tasklet in the run queue.
"""
import benchlib as bl

sl = bl.require_stackless()


def spin(rounds):
    schedule = sl.schedule
    for _ in range(rounds):
        schedule()


def make_run(tasks):
    def run(n):
        rounds = max(1, n // tasks)
        for _ in range(tasks):
            sl.tasklet(spin)(rounds)
        t0 = bl.clock()
        sl.run()
        return (bl.clock() - t0) * n / (rounds * tasks)
    return run


def main():
    opts = bl.options(__doc__)
    n, seconds = bl.measure_rate(make_run(opts.tasks), opts.duration,
                                 start=opts.tasks * 4)
    bl.report_rate("schedule", "switches/s", n, seconds, tasks=opts.tasks)


main()
