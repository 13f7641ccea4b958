"""Mutated tasklet pickles: each must load or fail with an exception, and
what loads must run or fail with an exception -- never crash or hang.

    python -m test.test_stackless.pickle_fuzz SEED CASES [--only N]

builds a corpus of real pickles (every program of pickle_programs after
every round, plus generators and lambdas), then for each case mutates one
of them and loads and runs the result.  Half the cases mutate the pickle's
bytes (bit flips, truncation, cut, repeated or random bytes); the other
half mutate the data a loader sees (frame offsets, values, NULL
positions, kinds, generator states) and hand it to the loaders directly,
as a hand-crafted pickle could.  It prints "case N" before each case, so a
crash names the case to rerun with --only, and "done" at the end.
test_pickle.py runs a few hundred cases; `make fuzz-pickle` runs many.
"""

import pickle
import random
import sys
import types

import stackless
from stackless import _wrap

from . import pickle_programs as pp

ROUNDS = 40


async def agen():
    for i in range(3):
        got = await pp.Step()
        yield (i, got)


async def consumer(out):
    async for v in agen():
        out.append(v)
    return out


def corpus():
    stackless.enable_softswitch(True)
    items = []
    for name in pp.PROGRAMS:
        k = 0
        while True:
            tasklets, out = pp.start(name)
            if pp.run_rounds(k) < k or not pp.rounds_left():
                for t in tasklets:
                    t.kill()
                break
            items.append(pp.dump_world(tasklets, out))
            for t in tasklets:
                t.kill()
            k += 1
    g = pp.chained(4)
    next(g)
    next(g)
    items.append(pickle.dumps(g))
    items.append(pickle.dumps((lambda a, *b, c=3: (a, b, c), pp.numbers(2))))
    c = consumer([])
    c.send(None)
    items.append(pickle.dumps(c))
    c.close()
    return items


def some_value(rng, pool):
    choices = [None, 0, -1, 1, 2 ** 62, 2 ** 200, 'x', b'y', (), (1, 2),
               [], {}, set(), iter(()), iter([1, 2]), range(3),
               KeyError('k'), StopIteration(), types.CellType(),
               types.CellType(5), stackless.channel(), stackless.tasklet(),
               object(), print, pp.numbers, pp.numbers(1), len]
    if pool and rng.random() < 0.4:
        return rng.choice(pool)
    return rng.choice(choices)


def mutate_bytes(rng, data):
    b = bytearray(data)
    how = rng.randrange(6)
    if how == 0:
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
    elif how == 1:
        del b[rng.randrange(len(b)):]
    elif how == 2:
        i = rng.randrange(len(b))
        del b[i:i + rng.randint(1, 16)]
    elif how == 3:
        i = rng.randrange(len(b))
        j = rng.randrange(len(b))
        b[i:i] = b[j:j + rng.randint(1, 32)]
    elif how == 4:
        i = rng.randrange(len(b))
        b[i] = rng.randrange(256)
    else:
        i = rng.randrange(len(b))
        b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return bytes(b)


def mutate_frame_state(rng, st, pool):
    st = list(st)
    how = rng.randrange(9)
    if how == 0:
        st[3] = st[3] + rng.choice([-4, -2, -1, 1, 2, 3, 4, 10])
    elif how == 1:
        st[3] = rng.choice([0, 1, -1, 2 ** 31, 2 ** 63, rng.randrange(400)])
    elif how in (2, 3, 4) and st[5]:
        values = list(st[5])
        i = rng.randrange(len(values))
        if how == 2:
            values[i] = some_value(rng, pool)
        elif how == 3:
            j = rng.randrange(len(values))
            values[i], values[j] = values[j], values[i]
        else:
            del values[i]
        st[5] = tuple(values)
    elif how == 5:
        st[5] = tuple(st[5]) + (some_value(rng, pool),)
    elif how == 6:
        n = len(st[5])
        st[6] = tuple(sorted(set(st[6]) ^ {rng.randrange(n + 2)}))
    elif how == 7:
        st[2] = rng.choice([0, 1, 2, 3, -1])
    else:
        st[rng.randrange(len(st))] = some_value(rng, pool)
    return tuple(st)


def objects_of(data):
    """Tasklets and generators reachable from a loaded corpus item."""
    found = []

    def walk(x, depth=0):
        if depth > 3:
            return
        if isinstance(x, (stackless.tasklet, types.GeneratorType,
                          types.CoroutineType, types.AsyncGeneratorType)):
            found.append(x)
        elif isinstance(x, (list, tuple)):
            for y in x:
                walk(y, depth + 1)
    walk(pickle.loads(data))
    return found


def mutate_structure(rng, data):
    """A loader called with mutated data: returns what it built."""
    objs = objects_of(data)
    if not objs:
        return []
    obj = rng.choice(objs)
    if isinstance(obj, stackless.tasklet):
        if not obj.alive or stackless.current is obj:
            return []
        cls, args, st = obj.__reduce__()
        obj.kill()
        st = list(st)
        images = [im.__reduce__()[2] if isinstance(im, _wrap.frame) else im
                  for im in st[3]]
        pool = [v for s in images if isinstance(s, tuple) and len(s) == 7
                for v in s[5]]
        if images and rng.random() < 0.8:
            i = rng.randrange(len(images))
            if isinstance(images[i], tuple):
                images[i] = mutate_frame_state(rng, images[i], pool)
        elif rng.random() < 0.5:
            st[rng.choice([0, 1, 5])] = some_value(rng, pool)
        frames = []
        for s in images:
            if isinstance(s, tuple):
                im = _wrap.frame()
                im.__setstate__(s)
                frames.append(im)
            else:
                frames.append(s)
        st[3] = frames
        t = stackless.tasklet()
        t.__setstate__(tuple(st))
        return [t]
    helper, (st,) = _wrap.reduce_generator(obj)
    st = list(st)
    if st[3] is not None and rng.random() < 0.8:
        st[3] = mutate_frame_state(rng, st[3], list(st[3][5]))
    else:
        st[rng.randrange(len(st))] = some_value(rng, [])
    return [helper(tuple(st))]


def exercise(objs):
    """Run what loaded, a bounded number of rounds."""
    for o in objs:
        if isinstance(o, stackless.tasklet):
            if o.alive and not o.scheduled and not o.blocked:
                o.insert()
        elif isinstance(o, (types.GeneratorType, types.CoroutineType)):
            try:
                for _ in range(5):
                    o.send(None)
            except BaseException:
                pass
    for _ in range(ROUNDS):
        if stackless.runcount <= 1:
            break
        try:
            stackless.schedule()
        except BaseException:
            pass
    for o in objs:
        if isinstance(o, stackless.tasklet) and o.alive:
            try:
                o.kill()
            except BaseException:
                pass


def limit_memory():
    """A mutated memo index makes pickle's own loader allocate without
    bound (a limit of CPython's unpickler, not of ours): cap the address
    space so that this ends in MemoryError instead of swapping.  Not
    under AddressSanitizer, which maps terabytes of shadow memory: there
    ASAN_OPTIONS=allocator_may_return_null=1:max_allocation_size_mb=4096
    does the same (test_pickle and tools/fuzz-pickle.sh set it)."""
    import sysconfig
    if '-fsanitize=address' in (sysconfig.get_config_var('CFLAGS') or ''):
        return
    import resource
    cap = 4 << 30
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def main(argv):
    limit_memory()
    seed = int(argv[0])
    cases = int(argv[1])
    only = int(argv[3]) if len(argv) > 3 and argv[2] == '--only' else None
    items = corpus()
    loaded = failed = 0
    for case in range(cases):
        rng = random.Random(seed * 1000003 + case)
        data = rng.choice(items)
        structural = rng.random() < 0.5
        if only is not None and case != only:
            continue
        print('case', case, flush=True)
        try:
            if structural:
                objs = mutate_structure(rng, data)
            else:
                objs = objects_of(mutate_bytes(rng, data))
            loaded += 1
        except Exception:
            failed += 1
            continue
        exercise(objs)
        # What the run left behind goes now, not at exit.
        for t in pp.world():
            t.kill()
    print('done', cases, 'loaded', loaded, 'refused', failed, flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
