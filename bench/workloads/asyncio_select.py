"""asyncio.wait(FIRST_COMPLETED) over 4 queues: round trips/s.

The asyncio way to wait on whichever of several queues has an item
first: a get() task per queue, asyncio.wait(..., return_when=
FIRST_COMPLETED).  The getters that did not complete are kept for the
next round (cancelling and re-creating them each round would cost
more); only the completed one is replaced.  Otherwise the same round
trip as stackless_select.py: the main task puts on the 4 queues in turn
and awaits each reply from a reply queue.
"""
import asyncio

import benchlib as bl


async def selector(queues, reply):
    getters = {asyncio.ensure_future(q.get()): q for q in queues}
    while True:
        done, _ = await asyncio.wait(getters,
                                     return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            q = getters.pop(task)
            value = task.result()
            if value is None:
                for t in getters:
                    t.cancel()
                return
            reply.put_nowait(value)
            getters[asyncio.ensure_future(q.get())] = q


async def run(n):
    queues = [asyncio.Queue() for _ in range(4)]
    reply = asyncio.Queue()
    partner = asyncio.ensure_future(selector(queues, reply))
    t0 = bl.clock()
    for i in range(1, n + 1):
        await queues[i & 3].put(i)
        await reply.get()
    elapsed = bl.clock() - t0
    await queues[0].put(None)
    await partner
    return elapsed


bl.rate_main(__doc__, "select4", "roundtrips/s", bl.on_new_loop(run),
             start=1000)
