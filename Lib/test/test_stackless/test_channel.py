"""The channel class: transfer, queueing, closing and who runs next.

Reference: docs/reference.md section 7 (class channel), especially the
table of section 7.4, which the WhoRunsNext tests check by logging events in order.
"""

import sys
import unittest

import stackless

from .support import (StacklessTestCase, ring, channel_queue, state,
                      DEAD, RUNNABLE, BLOCKED, requires_hard_switch)


def make_tb():
    try:
        raise KeyError('origin')
    except KeyError as e:
        return e, e.__traceback__


def tb_names(tb):
    names = []
    while tb is not None:
        names.append(tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    return names


class AttributeTest(StacklessTestCase):

    def test_new_channel(self):
        ch = stackless.channel()
        self.assertEqual(ch.balance, 0)
        self.assertEqual(ch.preference, -1)
        self.assertEqual(ch.schedule_all, 0)
        self.assertIs(ch.closing, False)
        self.assertIs(ch.closed, False)
        self.assertIsNone(ch.queue)
        self.assertIs(type(ch.balance), int)
        self.assertIs(type(ch.preference), int)
        self.assertIs(type(ch.schedule_all), int)

    def test_constructor_arguments_ignored(self):
        ch = stackless.channel(1, 2, key='value')
        self.assertEqual(ch.balance, 0)
        self.assertEqual(ch.preference, -1)

    def test_preference(self):
        ch = stackless.channel()
        for value, expected in ((1, 1), (0, 0), (-1, -1), (2, 1), (-7, -1),
                                (True, 1), (False, 0), (1000, 1)):
            with self.subTest(value=value):
                ch.preference = value
                self.assertEqual(ch.preference, expected)
                self.assertIs(type(ch.preference), int)
        for bad in ('x', 1.0, None):
            with self.subTest(bad=bad):
                with self.assertRaises(TypeError) as cm:
                    ch.preference = bad
                self.assertEqual(str(cm.exception),
                                 'preference must be set to an integer')
        self.assertEqual(ch.preference, 1)

    def test_schedule_all(self):
        ch = stackless.channel()
        for value, expected in ((1, 1), (0, 0), (5, 1), (-3, 1), (True, 1),
                                (False, 0)):
            with self.subTest(value=value):
                ch.schedule_all = value
                self.assertEqual(ch.schedule_all, expected)
        for bad in ('x', 1.0, None):
            with self.subTest(bad=bad):
                with self.assertRaises(TypeError) as cm:
                    ch.schedule_all = bad
                # sic: the original message names "preference"
                self.assertEqual(str(cm.exception),
                                 'preference must be set to a bool or '
                                 'integer')
        self.assertEqual(ch.schedule_all, 0)

    def test_read_only(self):
        ch = stackless.channel()
        for name in ('balance', 'queue', 'closing', 'closed'):
            with self.subTest(name=name):
                with self.assertRaises((AttributeError, TypeError)):
                    setattr(ch, name, getattr(ch, name))

    def test_balance_and_queue_receivers(self):
        ch = stackless.channel()
        receivers = [stackless.tasklet(ch.receive)() for i in range(3)]
        stackless.run()
        self.assertEqual(ch.balance, -3)
        self.assertIs(ch.queue, receivers[0])
        self.assertEqual(channel_queue(ch), receivers)
        for t in receivers:
            self.assertState(t, BLOCKED)
        ch.send(None)
        self.assertEqual(ch.balance, -2)
        self.assertEqual(channel_queue(ch), receivers[1:])
        self.assertState(receivers[0], DEAD)
        ch.send_sequence([None, None])
        self.assertEqual(ch.balance, 0)
        self.assertIsNone(ch.queue)

    def test_balance_and_queue_senders(self):
        ch = stackless.channel()
        senders = [stackless.tasklet(ch.send)(i) for i in range(3)]
        stackless.run()
        self.assertEqual(ch.balance, 3)
        self.assertEqual(channel_queue(ch), senders)
        self.assertEqual([t.tempval for t in senders], [0, 1, 2])
        self.assertEqual(ch.receive(), 0)
        self.assertEqual(ch.balance, 2)
        self.assertEqual(channel_queue(ch), senders[1:])
        # the sender that was served is runnable now
        self.assertState(senders[0], RUNNABLE)
        self.assertEqual([ch.receive(), ch.receive()], [1, 2])
        self.assertEqual(ch.balance, 0)
        stackless.run()
        for t in senders:
            self.assertState(t, DEAD)


class TransferTest(StacklessTestCase):

    def test_value_identity(self):
        ch = stackless.channel()
        got = []
        stackless.tasklet(lambda: got.append(ch.receive()))()
        stackless.run()
        value = object()
        self.assertIsNone(ch.send(value))
        self.assertEqual(len(got), 1)
        self.assertIs(got[0], value)

    def test_fifo_receivers(self):
        ch = stackless.channel()
        got = []

        def rx(name):
            got.append((name, ch.receive()))
        for name in 'abc':
            stackless.tasklet(rx)(name)
        stackless.run()
        for value in (1, 2, 3):
            ch.send(value)
        self.assertEqual(got, [('a', 1), ('b', 2), ('c', 3)])

    def test_fifo_senders(self):
        ch = stackless.channel()
        for value in 'xyz':
            stackless.tasklet(ch.send)(value)
        stackless.run()
        self.assertEqual([ch.receive() for i in range(3)], list('xyz'))
        stackless.run()

    def test_ping_pong(self):
        ping = stackless.channel()
        pong = stackless.channel()
        log = []

        def player(name, inbox, outbox, n):
            for i in range(n):
                v = inbox.receive()
                log.append((name, v))
                outbox.send(v + 1)
        stackless.tasklet(player)('a', ping, pong, 3)
        stackless.tasklet(player)('b', pong, ping, 3)
        stackless.schedule()            # both block on their inbox
        ping.send(0)
        stackless.run()
        self.assertEqual(log, [('a', 0), ('b', 1), ('a', 2), ('b', 3),
                               ('a', 4), ('b', 5)])
        self.assertEqual(ping.balance, 1)   # a's last send waits
        self.assertEqual(ping.receive(), 6)
        stackless.run()

    def test_blocking_leaves_the_ring(self):
        ch = stackless.channel()
        seen = []
        a = stackless.tasklet(ch.receive)()
        b = stackless.tasklet(lambda: seen.append(ring()))()
        stackless.run()
        self.assertEqual(seen, [[b]])
        self.assertState(a, BLOCKED)
        ch.send(1)

    def test_send_exception(self):
        ch = stackless.channel()
        got = []

        def rx():
            try:
                ch.receive()
            except ValueError as e:
                got.append(e.args)
        stackless.tasklet(rx)()
        stackless.run()
        self.assertIsNone(ch.send_exception(ValueError, 'a', 1))
        self.assertEqual(got, [('a', 1)])

    def test_send_exception_base_exception(self):
        class MyBase(BaseException):
            pass
        ch = stackless.channel()
        got = []

        def rx():
            try:
                ch.receive()
            except MyBase as e:
                got.append(type(e))
        stackless.tasklet(rx)()
        stackless.run()
        ch.send_exception(MyBase)
        self.assertEqual(got, [MyBase])

    # send_exception() blocks hard.
    @requires_hard_switch
    def test_send_exception_blocked_sender(self):
        ch = stackless.channel()
        log = []

        def tx():
            ch.send_exception(KeyError, 'k')
            log.append('sender resumed')
        s = stackless.tasklet(tx)()
        # main stays in the ring, so no watchdog gets the bomb (section 9)
        stackless.schedule()
        self.assertEqual(ch.balance, 1)
        with self.assertRaises(KeyError) as cm:
            ch.receive()
        self.assertEqual(cm.exception.args, ('k',))
        self.assertEqual(ch.balance, 0)
        stackless.run()
        self.assertEqual(log, ['sender resumed'])
        self.assertState(s, DEAD)

    def test_send_exception_errors(self):
        ch = stackless.channel()
        stackless.tasklet(ch.receive)()
        stackless.run()
        msg = ('channel.send_exception needs Exception or string subclass '
               'as first parameter')
        self.assertRaisesMessage(TypeError, msg, ch.send_exception, 42)
        self.assertRaisesMessage(TypeError, msg, ch.send_exception, int)
        self.assertRaisesMessage(TypeError, msg, ch.send_exception,
                                 ValueError('instance'))
        self.assertRaisesMessage(TypeError,
                                 'send_exception() takes at least 1 argument',
                                 ch.send_exception)
        self.assertEqual(ch.balance, -1)
        ch.send(None)

    def test_send_throw_instance(self):
        ch = stackless.channel()
        got = []

        def rx():
            try:
                ch.receive()
            except Exception as e:
                got.append(e)
        stackless.tasklet(rx)()
        stackless.run()
        exc = ValueError('inst')
        self.assertIsNone(ch.send_throw(exc))
        self.assertEqual(got, [exc])

    def test_send_throw_class_and_value(self):
        ch = stackless.channel()
        got = []

        def rx():
            try:
                ch.receive()
            except ValueError as e:
                got.append(e.args)
        stackless.tasklet(rx)()
        stackless.run()
        ch.send_throw(ValueError, 'v')
        self.assertEqual(got, [('v',)])

    def test_send_throw_traceback(self):
        ch = stackless.channel()
        got = []

        def rx():
            try:
                ch.receive()
            except KeyError as e:
                got.append(e)
        stackless.tasklet(rx)()
        stackless.run()
        exc, tb = make_tb()
        ch.send_throw(exc, None, tb)
        self.assertEqual(got, [exc])
        self.assertIn('make_tb', tb_names(got[0].__traceback__))

    def test_send_throw_exc_info(self):
        # the typical use: ch.send_throw(*sys.exc_info())
        ch = stackless.channel()
        got = []

        def rx():
            try:
                ch.receive()
            except KeyError as e:
                got.append(tb_names(e.__traceback__))
        stackless.tasklet(rx)()
        stackless.run()
        try:
            raise make_tb()[0]
        except KeyError:
            ch.send_throw(*sys.exc_info())
        self.assertEqual(len(got), 1)
        self.assertIn('make_tb', got[0])

    def test_send_throw_errors(self):
        ch = stackless.channel()
        stackless.tasklet(ch.receive)()
        stackless.run()
        self.assertRaisesMessage(
            TypeError, 'instance exception may not have a separate value',
            ch.send_throw, ValueError('x'), 'y')
        self.assertRaisesMessage(
            TypeError, 'exceptions must be classes, or instances, not int',
            ch.send_throw, 42)
        self.assertRaisesMessage(
            TypeError, 'third argument must be a traceback object',
            ch.send_throw, ValueError, None, 42)
        # positional only
        self.assertRaises(TypeError, ch.send_throw, exc=ValueError)
        self.assertEqual(ch.balance, -1)
        ch.send(None)

    def test_send_arguments(self):
        # one value, positional or by its keyword (user guide, "Calling
        # conventions"); wrong calls change nothing
        ch = stackless.channel()
        self.assertRaises(TypeError, ch.send)
        self.assertRaises(TypeError, ch.send, 1, 2)
        self.assertRaises(TypeError, ch.send, valu=1)
        self.assertEqual(ch.balance, 0)
        r = stackless.tasklet(ch.receive)()
        stackless.run()
        ch.send(value='by keyword')
        self.assertEqual(r.tempval, None)
        self.assertFalse(r.alive)


class SendSequenceTest(StacklessTestCase):

    def test_count_and_order(self):
        ch = stackless.channel()
        got = []

        def rx(n):
            for i in range(n):
                got.append(ch.receive())
        stackless.tasklet(rx)(5)
        stackless.run()
        self.assertEqual(ch.send_sequence(range(5)), 5)
        self.assertEqual(got, [0, 1, 2, 3, 4])

    def test_generator_and_empty(self):
        ch = stackless.channel()
        got = []
        stackless.tasklet(lambda: got.extend([ch.receive(), ch.receive()]))()
        stackless.run()
        self.assertEqual(ch.send_sequence(x * 2 for x in (1, 2)), 2)
        self.assertEqual(got, [2, 4])
        self.assertEqual(ch.send_sequence(()), 0)
        self.assertEqual(ch.send_sequence(iter([])), 0)

    def test_iterator_exception_propagates(self):
        ch = stackless.channel()
        got = []

        def gen():
            yield 1
            yield 2
            raise KeyError('gen')

        def rx():
            while True:
                got.append(ch.receive())
        stackless.tasklet(rx)()
        stackless.run()
        with self.assertRaises(KeyError):
            ch.send_sequence(gen())
        self.assertEqual(got, [1, 2])
        self.assertEqual(ch.balance, -1)

    def test_send_exception_propagates(self):
        # a send that would block on a closing channel fails
        ch = stackless.channel()
        got = []
        stackless.tasklet(lambda: got.append(ch.receive()))()
        stackless.run()
        ch.close()
        with self.assertRaises(ValueError):
            ch.send_sequence([1, 2])
        self.assertEqual(got, [1])

    def test_not_iterable(self):
        self.assertRaises(TypeError, stackless.channel().send_sequence, 42)


class IterationTest(StacklessTestCase):

    def test_iter_returns_self(self):
        ch = stackless.channel()
        self.assertIs(iter(ch), ch)
        self.assertIs(ch.__iter__(), ch)

    # A for loop over a channel blocks hard (its tp_iternext).
    @requires_hard_switch
    def test_for_loop_ended_by_stop_iteration(self):
        ch = stackless.channel()
        got = []

        def rx():
            for x in ch:
                got.append(x)
            got.append('done')
        t = stackless.tasklet(rx)()
        stackless.run()
        ch.send_sequence('abc')
        ch.send_exception(StopIteration)
        self.assertEqual(got, ['a', 'b', 'c', 'done'])
        self.assertState(t, DEAD)

    def test_next(self):
        ch = stackless.channel()
        stackless.tasklet(ch.send)('n')
        stackless.run()
        self.assertEqual(next(ch), 'n')
        stackless.run()

    def test_drain_closing_channel(self):
        ch = stackless.channel()
        for value in range(3):
            stackless.tasklet(ch.send)(value)
        stackless.run()
        ch.close()
        self.assertEqual(ch.balance, 3)
        self.assertFalse(ch.closed)
        # queued senders are drained, then iteration stops without blocking
        self.assertEqual(list(ch), [0, 1, 2])
        self.assertTrue(ch.closed)
        with self.assertRaises(StopIteration):
            next(ch)
        stackless.run()

    def test_closing_with_waiting_receivers_stops(self):
        ch = stackless.channel()
        r = stackless.tasklet(ch.receive)()
        stackless.run()
        ch.close()
        self.assertEqual(ch.balance, -1)
        with self.assertRaises(StopIteration):
            next(ch)
        self.assertEqual(ch.balance, -1)
        ch.send('bye')
        self.assertState(r, DEAD)


class CloseTest(StacklessTestCase):

    def test_close_and_open(self):
        ch = stackless.channel()
        self.assertIsNone(ch.close())
        self.assertIs(ch.closing, True)
        self.assertIs(ch.closed, True)
        self.assertIsNone(ch.open())
        self.assertIs(ch.closing, False)
        self.assertIs(ch.closed, False)

    def test_blocking_operations_fail(self):
        ch = stackless.channel()
        ch.close()
        msg = 'Send/receive operation on a closed channel'
        stackless.tasklet(ch.receive)()     # something else is runnable
        self.assertRaisesMessage(ValueError, msg, ch.receive)
        self.assertRaisesMessage(ValueError, msg, ch.send, 1)
        self.assertRaisesMessage(ValueError, msg, ch.send_exception,
                                 ValueError)
        self.assertRaisesMessage(ValueError, msg, ch.send_throw, ValueError)
        self.assertEqual(ch.balance, 0)
        self.assertEqual(stackless.getruncount(), 2)
        with self.assertRaises(ValueError) as cm:
            stackless.run()         # the tasklet's receive fails too
        self.assertEqual(str(cm.exception), msg)

    def test_close_does_not_wake(self):
        ch = stackless.channel()
        got = []
        r = stackless.tasklet(lambda: got.append(ch.receive()))()
        stackless.run()
        ch.close()
        self.assertState(r, BLOCKED)
        self.assertEqual(ch.balance, -1)
        self.assertTrue(ch.closing)
        self.assertFalse(ch.closed)
        # would block: fails
        stackless.tasklet(lambda: None)()
        self.assertRaises(ValueError, ch.receive)
        # finds a partner: works
        ch.send('still')
        self.assertEqual(got, ['still'])
        self.assertTrue(ch.closed)
        stackless.run()

    def test_reopen(self):
        ch = stackless.channel()
        ch.close()
        ch.open()
        got = []
        stackless.tasklet(lambda: got.append(ch.receive()))()
        stackless.run()
        self.assertEqual(ch.balance, -1)
        ch.send(1)
        self.assertEqual(got, [1])

    def test_closed_requires_zero_balance(self):
        ch = stackless.channel()
        s = stackless.tasklet(ch.send)(1)
        stackless.run()
        ch.close()
        self.assertTrue(ch.closing)
        self.assertFalse(ch.closed)
        self.assertEqual(ch.receive(), 1)
        self.assertTrue(ch.closed)
        ch.open()
        self.assertFalse(ch.closed)
        stackless.run()
        self.assertState(s, DEAD)


class WhoRunsNextTest(StacklessTestCase):
    """Reference section 7.4: log the order of events after a transfer."""

    def scenario(self, op, preference=-1, schedule_all=0, in_tasklet=False):
        """P waits on the channel, X is runnable, the caller does op.

        Returns the log of events.
        """
        log = []
        ch = stackless.channel()
        ch.preference = preference
        ch.schedule_all = schedule_all
        if op == 'send':
            def partner():
                log.append(('P', ch.receive()))
        else:
            def partner():
                ch.send('v')
                log.append('P')
        p = stackless.tasklet(partner)()
        stackless.run()
        self.assertState(p, BLOCKED)

        def caller():
            log.append('op')
            if op == 'send':
                self.assertIsNone(ch.send('v'))
            else:
                log.append(('got', ch.receive()))
            log.append('caller')
        if in_tasklet:
            stackless.tasklet(caller)()
            stackless.tasklet(log.append)('X')
            stackless.run()
        else:
            stackless.tasklet(log.append)('X')
            caller()
            stackless.run()
        self.assertState(p, DEAD)
        self.assertEqual(ch.balance, 0)
        return log

    def check(self, op, preference, schedule_all, expected):
        for in_tasklet in (False, True):
            with self.subTest(op=op, preference=preference,
                              schedule_all=schedule_all,
                              in_tasklet=in_tasklet):
                self.assertEqual(self.scenario(op, preference, schedule_all,
                                               in_tasklet), expected)

    # preference -1 (default): prefer the receiver
    def test_send_prefer_receiver(self):
        # P linked right after C and switched to; C is now last
        self.check('send', -1, 0, ['op', ('P', 'v'), 'X', 'caller'])

    def test_receive_prefer_receiver(self):
        # P appended; C continues
        self.check('receive', -1, 0,
                   ['op', ('got', 'v'), 'caller', 'X', 'P'])

    # preference 1: prefer the sender
    def test_send_prefer_sender(self):
        self.check('send', 1, 0, ['op', 'caller', 'X', ('P', 'v')])

    def test_receive_prefer_sender(self):
        self.check('receive', 1, 0, ['op', 'P', 'X', ('got', 'v'), 'caller'])

    # preference 0: the caller continues in both directions
    def test_send_preference_zero(self):
        self.check('send', 0, 0, ['op', 'caller', 'X', ('P', 'v')])

    def test_receive_preference_zero(self):
        self.check('receive', 0, 0,
                   ['op', ('got', 'v'), 'caller', 'X', 'P'])

    # schedule_all overrides the preference: P appended, switch to C's
    # ring successor, C stays runnable
    def test_schedule_all_send(self):
        for preference in (-1, 0, 1):
            self.check('send', preference, 1,
                       ['op', 'X', ('P', 'v'), 'caller'])

    def test_schedule_all_receive(self):
        for preference in (-1, 0, 1):
            self.check('receive', preference, 1,
                       ['op', 'X', 'P', ('got', 'v'), 'caller'])

    def test_schedule_all_alone_switches_to_partner(self):
        log = []
        ch = stackless.channel()
        ch.schedule_all = 1
        p = stackless.tasklet(lambda: log.append(('P', ch.receive())))()
        stackless.run()
        log.append('op')
        ch.send('v')
        log.append('main')
        self.assertEqual(log, ['op', ('P', 'v'), 'main'])
        self.assertState(p, DEAD)

    def test_ring_shapes(self):
        main = stackless.main
        for preference, schedule_all, where, expected in (
                (-1, 0, 'partner', ['P', 'X', 'main']),
                (1, 0, 'main', ['main', 'X', 'P']),
                (0, 0, 'main', ['main', 'X', 'P']),
                (-1, 1, 'X', ['X', 'P', 'main'])):
            with self.subTest(preference=preference,
                              schedule_all=schedule_all):
                ch = stackless.channel()
                ch.preference = preference
                ch.schedule_all = schedule_all
                snapshots = {}
                names = {}

                def partner():
                    ch.receive()
                    snapshots['partner'] = ring()

                p = stackless.tasklet(partner)()
                stackless.run()
                x = stackless.tasklet(
                    lambda: snapshots.setdefault('X', ring()))()
                names.update({p: 'P', x: 'X', main: 'main'})
                ch.send(None)
                snapshots['main'] = ring()
                self.assertEqual([names[t] for t in snapshots[where]],
                                 expected)
                stackless.run()

    def test_receiver_preferred_when_receiving(self):
        # preference 1, receiving caller: the sender is linked after C
        main = stackless.main
        ch = stackless.channel()
        ch.preference = 1
        seen = []

        def tx():
            ch.send('s')
            seen.append(ring())
        p = stackless.tasklet(tx)()
        stackless.run()
        x = stackless.tasklet(lambda: None)()
        self.assertEqual(ch.receive(), 's')
        self.assertEqual(seen, [[p, x, main]])
        stackless.run()

    def test_partner_value_with_preference_to_sender(self):
        # the receiver that did not continue gets the value when resumed
        ch = stackless.channel()
        ch.preference = 1
        log = []

        def rx():
            log.append(('rx', ch.receive()))
        stackless.tasklet(rx)()
        stackless.run()
        ch.send('late')
        log.append('sender continues')
        stackless.run()
        self.assertEqual(log, ['sender continues', ('rx', 'late')])

    def test_paused_state_of_partner(self):
        # after a transfer with preference 0, both sides are runnable
        ch = stackless.channel()
        ch.preference = 0
        r = stackless.tasklet(ch.receive)()
        stackless.run()
        ch.send(1)
        self.assertState(r, RUNNABLE)
        self.assertState(stackless.main, (True, True, False, False, True))
        # the value waits in the partner's tempval until it resumes
        self.assertEqual(r.tempval, 1)
        stackless.run()
        self.assertState(r, DEAD)

    def test_uncaught_exception_in_preferred_receiver(self):
        # send_exception wakes the receiver at once; its unhandled
        # exception goes to main, out of the send_exception() call
        ch = stackless.channel()
        r = stackless.tasklet(ch.receive)()
        stackless.run()
        with self.assertRaises(ZeroDivisionError):
            ch.send_exception(ZeroDivisionError)
        self.assertState(r, DEAD)
        self.assertEqual(ch.balance, 0)


class ChannelStateTest(StacklessTestCase):

    def test_blocked_tasklet_attributes(self):
        ch = stackless.channel()
        t = stackless.tasklet(ch.receive)()
        stackless.run()
        self.assertTrue(t.blocked)
        self.assertTrue(t.scheduled)
        self.assertFalse(t.paused)
        self.assertTrue(t.alive)
        ch.send(None)
        self.assertState(t, DEAD)

    def test_remove_from_channel_by_kill(self):
        ch = stackless.channel()
        ts = [stackless.tasklet(ch.receive)() for i in range(3)]
        stackless.run()
        ts[1].kill()
        self.assertEqual(ch.balance, -2)
        self.assertEqual(channel_queue(ch), [ts[0], ts[2]])
        self.assertIs(ts[0].next, ts[2])
        self.assertIs(ts[2].prev, ts[0])
        ts[0].kill()
        ts[2].kill()
        self.assertEqual(ch.balance, 0)
        self.assertIsNone(ch.queue)

    def test_kill_blocked_sender(self):
        ch = stackless.channel()
        s = stackless.tasklet(ch.send)('lost')
        stackless.run()
        self.assertEqual(ch.balance, 1)
        s.kill()
        self.assertEqual(ch.balance, 0)
        self.assertState(s, DEAD)
        # the value is gone with its sender
        stackless.tasklet(ch.send)('next')
        stackless.run()
        self.assertEqual(ch.receive(), 'next')
        stackless.run()

    def test_main_blocks_and_is_woken(self):
        ch = stackless.channel()
        main = stackless.main
        seen = []

        def tx():
            seen.append((state(main), main.blocked, ch.balance,
                         ch.queue is main))
            ch.send('to main')
        stackless.tasklet(tx)()
        self.assertEqual(ch.receive(), 'to main')
        self.assertEqual(seen, [((True, True, False, True, False), True,
                                 -1, True)])
        stackless.run()

    def test_unused_states_after_transfer(self):
        # a receiver that got its value and ran to completion is dead and
        # no longer linked anywhere
        ch = stackless.channel()
        r = stackless.tasklet(ch.receive)()
        stackless.run()
        ch.send(1)
        self.assertIsNone(r.next)
        self.assertIsNone(r.prev)
        self.assertState(r, DEAD)


if __name__ == '__main__':
    unittest.main()
