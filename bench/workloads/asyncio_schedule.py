"""Round robin over N asyncio tasks yielding with await asyncio.sleep(0).

sleep(0) yields to the event loop, which runs every other ready task once
before coming back; switches/s counts sleep(0) calls.
"""
import asyncio

import benchlib as bl


async def spin(rounds):
    sleep = asyncio.sleep
    for _ in range(rounds):
        await sleep(0)


async def round_robin(tasks, rounds):
    t0 = bl.clock()
    await asyncio.gather(*[spin(rounds) for _ in range(tasks)])
    return bl.clock() - t0


def main():
    opts = bl.options(__doc__)
    loop = asyncio.new_event_loop()
    tasks = opts.tasks

    def run(n):
        rounds = max(1, n // tasks)
        seconds = loop.run_until_complete(round_robin(tasks, rounds))
        return seconds * n / (rounds * tasks)

    n, seconds = bl.measure_rate(run, opts.duration, start=tasks * 4)
    bl.report_rate("schedule", "switches/s", n, seconds, tasks=tasks)


main()
