"""Spawn: asyncio tasks created, run to completion and gathered per second."""
import asyncio

import benchlib as bl


async def work(i):
    return i + 1


async def spawn_batches(batches, batch):
    create_task, gather = asyncio.ensure_future, asyncio.gather
    t0 = bl.clock()
    for _ in range(batches):
        await gather(*[create_task(work(i)) for i in range(batch)])
    return bl.clock() - t0


def main():
    opts = bl.options(__doc__)
    loop = asyncio.new_event_loop()
    batch = opts.batch

    def run(n):
        batches = max(1, n // batch)
        seconds = loop.run_until_complete(spawn_batches(batches, batch))
        return seconds * n / (batches * batch)

    n, seconds = bl.measure_rate(run, opts.duration, start=batch)
    bl.report_rate("spawn", "tasks/s", n, seconds, batch=batch)


main()
