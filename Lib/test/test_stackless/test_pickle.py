"""Pickling tasklets, channels, frames, generators, functions and code.

Reference: docs/reference.md section 18 (pickling) and the user guide's
"Pickling" chapter; the format decisions are docs/architecture.md D38-D40.
"""

import contextvars
import copy
import os
import pickle
import subprocess
import sys
import tempfile
import types
import unittest

import stackless
from stackless import _wrap

from . import pickle_programs
from .support import (StacklessTestCase, in_subprocess, child_env,
                      SUBPROCESS_TIMEOUT, state, PAUSED, DEAD,
                      requires_hard_switch)


def counter(n, out):
    while True:
        n += 1
        out.append(n)
        stackless.schedule()


def receiver(ch, out):
    while True:
        out.append(ch.receive())


def sender(ch, value):
    ch.send(value)
    return 'sent'


global_channel = None
trace_events = []
request_var = contextvars.ContextVar('request_var', default=None)


class Holder:
    # Not a module global: cannot be found by name.
    var = contextvars.ContextVar('Holder.var', default='default')


def uses_context(out):
    request_var.set('set in the tasklet')
    Holder.var.set('held')
    stackless.schedule()
    out.append((request_var.get(), Holder.var.get()))


def tracer(frame, event, arg):
    trace_events.append((frame.f_code.co_name, event))
    return tracer


def send_on_global():
    global_channel.send(1)


def in_except(out):
    try:
        raise KeyError('held')
    except KeyError:
        stackless.schedule()
        out.append(repr(sys.exception()))
    out.append(repr(sys.exception()))


def sort_with_switch(out):
    # The key function runs under sorted()'s C call: the switch is hard.
    def key(x):
        stackless.schedule()
        return x
    out.append(sorted([3, 1, 2], key=key))


def middle(a, *, b):
    stackless.schedule()
    return a + b


def calls_kw(out):
    out.append(middle(1, b=2))
    out.append(middle(*(3,), **{'b': 4}))


def soft(test):
    """Run `test` with soft switching on, whatever the suite's mode:
    only soft tasklets have frames that can be rebuilt."""
    def wrapper(self):
        old = stackless.enable_softswitch(True)
        try:
            test(self)
        finally:
            stackless.enable_softswitch(old)
    wrapper.__name__ = test.__name__
    return wrapper


def roundtrip(obj):
    return pickle.loads(pickle.dumps(obj))


class TaskletStateTest(StacklessTestCase):

    def test_current_is_refused(self):
        self.assertRaisesMessage(
            RuntimeError, "You cannot __reduce__ the tasklet which is "
            "current.", pickle.dumps, stackless.current)

    def test_state_tuple(self):
        t = stackless.tasklet()
        cls, args, st = t.__reduce__()
        self.assertIs(cls, stackless.tasklet)
        self.assertEqual(args, ())
        self.assertEqual(len(st), 8)
        self.assertEqual(st[3], [])
        self.assertEqual(t.__reduce_ex__(2), t.__reduce__())

    def test_unbound(self):
        t = roundtrip(stackless.tasklet())
        self.assertFalse(t.alive)
        self.assertIsNone(t.frame)

    def test_bound_not_set_up(self):
        out = []
        t = roundtrip(stackless.tasklet(out.append))
        self.assertFalse(t.alive)
        t.setup(5)
        t.run()
        # out was pickled with the bound method: the copy's list got it.
        self.assertEqual(out, [])

    def test_set_up_not_started(self):
        t = stackless.tasklet(sender)(stackless.channel(), 1)
        t2 = roundtrip(t)
        t.kill()
        self.assertTrue(t2.alive)
        self.assertFalse(t2.scheduled)
        ch = t2.__reduce__()[2][3][0].__reduce__()[2][1][0]
        self.assertIsInstance(ch, stackless.channel)

    def test_dead(self):
        t = stackless.tasklet(lambda: None)()
        t.run()
        self.assertFalse(t.alive)
        t2 = roundtrip(t)
        self.assertFalse(t2.alive)

    @soft
    def test_paused_continues(self):
        out = []
        t = stackless.tasklet(counter)(0, out)
        t.run()
        t.run()
        t.remove()
        self.assertTrue(t.restorable)
        t2, out2 = roundtrip((t, out))
        t.kill()
        self.assertEqual(state(t2), PAUSED)
        self.assertTrue(t2.restorable)
        self.assertEqual(t2.frame.f_code, counter.__code__)
        t2.run()
        t2.run()
        self.assertEqual(out2, [1, 2, 3, 4])
        t2.kill()

    @soft
    def test_blocked_receiver_comes_with_its_channel(self):
        out = []
        ch = stackless.channel()
        t = stackless.tasklet(receiver)(ch, out)
        t.run()
        for first in ('channel', 'tasklet'):
            with self.subTest(first=first):
                pair = (ch, t) if first == 'channel' else (t, ch)
                a, b = roundtrip((pair, out))[0]
                ch2, t2 = (a, b) if first == 'channel' else (b, a)
                out2 = t2.frame.f_locals['out']
                self.assertTrue(t2.blocked)
                self.assertEqual(ch2.balance, -1)
                ch2.send('x')
                self.assertEqual(out2, ['x'])
                t2.kill()
        t.kill()

    @soft
    def test_blocked_sender_keeps_its_value(self):
        ch = stackless.channel()
        t = stackless.tasklet(sender)(ch, 'payload')
        t.run()
        t2, ch2 = roundtrip((t, ch))
        self.assertEqual(ch2.balance, 1)
        self.assertEqual(ch2.receive(), 'payload')
        self.assertTrue(t2.scheduled)
        t2.run()
        self.assertFalse(t2.alive)
        t.kill()

    @soft
    def test_blocked_without_channel_is_paused(self):
        global global_channel
        global_channel = stackless.channel()
        t = stackless.tasklet(send_on_global)()
        t.run()
        flags = t.__reduce__()[2][0]
        self.assertEqual(flags & 3, 1)
        # Its channel is a global, by reference: not part of the pickle.
        t2 = roundtrip(t)
        self.assertFalse(t2.blocked)
        self.assertEqual(state(t2), PAUSED)
        t2.kill()
        t.kill()

    @soft
    def test_flags(self):
        t = stackless.tasklet(counter)(0, [])
        t.run()
        t.remove()
        t.block_trap = True
        t2 = roundtrip(t)
        self.assertTrue(t2.block_trap)
        t.kill()
        t2.kill()

    @soft
    def test_exception_being_handled(self):
        out = []
        t = stackless.tasklet(in_except)(out)
        t.run()
        t.remove()
        t2, out2 = roundtrip((t, out))
        t.kill()
        t2.run()
        self.assertEqual(out2, ["KeyError('held')", 'None'])

    @soft
    def test_calls_with_keywords_and_star_args(self):
        out = []
        t = stackless.tasklet(calls_kw)(out)
        t.run()
        t.remove()
        t2, out2 = roundtrip((t, out))
        t.kill()
        t2.insert()
        while t2.alive:
            stackless.schedule()
        self.assertEqual(out2, [3, 7])

    @requires_hard_switch
    def test_hard_switched_frames_load_invalid(self):
        out = []
        t = stackless.tasklet(sort_with_switch)(out)
        t.run()
        self.assertFalse(t.restorable)
        images = t.__reduce__()[2][3]
        self.assertTrue(images)
        self.assertTrue(all(not im.valid for im in images))
        self.assertIn('key', [im.f_code.co_name for im in images])
        t2 = roundtrip(t)
        t.kill()
        self.assertTrue(t2.alive)
        t2.insert()
        with self.assertRaisesRegex(
                RuntimeError, "cannot execute invalid frame with "
                "'sort_with_switch.<locals>.key'"):
            stackless.run()
        self.assertFalse(t2.alive)
        # ... and one that is never run can be killed.
        t3 = roundtrip(t)
        t3.kill()
        self.assertFalse(t3.alive)

    @requires_hard_switch
    def test_hard_blocked_tasklet_with_its_channel(self):
        # Blocked with C state: it loads paused, out of the channel that
        # came first, and raises when run.
        old = stackless.enable_softswitch(False)
        try:
            ch = stackless.channel()
            t = stackless.tasklet(receiver)(ch, [])
            t.run()
        finally:
            stackless.enable_softswitch(old)
        self.assertTrue(t.blocked)
        self.assertFalse(t.restorable)
        for pair in ((ch, t), (t, ch)):
            with self.subTest(first=type(pair[0]).__name__):
                a, b = roundtrip(pair)
                ch2, t2 = (a, b) if pair[0] is ch else (b, a)
                self.assertFalse(t2.blocked)
                self.assertEqual(ch2.balance, 0)
                self.assertTrue(t2.alive)
                t2.kill()
        t.kill()

    # The loaded tasklet switches with its tracer set.
    @requires_hard_switch
    @soft
    def test_tracing_state_only_when_asked(self):
        events = trace_events

        def callee():
            return 1

        def work():
            while True:
                callee()
                stackless.schedule()
        t = stackless.tasklet(work)()
        t.run()
        t.remove()
        t.trace_function = tracer
        old = stackless.pickle_flags()
        try:
            for flag, traced in ((0, False), (1, True)):
                with self.subTest(flag=flag):
                    stackless.pickle_flags(flag)
                    t2 = roundtrip(t)
                    self.assertIs(t2.trace_function,
                                  tracer if traced else None)
                    del events[:]
                    t2.run()
                    self.assertEqual(('callee', 'call') in events, traced)
                    t2.kill()
        finally:
            stackless.pickle_flags(old)
            t.kill()
        bad = (0, None, 0, [_wrap.cframe()], None, None, None, None)
        bad[3][0].__setstate__(('tracing', None, None))
        self.assertRaisesMessage(
            ValueError, "a tasklet's tracing state comes last, after its "
            "frames", stackless.tasklet().__setstate__, bad)

    @soft
    def test_context_variables_that_are_module_globals(self):
        out = []
        t = stackless.tasklet(uses_context)(out)
        t.run()
        t.remove()
        st = t.__reduce__()[2]
        self.assertEqual(st[8], [(__name__, 'request_var',
                                  'set in the tasklet')])
        t2, out2 = roundtrip((t, out))
        t.kill()
        t2.run()
        # Holder.var is not found by name: left out.
        self.assertEqual(out2, [('set in the tasklet', 'default')])
        self.assertIsNone(request_var.get())
        for cs in ('nonsense', [('os', 'sep', 1)], [(1, 2, 3)]):
            with self.subTest(context=cs):
                self.assertRaises(TypeError, stackless.tasklet().__setstate__,
                                  st[:8] + (cs,))

    def test_setstate_needs_a_new_tasklet(self):
        t = stackless.tasklet(counter)(0, [])
        st = t.__reduce__()[2]
        self.assertRaisesMessage(
            RuntimeError, 'only a new tasklet of this thread can be '
            'unpickled into', t.__setstate__, st)
        t.kill()

    def test_setstate_checks_its_argument(self):
        for bad in (None, (), (0,) * 7, (0, None, 0, 'no list', None, None,
                                        None, None)):
            with self.subTest(state=bad):
                self.assertRaises(TypeError,
                                  stackless.tasklet().__setstate__, bad)
        bad = (0, None, 0, [1], None, None, None, None)
        self.assertRaisesMessage(
            TypeError, 'tasklet unpickle needs list of frames last '
            'parameter.', stackless.tasklet().__setstate__, bad)
        bad = (0, None, 0, [], None, 'not an exception', None, None)
        self.assertRaises(TypeError, stackless.tasklet().__setstate__, bad)

    @soft
    def test_copy_and_deepcopy(self):
        out = []
        t = stackless.tasklet(counter)(10, out)
        t.run()
        t.remove()
        for make in (copy.copy, copy.deepcopy):
            with self.subTest(make=make.__name__):
                t2 = make(t)
                self.assertIsNot(t2, t)
                t2.run()
                t2.kill()
        t.kill()
        # The deep copy had its own list; the shallow one shared out.
        self.assertEqual(out, [11, 12])


class DeepTest(StacklessTestCase):

    @soft
    def test_100000_frames(self):
        # The frames are a flat list: no recursion in pickle or load.
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(200000)
        try:
            out = []
            t = stackless.tasklet(pickle_programs.descend)(100000, out)
            t.run()
            t.remove()
            self.assertTrue(t.restorable)
            t2, out2 = roundtrip((t, out))
            t.kill()
            self.assertEqual(len(t2.__reduce__()[2][3]), 100001)
            while t2.alive:
                t2.run()
            self.assertEqual(out2[0], 'bottom')
            self.assertEqual(len(out2), 1 + 100000 // 50)
        finally:
            sys.setrecursionlimit(old)


class FrameImageTest(StacklessTestCase):

    @soft
    def test_attributes(self):
        out = []
        t = stackless.tasklet(counter)(7, out)
        t.run()
        t.remove()
        (im,) = t.__reduce__()[2][3]
        self.assertIsInstance(im, _wrap.frame)
        self.assertTrue(im.valid)
        self.assertIs(im.f_code, counter.__code__)
        self.assertEqual(im.f_locals, {'n': 8, 'out': out})
        self.assertEqual(im.f_lineno, counter.__code__.co_firstlineno + 4)
        im2 = roundtrip(im)
        self.assertEqual(im2.f_locals, {'n': 8, 'out': [8]})
        self.assertIsNot(im2.f_locals['out'], out)
        t.kill()

    def test_blank_frame(self):
        im = _wrap.frame()
        self.assertFalse(im.valid)
        self.assertRaises(ValueError, im.__reduce__)
        self.assertRaises(TypeError, _wrap.frame, 1)

    @soft
    def test_reduce_frame_hook(self):
        t = stackless.tasklet(counter)(0, [])
        t.run()
        t.remove()
        seen = []

        def hook(im):
            seen.append(im)
            return im
        _wrap.set_reduce_frame(hook)
        try:
            data = pickle.dumps(t)
        finally:
            _wrap.set_reduce_frame(None)
        self.assertEqual(len(seen), 1)
        self.assertIsInstance(seen[0], _wrap.frame)
        pickle.dumps(t)
        self.assertEqual(len(seen), 1)
        self.assertRaises(TypeError, _wrap.set_reduce_frame, 5)
        pickle.loads(data).kill()
        t.kill()


def images_of(t):
    return [im.__reduce__()[2] for im in t.__reduce__()[2][3]]


@in_subprocess
class ValidationTest(StacklessTestCase):
    """Frame states that do not fit their code are refused on load."""

    def setUp(self):
        super().setUp()
        self.old_mode = stackless.enable_softswitch(True)
        self.out = []
        self.t = stackless.tasklet(counter)(0, self.out)
        self.t.run()
        self.t.remove()
        (self.state,) = images_of(self.t)

    def tearDown(self):
        self.t.kill()
        stackless.enable_softswitch(self.old_mode)
        super().tearDown()

    def load(self, st):
        im = _wrap.frame()
        im.__setstate__(st)
        t = stackless.tasklet()
        t.__setstate__((0, None, 0, [im], None, None, None, None))
        return t

    def replaced(self, i, value):
        st = list(self.state)
        st[i] = value
        return tuple(st)

    def test_the_original_loads(self):
        t = self.load(self.state)
        t.run()
        t.kill()
        # The state shares `out` (it was not pickled): both ran once.
        self.assertEqual(self.out, [1, 2])

    def test_offsets(self):
        code = counter.__code__
        n = len(code.co_code) // 2
        for off in (-1, 0, 1, 2, 3, n - 1, n, 10 ** 6, 2 ** 40):
            with self.subTest(offset=off):
                self.assertRaises((ValueError, OverflowError), self.load,
                                  self.replaced(3, off))

    def test_sizes(self):
        values = self.state[5]
        for vals in ((), values[:-1], values + (None,), values * 10):
            with self.subTest(n=len(vals)):
                self.assertRaisesMessage(ValueError,
                                         'invalid localsplus for frame',
                                         self.load, self.replaced(5, vals))

    def test_null_where_a_local_is_read(self):
        # n is read by LOAD_FAST after the resumption point: it must be set.
        self.assertRaisesMessage(ValueError,
                                 'frame local does not fit its code',
                                 self.load, self.replaced(6, (0,)))

    def test_nulls_out_of_order_or_range(self):
        for nulls in ((1, 0), (99,), (-1,), ('x',), (0, 0)):
            with self.subTest(nulls=nulls):
                self.assertRaises(ValueError, self.load,
                                  self.replaced(6, nulls))

    def test_types(self):
        for i, value in ((0, None), (0, 'func'), (1, 'code'), (2, 7),
                         (2, 'x'), (5, [1]), (6, [0])):
            with self.subTest(item=i, value=value):
                self.assertRaises((TypeError, ValueError), self.load,
                                  self.replaced(i, value))
        self.assertRaises(TypeError, self.load, self.state[:6])

    def test_iterator_slot(self):
        def loop(out):
            for x in range(3):
                out.append(x)
                stackless.schedule()
        t = stackless.tasklet(loop)([])
        t.run()
        t.remove()
        (st,) = images_of(t)
        t.kill()
        values = st[5]
        self.assertEqual(type(values[-1]).__name__, 'range_iterator')
        for bad in (5, None, [1, 2], object()):
            with self.subTest(bad=bad):
                st2 = st[:5] + (values[:-1] + (bad,),) + st[6:]
                self.assertRaisesMessage(
                    ValueError, 'frame stack slot does not fit its code',
                    self.load, st2)
        st2 = st[:5] + (values[:-1] + (iter('ab'),),) + st[6:]
        t2 = self.load(st2)
        t2.kill()

    def test_cell_slot(self):
        def outer(out):
            x = 1

            def inner():
                return x
            stackless.schedule()
            out.append(inner())
        t = stackless.tasklet(outer)([])
        t.run()
        t.remove()
        (st,) = images_of(t)
        t.kill()
        i = outer.__code__.co_varnames.index('inner') + 1
        values = st[5]
        self.assertIsInstance(values[i], types.CellType)
        st2 = st[:5] + (values[:i] + (5,) + values[i + 1:],) + st[6:]
        self.assertRaisesMessage(ValueError,
                                 'frame local does not fit its code',
                                 self.load, st2)

    def test_invalid_kind_cannot_run(self):
        st = self.replaced(2, 0)
        t = self.load(st)
        t.insert()
        self.assertRaises(RuntimeError, stackless.run)


class CodeByValueTest(StacklessTestCase):

    def test_lambda_and_closure(self):
        def make(k):
            def mul(x):
                return x * k
            return mul
        f = roundtrip(make(3))
        self.assertEqual(f(2), 6)
        self.assertEqual(f.__qualname__, make(3).__qualname__)
        g = roundtrip(lambda a, b=2, *, c=3: a + b + c)
        self.assertEqual(g(1), 6)
        self.assertEqual(g.__kwdefaults__, {'c': 3})

    def test_self_referential_closure(self):
        def fact(n):
            return 1 if n <= 1 else n * fact(n - 1)
        self.assertEqual(roundtrip(fact)(5), 120)

    def test_function_attributes(self):
        def f(x: int) -> str:
            return str(x)
        f.tag = 'kept'
        g = roundtrip(f)
        self.assertEqual(g.tag, 'kept')
        self.assertEqual(g.__annotations__, {'x': int, 'return': str})
        self.assertEqual(g.__module__, f.__module__)
        self.assertIs(g.__globals__, f.__globals__)

    def test_module_level_function_by_reference(self):
        data = pickle.dumps(counter)
        self.assertNotIn(b'_wrap', data)
        self.assertIs(pickle.loads(data), counter)

    def test_pure_python_pickler_falls_back_too(self):
        import io
        buf = io.BytesIO()
        pickle._Pickler(buf).dump(lambda: 42)
        self.assertEqual(pickle.loads(buf.getvalue())(), 42)

    def test_code_is_checked(self):
        code = (lambda: 1).__code__
        rd = _wrap.reduce_code(code)
        self.assertEqual(rd[0], _wrap.code)
        args = list(rd[1])
        self.assertEqual(_wrap.code(*args).co_code, code.co_code)
        # LOAD_CONST with an index past the constants
        bad = bytearray(code.co_code)
        i = bad.index(bytes([__import__('opcode').opmap['RETURN_CONST']]))
        bad[i + 1] = 200
        args[7] = bytes(bad)
        self.assertRaisesRegex(ValueError, 'constant index out of range',
                               _wrap.code, *args)
        # "yield from" with nothing below: gi_yieldfrom would read past
        # the stack.
        def gen():
            yield 1
        g = bytearray(gen.__code__.co_code)
        g[g.index(__import__('opcode').opmap['YIELD_VALUE']) + 1] = 1
        self.assertRaisesRegex(
            ValueError, 'stack underflow', _wrap.check_code,
            gen.__code__.replace(co_code=bytes(g)))

    def test_fuzz_findings(self):
        # Each of these mutations of a real pickle's bytecode crashed the
        # interpreter before the check refused it (make fuzz-pickle).
        import opcode
        op = opcode.opmap

        def loop(out, n):
            for i in range(n):
                out.append(i + n)
            while n:
                n -= 1
            return out
        args = list(_wrap.reduce_code(loop.__code__)[1])
        code = bytes(args[7])
        units = [code[k:k + 2] for k in range(0, len(code), 2)]

        def mutated(at, new_op, new_arg=None):
            b = bytearray(code)
            b[2 * at] = new_op
            if new_arg is not None:
                b[2 * at + 1] = new_arg
            a = list(args)
            a[7] = bytes(b)
            return a

        def first(name):
            return next(k for k, u in enumerate(units) if u[0] == op[name])
        cases = [
            # an operator table indexed out of its bounds
            (mutated(first('BINARY_OP'), op['BINARY_OP'], 231),
             'no such binary operator'),
            # a backward jump to before the first instruction
            (mutated(first('JUMP_BACKWARD'), op['JUMP_BACKWARD'], 250),
             'jump to no instruction'),
            # the instruction after END_FOR, reached when a generator run
            # by FOR_ITER returns
            (mutated(first('END_FOR') + 1, op['MATCH_CLASS'], 0),
             'stack underflow'),
            # an instrumented opcode: CPython's code constructor trusts it
            (mutated(first('RESUME'), 254, 0),
             'not an instruction of this version'),
            # an extension of zero (asserted against in a debug build)
            (mutated(first('RESUME'), op['EXTENDED_ARG'], 0),
             'EXTENDED_ARG 0'),
        ]
        for a, message in cases:
            with self.subTest(message=message):
                self.assertRaisesRegex(ValueError, message, _wrap.code, *a)

        # A return with a value left below (a debug build asserts the
        # stack is empty): the POP_TOP of `a;` made a NOP.
        def ret(a):
            a
            return a
        b = bytearray(ret.__code__.co_code)
        b[b.index(op['POP_TOP'])] = op['NOP']
        self.assertRaisesRegex(
            ValueError, 'return with values left on the stack',
            _wrap.check_code, ret.__code__.replace(co_code=bytes(b),
                                                   co_stacksize=2))

    def test_other_bytecode_version(self):
        args = list(_wrap.reduce_code((lambda: 1).__code__)[1])
        args[0] = b'\x00\x00\r\n'
        self.assertRaisesRegex(ValueError, 'bytecode of another version',
                               _wrap.code, *args)

    def test_bad_line_table(self):
        args = list(_wrap.reduce_code((lambda: 1).__code__)[1])
        args[15] = args[15][:-1]
        self.assertRaisesMessage(ValueError, 'invalid line table for code',
                                 _wrap.code, *args)

    def test_strict_mode_refuses_code_by_value(self):
        data = pickle.dumps(lambda: 1)
        old = stackless.pickle_flags()
        try:
            stackless.pickle_flags(stackless.PICKLEFLAGS_CODE_BY_REFERENCE,
                                   stackless.PICKLEFLAGS_CODE_BY_REFERENCE)
            self.assertRaisesRegex(ValueError, 'code by value is refused',
                                   pickle.loads, data)
            self.assertRaisesRegex(ValueError, 'code by value is refused',
                                   pickle.dumps, lambda: 2)
            self.assertIs(pickle.loads(pickle.dumps(counter)), counter)
        finally:
            stackless.pickle_flags(old)

    def test_dict_views_and_bombs(self):
        d = {'a': 1}
        keys, values, items = roundtrip((d.keys(), d.values(), d.items()))
        self.assertEqual((list(keys), list(values), list(items)),
                         (['a'], [1], [('a', 1)]))
        self.assertRaises(ValueError, _wrap.dict_view, d, 'other')
        b = roundtrip(stackless.bomb(KeyError, KeyError('x'), None))
        self.assertIs(b.type, KeyError)
        self.assertEqual(b.value.args, ('x',))

    def test_cells_and_modules(self):
        c = types.CellType()
        self.assertRaises(ValueError, getattr, roundtrip(c), 'cell_contents')
        c.cell_contents = [1]
        self.assertEqual(roundtrip(c).cell_contents, [1])
        self.assertIs(roundtrip(os), os)
        m = types.ModuleType('not_imported')
        m.x = 5
        m2 = roundtrip(m)
        self.assertEqual((m2.__name__, m2.x), ('not_imported', 5))


class CheckCodeTest(StacklessTestCase):
    """Every code object the compiler makes passes the check, except the
    scopes of PEP 695 type parameters (docs/architecture.md D38)."""

    def test_standard_library(self):
        import glob
        root = os.path.dirname(os.__file__)
        files = sorted(glob.glob(os.path.join(root, '*.py')))
        files += sorted(glob.glob(os.path.join(root, 'asyncio', '*.py')))
        files += sorted(glob.glob(os.path.join(root, 'test', 'test_g*.py')))
        self.assertGreater(len(files), 200)
        checked = refused = 0

        def walk(co):
            yield co
            for c in co.co_consts:
                if isinstance(c, types.CodeType):
                    yield from walk(c)
        for path in files:
            with open(path, encoding='utf-8') as f:
                try:
                    top = compile(f.read(), path, 'exec')
                except SyntaxError:
                    continue
            for co in walk(top):
                try:
                    _wrap.check_code(co)
                    checked += 1
                except ValueError:
                    self.assertIn('<generic parameters of', co.co_qualname)
                    refused += 1
        self.assertGreater(checked, 10000)

    def test_resumption_points(self):
        def f(it, ch):
            for x in it:
                ch.send([x for _ in it])
        points = {p[0]: p for p in _wrap._code_points(f.__code__)}
        calls = [p for p in points.values() if p[1] == 53]     # CALL
        self.assertTrue(calls)
        gen = [p for p in _wrap._code_points(pickle_programs.numbers.__code__)
               if p[3] != -100]
        self.assertEqual([p[3] for p in gen], [-3, -2, -2])


class GeneratorTest(StacklessTestCase):

    def test_suspended_generator(self):
        g = pickle_programs.numbers(4)
        self.assertEqual(next(g), 0)
        g2 = roundtrip(g)
        self.assertEqual(g2.send('y'), ('echo', 'y'))
        self.assertEqual(list(g2), [1, 2, 3])
        self.assertEqual(list(g), [1, 2, 3])

    def test_new_and_exhausted(self):
        g = pickle_programs.numbers(2)
        self.assertEqual(list(roundtrip(g)), [0, 1])
        self.assertEqual(list(g), [0, 1])
        g3 = roundtrip(g)
        self.assertEqual(list(g3), [])
        self.assertEqual(g3.__name__, 'numbers')

    def test_yield_from(self):
        g = pickle_programs.chained(3)
        self.assertEqual([next(g), next(g)], ['start', 0])
        self.assertEqual(list(roundtrip(g)), [1, 2, ('end', None)])

    def test_coroutine(self):
        out = []
        c = pickle_programs.coro_body(out)
        self.assertEqual(c.send(None), 'step')
        c2, out2 = roundtrip((c, out))
        c.close()
        c2.send(5)
        c2.send(6)
        with self.assertRaises(StopIteration) as cm:
            c2.send(7)
        self.assertEqual(cm.exception.value, 18)
        self.assertEqual(out2, [('coro', 5), ('coro', 11), ('coro', 18)])

    def test_async_generator_finalizer_flags(self):
        async def agen():
            for i in range(3):
                yield i

        seen = []

        def firstiter(g):
            seen.append('firstiter')

        def finalizer(g):
            seen.append('finalizer')
        old_hooks = sys.get_asyncgen_hooks()
        old_flags = stackless.pickle_flags()
        sys.set_asyncgen_hooks(firstiter=firstiter, finalizer=finalizer)
        try:
            g = agen()
            with self.assertRaises(StopIteration):
                g.__anext__().send(None)
            self.assertEqual(seen, ['firstiter'])
            for flags, stored, at_load in (
                    (0, (True, 1, 0), ['firstiter']),
                    (stackless.PICKLEFLAGS_PRESERVE_AG_FINALIZER,
                     (finalizer, 1, 0), []),
                    (stackless.PICKLEFLAGS_RESET_AG_FINALIZER,
                     (None, 0, 0), [])):
                with self.subTest(flags=flags):
                    stackless.pickle_flags(flags)
                    # (finalizer, hooks, closed); running follows
                    self.assertEqual(_wrap.reduce_generator(g)[1][0][5:8],
                                     stored)
                    del seen[:]
                    g2 = roundtrip(g)
                    self.assertEqual(seen, at_load)
                    with self.assertRaises(StopIteration) as cm:
                        g2.__anext__().send(None)
                    self.assertEqual(cm.exception.value, 1)
                    g2.aclose().close()
        finally:
            stackless.pickle_flags(old_flags)
            sys.set_asyncgen_hooks(*old_hooks)

    def test_coroutine_in_async_for(self):
        # Suspended while an async generator it iterates awaits: the
        # asend() awaitable on its stack pickles with the generator.
        async def agen():
            for i in range(3):
                got = await pickle_programs.Step()
                yield (i, got)

        async def consumer(out):
            async for v in agen():
                out.append(v)
            return 'done'
        out = []
        c = consumer(out)
        self.assertEqual(c.send(None), 'step')
        c2, out2 = roundtrip((c, out))
        c.close()
        with self.assertRaises(StopIteration) as cm:
            for v in range(1, 10):
                c2.send(v)
        self.assertEqual(cm.exception.value, 'done')
        self.assertEqual(out2, [(0, 1), (1, 2), (2, 3)])

    def test_asend_and_athrow_awaitables(self):
        async def agen():
            yield 1
        g = agen()
        for make in (lambda: g.asend(None), lambda: g.asend(5),
                     g.__anext__, g.aclose, lambda: g.athrow(KeyError)):
            a = make()
            helper, args = _wrap.reduce_agen_awaitable(a)
            a2 = helper(*args)
            self.assertIs(type(a2), type(a))
            self.assertEqual(_wrap.reduce_agen_awaitable(a2)[1][1:],
                             args[1:])
            a.close()
            a2.close()
        for bad in ((g, 'x', 0), (g, None, 7), (g, (1, 2), 0), (1, None, 0)):
            with self.subTest(bad=bad):
                self.assertRaises(ValueError, _wrap.async_generator_asend,
                                  *bad)
        self.assertRaises(ValueError, _wrap.async_generator_athrow,
                          g, [KeyError], 0)

    def test_generator_state_is_checked(self):
        g = pickle_programs.numbers(3)
        next(g)
        helper, (st,) = _wrap.reduce_generator(g)
        fs = st[3]
        for bad in (fs[:3] + (0,) + fs[4:], fs[:2] + (1,) + fs[3:]):
            with self.subTest(bad=bad[2:4]):
                self.assertRaises(ValueError, helper,
                                  st[:3] + (bad,) + st[4:])
        self.assertRaises(TypeError, helper, st[:3] + (fs, 'no exception'))
        self.assertRaises(TypeError, helper, 'nonsense')


def resume_in_child(data):
    with tempfile.NamedTemporaryFile(suffix='.pkl', delete=False) as f:
        f.write(data)
    try:
        proc = subprocess.run(
            [sys.executable, '-X', 'faulthandler', '-m',
             'test.test_stackless.pickle_programs', 'resume', f.name],
            capture_output=True, text=True, env=child_env(),
            timeout=SUBPROCESS_TIMEOUT)
    finally:
        os.unlink(f.name)
    return proc


class DifferentialTest(StacklessTestCase):
    """Each program of pickle_programs runs straight and, for every round
    k, runs k rounds, is pickled, and resumes in a fresh process: the
    output must be the same."""

    @soft
    def test_programs(self):
        for name in pickle_programs.PROGRAMS:
            straight = pickle_programs.run_straight(name)
            k = 0
            while True:
                tasklets, out = pickle_programs.start(name)
                done = pickle_programs.run_rounds(k) < k
                if done or not pickle_programs.rounds_left():
                    break
                data = pickle_programs.dump_world(tasklets, out)
                for t in tasklets:
                    t.kill()
                with self.subTest(program=name, round=k):
                    proc = resume_in_child(data)
                    self.assertEqual(proc.returncode, 0, proc.stderr)
                    self.assertEqual(proc.stdout.strip(), repr(straight))
                k += 1
            self.assertGreater(k, 0, name)


class FuzzTest(StacklessTestCase):
    """A quick pass of pickle_fuzz: mutated pickles and mutated loader
    input, loaded and run in a child; any crash or hang fails.  `make
    fuzz-pickle` runs many more."""

    def test_mutated_pickles(self):
        env = child_env()
        # A mutated size makes pickle's own loader ask for terabytes: let
        # AddressSanitizer's malloc fail (MemoryError) as libc's does.
        env['ASAN_OPTIONS'] = (env.get('ASAN_OPTIONS', '')
                               + ':allocator_may_return_null=1'
                               + ':max_allocation_size_mb=4096')
        for seed in (1, 2):
            with self.subTest(seed=seed):
                proc = subprocess.run(
                    [sys.executable, '-X', 'faulthandler', '-m',
                     'test.test_stackless.pickle_fuzz', str(seed), '250'],
                    capture_output=True, text=True, env=env,
                    timeout=SUBPROCESS_TIMEOUT)
                last = proc.stdout.strip().splitlines()[-1:]
                self.assertEqual(proc.returncode, 0,
                                 '%s\n%s' % (last, proc.stderr[-3000:]))
                self.assertTrue(last and last[0].startswith('done 250'),
                                last)


if __name__ == '__main__':
    unittest.main()
