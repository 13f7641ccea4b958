"""Pickling figures of one blocked tasklet, measured in one run.

    ./python bench/pickling.py [--quick] [--reps N]

The tasklet is blocked in a channel receive three frames deep, with a few
locals in each frame (the shape the pickling issue names).  Prints

  dumps/s        pickle.dumps(tasklet), highest protocol
  loads/s        pickle.loads() of that pickle
  bytes          size of the pickle
  memory         bytes per tasklet, 20,000 of them blocked, created
                 fresh and then loaded from pickles (RSS growth after
                 gc.collect(), the tasklets kept alive)

Each rate is the median of --reps runs; this VM's speed drifts, so
compare figures of one run only.  The original Stackless 3.7.5 did
about 39,000 dumps/s and 40,000 loads/s of such a tasklet on this
machine class on a quiet run (14,000-18,000 on a slow one); it cannot
be built here, so those figures are quoted, not measured.
"""

import gc
import pickle
import statistics
import sys
import time

import stackless

PROTO = pickle.HIGHEST_PROTOCOL


def leaf(ch, a):
    x = a * 2
    y = [x, 'z']
    return ch.receive() + x + len(y)


def middle(ch, a):
    k = a + 1
    return leaf(ch, k) + k


def root(ch):
    base = 10
    return middle(ch, base)


def blocked_tasklet():
    ch = stackless.channel()
    t = stackless.tasklet(root)(ch)
    t.run()
    assert t.blocked and t.restorable
    return t


def rate(fn, n):
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - t0)


def rss():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * 4096


def per_tasklet(kind, count):
    """Measured in a child of its own: memory freed by one batch would
    hide the next one's growth."""
    import subprocess
    out = subprocess.run([sys.executable, __file__, '--memory', kind,
                          str(count)], capture_output=True, text=True,
                         check=True).stdout
    return float(out)


def memory_child(kind, count):
    data = pickle.dumps(blocked_tasklet(), PROTO)
    make = blocked_tasklet if kind == 'fresh' else (
        lambda: pickle.loads(data))
    make().kill()
    gc.collect()
    before = rss()
    keep = [make() for _ in range(count)]
    gc.collect()
    print((rss() - before) / count)
    for t in keep:
        t.kill()


def main():
    if sys.argv[1:2] == ['--memory']:
        memory_child(sys.argv[2], int(sys.argv[3]))
        return
    quick = '--quick' in sys.argv
    reps = 5
    if '--reps' in sys.argv:
        reps = int(sys.argv[sys.argv.index('--reps') + 1])
    n = 2000 if quick else 50000
    count = 2000 if quick else 20000
    if quick:
        reps = 1
    t = blocked_tasklet()
    data = pickle.dumps(t, PROTO)
    copy = pickle.loads(data)
    assert copy.blocked
    copy.kill()
    dumps = [rate(lambda: pickle.dumps(t, PROTO), n) for _ in range(reps)]
    loads = [rate(lambda: pickle.loads(data), n) for _ in range(reps)]
    # A loaded tasklet comes with its own channel, as the fresh one does.
    fresh = per_tasklet('fresh', count)
    loaded = per_tasklet('loaded', count)
    t.kill()
    print('pickling a tasklet blocked three frames deep (median of %d)'
          % reps)
    print('  dumps/s   %10.0f' % statistics.median(dumps))
    print('  loads/s   %10.0f' % statistics.median(loads))
    print('  bytes     %10d' % len(data))
    print('  memory    %10.0f bytes per fresh blocked tasklet' % fresh)
    print('  memory    %10.0f bytes per loaded blocked tasklet (%+.1f%%)'
          % (loaded, 100.0 * (loaded - fresh) / fresh))


if __name__ == '__main__':
    main()
