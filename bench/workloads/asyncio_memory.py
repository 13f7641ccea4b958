"""Memory per blocked asyncio task with a live frame.

N tasks each await get() on a shared, empty asyncio.Queue inside a small
coroutine; RSS growth after gc.collect(), divided by N.
"""
import asyncio

import benchlib as bl

blocked = [0]


async def waiter(queue):
    blocked[0] += 1
    return await queue.get()


async def fill(n):
    queue = asyncio.Queue()
    bl.settle()
    before = bl.rss_bytes()
    t0 = bl.clock()
    handles = [asyncio.ensure_future(waiter(queue)) for _ in range(n)]
    while blocked[0] < n:
        await asyncio.sleep(0)
    setup = bl.clock() - t0
    if sum(1 for t in handles if not t.done()) != n:
        raise SystemExit("not all tasks are blocked")
    bl.settle()
    after = bl.rss_bytes()
    bl.result("mem_per_task", (after - before) / n, "bytes/task", tasks=n,
              rss_before=before, rss_after=after, setup_s=setup)
    bl.done()


def main():
    opts = bl.options(__doc__)
    asyncio.new_event_loop().run_until_complete(fill(opts.tasks))


main()
