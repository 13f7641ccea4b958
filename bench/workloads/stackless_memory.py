"""Memory per blocked tasklet with a live frame.

N tasklets each block in channel.receive() inside a small function; the
RSS growth after gc.collect(), divided by N, is the cost of one tasklet.
"""
import benchlib as bl

sl = bl.require_stackless()


def waiter(ch):
    return ch.receive()


def main():
    opts = bl.options(__doc__)
    n = opts.tasks
    ch = sl.channel()
    handles = []
    bl.settle()
    before = bl.rss_bytes()
    t0 = bl.clock()
    for _ in range(n):
        handles.append(sl.tasklet(waiter)(ch))
    # run() returns once every tasklet is blocked on the channel.
    sl.run()
    setup = bl.clock() - t0
    if ch.balance != -n:
        raise SystemExit("only %d of %d tasklets blocked" % (-ch.balance, n))
    bl.settle()
    after = bl.rss_bytes()
    bl.result("mem_per_task", (after - before) / n, "bytes/task", tasks=n,
              rss_before=before, rss_after=after, setup_s=setup)
    bl.done()


main()
