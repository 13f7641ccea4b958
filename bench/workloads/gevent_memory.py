"""Memory per blocked gevent greenlet with a live frame.

N greenlets each wait on a shared gevent.event.Event inside a small
function; RSS growth after gc.collect(), divided by N.
"""
import benchlib as bl
import gevent
from gevent.event import Event

blocked = [0]


def waiter(event):
    blocked[0] += 1
    return event.wait()


def main():
    opts = bl.options(__doc__)
    n = opts.tasks
    event = Event()
    bl.settle()
    before = bl.rss_bytes()
    t0 = bl.clock()
    handles = [gevent.spawn(waiter, event) for _ in range(n)]
    # Each sleep(0) lets the hub run everything spawned so far.
    while blocked[0] < n:
        gevent.sleep(0)
    setup = bl.clock() - t0
    if sum(1 for g in handles if not g.ready()) != n:
        raise SystemExit("not all greenlets are blocked")
    bl.settle()
    after = bl.rss_bytes()
    bl.result("mem_per_task", (after - before) / n, "bytes/task", tasks=n,
              rss_before=before, rss_after=after, setup_s=setup)
    bl.done()


main()
