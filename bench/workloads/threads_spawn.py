"""Spawn: OS threads started, run to completion and joined per second."""
import threading

import benchlib as bl


def work(i):
    return i + 1


def make_run(batch):
    def run(n):
        batches = max(1, n // batch)
        Thread = threading.Thread
        t0 = bl.clock()
        for _ in range(batches):
            threads = [Thread(target=work, args=(i,)) for i in range(batch)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        return (bl.clock() - t0) * n / (batches * batch)
    return run


def main():
    opts = bl.options(__doc__)
    n, seconds = bl.measure_rate(make_run(opts.batch), opts.duration,
                                 start=opts.batch)
    bl.report_rate("spawn", "tasks/s", n, seconds, batch=opts.batch)


main()
