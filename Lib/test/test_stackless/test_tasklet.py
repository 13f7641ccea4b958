"""The tasklet class: construction, methods, attributes and life cycle.

Reference: docs/reference.md sections 4 (class tasklet), 5 (life cycle)
and 1.4 (the value a switch returns).
"""

import sys
import threading
import unittest

import stackless

from .support import (StacklessTestCase, ring, channel_queue, state,
                      UNBOUND, BOUND, DEAD, PAUSED, RUNNABLE, CURRENT,
                      BLOCKED, SOFTSWITCH, requires_hard_switch)


def nothing(*args, **kwargs):
    pass


def suspended_tasklet(log=None):
    """A tasklet that has started and is now paused in schedule_remove().

    When resumed it appends 'resumed' to log (if given) and ends.
    """
    def body():
        try:
            stackless.schedule_remove()
            if log is not None:
                log.append('resumed')
        finally:
            if log is not None:
                log.append('finally')
    t = stackless.tasklet(body, ())
    t.run()         # runs until schedule_remove(); main continues here
    assert t.paused
    return t


def suspended_with_c_state(log=None):
    """Like suspended_tasklet(), but paused inside C code (a sort key).

    The switch is hard whatever the switching mode: the tasklet has C
    state on its stack (reference section 13).
    """
    def body():
        try:
            sorted([1], key=lambda x: stackless.schedule_remove())
            if log is not None:
                log.append('resumed')
        finally:
            if log is not None:
                log.append('finally')
    t = stackless.tasklet(body, ())
    t.run()
    assert t.paused
    return t


class ConstructionTest(StacklessTestCase):

    def test_unbound(self):
        t = stackless.tasklet()
        self.assertState(t, UNBOUND)
        self.assertIsNone(t.tempval)
        self.assertIsNone(t.frame)
        self.assertIsNone(t.next)
        self.assertIsNone(t.prev)
        self.assertFalse(t.is_main)
        self.assertTrue(t.restorable)
        self.assertEqual(t.nesting_level, 0)
        self.assertEqual(t.recursion_depth, 0)
        self.assertFalse(t.atomic)
        self.assertFalse(t.ignore_nesting)
        self.assertFalse(t.block_trap)
        self.assertEqual(t.thread_id, threading.get_ident())
        self.assertEqual(stackless.getruncount(), 1)

    def test_bound(self):
        t = stackless.tasklet(nothing)
        self.assertState(t, BOUND)
        self.assertIs(t.tempval, nothing)
        self.assertIsNone(t.frame)
        self.assertIsNone(t.next)
        self.assertEqual(stackless.getruncount(), 1)

    def test_bound_with_args_is_paused(self):
        log = []
        t = stackless.tasklet(log.append, ('x',))
        self.assertState(t, PAUSED)
        self.assertIsNone(t.tempval)
        # Set up but not started: only an internal frame exists.
        self.assertIsNone(t.frame)
        self.assertTrue(t.restorable)
        self.assertEqual(stackless.getruncount(), 1)
        self.assertEqual(log, [])
        t.insert()
        self.assertState(t, RUNNABLE)
        stackless.run()
        self.assertEqual(log, ['x'])
        self.assertState(t, DEAD)

    def test_args_and_kwargs(self):
        log = []

        def f(*args, **kwargs):
            log.append((args, kwargs))
        stackless.tasklet(f, (1, 2), {'x': 3}).insert()
        stackless.tasklet(f, kwargs={'y': 4}).insert()
        stackless.tasklet(f, (5,)).insert()
        stackless.tasklet(func=f, args=(6,), kwargs={'z': 7}).insert()
        stackless.run()
        self.assertEqual(log, [((1, 2), {'x': 3}), ((), {'y': 4}),
                               ((5,), {}), ((6,), {'z': 7})])

    def test_call_sets_up(self):
        log = []

        def f(*args, **kwargs):
            log.append((args, kwargs))
        t = stackless.tasklet(f)
        result = t(1, 2, x=3)
        self.assertIs(result, t)
        self.assertState(t, RUNNABLE)
        self.assertIsNone(t.frame)
        self.assertIsNone(t.tempval)
        self.assertEqual(stackless.getruncount(), 2)
        main = stackless.main
        self.assertIs(main.next, t)
        self.assertIs(main.prev, t)
        self.assertIs(t.next, main)
        self.assertIs(t.prev, main)
        stackless.run()
        self.assertEqual(log, [((1, 2), {'x': 3})])
        self.assertState(t, DEAD)

    def test_not_callable(self):
        for bad in (42, 'text', (nothing,)):
            with self.subTest(bad=bad):
                self.assertRaisesMessage(
                    TypeError, 'tasklet function must be a callable or None',
                    stackless.tasklet, bad)

    def test_atomic_not_inherited(self):
        # [src!=doc]: new tasklets start with all flags false.
        with stackless.atomic():
            self.assertTrue(stackless.current.atomic)
            t = stackless.tasklet(nothing)
            self.assertFalse(t.atomic)
            self.assertFalse(t.ignore_nesting)
        self.assertFalse(stackless.current.atomic)

    def test_attribute_types(self):
        t = stackless.tasklet(nothing)(1)
        for obj in (t, stackless.main, stackless.tasklet()):
            for name in ('alive', 'paused', 'scheduled', 'blocked',
                         'is_current', 'is_main', 'restorable', 'atomic',
                         'ignore_nesting', 'block_trap'):
                with self.subTest(name=name):
                    self.assertIs(type(getattr(obj, name)), bool)
            for name in ('thread_id', 'recursion_depth', 'nesting_level',
                         'context_id'):
                with self.subTest(name=name):
                    self.assertIs(type(getattr(obj, name)), int)

    def test_attributes_are_class_descriptors(self):
        names = ['alive', 'paused', 'scheduled', 'blocked', 'is_current',
                 'is_main', 'restorable', 'atomic', 'ignore_nesting',
                 'block_trap', 'thread_id', 'next', 'prev', 'frame',
                 'tempval', 'recursion_depth', 'nesting_level',
                 'trace_function', 'profile_function', 'context_id']
        members = dir(stackless.tasklet)
        for name in names:
            with self.subTest(name=name):
                self.assertIn(name, members)
                # readable on the main tasklet too
                getattr(stackless.main, name)
        for name in ('bind', 'setup', 'insert', 'remove', 'run', 'switch',
                     'kill', 'throw', 'raise_exception', 'set_atomic',
                     'set_ignore_nesting', 'bind_thread', 'context_run',
                     'set_context', '__reduce__', '__reduce_ex__',
                     '__setstate__', '__del__'):
            with self.subTest(name=name):
                self.assertTrue(callable(getattr(stackless.tasklet, name)))

    def test_read_only_attributes(self):
        t = stackless.tasklet(nothing)
        for name in ('alive', 'paused', 'scheduled', 'blocked',
                     'is_current', 'is_main', 'restorable', 'atomic',
                     'ignore_nesting', 'thread_id', 'next', 'prev',
                     'frame', 'recursion_depth', 'nesting_level',
                     'context_id'):
            with self.subTest(name=name):
                with self.assertRaises((AttributeError, TypeError)):
                    setattr(t, name, getattr(t, name))

    def test_tempval_writable(self):
        t = stackless.tasklet()
        t.tempval = 42
        self.assertEqual(t.tempval, 42)
        del t.tempval
        self.assertIsNone(t.tempval)
        t.tempval = nothing
        # a callable in tempval is the bound function
        self.assertState(t, BOUND)
        t.setup()
        stackless.run()
        self.assertState(t, DEAD)

    def test_default_repr(self):
        t = stackless.tasklet()
        self.assertTrue(repr(t).startswith('<'))
        self.assertIn('tasklet', repr(t))

    def test_main_tasklet(self):
        main = stackless.main
        self.assertIs(main, stackless.getmain())
        self.assertIs(main, stackless.current)
        self.assertTrue(main.is_main)
        self.assertTrue(main.is_current)
        self.assertState(main, CURRENT)
        self.assertIs(main.next, main)
        self.assertIs(main.prev, main)
        self.assertEqual(main.thread_id, threading.get_ident())
        self.assertIs(main.frame, sys._getframe())


class BindTest(StacklessTestCase):

    def test_bind_returns_self(self):
        t = stackless.tasklet()
        self.assertIs(t.bind(nothing), t)
        self.assertState(t, BOUND)
        self.assertIs(t.tempval, nothing)
        self.assertIs(t.bind(), t)
        self.assertState(t, UNBOUND)
        self.assertIsNone(t.tempval)
        t.bind(nothing)
        self.assertIs(t.bind(None), t)
        self.assertState(t, UNBOUND)
        self.assertIsNone(t.tempval)

    def test_bind_keywords(self):
        log = []
        t = stackless.tasklet()
        self.assertIs(t.bind(func=log.append, args=('k',), kwargs=None), t)
        self.assertState(t, PAUSED)
        t.insert()
        stackless.run()
        self.assertEqual(log, ['k'])

    def test_bind_args_uses_bound_function(self):
        log = []

        def f(*args, **kwargs):
            log.append((args, kwargs))
        t = stackless.tasklet(f)
        t.bind(args=(1,))
        self.assertState(t, PAUSED)
        self.assertIsNone(t.tempval)
        t.insert()
        t2 = stackless.tasklet(f)
        t2.bind(None, None, {'a': 1}).insert()      # None means "not given"
        stackless.run()
        self.assertEqual(log, [((1,), {}), ((), {'a': 1})])

    def test_bind_args_without_function(self):
        t = stackless.tasklet()
        self.assertRaisesMessage(RuntimeError,
                                 'the tasklet was not bound to a function',
                                 t.bind, None, (1,))
        self.assertState(t, UNBOUND)
        self.assertRaisesMessage(RuntimeError,
                                 'the tasklet was not bound to a function',
                                 t.bind, kwargs={})

    def test_bind_not_callable(self):
        t = stackless.tasklet(nothing)
        self.assertRaisesMessage(TypeError,
                                 'tasklet function must be a callable or None',
                                 t.bind, 1)
        self.assertIs(t.tempval, nothing)

    def test_bind_current(self):
        errors = []

        def f():
            try:
                stackless.current.bind(nothing)
            except RuntimeError as e:
                errors.append(str(e))
        stackless.tasklet(f)()
        stackless.run()
        self.assertEqual(errors, ["can't (re)bind the current tasklet"])
        # main is current here; the current check comes first
        self.assertRaisesMessage(RuntimeError,
                                 "can't (re)bind the current tasklet",
                                 stackless.main.bind, None)
        # ... but the callable check comes even before that
        self.assertRaisesMessage(TypeError,
                                 'tasklet function must be a callable or None',
                                 stackless.main.bind, 1)

    def test_bind_scheduled(self):
        t = stackless.tasklet(nothing)()
        self.assertRaisesMessage(RuntimeError, 'tasklet is scheduled',
                                 t.bind, nothing)
        self.assertRaisesMessage(RuntimeError, 'tasklet is scheduled',
                                 t.bind, None)
        self.assertState(t, RUNNABLE)
        # blocked tasklets are scheduled too
        ch = stackless.channel()
        b = stackless.tasklet(ch.receive)()
        stackless.run()
        self.assertState(b, BLOCKED)
        self.assertRaisesMessage(RuntimeError, 'tasklet is scheduled',
                                 b.bind, None)
        self.assertState(b, BLOCKED)
        ch.send(None)

    def test_bind_paused_unstarted_discards(self):
        log = []
        t = stackless.tasklet(log.append, ('old',))
        self.assertState(t, PAUSED)
        t.bind(None)
        self.assertState(t, UNBOUND)
        self.assertIsNone(t.tempval)
        t.bind(log.append)
        self.assertState(t, BOUND)
        t.bind(log.append, ('new',))
        self.assertState(t, PAUSED)
        self.assertEqual(t.recursion_depth, 0)
        t.insert()
        stackless.run()
        self.assertEqual(log, ['new'])

    @requires_hard_switch
    def test_bind_with_c_state(self):
        # suspended inside a sort key: C state in either switching mode
        log = []
        t = suspended_with_c_state(log)
        self.assertFalse(t.restorable)
        self.assertGreater(t.nesting_level, 0)
        self.assertRaisesMessage(RuntimeError,
                                 'tasklet has C state on its stack',
                                 t.bind, None)
        self.assertRaisesMessage(RuntimeError,
                                 'tasklet has C state on its stack',
                                 t.bind, nothing, ())
        self.assertState(t, PAUSED)
        t.run()
        self.assertEqual(log, ['resumed', 'finally'])

    def test_rebind_dead(self):
        log = []
        t = stackless.tasklet(log.append)('first')
        stackless.run()
        self.assertState(t, DEAD)
        self.assertIs(t.bind(log.append), t)
        self.assertState(t, BOUND)
        t.setup('second')
        stackless.run()
        self.assertEqual(log, ['first', 'second'])
        self.assertState(t, DEAD)
        # and directly with arguments
        t.bind(log.append, ('third',))
        self.assertState(t, PAUSED)
        t.run()
        self.assertEqual(log, ['first', 'second', 'third'])

    def test_bind_main_from_tasklet(self):
        errors = []

        def f():
            # main is paused inside run(): not current, not scheduled
            try:
                stackless.main.bind(None)
            except RuntimeError as e:
                errors.append(str(e))
        stackless.tasklet(f)()
        stackless.run()
        self.assertEqual(len(errors), 1)
        self.assertIn(errors[0], ("can't unbind the main tasklet",
                                  'tasklet has C state on its stack'))


class SetupTest(StacklessTestCase):

    def test_setup_returns_self_and_appends(self):
        t1 = stackless.tasklet(nothing)
        t2 = stackless.tasklet(nothing)
        self.assertIs(t1.setup(), t1)
        self.assertIs(t2.setup(1, x=2), t2)
        self.assertEqual(ring(), [stackless.main, t1, t2])
        self.assertEqual(stackless.getruncount(), 3)
        stackless.run()

    def test_fifo(self):
        log = []
        for name in 'abcde':
            stackless.tasklet(log.append)(name)
        stackless.run()
        self.assertEqual(log, list('abcde'))

    def test_setup_alive(self):
        t = stackless.tasklet(nothing)()
        self.assertRaisesMessage(RuntimeError, 'tasklet is alive', t.setup)
        self.assertRaisesMessage(RuntimeError, 'tasklet is alive', t)
        p = stackless.tasklet(nothing, ())
        self.assertRaisesMessage(RuntimeError, 'tasklet is alive', p.setup)
        self.assertState(p, PAUSED)
        self.assertEqual(stackless.getruncount(), 2)
        stackless.run()

    def test_setup_unbound(self):
        t = stackless.tasklet()
        self.assertRaisesMessage(RuntimeError,
                                 'the tasklet was not bound to a function',
                                 t.setup)
        self.assertState(t, UNBOUND)
        log = []
        d = stackless.tasklet(log.append)(1)
        stackless.run()
        # a dead tasklet has lost its callable
        self.assertRaisesMessage(RuntimeError,
                                 'the tasklet was not bound to a function',
                                 d.setup, 2)
        self.assertEqual(log, [1])
        self.assertEqual(stackless.getruncount(), 1)


class InsertRemoveTest(StacklessTestCase):

    def test_insert_appends(self):
        a = stackless.tasklet(nothing)()
        t = stackless.tasklet(nothing, ())
        b = stackless.tasklet(nothing)()
        self.assertIs(t.insert(), t)
        self.assertState(t, RUNNABLE)
        self.assertEqual(ring(), [stackless.main, a, b, t])
        # already queued: no-op
        self.assertIs(t.insert(), t)
        self.assertIs(a.insert(), a)
        self.assertEqual(ring(), [stackless.main, a, b, t])
        # current: no-op
        self.assertIs(stackless.main.insert(), stackless.main)
        self.assertEqual(stackless.getruncount(), 4)
        stackless.run()

    def test_insert_errors(self):
        for t in (stackless.tasklet(), stackless.tasklet(nothing)):
            self.assertRaisesMessage(RuntimeError,
                                     'You cannot run an unbound(dead) tasklet',
                                     t.insert)
        dead = stackless.tasklet(nothing)()
        stackless.run()
        self.assertRaisesMessage(RuntimeError,
                                 'You cannot run an unbound(dead) tasklet',
                                 dead.insert)
        ch = stackless.channel()
        b = stackless.tasklet(ch.receive)()
        stackless.run()
        self.assertRaisesMessage(RuntimeError,
                                 'You cannot run a blocked tasklet',
                                 b.insert)
        self.assertState(b, BLOCKED)
        self.assertEqual(stackless.getruncount(), 1)
        b.kill()

    def test_remove(self):
        log = []
        a = stackless.tasklet(log.append)('a')
        b = stackless.tasklet(log.append)('b')
        c = stackless.tasklet(log.append)('c')
        self.assertIs(b.remove(), b)
        self.assertState(b, PAUSED)
        self.assertIsNone(b.next)
        self.assertIsNone(b.prev)
        self.assertEqual(stackless.getruncount(), 3)
        self.assertEqual(ring(), [stackless.main, a, c])
        # not queued: no-op
        self.assertIs(b.remove(), b)
        u = stackless.tasklet()
        self.assertIs(u.remove(), u)
        self.assertState(u, UNBOUND)
        # re-inserting puts it at the end
        b.insert()
        self.assertEqual(ring(), [stackless.main, a, c, b])
        stackless.run()
        self.assertEqual(log, ['a', 'c', 'b'])

    def test_remove_errors(self):
        self.assertRaisesMessage(RuntimeError,
                                 'The current tasklet cannot be removed.',
                                 stackless.main.remove)
        errors = []

        def f():
            try:
                stackless.current.remove()
            except RuntimeError as e:
                errors.append(str(e))
        stackless.tasklet(f)()
        stackless.run()
        self.assertEqual(errors, ['The current tasklet cannot be removed.'])
        ch = stackless.channel()
        b = stackless.tasklet(ch.receive)()
        stackless.run()
        self.assertRaisesMessage(RuntimeError,
                                 'You cannot remove a blocked tasklet.',
                                 b.remove)
        self.assertState(b, BLOCKED)
        self.assertEqual(ch.balance, -1)
        b.kill()


class RunTest(StacklessTestCase):

    def test_run_paused(self):
        # C A -> t C A: t, then the caller, then A
        log = []

        def ft():
            log.append('t')
            stackless.schedule()
            log.append("t'")
        stackless.tasklet(log.append)('A')
        t = stackless.tasklet(ft, ())
        self.assertIsNone(t.run())
        log.append('main')
        stackless.run()
        self.assertEqual(log, ['t', 'main', 'A', "t'"])

    def test_run_queued(self):
        # C A t B -> t B C A: A is passed over for this round
        log = []
        a = stackless.tasklet(log.append)('A')
        t = suspended_tasklet(log)
        t.insert()
        b = stackless.tasklet(log.append)('B')
        self.assertEqual(ring(), [stackless.main, a, t, b])
        t.run()
        log.append('main')
        stackless.run()
        self.assertEqual(log, ['resumed', 'finally', 'B', 'main', 'A'])

    def test_run_keeps_caller_runnable(self):
        seen = []

        def f():
            seen.append(state(stackless.main))
            seen.append(stackless.getruncount())
        t = stackless.tasklet(f, ())
        t.run()
        self.assertEqual(seen, [RUNNABLE, 2])
        self.assertState(t, DEAD)

    def test_run_returns_callers_tempval(self):
        def f():
            stackless.main.tempval = 'for main'
        t = stackless.tasklet(f)()
        self.assertEqual(t.run(), 'for main')
        # taken and reset when main resumed
        self.assertIsNone(stackless.main.tempval)

    def test_run_current(self):
        log = []
        stackless.tasklet(log.append)('other')
        stackless.main.run()
        self.assertEqual(log, [])
        self.assertEqual(stackless.getruncount(), 2)
        stackless.run()
        self.assertEqual(log, ['other'])

    def test_run_errors(self):
        self.assertRaisesMessage(RuntimeError,
                                 'You cannot run an unbound(dead) tasklet',
                                 stackless.tasklet().run)
        self.assertRaisesMessage(RuntimeError,
                                 'You cannot run an unbound(dead) tasklet',
                                 stackless.tasklet(nothing).run)
        ch = stackless.channel()
        b = stackless.tasklet(ch.receive)()
        stackless.run()
        self.assertRaisesMessage(RuntimeError,
                                 'You cannot run a blocked tasklet', b.run)
        self.assertState(b, BLOCKED)
        self.assertEqual(stackless.getruncount(), 1)
        b.kill()


class SwitchTest(StacklessTestCase):

    def test_switch_paused(self):
        # C A -> t A, C paused; main is resumed when the ring empties
        log = []
        main = stackless.main

        def ft():
            log.append(('t', state(main), stackless.getruncount()))
        stackless.tasklet(log.append)('A')
        t = stackless.tasklet(ft, ())
        self.assertIsNone(t.switch())
        self.assertEqual(log, [('t', PAUSED, 2), 'A'])
        self.assertState(main, CURRENT)
        self.assertEqual(stackless.getruncount(), 1)

    def test_switch_queued(self):
        # C A t B -> t B A, C paused
        log = []
        stackless.tasklet(log.append)('A')
        t = suspended_tasklet(log)
        t.insert()
        stackless.tasklet(log.append)('B')
        t.switch()
        self.assertEqual(log, ['resumed', 'finally', 'B', 'A'])

    def test_switch_return_value(self):
        def ft():
            main = stackless.main
            main.tempval = 'hello'
            main.run()
        t = stackless.tasklet(ft, ())
        self.assertEqual(t.switch(), 'hello')
        self.assertState(t, RUNNABLE)
        stackless.run()
        self.assertState(t, DEAD)

    def test_switch_between_tasklets(self):
        log = []

        def fa():
            log.append('a1')
            b.switch()              # a is paused now
            log.append('a2')

        def fb():
            log.append(('b', state(a)))
            a.insert()
        a = stackless.tasklet(fa)()
        b = stackless.tasklet(fb, ())
        stackless.run()
        self.assertEqual(log, ['a1', ('b', PAUSED), 'a2'])

    def test_switch_current(self):
        log = []
        stackless.tasklet(log.append)('other')
        stackless.main.switch()
        self.assertEqual(log, [])
        self.assertState(stackless.main, CURRENT)
        stackless.run()

    def test_switch_blocked(self):
        ch = stackless.channel()
        b = stackless.tasklet(ch.receive)()
        stackless.run()
        self.assertRaisesMessage(RuntimeError,
                                 'You cannot run a blocked tasklet', b.switch)
        self.assertState(b, BLOCKED)
        self.assertState(stackless.main, CURRENT)
        self.assertEqual(stackless.getruncount(), 1)
        b.kill()

    def test_switch_dead(self):
        t = stackless.tasklet(nothing)
        self.assertRaisesMessage(RuntimeError,
                                 'You cannot run an unbound(dead) tasklet',
                                 t.switch)
        self.assertState(stackless.main, CURRENT)


class KillTest(StacklessTestCase):

    def test_kill_never_run(self):
        # the ring of reference section 6.2
        log = []
        t = stackless.tasklet(log.append)('never')
        self.assertIsNone(t.kill())
        self.assertState(t, DEAD)
        self.assertEqual(log, [])
        self.assertEqual(stackless.getruncount(), 1)

    def test_kill_paused_unstarted(self):
        log = []
        t = stackless.tasklet(log.append, ('never',))
        t.kill()
        self.assertState(t, DEAD)
        self.assertEqual(log, [])

    def test_kill_paused(self):
        log = []
        stackless.tasklet(log.append)('A')
        t = suspended_tasklet(log)
        t.kill()
        # appended before the caller: the caller is resumed next, A later
        log.append('main')
        stackless.run()
        self.assertEqual(log, ['finally', 'main', 'A'])
        self.assertState(t, DEAD)

    def test_kill_runnable(self):
        # like t.run() on a queued tasklet: C A t B -> t B C A
        log = []
        stackless.tasklet(log.append)('A')
        t = suspended_tasklet(log)
        t.insert()
        stackless.tasklet(log.append)('B')
        t.kill()
        log.append('main')
        stackless.run()
        self.assertEqual(log, ['finally', 'B', 'main', 'A'])

    def test_kill_blocked(self):
        log = []
        ch = stackless.channel()

        def f():
            try:
                ch.receive()
            except TaskletExit:
                log.append('exit')
                raise
            finally:
                log.append('finally')
        t = stackless.tasklet(f)()
        stackless.run()
        self.assertState(t, BLOCKED)
        self.assertEqual(ch.balance, -1)
        stackless.tasklet(log.append)('X')
        t.kill()
        log.append('main')
        self.assertEqual(ch.balance, 0)
        self.assertIsNone(ch.queue)
        stackless.run()
        self.assertEqual(log, ['exit', 'finally', 'main', 'X'])
        self.assertState(t, DEAD)

    def test_kill_dead_and_unbound(self):
        t = stackless.tasklet()
        self.assertIsNone(t.kill())
        self.assertState(t, UNBOUND)
        b = stackless.tasklet(nothing)
        self.assertIsNone(b.kill())
        # a bound tasklet stays bound
        self.assertState(b, BOUND)
        self.assertIs(b.tempval, nothing)
        d = stackless.tasklet(nothing)()
        stackless.run()
        self.assertIsNone(d.kill())
        self.assertIsNone(d.kill(pending=True))
        self.assertState(d, DEAD)

    def test_kill_current(self):
        log = []

        def f():
            try:
                stackless.current.kill()
                log.append('not reached')
            except TaskletExit:
                log.append('exit')
            log.append('survived')
        t = stackless.tasklet(f)()
        stackless.run()
        self.assertEqual(log, ['exit', 'survived'])
        self.assertState(t, DEAD)
        with self.assertRaises(TaskletExit):
            stackless.main.kill()
        with self.assertRaises(TaskletExit):
            stackless.current.kill(pending=True)
        self.assertState(stackless.main, CURRENT)

    def test_kill_caught(self):
        # a tasklet that catches TaskletExit does not die
        log = []

        def f():
            try:
                stackless.schedule_remove()
            except TaskletExit:
                log.append('caught')
            stackless.schedule_remove()
            log.append('still alive')
        t = stackless.tasklet(f, ())
        t.run()
        t.kill()
        self.assertEqual(log, ['caught'])
        self.assertState(t, PAUSED)
        t.run()
        self.assertEqual(log, ['caught', 'still alive'])
        self.assertState(t, DEAD)

    def test_kill_pending_runnable(self):
        log = []
        t = stackless.tasklet(self._loop)(log)
        stackless.schedule()
        self.assertEqual(log, ['loop'])
        self.assertIsNone(t.kill(pending=True))
        self.assertState(t, RUNNABLE)
        self.assertEqual(log, ['loop'])
        stackless.run()
        self.assertEqual(log, ['loop', 'exit'])
        self.assertState(t, DEAD)

    @staticmethod
    def _loop(log):
        try:
            while True:
                log.append('loop')
                stackless.schedule()
        except TaskletExit:
            log.append('exit')
            raise

    def test_kill_pending_blocked(self):
        log = []
        ch = stackless.channel()

        def f():
            try:
                ch.receive()
            finally:
                log.append('finally')
        t = stackless.tasklet(f)()
        stackless.run()
        t.kill(pending=True)
        self.assertState(t, RUNNABLE)
        self.assertEqual(ch.balance, 0)
        self.assertEqual(log, [])
        self.assertEqual(ring(), [stackless.main, t])
        stackless.run()
        self.assertEqual(log, ['finally'])
        self.assertState(t, DEAD)

    def test_kill_pending_never_run(self):
        log = []
        t = stackless.tasklet(log.append, ('never',))
        t.kill(pending=True)
        self.assertState(t, RUNNABLE)
        stackless.run()
        self.assertEqual(log, [])
        self.assertState(t, DEAD)

    def test_kill_returns_none(self):
        t = suspended_tasklet()
        self.assertIsNone(t.kill())
        t = suspended_tasklet()
        self.assertIsNone(t.kill(pending=False))


def catcher(log, exc=Exception):
    """A started, paused tasklet that logs the exception it gets."""
    def body():
        try:
            stackless.schedule_remove('not an exception')
            log.append('no exception')
        except exc as e:
            log.append(e)
    t = stackless.tasklet(body, ())
    t.run()
    return t


class ThrowTest(StacklessTestCase):

    def test_throw_class_and_value(self):
        log = []
        t = catcher(log)
        self.assertIsNone(t.throw(ValueError, 'v'))
        self.assertState(t, DEAD)
        self.assertEqual(len(log), 1)
        self.assertIs(type(log[0]), ValueError)
        self.assertEqual(log[0].args, ('v',))

    def test_throw_class_only(self):
        log = []
        t = catcher(log)
        t.throw(KeyError)
        self.assertIs(type(log[0]), KeyError)
        self.assertEqual(log[0].args, ())

    def test_throw_instance(self):
        log = []
        t = catcher(log)
        exc = ValueError('instance')
        t.throw(exc)
        self.assertIs(log[0], exc)

    def test_throw_keywords(self):
        log = []
        t = catcher(log)
        t.throw(exc=ValueError, val='kw', tb=None, pending=False)
        self.assertEqual(log[0].args, ('kw',))

    def test_throw_traceback(self):
        def make_tb():
            try:
                raise KeyError('tb')
            except KeyError as e:
                return e, e.__traceback__
        for pending in (False, True):
            with self.subTest(pending=pending):
                exc, tb = make_tb()
                log = []
                t = catcher(log)
                t.throw(exc, None, tb, pending=pending)
                stackless.run()
                self.assertIs(log[0], exc)
                names = []
                tb = log[0].__traceback__
                while tb is not None:
                    names.append(tb.tb_frame.f_code.co_name)
                    tb = tb.tb_next
                self.assertIn('make_tb', names)

    def test_throw_base_exception(self):
        class MyBase(BaseException):
            pass
        log = []
        t = catcher(log, MyBase)
        t.throw(MyBase)
        self.assertIs(type(log[0]), MyBase)

    def test_throw_type_errors(self):
        log = []
        t = catcher(log)
        self.assertRaisesMessage(
            TypeError, 'instance exception may not have a separate value',
            t.throw, ValueError('x'), 'y')
        self.assertRaisesMessage(
            TypeError, 'exceptions must be classes, or instances, not int',
            t.throw, 42)
        self.assertRaisesMessage(
            TypeError, 'exceptions must be classes, or instances, not str',
            t.throw, 'text')
        self.assertRaisesMessage(
            TypeError, 'third argument must be a traceback object',
            t.throw, ValueError, None, 'not a traceback')
        self.assertRaises(TypeError, t.throw)
        # nothing happened to the target
        self.assertState(t, PAUSED)
        self.assertEqual(log, [])
        t.run()
        self.assertEqual(log, ['no exception'])

    def test_throw_current(self):
        with self.assertRaises(ValueError):
            stackless.current.throw(ValueError)
        with self.assertRaises(ValueError):
            stackless.current.throw(ValueError, pending=True)
        self.assertState(stackless.main, CURRENT)

    def test_throw_runnable_switches(self):
        log = []
        t = stackless.tasklet(self._sched)(log)
        stackless.schedule()
        self.assertState(t, RUNNABLE)
        t.throw(ValueError, 'x')
        # the target ran at once and is dead now
        self.assertEqual(log, ['ready', 'x'])
        self.assertState(t, DEAD)

    @staticmethod
    def _sched(log):
        try:
            log.append('ready')
            stackless.schedule('kept')
            log.append('no exception')
        except ValueError as e:
            log.append(e.args[0])

    def test_throw_pending_runnable_loses_tempval(self):
        log = []
        t = stackless.tasklet(self._sched)(log)
        stackless.schedule()
        self.assertEqual(t.tempval, 'kept')
        self.assertIsNone(t.throw(ValueError, 'p', pending=True))
        self.assertEqual(log, ['ready'])
        self.assertState(t, RUNNABLE)
        stackless.run()
        self.assertEqual(log, ['ready', 'p'])

    def test_throw_pending_paused(self):
        log = []
        t = catcher(log)
        t.throw(ValueError, pending=True)
        self.assertState(t, RUNNABLE)
        self.assertEqual(ring(), [stackless.main, t])
        self.assertEqual(log, [])
        stackless.run()
        self.assertIs(type(log[0]), ValueError)

    def test_throw_blocked(self):
        for pending in (False, True):
            with self.subTest(pending=pending):
                log = []
                ch = stackless.channel()

                def f():
                    try:
                        ch.receive()
                    except ValueError as e:
                        log.append(e.args)
                t = stackless.tasklet(f)()
                stackless.run()
                self.assertEqual(ch.balance, -1)
                t.throw(ValueError, 'b', pending=pending)
                self.assertEqual(ch.balance, 0)
                self.assertIsNone(ch.queue)
                if pending:
                    self.assertState(t, RUNNABLE)
                    self.assertEqual(log, [])
                    stackless.run()
                self.assertEqual(log, [('b',)])
                self.assertState(t, DEAD)

    def test_throw_never_run(self):
        # the callable never runs; the tasklet ends with the exception,
        # which is delivered to main (reference section 9.2)
        log = []
        t = stackless.tasklet(log.append)('called')
        with self.assertRaises(ValueError):
            t.throw(ValueError)
        self.assertEqual(log, [])
        self.assertState(t, DEAD)
        t = stackless.tasklet(log.append)('called')
        t.throw(ValueError, pending=True)
        self.assertState(t, RUNNABLE)
        with self.assertRaises(ValueError):
            stackless.run()
        self.assertEqual(log, [])
        self.assertState(t, DEAD)

    def test_throw_dead(self):
        for t in (stackless.tasklet(), stackless.tasklet(nothing)):
            for pending in (False, True):
                self.assertRaisesMessage(
                    RuntimeError, 'You cannot throw to a dead tasklet',
                    t.throw, ValueError, pending=pending)
                self.assertIsNone(t.throw(TaskletExit, pending=pending))

                class MyExit(TaskletExit):
                    pass
                self.assertIsNone(t.throw(MyExit, pending=pending))
        d = stackless.tasklet(nothing)()
        stackless.run()
        self.assertRaisesMessage(RuntimeError,
                                 'You cannot throw to a dead tasklet',
                                 d.throw, ValueError)
        self.assertIsNone(d.throw(TaskletExit))
        self.assertState(d, DEAD)

    def test_throw_return_value(self):
        def f():
            try:
                stackless.schedule_remove()
            except ValueError:
                stackless.main.tempval = 'from target'
        t = stackless.tasklet(f, ())
        t.run()
        self.assertEqual(t.throw(ValueError), 'from target')


class RaiseExceptionTest(StacklessTestCase):

    def test_raise_exception(self):
        log = []
        t = catcher(log)
        self.assertIsNone(t.raise_exception(ValueError, 'a', 'b'))
        self.assertIs(type(log[0]), ValueError)
        self.assertEqual(log[0].args, ('a', 'b'))
        self.assertState(t, DEAD)

    def test_raise_exception_base_exception(self):
        # [src!=doc]: any BaseException subclass is accepted
        class MyBase(BaseException):
            pass
        log = []
        t = catcher(log, MyBase)
        t.raise_exception(MyBase, 1)
        self.assertEqual(log[0].args, (1,))

    def test_raise_exception_errors(self):
        log = []
        t = catcher(log)
        msg = ('tasklet.raise_exception needs Exception or string subclass '
               'as first parameter')
        self.assertRaisesMessage(TypeError, msg, t.raise_exception, 42)
        self.assertRaisesMessage(TypeError, msg, t.raise_exception, int)
        self.assertRaisesMessage(TypeError, msg, t.raise_exception,
                                 ValueError('instance'))
        self.assertRaisesMessage(TypeError,
                                 'raise_exception() takes at least 1 argument',
                                 t.raise_exception)
        self.assertState(t, PAUSED)
        self.assertEqual(log, [])
        t.run()

    def test_raise_exception_never_run(self):
        log = []
        t = stackless.tasklet(log.append)('called')
        with self.assertRaises(KeyError) as cm:
            t.raise_exception(KeyError, 'k')
        self.assertEqual(cm.exception.args, ('k',))
        self.assertEqual(log, [])

    def test_raise_exception_dead(self):
        t = stackless.tasklet(nothing)()
        stackless.run()
        self.assertRaisesMessage(RuntimeError,
                                 'You cannot throw to a dead tasklet',
                                 t.raise_exception, ValueError)
        self.assertIsNone(t.raise_exception(TaskletExit))

    def test_raise_exception_current(self):
        with self.assertRaises(KeyError):
            stackless.current.raise_exception(KeyError, 1)


class FlagTest(StacklessTestCase):

    def test_set_atomic(self):
        t = stackless.tasklet(nothing)
        self.assertIs(t.set_atomic(True), False)
        self.assertIs(t.atomic, True)
        self.assertIs(t.set_atomic(0), True)
        self.assertIs(t.atomic, False)
        self.assertIs(t.set_atomic(5), False)
        self.assertIs(t.atomic, True)
        self.assertIs(t.set_atomic(False), True)
        for bad in ('x', 1.5, None, [1]):
            with self.subTest(bad=bad):
                self.assertRaisesMessage(
                    TypeError, 'set_atomic needs exactly one bool or integer',
                    t.set_atomic, bad)
        self.assertRaises(TypeError, t.set_atomic)
        self.assertFalse(t.atomic)

    def test_atomic_of_running_tasklet(self):
        seen = []

        def f():
            seen.append(stackless.current.atomic)
            old = stackless.current.set_atomic(False)
            seen.append(old)
            seen.append(stackless.current.atomic)
        t = stackless.tasklet(f)()
        t.set_atomic(True)
        stackless.run()
        self.assertEqual(seen, [True, True, False])
        self.assertFalse(stackless.main.atomic)

    def test_set_ignore_nesting(self):
        t = stackless.tasklet(nothing)
        self.assertIs(t.set_ignore_nesting(1), False)
        self.assertIs(t.ignore_nesting, True)
        self.assertIs(t.set_ignore_nesting(True), True)
        self.assertIs(t.set_ignore_nesting(0), True)
        self.assertIs(t.ignore_nesting, False)
        for bad in ('x', 2.0, None):
            with self.subTest(bad=bad):
                self.assertRaisesMessage(
                    TypeError,
                    'set_ignore_nesting needs exactly one bool or integer',
                    t.set_ignore_nesting, bad)
        self.assertFalse(t.ignore_nesting)

    def test_block_trap(self):
        t = stackless.tasklet(nothing)
        self.assertIs(t.block_trap, False)
        t.block_trap = True
        self.assertIs(t.block_trap, True)
        t.block_trap = 0
        self.assertIs(t.block_trap, False)
        t.block_trap = 7
        self.assertIs(t.block_trap, True)
        for bad in ('x', 1.0, None):
            with self.subTest(bad=bad):
                with self.assertRaises(TypeError) as cm:
                    t.block_trap = bad
                self.assertEqual(str(cm.exception),
                                 'block_trap must be set to a bool or integer')
        self.assertIs(t.block_trap, True)

    def test_block_trap_prevents_blocking(self):
        log = []
        ch = stackless.channel()

        def f():
            stackless.current.block_trap = True
            try:
                ch.receive()
            except RuntimeError as e:
                log.append(str(e))
            # a partner is waiting: no blocking, so it works
            stackless.schedule()
            log.append(ch.receive())
        t = stackless.tasklet(f)()
        stackless.schedule()
        self.assertEqual(log, ['this tasklet does not like to be blocked.'])
        self.assertEqual(ch.balance, 0)
        self.assertState(t, RUNNABLE)
        s = stackless.tasklet(ch.send)('value')
        s.run()                     # the sender blocks first
        self.assertEqual(ch.balance, 1)
        stackless.run()
        self.assertEqual(log[1:], ['value'])
        self.assertState(s, DEAD)
        self.assertState(t, DEAD)

    def test_block_trap_main(self):
        ch = stackless.channel()
        main = stackless.main
        main.block_trap = True
        try:
            stackless.tasklet(nothing)()
            self.assertRaisesMessage(
                RuntimeError, 'this tasklet does not like to be blocked.',
                ch.send, 1)
            self.assertEqual(ch.balance, 0)
            self.assertEqual(stackless.getruncount(), 2)
            stackless.tasklet(ch.send)('v')
            stackless.schedule()
            self.assertEqual(ch.balance, 1)
            self.assertEqual(ch.receive(), 'v')
        finally:
            main.block_trap = False
        stackless.run()


class BindThreadTest(StacklessTestCase):

    def test_allowed_states(self):
        me = threading.get_ident()
        unbound = stackless.tasklet()
        bound = stackless.tasklet(nothing)
        paused = stackless.tasklet(nothing, ())
        dead = stackless.tasklet(nothing)()
        stackless.run()
        for t in (unbound, bound, paused, dead):
            with self.subTest(t=t):
                old = state(t)
                self.assertIsNone(t.bind_thread())
                self.assertIsNone(t.bind_thread(-1))
                self.assertIsNone(t.bind_thread(me))
                self.assertEqual(t.thread_id, me)
                self.assertEqual(state(t), old)
        # bind_thread() does not insert anywhere
        self.assertEqual(stackless.getruncount(), 1)
        paused.run()
        self.assertState(paused, DEAD)

    def test_runnable(self):
        me = threading.get_ident()
        t = stackless.tasklet(nothing)()
        # already bound to the calling thread and -1: no-op
        self.assertIsNone(t.bind_thread())
        self.assertRaisesMessage(RuntimeError,
                                 "can't (re)bind a runnable tasklet",
                                 t.bind_thread, me)
        self.assertRaisesMessage(RuntimeError,
                                 "can't (re)bind a runnable tasklet",
                                 stackless.main.bind_thread, me)
        self.assertState(t, RUNNABLE)
        stackless.run()

    @requires_hard_switch
    def test_c_state(self):
        log = []
        t = suspended_with_c_state(log)
        self.assertRaisesMessage(RuntimeError,
                                 'tasklet has C state on its stack',
                                 t.bind_thread, threading.get_ident())
        self.assertState(t, PAUSED)
        t.run()
        self.assertEqual(log, ['resumed', 'finally'])

    def test_bad_arguments(self):
        t = stackless.tasklet()
        self.assertRaises(TypeError, t.bind_thread, 'x')
        self.assertRaises(TypeError, t.bind_thread, 1.0)
        self.assertRaises(TypeError, t.bind_thread, thread_id=-1)
        self.assertRaises((OverflowError, ValueError), t.bind_thread, -2)
        bad = max(stackless.getthreads()) + 4242
        self.assertRaisesMessage(ValueError, 'bad thread', t.bind_thread, bad)
        self.assertEqual(t.thread_id, threading.get_ident())


class LifeCycleTest(StacklessTestCase):
    """Walk one tasklet through every state of reference section 5.1."""

    def test_life_cycle(self):
        seen = []
        ch = stackless.channel()
        main = stackless.main

        def f(x):
            me = stackless.current
            seen.append(('current', x, state(me), me.frame is sys._getframe(),
                         me.is_main, state(main), main.frame is not None))
            stackless.schedule()
            seen.append(('received', ch.receive()))
            stackless.schedule_remove()
            seen.append('end')
            return 'ignored'

        t = stackless.tasklet()
        self.assertState(t, UNBOUND)
        t.bind(f)
        self.assertState(t, BOUND)
        self.assertIs(t.tempval, f)
        t.bind(args=(1,))
        self.assertState(t, PAUSED)
        self.assertIsNone(t.tempval)
        self.assertIsNone(t.frame)
        self.assertTrue(t.restorable)
        t.insert()
        self.assertState(t, RUNNABLE)
        self.assertIsNone(t.frame)
        self.assertIs(main.next, t)

        stackless.schedule()        # t runs and schedules back
        self.assertEqual(seen, [('current', 1, CURRENT, True, False,
                                 RUNNABLE, True)])
        self.assertState(t, RUNNABLE)
        self.assertIs(t.frame.f_code, f.__code__)
        self.assertIs(t.tempval, t)         # schedule()'s default retval
        # t switched from its own Python code: soft unless soft
        # switching is off
        self.assertIs(t.restorable, SOFTSWITCH)
        self.assertIs(t.nesting_level == 0, SOFTSWITCH)

        stackless.schedule()        # t blocks on ch
        self.assertState(t, BLOCKED)
        self.assertIsNone(t.tempval)        # a receiver: nothing to send
        self.assertIs(t.frame.f_code, f.__code__)
        self.assertIs(ch.queue, t)
        self.assertIsNone(t.next)
        self.assertIsNone(t.prev)
        self.assertIs(main.next, main)

        ch.send('v')                # t runs at once, pauses itself
        self.assertEqual(seen[-1], ('received', 'v'))
        self.assertState(t, PAUSED)
        self.assertIs(t.tempval, t)         # schedule_remove()'s retval
        self.assertIsNone(t.next)
        self.assertIs(t.frame.f_code, f.__code__)

        t.insert()
        self.assertState(t, RUNNABLE)
        stackless.run()
        self.assertEqual(seen[-1], 'end')
        self.assertState(t, DEAD)
        self.assertIsNone(t.tempval)        # the return value is discarded
        self.assertIsNone(t.frame)
        self.assertIsNone(t.next)
        self.assertIsNone(t.prev)
        self.assertTrue(t.restorable)
        self.assertEqual(t.nesting_level, 0)

    def test_blocked_sender_holds_value(self):
        ch = stackless.channel()
        value = object()
        t = stackless.tasklet(ch.send)(value)
        stackless.run()
        self.assertState(t, BLOCKED)
        self.assertIs(t.tempval, value)
        self.assertIs(ch.receive(), value)
        self.assertState(t, RUNNABLE)
        stackless.run()
        self.assertState(t, DEAD)

    def test_main_inside_run(self):
        seen = []
        main = stackless.main
        here = sys._getframe().f_code

        def f():
            seen.append((state(main), main.is_main, main.is_current,
                         main.frame.f_code is here, main.next, main.prev))
        stackless.tasklet(f)()
        stackless.run()
        self.assertEqual(seen, [(PAUSED, True, False, True, None, None)])

    def test_is_current_and_is_main(self):
        seen = []
        main = stackless.main

        def f():
            me = stackless.current
            seen.append((me.is_current, me.is_main, main.is_current,
                         main.is_main, stackless.getmain() is main))
        t = stackless.tasklet(f)()
        self.assertFalse(t.is_current)
        stackless.run()
        self.assertEqual(seen, [(True, False, False, True, True)])
        self.assertFalse(t.is_current)
        self.assertFalse(t.is_main)

    def test_ring_links(self):
        a = stackless.tasklet(nothing)()
        b = stackless.tasklet(nothing)()
        main = stackless.main
        self.assertEqual((main.next, a.next, b.next), (a, b, main))
        self.assertEqual((main.prev, a.prev, b.prev), (b, main, a))
        a.remove()
        self.assertEqual((main.next, b.next), (b, main))
        self.assertEqual((main.prev, b.prev), (b, main))
        self.assertIsNone(a.next)
        stackless.run()

    def test_channel_queue_links(self):
        ch = stackless.channel()
        ts = [stackless.tasklet(ch.receive)() for i in range(3)]
        stackless.run()
        self.assertEqual(channel_queue(ch), ts)
        self.assertIsNone(ts[0].prev)
        self.assertIs(ts[0].next, ts[1])
        self.assertIs(ts[1].prev, ts[0])
        self.assertIs(ts[1].next, ts[2])
        self.assertIs(ts[2].prev, ts[1])
        self.assertIsNone(ts[2].next)
        for t in ts:
            self.assertState(t, BLOCKED)
        ch.send_sequence(range(3))
        stackless.run()
        for t in ts:
            self.assertState(t, DEAD)

    def test_recursion_depth(self):
        seen = []

        def g():
            seen.append(stackless.current.recursion_depth)
            stackless.schedule_remove()

        def f():
            seen.append(stackless.current.recursion_depth)
            stackless.schedule_remove()
            g()
        t = stackless.tasklet(f, ())
        self.assertEqual(t.recursion_depth, 0)
        t.run()
        self.assertEqual(t.recursion_depth, 1)
        t.run()
        self.assertEqual(t.recursion_depth, 2)
        self.assertEqual(seen, [1, 2])
        t.run()
        self.assertState(t, DEAD)


class ReturnValueTest(StacklessTestCase):
    """Item 9 of "Semantics easiest to get wrong"."""

    def test_schedule_returns_retval(self):
        stackless.tasklet(nothing)()
        self.assertEqual(stackless.schedule('x'), 'x')
        stackless.tasklet(nothing)()
        self.assertEqual(stackless.schedule(retval=None), None)
        stackless.tasklet(nothing)()
        self.assertIs(stackless.schedule(), stackless.main)
        # alone in the ring: returns immediately, with retval
        self.assertEqual(stackless.schedule(42), 42)
        self.assertIs(stackless.schedule(), stackless.main)

    def test_schedule_tempval_replaced(self):
        def f():
            stackless.main.tempval = 'replaced'
        stackless.tasklet(f)()
        self.assertEqual(stackless.schedule('x'), 'replaced')

    def test_schedule_remove_returns_retval(self):
        log = []

        def f():
            log.append(stackless.schedule_remove('r'))
            log.append(stackless.schedule_remove())
            log.append(stackless.schedule_remove())
        t = stackless.tasklet(f, ())
        t.run()
        self.assertEqual(t.tempval, 'r')
        t.run()
        self.assertIs(t.tempval, t)
        t.run()
        t.tempval = 'set by the resumer'
        t.run()
        self.assertEqual(log, ['r', t, 'set by the resumer'])

    def test_bomb_in_tempval(self):
        # the bomb example of reference section 2.9
        log = []

        def worker():
            try:
                stackless.schedule_remove()
            except KeyError as e:
                log.append(e.args)
        try:
            {}['missing']
        except KeyError:
            b = stackless.bomb(*sys.exc_info())
        t = stackless.tasklet(worker)()
        t.run()
        t.tempval = b
        t.run()
        self.assertEqual(log, [('missing',)])

    def test_schedule_bomb_retval(self):
        stackless.tasklet(nothing)()
        b = stackless.bomb(ValueError, ValueError('boom'))
        with self.assertRaises(ValueError) as cm:
            stackless.schedule(b)
        self.assertEqual(cm.exception.args, ('boom',))

    def test_methods_return_self(self):
        t = stackless.tasklet()
        self.assertIs(t.bind(nothing), t)
        self.assertIs(t.setup(), t)
        self.assertIs(t.remove(), t)
        self.assertIs(t.insert(), t)
        self.assertIs(t.run(), None)
        self.assertIs(t.bind(nothing, ()), t)
        self.assertIs(t.switch(), None)

    # A for loop over a channel blocks hard.
    @requires_hard_switch
    def test_send_sequence_count(self):
        ch = stackless.channel()
        got = []

        def rx():
            for x in ch:
                got.append(x)
        stackless.tasklet(rx)()
        self.assertEqual(ch.send_sequence(iter('abc')), 3)
        self.assertEqual(ch.send_sequence([]), 0)
        ch.send_exception(StopIteration)
        stackless.run()
        self.assertEqual(got, list('abc'))


if __name__ == '__main__':
    unittest.main()
