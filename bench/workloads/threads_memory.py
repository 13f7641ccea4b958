"""Memory per blocked OS thread with a live frame.

N threads (default stack size) each block in get() on a shared, empty
queue.Queue inside a small function; RSS growth after gc.collect(),
divided by N. run.py caps N for this model (see run.py).
"""
import queue
import threading

import benchlib as bl

blocked = threading.Semaphore(0)


def waiter(q):
    blocked.release()
    return q.get()


def main():
    opts = bl.options(__doc__)
    n = opts.tasks
    q = queue.Queue()
    bl.settle()
    before = bl.rss_bytes()
    t0 = bl.clock()
    handles = []
    for _ in range(n):
        t = threading.Thread(target=waiter, args=(q,), daemon=True)
        t.start()
        handles.append(t)
    for _ in range(n):
        blocked.acquire()
    setup = bl.clock() - t0
    bl.settle()
    after = bl.rss_bytes()
    bl.result("mem_per_task", (after - before) / n, "bytes/task", tasks=n,
              rss_before=before, rss_after=after, setup_s=setup,
              stack_size=threading.stack_size() or "default")
    bl.done()


main()
