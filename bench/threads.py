"""Cross-thread figures: channel ping-pong between two threads (one
tasklet each) beside queue.Queue between two threads, and the CPU time a
thread uses while it waits on a channel.  Ratios matter: absolute speed
drifts on a shared machine (bench/README.md).

    python bench/threads.py [--quick]
"""

import queue
import sys
import threading
import time

import stackless


def channel_pingpong(n):
    a, b = stackless.channel(), stackless.channel()

    def pong():
        for _ in range(n):
            b.send(a.receive())
    th = threading.Thread(target=pong)
    th.start()
    t0 = time.perf_counter()
    for i in range(n):
        a.send(i)
        b.receive()
    dt = time.perf_counter() - t0
    th.join()
    return n / dt


def queue_pingpong(n):
    a, b = queue.Queue(), queue.Queue()

    def pong():
        for _ in range(n):
            b.put(a.get())
    th = threading.Thread(target=pong)
    th.start()
    t0 = time.perf_counter()
    for i in range(n):
        a.put(i)
        b.get()
    dt = time.perf_counter() - t0
    th.join()
    return n / dt


def idle_cpu(seconds):
    """CPU seconds used by a thread blocked on a channel for `seconds`."""
    ch = stackless.channel()
    used = []

    def waiter():
        c0 = time.thread_time()
        ch.receive()
        used.append(time.thread_time() - c0)
    th = threading.Thread(target=waiter)
    th.start()
    while ch.balance != -1:
        time.sleep(0.001)
    time.sleep(seconds)
    ch.send(None)
    th.join()
    return used[0]


def main():
    quick = '--quick' in sys.argv
    n = 2000 if quick else 20000
    rows = []
    for _ in range(1 if quick else 3):
        rows.append((channel_pingpong(n), queue_pingpong(n)))
    ch = max(r[0] for r in rows)
    q = max(r[1] for r in rows)
    print('cross-thread round trips/s (best of %d, n=%d)' % (len(rows), n))
    print('  channel ping-pong   %10.0f' % ch)
    print('  queue.Queue         %10.0f' % q)
    print('  ratio channel/queue %10.2fx' % (ch / q))
    wait = 0.2 if quick else 1.0
    print('CPU used by a thread waiting %.1f s on a channel: %.4f s'
          % (wait, idle_cpu(wait)))


if __name__ == '__main__':
    main()
