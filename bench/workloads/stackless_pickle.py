"""Pickle/unpickle round trips of a suspended tasklet per second.

The tasklet is paused two frames deep with live locals. One round trip is
pickle.dumps() plus pickle.loads(). Skipped where the runtime cannot pickle
a suspended tasklet.
"""
import pickle

import benchlib as bl

sl = bl.require_stackless()


def inner(values):
    total = sum(values)
    sl.schedule_remove()
    return total


def outer(label, count):
    values = list(range(count))
    result = inner(values)
    return label, result


def main():
    opts = bl.options(__doc__)
    t = sl.tasklet(outer)("pickled", 16)
    t.run()                     # runs until schedule_remove() pauses it
    try:
        data = pickle.dumps(t, pickle.HIGHEST_PROTOCOL)
        clone = pickle.loads(data)
    except Exception as exc:
        bl.skip("pickling a suspended tasklet is not supported (%s: %s)"
                % (type(exc).__name__, exc))
    # Resume the clone once to check that the pickle really carried state.
    clone.insert()
    sl.run()
    ok = int(not clone.alive)

    def run(n):
        dumps, loads = pickle.dumps, pickle.loads
        proto = pickle.HIGHEST_PROTOCOL
        t0 = bl.clock()
        for _ in range(n):
            loads(dumps(t, proto))
        return bl.clock() - t0

    n, seconds = bl.measure_rate(run, opts.duration, start=100)
    bl.report_rate("pickle", "roundtrips/s", n, seconds, bytes=len(data),
                   resumed_ok=ok)


main()
