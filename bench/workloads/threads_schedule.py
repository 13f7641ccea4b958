"""Round robin over N OS threads passing a baton: switches/s.

Threads have no schedule(); the equivalent is a baton: thread i blocks on
its own Lock and, when it gets it, releases the lock of thread i+1. So
exactly one thread runs at a time and every hand-off is one OS-level switch
(a lock per thread rather than one condition variable, which would wake
all N threads on every hand-off).
"""
import threading

import benchlib as bl


def spin(mine, following, rounds):
    for _ in range(rounds):
        mine.acquire()
        following.release()


def make_run(tasks):
    def run(n):
        rounds = max(1, n // tasks)
        locks = [threading.Lock() for _ in range(tasks)]
        for lock in locks:
            lock.acquire()
        threads = [threading.Thread(target=spin,
                                    args=(locks[i], locks[(i + 1) % tasks],
                                          rounds))
                   for i in range(tasks)]
        for t in threads:
            t.start()
        t0 = bl.clock()
        locks[0].release()
        for t in threads:
            t.join()
        return (bl.clock() - t0) * n / (rounds * tasks)
    return run


def main():
    opts = bl.options(__doc__)
    n, seconds = bl.measure_rate(make_run(opts.tasks), opts.duration,
                                 start=opts.tasks * 4)
    bl.report_rate("schedule", "switches/s", n, seconds, tasks=opts.tasks,
                   method="lock-baton")


main()
