"""What a soft-only build allows and refuses (user guide, "Soft-only builds").

Every test runs on both kinds of build: where a hard switch would be needed,
a soft-only interpreter raises RuntimeError and an ordinary one switches.
The rules (docs/architecture.md, D47):
  - main switches from anywhere, even from inside C calls: it stays where it
    is on the C stack while the other tasklets run on top of it;
  - another tasklet switches only where it can park softly;
  - a tasklet whose callable is C code runs that call to its end.
"""

import functools
import sys
import unittest

import stackless

from .support import StacklessTestCase, HARD_SWITCHING


class SoftOnlyTest(StacklessTestCase):

    def test_flag(self):
        self.assertIs(type(stackless.hard_switching), bool)
        if HARD_SWITCHING:
            old = stackless.enable_softswitch(False)
            self.assertIs(stackless.enable_softswitch(old), False)
        else:
            with self.assertRaisesRegex(RuntimeError, 'soft-only'):
                stackless.enable_softswitch(False)
            self.assertIs(stackless.enable_softswitch(None), True)
            stackless.enable_softswitch(True)

    def test_tasklet_switching_inside_a_c_call(self):
        ch = stackless.channel()
        got = []

        def receiver():
            try:
                got.extend(map(lambda _: ch.receive(), [0]))
            except RuntimeError as e:
                got.append(e)

        stackless.tasklet(receiver)()
        stackless.run()
        if HARD_SWITCHING:
            self.assertEqual(ch.balance, -1)
            ch.send('x')
            self.assertEqual(got, ['x'])
        else:
            self.assertEqual(ch.balance, 0)
            [e] = got
            self.assertIsInstance(e, RuntimeError)
            self.assertRegex(str(e), r'receiver\(\) called C code .* that '
                                     r'called \S*receiver\.<locals>\.<lambda>\(\)')
            self.assertIn('soft-only', str(e))

    def test_switch_not_called_by_bytecode(self):
        # sorted() calls the key function, here schedule itself, from C.
        got = []

        def f():
            try:
                sorted([1], key=stackless.schedule)
                got.append('switched')
            except RuntimeError as e:
                got.append(e)

        stackless.tasklet(f)()
        stackless.tasklet(got.append)('other')
        stackless.run()
        if HARD_SWITCHING:
            self.assertEqual(got, ['other', 'switched'])
        else:
            self.assertEqual(len(got), 2)
            self.assertIn('not called directly by Python code', str(got[0]))
            self.assertEqual(got[1], 'other')

    def test_main_switches_from_inside_c_calls(self):
        # In both kinds of build: main's C stack is never in the way.
        ch = stackless.channel()
        order = []

        def sender(n):
            for i in range(n):
                ch.send(i)
                order.append(('sent', i))

        stackless.tasklet(sender)(3)
        got = list(map(lambda _: ch.receive(), range(3)))
        self.assertEqual(got, [0, 1, 2])
        got = sorted(range(2), key=lambda x: (stackless.schedule(), x)[1])
        self.assertEqual(got, [0, 1])
        stackless.run()
        self.assertEqual([x for x in order if x[0] == 'sent'],
                         [('sent', 0), ('sent', 1), ('sent', 2)])

    def test_main_ping_pong(self):
        ch = stackless.channel()

        def echo():
            while True:
                ch.send(ch.receive() + 1)

        t = stackless.tasklet(echo)()
        v = 0
        for _ in range(1000):
            ch.send(v)
            v = ch.receive()
        self.assertEqual(v, 1000)
        t.kill()
        self.assertFalse(t.alive)

    def test_c_callable_tasklets(self):
        got = []
        stackless.tasklet(got.append)(1)
        stackless.tasklet(functools.partial(got.append, 2))()
        stackless.run()
        self.assertEqual(got, [1, 2])

    def test_stackless_function_as_callable(self):
        # tasklet(channel.receive): started through a Python frame that
        # calls it with a CALL instruction, so it blocks softly.
        ch = stackless.channel()
        r = stackless.tasklet(ch.receive)()
        s = stackless.tasklet(ch.send)('v')
        stackless.run()
        self.assertFalse(r.alive)
        self.assertFalse(s.alive)
        r = stackless.tasklet(ch.receive)()
        stackless.run()
        self.assertEqual(ch.balance, -1)
        # soft-only: a Python frame holds it; else it blocked with C state
        self.assertEqual(r.restorable, not HARD_SWITCHING)
        ch.send(None)
        self.assertFalse(r.alive)

    def test_c_callable_that_switches(self):
        # partial() calls channel.receive from C.
        ch = stackless.channel()
        t = stackless.tasklet(functools.partial(ch.receive))()
        if HARD_SWITCHING:
            stackless.run()
            self.assertEqual(ch.balance, -1)
            ch.send(None)
            self.assertFalse(t.alive)
        else:
            with self.assertRaisesRegex(RuntimeError,
                                        'not called directly by Python'):
                stackless.run()
            self.assertFalse(t.alive)
            self.assertEqual(ch.balance, 0)

    def test_kill_and_throw_across(self):
        # Killing a soft tasklet from main, and main from a tasklet.
        ch = stackless.channel()
        done = []

        def waiter():
            try:
                ch.receive()
            finally:
                done.append('finally')

        t = stackless.tasklet(waiter)()
        stackless.run()
        t.kill()
        self.assertEqual(done, ['finally'])

        main = stackless.current

        def thrower():
            main.throw(KeyError('from tasklet'))

        stackless.tasklet(thrower)()
        with self.assertRaises(KeyError):
            ch.receive()

    def test_tracer_set_in_a_tasklet(self):
        # Under a tracer no tasklet parks softly: a hard build switches
        # hard, a soft-only one refuses.
        got = []

        def f():
            sys.settrace(lambda *args: None)
            try:
                stackless.schedule()
                got.append('rescheduled')
            except RuntimeError as e:
                got.append(e)
            finally:
                sys.settrace(None)

        stackless.tasklet(f)()
        stackless.tasklet(got.append)('other')
        stackless.run()
        if HARD_SWITCHING:
            self.assertEqual(got, ['other', 'rescheduled'])
        else:
            self.assertEqual(len(got), 2)
            self.assertIn('tracer or profiler', str(got[0]))
            self.assertEqual(got[1], 'other')

    def test_main_switches_under_a_tracer(self):
        got = []
        stackless.tasklet(got.append)('ran')
        old = sys.gettrace()
        sys.settrace(lambda *args: None)
        try:
            stackless.schedule()
        finally:
            sys.settrace(old)
        self.assertEqual(got, ['ran'])

if __name__ == '__main__':
    unittest.main()
