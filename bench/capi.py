"""C API figures: the scheduler driven from C beside the same work
driven from Python, in one run.

  - round trip: the main tasklet sends a value to an echo tasklet over a
    channel and receives the echo, `n` times; from C (a loop of
    PyChannel_Send / PyChannel_Receive in _teststackless: the C loop is
    on the stack, so every switch copies it), from C again in a
    soft-switchable function (PyChannel_Send_nr / PyChannel_Receive_nr,
    re-entered after each switch: no C stack copied), and from Python
    (ch.send / ch.receive in a loop);
  - schedule: the main tasklet yields to 100 tasklets that yield back;
    from C (PyStackless_Schedule in a loop) and from Python
    (stackless.schedule()).

Interleaved, best of several rounds each.  Ratios matter; absolute speed
drifts on a shared machine (bench/README.md).

    python bench/capi.py [--quick]
"""

import sys
import time

import stackless
import _teststackless as capi


def echo_tasklet(out, back, n):
    def echo():
        for _ in range(n):
            back.send(out.receive())
    stackless.tasklet(echo)()


def round_trips_c(n):
    out, back = stackless.channel(), stackless.channel()
    echo_tasklet(out, back, n)
    t0 = time.perf_counter()
    capi.bench_round_trips(out, back, n)
    return n / (time.perf_counter() - t0)


def round_trips_c_soft(n):
    out, back = stackless.channel(), stackless.channel()
    echo_tasklet(out, back, n)
    t0 = time.perf_counter()
    capi.bench_round_trips_soft(out, back, n)
    return n / (time.perf_counter() - t0)


def round_trips_py(n):
    out, back = stackless.channel(), stackless.channel()
    echo_tasklet(out, back, n)
    send, receive = out.send, back.receive
    t0 = time.perf_counter()
    for _ in range(n):
        send(None)
        receive()
    return n / (time.perf_counter() - t0)


def yielders(n, tasklets=100):
    def worker():
        for _ in range(n):
            stackless.schedule()
    for _ in range(tasklets):
        stackless.tasklet(worker)()


def schedule_c(n):
    yielders(n)
    t0 = time.perf_counter()
    capi.bench_schedule(n)
    elapsed = time.perf_counter() - t0
    stackless.run()
    return n * 101 / elapsed


def schedule_py(n):
    yielders(n)
    schedule = stackless.schedule
    t0 = time.perf_counter()
    for _ in range(n):
        schedule()
    elapsed = time.perf_counter() - t0
    stackless.run()
    return n * 101 / elapsed


def best(pairs, rounds):
    """Interleave the two ways of each pair; keep each one's best rate."""
    results = {}
    for _ in range(rounds):
        for name, fn, n in pairs:
            rate = fn(n)
            results[name] = max(results.get(name, 0), rate)
    return results


def main():
    quick = '--quick' in sys.argv
    n = 20_000 if quick else 200_000
    rounds = 3 if quick else 7
    r = best([('round trip, C', round_trips_c, n),
              ('round trip, C soft', round_trips_c_soft, n),
              ('round trip, Python', round_trips_py, n),
              ('schedule, C', schedule_c, n // 10),
              ('schedule, Python', schedule_py, n // 10)], rounds)
    print('C API against Python (operations per second, best of %d)'
          % rounds)
    for name, rate in r.items():
        print('  %-24s %12.0f' % (name, rate))
    print('  round trip C / Python   %.2f'
          % (r['round trip, C'] / r['round trip, Python']))
    print('  round trip C soft / Python %.2f'
          % (r['round trip, C soft'] / r['round trip, Python']))
    print('  schedule C / Python     %.2f'
          % (r['schedule, C'] / r['schedule, Python']))


if __name__ == '__main__':
    main()
