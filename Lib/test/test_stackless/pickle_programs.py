"""Tasklet programs for the pickling tests (test_pickle.py).

Each program starts tasklets that append what they see to `out` and switch
often; run straight, or pickled between any two rounds of the scheduler and
resumed in a fresh process, it must print the same.  A round is one
stackless.schedule() of the main tasklet: every runnable tasklet runs until
it switches.  The functions live here, importable, so that they pickle by
reference; the closures and lambdas inside them pickle by value.

Run as a script it is the child of the differential test:
    python -m test.test_stackless.pickle_programs resume FILE
loads a world pickled by dump_world() and runs it to the end.
"""

import pickle
import sys

import stackless


# ------------------------------------------------------------------
# The programs

def pingpong(out):
    ch = stackless.channel()

    def ping(n):
        for i in range(n):
            ch.send(i)
            out.append(('ping', i))
        ch.send(None)

    def pong():
        total = 0
        while True:
            v = ch.receive()
            if v is None:
                break
            total += v
            out.append(('pong', v, total))
        out.append(('pong done', total))

    return [stackless.tasklet(ping)(4), stackless.tasklet(pong)()]


def numbers(n):
    for i in range(n):
        got = yield i
        if got is not None:
            yield ('echo', got)


def chained(n):
    yield 'start'
    result = yield from numbers(n)
    yield ('end', result)


def generators(out):
    def consumer():
        for v in chained(3):
            out.append(v)
            stackless.schedule()
        g = numbers(5)
        out.append(next(g))
        stackless.schedule()
        out.append(g.send('x'))
        stackless.schedule()
        out.append(list(g))
    return [stackless.tasklet(consumer)()]


class Resource:
    def __init__(self, name, out):
        self.name = name
        self.out = out

    def __enter__(self):
        self.out.append(('enter', self.name))
        return self

    def __exit__(self, *exc):
        self.out.append(('exit', self.name, exc[0] and exc[0].__name__))
        return False


def exceptions(out):
    def worker():
        try:
            with Resource('r1', out):
                stackless.schedule()
                raise KeyError('k')
        except KeyError as e:
            stackless.schedule()
            out.append(('handling', repr(e), repr(sys.exception())))
            stackless.schedule()
        finally:
            out.append('finally 1')
            stackless.schedule()
            out.append('finally 2')
        try:
            try:
                raise ValueError('inner')
            finally:
                stackless.schedule()
                out.append('pending ValueError')
        except ValueError as e:
            out.append(('caught', str(e)))
        out.append(('after', repr(sys.exception())))
    return [stackless.tasklet(worker)()]


def closures(out):
    def make_counter():
        count = 0

        def bump(by):
            nonlocal count
            count += by
            return count
        return bump

    def fact(n):
        return 1 if n <= 1 else n * fact(n - 1)

    def worker(bump, scale):
        for i in range(4):
            out.append((bump(i), scale(i), fact(i + 2)))
            stackless.schedule()

    counter = make_counter()
    return [stackless.tasklet(worker)(counter, lambda x: x * 10),
            stackless.tasklet(worker)(counter, lambda x: -x)]


def descend(n, out):
    if n == 0:
        stackless.schedule()
        out.append('bottom')
        return 0
    r = descend(n - 1, out) + 1
    if n % 50 == 0:
        out.append(('up', n))
        stackless.schedule()
    return r


def recursion(out):
    def worker():
        out.append(('depth', descend(300, out)))
    return [stackless.tasklet(worker)()]


def building(out):
    ch = stackless.channel()

    def producer():
        for i in range(6):
            ch.send(i * i)

    def consumer():
        squares = [f"<{i}:{ch.receive()}>" for i in range(3)]
        out.append(squares)
        d = {k: ch.receive() for k in 'ab'}
        out.append(sorted(d.items()))
        out.append((ch.receive(), f"tail{ch.balance}"))

    return [stackless.tasklet(producer)(), stackless.tasklet(consumer)()]


class Step:
    """An awaitable that gives the CPU away once."""

    def __await__(self):
        got = yield 'step'
        return got


async def coro_body(out):
    total = 0
    for i in range(3):
        total += await Step()
        out.append(('coro', total))
    return total


def coroutines(out):
    def driver():
        c = coro_body(out)
        value = c.send(None)
        try:
            i = 1
            while True:
                stackless.schedule()
                value = c.send(i)
                i += 1
        except StopIteration as e:
            out.append(('coro result', e.value, value))
    return [stackless.tasklet(driver)()]


def nested_channels(out):
    requests = stackless.channel()

    def server():
        for _ in range(3):
            n, reply = requests.receive()
            reply.send(n * 2)

    def client(n):
        reply = stackless.channel()
        requests.send((n, reply))
        out.append(('client', n, reply.receive()))

    return [stackless.tasklet(server)()] + [
        stackless.tasklet(client)(n) for n in range(3)]


PROGRAMS = {f.__name__: f for f in (
    pingpong, generators, exceptions, closures, recursion, building,
    coroutines, nested_channels)}


# ------------------------------------------------------------------
# Running them

MAX_ROUNDS = 10000


def rounds_left():
    """Whether any tasklet but main can run."""
    return stackless.runcount > 1


def start(name):
    out = []
    tasklets = PROGRAMS[name](out)
    return tasklets, out


def run_rounds(limit=MAX_ROUNDS):
    """Run rounds until nothing but main is runnable; returns how many."""
    n = 0
    while rounds_left() and n < limit:
        stackless.schedule()
        n += 1
    return n


def run_straight(name):
    tasklets, out = start(name)
    run_rounds()
    return out


def world():
    """The tasklets runnable now, in run-queue order (main excluded)."""
    result = []
    t = stackless.current.next
    while t is not stackless.current:
        result.append(t)
        t = t.next
    return result


def dump_world(tasklets, out):
    """Pickle the runnable tasklets and `out`; blocked tasklets come with
    the channels their partners' frames refer to."""
    return pickle.dumps((world(), tasklets, out))


def resume(data):
    runnable, tasklets, out = pickle.loads(data)
    for t in runnable:
        t.insert()
    run_rounds()
    return out


def main(argv):
    if argv[:1] == ['resume']:
        with open(argv[1], 'rb') as f:
            data = f.read()
        print(repr(resume(data)))
        return 0
    if argv[:1] == ['straight']:
        print(repr(run_straight(argv[1])))
        return 0
    print(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
