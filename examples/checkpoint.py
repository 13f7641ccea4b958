"""Save a running simulation to a file and finish it in another process.

    ./python examples/checkpoint.py                 # the whole demonstration
    ./python examples/checkpoint.py run             # uninterrupted
    ./python examples/checkpoint.py save FILE TICK  # run to TICK, save, stop
    ./python examples/checkpoint.py resume FILE     # load and finish

Thousands of actor tasklets, each in the middle of a loop and a `try`
block, are driven tick by tick by a coordinator tasklet over channels.
Between two ticks the whole world -- the run queue as a list of
tasklets, and through their frames every channel and every tasklet
blocked on one -- is one pickle.  A second process loads it and runs the remaining
ticks; its result must equal the uninterrupted run's.  See the user
guide's "Pickling" chapter.
"""

import pickle
import subprocess
import sys
import tempfile
import os

import stackless

ACTORS = 3000
TICKS = 40


def actor(i, inbox, replies):
    value = i
    seen = 0
    try:
        while True:
            msg = inbox.receive()
            if msg is None:
                break
            tick, amount = msg
            value = (value * 31 + amount + tick) % 1000003
            seen += 1
            replies.send((i, value))
    finally:
        replies.send((i, ('done', seen, value)))


def coordinator(n, ticks, log):
    replies = stackless.channel()
    inboxes = [stackless.channel() for _ in range(n)]
    for i, inbox in enumerate(inboxes):
        stackless.tasklet(actor)(i, inbox, replies)
    stackless.schedule()            # every actor blocks on its inbox
    total = 0
    for tick in range(ticks):
        for i, inbox in enumerate(inboxes):
            inbox.send((tick, total % 1009 + i))
        for _ in range(n):
            i, value = replies.receive()
            total = (total + value * (i + 1)) % (1 << 61)
        log.append((tick, total))
        stackless.schedule()        # one tick done: a point to save at
    for inbox in inboxes:
        inbox.send(None)
    finals = sorted(replies.receive() for _ in range(n))
    log.append(('end', total, sum(f[1][1] for f in finals)))


def start():
    log = []
    c = stackless.tasklet(coordinator)(ACTORS, TICKS, log)
    stackless.schedule()            # actors made and blocked
    return c, log


def run_ticks(c, log, until=None):
    while c.alive and (until is None or len(log) < until):
        stackless.schedule()


def cmd_run():
    c, log = start()
    run_ticks(c, log)
    return log[-1]


def run_queue():
    """The runnable tasklets in order, main left out: the run queue is
    not part of a tasklet's pickle, so the world saves it as a list."""
    result = []
    t = stackless.current.next
    while t is not stackless.current:
        result.append(t)
        t = t.next
    return result


def cmd_save(path, tick):
    c, log = start()
    run_ticks(c, log, until=tick)
    runnable = run_queue()
    assert all(t.restorable for t in runnable)
    with open(path, 'wb') as f:
        pickle.dump((c, runnable, log), f, pickle.HIGHEST_PROTOCOL)
    return len(log)


def cmd_resume(path):
    with open(path, 'rb') as f:
        c, runnable, log = pickle.load(f)
    for t in runnable:
        t.insert()
    run_ticks(c, log)
    return log[-1]


def demonstrate():
    python = sys.executable
    me = os.path.abspath(__file__)
    straight = subprocess.run([python, me, 'run'], capture_output=True,
                              text=True, check=True).stdout.strip()
    print('uninterrupted run:   ', straight)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'world.pickle')
        saved = subprocess.run([python, me, 'save', path, str(TICKS // 2)],
                               capture_output=True, text=True,
                               check=True).stdout.strip()
        size = os.path.getsize(path)
        print('saved after tick %s: %d tasklets, %d bytes'
              % (saved, ACTORS + 1, size))
        resumed = subprocess.run([python, me, 'resume', path],
                                 capture_output=True, text=True,
                                 check=True).stdout.strip()
    print('resumed in a new process:', resumed)
    if resumed != straight:
        print('DIFFERENT RESULTS')
        return 1
    print('same result')
    return 0


def main(argv):
    if not argv:
        return demonstrate()
    if argv[0] == 'run':
        print(cmd_run())
    elif argv[0] == 'save':
        print(cmd_save(argv[1], int(argv[2])))
    elif argv[0] == 'resume':
        print(cmd_resume(argv[1]))
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
