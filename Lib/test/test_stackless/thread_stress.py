"""Randomized cross-thread channel traffic, checked against a model.

Several threads each run a scheduler with many tasklets.  Producers send
numbered messages over shared channels, consumers receive them; at random,
tasklets of any thread are killed, thrown at, removed and inserted again,
run, moved between threads, and the collector runs.  Every error an
operation may legitimately raise is caught.

The model: a message id is sent at most once.  A send that returned
delivered its message; a send that raised may or may not have (a kill can
arrive after the partner took the value).  Consumers are never killed or
thrown at, and producers absorb what is thrown at them (an error handler
takes what escapes them), so every delivered message must be received
exactly once, and
nothing may be received that was not sent.  Violations, lost or duplicated
messages, are reported and make main() return 1.

    python -m test.test_stackless.thread_stress [seed [threads [tasklets
                                                  [seconds]]]]
"""

import gc
import random
import sys
import threading
import time

import stackless

DONE = object()


def expected(e):
    """Errors the chaos may cause: its own ValueError and deadlocks.  (A
    collection in one thread must not stop switches in the others:
    docs/architecture.md D18.)"""
    text = str(e)
    return 'chaos' in text or 'Deadlock' in text


def run(seed, nthreads=3, ntasklets=12, seconds=1.0, switchinterval=None):
    rng = random.Random(seed)
    channels = [stackless.channel() for _ in range(3)]
    for ch in channels:
        ch.preference = rng.choice((-1, 0, 1))
    lock = threading.Lock()
    sent = {}           # id -> True (send returned) / False (send raised)
    received = []       # ids, in any order
    victims = []        # tasklets that may be killed, moved, ...
    stop = threading.Event()
    next_id = [0]
    errors = []
    deadline = time.monotonic() + seconds
    ops = [0]
    # A ValueError thrown at a producer that runs in another thread lands
    # at its thread's next check, which may lie outside the producer's
    # try (a loop's backward jump): it ends the producer.  Delivered to its
    # thread's main, it would replace a message that main was about to
    # receive (docs/reference.md, "Errors in tasklets"); the handler takes
    # it instead.
    def handler(typ, val, tb):
        if not expected(val):
            errors.append('unhandled %r' % (val,))
    old_handler = stackless.set_error_handler(handler)
    old_interval = sys.getswitchinterval()
    if switchinterval is not None:
        sys.setswitchinterval(switchinterval)

    def new_id():
        with lock:
            next_id[0] += 1
            return next_id[0]

    def producer(r):
        # Chaos throws ValueError at producers anywhere: they absorb it,
        # so that no exception ends a tasklet and reaches its thread's
        # main, which may itself be waiting for a message (an exception
        # delivered there replaces what it was about to receive).
        while not stop.is_set():
            try:
                i = new_id()
                ch = channels[r.randrange(len(channels))]
                sent[i] = False
                try:
                    ch.send(i)
                except (RuntimeError, ValueError):
                    continue        # deadlock, chaos: maybe not sent
                sent[i] = True
                if r.random() < 0.3:
                    stackless.schedule()
            except ValueError:
                pass

    def consumer(ch):
        while True:
            try:
                v = ch.receive()
            except RuntimeError:
                # Deadlock: nothing can send to it now.
                if stop.is_set():
                    return
                stackless.schedule()
                continue
            if v is DONE:
                return
            received.append(v)

    def chaos(r):
        while not stop.is_set():
            ops[0] += 1
            with lock:
                t = r.choice(victims) if victims else None
            op = r.randrange(10)
            try:
                if t is None:
                    pass
                elif op == 0:
                    t.kill(pending=r.random() < 0.5)
                elif op == 1:
                    t.throw(ValueError('chaos'), pending=True)
                elif op == 2:
                    t.remove()
                elif op == 3:
                    t.insert()
                elif op == 4:
                    t.run()
                elif op == 5:
                    t.bind_thread(r.choice(thread_ids))
                    t.insert()
                elif op == 6 and r.random() < 0.05:
                    gc.collect()
            except (RuntimeError, ValueError):
                pass
            stackless.schedule()
            if time.monotonic() > deadline:
                stop.set()

    def run_all():
        # Until nothing is runnable; a producer that a chaos ValueError
        # ended reaches run() as its exception.
        while stackless.getruncount() > 1:
            try:
                stackless.run()
            except (RuntimeError, ValueError) as e:
                if not expected(e):
                    errors.append(repr(e))

    def thread_main(k, ready, go):
        r = random.Random(seed * 100 + k)
        thread_ids[k] = threading.get_ident()
        mine = []
        for n in range(ntasklets):
            kind = n % 4
            if kind == 0:
                mine.append(stackless.tasklet(consumer)(channels[n % 3]))
            elif kind == 3 and n % 8 == 3:
                t = stackless.tasklet(chaos)(random.Random(r.random()))
                mine.append(t)
            else:
                t = stackless.tasklet(producer)(random.Random(r.random()))
                with lock:
                    victims.append(t)
                mine.append(t)
        ready.set()
        go.wait()
        while not stop.is_set():
            if k % 2:
                # This thread's main waits on a channel too: with nothing
                # else runnable the thread sleeps until another wakes it.
                try:
                    v = channels[k % 3].receive()
                except (RuntimeError, ValueError) as e:
                    if not expected(e):
                        errors.append(repr(e))
                    time.sleep(0.001)
                    continue
                if v is not DONE:
                    received.append(v)
                continue
            try:
                stackless.run()
            except (RuntimeError, ValueError) as e:
                if not expected(e):
                    errors.append(repr(e))
            if not stop.is_set():
                time.sleep(0.001)
        # Wind down: loops end, the test's main thread drains the
        # channels, and what that made runnable runs here.
        barrier.wait()
        barrier.wait()
        run_all()
        barrier.wait()
        run_all()
        for t in mine:
            if t.alive and t.thread_id == threading.get_ident():
                if isinstance(t.tempval, int):
                    errors.append('stranded %r in %r (scheduled %r, '
                                  'blocked %r, runcount %r)'
                                  % (t.tempval, t, t.scheduled, t.blocked,
                                     stackless.getruncount()))
                t.kill()

    thread_ids = [threading.get_ident()] * nthreads
    barrier = threading.Barrier(nthreads + 1)
    readies = [threading.Event() for _ in range(nthreads)]
    go = threading.Event()
    threads = [threading.Thread(target=thread_main, args=(k, readies[k], go))
               for k in range(nthreads)]
    for th in threads:
        th.start()
    for ev in readies:
        ev.wait()
    go.set()
    while not stop.is_set():
        time.sleep(0.01)
        if time.monotonic() > deadline:
            stop.set()

    def drain():
        # Senders still waiting are received here; receivers get DONE.
        for ch in channels:
            while ch.balance > 0:
                v = ch.receive()
                if v is not DONE:
                    received.append(v)
            while ch.balance < 0:
                ch.send(DONE)

    # Threads whose main waits on a channel get DONE until they are out.
    while barrier.n_waiting < nthreads:
        drain()
        time.sleep(0.001)
        if not any(th.is_alive() for th in threads):
            break
    barrier.wait()
    drain()
    barrier.wait()
    barrier.wait()
    for th in threads:
        th.join(30)
        if th.is_alive():
            errors.append('a thread did not end')
    sys.setswitchinterval(old_interval)
    stackless.set_error_handler(old_handler)

    # Messages a sender still held when its thread ended are sent=False.
    got = {}
    for v in received:
        got[v] = got.get(v, 0) + 1
    dup = sorted(v for v, n in got.items() if n > 1)
    unknown = sorted(v for v in got if v not in sent)
    lost = sorted(i for i, ok in sent.items() if ok and i not in got)
    return {
        'sent': sum(1 for ok in sent.values() if ok),
        'received': len(received),
        'ops': ops[0],
        'duplicated': dup,
        'unknown': unknown,
        'lost': lost,
        'errors': errors,
    }


def main(argv):
    seed = int(argv[1]) if len(argv) > 1 else 1
    nthreads = int(argv[2]) if len(argv) > 2 else 3
    ntasklets = int(argv[3]) if len(argv) > 3 else 12
    seconds = float(argv[4]) if len(argv) > 4 else 1.0
    r = run(seed, nthreads, ntasklets, seconds)
    print('seed %d: %d delivered, %d received, %d chaos ops; '
          'lost %d, duplicated %d, unknown %d, errors %d'
          % (seed, r['sent'], r['received'], r['ops'], len(r['lost']),
             len(r['duplicated']), len(r['unknown']), len(r['errors'])))
    bad = r['lost'] or r['duplicated'] or r['unknown'] or r['errors']
    if bad:
        print(r)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
