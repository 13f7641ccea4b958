"""A random single-thread fuzzer over the whole stackless API.

Every seed drives one run: tasklets of several kinds (soft, hard inside a
C call, generators, C callables, tasklets that spawn others) run small
random programs, and the main tasklet and the tasklets themselves make
random calls on random objects: every method of tasklets and channels,
the scheduling functions, callbacks that misbehave (raise, change
queues, switch, collect garbage), the error handler, switch traps,
atomic, contexts, tempvals, dropped references and garbage collections.
Wrong calls are welcome: the fuzzer only needs a Python exception, or
none, for each call -- never a crash, a hang or a broken invariant.

After every step main checks what must always hold: it is the current
tasklet, the run queue is a ring that holds it and counts right, every
tasklet in it is alive and belongs to this thread, every channel's queue
is consistent with its balance.

Run as a script: fuzz.py SEED [SEED...] [--ops N] [--seconds S], or
FIRST-LAST for a range of seeds.  Prints "FUZZ seed=S ops=N" per seed and
"FUZZ total ops=N seeds=K" at the end; exits 0 when every seed ran clean
(an invariant that breaks raises AssertionError, exit 1; a crash is a
crash).  --seconds bounds each seed's time.  STACKLESS_FUZZ_TRACE=1
prints each operation.  test_fuzz.py runs it in a child interpreter; `make
fuzz` runs it longer, also under the debug and AddressSanitizer builds.
"""

import contextvars
import gc
import os
import random
import sys
import time

import stackless


class Finalised:
    """A value whose finaliser makes a random call."""

    def __init__(self, fuzzer):
        self.fuzzer = fuzzer
        self.cycle = self if fuzzer.rng.random() < 0.3 else None

    def __del__(self):
        self.fuzzer.step(inside=False)


class SubTasklet(stackless.tasklet):
    def __init__(self, func=None, *args):
        super().__init__(func)
        self.extra = args


class Fuzzer:

    def __init__(self, seed, max_ops):
        self.rng = random.Random(seed)
        self.max_ops = max_ops
        self.ops = 0
        self.tasklets = []
        self.channels = [stackless.channel() for _ in range(3)]
        self.contexts = [contextvars.Context() for _ in range(2)]
        self.var = contextvars.ContextVar('fuzz')
        self.depth = 0          # nesting of callbacks calling fuzz ops
        self.trace = bool(os.environ.get('STACKLESS_FUZZ_TRACE'))
        # Odd seeds start with every switch hard; op_softswitch flips it.
        # A soft-only build cannot turn soft switching off: there every
        # seed runs soft, and a switch that would be hard raises
        # RuntimeError, one more error an operation may end with.
        if stackless.hard_switching:
            stackless.enable_softswitch(seed % 2 == 0)

    # -- objects to act on ---------------------------------------------

    def some_tasklet(self):
        if not self.tasklets or self.rng.random() < 0.1:
            return self.rng.choice([stackless.main, stackless.current])
        return self.rng.choice(self.tasklets)

    def some_channel(self):
        if self.rng.random() < 0.05:
            ch = stackless.channel()
            self.channels.append(ch)
            return ch
        return self.rng.choice(self.channels)

    def some_value(self):
        r = self.rng.random()
        if r < 0.05:
            return stackless.bomb(ValueError, ValueError('fuzz bomb'))
        if r < 0.1:
            return self.some_tasklet()
        if r < 0.2:
            # Its finaliser runs wherever the last reference goes: in the
            # middle of a switch, a callback, a collection.
            return Finalised(self)
        return self.rng.randrange(100)

    def some_exception(self):
        return self.rng.choice([ValueError, KeyError('k'), TaskletExit,
                                ZeroDivisionError, RuntimeError('r')])

    # -- tasklet bodies -----------------------------------------------

    def body_soft(self, steps):
        for _ in range(steps):
            self.step(inside=True)

    def body_hard(self, steps):
        # Every step inside a key function: switches there are hard.
        sorted(range(steps), key=lambda i: self.step(inside=True))

    def body_generator(self, steps):
        def gen():
            for _ in range(steps):
                self.step(inside=True)
                yield 1
        for _ in gen():
            pass

    def body_finally(self, steps):
        try:
            self.body_soft(steps)
        finally:
            self.step(inside=True)

    def body_catches_exit(self, steps):
        try:
            self.body_soft(steps)
        except TaskletExit:
            self.step(inside=True)

    def new_tasklet(self):
        kind = self.rng.randrange(8)
        steps = self.rng.randrange(1, 6)
        ch = self.some_channel()
        if kind == 0:
            t = stackless.tasklet(self.body_soft)(steps)
        elif kind == 1:
            t = stackless.tasklet(self.body_hard)(steps)
        elif kind == 2:
            t = stackless.tasklet(self.body_generator)(steps)
        elif kind == 3:
            t = stackless.tasklet(self.body_finally)(steps)
        elif kind == 4:
            t = stackless.tasklet(self.body_catches_exit)(steps)
        elif kind == 5:
            t = stackless.tasklet(ch.receive)()         # C callable
        elif kind == 6:
            t = stackless.tasklet(ch.send)(self.some_value())
        else:
            t = stackless.tasklet(self.body_soft)       # bound only
            if self.rng.random() < 0.5:
                t.bind(args=(steps,))                   # paused
        if len(self.tasklets) > 40:
            # Drop one: it becomes garbage if nothing else holds it.
            del self.tasklets[self.rng.randrange(len(self.tasklets))]
        self.tasklets.append(t)
        return t

    # -- callbacks ----------------------------------------------------

    def schedule_callback(self, prev, nxt):
        r = self.rng.random()
        if r < 0.1:
            raise ValueError('from the schedule callback')
        if r < 0.3:
            self.step(inside=True)      # mostly refused: queues frozen
        elif r < 0.35:
            gc.collect()

    def channel_callback(self, ch, t, sending, willblock):
        r = self.rng.random()
        if r < 0.1:
            raise KeyError('from the channel callback')
        if r < 0.2:
            self.step(inside=True)

    def error_handler(self, exc_type, exc, tb):
        r = self.rng.random()
        if r < 0.3:
            raise exc
        if r < 0.4:
            stackless.current.kill()
        if r < 0.6:
            self.step(inside=True)

    # -- one random operation -----------------------------------------

    def step(self, inside=False):
        """One random call; any Python exception is fine."""
        if self.ops >= self.max_ops or self.depth > 3:
            return
        self.ops += 1
        self.depth += 1
        op = self.rng.choice(self.OPERATIONS)
        if self.trace:
            print('op', self.ops, self.depth, op.__name__,
                  stackless.current is stackless.main, flush=True)
        try:
            op(self)
            if self.trace:
                print('  done', op.__name__, stackless.current.scheduled,
                      flush=True)
        except TaskletExit:
            if inside:
                raise
        except Exception:
            pass
        finally:
            self.depth -= 1
        return 0

    def op_new(self):
        self.new_tasklet()

    def op_setup(self):
        self.some_tasklet().setup(self.rng.randrange(3))

    def op_bind(self):
        t = self.some_tasklet()
        r = self.rng.random()
        if r < 0.3:
            t.bind(None)
        elif r < 0.6:
            t.bind(self.body_soft, (2,))
        else:
            t.bind(self.body_soft)

    def op_insert(self):
        self.some_tasklet().insert()

    def op_remove(self):
        self.some_tasklet().remove()

    def op_run(self):
        self.some_tasklet().run()

    def op_switch(self):
        self.some_tasklet().switch()

    def op_kill(self):
        self.some_tasklet().kill(pending=self.rng.random() < 0.5)

    def op_throw(self):
        self.some_tasklet().throw(self.some_exception(),
                                  pending=self.rng.random() < 0.5)

    def op_raise_exception(self):
        self.some_tasklet().raise_exception(ValueError, 'raised')

    def op_schedule(self):
        stackless.schedule()

    def op_schedule_remove(self):
        stackless.schedule_remove()

    def op_stackless_run(self):
        stackless.run()

    def op_send(self):
        self.some_channel().send(self.some_value())

    def op_receive(self):
        self.some_channel().receive()

    def op_select(self):
        ops = []
        for _ in range(self.rng.randint(0, 3)):
            ch = self.some_channel()
            ops.append((ch, self.some_value()) if self.rng.random() < 0.5
                       else ch)
        stackless.select(ops, block=self.rng.random() < 0.8)

    def op_pickle_select(self):
        # Refused while a tasklet waits in select(); fine otherwise.
        import pickle
        pickle.dumps(self.some_channel())

    def op_send_exception(self):
        self.some_channel().send_exception(ValueError, 'sent')

    def op_send_throw(self):
        self.some_channel().send_throw(self.some_exception())

    def op_send_sequence(self):
        self.some_channel().send_sequence(range(self.rng.randrange(3)))

    def op_iterate(self):
        for _ in self.some_channel():
            if self.rng.random() < 0.5:
                break

    def op_close_open(self):
        ch = self.some_channel()
        if self.rng.random() < 0.5:
            ch.close()
        else:
            ch.open()

    def op_channel_flags(self):
        ch = self.some_channel()
        ch.preference = self.rng.choice([-1, 0, 1])
        ch.schedule_all = self.rng.random() < 0.2

    def op_tempval(self):
        self.some_tasklet().tempval = self.some_value()

    def op_callbacks(self):
        r = self.rng.random()
        if r < 0.3:
            stackless.set_schedule_callback(
                self.schedule_callback if self.rng.random() < 0.5 else None)
        elif r < 0.6:
            stackless.set_channel_callback(
                self.channel_callback if self.rng.random() < 0.5 else None)
        else:
            stackless.set_error_handler(
                self.error_handler if self.rng.random() < 0.5 else None)

    def op_switch_trap(self):
        level = stackless.switch_trap(1)
        try:
            self.step(inside=True)
        finally:
            stackless.switch_trap(-1)
        del level

    def op_atomic(self):
        with stackless.atomic():
            self.step(inside=True)

    def op_context(self):
        t = self.some_tasklet()
        r = self.rng.random()
        if r < 0.4:
            t.set_context(self.rng.choice(self.contexts))
        elif r < 0.7:
            t.context_run(self.var.set, self.rng.randrange(10))
        else:
            self.rng.choice(self.contexts).run(self.step, True)

    def op_softswitch(self):
        on = self.rng.random() < 0.8
        if on or stackless.hard_switching:
            stackless.enable_softswitch(on)

    def op_gc(self):
        gc.collect()

    def op_drop(self):
        if self.tasklets:
            del self.tasklets[self.rng.randrange(len(self.tasklets))]
        if len(self.channels) > 3 and self.rng.random() < 0.5:
            del self.channels[self.rng.randrange(len(self.channels))]

    def op_attributes(self):
        t = self.some_tasklet()
        (t.alive, t.paused, t.scheduled, t.blocked, t.is_current,
         t.is_main, t.restorable, t.nesting_level, t.recursion_depth,
         t.frame, t.next, t.prev, t.thread_id, t.context_id, t.tempval)
        stackless.getruncount()
        stackless.getuncollectables()
        ch = self.some_channel()
        (ch.balance, ch.queue, ch.closed, ch.closing)

    def op_bind_thread(self):
        self.some_tasklet().bind_thread()

    def op_subclass(self):
        t = SubTasklet(self.body_soft, 1)
        if self.rng.random() < 0.7:
            t.setup(self.rng.randrange(1, 4))
        self.tasklets.append(t)

    def op_trace(self):
        t = self.some_tasklet()
        tracer = (lambda frame, event, arg: None) \
            if self.rng.random() < 0.5 else None
        if self.rng.random() < 0.5:
            t.trace_function = tracer
        else:
            t.profile_function = tracer

    def op_recursion(self):
        def down(n):
            if n:
                return down(n - 1)
            self.step(inside=True)
        down(self.rng.randrange(50, 400))

    def op_finaliser(self):
        Finalised(self)         # dropped at once, or with its cycle

    OPERATIONS = [
        op_new, op_new, op_new, op_setup, op_bind, op_insert, op_remove,
        op_run, op_run, op_switch, op_kill, op_kill, op_throw,
        op_raise_exception, op_schedule, op_schedule, op_schedule_remove,
        op_stackless_run, op_send, op_send, op_receive, op_receive,
        op_select, op_select, op_pickle_select,
        op_send_exception, op_send_throw, op_send_sequence, op_iterate,
        op_close_open, op_channel_flags, op_tempval, op_callbacks,
        op_switch_trap, op_atomic, op_context, op_softswitch, op_gc,
        op_drop, op_attributes, op_bind_thread, op_subclass, op_trace,
        op_recursion, op_finaliser,
    ]

    # -- invariants -----------------------------------------------------

    def check(self):
        main = stackless.main
        assert stackless.current is main, stackless.current
        ring = [main]
        seen = {id(main)}
        t = main.next
        while t is not main:
            assert t is not None, 'the run queue is not a ring'
            assert id(t) not in seen, 'the run queue loops past main'
            assert t.alive, 'a dead tasklet in the run queue'
            assert t.thread_id == main.thread_id
            assert t.next.prev is t and t.prev.next is t
            seen.add(id(t))
            ring.append(t)
            t = t.next
        assert stackless.getruncount() == len(ring), (
            stackless.getruncount(), len(ring))
        for ch in self.channels:
            queue = []
            t = ch.queue
            walked_all = True
            while t is not None:
                assert t.blocked, 'an unblocked tasklet in a channel'
                queue.append(t)
                if t._channel is None:
                    # Waiting in select(): linked in no queue itself, so
                    # the walk ends here (reference 7.6).
                    walked_all = False
                    break
                t = t.next
                assert len(queue) < 10000
            if walked_all:
                assert abs(ch.balance) == len(queue), (ch.balance, queue)
            else:
                assert abs(ch.balance) >= len(queue), (ch.balance, queue)

    # -- the run --------------------------------------------------------

    def run(self, deadline):
        while self.ops < self.max_ops and time.monotonic() < deadline:
            self.step()
            self.check()
        self.finish()

    def finish(self):
        """Reset the settings and kill what is left, as a program would."""
        stackless.set_schedule_callback(None)
        stackless.set_channel_callback(None)
        stackless.set_error_handler(None)
        stackless.enable_softswitch(True)
        sys.settrace(None)
        sys.setprofile(None)
        for _ in range(3):
            for t in list(self.tasklets):
                try:
                    t.kill()
                except BaseException:
                    pass
            try:
                stackless.run()
            except BaseException:
                pass
        self.tasklets.clear()
        gc.collect()
        self.check()


def main(argv):
    ops = 2000
    seconds = 60.0
    seeds = []
    args = iter(argv)
    for a in args:
        if a == '--ops':
            ops = int(next(args))
        elif a == '--seconds':
            seconds = float(next(args))
        elif '-' in a:
            first, last = a.split('-')
            seeds.extend(range(int(first), int(last) + 1))
        else:
            seeds.append(int(a))
    total = 0
    sys.setrecursionlimit(1000)
    for seed in seeds:
        fuzzer = Fuzzer(seed, ops)
        fuzzer.run(time.monotonic() + seconds)
        total += fuzzer.ops
        print('FUZZ seed=%d ops=%d' % (seed, fuzzer.ops), flush=True)
    print('FUZZ total ops=%d seeds=%d' % (total, len(seeds)), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
