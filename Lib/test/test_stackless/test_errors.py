"""Errors: the message catalogue, deadlocks, unhandled exceptions, callbacks.

Reference: docs/reference.md sections 16 (error catalogue; pickling,
pre-emption and cross-thread entries excluded), 10 (blocking and
deadlock), 9 (unhandled exceptions), 8 (callbacks and the error handler).
"""

import sys
import threading
import traceback
import unittest

import stackless

from .support import (StacklessTestCase, ring, state, PAUSED, RUNNABLE,
                      CURRENT, BLOCKED, DEAD, requires_hard_switch)


def nothing(*args, **kwargs):
    pass


def paused_with_c_state():
    t = stackless.tasklet(stackless.schedule_remove, ())
    t.run()
    return t


def tb_names(exc):
    return [f.name for f in traceback.extract_tb(exc.__traceback__)]


class CatalogueTest(StacklessTestCase):
    """One check per applicable entry of the error catalogue."""

    def test_messages(self):
        main = stackless.main
        runnable = stackless.tasklet(nothing)()
        paused = stackless.tasklet(nothing, ())
        dead = stackless.tasklet(nothing)()
        dead.remove()
        dead.run()
        ch = stackless.channel()
        blocked = stackless.tasklet(ch.receive, ())
        blocked.run()
        self.assertState(blocked, BLOCKED)
        self.assertState(dead, (False,) * 5)
        bad_thread = max(stackless.getthreads()) + 4242
        me = threading.get_ident()
        cases = [
            # bind
            (TypeError, 'tasklet function must be a callable or None',
             stackless.tasklet().bind, 1),
            (RuntimeError, "can't (re)bind the current tasklet",
             main.bind, nothing),
            (RuntimeError, 'tasklet is scheduled', runnable.bind, nothing),
            (RuntimeError, 'tasklet is scheduled', blocked.bind, None),
            (RuntimeError, 'the tasklet was not bound to a function',
             stackless.tasklet().bind, None, ()),
            # setup
            (RuntimeError, 'tasklet is alive', paused.setup),
            (RuntimeError, 'tasklet is alive', runnable.setup),
            (RuntimeError, 'the tasklet was not bound to a function',
             stackless.tasklet().setup),
            # insert / run / switch
            (RuntimeError, 'You cannot run a blocked tasklet',
             blocked.insert),
            (RuntimeError, 'You cannot run a blocked tasklet', blocked.run),
            (RuntimeError, 'You cannot run a blocked tasklet',
             blocked.switch),
            (RuntimeError, 'You cannot run an unbound(dead) tasklet',
             dead.insert),
            (RuntimeError, 'You cannot run an unbound(dead) tasklet',
             dead.run),
            (RuntimeError, 'You cannot run an unbound(dead) tasklet',
             stackless.tasklet().switch),
            # remove
            (RuntimeError, 'You cannot remove a blocked tasklet.',
             blocked.remove),
            (RuntimeError, 'The current tasklet cannot be removed.',
             main.remove),
            # throw / kill / raise_exception
            (RuntimeError, 'You cannot throw to a dead tasklet',
             dead.throw, ValueError),
            (RuntimeError, 'You cannot throw to a dead tasklet',
             dead.raise_exception, ValueError),
            (RuntimeError, 'You cannot throw to a dead tasklet',
             stackless.tasklet().throw, ValueError, None, None, True),
            (TypeError, 'third argument must be a traceback object',
             paused.throw, ValueError, None, 1),
            (TypeError, 'instance exception may not have a separate value',
             paused.throw, ValueError(), 1),
            (TypeError, 'exceptions must be classes, or instances, not int',
             paused.throw, 1),
            (TypeError, 'exceptions must be classes, or instances, not '
             'NoneType', paused.throw, None),
            (TypeError, 'raise_exception() takes at least 1 argument',
             paused.raise_exception),
            (TypeError, 'tasklet.raise_exception needs Exception or string '
             'subclass as first parameter', paused.raise_exception, 1),
            # flags
            (TypeError, 'set_atomic needs exactly one bool or integer',
             paused.set_atomic, 'x'),
            (TypeError, 'set_ignore_nesting needs exactly one bool or '
             'integer', paused.set_ignore_nesting, 'x'),
            (TypeError, 'block_trap must be set to a bool or integer',
             setattr, paused, 'block_trap', 'x'),
            # bind_thread
            (RuntimeError, "can't (re)bind a runnable tasklet",
             runnable.bind_thread, me),
            (ValueError, 'bad thread', paused.bind_thread, bad_thread),
            # trace / profile setters
            (RuntimeError, 'tasklet is not alive',
             setattr, dead, 'trace_function', nothing),
            (RuntimeError, 'tasklet is not alive',
             setattr, dead, 'profile_function', nothing),
            (RuntimeError, 'tasklet is not alive',
             setattr, stackless.tasklet(nothing), 'trace_function', nothing),
            # channels
            (ValueError, 'Send/receive operation on a closed channel',
             self.closed_channel().receive),
            (ValueError, 'Send/receive operation on a closed channel',
             self.closed_channel().send, 1),
            (TypeError, 'preference must be set to an integer',
             setattr, stackless.channel(), 'preference', 'x'),
            (TypeError, 'preference must be set to a bool or integer',
             setattr, stackless.channel(), 'schedule_all', 'x'),
            (TypeError, 'send_exception() takes at least 1 argument',
             stackless.channel().send_exception),
            (TypeError, 'channel.send_exception needs Exception or string '
             'subclass as first parameter',
             stackless.channel().send_exception, 1),
            # module
            (TypeError, 'schedule callback must be callable',
             stackless.set_schedule_callback, 1),
            (TypeError, 'channel callback must be callable',
             stackless.set_channel_callback, 'x'),
            (RuntimeError, 'Thread id not found',
             stackless.get_thread_info, bad_thread),
            (ValueError, 'you must not set an undefined pickle-flag',
             stackless.pickle_flags, 16),
            (ValueError, 'you must not set an undefined pickle-flag',
             stackless.pickle_flags_default, -5),
        ]
        for exc, message, func, *args in cases:
            with self.subTest(message=message, func=func):
                self.assertRaisesMessage(exc, message, func, *args)
        # none of this changed any state
        self.assertState(runnable, RUNNABLE)
        self.assertState(paused, PAUSED)
        self.assertState(blocked, BLOCKED)
        self.assertState(main, CURRENT)
        self.assertEqual(ch.balance, -1)
        self.assertEqual(ring(), [main, runnable])
        self.assertIsNone(stackless.get_schedule_callback())
        self.assertIsNone(stackless.get_channel_callback())
        blocked.kill()
        paused.kill()
        stackless.run()

    @requires_hard_switch
    def test_messages_c_state(self):
        cstate = paused_with_c_state()
        for func, *args in ((cstate.bind, None),
                            (cstate.bind_thread, threading.get_ident())):
            with self.subTest(func=func):
                self.assertRaisesMessage(
                    RuntimeError, 'tasklet has C state on its stack',
                    func, *args)
        self.assertState(cstate, PAUSED)
        cstate.kill()

    @staticmethod
    def closed_channel():
        ch = stackless.channel()
        ch.close()
        return ch

    def test_switch_trap(self):
        t = stackless.tasklet(nothing)()
        stackless.switch_trap(1)
        try:
            for func in (stackless.schedule, stackless.run, t.run, t.switch,
                         t.kill):
                with self.subTest(func=func):
                    self.assertRaisesMessage(RuntimeError, 'switch_trap',
                                             func)
        finally:
            stackless.switch_trap(-1)
        self.assertState(t, RUNNABLE)
        stackless.run()

    def test_block_trap(self):
        ch = stackless.channel()
        msgs = []

        def f():
            stackless.current.block_trap = True
            for op in (ch.receive, lambda: ch.send(1),
                       lambda: ch.send_exception(ValueError)):
                try:
                    op()
                except RuntimeError as e:
                    msgs.append(str(e))
        stackless.tasklet(f)()
        stackless.run()
        self.assertEqual(msgs, ['this tasklet does not like to be '
                                'blocked.'] * 3)
        self.assertEqual(ch.balance, 0)

    def test_main_bind_from_tasklet(self):
        # main inside run() is not current and not scheduled; since main
        # always has C state, either of these messages is right
        msgs = []

        def f():
            for args in ((), (None,)):
                try:
                    stackless.main.bind(*args)
                except RuntimeError as e:
                    msgs.append(str(e))
        stackless.tasklet(f)()
        stackless.run()
        self.assertEqual(len(msgs), 2)
        for msg in msgs:
            self.assertIn(msg, ("can't unbind the main tasklet",
                                'tasklet has C state on its stack'))


class DeadlockTest(StacklessTestCase):
    """Reference section 10."""

    DEADLOCK = 'Deadlock: the last runnable tasklet cannot be blocked.'

    def test_main_receive(self):
        ch = stackless.channel()
        self.assertRaisesMessage(RuntimeError, self.DEADLOCK, ch.receive)
        self.assertState(stackless.main, CURRENT)
        self.assertEqual(ch.balance, 0)
        self.assertIsNone(ch.queue)
        self.assertEqual(stackless.getruncount(), 1)

    def test_main_send(self):
        ch = stackless.channel()
        for op in (lambda: ch.send(1), lambda: ch.send_exception(KeyError),
                   lambda: ch.send_throw(KeyError), lambda: next(ch)):
            with self.subTest(op=op):
                self.assertRaisesMessage(RuntimeError, self.DEADLOCK, op)
                self.assertEqual(ch.balance, 0)
                self.assertFalse(stackless.main.blocked)
        # the channel still works afterwards
        stackless.tasklet(ch.send)('ok')
        self.assertEqual(ch.receive(), 'ok')

    def test_deadlock_in_tasklet_while_main_blocked(self):
        ch1 = stackless.channel()
        ch2 = stackless.channel()
        log = []

        def t():
            try:
                ch2.receive()
            except RuntimeError as e:
                log.append(str(e))
                log.append(state(stackless.current))
            self.assertEqual(ch2.balance, 0)
            ch1.send('rescue')
        stackless.tasklet(t)()
        log.append(ch1.receive())
        self.assertEqual(log, [self.DEADLOCK,
                               (True, True, False, False, True), 'rescue'])
        stackless.run()

    def test_uncaught_deadlock_goes_to_main(self):
        ch1 = stackless.channel()
        ch2 = stackless.channel()
        t = stackless.tasklet(ch2.receive)()
        with self.assertRaises(RuntimeError) as cm:
            ch1.receive()
        self.assertEqual(str(cm.exception), self.DEADLOCK)
        self.assertEqual(ch1.balance, 0)
        self.assertEqual(ch2.balance, 0)
        self.assertState(stackless.main, CURRENT)
        self.assertState(t, DEAD)

    def test_schedule_remove_while_main_blocked(self):
        ch = stackless.channel()
        log = []

        def t():
            try:
                stackless.schedule_remove()
            except RuntimeError as e:
                log.append(str(e))
            ch.send('done')
        stackless.tasklet(t)()
        self.assertEqual(ch.receive(), 'done')
        self.assertEqual(log, [self.DEADLOCK])
        stackless.run()

    def test_main_receiving_when_last_tasklet_ends(self):
        ch = stackless.channel()
        log = []
        stackless.tasklet(log.append)('ends normally')
        with self.assertRaises(RuntimeError) as cm:
            ch.receive()
        self.assertEqual(str(cm.exception), 'the main tasklet is receiving '
                         'without a sender available.')
        self.assertEqual(log, ['ends normally'])
        self.assertEqual(ch.balance, 0)
        self.assertState(stackless.main, CURRENT)

    def test_main_sending_when_last_tasklet_ends(self):
        ch = stackless.channel()
        stackless.tasklet(nothing)()
        stackless.tasklet(nothing)()
        with self.assertRaises(RuntimeError) as cm:
            ch.send('nobody')
        self.assertEqual(str(cm.exception), 'the main tasklet is sending '
                         'without a receiver available.')
        self.assertEqual(ch.balance, 0)
        self.assertIsNone(ch.queue)

    def test_main_schedule_remove_alone(self):
        # main with nothing else to do simply continues
        self.assertIs(stackless.schedule_remove(), stackless.main)
        self.assertEqual(stackless.schedule_remove('r'), 'r')
        self.assertEqual(stackless.schedule_remove(retval='k'), 'k')
        self.assertState(stackless.main, CURRENT)
        self.assertEqual(ring(), [stackless.main])

    def test_blocking_inside_run_returns(self):
        ch = stackless.channel()
        ts = [stackless.tasklet(ch.receive)() for i in range(3)]
        self.assertIsNone(stackless.run())
        self.assertEqual(ch.balance, -3)
        self.assertEqual([state(t) for t in ts], [BLOCKED] * 3)

    def test_blocking_in_nested_run_wakes_inner(self):
        ch = stackless.channel()
        log = []

        def inner():
            log.append('inner run')
            stackless.run()
            log.append('inner woken')
        stackless.tasklet(inner)()
        b = stackless.tasklet(ch.receive)()
        stackless.run()
        self.assertEqual(log, ['inner run', 'inner woken'])
        self.assertState(b, BLOCKED)
        ch.send(None)

    # send_exception() blocks hard.
    @requires_hard_switch
    def test_bomb_handed_to_watchdog(self):
        # Original quirk (rule 1): a tasklet blocking in send_exception with
        # nothing else to run hands its bomb to the watchdog as well.
        ch = stackless.channel()
        s = stackless.tasklet(ch.send_exception)(KeyError, 'quirk')
        with self.assertRaises(KeyError) as cm:
            stackless.run()
        self.assertEqual(cm.exception.args, ('quirk',))
        self.assertState(s, BLOCKED)
        self.assertEqual(ch.balance, 1)
        # and the receiver still gets it
        with self.assertRaises(KeyError):
            ch.receive()
        stackless.run()
        self.assertState(s, DEAD)


class UnhandledExceptionTest(StacklessTestCase):
    """Reference section 9."""

    @staticmethod
    def raiser(exc=ValueError, *args):
        raise exc(*args)

    def test_to_main_in_schedule(self):
        log = []
        t = stackless.tasklet(self.raiser)(ValueError, 'sched')
        b = stackless.tasklet(log.append)('b')
        # (assertRaises would drop the traceback)
        try:
            stackless.schedule()
        except ValueError as e:
            exc = e
        else:
            self.fail('ValueError not delivered to main')
        self.assertEqual(exc.args, ('sched',))
        # raised in the tasklet, re-raised in main
        self.assertEqual(tb_names(exc)[-1], 'raiser')
        self.assertIn('test_to_main_in_schedule', tb_names(exc))
        # delivered immediately: b did not run and kept its place
        self.assertEqual(log, [])
        self.assertState(t, DEAD)
        self.assertEqual(ring(), [stackless.main, b])
        stackless.run()
        self.assertEqual(log, ['b'])

    def test_to_main_in_run(self):
        log = []
        stackless.tasklet(log.append)('a')
        stackless.tasklet(self.raiser)(KeyError, 'run')
        b = stackless.tasklet(log.append)('b')
        with self.assertRaises(KeyError):
            stackless.run()
        self.assertEqual(log, ['a'])
        self.assertEqual(ring(), [stackless.main, b])
        stackless.run()
        self.assertEqual(log, ['a', 'b'])

    def test_to_main_blocked_on_channel(self):
        ch = stackless.channel()
        stackless.tasklet(self.raiser)(IndexError)
        with self.assertRaises(IndexError):
            ch.receive()
        self.assertEqual(ch.balance, 0)
        self.assertFalse(stackless.main.blocked)

    def test_to_main_in_tasklet_run(self):
        t = stackless.tasklet(self.raiser)(LookupError, 'r')
        with self.assertRaises(LookupError):
            t.run()
        self.assertState(t, DEAD)

    def test_to_main_in_switch(self):
        t = stackless.tasklet(self.raiser, (LookupError, 's'))
        with self.assertRaises(LookupError):
            t.switch()
        self.assertState(stackless.main, CURRENT)

    def test_to_innermost_run(self):
        log = []

        def inner():
            try:
                stackless.run()
            except ValueError as e:
                log.append(('inner caught', e.args))
            log.append('inner end')
        stackless.tasklet(inner)()
        stackless.tasklet(self.raiser)(ValueError, 'deep')
        stackless.tasklet(log.append)('other')
        self.assertIsNone(stackless.run())
        self.assertEqual(log, [('inner caught', ('deep',)), 'inner end',
                               'other'])

    def test_exception_in_exception_handler_chain(self):
        def f():
            try:
                raise KeyError('first')
            except KeyError:
                raise ValueError('second')
        stackless.tasklet(f)()
        with self.assertRaises(ValueError) as cm:
            stackless.run()
        self.assertIsInstance(cm.exception.__context__, KeyError)

    def test_tasklet_exit_is_silent(self):
        class MyExit(TaskletExit):
            pass
        log = []

        def f(exc):
            log.append('start')
            raise exc
        stackless.tasklet(f)(TaskletExit)
        stackless.tasklet(f)(MyExit)
        stackless.tasklet(log.append)('after')
        self.assertIsNone(stackless.run())
        self.assertEqual(log, ['start', 'start', 'after'])

    def test_kill_main(self):
        def f():
            stackless.main.kill()
        t = stackless.tasklet(f)()
        with self.assertRaises(TaskletExit):
            stackless.run()
        # kill() keeps the caller runnable, like run()
        self.assertState(t, RUNNABLE)
        stackless.run()
        self.assertState(t, DEAD)

    def test_exc_info_does_not_leak(self):
        # the exception state of a tasklet does not leak into main
        def f():
            try:
                raise KeyError
            except KeyError:
                stackless.schedule()
        stackless.tasklet(f)()
        stackless.schedule()
        self.assertIsNone(sys.exc_info()[1])
        stackless.run()
        self.assertIsNone(sys.exc_info()[1])


class ErrorHandlerTest(StacklessTestCase):

    def test_set_returns_previous(self):
        def h1(*args):
            pass

        def h2(*args):
            pass
        self.assertIsNone(stackless.set_error_handler(h1))
        self.assertIs(stackless.set_error_handler(h2), h1)
        self.assertIs(stackless.set_error_handler(None), h2)
        self.assertIsNone(stackless.set_error_handler())
        self.assertRaises(TypeError, stackless.set_error_handler,
                          handler=None)

    def test_handler_handles(self):
        calls = []

        def handler(exc_type, exc_value, exc_tb):
            calls.append((exc_type, exc_value, stackless.getcurrent(),
                          'f' in [x.name for x in traceback.extract_tb(
                              exc_tb)] if exc_tb else None))
            return 'ignored'

        def f():
            raise ValueError('handled')
        stackless.set_error_handler(handler)
        log = []
        t = stackless.tasklet(f)()
        stackless.tasklet(log.append)('next')
        self.assertIsNone(stackless.run())
        self.assertEqual(len(calls), 1)
        exc_type, exc_value, current, saw_f = calls[0]
        self.assertIs(exc_type, ValueError)
        if exc_value is not None:       # the reference allows None here
            self.assertEqual(exc_value.args, ('handled',))
        # runs in the context of the dying tasklet
        self.assertIs(current, t)
        self.assertIn(saw_f, (True, None))
        self.assertEqual(log, ['next'])
        self.assertState(t, DEAD)

    def test_handler_raises(self):
        def handler(exc_type, exc_value, exc_tb):
            raise KeyError('from handler')

        stackless.set_error_handler(handler)
        stackless.tasklet(UnhandledExceptionTest.raiser)(ValueError)
        with self.assertRaises(KeyError) as cm:
            stackless.run()
        self.assertEqual(cm.exception.args, ('from handler',))

    def test_not_called_for_tasklet_exit(self):
        calls = []
        stackless.set_error_handler(lambda *args: calls.append(args))

        def f():
            raise TaskletExit
        stackless.tasklet(f)()
        t = stackless.tasklet(stackless.schedule_remove)()
        stackless.run()
        t.kill()
        self.assertEqual(calls, [])

    def test_not_called_for_handled_errors(self):
        calls = []
        stackless.set_error_handler(lambda *args: calls.append(args))

        def f():
            try:
                raise ValueError
            except ValueError:
                pass
        stackless.tasklet(f)()
        stackless.run()
        self.assertEqual(calls, [])


class SystemExitTest(StacklessTestCase):

    def test_system_exit_in_main_thread(self):
        out = self.run_script('''if 1:
            import atexit, stackless, sys
            atexit.register(lambda: print('atexit'))
            def f():
                print('tasklet')
                sys.exit(7)
            stackless.tasklet(f)()
            stackless.run()
            print('not reached')
        ''', expect_rc=7)
        self.assertEqual(out, ['tasklet', 'atexit'])

    def test_system_exit_in_other_thread(self):
        out = self.run_script('''if 1:
            import stackless, sys, threading
            log = []
            def worker():
                def f():
                    sys.exit(3)
                stackless.tasklet(f)()
                stackless.tasklet(log.append)('next tasklet')
                stackless.run()
                log.append('thread continues')
            th = threading.Thread(target=worker)
            th.start()
            th.join()
            print(log)
        ''')
        self.assertEqual(out, ["['next tasklet', 'thread continues']"])

    def test_tasklet_exit_in_main_ends_program(self):
        # TaskletExit is not absorbed in main: it propagates like SystemExit
        out = self.run_script('''if 1:
            import stackless
            print('before')
            stackless.current.kill()
            print('not reached')
        ''')
        self.assertEqual(out, ['before'])


class ScheduleCallbackTest(StacklessTestCase):

    def test_set_get(self):
        def cb(prev, next):
            pass
        self.assertIsNone(stackless.get_schedule_callback())
        self.assertIsNone(stackless.set_schedule_callback(cb))
        self.assertIs(stackless.get_schedule_callback(), cb)
        self.assertIs(stackless.set_schedule_callback(None), cb)
        self.assertIsNone(stackless.get_schedule_callback())
        self.assertRaises(TypeError, stackless.set_schedule_callback)
        self.assertRaises(TypeError, stackless.set_schedule_callback, cb, cb)
        self.assertIsNone(stackless.get_schedule_callback())

    def record(self):
        calls = []

        def cb(prev, next):
            calls.append((prev, next, stackless.current is prev,
                          prev.alive if prev is not None else None))
        stackless.set_schedule_callback(cb)
        return calls

    def test_calls(self):
        main = stackless.main
        t = stackless.tasklet(nothing)()
        calls = self.record()
        stackless.schedule()
        stackless.set_schedule_callback(None)
        self.assertEqual(calls, [(main, t, True, True),
                                 (t, main, True, False)])

    def test_channel_switches(self):
        main = stackless.main
        ch = stackless.channel()
        r = stackless.tasklet(ch.receive)()
        calls = self.record()
        stackless.run()             # r blocks, run() returns
        ch.send(1)                  # r runs at once and ends
        stackless.set_schedule_callback(None)
        self.assertEqual(calls, [(main, r, True, True),
                                 (r, main, True, True),
                                 (main, r, True, True),
                                 (r, main, True, False)])

    def test_no_call_without_switch(self):
        calls = self.record()
        stackless.schedule()
        stackless.main.run()
        stackless.main.switch()
        self.assertIsNone(stackless.run())
        t = stackless.tasklet(nothing)()
        t.remove()
        t.insert()
        stackless.set_schedule_callback(None)
        self.assertEqual(calls, [])
        stackless.run()

    def test_next_never_none(self):
        calls = self.record()
        ch = stackless.channel()

        def worker(i):
            stackless.schedule()
            if i % 2:
                ch.send(i)
            else:
                ch.receive()
        for i in range(6):
            stackless.tasklet(worker)(i)
        stackless.run()
        stackless.set_schedule_callback(None)
        self.assertGreater(len(calls), 10)
        for prev, next, prev_is_current, alive in calls:
            self.assertIsNotNone(next)
            self.assertIsNotNone(prev)
            self.assertIsNot(prev, next)
            self.assertTrue(prev_is_current)

    def test_exc_info_is_prevs(self):
        seen = []

        def cb(prev, next):
            seen.append((prev is stackless.main, sys.exc_info()[1]))

        def f():
            try:
                raise KeyError('in tasklet')
            except KeyError:
                stackless.schedule()
        stackless.tasklet(f)()
        stackless.set_schedule_callback(cb)
        stackless.schedule()    # main -> f; f -> main (inside except)
        stackless.set_schedule_callback(None)
        stackless.run()
        self.assertEqual(len(seen), 2)
        self.assertEqual(seen[0], (True, None))
        self.assertFalse(seen[1][0])
        self.assertIsInstance(seen[1][1], KeyError)

    def test_raising_callback(self):
        reports = []
        old_hook = sys.unraisablehook
        # Keep copies, not the hook's arguments: those are not tracked by
        # the GC (as in stock CPython), and their traceback leads back to
        # this frame, a cycle no collection could break.
        sys.unraisablehook = lambda r: reports.append(
            (r.exc_type, r.err_msg, r.object))
        try:
            def cb(prev, next):
                1 / 0
            stackless.set_schedule_callback(cb)
            log = []

            def worker(name):
                log.append(name)
                stackless.schedule()
                log.append(name)
            stackless.tasklet(worker)('a')
            stackless.tasklet(worker)('b')
            stackless.run()
            stackless.set_schedule_callback(None)
        finally:
            sys.unraisablehook = old_hook
        # the scheduler went on regardless
        self.assertEqual(log, ['a', 'b', 'a', 'b'])
        # main->a, a->b, b->a, a->b (a ends), b->main (b ends)
        self.assertEqual(len(reports), 5)
        for exc_type, err_msg, obj in reports:
            self.assertIs(exc_type, ZeroDivisionError)
            context = '%s %r' % (err_msg, obj)
            self.assertIn('scheduling callback', context)

    def test_main_tasklet_creation(self):
        calls = []
        idents = {}

        def cb(prev, next):
            calls.append((threading.get_ident(), prev, next))

        def target():
            idents['thread'] = threading.get_ident()
            idents['main'] = stackless.main
        stackless.set_schedule_callback(cb)
        try:
            th = threading.Thread(target=target)
            th.start()
            th.join()
        finally:
            stackless.set_schedule_callback(None)
        mine = [c[1:] for c in calls if c[0] == idents['thread']]
        # once with prev=None when the thread's main tasklet is created;
        # its end produces no call
        self.assertEqual(mine, [(None, idents['main'])])


class ChannelCallbackTest(StacklessTestCase):

    def test_set_get(self):
        def cb(*args):
            pass
        self.assertIsNone(stackless.get_channel_callback())
        self.assertIsNone(stackless.set_channel_callback(cb))
        self.assertIs(stackless.get_channel_callback(), cb)
        self.assertIs(stackless.set_channel_callback(None), cb)
        self.assertIsNone(stackless.get_channel_callback())
        self.assertRaises(TypeError, stackless.set_channel_callback)

    def record(self):
        calls = []

        def cb(channel, tasklet, sending, willblock):
            calls.append((channel, tasklet, sending, willblock,
                          tasklet.tempval, channel.balance))
            self.types.add((type(sending), type(willblock)))
        self.types = set()
        stackless.set_channel_callback(cb)
        return calls

    def tearDown(self):
        # sending and willblock are ints (not bools)
        self.assertLessEqual(getattr(self, 'types', set()), {(int, int)})
        super().tearDown()

    def test_arguments(self):
        main = stackless.main
        ch = stackless.channel()
        calls = self.record()
        r = stackless.tasklet(ch.receive)()
        stackless.run()                 # r blocks
        ch.send(5)                      # finds r
        s = stackless.tasklet(ch.send)(7)
        stackless.run()                 # s blocks
        got = ch.receive()              # finds s
        stackless.set_channel_callback(None)
        stackless.run()
        self.assertEqual(got, 7)
        # called before the action: balance is the old one
        self.assertEqual(calls, [(ch, r, 0, 1, None, 0),
                                 (ch, main, 1, 0, 5, -1),
                                 (ch, s, 1, 1, 7, 0),
                                 (ch, main, 0, 0, None, 1)])

    # A for loop over a channel blocks hard.
    @requires_hard_switch
    def test_all_kinds_of_operations(self):
        ch = stackless.channel()
        got = []

        def rx():
            for x in ch:
                got.append(x)
        stackless.tasklet(rx)()
        stackless.run()
        calls = self.record()
        ch.send_sequence([1, 2])
        ch.send_exception(StopIteration)
        stackless.set_channel_callback(None)
        self.assertEqual(got, [1, 2])
        kinds = [(c[1] is stackless.main, c[2], c[3]) for c in calls]
        self.assertEqual(kinds, [(True, 1, 0), (False, 0, 1),
                                 (True, 1, 0), (False, 0, 1),
                                 (True, 1, 0)])
        self.assertEqual(calls[0][4], 1)
        self.assertEqual(calls[2][4], 2)
        self.assertIsInstance(calls[4][4], stackless.bomb)

    def test_send_throw_value(self):
        ch = stackless.channel()
        stackless.tasklet(ch.receive)()
        stackless.run()
        calls = self.record()
        with self.assertRaises(ValueError):
            ch.send_throw(ValueError('x'))
        stackless.set_channel_callback(None)
        self.assertEqual(len(calls), 1)
        self.assertEqual(calls[0][2:4], (1, 0))
        self.assertIsInstance(calls[0][4], stackless.bomb)

    # The nested send() in the callback makes ch.receive() hard.
    @requires_hard_switch
    def test_recursive_channel_call(self):
        ch = stackless.channel()
        other = stackless.channel()
        other.preference = 0
        waiting = stackless.tasklet(other.receive)()
        stackless.run()
        errors = []

        def cb(channel, tasklet, sending, willblock):
            if channel is ch:
                try:
                    other.send('nested')
                except RuntimeError as e:
                    errors.append(str(e))
        stackless.set_channel_callback(cb)
        r = stackless.tasklet(ch.receive)()
        stackless.run()
        ch.send('outer')
        stackless.set_channel_callback(None)
        self.assertEqual(errors, ['Recursive channel call due to '
                                  'callbacks!'] * 2)
        # the outer operations went ahead; the nested ones did not
        self.assertState(r, DEAD)
        self.assertState(waiting, BLOCKED)
        self.assertEqual(other.balance, -1)
        other.send(None)
        stackless.run()
        self.assertState(waiting, DEAD)


if __name__ == '__main__':
    unittest.main()
