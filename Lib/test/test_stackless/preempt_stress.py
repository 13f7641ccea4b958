"""Randomized pre-emption with channel traffic, exceptions and kills,
checked against a message model.

Producers send (producer, sequence) pairs over a few channels; consumers
receive them.  Both do CPU work between messages (loops, recursion,
generators) that only pre-emption interrupts.  A driver runs
stackless.run() with random timeouts, flags and budgets, and does random
things to the interrupted tasklet (continue it, throw at it, kill it) and
to blocked ones.

The model: a message counts as sent once send() returned and as received
once receive() returned; each side records it in the same atomic block
(pre-emption cannot come between).  At the end every message sent was
received exactly once, none was received that was not sent, and every
thrown exception was either caught by the tasklet or, thrown at one
paused between two iterations of its loop (outside the loop's try, as a
signal there would be), ended it and came out of run().

    python -m test.test_stackless.preempt_stress [first_seed [seeds [rounds]]]
"""

import random
import sys

import stackless


class Stopping(Exception):
    pass


def work(rng_value):
    """CPU work in several shapes: a loop, recursion, a generator."""
    kind = rng_value % 3
    n = 20 + rng_value % 200
    if kind == 0:
        total = 0
        for i in range(n):
            total += i
        return total
    if kind == 1:
        def down(k):
            return 0 if k == 0 else down(k - 1) + 1
        return down(n % 60)

    def gen():
        for i in range(n):
            yield i
    total = 0
    for x in gen():
        total += x
    return total


def run_seed(seed, rounds=300):
    rng = random.Random(seed)
    channels = [stackless.channel() for _ in range(3)]
    for ch in channels:
        ch.preference = rng.choice((-1, 0, 1))
    sent = []
    received = []
    caught = [0]
    thrown = [0]
    escaped = [0]
    producers = []
    consumers = []

    stop = []

    def producer(pid, ch, step):
        seq = 0
        while True:
            if stop:
                return
            try:
                work(pid * 7 + seq * step)
                with stackless.atomic():
                    ch.send((pid, seq))
                    sent.append((pid, seq))
                seq += 1
            except ValueError:
                caught[0] += 1

    def consumer(cid, ch):
        k = 0
        while True:
            try:
                with stackless.atomic():
                    msg = ch.receive()
                    received.append(msg)
                k += 1
                work(cid * 13 + k)
            except ValueError:
                caught[0] += 1

    for pid in range(6):
        t = stackless.tasklet(producer)(pid, channels[pid % 3],
                                        rng.randint(1, 9))
        producers.append(t)
    for cid in range(6):
        consumers.append(stackless.tasklet(consumer)(cid, channels[cid % 3]))
    everyone = producers + consumers

    def alive_consumers(ch):
        return [t for t in consumers if t.alive and channels[
            consumers.index(t) % 3] is ch]

    kills = interrupts = 0
    for r in range(rounds):
        kwargs = {}
        if rng.random() < 0.15:
            kwargs['soft'] = True
        if rng.random() < 0.15:
            kwargs['totaltimeout'] = True
        if rng.random() < 0.1:
            kwargs['budget'] = rng.choice((0.0002, 0.0005))
            timeout = rng.choice((0, 300))
        else:
            timeout = rng.randint(5, 400)
        try:
            v = stackless.run(timeout, **kwargs)
        except ValueError:
            # Thrown at a tasklet paused between two iterations of its
            # loop, outside the loop's try: it ended with it.
            escaped[0] += 1
            continue
        if v is not None:
            interrupts += 1
            action = rng.random()
            # Keep one consumer per channel, so producers can go on.
            can_die = v in producers or len(alive_consumers(
                channels[consumers.index(v) % 3])) > 1
            if action < 0.04 and can_die:
                v.kill()
                kills += 1
            elif action < 0.12:
                thrown[0] += 1
                v.throw(ValueError('thrown'), pending=True)
            else:
                v.insert()
        if rng.random() < 0.05:
            blocked = [t for t in everyone if t.blocked]
            if blocked:
                t = rng.choice(blocked)
                thrown[0] += 1
                t.throw(ValueError('thrown at a blocked one'), pending=True)
        if rng.random() < 0.02:
            blocked = [t for t in producers if t.blocked]
            if blocked:
                rng.choice(blocked).kill()
                kills += 1
    # The producers stop; everything runs until only blocked consumers
    # are left (pending exceptions have arrived then), and is killed.
    stop.append(True)
    for t in everyone:
        if t.alive and t.paused:
            t.insert()
    for i in range(10000):
        try:
            v = stackless.run(1000)
        except ValueError:
            escaped[0] += 1
            continue
        if v is not None:
            v.insert()
        elif stackless.getruncount() == 1:
            break
    for t in everyone:
        if t.alive:
            if t.scheduled and not t.blocked:
                t.remove()
            t.kill()
    problems = []
    if len(set(received)) != len(received):
        problems.append('duplicated messages')
    if set(received) != set(sent):
        problems.append('lost %d, unknown %d' % (
            len(set(sent) - set(received)), len(set(received) - set(sent))))
    if caught[0] + escaped[0] != thrown[0]:
        problems.append('thrown %d, caught %d, escaped %d'
                        % (thrown[0], caught[0], escaped[0]))
    if stackless.getruncount() != 1:
        problems.append('run queue not empty')
    return {'seed': seed, 'messages': len(received), 'interrupts': interrupts,
            'kills': kills, 'thrown': thrown[0], 'escaped': escaped[0],
            'problems': problems}


def main(argv):
    first = int(argv[1]) if len(argv) > 1 else 0
    count = int(argv[2]) if len(argv) > 2 else 20
    rounds = int(argv[3]) if len(argv) > 3 else 1000
    failed = 0
    total = 0
    for seed in range(first, first + count):
        result = run_seed(seed, rounds)
        total += result['messages']
        print(result, flush=True)
        failed += bool(result['problems'])
    print('preempt_stress: %d seeds, %d messages, %d failed'
          % (count, total, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
