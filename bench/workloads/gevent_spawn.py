"""Spawn: gevent greenlets spawned, run to completion and joined per second."""
import benchlib as bl
import gevent


def work(i):
    return i + 1


def make_run(batch):
    def run(n):
        batches = max(1, n // batch)
        spawn, joinall = gevent.spawn, gevent.joinall
        t0 = bl.clock()
        for _ in range(batches):
            joinall([spawn(work, i) for i in range(batch)])
        return (bl.clock() - t0) * n / (batches * batch)
    return run


def main():
    opts = bl.options(__doc__)
    n, seconds = bl.measure_rate(make_run(opts.batch), opts.duration,
                                 start=opts.batch)
    bl.report_rate("spawn", "tasks/s", n, seconds, batch=opts.batch)


main()
