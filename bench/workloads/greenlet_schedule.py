"""Round robin over N greenlets with a hand-written schedule(): switches/s.

See greenlet_common.py: each schedule() call is one direct switch to the
next greenlet in a deque, the way stackless.schedule() moves along its
run queue.
"""
import benchlib as bl
import greenlet_common as sched


def spin(rounds):
    schedule = sched.schedule
    for _ in range(rounds):
        schedule()


def make_run(tasks):
    def run(n):
        rounds = max(1, n // tasks)
        for _ in range(tasks):
            sched.spawn(spin, rounds)
        t0 = bl.clock()
        sched.run_all()
        return (bl.clock() - t0) * n / (rounds * tasks)
    return run


def main():
    opts = bl.options(__doc__)
    n, seconds = bl.measure_rate(make_run(opts.tasks), opts.duration,
                                 start=opts.tasks * 4)
    bl.report_rate("schedule", "switches/s", n, seconds, tasks=opts.tasks)


main()
