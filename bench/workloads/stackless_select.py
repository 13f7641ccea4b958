"""select() over 4 channels: round trips/s.

A selector tasklet blocks in stackless.select() over 4 channels and
answers each value on a reply channel; the main tasklet sends on the 4
channels in turn and waits for each reply.  One round trip: a send that
completes a select, and a reply.
"""
import benchlib as bl

sl = bl.require_stackless()
if not hasattr(sl, "select"):
    bl.skip("stackless has no select()")


def selector(chans, reply):
    select, send = sl.select, reply.send
    while True:
        _, value = select(chans)
        if value is None:
            return
        send(value)


def run(n):
    chans = [sl.channel() for _ in range(4)]
    reply = sl.channel()
    sl.tasklet(selector)(chans, reply)
    receive = reply.receive
    t0 = bl.clock()
    for i in range(1, n + 1):
        chans[i & 3].send(i)
        receive()
    elapsed = bl.clock() - t0
    chans[0].send(None)
    return elapsed


bl.rate_main(__doc__, "select4", "roundtrips/s", run, start=1000)
