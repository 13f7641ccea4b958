"""Ping-pong between two asyncio tasks over Queue(maxsize=1): round trips/s.

The main task puts a value on one queue and awaits the echo on another;
an echo task moves values from the first queue to the second.
"""
import asyncio

import benchlib as bl


async def echo(inbox, outbox):
    while True:
        value = await inbox.get()
        if value is None:
            return
        await outbox.put(value)


async def pingpong(n):
    inbox, outbox = asyncio.Queue(maxsize=1), asyncio.Queue(maxsize=1)
    partner = asyncio.ensure_future(echo(inbox, outbox))
    t0 = bl.clock()
    for i in range(1, n + 1):
        await inbox.put(i)
        await outbox.get()
    elapsed = bl.clock() - t0
    await inbox.put(None)
    await partner
    return elapsed


def main():
    opts = bl.options(__doc__)
    loop = asyncio.new_event_loop()
    n, seconds = bl.measure_rate(
        lambda n: loop.run_until_complete(pingpong(n)), opts.duration,
        start=1000)
    bl.report_rate("pingpong", "roundtrips/s", n, seconds)


main()
