"""The showcase `make run` runs: many tasklets doing real work.

1. A ring: N tasklets joined by N channels pass a token round and round.
2. A pipeline: a producer, stages and a consumer connected by channels.
3. A failure: an exception in a tasklet reaches the code that runs them.

Each part prints what it did, how long it took and what it cost.
"""

import platform
import sys
import time

import stackless


def rss_kib():
    """Resident set size of this process in KiB (Linux)."""
    with open('/proc/self/statm') as f:
        pages = int(f.read().split()[1])
    return pages * 4


def ring(n_tasklets, laps):
    """A token goes round a ring of tasklets `laps` times; the main
    tasklet closes the ring, taking it from the last and giving it to
    the first."""
    channels = [stackless.channel() for _ in range(n_tasklets + 1)]
    passes = 0

    def member(inbox, outbox):
        nonlocal passes
        while True:
            token = inbox.receive()
            outbox.send(token)
            if token is None:           # the end: passed on, stop
                return
            passes += 1

    before = rss_kib()
    start = time.perf_counter()
    for i in range(n_tasklets):
        stackless.tasklet(member)(channels[i], channels[i + 1])
    stackless.schedule()                # every member blocks on its inbox
    blocked = sum(1 for ch in channels if ch.balance < 0)
    mem = rss_kib() - before
    token = laps
    while token:
        channels[0].send(token)
        token = channels[-1].receive() - 1
    channels[0].send(None)
    channels[-1].receive()              # the end came all the way round
    elapsed = time.perf_counter() - start
    assert passes == n_tasklets * laps, passes
    print(f'ring: {n_tasklets:,} tasklets, {blocked:,} blocked at once '
          f'using {mem / 1024:.1f} MiB ({mem * 1024 // n_tasklets:,} '
          f'bytes each)')
    print(f'      {passes:,} messages in {elapsed:.2f} s '
          f'({passes / elapsed:,.0f} per second)')


def pipeline(items, stages):
    """Numbers flow through `stages` squaring/adding stages."""
    def producer(out):
        out.send_sequence(range(items))
        out.send_exception(StopIteration)

    def stage(inbox, out, k):
        for value in inbox:             # a channel iterates until closed
            out.send(value + k)
        out.send_exception(StopIteration)

    start = time.perf_counter()
    first = stackless.channel()
    chan = first
    stackless.tasklet(producer)(first)
    for k in range(stages):
        nxt = stackless.channel()
        stackless.tasklet(stage)(chan, nxt, k)
        chan = nxt
    total = sum(chan)                   # the main tasklet is the consumer
    elapsed = time.perf_counter() - start
    expected = sum(range(items)) + items * sum(range(stages))
    assert total == expected, (total, expected)
    print(f'pipeline: {items:,} items through {stages} stages, '
          f'sum {total:,} in {elapsed:.2f} s')


def failure():
    """An unhandled exception in a tasklet is raised in stackless.run()."""
    def worker(n):
        if n == 3:
            raise ValueError(f'worker {n} failed')
        stackless.schedule()

    for n in range(5):
        stackless.tasklet(worker)(n)
    try:
        stackless.run()
    except ValueError as exc:
        print(f'failure: run() raised {exc!r}; '
              f'{stackless.getruncount() - 1} tasklets still runnable')
    stackless.run()                     # the rest finish


def main():
    python, _, slp_version = sys.version.split()[:3]
    print(f'Stackless Python {slp_version} on CPython {python} '
          f'({platform.python_implementation()}, '
          f'{"debug" if stackless.getdebug() else "release"} build, '
          f'{platform.machine()})')
    ring(10_000, 20)
    pipeline(100_000, 5)
    failure()
    assert stackless.getruncount() == 1


if __name__ == '__main__':
    main()
