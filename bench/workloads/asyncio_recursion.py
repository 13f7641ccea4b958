"""Deepest plain-Python recursion reached inside an asyncio task."""
import asyncio

import benchlib as bl


async def probe(cap):
    return bl.recursion_probe(cap)


def main():
    opts = bl.options(__doc__)
    # run_until_complete wraps the coroutine in a Task.
    outcome = asyncio.new_event_loop().run_until_complete(probe(opts.cap))
    bl.report_recursion(outcome, opts.cap)


main()
