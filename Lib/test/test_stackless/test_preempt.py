"""Pre-emption: run(timeout), run(budget=...), the watchdog stack, atomic.

Reference: docs/reference.md section 11 (run(), watchdogs, pre-emption,
atomic, nesting) and the user guide's "Pre-emption" chapter.  A tick is a
loop iteration or the start of a Python frame.
"""

import _thread
import pickle
import random
import sys
import threading
import time
import unittest

import stackless

from .support import (StacklessTestCase, ring, state, PAUSED, RUNNABLE,
                      CURRENT, SOFTSWITCH, in_subprocess, requires_hard_switch)
from . import preempt_stress


class PreemptTestCase(StacklessTestCase):
    """Spinning tasklets loop while self.spinning holds; it is cleared
    before the scheduler is cleaned up, so that killing a runnable
    spinner does not leave another one spinning for ever."""

    def setUp(self):
        super().setUp()
        self.spinning = [True]
        self.addCleanup(self.spinning.clear)

    def spinner(self, counts=None, key=0):
        spinning = self.spinning

        def spin():
            n = 0
            while spinning:
                n += 1
                if counts is not None:
                    counts[key] = n
        return stackless.tasklet(spin)()


class HardInterruptTest(PreemptTestCase):

    def test_tight_loop_returned_paused(self):
        counts = {}
        t = self.spinner(counts)
        v = stackless.run(100)
        self.assertIs(v, t)
        self.assertState(t, PAUSED)
        self.assertEqual(stackless.getruncount(), 1)
        first = counts[0]
        self.assertGreater(first, 10)
        self.assertLessEqual(first, 100)
        # insert() continues it where it was; kill() ends it
        t.insert()
        self.assertIs(stackless.run(100), t)
        self.assertGreater(counts[0], first)
        t.kill()
        self.assertFalse(t.alive)

    def test_timeout_counts_ticks_per_slice(self):
        counts = {}
        t = self.spinner(counts)
        for expected in range(1, 6):
            self.assertIs(stackless.run(1000), t)
            t.insert()
        # Each slice is the same number of loop iterations, give or take
        # the iteration the interrupt hits.
        self.assertGreaterEqual(counts[0], 5 * 990)
        self.assertLessEqual(counts[0], 5 * 1000)

    def test_paused_victim_frame(self):
        t = self.spinner()
        stackless.run(50)
        f = t.frame
        self.assertEqual(f.f_code.co_name, 'spin')
        self.assertFalse(t.scheduled)
        self.assertEqual(t.restorable, SOFTSWITCH)
        t.kill()

    def test_no_timeout_no_interrupt(self):
        log = []

        def count():
            for i in range(20000):
                pass
            log.append('done')
        stackless.tasklet(count)()
        self.assertIsNone(stackless.run())
        self.assertEqual(log, ['done'])

    def test_finished_before_timeout(self):
        log = []
        stackless.tasklet(log.append)(1)
        stackless.tasklet(log.append)(2)
        self.assertIsNone(stackless.run(1000000))
        self.assertEqual(log, [1, 2])
        self.assertIsNone(stackless.run(10))    # empty queue

    def test_deep_recursion(self):
        def depth(n):
            if n == 0:
                total = 0
                for i in range(3000):
                    total += i
                return total
            return depth(n - 1) + 1
        result = []
        t = stackless.tasklet(lambda: result.append(depth(300)))()
        interrupts = 0
        while t.alive:
            v = stackless.run(200)
            if v is not None:
                self.assertIs(v, t)
                interrupts += 1
                v.insert()
        self.assertGreater(interrupts, 3)
        self.assertEqual(result, [sum(range(3000)) + 300])

    def test_inside_generator(self):
        def gen():
            for i in range(5000):
                yield i * 2

        def consume():
            total = 0
            for x in gen():
                total += x
            result.append(total)
        result = []
        t = stackless.tasklet(consume)()
        interrupts = 0
        while t.alive:
            v = stackless.run(100)
            if v is not None:
                interrupts += 1
                v.insert()
        self.assertGreater(interrupts, 10)
        self.assertEqual(result, [sum(range(0, 10000, 2))])

    # Interrupted inside coro.send() (ignore_nesting): hard.
    @requires_hard_switch
    def test_inside_coroutine(self):
        async def leaf(n):
            total = 0
            for i in range(n):
                total += i
            return total

        async def outer():
            return await leaf(4000) + await leaf(10)

        def drive(spin=False):
            coro = outer()
            try:
                coro.send(None)
            except StopIteration as e:
                result.append(e.value)
            while spin and self.spinning:
                pass

        # coro.send() runs the coroutine in a nested loop (nesting level
        # 1): not interrupted unless ignore_nesting allows it, but as soon
        # as the nesting drops (at the next check).
        result = []
        t = stackless.tasklet(drive)(True)
        self.assertIs(stackless.run(50), t)
        self.assertEqual(result, [sum(range(4000)) + 45])
        t.kill()

        result = []
        t = stackless.tasklet(drive)()
        interrupts = 0
        while t.alive:
            v = stackless.run(50, ignore_nesting=True)
            if v is not None:
                self.assertIs(v, t)
                self.assertGreaterEqual(v.nesting_level, 1)
                interrupts += 1
                v.insert()
        self.assertGreater(interrupts, 10)
        self.assertEqual(result, [sum(range(4000)) + 45])

    def test_kill_runs_finally(self):
        log = []

        def f():
            try:
                while True:
                    pass
            finally:
                log.append('finally')
        t = stackless.tasklet(f)()
        self.assertIs(stackless.run(100), t)
        self.assertEqual(log, [])
        t.kill()
        self.assertEqual(log, ['finally'])
        self.assertFalse(t.alive)

    def test_kill_in_while_condition_loop_runs_finally(self):
        # CPython 3.13 leaves the back edge of `while cond:` outside the
        # loop's try range: the interrupted tasklet resumes (or raises) at
        # the loop's head instead, inside it.
        log = []
        spinning = self.spinning

        def f():
            try:
                while spinning:
                    pass
            finally:
                log.append('finally')
        t = stackless.tasklet(f)()
        self.assertIs(stackless.run(100), t)
        t.kill()
        self.assertEqual(log, ['finally'])

    def test_long_loop_body_extended_arg(self):
        # A loop body longer than 255 code units: its back edge has an
        # EXTENDED_ARG prefix, which resuming must honour.
        body = '\n'.join('        x%d = i + %d' % (k, k) for k in range(200))
        src = ('def f(n, out):\n    i = 0\n    while i < n:\n%s\n'
               '        i += 1\n    out.append((i, x199))\n' % body)
        ns = {}
        exec(src, ns)
        out = []
        t = stackless.tasklet(ns['f'])(300, out)
        interrupts = 0
        while t.alive:
            v = stackless.run(50)
            if v is not None:
                interrupts += 1
                v.insert()
        self.assertGreater(interrupts, 3)
        self.assertEqual(out, [(300, 299 + 199)])

    def test_throw_at_interruption_point(self):
        log = []

        def f():
            try:
                while True:
                    pass
            except ValueError as e:
                log.append(e.args)
            for i in range(100):
                pass
            log.append('after')
        t = stackless.tasklet(f)()
        self.assertIs(stackless.run(100), t)
        t.throw(ValueError('x'))
        self.assertEqual(log, [('x',), 'after'])

    def test_unhandled_error_reaches_run(self):
        def f():
            for i in range(10):
                pass
            raise KeyError('k')
        stackless.tasklet(f)()
        with self.assertRaises(KeyError):
            stackless.run(1000)
        self.assertEqual(stackless.getruncount(), 1)

    def test_round_robin_interleaves(self):
        counts = {}
        ts = [self.spinner(counts, k) for k in range(3)]
        seen = []
        for i in range(9):
            v = stackless.run(300)
            seen.append(ts.index(v))
            v.insert()
        # Each is interrupted in turn, in ring order.
        self.assertEqual(seen, [0, 1, 2] * 3)

    def test_main_interrupted(self):
        # A tasklet runs a pre-empting run() while main spins: main is the
        # one interrupted and returned.  Main runs this test under C calls
        # of unittest (nesting level > 0), hence ignore_nesting.
        result = []

        def watchdog():
            result.append(stackless.run(100, ignore_nesting=True))
        stackless.tasklet(watchdog)().run()
        n = 0
        while not result and n < 10**8:
            n += 1
        self.assertIs(result[0], stackless.main)
        self.assertLess(n, 200)

    # A tasklet with a tracer set cannot be interrupted: a hang.
    @requires_hard_switch
    def test_traced_tasklet(self):
        calls = []

        def tracer(frame, event, arg):
            calls.append(event)
            return None

        def f():
            sys.settrace(tracer)
            try:
                def g():
                    pass
                n = 0
                while self.spinning:
                    g()
                    n += 1
            finally:
                sys.settrace(None)
        t = stackless.tasklet(f)()
        self.assertIs(stackless.run(100), t)
        self.assertIn('call', calls)
        t.insert()
        self.assertIs(stackless.run(100), t)
        t.kill()
        self.assertIsNone(sys.gettrace())


class DeferralTest(PreemptTestCase):

    def test_atomic_defers_until_cleared(self):
        log = []

        def f():
            stackless.current.set_atomic(True)
            for i in range(5000):
                pass
            stackless.current.set_atomic(False)
            log.append('after')
            while self.spinning:
                pass
        t = stackless.tasklet(f)()
        # Spent long before set_atomic(False); interrupted right after it.
        self.assertIs(stackless.run(100), t)
        self.assertEqual(log, [])
        t.insert()
        self.assertIs(stackless.run(100), t)
        self.assertEqual(log, ['after'])

    def test_atomic_context_manager(self):
        log = []

        def f():
            with stackless.atomic():
                for i in range(5000):
                    pass
                log.append('inside')
            log.append('outside')
            while self.spinning:
                pass
        t = stackless.tasklet(f)()
        self.assertIs(stackless.run(100), t)
        self.assertEqual(log, ['inside'])

    def test_switch_trap_defers(self):
        log = []

        def f():
            stackless.switch_trap(1)
            for i in range(5000):
                pass
            log.append('trapped')
            stackless.switch_trap(-1)
            log.append('free')
            while self.spinning:
                pass
        t = stackless.tasklet(f)()
        self.assertIs(stackless.run(100), t)
        self.assertEqual(log, ['trapped'])

    def test_schedule_callback_not_interrupted(self):
        log = []

        def cb(prev, next):
            for i in range(3000):
                pass
            log.append('cb')

        def f():
            for i in range(50):
                pass
            log.append('f')
        stackless.tasklet(f)()
        stackless.set_schedule_callback(cb)
        try:
            self.assertIsNone(stackless.run(100))
        finally:
            stackless.set_schedule_callback(None)
        self.assertEqual(log, ['cb', 'f', 'cb'])

    def test_nesting_defers_until_it_drops(self):
        log = []

        def key(x):
            for i in range(3000):
                pass
            log.append('key')
            return x

        def f():
            sorted([2, 1], key=key)
            log.append('sorted')
            while self.spinning:
                pass
        t = stackless.tasklet(f)()
        # Spent inside the key function (nesting level 1): interrupted as
        # soon as sorted() returns.
        self.assertIs(stackless.run(100), t)
        self.assertEqual(log, ['key', 'key'])
        t.insert()
        self.assertIs(stackless.run(100), t)
        self.assertEqual(log, ['key', 'key', 'sorted'])

    def _interrupted_inside_key(self, run_kwargs, flag):
        log = []

        def key(x):
            log.append('key')
            while self.spinning:
                pass
            return x

        def f():
            stackless.current.set_ignore_nesting(flag)
            sorted([2, 1], key=key)
        t = stackless.tasklet(f)()
        self.assertIs(stackless.run(100, **run_kwargs), t)
        self.assertEqual(log, ['key'])
        self.assertGreaterEqual(t.nesting_level, 1)
        self.assertFalse(t.restorable)
        t.kill()
        self.assertFalse(t.alive)

    # Interrupted inside the key function only: a hang.
    @requires_hard_switch
    def test_ignore_nesting_run_flag(self):
        self._interrupted_inside_key({'ignore_nesting': True}, False)

    # Interrupted inside the key function only: a hang.
    @requires_hard_switch
    def test_ignore_nesting_tasklet_flag(self):
        self._interrupted_inside_key({}, True)

    # Interrupted inside the key function only: a hang.
    @requires_hard_switch
    def test_set_ignore_nesting_retries(self):
        log = []

        def key(x):
            for i in range(3000):
                pass
            stackless.current.set_ignore_nesting(True)
            log.append('flag set')
            while self.spinning:
                pass
        t = stackless.tasklet(lambda: sorted([1, 2], key=key))()
        self.assertIs(stackless.run(100), t)
        self.assertEqual(log, [])
        t.kill()


class SoftInterruptTest(PreemptTestCase):

    def test_soft_waits_for_the_next_switch(self):
        log = []

        def a():
            for i in range(2000):
                pass
            log.append('a before')
            stackless.schedule()
            log.append('a after')

        def b():
            log.append('b')
        ta = stackless.tasklet(a)()
        tb = stackless.tasklet(b)()
        self.assertIsNone(stackless.run(100, soft=True))
        # a was not stopped in its loop; at its schedule() the watchdog
        # ran instead of b, and both stay runnable.
        self.assertEqual(log, ['a before'])
        self.assertState(ta, RUNNABLE)
        self.assertState(tb, RUNNABLE)
        self.assertEqual(ring(), [stackless.main, tb, ta])
        stackless.run()
        self.assertEqual(log, ['a before', 'b', 'a after'])

    def test_soft_at_tasklet_end(self):
        log = []

        def a():
            for i in range(2000):
                pass
            log.append('a')
        stackless.tasklet(a)()
        tb = stackless.tasklet(log.append)('b')
        self.assertIsNone(stackless.run(100, soft=True))
        self.assertEqual(log, ['a'])
        self.assertState(tb, RUNNABLE)
        stackless.run()
        self.assertEqual(log, ['a', 'b'])

    def test_soft_mark_passes_over_preferred_switch(self):
        log = []
        ch = stackless.channel()
        ch.preference = -1          # the receiver is preferred

        def receiver():
            log.append(('got', ch.receive()))
            log.append('receiver done')

        def sender():
            for i in range(2000):
                pass
            ch.send('x')
            log.append('sender done')
        stackless.tasklet(receiver)()
        stackless.run()             # the receiver blocks
        ts = stackless.tasklet(sender)()
        self.assertIsNone(stackless.run(100, soft=True))
        # The sender's send switched to the receiver (preferred): no
        # interrupt there; the receiver took the mark on, and the
        # interrupt came at its next switch, its end.
        self.assertEqual(log, [('got', 'x'), 'receiver done'])
        self.assertState(ts, RUNNABLE)
        stackless.run()
        self.assertEqual(log, [('got', 'x'), 'receiver done',
                               'sender done'])


class RunFlagsTest(PreemptTestCase):

    def test_totaltimeout(self):
        log = []

        def polite(name):
            for i in range(200):
                for j in range(20):
                    pass
                stackless.schedule()
            log.append(name)
        stackless.tasklet(polite)('a')
        stackless.tasklet(polite)('b')
        # Per slice: each slice is short, nobody is interrupted.
        self.assertIsNone(stackless.run(100))
        self.assertEqual(sorted(log), ['a', 'b'])
        log.clear()
        ta = stackless.tasklet(polite)('a')
        tb = stackless.tasklet(polite)('b')
        # In total: the run() is interrupted.
        v = stackless.run(500, totaltimeout=True)
        self.assertIn(v, (ta, tb))
        self.assertEqual(log, [])
        v.insert()
        stackless.run()
        self.assertEqual(sorted(log), ['a', 'b'])

    def test_threadblock_waits_for_other_thread(self):
        ch = stackless.channel()
        log = []

        def receiver():
            log.append(ch.receive())
        stackless.tasklet(receiver)()

        def other():
            time.sleep(0.05)
            ch.send('from thread')
        th = threading.Thread(target=other)
        th.start()
        try:
            # Without threadblock, run() would return when the receiver
            # blocks; with it the thread waits for the other one.
            self.assertIsNone(stackless.run(10**9, threadblock=True))
            self.assertEqual(log, ['from thread'])
        finally:
            th.join()

    def test_flags_restored(self):
        ch = stackless.channel()
        t = stackless.tasklet(ch.receive)()
        self.assertIsNone(stackless.run(10**9, threadblock=False))
        self.assertTrue(t.blocked)
        # threadblock ends with the run() that set it
        self.assertIsNone(stackless.run())
        self.assertTrue(t.blocked)
        t.kill()

    def test_budget(self):
        t = self.spinner()
        start = time.perf_counter()
        v = stackless.run(budget=0.005)
        elapsed = time.perf_counter() - start
        self.assertIs(v, t)
        self.assertGreaterEqual(elapsed, 0.005)
        t.kill()
        # The budget is for the whole run(), across switches.
        spinning = self.spinning

        def polite():
            while spinning:
                for i in range(10):
                    pass
                stackless.schedule()
        ts = [stackless.tasklet(polite)() for i in range(3)]
        start = time.perf_counter()
        v = stackless.run(budget=0.005)
        elapsed = time.perf_counter() - start
        self.assertIn(v, ts)
        self.assertGreaterEqual(elapsed, 0.005)

    def test_budget_empty_and_finishing(self):
        self.assertIsNone(stackless.run(budget=1.0))
        log = []
        stackless.tasklet(log.append)(1)
        self.assertIsNone(stackless.run(budget=10.0))
        self.assertEqual(log, [1])
        self.assertIsNone(stackless.run(budget=None))

    def test_budget_errors(self):
        stackless.tasklet(lambda: None)()
        self.assertRaises(ValueError, stackless.run, budget=-1)
        self.assertRaises(ValueError, stackless.run, budget=float('nan'))
        self.assertRaises(TypeError, stackless.run, budget='1')
        self.assertRaises(TypeError, stackless.run, 0, 0, 0, 0, 0, 1.0)
        self.assertEqual(stackless.getruncount(), 2)
        stackless.run()


class WatchdogStackTest(PreemptTestCase):

    def test_watchdog_list(self):
        seen = []

        def inner():
            seen.append(stackless.get_thread_info(-1, 1 << 31)[3])

        def outer():
            stackless.tasklet(inner)()
            stackless.run()
        t = stackless.tasklet(outer)()
        stackless.run()
        self.assertEqual(seen, [[stackless.main, t]])
        info = stackless.get_thread_info(-1, 1 << 31 | 1 << 30)
        self.assertEqual(len(info), 7)
        self.assertEqual(info[6], [])
        self.assertTrue(all(isinstance(x, int) for x in info[3:6]))

    def test_first_timeout_owns_preemption(self):
        result = []
        counts = {}
        spinning = self.spinning

        def inner_watchdog():
            # Nested run() with a timeout: a plain run() here.
            result.append(stackless.run(10))
        stackless.tasklet(inner_watchdog)()
        t = self.spinner(counts)
        v = stackless.run(1000)
        # The outer run() owns pre-emption: it got the spinner; the inner
        # one was popped and re-queued, its run() returns when it runs.
        self.assertIs(v, t)
        self.assertGreaterEqual(counts[0], 900)
        self.assertEqual(stackless.get_thread_info(-1, 1 << 31)[3], [])
        stackless.run()
        self.assertEqual(result, [None])

    def test_run_from_non_main(self):
        result = []
        counts = {}
        t = self.spinner(counts)
        t.remove()

        def watchdog():
            t.insert()
            result.append(stackless.run(100))
        w = stackless.tasklet(watchdog)()
        stackless.run()
        self.assertEqual(result, [t])
        self.assertState(t, PAUSED)
        self.assertFalse(w.alive)

    def test_owner_killed(self):
        log = []

        def watchdog():
            try:
                stackless.run(10**9)
            finally:
                log.append('watchdog left run()')
        w = stackless.tasklet(watchdog)()
        stackless.tasklet(w.kill)()
        stackless.run()
        self.assertEqual(log, ['watchdog left run()'])
        # Pre-emption was given up with it.
        t = self.spinner()
        self.assertIs(stackless.run(100), t)


class SignalsAndThreadsTest(PreemptTestCase):

    def test_keyboard_interrupt_reaches_running_tasklet(self):
        log = []

        def f():
            # (`while True`: CPython 3.13 raises a signal's exception at
            # the back edge, which `while cond:` leaves outside the try.)
            try:
                while True:
                    if not self.spinning:
                        break
            except KeyboardInterrupt:
                log.append('caught')
        t = stackless.tasklet(f)()
        timer = threading.Timer(0.05, _thread.interrupt_main)
        timer.start()
        try:
            self.assertIsNone(stackless.run(10**9))
        finally:
            timer.cancel()
            timer.join()
        self.assertEqual(log, ['caught'])

    def test_keyboard_interrupt_unhandled_goes_to_run(self):
        t = self.spinner()
        timer = threading.Timer(0.05, _thread.interrupt_main)
        timer.start()
        try:
            with self.assertRaises(KeyboardInterrupt):
                stackless.run(10**9)
        finally:
            timer.cancel()
            timer.join()
        self.assertFalse(t.alive)

    def test_other_thread_not_disturbed(self):
        # Thread B schedules cooperatively; main's pre-emption is main's.
        done = threading.Event()
        result = {}

        def b_thread():
            counts = [0, 0]

            def worker(k):
                for i in range(3000):
                    counts[k] += 1
                    if i % 1000 == 999:
                        stackless.schedule()
            stackless.tasklet(worker)(0)
            stackless.tasklet(worker)(1)
            result['b'] = stackless.run()
            result['counts'] = counts
            done.set()
        th = threading.Thread(target=b_thread)
        th.start()
        t = self.spinner()
        for i in range(20):
            v = stackless.run(1000)
            self.assertIs(v, t)
            v.insert()
            if done.is_set():
                break
        t.remove()
        th.join()
        self.assertIsNone(result['b'])
        self.assertEqual(result['counts'], [3000, 3000])

    def test_preempting_in_a_thread(self):
        result = []

        def body():
            n = [0]

            def spin():
                while True:
                    n[0] += 1
            t = stackless.tasklet(spin)()
            v = stackless.run(500)
            result.append((v is t, n[0]))
            v.kill()
        th = threading.Thread(target=body)
        th.start()
        th.join()
        self.assertEqual(len(result), 1)
        self.assertTrue(result[0][0])
        self.assertGreater(result[0][1], 400)


class FairnessTest(PreemptTestCase):

    def test_hundred_cpu_bound_tasklets(self):
        n = 100
        counts = [0] * n
        spinning = self.spinning

        def work(k):
            while spinning:
                counts[k] += 1
        for k in range(n):
            stackless.tasklet(work)(k)
        rounds = 20
        for i in range(rounds * n):
            v = stackless.run(200)
            v.insert()
        # Every slice is 200 ticks (one loop iteration each): each got
        # within one slice of its fair share.
        share = rounds * 200
        for c in counts:
            self.assertGreaterEqual(c, share - 201)
            self.assertLessEqual(c, share + 201)
        self.assertLessEqual(max(counts) / min(counts), 1.1)


class StressTest(PreemptTestCase):

    @in_subprocess
    def test_model(self):
        # Short seeds here; many long ones: python -m
        # test.test_stackless.preempt_stress (module docstring).
        messages = interrupts = 0
        for seed in range(4):
            result = preempt_stress.run_seed(seed, 300)
            self.assertEqual(result['problems'], [], result)
            messages += result['messages']
            interrupts += result['interrupts']
        self.assertGreater(messages, 100)
        self.assertGreater(interrupts, 50)


def pickle_round_trips(test, func, *args, timeout=97, **kwargs):
    """Run func(out, *args) in a tasklet under run(timeout); at every
    interrupt pickle the tasklet with its output list, kill it and go on
    with the copy.  Returns (output, interrupts)."""
    out = []
    t = stackless.tasklet(func)(out, *args)
    interrupts = 0
    while t.alive:
        v = stackless.run(timeout, **kwargs)
        if v is None:
            break
        test.assertIs(v, t)
        t, out = pickle.loads(pickle.dumps((v, out)))
        v.kill()
        t.insert()
        interrupts += 1
    return out, interrupts


def while_loop(out, n):
    i = total = 0
    while i < n:
        total += i
        i += 1
    out.append(total)


def for_calls(out, n):
    def inc(x):
        return x + 1
    k = 0
    for i in range(n):
        k = inc(k)
    out.append(k)


def deep(out, n):
    def down(k):
        if k == 0:
            total = 0
            for i in range(2000):
                total += i
            return total
        return down(k - 1) + 1
    out.append(down(n))


def atomic_then_spin(out, n):
    for round in range(n):
        stackless.current.set_atomic(True)
        for i in range(300):
            pass
        stackless.current.set_atomic(False)     # interrupted at this tail
        out.append(round)


# A loop whose head loads local number 300: the back edge's target is
# an EXTENDED_ARG prefix.
exec('def many_locals(out, n):\n'
     + ''.join('    v%d = %d\n' % (k, k) for k in range(301))
     + '    i = total = 0\n'
     '    while v300 + i < n + 300:\n'
     '        total += i\n'
     '        i += 1\n'
     '    out.append(total)\n')

KEY_SPINNING = []


def spinning_key(x):
    while KEY_SPINNING:
        pass
    return x


class PicklingTest(PreemptTestCase):

    @unittest.skipUnless(SOFTSWITCH, 'hard-switched tasklets have C state')
    def test_interrupted_tasklet_round_trips(self):
        # Pickled at every interrupt, loaded, continued: the same result.
        for func, arg, expected in (
                (while_loop, 30000, [sum(range(30000))]),
                (for_calls, 20000, [20000]),
                (deep, 100, [sum(range(2000)) + 100]),
                (atomic_then_spin, 20, list(range(20))),
                (many_locals, 20000, [sum(range(20000))])):
            with self.subTest(func=func.__name__):
                out, interrupts = pickle_round_trips(self, func, arg)
                self.assertEqual(out, expected)
                self.assertGreater(interrupts, 10)

    @unittest.skipUnless(SOFTSWITCH, 'hard-switched tasklets have C state')
    def test_interrupted_state_is_checked(self):
        t = stackless.tasklet(while_loop)([], 10**9)
        self.assertIs(stackless.run(100), t)
        data = pickle.dumps(t)
        image = t.__reduce__()[2][3][-1]
        self.assertTrue(image.valid)
        t.kill()
        # A state whose offset is not a place to go on from, or whose
        # stack does not fit the code there, is refused.
        func, code, kind, offset, lineno, values, nulls = \
            image.__reduce__()[2]
        for bad in ((func, code, kind, offset + 1, lineno, values, nulls),
                    (func, code, kind, offset, lineno, values + (1,),
                     nulls),
                    (func, code, kind, offset, lineno, values[:-1],
                     nulls)):
            with self.assertRaises(ValueError):
                type(image)().__setstate__(bad)
        u = pickle.loads(data)
        self.assertTrue(u.alive)
        u.kill()

    # Interrupted inside the key function only: a hang.
    @requires_hard_switch
    def test_interrupted_with_c_state_loads_invalid(self):
        KEY_SPINNING.append(True)
        self.addCleanup(KEY_SPINNING.clear)
        t = stackless.tasklet(sorted)([1, 2], key=spinning_key)
        self.assertIs(stackless.run(100, ignore_nesting=True), t)
        u = pickle.loads(pickle.dumps(t))
        self.assertTrue(u.alive)
        t.kill()
        u.insert()
        with self.assertRaisesRegex(RuntimeError, 'cannot execute invalid'):
            stackless.run()


if __name__ == '__main__':
    unittest.main()
