"""Ping-pong between two gevent greenlets over channels: round trips/s.

gevent.queue.Channel is a rendezvous queue (put blocks until a get takes
the item), the closest gevent has to a stackless channel.
"""
import benchlib as bl
import gevent
from gevent.queue import Channel


def echo(inbox, outbox):
    while True:
        value = inbox.get()
        if value is None:
            return
        outbox.put(value)


def run(n):
    inbox, outbox = Channel(), Channel()
    partner = gevent.spawn(echo, inbox, outbox)
    t0 = bl.clock()
    for i in range(1, n + 1):
        inbox.put(i)
        outbox.get()
    elapsed = bl.clock() - t0
    inbox.put(None)
    partner.join()
    return elapsed


def main():
    opts = bl.options(__doc__)
    n, seconds = bl.measure_rate(run, opts.duration, start=1000)
    bl.report_rate("pingpong", "roundtrips/s", n, seconds)


main()
