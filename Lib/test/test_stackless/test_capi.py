"""The C API (stackless_api.h), driven from C by _teststackless.

Reference: docs/c-api.md.  Every test runs in both switching modes; the
"_nr" functions and soft-switchable C functions switch softly only with
soft switching on, and must work either way.
"""

import gc
import pickle
import sys
import unittest

import stackless
import _teststackless as T

from .support import (StacklessTestCase, state, PAUSED, RUNNABLE, BLOCKED,
                      DEAD, SOFTSWITCH, in_subprocess, requires_hard_switch)

INFO_ATTRIBUTES = ('atomic', 'ignore_nesting', 'block_trap', 'is_main',
                   'is_current', 'recursion_depth', 'nesting_level',
                   'alive', 'paused', 'scheduled', 'restorable')


class Receiver:
    """A tasklet that calls receive(channel) once and keeps the result."""

    def __init__(self, receive, channel):
        self.result = self.error = None
        self.finished = False
        self.tasklet = stackless.tasklet(self.body)(receive, channel)

    def body(self, receive, channel):
        try:
            self.result = receive(channel)
        except BaseException as e:
            # Kept for the test; raised on, it would reach the main tasklet.
            self.error = e
        finally:
            self.finished = True


class TaskletTest(StacklessTestCase):

    def test_new(self):
        t = T.new_tasklet()
        self.assertIsInstance(t, stackless.tasklet)
        self.assertFalse(t.alive)
        self.assertRaises(RuntimeError, t.setup)    # nothing bound
        t = T.new_tasklet(len)
        self.assertFalse(t.alive)
        t.setup('abc')
        self.assertTrue(t.alive)
        t.kill()

        class Sub(stackless.tasklet):
            pass
        self.assertIs(type(T.new_tasklet(None, Sub)), Sub)
        with self.assertRaises(TypeError) as cm:
            T.new_tasklet(len, dict)
        self.assertEqual(str(cm.exception), '')

    def test_bind_and_setup(self):
        got = []
        t = T.new_tasklet()
        self.assertIs(T.bind(t, got.append), t)
        self.assertEqual(T.setup(t, (1,)), 0)
        self.assertEqual(state(t), RUNNABLE)
        stackless.run()
        self.assertEqual(got, [1])

        t = T.new_tasklet()
        self.assertEqual(T.bind_ex(t, got.append, (2,), None), 0)
        self.assertEqual(state(t), PAUSED)
        t.insert()
        stackless.run()
        self.assertEqual(got, [1, 2])
        with self.assertRaises(TypeError):
            T.bind_ex(T.new_tasklet(), got.append, 5)

        # Setup goes through the type: a subclass's __call__ counts.
        class Sub(stackless.tasklet):
            def __call__(self, *args, **kwargs):
                got.append('sub')
                return super().__call__(*args, **kwargs)
        t = T.new_tasklet(got.append, Sub)
        self.assertEqual(T.setup(t, (3,), None), 0)
        stackless.run()
        self.assertEqual(got, [1, 2, 'sub', 3])
        with self.assertRaises(TypeError):
            T.setup(T.new_tasklet(got.append), (), 5)

    def test_bind_thread(self):
        t = T.new_tasklet(int)
        self.assertEqual(T.bind_thread(t), 0)
        self.assertEqual(t.thread_id, stackless.main.thread_id)
        with self.assertRaises(ValueError):
            T.bind_thread(t, 1)

    def test_run_switch_insert_remove(self):
        got = []
        t = stackless.tasklet(got.append)(1)
        self.assertEqual(T.run(t), 0)
        self.assertEqual(got, [1])
        self.assertEqual(state(t), DEAD)
        with self.assertRaises(RuntimeError):
            T.insert(t)
        with self.assertRaises(RuntimeError):
            T.remove(stackless.current)

        def body():
            got.append('a')
            stackless.schedule_remove()
            got.append('b')
        t = stackless.tasklet(body)()
        self.assertEqual(T.remove(t), 0)
        self.assertEqual(state(t), PAUSED)
        self.assertEqual(T.insert(t), 0)
        self.assertEqual(state(t), RUNNABLE)
        self.assertEqual(T.switch(t), 0)
        self.assertEqual(got, [1, 'a'])
        self.assertEqual(state(t), PAUSED)
        t.insert()
        stackless.run()
        self.assertEqual(got, [1, 'a', 'b'])

    def test_run_nr_and_switch_nr(self):
        # From a tasklet whose call came from bytecode the switch is soft.
        order = []
        other = stackless.tasklet(order.append)('other')
        other.remove()

        def body():
            order.append(T.run_nr(other))
            order.append('back')
        t = stackless.tasklet(body)()
        stackless.run()
        self.assertEqual(order, ['other', None, 'back'])

        seen = []
        def switcher(target):
            T.switch_nr(target)
            seen.append('resumed')
        def observer():
            seen.append((s.restorable, s.nesting_level == 0))
            s.insert()
        s = stackless.tasklet(switcher)
        o = stackless.tasklet(observer)
        s(o)
        o()
        o.remove()
        stackless.run()
        self.assertEqual(seen, [(SOFTSWITCH, SOFTSWITCH), 'resumed'])

    # channel.receive(ch), called through the descriptor, blocks hard.
    @requires_hard_switch
    def test_exceptions(self):
        ch = stackless.channel()
        r = Receiver(stackless.channel.receive, ch)
        stackless.run()
        self.assertEqual(T.raise_exception(r.tasklet, KeyError, ('k',)), 0)
        self.assertIsInstance(r.error, KeyError)
        self.assertEqual(r.error.args, ('k',))

        r = Receiver(stackless.channel.receive, ch)
        stackless.run()
        self.assertEqual(T.raise_exception(r.tasklet, ValueError, 'x'), 0)
        self.assertEqual(r.error.args, ('x',))

        r = Receiver(stackless.channel.receive, ch)
        stackless.run()
        self.assertEqual(T.throw(r.tasklet, False, IndexError, 'v'), 0)
        self.assertIsInstance(r.error, IndexError)

        r = Receiver(stackless.channel.receive, ch)
        stackless.run()
        self.assertEqual(T.throw(r.tasklet, True, IndexError), 0)
        self.assertFalse(r.finished)
        stackless.run()
        self.assertIsInstance(r.error, IndexError)

        r = Receiver(stackless.channel.receive, ch)
        stackless.run()
        self.assertEqual(T.kill(r.tasklet), 0)
        self.assertIsInstance(r.error, stackless.TaskletExit)
        self.assertEqual(T.kill(r.tasklet), 0)    # dead: nothing to do

        r = Receiver(stackless.channel.receive, ch)
        stackless.run()
        self.assertEqual(T.kill_ex(r.tasklet, True), 0)
        self.assertFalse(r.finished)
        stackless.run()
        self.assertTrue(r.finished)

        # Into the calling tasklet itself: -1 with the exception set.
        with self.assertRaises(KeyError):
            T.throw(stackless.current, False, KeyError)
        with self.assertRaises(TypeError):
            T.throw(stackless.tasklet(int), False, 42)

    # channel.receive(ch), called through the descriptor, blocks hard.
    @requires_hard_switch
    def test_info_matches_attributes(self):
        ch = stackless.channel()
        r = Receiver(stackless.channel.receive, ch)
        paused = stackless.tasklet(int)
        paused.bind(int, ())
        tasklets = [stackless.current, r.tasklet, paused,
                    stackless.tasklet()]
        stackless.run()
        for t in tasklets:
            info = T.tasklet_info(t)
            for name in INFO_ATTRIBUTES:
                self.assertEqual(info[name], int(getattr(t, name)),
                                 (t, name))
            self.assertEqual(info['pending_irq'], 0)
            self.assertEqual(info['checks'], 3)
            self.assertIs(info['frame'], t.frame)
        self.assertEqual(T.tasklet_info(r.tasklet)['blocked'], -1)
        s = stackless.tasklet(ch.send)(1)
        stackless.run()
        self.assertEqual(T.tasklet_info(s)['blocked'], 0)
        ch2 = stackless.channel()
        s = stackless.tasklet(ch2.send)(1)
        stackless.run()
        self.assertEqual(T.tasklet_info(s)['blocked'], 1)
        blocked = Receiver(stackless.channel.receive, stackless.channel())
        stackless.run()
        self.assertIs(T.tasklet_info(blocked.tasklet)['frame'],
                      blocked.tasklet.frame)
        self.assertIsNotNone(blocked.tasklet.frame)
        self.assertIsNone(T.tasklet_info(stackless.tasklet())['frame'])

        class Sub(stackless.tasklet):
            pass
        self.assertEqual(T.tasklet_info(Sub())['checks'], 1)

    def test_flags(self):
        t = stackless.tasklet(int)
        self.assertEqual(T.set_flags(t, 1, 1, 1), (0, 0))
        self.assertTrue(t.atomic)
        self.assertTrue(t.ignore_nesting)
        self.assertTrue(t.block_trap)
        self.assertEqual(T.set_flags(t, 0, 7, 0), (1, 1))
        self.assertFalse(t.atomic)
        self.assertTrue(t.ignore_nesting)
        self.assertFalse(t.block_trap)


class ChannelTest(StacklessTestCase):

    def test_new(self):
        ch = T.new_channel()
        self.assertIs(type(ch), stackless.channel)

        class Sub(stackless.channel):
            pass
        self.assertIs(type(T.new_channel(Sub)), Sub)
        self.assertRaisesMessage(
            TypeError, 'channel_new: type must be subtype of channel',
            T.new_channel, dict)

    # T.receive blocks from C: hard.
    @requires_hard_switch
    def test_send_receive(self):
        ch = stackless.channel()
        r = Receiver(T.receive, ch)
        stackless.run()
        self.assertEqual(T.send(ch, 'v'), 0)
        self.assertEqual(r.result, 'v')

        s = stackless.tasklet(ch.send)('w')
        stackless.run()
        self.assertEqual(T.receive(ch), 'w')

        ch.close()
        self.assertRaises(ValueError, T.receive, ch)
        self.assertRaises(ValueError, T.send, ch, 1)

    # T.receive blocks from C: hard.
    @requires_hard_switch
    def test_send_exception_and_throw(self):
        ch = stackless.channel()
        for value, args in ((('a', 'b'), ('a', 'b')), ('x', ('x',)),
                            (None, ())):
            r = Receiver(T.receive, ch)
            stackless.run()
            if value is None:
                self.assertEqual(T.send_exception(ch, KeyError), 0)
            else:
                self.assertEqual(T.send_exception(ch, KeyError, value), 0)
            self.assertIsInstance(r.error, KeyError)
            self.assertEqual(r.error.args, args)
        r = Receiver(T.receive, ch)
        stackless.run()
        self.assertEqual(T.send_throw(ch, IndexError, 'i'), 0)
        self.assertIsInstance(r.error, IndexError)
        self.assertEqual(r.error.args, ('i',))

    # T.receive blocks from C: hard.
    @requires_hard_switch
    def test_info_and_settings(self):
        ch = stackless.channel()
        info = T.channel_info(ch)
        self.assertEqual(info, {'queue': None, 'closing': 0, 'closed': 0,
                                'preference': -1, 'schedule_all': 0,
                                'balance': 0, 'checks': 3})
        r = Receiver(T.receive, ch)
        stackless.run()
        info = T.channel_info(ch)
        self.assertIs(info['queue'], r.tasklet)
        self.assertEqual(info['balance'], -1)
        T.channel_set(ch, 5, 2, 1)
        self.assertEqual((ch.preference, ch.schedule_all, ch.closing),
                         (1, 1, True))
        self.assertEqual(T.channel_info(ch)['closed'], 0)
        T.channel_set(ch, -7, 0, 0)
        self.assertEqual((ch.preference, ch.schedule_all, ch.closing),
                         (-1, 0, False))
        T.channel_set(ch, 0, 0, 1)
        ch.send(1)
        self.assertEqual(T.channel_info(ch)['closed'], 1)

    @requires_hard_switch
    def test_select(self):
        a, b = stackless.channel(), stackless.channel()
        self.assertIsNone(T.select([a, (b, 1)], False))
        stackless.tasklet(b.send)('ready')
        stackless.run()
        self.assertEqual(T.select([a, b]), (1, 'ready'))
        with self.assertRaisesRegex(ValueError, 'at least one'):
            T.select([])
        for select, soft in ((T.select, False), (T.select_nr, SOFTSWITCH)):
            r = Receiver(select, [a, (b, 'out')])
            stackless.run()
            self.assertEqual(state(r.tasklet), BLOCKED)
            self.assertEqual(r.tasklet.restorable, soft, select)
            self.assertEqual(b.receive(), 'out')
            stackless.run()
            self.assertEqual(r.result, (1, None))
            self.assertEqual((a.balance, b.balance), (0, 0))

    @requires_hard_switch
    def test_nr_soft_when_called_from_bytecode(self):
        ch = stackless.channel()
        for receive, soft in ((T.receive_nr, SOFTSWITCH),
                              (T.receive_nr_plain, False),
                              (T.receive, False)):
            r = Receiver(receive, ch)
            stackless.run()
            self.assertEqual(state(r.tasklet), BLOCKED)
            self.assertEqual(r.tasklet.restorable, soft, receive)
            self.assertEqual(r.tasklet.nesting_level == 0, soft, receive)
            ch.send(receive.__name__)
            self.assertEqual(r.result, receive.__name__)

        # send_nr the other way round, and a value sent to the main
        # tasklet from a soft sender.
        def sender():
            T.send_nr(ch, 'from sender')
        t = stackless.tasklet(sender)()
        stackless.run()
        self.assertEqual(t.restorable, SOFTSWITCH)
        self.assertEqual(ch.receive(), 'from sender')
        stackless.run()
        self.assertFalse(t.alive)

    @requires_hard_switch
    def test_nr_in_a_method(self):
        # A METH_STACKLESS method, called through its method descriptor:
        # obj.receive() comes straight from bytecode; Type.receive(obj)
        # does too, but not in the form a soft switch accepts (D22).
        ch = stackless.channel()
        for call, soft in ((lambda r: r.receive(), SOFTSWITCH),
                           (lambda r: T.Receiver.receive(r), False)):
            r = Receiver(call, T.Receiver(ch))
            stackless.run()
            self.assertEqual(state(r.tasklet), BLOCKED)
            self.assertEqual(r.tasklet.restorable, soft)
            ch.send('m')
            self.assertEqual(r.result, 'm')
        with self.assertRaises(TypeError):
            T.Receiver.receive(42)

    @requires_hard_switch
    def test_nr_called_by_c_code_is_hard(self):
        # map() calls the function: not directly from bytecode.
        ch = stackless.channel()
        r = Receiver(lambda c: list(map(T.receive_nr, [c])), ch)
        stackless.run()
        self.assertFalse(r.tasklet.restorable)
        ch.send(1)
        self.assertEqual(r.result, [1])


class SchedulerTest(StacklessTestCase):

    def test_schedule(self):
        got = []
        stackless.tasklet(got.append)(1)
        self.assertEqual(T.schedule('ret', False), 'ret')
        self.assertEqual(got, [1])

        def body():
            got.append(T.schedule_nr('nr', False))
            got.append(T.schedule_nr(None, True))
        t = stackless.tasklet(body)()
        stackless.run()
        self.assertEqual(got, [1, 'nr'])
        self.assertEqual(state(t), PAUSED)
        self.assertEqual(t.restorable, SOFTSWITCH)
        t.insert()
        stackless.run()
        self.assertEqual(got, [1, 'nr', None])

    def test_scheduler_info(self):
        info = T.scheduler_info()
        self.assertEqual(info['runcount'], 1)
        self.assertIs(info['current'], stackless.current)
        self.assertEqual(info['current_id'], stackless.getcurrentid())
        self.assertEqual(T.current_id_nogil(), stackless.getcurrentid())
        seen = []

        def body():
            seen.append((T.scheduler_info(), stackless.getcurrentid(),
                         T.current_id_nogil()))
        t = stackless.tasklet(body)()
        self.assertEqual(T.scheduler_info()['runcount'], 2)
        stackless.run()
        info, cid, nogil = seen[0]
        self.assertIs(info['current'], t)
        self.assertEqual(info['current_id'], cid)
        self.assertEqual(nogil, cid)
        self.assertNotEqual(cid, stackless.getcurrentid())

    def test_switch_trap(self):
        self.assertEqual(T.adjust_switch_trap(1), 0)
        try:
            stackless.tasklet(int)()
            self.assertRaises(RuntimeError, T.schedule, None, False)
        finally:
            self.assertEqual(T.adjust_switch_trap(-1), 1)

    def test_run_watchdog(self):
        got = []
        stackless.tasklet(got.append)(1)
        self.assertIsNone(T.run_watchdog(0))
        self.assertEqual(got, [1])

        spinning = [True]
        def spin():
            while spinning:
                pass
        try:
            t = stackless.tasklet(spin)()
            for args in ((100,), (100, 0), (100, 8), (0, 0, 0.001)):
                victim = T.run_watchdog(*args)
                self.assertIs(victim, t, args)
                self.assertEqual(state(t), PAUSED)
                t.insert()
        finally:
            spinning.clear()
        self.assertIsNone(T.run_watchdog(0, 0))
        self.assertRaisesMessage(ValueError, 'flags must be in [0..255]',
                                 T.run_watchdog, 10, 256)
        self.assertRaisesMessage(ValueError, 'flags must be in [0..255]',
                                 T.run_watchdog, 10, -1)
        self.assertRaises(ValueError, T.run_watchdog, 10, 0, 2e9)


class MonitoringTest(StacklessTestCase):

    def test_channel_callback(self):
        calls = []
        self.assertEqual(T.set_channel_callback(
            lambda *a: calls.append(a)), 0)
        try:
            ch = stackless.channel()
            stackless.tasklet(ch.send)(1)
            stackless.run()
        finally:
            self.assertEqual(T.set_channel_callback(None), 0)
        self.assertEqual(len(calls), 1)
        self.assertIs(calls[0][0], ch)
        self.assertRaisesMessage(TypeError,
                                 'channel callback must be callable',
                                 T.set_channel_callback, 42)

    def test_schedule_callback(self):
        calls = []
        self.assertEqual(T.set_schedule_callback(
            lambda prev, nxt: calls.append((prev, nxt))), 0)
        try:
            t = stackless.tasklet(int)()
            stackless.run()
        finally:
            self.assertEqual(T.set_schedule_callback(None), 0)
        self.assertEqual(calls[0], (stackless.main, t))
        self.assertRaisesMessage(TypeError,
                                 'schedule callback must be callable',
                                 T.set_schedule_callback, 42)

    def test_fast_callback(self):
        stackless.set_schedule_callback(lambda *a: None)
        T.set_fast_callback(True)
        try:
            # One slot: the C hook replaced the Python callback.
            self.assertIsNone(stackless.get_schedule_callback())
            stackless.tasklet(int)()
            stackless.run()
            self.assertEqual(T.fast_callback_calls(), (2, 0))
            # And a Python callback replaces the C hook.
            stackless.set_schedule_callback(lambda *a: None)
            stackless.set_schedule_callback(None)
            stackless.tasklet(int)()
            stackless.run()
            self.assertEqual(T.fast_callback_calls(), (2, 0))
        finally:
            T.set_fast_callback(False)

    def test_failing_fast_callback_is_reported(self):
        reported = []
        old = sys.unraisablehook
        sys.unraisablehook = reported.append
        T.set_fast_callback(True, True)
        try:
            got = []
            stackless.tasklet(got.append)(1)
            stackless.run()
        finally:
            T.set_fast_callback(False)
            sys.unraisablehook = old
        # Keep plain values only: a kept report is never freed (noted in
        # CHANGELOG.md, "Known problems").
        seen = [(type(a.exc_value), a.err_msg) for a in reported]
        reported.clear()
        self.assertEqual(got, [1])
        self.assertEqual(len(seen), 2)
        self.assertIs(seen[0][0], ValueError)
        self.assertIn('Error in scheduling callback', seen[0][1])


class CallMainTest(StacklessTestCase):

    def test_inside_a_main_tasklet(self):
        self.assertRaisesMessage(RuntimeError,
                                 'Call_Main cannot run within a main tasklet',
                                 T.call_main, int)

    def test_outside(self):
        got = []

        class Target:
            data = 3

            def __call__(self):
                return 'called'

            def method(self, x):
                return 2 * x

            def spawn(self):
                stackless.tasklet(got.append)('spawned')

        results = T.call_main_outside(Target())
        self.assertEqual(results[:2], ['called', 42])
        self.assertIsInstance(results[2], AttributeError)
        self.assertEqual(repr(results[3]),
                         repr(TypeError('call of non-callable attribute')))
        self.assertEqual(results[4:], [8, None, None, 1])
        self.assertEqual(got, ['spawned'])


class SoftFunctionTest(StacklessTestCase):

    @requires_hard_switch
    def test_receive_soft(self):
        ch = stackless.channel()
        for receive, soft in ((T.receive_soft, SOFTSWITCH),
                              (T.receive_soft_plain, False)):
            r = Receiver(receive, ch)
            stackless.run()
            self.assertEqual(r.tasklet.restorable, soft, receive)
            ch.send('v')
            # (value, step): the function was re-entered after the switch.
            self.assertEqual(r.result, ('v', 1))
        # No switch at all: a sender waits already.
        stackless.tasklet(ch.send)('w')
        stackless.run()
        self.assertEqual(T.receive_soft(ch), ('w', 1))

    def test_many_entries(self):
        ch = stackless.channel()
        r = Receiver(lambda c: T.receive_many(c, 3), ch)
        stackless.run()
        for i in range(3):
            self.assertEqual(state(r.tasklet), BLOCKED)
            self.assertEqual(r.tasklet.restorable, SOFTSWITCH)
            ch.send(i)
        self.assertEqual(r.result, [0, 1, 2])

    def test_exceptions_pass_through(self):
        ch = stackless.channel()
        r = Receiver(lambda c: T.receive_many(c, 3), ch)
        stackless.run()
        ch.send(0)
        ch.send_exception(KeyError, 'k')
        self.assertIsInstance(r.error, KeyError)
        self.assertTrue(r.finished)

        r = Receiver(lambda c: T.receive_many(c, 3), ch)
        stackless.run()
        r.tasklet.kill()
        self.assertIsInstance(r.error, stackless.TaskletExit)
        self.assertTrue(r.finished)

        with self.assertRaises(KeyError):
            T.call_function_with_error(KeyError('entered with it'))
        self.assertRaisesMessage(SystemError,
                                 'No error occurred, but arg is NULL',
                                 T.call_function_with_error, None)

    def test_pause(self):
        order = []

        def body():
            order.append('before')
            order.append(T.pause('arg'))
        stackless.tasklet(body)()
        stackless.tasklet(order.append)('other')
        stackless.run()
        self.assertEqual(order, ['before', 'other', 'arg'])
        self.assertEqual(T.pause(5), 5)

    def test_declaration(self):
        d = T._receive_soft_impl
        self.assertEqual(d.name, '_receive_soft_impl')
        self.assertEqual(d.__module__, '_teststackless')
        self.assertIs(pickle.loads(pickle.dumps(d)), d)
        self.assertIn('_receive_soft_impl', repr(d))

    def test_pickle_waiting_function(self):
        ch = stackless.channel()
        r = Receiver(lambda c: T.receive_many(c, 3), ch)
        stackless.run()
        ch.send(0)
        if not SOFTSWITCH:
            self.assertFalse(r.tasklet.restorable)
            return
        data = pickle.dumps((r, ch))
        r.tasklet.kill()
        r2, ch2 = pickle.loads(data)
        self.assertEqual(state(r2.tasklet), BLOCKED)
        ch2.send(1)
        ch2.send(2)
        # The C-frame came back: its list and count went on.
        self.assertEqual(r2.result, [0, 1, 2])

    def test_unpicklable_cframe(self):
        ch = stackless.channel()
        r = Receiver(T.receive_any, ch)
        stackless.run()
        # A C pointer cannot be saved: the frame loads as invalid, and
        # the loaded tasklet raises when it runs (docs/c-api.md).
        t = pickle.loads(pickle.dumps(r.tasklet))
        self.assertTrue(t.alive)
        t.insert()
        with self.assertRaises(RuntimeError) as cm:
            stackless.run()
        self.assertIn('cannot execute invalid frame', str(cm.exception))
        self.assertFalse(t.alive)
        ch.send('v')
        self.assertEqual(r.result, 'v')

    def test_corrupt_cframe_state(self):
        self.assertRaises(TypeError, stackless._cframe, 42, 0, 0,
                          None, None, None, 0)
        cf = stackless._cframe(T._receive_soft_impl, 1, 0, None, None,
                               None, 7)
        self.assertIn('step 1', repr(cf))
        ch = stackless.channel()
        r = Receiver(T.receive_soft, ch)
        stackless.run()
        if not SOFTSWITCH:
            ch.send(1)
            return
        frame = r.tasklet.__reduce__()[2][3][-1]
        fstate = list(frame.__reduce__()[2])
        values = list(fstate[5])
        self.assertIsInstance(values[-1], stackless._cframe)
        values[-1] = 'not a C-frame'
        fstate[5] = tuple(values)
        image = type(frame)()
        self.assertRaisesMessage(ValueError,
                                 "the frame's C function has no C-frame",
                                 image.__setstate__, tuple(fstate))
        ch.send(1)
        self.assertEqual(r.result, (1, 1))


@in_subprocess
class MisuseTest(StacklessTestCase):

    def test_token_without_switch(self):
        self.assertRaisesMessage(
            SystemError,
            'bad_unwind() returned Py_UnwindToken without a soft switch',
            T.bad_unwind)

    def test_ignored_unwind(self):
        # The switch goes on; the value the function returned instead is
        # lost, and the call's result is what the tasklet is resumed with.
        ch = stackless.channel()
        r = Receiver(T.ignore_unwind, ch)
        stackless.run()
        ch.send('value')
        # Hard: no unwind to ignore, the value comes back directly.
        self.assertEqual(r.result, 'value')

    def test_token_identity(self):
        self.assertEqual(T.unwind_token_info(None), (0, 1))


if __name__ == '__main__':
    unittest.main()
