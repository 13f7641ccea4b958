"""Round robin over N gevent greenlets yielding with gevent.sleep(0).

gevent.sleep(0) puts the caller at the back of the hub's callback queue and
switches to the hub, which resumes the next greenlet; switches/s counts
sleep(0) calls.
"""
import benchlib as bl
import gevent


def spin(rounds):
    sleep = gevent.sleep
    for _ in range(rounds):
        sleep(0)


def make_run(tasks):
    def run(n):
        rounds = max(1, n // tasks)
        t0 = bl.clock()
        gevent.joinall([gevent.spawn(spin, rounds) for _ in range(tasks)])
        return (bl.clock() - t0) * n / (rounds * tasks)
    return run


def main():
    opts = bl.options(__doc__)
    n, seconds = bl.measure_rate(make_run(opts.tasks), opts.duration,
                                 start=opts.tasks * 4)
    bl.report_rate("schedule", "switches/s", n, seconds, tasks=opts.tasks)


main()
