"""Channel ping-pong between two tasklets: round trips per second.

The main tasklet sends on one channel and waits for the echo on another;
a second tasklet echoes. One round trip = two channel transfers.
"""
import benchlib as bl

sl = bl.require_stackless()


def echo(inbox, outbox):
    while True:
        value = inbox.receive()
        if value is None:
            return
        outbox.send(value)


def run(n):
    inbox, outbox = sl.channel(), sl.channel()
    sl.tasklet(echo)(inbox, outbox)
    t0 = bl.clock()
    for i in range(1, n + 1):
        inbox.send(i)
        outbox.receive()
    elapsed = bl.clock() - t0
    inbox.send(None)
    return elapsed


def main():
    opts = bl.options(__doc__)
    n, seconds = bl.measure_rate(run, opts.duration, start=1000)
    bl.report_rate("pingpong", "roundtrips/s", n, seconds)


main()
