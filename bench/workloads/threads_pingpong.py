"""Ping-pong between two OS threads over queue.Queue: round trips/s.

The main thread puts a value on one queue and waits for the echo on
another; an echo thread moves values from the first queue to the second.
"""
import queue
import threading

import benchlib as bl


def echo(inbox, outbox):
    while True:
        value = inbox.get()
        if value is None:
            return
        outbox.put(value)


def run(n):
    inbox, outbox = queue.Queue(), queue.Queue()
    partner = threading.Thread(target=echo, args=(inbox, outbox))
    partner.start()
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
    n, seconds = bl.measure_rate(run, opts.duration, start=200)
    bl.report_rate("pingpong", "roundtrips/s", n, seconds)


main()
