"""Helpers shared by the workload scripts.

Every script prints machine-readable lines that bench/run.py parses:

    RESULT <metric>=<value> unit=<unit> [key=value ...]
    SKIP reason=<free text up to the end of the line>
    PROGRESS <key>=<value> ...

The scripts must run on any Python >= 3.9 (PyPy 3.9 runs the stackless
ones, Debian's 3.11 the greenlet/gevent ones) using the stdlib only.
"""

import argparse
import gc
import os
import sys
import time

clock = time.perf_counter


def options(description):
    """Parse the options every workload script understands.

    Each script uses the subset it needs; run.py passes only those.
    """
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--duration", type=float, default=1.0,
                   help="seconds the timed run should last (rate workloads)")
    p.add_argument("--tasks", type=int, default=1000,
                   help="number of tasks (schedule, memory)")
    p.add_argument("--batch", type=int, default=1000,
                   help="tasks created per batch (spawn)")
    p.add_argument("--cap", type=int, default=1000000,
                   help="recursion depth at which to stop (recursion)")
    p.add_argument("--size", type=int, default=0,
                   help="problem size; 0 means the script's default (cpu)")
    return p.parse_args()


def _emit(kind, head, extra):
    parts = [kind, head]
    for key, value in extra.items():
        if isinstance(value, float):
            value = "%.6g" % value
        parts.append("%s=%s" % (key, value))
    print(" ".join(parts))
    sys.stdout.flush()


def result(metric, value, unit, **extra):
    _emit("RESULT", "%s=%r" % (metric, value), dict(unit=unit, **extra))


def progress(**extra):
    _emit("PROGRESS", "", extra)


def skip(reason):
    """Report that this workload cannot run here, and stop (exit status 0)."""
    print("SKIP reason=" + " ".join(str(reason).split()))
    sys.stdout.flush()
    sys.exit(0)


def done():
    """Flush and leave at once.

    Skips interpreter teardown: destroying a million blocked tasks is slow
    and is not what is being measured.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def rss_bytes():
    """Resident set size of this process, from /proc/self/statm."""
    with open("/proc/self/statm") as f:
        resident_pages = int(f.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


def settle():
    """Collect garbage so RSS readings compare like with like."""
    for _ in range(3):
        gc.collect()


def measure_rate(run, target, start=1):
    """Time run(n), which does n units of work and returns its seconds.

    n grows until one run takes at least target/8 (this also warms up JITs
    and allocators); later runs are sized to last about `target`, and the
    first of them lasting at least target/2 is the measurement (a JIT that
    was still warming up makes the first estimate too small).
    Returns (n, seconds) of that run.
    """
    n = start
    warmed = False
    while True:
        t = run(n)
        if warmed and t >= target / 2:
            return n, t
        if t >= target / 8:
            warmed = True
        aim = target if warmed else target / 8
        # Scale by the observed speed, at most 16x per step so a tiny, noisy
        # first timing cannot overshoot by orders of magnitude.
        n = max(1, int(n * min(16.0, aim / max(t, 1e-6) * 1.05)))


def report_rate(metric, unit, n, seconds, **extra):
    result(metric, n / seconds, unit, n=n, seconds=seconds, **extra)


def rate_main(description, metric, unit, run, start=1):
    """The whole main() of a rate workload: parse the options, measure
    run(n) (see measure_rate) and print its RESULT line."""
    opts = options(description)
    n, seconds = measure_rate(run, opts.duration, start=start)
    report_rate(metric, unit, n, seconds)


def on_new_loop(coro_fn):
    """A run(n) for measure_rate() made of an async coro_fn(n) that
    returns its seconds: each call runs coro_fn(n) to completion on the
    same new asyncio event loop."""
    import asyncio
    loop = asyncio.new_event_loop()
    return lambda n: loop.run_until_complete(coro_fn(n))


def require_stackless():
    """Import the stackless API or skip when this runtime lacks tasklets."""
    try:
        import stackless
    except ImportError:
        skip("no stackless module in this interpreter")
    if not hasattr(stackless, "tasklet"):
        skip("stackless module has no tasklets yet")
    return stackless


# --- deepest recursion ----------------------------------------------------

_deepest = [0]


def _recurse(depth, cap, step):
    _deepest[0] = depth
    if depth >= cap:
        return depth
    if depth % step == 0:
        # Printed as we go so that run.py can still say how deep we got
        # if the process dies of a segfault (C stack overflow).
        print("PROGRESS depth=%d" % depth)
        sys.stdout.flush()
    return _recurse(depth + 1, cap, step)


def recursion_probe(cap):
    """Recurse in plain Python until `cap` frames or an error.

    Returns (depth reached, why it stopped). Must be called from inside a
    task of the model being measured.
    """
    # The limit is raised above the cap so that the interpreter's own
    # counter is not what stops us before the cap.
    sys.setrecursionlimit(cap + 1000)
    step = 1000
    _deepest[0] = 0
    try:
        depth = _recurse(1, cap, step)
        why = "cap"
    except RecursionError:
        depth, why = _deepest[0], "RecursionError"
    except MemoryError:
        depth, why = _deepest[0], "MemoryError"
    return depth, why


def report_recursion(outcome, cap):
    depth, why = outcome
    result("max_depth", depth, "frames", stop=why, cap=cap)
