"""Per-tasklet interpreter state.

Reference: docs/reference.md section 14: exception state, trace and profile
functions, recursion depth and (project decision) contextvars contexts.
"""

import contextvars
import decimal
import sys
import unittest

import stackless

from .support import (StacklessTestCase, DEAD, in_subprocess,
                      requires_hard_switch)


NONE3 = (None, None, None)


def args_of_current_exception():
    exc = sys.exc_info()[1]
    return None if exc is None else exc.args


class ExceptionStateTest(StacklessTestCase):

    def test_interleaved_handlers(self):
        seen = []

        def a():
            try:
                raise KeyError('a')
            except KeyError:
                stackless.schedule()
                seen.append(('a', args_of_current_exception()))
                stackless.schedule()
                seen.append(('a2', args_of_current_exception()))
            seen.append(('a3', sys.exc_info()))

        def b():
            # a new tasklet starts without an exception being handled
            seen.append(('b0', sys.exc_info()))
            try:
                raise ValueError('b')
            except ValueError:
                stackless.schedule()
                seen.append(('b', args_of_current_exception()))

        stackless.tasklet(a)()
        stackless.tasklet(b)()
        try:
            raise IndexError('main')
        except IndexError:
            stackless.schedule()
            seen.append(('main', args_of_current_exception()))
            stackless.run()
            seen.append(('main2', args_of_current_exception()))
        seen.append(('main3', sys.exc_info()))
        self.assertEqual(seen, [('b0', NONE3), ('main', ('main',)),
                                ('a', ('a',)), ('b', ('b',)),
                                ('a2', ('a',)), ('a3', NONE3),
                                ('main2', ('main',)), ('main3', NONE3)])

    def test_main_without_exception_sees_none(self):
        seen = []

        def f():
            try:
                raise KeyError
            except KeyError:
                stackless.schedule()
        stackless.tasklet(f)()
        stackless.schedule()
        seen.append(sys.exc_info())
        stackless.run()
        self.assertEqual(seen, [NONE3])

    @requires_hard_switch
    def test_inside_generators(self):
        seen = []

        def gen():
            try:
                raise KeyError('gen')
            except KeyError:
                yield args_of_current_exception()
                stackless.schedule()    # switch from inside the generator
                yield args_of_current_exception()
            # outside its own handler the generator sees its caller's
            yield args_of_current_exception()

        def a():
            try:
                raise ValueError('a')
            except ValueError:
                g = gen()
                seen.append(next(g))
                seen.append(args_of_current_exception())
                stackless.schedule()
                seen.append(next(g))
                seen.append(args_of_current_exception())
                seen.append(next(g))

        def b():
            seen.append(('b', sys.exc_info()))
            try:
                raise IndexError('b')
            except IndexError:
                stackless.schedule()
                seen.append(('b2', args_of_current_exception()))

        stackless.tasklet(a)()
        stackless.tasklet(b)()
        stackless.run()
        self.assertEqual(seen, [('gen',), ('a',), ('b', NONE3),
                                ('b2', ('b',)), ('gen',), ('a',), ('a',)])

    def test_generator_resumed_by_other_tasklet(self):
        # a generator outside its own handler sees the exception of the
        # tasklet that resumes it
        def gen():
            while True:
                yield args_of_current_exception()
        g = gen()
        seen = []

        def f(name):
            try:
                raise KeyError(name)
            except KeyError:
                seen.append(next(g))
                stackless.schedule()
                seen.append(next(g))
        stackless.tasklet(f)('x')
        stackless.tasklet(f)('y')
        stackless.run()
        self.assertEqual(seen, [('x',), ('y',), ('x',), ('y',)])
        self.assertIsNone(next(g))

    def test_raise_after_switch_chains_own_context(self):
        # __context__ of an exception comes from the raising tasklet only
        got = []

        def a():
            try:
                raise KeyError('a')
            except KeyError:
                stackless.schedule()
                try:
                    raise ValueError('a2')
                except ValueError as e:
                    got.append(('a', type(e.__context__)))

        def b():
            try:
                raise IndexError('b')
            except IndexError:
                stackless.schedule()

        def c():
            try:
                raise ValueError('c')
            except ValueError as e:
                got.append(('c', e.__context__))
        stackless.tasklet(a)()
        stackless.tasklet(b)()
        stackless.tasklet(c)()
        stackless.run()
        self.assertEqual(got, [('c', None), ('a', KeyError)])


# Tracing and profiling across switches: run in a child interpreter, as a
# broken implementation crashes here.
@in_subprocess
class TraceTest(StacklessTestCase):

    def setUp(self):
        super().setUp()
        # the test runner itself might be traced (coverage); keep it
        self.saved_trace = sys.gettrace()
        self.saved_profile = sys.getprofile()
        self.addCleanup(sys.settrace, self.saved_trace)
        self.addCleanup(sys.setprofile, self.saved_profile)

    @staticmethod
    def make_tracer(events, kinds=('call',)):
        def tracer(frame, event, arg):
            if event in kinds:
                if event == 'line':
                    events.append((frame.f_code.co_name, frame.f_lineno))
                else:
                    events.append((event, frame.f_code.co_name))
            return tracer
        return tracer

    @requires_hard_switch
    def test_settrace_per_tasklet(self):
        events = []
        tracer = self.make_tracer(events)
        seen = []

        def traced_a():
            pass

        def traced_b():
            pass

        def untraced():
            pass

        def a():
            sys.settrace(tracer)
            traced_a()
            stackless.schedule()
            traced_b()
            seen.append(('a', sys.gettrace() is tracer))
            sys.settrace(None)

        def b():
            seen.append(('b', sys.gettrace()))
            untraced()
        stackless.tasklet(a)()
        stackless.tasklet(b)()
        stackless.run()
        self.assertEqual(events, [('call', 'traced_a'), ('call', 'traced_b')])
        self.assertEqual(seen, [('b', None), ('a', True)])
        self.assertIs(sys.gettrace(), self.saved_trace)

    def test_new_tasklet_starts_untraced(self):
        events = []
        tracer = self.make_tracer(events)
        seen = []

        def in_tasklet():
            pass

        def f():
            seen.append(sys.gettrace())
            in_tasklet()
        stackless.tasklet(f)()
        sys.settrace(tracer)
        try:
            stackless.schedule()
            self.assertIs(sys.gettrace(), tracer)
        finally:
            sys.settrace(self.saved_trace)
        self.assertEqual(seen, [None])
        self.assertNotIn(('call', 'in_tasklet'), events)
        self.assertNotIn(('call', 'f'), events)

    @requires_hard_switch
    def test_line_events_of_one_tasklet_only(self):
        events = []
        tracer = self.make_tracer(events, kinds=('line',))

        def body():
            x = 1
            stackless.schedule()
            x = 2
            stackless.schedule()
            x = 3
            return x

        def traced():
            # like a debugger: trace the frames called from here on
            sys.settrace(tracer)
            body()
            sys.settrace(None)

        def other():
            y = 1
            stackless.schedule()
            y = 2
            stackless.schedule()
            return y
        stackless.tasklet(traced)()
        stackless.tasklet(other)()
        stackless.run()
        first = body.__code__.co_firstlineno
        # every line of body(), also those after each switch, and nothing
        # of the other tasklet
        self.assertEqual([(name, line - first) for name, line in events],
                         [('body', n) for n in range(1, 7)])

    def test_trace_function_attribute(self):
        events = []
        tracer = self.make_tracer(events)
        main = stackless.main
        self.assertIs(main.trace_function, sys.gettrace())
        main.trace_function = tracer
        try:
            self.assertIs(sys.gettrace(), tracer)
            self.assertIs(main.trace_function, tracer)
        finally:
            main.trace_function = self.saved_trace
        self.assertIs(sys.gettrace(), self.saved_trace)

    @requires_hard_switch
    def test_set_trace_function_of_other_tasklet(self):
        events = []
        tracer = self.make_tracer(events)

        def callee():
            pass

        def f():
            callee()
            stackless.schedule()
            callee()
        t = stackless.tasklet(f)()
        self.assertIsNone(t.trace_function)
        t.trace_function = tracer
        self.assertIs(t.trace_function, tracer)
        stackless.schedule()
        self.assertIs(sys.gettrace(), self.saved_trace)
        self.assertIs(t.trace_function, tracer)
        self.assertEqual(events, [('call', 'f'), ('call', 'callee')])
        t.trace_function = None
        stackless.run()
        self.assertEqual(len(events), 2)
        self.assertState(t, DEAD)

    @requires_hard_switch
    def test_suspended_tasklet_reports_its_tracer(self):
        events = []
        tracer = self.make_tracer(events)

        def f():
            sys.settrace(tracer)
            stackless.schedule()
            sys.settrace(None)
        t = stackless.tasklet(f)()
        stackless.schedule()
        self.assertIs(t.trace_function, tracer)
        self.assertIs(sys.gettrace(), self.saved_trace)
        stackless.run()

    def test_not_alive(self):
        def tracer(*args):
            pass
        t = stackless.tasklet()
        with self.assertRaises(RuntimeError) as cm:
            t.trace_function = tracer
        self.assertEqual(str(cm.exception), 'tasklet is not alive')
        with self.assertRaises(RuntimeError) as cm:
            t.profile_function = tracer
        self.assertEqual(str(cm.exception), 'tasklet is not alive')
        # None is fine
        t.trace_function = None
        t.profile_function = None
        self.assertIsNone(t.trace_function)
        self.assertIsNone(t.profile_function)

    @requires_hard_switch
    def test_setprofile_per_tasklet(self):
        events = []

        def profiler(frame, event, arg):
            if event == 'call':
                events.append(frame.f_code.co_name)

        def profiled():
            pass

        def unprofiled():
            pass

        def a():
            sys.setprofile(profiler)
            stackless.schedule()
            profiled()
            sys.setprofile(None)

        def b():
            seen.append(sys.getprofile())
            unprofiled()
        seen = []
        stackless.tasklet(a)()
        stackless.tasklet(b)()
        stackless.run()
        self.assertEqual(events, ['profiled'])
        self.assertEqual(seen, [None])
        self.assertIs(sys.getprofile(), self.saved_profile)

    def test_profile_function_attribute(self):
        events = []

        def profiler(frame, event, arg):
            if event == 'call':
                events.append(frame.f_code.co_name)

        def callee():
            pass

        def f():
            seen.append(sys.getprofile() is profiler)
            callee()
        seen = []
        t = stackless.tasklet(f)()
        t.profile_function = profiler
        self.assertIs(t.profile_function, profiler)
        stackless.run()
        self.assertEqual(seen, [True])
        self.assertEqual(events, ['f', 'callee'])
        main = stackless.main
        main.profile_function = profiler
        try:
            self.assertIs(sys.getprofile(), profiler)
        finally:
            main.profile_function = self.saved_profile


class RecursionDepthTest(StacklessTestCase):

    def test_depth_per_tasklet(self):
        seen = []

        def rec(n):
            if n:
                return rec(n - 1)
            stackless.schedule()

        def a():
            rec(50)

        def b():
            seen.append(stackless.current.recursion_depth)
        ta = stackless.tasklet(a)()
        tb = stackless.tasklet(b)()
        main_depth = stackless.main.recursion_depth
        stackless.schedule()
        # a() plus 51 calls of rec()
        self.assertEqual(ta.recursion_depth, 52)
        self.assertEqual(seen, [1])
        self.assertEqual(stackless.main.recursion_depth, main_depth)
        stackless.run()
        self.assertState(tb, DEAD)

    def test_limit_applies_per_tasklet(self):
        # main is deep in recursion; a new tasklet still has (nearly) the
        # whole recursion limit for itself
        limit = sys.getrecursionlimit()
        result = []

        def rec(n):
            if n:
                return rec(n - 1)
            return 'bottom'

        def deep_tasklet():
            result.append(rec(limit // 2))

        def main_deep(n):
            if n:
                return main_deep(n - 1)
            stackless.tasklet(deep_tasklet)()
            stackless.run()
        main_deep(limit // 2 + 50)
        self.assertEqual(result, ['bottom'])

    def test_recursion_error_in_tasklet(self):
        result = []

        def endless():
            return endless()

        def f():
            try:
                endless()
            except RecursionError:
                result.append('recursion error')
            result.append(stackless.current.recursion_depth)
        stackless.tasklet(f)()
        stackless.run()
        self.assertEqual(result, ['recursion error', 1])


class ContextVarsTest(StacklessTestCase):

    def setUp(self):
        super().setUp()
        self.var = contextvars.ContextVar('var', default='default')

    def test_new_tasklet_copies_creators_context(self):
        var = self.var
        token = var.set('main')
        try:
            seen = []

            def f():
                seen.append(var.get())
                var.set('tasklet')
                stackless.schedule()
                seen.append(var.get())
            stackless.tasklet(f)()
            # changed after creation: the copy was already made
            var.set('main later')
            stackless.schedule()
            self.assertEqual(var.get(), 'main later')
            stackless.run()
            self.assertEqual(seen, ['main', 'tasklet'])
            self.assertEqual(var.get(), 'main later')
        finally:
            var.reset(token)

    def test_set_not_seen_by_other_tasklet(self):
        var = self.var
        seen = []

        def a():
            var.set('a')
            stackless.schedule()
            seen.append(('a', var.get()))

        def b():
            seen.append(('b', var.get()))
            var.set('b')
            stackless.schedule()
            seen.append(('b2', var.get()))
        stackless.tasklet(a)()
        stackless.tasklet(b)()
        stackless.run()
        self.assertEqual(seen, [('b', 'default'), ('a', 'a'), ('b2', 'b')])
        self.assertEqual(var.get(), 'default')

    def test_tasklet_created_by_tasklet(self):
        var = self.var
        seen = []

        def child():
            seen.append(('child', var.get()))

        def parent():
            var.set('parent')
            stackless.tasklet(child)()
            var.set('parent later')
            stackless.schedule()
            seen.append(('parent', var.get()))
        stackless.tasklet(parent)()
        stackless.run()
        self.assertEqual(seen, [('child', 'parent'),
                                ('parent', 'parent later')])

    def test_context_is_a_copy(self):
        # changes of the creator's context after creation are not seen,
        # and the tasklet's changes do not flow back
        var = self.var
        ctx = contextvars.copy_context()
        seen = []

        def body():
            var.set('creator')
            t = stackless.tasklet(lambda: seen.append(var.get()))()
            var.set('creator changed')
            t.run()
            seen.append(var.get())
        ctx.run(body)
        self.assertEqual(seen, ['creator', 'creator changed'])
        self.assertEqual(ctx[var], 'creator changed')

    def test_decimal_localcontext(self):
        seen = []

        def a():
            with decimal.localcontext() as c:
                c.prec = 5
                stackless.schedule()
                seen.append(('a', decimal.getcontext().prec,
                             str(decimal.Decimal(1) / decimal.Decimal(3))))
            seen.append(('a after', decimal.getcontext().prec))

        def b():
            seen.append(('b', decimal.getcontext().prec))
            # (the decimal.Context object itself may be shared with the
            # creator; setcontext() binds a new one in this tasklet only)
            decimal.setcontext(decimal.Context(prec=3))
            stackless.schedule()
            seen.append(('b2', decimal.getcontext().prec))
        default = decimal.getcontext().prec
        stackless.tasklet(a)()
        stackless.tasklet(b)()
        stackless.run()
        self.assertEqual(seen, [('b', default), ('a', 5, '0.33333'),
                                ('a after', default), ('b2', 3)])
        self.assertEqual(decimal.getcontext().prec, default)

    def test_context_run(self):
        var = self.var
        main = stackless.main

        def f():
            var.set('t')
            stackless.schedule_remove()
            seen.append(var.get())
        seen = []
        t = stackless.tasklet(f, ())
        t.run()
        self.assertEqual(t.context_run(var.get), 't')
        self.assertEqual(var.get(), 'default')

        def g(*args, **kwargs):
            return (var.get(), args, kwargs)
        self.assertEqual(t.context_run(g, 1, 2, x=3),
                         ('t', (1, 2), {'x': 3}))
        # changes made through context_run are seen by the tasklet
        t.context_run(var.set, 'changed')
        self.assertEqual(var.get(), 'default')
        with self.assertRaises(ZeroDivisionError):
            t.context_run(lambda: 1 / 0)
        self.assertEqual(main.context_run(var.get), 'default')
        t.run()
        self.assertEqual(seen, ['changed'])

    def test_context_run_before_start(self):
        var = self.var
        token = var.set('at creation')
        try:
            t = stackless.tasklet(lambda: None, ())
            var.set('later')
            self.assertEqual(t.context_run(var.get), 'at creation')
            self.assertEqual(var.get(), 'later')
        finally:
            var.reset(token)
        t.run()

    def test_set_context(self):
        var = self.var
        ctx = contextvars.Context()
        ctx.run(var.set, 'ctx')
        seen = []

        def f():
            seen.append(var.get())
            var.set('f')
        t = stackless.tasklet(f)()
        t.set_context(ctx)
        stackless.run()
        self.assertEqual(seen, ['ctx'])
        # the tasklet ran in ctx itself, not in a copy
        self.assertEqual(ctx[var], 'f')
        self.assertEqual(var.get(), 'default')

    def test_set_context_of_suspended_tasklet(self):
        var = self.var
        ctx = contextvars.Context()
        ctx.run(var.set, 'new')
        seen = []

        def f():
            var.set('old')
            stackless.schedule()
            seen.append(var.get())
        t = stackless.tasklet(f)()
        stackless.schedule()
        t.set_context(ctx)
        self.assertEqual(t.context_run(var.get), 'new')
        stackless.run()
        self.assertEqual(seen, ['new'])

    def test_context_id(self):
        t1 = stackless.tasklet(lambda: None)
        t2 = stackless.tasklet(lambda: None)
        main = stackless.main
        for t in (t1, t2, main):
            self.assertIs(type(t.context_id), int)
        self.assertNotEqual(t1.context_id, t2.context_id)
        self.assertNotEqual(t1.context_id, main.context_id)
        c1 = contextvars.Context()
        c2 = contextvars.Context()
        t1.set_context(c1)
        t2.set_context(c2)
        self.assertNotEqual(t1.context_id, t2.context_id)
        t2.set_context(c1)
        self.assertEqual(t1.context_id, t2.context_id)
        # read-only
        with self.assertRaises((AttributeError, TypeError)):
            t1.context_id = 0

    def test_context_id_stable_across_switches(self):
        ids = []

        def f():
            ids.append(stackless.current.context_id)
            stackless.schedule()
            ids.append(stackless.current.context_id)
        t = stackless.tasklet(f)()
        stackless.schedule()
        ids.append(t.context_id)
        stackless.run()
        self.assertEqual(len(set(ids)), 1)


if __name__ == '__main__':
    unittest.main()
