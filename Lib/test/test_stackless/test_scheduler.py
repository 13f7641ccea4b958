"""Module-level functions and attributes, and the scheduling order rules.

Reference: docs/reference.md sections 1, 2 (module stackless), 6
(scheduling order) and 11.1 (run() and its watchdog stack).
"""

import builtins
import copy
import pickle
import sys
import threading
import types
import unittest

import stackless

from .support import (StacklessTestCase, ring, state, PAUSED, RUNNABLE,
                      CURRENT, DEAD, SOFTSWITCH, requires_hard_switch)


def nothing(*args, **kwargs):
    pass


EXPECTED_ALL = {
    'atomic', 'channel', 'enable_softswitch', 'get_channel_callback',
    'get_schedule_callback', 'get_thread_info', 'getcurrent', 'getcurrentid',
    'getdebug', 'getmain', 'getruncount', 'getthreads', 'getuncollectables',
    'pickle_with_tracing_state', 'run', 'schedule', 'schedule_remove',
    'select', 'set_channel_callback', 'set_error_handler', 'set_schedule_callback',
    'switch_trap', 'tasklet', 'stackless'}


class ModuleTest(StacklessTestCase):

    def test_all(self):
        self.assertEqual(set(stackless.__all__), EXPECTED_ALL)
        self.assertEqual(len(stackless.__all__), len(EXPECTED_ALL))
        namespace = {}
        exec('from stackless import *', namespace)
        del namespace['__builtins__']
        self.assertEqual(set(namespace), EXPECTED_ALL)
        self.assertIs(namespace['stackless'], stackless)
        self.assertIs(namespace['tasklet'], stackless.tasklet)

    def test_public_names_outside_all(self):
        for name in ('current', 'main', 'runcount', 'threads',
                     'uncollectables', 'debug', 'pickle_flags',
                     'pickle_flags_default', 'bomb',
                     'PICKLEFLAGS_PRESERVE_TRACING_STATE',
                     'PICKLEFLAGS_PRESERVE_AG_FINALIZER',
                     'PICKLEFLAGS_RESET_AG_FINALIZER',
                     'PICKLEFLAGS_CODE_BY_REFERENCE'):
            with self.subTest(name=name):
                self.assertTrue(hasattr(stackless, name))
                self.assertNotIn(name, stackless.__all__)

    def test_constants(self):
        self.assertEqual(stackless.PICKLEFLAGS_PRESERVE_TRACING_STATE, 1)
        self.assertEqual(stackless.PICKLEFLAGS_PRESERVE_AG_FINALIZER, 2)
        self.assertEqual(stackless.PICKLEFLAGS_RESET_AG_FINALIZER, 4)
        self.assertEqual(stackless.PICKLEFLAGS_CODE_BY_REFERENCE, 8)

    def test_module_is_its_own_attribute(self):
        self.assertIsInstance(stackless, types.ModuleType)
        self.assertIs(stackless.stackless, stackless)
        self.assertIs(sys.modules['stackless'], stackless)

    def test_module_pickles_by_reference(self):
        self.assertEqual(stackless.__reduce__(), 'stackless')
        self.assertEqual(stackless.__reduce_ex__(2), 'stackless')
        self.assertIs(copy.copy(stackless), stackless)
        for proto in range(pickle.HIGHEST_PROTOCOL + 1):
            with self.subTest(proto=proto):
                self.assertIs(pickle.loads(pickle.dumps(stackless, proto)),
                              stackless)

    def test_classes(self):
        for cls in (stackless.tasklet, stackless.channel, stackless.atomic,
                    stackless.bomb):
            with self.subTest(cls=cls):
                self.assertIsInstance(cls, type)

    def test_tasklet_exit(self):
        self.assertIs(builtins.TaskletExit, TaskletExit)
        self.assertTrue(issubclass(TaskletExit, SystemExit))
        self.assertFalse(issubclass(TaskletExit, Exception))
        self.assertEqual(TaskletExit.__module__, 'builtins')
        # the alias is optional, but if present it must be the builtin
        alias = getattr(stackless, 'TaskletExit', TaskletExit)
        self.assertIs(alias, TaskletExit)

    def test_computed_attributes(self):
        self.assertIs(stackless.current, stackless.getcurrent())
        self.assertIs(stackless.main, stackless.getmain())
        self.assertEqual(stackless.runcount, 1)
        stackless.tasklet(nothing)()
        # computed on each access
        self.assertEqual(stackless.runcount, 2)
        self.assertEqual(stackless.runcount, stackless.getruncount())
        self.assertEqual(stackless.threads, stackless.getthreads())
        self.assertIsInstance(stackless.uncollectables, list)
        self.assertIs(stackless.debug, stackless.getdebug())
        self.assertIs(type(stackless.debug), bool)
        stackless.run()
        self.assertEqual(stackless.runcount, 1)

    def test_pickle_flags(self):
        old = stackless.pickle_flags()
        self.assertIsInstance(old, int)
        try:
            self.assertEqual(stackless.pickle_flags(-1), old)
            self.assertEqual(stackless.pickle_flags(0), old)
            self.assertEqual(stackless.pickle_flags(), 0)
            self.assertEqual(stackless.pickle_flags(5), 0)
            self.assertEqual(stackless.pickle_flags(), 5)
            # only the bits in mask change
            self.assertEqual(stackless.pickle_flags(new_flags=2, mask=3), 5)
            self.assertEqual(stackless.pickle_flags(), 6)
            msg = 'you must not set an undefined pickle-flag'
            for args in ((16,), (-2,), (31, -1), (16, 16)):
                with self.subTest(args=args):
                    self.assertRaisesMessage(ValueError, msg,
                                             stackless.pickle_flags, *args)
            # undefined bits outside the mask do not matter
            self.assertEqual(stackless.pickle_flags(17, 1), 6)
            self.assertEqual(stackless.pickle_flags(), 7)
            # ours: PICKLEFLAGS_CODE_BY_REFERENCE
            self.assertEqual(stackless.pickle_flags(8, 8), 7)
            self.assertEqual(stackless.pickle_flags(), 15)
        finally:
            stackless.pickle_flags(old)
        self.assertEqual(stackless.pickle_flags(), old)

    def test_pickle_flags_default(self):
        old = stackless.pickle_flags_default()
        old_thread = stackless.pickle_flags()
        try:
            self.assertEqual(stackless.pickle_flags_default(new_default=4),
                             old)
            self.assertEqual(stackless.pickle_flags_default(), 4)
            # the calling thread's flags are unchanged ...
            self.assertEqual(stackless.pickle_flags(), old_thread)
            # ... but a new thread starts with the default
            seen = []
            th = threading.Thread(
                target=lambda: seen.append(stackless.pickle_flags()))
            th.start()
            th.join()
            self.assertEqual(seen, [4])
            self.assertRaisesMessage(
                ValueError, 'you must not set an undefined pickle-flag',
                stackless.pickle_flags_default, 16)
        finally:
            stackless.pickle_flags_default(old)

    def test_pickle_with_tracing_state(self):
        old_flags = stackless.pickle_flags()
        old_default = stackless.pickle_flags_default()
        try:
            stackless.pickle_flags(0)
            stackless.pickle_flags_default(0)
            self.assertIs(stackless.pickle_with_tracing_state, False)
            stackless.pickle_with_tracing_state = True
            self.assertIs(stackless.pickle_with_tracing_state, True)
            self.assertEqual(stackless.pickle_flags(), 1)
            self.assertEqual(stackless.pickle_flags_default(), 1)
            stackless.pickle_with_tracing_state = False
            self.assertEqual(stackless.pickle_flags(), 0)
            self.assertEqual(stackless.pickle_flags_default(), 0)
        finally:
            stackless.pickle_flags(old_flags)
            stackless.pickle_flags_default(old_default)


class CurrentMainRuncountTest(StacklessTestCase):

    def test_main_thread(self):
        self.assertIs(stackless.getcurrent(), stackless.getmain())
        self.assertEqual(stackless.getruncount(), 1)
        self.assertTrue(stackless.getcurrent().is_main)

    def test_inside_tasklet(self):
        seen = []

        def f():
            seen.append((stackless.getcurrent(), stackless.current,
                         stackless.getmain(), stackless.getruncount(),
                         stackless.runcount))
        a = stackless.tasklet(f)()
        b = stackless.tasklet(f)()
        self.assertEqual(stackless.getruncount(), 3)
        stackless.run()
        main = stackless.main
        # main waits inside run(): it is not in the queue and not counted
        self.assertEqual(seen, [(a, a, main, 2, 2), (b, b, main, 1, 1)])

    def test_runcount_with_schedule(self):
        seen = []
        stackless.tasklet(lambda: seen.append(stackless.getruncount()))()
        stackless.tasklet(lambda: seen.append(stackless.getruncount()))()
        stackless.schedule()
        # main stays in the ring during schedule()
        self.assertEqual(seen, [3, 2])

    def test_getcurrentid(self):
        main_id = stackless.getcurrentid()
        self.assertIsInstance(main_id, int)
        self.assertEqual(main_id, threading.get_ident())
        ids = {}

        def f(name):
            ids[name] = stackless.getcurrentid()
            stackless.schedule()
            # stable across a switch
            self.assertEqual(stackless.getcurrentid(), ids[name])
        stackless.tasklet(f)('a')
        stackless.tasklet(f)('b')
        stackless.run()
        self.assertEqual(len(ids), 2)
        self.assertNotEqual(ids['a'], ids['b'])
        self.assertNotIn(main_id, ids.values())
        self.assertEqual(stackless.getcurrentid(), main_id)

    def test_getcurrentid_in_new_thread(self):
        seen = []

        def target():
            seen.append((stackless.getcurrentid(), threading.get_ident()))
        th = threading.Thread(target=target)
        th.start()
        th.join()
        self.assertEqual(seen[0][0], seen[0][1])


class ThreadInfoTest(StacklessTestCase):

    def test_calling_thread(self):
        main = stackless.main
        me = threading.get_ident()
        self.assertEqual(stackless.get_thread_info(-1), (main, main, 1))
        self.assertEqual(stackless.get_thread_info(me), (main, main, 1))
        self.assertEqual(stackless.get_thread_info(), (main, main, 1))
        self.assertEqual(stackless.get_thread_info(me, 0), (main, main, 1))
        stackless.tasklet(nothing)()
        stackless.tasklet(nothing)()
        self.assertEqual(stackless.get_thread_info(-1), (main, main, 3))
        stackless.run()

    def test_inside_tasklet(self):
        seen = []

        def f():
            seen.append(stackless.get_thread_info(-1))
        t = stackless.tasklet(f)()
        stackless.run()
        self.assertEqual(seen, [(stackless.main, t, 1)])

    def test_errors(self):
        self.assertRaises(TypeError, stackless.get_thread_info, 'x')
        self.assertRaises(TypeError, stackless.get_thread_info, 1.0)
        self.assertRaises(TypeError, stackless.get_thread_info,
                          thread_id=-1)
        bad = max(stackless.getthreads()) + 4242
        self.assertRaisesMessage(RuntimeError, 'Thread id not found',
                                 stackless.get_thread_info, bad)

    def test_other_thread(self):
        # a thread that waits: its main is current, runcount 1
        ready = threading.Event()
        finish = threading.Event()
        seen = []

        def target():
            seen.append(stackless.main)
            ready.set()
            finish.wait()
        th = threading.Thread(target=target)
        th.start()
        try:
            ready.wait()
            info = stackless.get_thread_info(th.ident)
        finally:
            finish.set()
            th.join()
        self.assertEqual(info, (seen[0], seen[0], 1))
        self.assertIsNot(info[0], stackless.main)

    def test_getthreads(self):
        threads = stackless.getthreads()
        self.assertIsInstance(threads, list)
        self.assertEqual(threads[0], threading.main_thread().ident)
        self.assertIn(threading.get_ident(), threads)
        seen = []
        th = threading.Thread(target=lambda: seen.append(
            (threading.get_ident(), stackless.getthreads())))
        th.start()
        th.join()
        ident, during = seen[0]
        self.assertIn(ident, during)
        self.assertEqual(during[0], threading.main_thread().ident)


class EnableSoftswitchTest(StacklessTestCase):

    def test_default_is_enabled(self):
        # the interpreter's default, whatever mode the suite runs in
        out = self.run_script(
            'import stackless; print(stackless.enable_softswitch(None))',
            same_mode=False)
        self.assertEqual(out, ['True'])

    @requires_hard_switch
    def test_flag(self):
        old = stackless.enable_softswitch(None)
        self.assertIs(type(old), bool)
        try:
            self.assertIs(stackless.enable_softswitch(False), old)
            self.assertIs(stackless.enable_softswitch(None), False)
            self.assertIs(stackless.enable_softswitch(True), False)
            self.assertIs(stackless.enable_softswitch(None), True)
            self.assertIs(stackless.enable_softswitch(0), True)
            self.assertIs(stackless.enable_softswitch(''), False)
            self.assertIs(stackless.enable_softswitch('yes'), False)
            self.assertIs(stackless.enable_softswitch(None), True)
        finally:
            stackless.enable_softswitch(old)

    def test_arguments(self):
        self.assertRaises(TypeError, stackless.enable_softswitch)
        self.assertRaises(TypeError, stackless.enable_softswitch, 1, 2)
        self.assertRaises(TypeError, stackless.enable_softswitch, flag=1)

    @requires_hard_switch
    def test_switching_works_either_way(self):
        old = stackless.enable_softswitch(None)
        try:
            for flag in (False, True):
                stackless.enable_softswitch(flag)
                log = []
                stackless.tasklet(self._ping)(log, 'a')
                stackless.tasklet(self._ping)(log, 'b')
                stackless.run()
                self.assertEqual(log, ['a', 'b', 'a', 'b'])
        finally:
            stackless.enable_softswitch(old)

    @staticmethod
    def _ping(log, name):
        log.append(name)
        stackless.schedule()
        log.append(name)


@requires_hard_switch
class UncollectablesTest(StacklessTestCase):

    def test_suspended_tasklet_owns_c_stack(self):
        def f():
            # paused inside a sort key: C code (the sort) lies between the
            # tasklet's base and the switch, so it is hard in either mode
            sorted([1], key=lambda x: stackless.schedule_remove())
            # paused directly: soft unless soft switching is off
            stackless.schedule_remove()
        t = stackless.tasklet(f, ())
        self.assertNotIn(t, stackless.getuncollectables())
        t.run()
        self.assertState(t, PAUSED)
        self.assertIn(t, stackless.getuncollectables())
        self.assertIn(t, stackless.uncollectables)
        t.run()
        self.assertState(t, PAUSED)
        self.assertIs(t in stackless.getuncollectables(), not SOFTSWITCH)
        self.assertIs(t in stackless.uncollectables, not SOFTSWITCH)
        t.run()
        self.assertState(t, DEAD)
        self.assertNotIn(t, stackless.getuncollectables())


class SwitchTrapTest(StacklessTestCase):

    def tearDown(self):
        # in case a test failed with the trap set
        level = stackless.switch_trap(0)
        if level:
            stackless.switch_trap(-level)
        super().tearDown()

    def test_levels(self):
        self.assertEqual(stackless.switch_trap(), 0)
        self.assertEqual(stackless.switch_trap(1), 0)
        self.assertEqual(stackless.switch_trap(1), 1)
        self.assertEqual(stackless.switch_trap(0), 2)
        self.assertEqual(stackless.switch_trap(-2), 2)
        self.assertEqual(stackless.switch_trap(0), 0)

    def assertTrapped(self, func, *args, **kwargs):
        self.assertRaisesMessage(RuntimeError, 'switch_trap',
                                 func, *args, **kwargs)

    def test_trapped_operations(self):
        log = []
        t = stackless.tasklet(log.append)('t')
        p = stackless.tasklet(log.append, ('p',))
        main = stackless.main
        stackless.switch_trap(1)
        try:
            self.assertTrapped(stackless.schedule)
            self.assertTrapped(stackless.schedule, 'x')
            self.assertTrapped(stackless.schedule_remove)
            self.assertTrapped(stackless.run)
            self.assertTrapped(t.run)
            self.assertTrapped(t.switch)
            self.assertTrapped(t.kill)
            self.assertTrapped(t.throw, ValueError)
            self.assertTrapped(t.raise_exception, ValueError)
            self.assertTrapped(p.run)
            self.assertTrapped(p.switch)
            self.assertTrapped(p.kill)
        finally:
            self.assertEqual(stackless.switch_trap(-1), 1)
        # nothing changed
        self.assertEqual(log, [])
        self.assertState(main, CURRENT)
        self.assertIsNone(main.tempval)
        self.assertState(t, RUNNABLE)
        self.assertState(p, PAUSED)
        self.assertIsNone(t.tempval)
        self.assertIsNone(p.tempval)
        self.assertEqual(ring(), [main, t])
        stackless.run()
        self.assertEqual(log, ['t'])
        p.run()
        self.assertEqual(log, ['t', 'p'])

    def test_not_trapped(self):
        log = []
        main = stackless.main
        stackless.switch_trap(1)
        try:
            # switching to oneself
            self.assertEqual(stackless.schedule('alone'), 'alone')
            self.assertIsNone(stackless.run())
            main.run()
            main.switch()
            # operations that do not switch
            t = stackless.tasklet(log.append)('t')
            t.remove()
            t.insert()
            p = stackless.tasklet(log.append, ('p',))
            p.kill(pending=True)
            q = stackless.tasklet(log.append, ('q',))
            q.throw(ValueError, pending=True)
            self.assertEqual(ring(), [main, t, p, q])
        finally:
            stackless.switch_trap(-1)
        with self.assertRaises(ValueError):
            stackless.run()         # q ends with its exception
        self.assertEqual(log, ['t'])
        self.assertState(p, DEAD)

    def test_channels(self):
        ch = stackless.channel()
        r = stackless.tasklet(ch.receive)()
        stackless.run()
        self.assertEqual(ch.balance, -1)
        stackless.tasklet(nothing)()
        stackless.switch_trap(1)
        try:
            # preference -1: the receiver would run at once
            self.assertTrapped(ch.send, 1)
            self.assertEqual(ch.balance, -1)
            self.assertTrue(r.blocked)
            # blocking would switch
            self.assertTrapped(stackless.channel().receive)
            self.assertTrapped(stackless.channel().send, 2)
            # preference 0: the partner is merely made runnable
            ch.preference = 0
            ch.send(3)
            self.assertEqual(ch.balance, 0)
            self.assertState(r, RUNNABLE)
        finally:
            stackless.switch_trap(-1)
        stackless.run()
        self.assertState(r, DEAD)

    def test_trap_in_tasklet(self):
        log = []

        def f():
            stackless.switch_trap(1)
            try:
                stackless.schedule()
            except RuntimeError as e:
                log.append(str(e))
            finally:
                stackless.switch_trap(-1)
            stackless.schedule()
            log.append('done')
        stackless.tasklet(f)()
        stackless.tasklet(log.append)('other')
        stackless.run()
        self.assertEqual(log, ['switch_trap', 'other', 'done'])


class AtomicTest(StacklessTestCase):

    def test_context_manager(self):
        main = stackless.main
        self.assertFalse(main.atomic)
        with stackless.atomic():
            self.assertTrue(main.atomic)
            with stackless.atomic():
                self.assertTrue(main.atomic)
            self.assertTrue(main.atomic)
        self.assertFalse(main.atomic)

    def test_restores_previous_true(self):
        main = stackless.main
        main.set_atomic(True)
        try:
            with stackless.atomic():
                self.assertTrue(main.atomic)
            self.assertTrue(main.atomic)
        finally:
            main.set_atomic(False)

    def test_arguments_ignored(self):
        with stackless.atomic(1, 2, key='value'):
            self.assertTrue(stackless.current.atomic)
        self.assertFalse(stackless.current.atomic)

    def test_does_not_suppress(self):
        with self.assertRaises(KeyError):
            with stackless.atomic():
                raise KeyError
        self.assertFalse(stackless.current.atomic)
        a = stackless.atomic()
        a.__enter__()
        self.assertFalse(a.__exit__(ValueError, ValueError(), None))
        self.assertFalse(stackless.current.atomic)

    def test_exit_acts_on_current_tasklet(self):
        a = stackless.atomic()
        a.__enter__()               # remembers main's False
        main = stackless.main
        seen = []

        def f():
            me = stackless.current
            me.set_atomic(True)
            a.__exit__(None, None, None)
            seen.append((me.atomic, main.atomic))
        stackless.tasklet(f)()
        try:
            stackless.run()
        finally:
            main.set_atomic(False)
        self.assertEqual(seen, [(False, True)])

    def test_explicit_switches_still_happen(self):
        seen = []

        def f():
            seen.append(('other', stackless.current.atomic))
        stackless.tasklet(f)()
        with stackless.atomic():
            stackless.schedule()
            seen.append(('main', stackless.current.atomic))
        self.assertEqual(seen, [('other', False), ('main', True)])

    def test_equivalent_to_set_atomic(self):
        seen = []

        def f():
            with stackless.atomic():
                seen.append(stackless.current.atomic)
                stackless.schedule()
                seen.append(stackless.current.atomic)
            seen.append(stackless.current.atomic)
        t = stackless.tasklet(f)()
        stackless.schedule()
        self.assertTrue(t.atomic)           # atomic is per tasklet
        self.assertFalse(stackless.current.atomic)
        stackless.run()
        self.assertEqual(seen, [True, True, False])
        self.assertFalse(t.atomic)


class BombTest(StacklessTestCase):

    def test_attributes(self):
        b = stackless.bomb()
        self.assertEqual((b.type, b.value, b.traceback), (None, None, None))
        v = ValueError('x')
        b = stackless.bomb(ValueError, v)
        self.assertIs(b.type, ValueError)
        self.assertIs(b.value, v)
        self.assertIsNone(b.traceback)
        try:
            raise KeyError('k')
        except KeyError:
            info = sys.exc_info()
        for b in (stackless.bomb(*info), stackless.bomb(info),
                  stackless.bomb(type=info[0], value=info[1],
                                 traceback=info[2])):
            self.assertIs(b.type, KeyError)
            self.assertIs(b.value, info[1])
            self.assertIs(b.traceback, info[2])

    def test_read_only(self):
        b = stackless.bomb(ValueError)
        for name in ('type', 'value', 'traceback'):
            with self.subTest(name=name):
                with self.assertRaises((AttributeError, TypeError)):
                    setattr(b, name, None)
        self.assertIs(b.type, ValueError)

    def test_pickle(self):
        b = stackless.bomb(ValueError, ValueError('p'))
        for proto in range(pickle.HIGHEST_PROTOCOL + 1):
            with self.subTest(proto=proto):
                c = pickle.loads(pickle.dumps(b, proto))
                self.assertIsInstance(c, stackless.bomb)
                self.assertIs(c.type, ValueError)
                self.assertEqual(c.value.args, ('p',))
                self.assertIsNone(c.traceback)

    def test_bomb_through_channel(self):
        ch = stackless.channel()
        got = []

        def rx():
            try:
                ch.receive()
            except ZeroDivisionError as e:
                got.append(e)
        stackless.tasklet(rx)()
        stackless.run()
        exc = ZeroDivisionError('sent')
        ch.send(stackless.bomb(ZeroDivisionError, exc))
        self.assertEqual(got, [exc])

    def test_bomb_class_only(self):
        got = []

        def worker():
            try:
                stackless.schedule_remove()
            except IndexError as e:
                got.append(e.args)
        t = stackless.tasklet(worker, ())
        t.run()
        t.tempval = stackless.bomb(IndexError)
        t.run()
        self.assertEqual(got, [()])


class RunTest(StacklessTestCase):

    def test_cooperative(self):
        log = []
        stackless.tasklet(log.append)(1)
        stackless.tasklet(log.append)(2)
        self.assertIsNone(stackless.run())
        self.assertEqual(log, [1, 2])
        self.assertEqual(stackless.getruncount(), 1)
        self.assertState(stackless.main, CURRENT)

    def test_empty_queue(self):
        self.assertIsNone(stackless.run())
        self.assertState(stackless.main, CURRENT)

    def test_keywords(self):
        log = []
        stackless.tasklet(log.append)(1)
        self.assertIsNone(stackless.run(timeout=0, threadblock=False,
                                        soft=False, ignore_nesting=False,
                                        totaltimeout=False))
        self.assertEqual(log, [1])

    def test_timeout_type(self):
        stackless.tasklet(nothing)()
        self.assertRaises(TypeError, stackless.run, 1.5)
        self.assertRaises(TypeError, stackless.run, 'x')
        self.assertRaises(TypeError, stackless.run, timeout=None)
        self.assertEqual(stackless.getruncount(), 2)
        stackless.run()

    def test_flags_ignored_without_timeout(self):
        # [src!=doc] 3: threadblock has no effect with timeout <= 0, so a
        # tasklet blocking with nothing else to run makes run() return.
        ch = stackless.channel()
        t = stackless.tasklet(ch.receive)()
        self.assertIsNone(stackless.run(threadblock=True))
        self.assertTrue(t.blocked)
        t.kill()

    def test_main_paused_inside_run(self):
        seen = []
        main = stackless.main
        stackless.tasklet(lambda: seen.append(state(main)))()
        stackless.run()
        self.assertEqual(seen, [PAUSED])

    def test_blocking_last_tasklet_returns(self):
        # with main inside run(), blocking the last runnable tasklet simply
        # makes run() return
        ch = stackless.channel()
        log = []

        def f():
            log.append('before')
            log.append(ch.receive())
        t = stackless.tasklet(f)()
        self.assertIsNone(stackless.run())
        self.assertEqual(log, ['before'])
        self.assertTrue(t.blocked)
        ch.send('after')
        self.assertEqual(log, ['before', 'after'])

    def test_nested_run_inner_woken_first(self):
        log = []
        main = stackless.main

        def a():
            log.append('a1')
            stackless.run()
            log.append('a2')

        def b():
            log.append(('b', state(ta), state(main)))
        ta = stackless.tasklet(a)()
        stackless.tasklet(b)()
        stackless.run()
        self.assertEqual(log, ['a1', ('b', PAUSED, PAUSED), 'a2'])

    def test_nested_run_pops_inner_watchdogs(self):
        log = []

        def a():
            log.append('a1')
            stackless.run()
            log.append('a2')

        def b():
            log.append('b')
            stackless.main.insert()     # wakes the outer run()
        ta = stackless.tasklet(a)()
        stackless.tasklet(b)()
        stackless.run()
        log.append('main')
        # the inner watchdog was popped and made runnable again
        self.assertState(ta, RUNNABLE)
        self.assertEqual(ring(), [stackless.main, ta])
        stackless.run()
        self.assertEqual(log, ['a1', 'b', 'main', 'a2'])
        self.assertState(ta, DEAD)

    def test_run_from_tasklet_while_main_runs(self):
        # A run() issued by a non-main tasklet does not return until the
        # ring is empty while it is the innermost watchdog (here: until
        # main blocks).
        log = []
        ch = stackless.channel()

        def inner():
            log.append('inner start')
            stackless.run()
            log.append('inner after run')
            ch.send('x')
            log.append('inner end')
        t = stackless.tasklet(inner)()
        stackless.schedule()
        log.append('main')
        self.assertState(t, PAUSED)
        self.assertEqual(stackless.getruncount(), 1)
        log.append(('main got', ch.receive()))
        self.assertState(t, RUNNABLE)
        stackless.run()
        self.assertEqual(log, ['inner start', 'main', 'inner after run',
                               ('main got', 'x'), 'inner end'])

    def test_run_returns_when_run_explicitly(self):
        # any resumption of a run() caller ends its run() call
        log = []

        def f():
            log.append('f')
            stackless.main.run()
            log.append('f again')
        stackless.tasklet(f)()
        stackless.tasklet(log.append)('never yet')
        stackless.run()
        log.append('main')
        self.assertEqual(log, ['f', 'main'])
        stackless.run()
        self.assertEqual(log, ['f', 'main', 'f again', 'never yet'])


class OrderTest(StacklessTestCase):
    """The table of reference section 6.2; rings are listed from current."""

    def test_worked_examples(self):
        log = []

        def step(name):
            log.append(name)
            stackless.schedule()
            log.append(name + "'")

        stackless.tasklet(step)('a')
        stackless.tasklet(step)('b')
        stackless.schedule()
        self.assertEqual(log, ['a', 'b'])
        stackless.run()
        self.assertEqual(log, ['a', 'b', "a'", "b'"])
        self.assertEqual(stackless.runcount, 1)

        ch = stackless.channel()

        def rx():
            log.append(ch.receive())
        t = stackless.tasklet(rx)()
        stackless.schedule()
        self.assertEqual(ch.balance, -1)
        self.assertTrue(t.blocked)
        ch.send(42)
        self.assertEqual(log[-1], 42)
        self.assertFalse(t.alive)

        with self.assertRaises(RuntimeError) as cm:
            stackless.channel().receive()
        self.assertIn('Deadlock', str(cm.exception))

        def never():
            log.append('never')
        t = stackless.tasklet(never)()
        t.kill()
        self.assertFalse(t.alive)
        self.assertNotIn('never', log)

    def test_schedule(self):
        # C A B -> A B C
        seen = []
        main = stackless.main

        def f():
            seen.append(ring())
        a = stackless.tasklet(f)()
        b = stackless.tasklet(f)()
        self.assertEqual(ring(), [main, a, b])
        stackless.schedule()
        self.assertEqual(seen, [[a, b, main], [b, main]])
        self.assertEqual(ring(), [main])

    def test_schedule_remove(self):
        # C A B -> A B
        seen = []

        def c():
            stackless.schedule_remove()
            seen.append('c resumed')

        def f():
            seen.append((ring(), state(tc)))
        tc = stackless.tasklet(c)()
        a = stackless.tasklet(f)()
        b = stackless.tasklet(f)()
        stackless.run()
        self.assertEqual(seen, [([a, b], PAUSED), ([b], PAUSED)])
        tc.run()
        self.assertEqual(seen[-1], 'c resumed')

    def test_schedule_remove_main(self):
        # main leaves the ring; the others run; main is resumed when the
        # ring is empty
        log = []
        main = stackless.main
        stackless.tasklet(lambda: log.append(('a', state(main))))()
        stackless.tasklet(lambda: log.append('b'))()
        self.assertIs(stackless.schedule_remove(), main)
        self.assertEqual(log, [('a', PAUSED), 'b'])
        self.assertState(main, CURRENT)
        self.assertEqual(ring(), [main])

    def test_insert(self):
        # C A -> C A t
        a = stackless.tasklet(nothing)()
        t = stackless.tasklet(nothing, ())
        t.insert()
        self.assertEqual(ring(), [stackless.main, a, t])
        stackless.run()

    def test_run_paused(self):
        # C A -> t C A
        seen = []
        main = stackless.main
        a = stackless.tasklet(nothing)()
        t = stackless.tasklet(lambda: seen.append(ring()), ())
        t.run()
        self.assertEqual(seen, [[t, main, a]])
        stackless.run()

    def test_run_queued(self):
        # C A t B -> t B C A
        seen = []
        main = stackless.main
        a = stackless.tasklet(nothing)()
        t = stackless.tasklet(lambda: seen.append(ring()))()
        b = stackless.tasklet(nothing)()
        t.run()
        self.assertEqual(seen, [[t, b, main, a]])
        self.assertEqual(ring(), [main, a])
        stackless.run()

    def test_switch_paused(self):
        # C A -> t A, C paused
        seen = []
        main = stackless.main
        a = stackless.tasklet(nothing)()
        t = stackless.tasklet(lambda: seen.append((ring(), state(main))),
                              ())
        t.switch()
        self.assertEqual(seen, [([t, a], PAUSED)])

    def test_kill_like_run(self):
        # non-pending kill of a paused tasklet: like t.run()
        seen = []
        main = stackless.main
        a = stackless.tasklet(nothing)()

        def f():
            try:
                stackless.schedule_remove()
            finally:
                seen.append(ring())
        t = stackless.tasklet(f, ())
        t.run()
        t.kill()
        self.assertEqual(seen, [[t, main, a]])
        stackless.run()

    def test_throw_like_run(self):
        seen = []
        main = stackless.main
        a = stackless.tasklet(nothing)()

        def f():
            try:
                stackless.schedule_remove()
            except ValueError:
                seen.append(ring())
        t = stackless.tasklet(f, ())
        t.run()
        t.throw(ValueError)
        self.assertEqual(seen, [[t, main, a]])
        stackless.run()

    def test_stackless_run(self):
        # C A B -> A B, C paused on the watchdog stack
        seen = []

        def f():
            seen.append(ring())
        a = stackless.tasklet(f)()
        b = stackless.tasklet(f)()
        stackless.run()
        self.assertEqual(seen, [[a, b], [b]])

    def test_tasklet_ends(self):
        # A B C -> B C
        seen = []
        a = stackless.tasklet(nothing)()
        b = stackless.tasklet(lambda: seen.append(ring()))()
        c = stackless.tasklet(nothing)()
        stackless.run()
        self.assertEqual(seen, [[b, c]])
        self.assertState(a, DEAD)

    def test_fifo(self):
        log = []
        for i in range(10):
            stackless.tasklet(log.append)(i)
        stackless.schedule()
        self.assertEqual(log, list(range(10)))

    def test_round_robin(self):
        log = []

        def worker(name):
            for i in range(3):
                log.append((name, i))
                stackless.schedule()
        for name in 'abc':
            stackless.tasklet(worker)(name)
        stackless.run()
        self.assertEqual(log, [(n, i) for i in range(3) for n in 'abc'])

    def test_round_robin_with_main(self):
        log = []

        def worker(name):
            for i in range(2):
                log.append(name + str(i))
                stackless.schedule()
        stackless.tasklet(worker)('a')
        stackless.tasklet(worker)('b')
        for i in range(3):
            log.append('m' + str(i))
            stackless.schedule()
        self.assertEqual(log, ['m0', 'a0', 'b0', 'm1', 'a1', 'b1', 'm2'])
        self.assertEqual(stackless.getruncount(), 1)

    def test_insert_during_round(self):
        # a tasklet inserted by another one goes to the end of the round
        log = []

        def spawner():
            log.append('spawner')
            stackless.tasklet(log.append)('spawned')
            stackless.schedule()
            log.append("spawner'")
        stackless.tasklet(spawner)()
        stackless.tasklet(log.append)('x')
        stackless.run()
        self.assertEqual(log, ['spawner', 'x', 'spawned', "spawner'"])

    def test_run_queued_skips(self):
        # t.run() on a queued t passes over the tasklets between the caller
        # and t for this round
        log = []

        def worker(name):
            log.append(name)
            stackless.schedule()
            log.append(name + "'")
        a = stackless.tasklet(worker)('a')
        b = stackless.tasklet(worker)('b')
        c = stackless.tasklet(worker)('c')
        d = stackless.tasklet(worker)('d')
        c.run()
        log.append('main')
        stackless.run()
        self.assertEqual(log, ['c', 'd', 'main', 'a', 'b', "c'", "d'",
                               "a'", "b'"])
        for t in (a, b, c, d):
            self.assertState(t, DEAD)


if __name__ == '__main__':
    unittest.main()
