"""Memory per blocked greenlet with a live frame.

N greenlets each switch back to main from inside a small function and stay
suspended there; RSS growth after gc.collect(), divided by N.
"""
import benchlib as bl
from greenlet import greenlet, getcurrent


def waiter():
    return getcurrent().parent.switch()


def main():
    opts = bl.options(__doc__)
    n = opts.tasks
    handles = []            # an unreferenced suspended greenlet gets killed
    bl.settle()
    before = bl.rss_bytes()
    t0 = bl.clock()
    for _ in range(n):
        g = greenlet(waiter)
        g.switch()
        handles.append(g)
    setup = bl.clock() - t0
    blocked = sum(1 for g in handles if g and not g.dead)
    if blocked != n:
        raise SystemExit("only %d of %d greenlets suspended" % (blocked, n))
    bl.settle()
    after = bl.rss_bytes()
    bl.result("mem_per_task", (after - before) / n, "bytes/task", tasks=n,
              rss_before=before, rss_after=after, setup_s=setup)
    bl.done()


main()
