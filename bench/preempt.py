"""Pre-emption figures: what an armed pre-empting run() costs, and how
late a wall-clock budget's interrupt arrives.

  - overhead: channel ping-pong and round robin between tasklets inside
    stackless.run() (plain) and inside stackless.run(10**9) (pre-emption
    armed, never firing), interleaved, best of several rounds each;
  - lateness: run(budget=0.001) over a CPU-bound tasklet, again and
    again; how much later than 1 ms run() returned (median, 99th
    percentile, max), for a tight loop and for code that makes calls.

Ratios matter; absolute speed drifts on a shared machine (bench/README.md).

    python bench/preempt.py [--quick]
"""

import statistics
import sys
import time

import stackless


def pingpong(n, run):
    a, b = stackless.channel(), stackless.channel()

    def ping():
        for i in range(n):
            a.send(i)
            b.receive()

    def pong():
        for i in range(n):
            b.send(a.receive())
    stackless.tasklet(ping)()
    stackless.tasklet(pong)()
    t0 = time.perf_counter()
    run()
    return n / (time.perf_counter() - t0)


def round_robin(n, run, tasklets=100):
    per = n // tasklets

    def worker():
        for i in range(per):
            stackless.schedule()
    for i in range(tasklets):
        stackless.tasklet(worker)()
    t0 = time.perf_counter()
    run()
    return per * tasklets / (time.perf_counter() - t0)


def plain():
    stackless.run()


def armed():
    # Armed for the whole run, never firing: what the ticks cost.
    assert stackless.run(10**9) is None


def overhead(name, bench, n, rounds):
    best = {'plain': 0.0, 'armed': 0.0}
    for i in range(rounds):
        for label, run in (('plain', plain), ('armed', armed)):
            best[label] = max(best[label], bench(n, run))
    ratio = best['armed'] / best['plain']
    print('%-28s plain %12.0f/s   armed %12.0f/s   armed/plain %.3f'
          '   (overhead %+.1f%%)'
          % (name, best['plain'], best['armed'], ratio,
             (1 / ratio - 1) * 100))


def lateness(name, body, budget, reps):
    spinning = [True]
    t = stackless.tasklet(body)(spinning)
    late = []
    for i in range(reps):
        t0 = time.perf_counter()
        v = stackless.run(budget=budget)
        late.append(time.perf_counter() - t0 - budget)
        assert v is t
        t.insert()
    spinning.clear()
    stackless.run()
    late.sort()
    p99 = late[min(len(late) - 1, int(len(late) * 0.99))]
    print('%-28s median %7.1f us   p99 %7.1f us   max %7.1f us   (n=%d)'
          % (name, statistics.median(late) * 1e6, p99 * 1e6,
             late[-1] * 1e6, reps))


def tight(spinning):
    n = 0
    while spinning:
        n += 1


def calls(spinning):
    def leaf(x):
        return x * 2 + 1

    def mid(x):
        return leaf(x) + leaf(x + 1)
    n = 0
    while spinning:
        n = mid(n) % 1000


def main():
    quick = '--quick' in sys.argv
    n = 2000 if quick else 200000
    rounds = 1 if quick else 7
    reps = 20 if quick else 2000
    print('pre-emption overhead, best of %d interleaved rounds' % rounds)
    overhead('channel ping-pong', pingpong, n, rounds)
    overhead('round robin (100 tasklets)', round_robin, n * 2, rounds)
    print('lateness of run(budget=0.001)')
    lateness('tight loop', tight, 0.001, reps)
    lateness('calls', calls, 0.001, reps)


if __name__ == '__main__':
    main()
