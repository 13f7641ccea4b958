"""Move a live tasklet to a worker process and get its result back.

    ./python examples/migrate.py

A tasklet searches for primes, giving up the CPU after each candidate.
After a few steps here, it is pickled, sent over a multiprocessing pipe
to a worker process, loaded there and run to the end; the worker sends
the result back.  The same search run in one piece must give the same
result.  See the user guide's "Pickling" chapter.
"""

import multiprocessing
import pickle
import sys

import stackless


def is_prime(n):
    if n < 2:
        return False
    d = 2
    while d * d <= n:
        if n % d == 0:
            return False
        d += 1
    return True


def search(start, count, found):
    n = start
    steps = 0
    while len(found) < count:
        if is_prime(n):
            found.append(n)
        n += 1
        steps += 1
        stackless.schedule()        # a point where it can be moved
    found.append(('steps', steps))


def worker(conn):
    task, found = pickle.loads(conn.recv_bytes())
    task.insert()
    while task.alive:
        stackless.schedule()
    conn.send_bytes(pickle.dumps(found))
    conn.close()


def main():
    # In one piece, for comparison.
    straight = []
    stackless.tasklet(search)(10 ** 6, 30, straight)
    stackless.run()

    found = []
    t = stackless.tasklet(search)(10 ** 6, 30, found)
    for _ in range(50):             # some of the work here
        t.run()
    t.remove()
    print('here: %d primes after 50 steps, moving the tasklet' % len(found))
    ctx = multiprocessing.get_context('spawn')
    here, there = ctx.Pipe()
    proc = ctx.Process(target=worker, args=(there,))
    proc.start()
    here.send_bytes(pickle.dumps((t, found)))
    t.kill()
    result = pickle.loads(here.recv_bytes())
    proc.join()
    print('there: %d primes, last %d, %s' % (len(result) - 1, result[-2],
                                             result[-1]))
    if result != straight or proc.exitcode != 0:
        print('DIFFERENT RESULTS')
        return 1
    print('same result')
    return 0


if __name__ == '__main__':
    sys.exit(main())
