"""Ping-pong between the main greenlet and an echo greenlet: round trips/s.

greenlet has no channels, so a round trip is the bare minimum: switch a
value to the echo greenlet and get it switched back (two switches).
"""
import benchlib as bl
from greenlet import greenlet, getcurrent


def echo(value):
    main = getcurrent().parent
    while value is not None:
        value = main.switch(value)


def run(n):
    partner = greenlet(echo)
    t0 = bl.clock()
    for i in range(1, n + 1):
        partner.switch(i)
    elapsed = bl.clock() - t0
    partner.switch(None)
    return elapsed


def main():
    opts = bl.options(__doc__)
    n, seconds = bl.measure_rate(run, opts.duration, start=1000)
    bl.report_rate("pingpong", "roundtrips/s", n, seconds)


main()
