"""Calling conventions: every public callable of the module has a text
signature (inspect.signature and help() work), its parameters have the
names of the reference signatures, keywords are accepted where those
allow them, and wrong calls get CPython's own wording (user guide,
"Calling conventions")."""

import inspect
import re
import unittest

import stackless

from .support import StacklessTestCase


# name -> the signature inspect must report (self and module left out).
EXPECTED = {
    # module functions
    'getcurrent': '()',
    'getmain': '()',
    'getruncount': '()',
    'getcurrentid': '()',
    'schedule': '(retval=None)',
    'schedule_remove': '(retval=None)',
    'select': '(ops, block=True)',
    'run': '(timeout=0, threadblock=False, soft=False, '
           'ignore_nesting=False, totaltimeout=False, *, budget=None)',
    'get_thread_info': '(thread_id=-1, flags=0, /)',
    'switch_trap': '(change=0)',
    'set_schedule_callback': '(callable, /)',
    'get_schedule_callback': '()',
    'set_channel_callback': '(callable, /)',
    'get_channel_callback': '()',
    'set_error_handler': '(handler=None, /)',
    'enable_softswitch': '(flag, /)',
    'pickle_flags': '(new_flags=-1, mask=-1)',
    'pickle_flags_default': '(new_default=-1, mask=-1)',
    'getdebug': '()',
    'getuncollectables': '()',
    'getthreads': '()',
    # classes
    'tasklet': '(func=None, args=None, kwargs=None)',
    'channel': '(*args, **kwargs)',
    'atomic': '(*args, **kwargs)',
    'bomb': '(type=None, value=None, traceback=None)',
    # tasklet methods
    'tasklet.bind': '(func=None, args=None, kwargs=None)',
    'tasklet.setup': '(*args, **kwargs)',
    'tasklet.insert': '()',
    'tasklet.remove': '()',
    'tasklet.run': '()',
    'tasklet.switch': '()',
    'tasklet.kill': '(pending=False)',
    'tasklet.throw': '(exc=None, val=None, tb=None, pending=False)',
    'tasklet.raise_exception': '(exc_class, /, *args)',
    'tasklet.set_atomic': '(flag)',
    'tasklet.set_ignore_nesting': '(flag)',
    'tasklet.bind_thread': '(thread_id=-1, /)',
    'tasklet.set_context': '(context)',
    'tasklet.context_run': '(callable, /, *args, **kwargs)',
    'tasklet.__reduce__': '()',
    'tasklet.__reduce_ex__': '(protocol, /)',
    'tasklet.__setstate__': '(state, /)',
    # channel methods
    'channel.send': '(value)',
    'channel.receive': '()',
    'channel.send_exception': '(exc, /, *args)',
    'channel.send_throw': '(exc, val=None, tb=None, /)',
    'channel.send_sequence': '(seq)',
    'channel.close': '()',
    'channel.open': '()',
    'channel.__reduce__': '()',
    'channel.__reduce_ex__': '(protocol, /)',
    'channel.__setstate__': '(state, /)',
    # the rest
    'bomb.__reduce__': '()',
    'atomic.__enter__': '()',
    'atomic.__exit__': '(exc_type, exc_value, traceback, /)',
}


def public_callables():
    """Every callable the module offers, by dotted name: its functions,
    its classes and the methods those define themselves."""
    found = {}
    for name, value in vars(stackless).items():
        if name.startswith('_') or not callable(value):
            continue
        if isinstance(value, type):
            if value.__module__ != 'stackless' or name == 'TaskletExit':
                continue
            found[name] = value
            for attr, member in vars(value).items():
                if attr.startswith('__') and attr not in (
                        '__reduce__', '__reduce_ex__', '__setstate__',
                        '__enter__', '__exit__'):
                    continue
                if callable(member) and not isinstance(member, type):
                    found['%s.%s' % (name, attr)] = getattr(value, attr)
        else:
            found[name] = value
    return found


class SignatureTest(StacklessTestCase):

    def test_every_callable_is_listed(self):
        self.assertEqual(sorted(public_callables()), sorted(EXPECTED))

    def test_signatures(self):
        for name, obj in public_callables().items():
            with self.subTest(name=name):
                sig = inspect.signature(obj)
                params = list(sig.parameters.values())
                if params and params[0].name in ('self', 'module') and (
                        '.' in name):
                    params = params[1:]
                text = str(sig.replace(parameters=params))
                self.assertEqual(text, EXPECTED[name])

    def test_help_works(self):
        for name, obj in public_callables().items():
            with self.subTest(name=name):
                doc = inspect.getdoc(obj)
                self.assertTrue(doc, name)
                self.assertNotIn('--\n', doc)


class KeywordTest(StacklessTestCase):
    """Keywords work where the signatures allow them, also on the calls
    that may switch softly."""

    def test_channel_send_by_keyword(self):
        ch = stackless.channel()
        got = []
        stackless.tasklet(lambda: got.append(ch.receive()))()
        stackless.run()
        ch.send(value='v')
        self.assertEqual(got, ['v'])

    def test_schedule_retval(self):
        def f():
            pass
        stackless.tasklet(f)()
        self.assertEqual(stackless.schedule(retval=5), 5)
        t = stackless.tasklet(lambda: stackless.schedule_remove(retval=1))()
        t.run()
        self.assertTrue(t.paused)
        t.kill()

    def test_run_keywords(self):
        log = []
        stackless.tasklet(log.append)(1)
        self.assertIsNone(stackless.run(timeout=0, threadblock=False,
                                        soft=False, ignore_nesting=False,
                                        totaltimeout=False))
        self.assertEqual(log, [1])

    def test_throw_and_kill_keywords(self):
        def sleeper():
            try:
                stackless.schedule_remove()
            except KeyError as e:
                return e
        t = stackless.tasklet(sleeper)()
        t.run()
        t.throw(exc=KeyError, val=('k',), tb=None, pending=True)
        self.assertTrue(t.scheduled)
        stackless.run()
        self.assertFalse(t.alive)
        t = stackless.tasklet(sleeper)()
        t.run()
        t.kill(pending=False)
        self.assertFalse(t.alive)

    def test_other_keywords(self):
        t = stackless.tasklet()
        self.assertIs(t.bind(func=len, args=('ab',), kwargs=None), t)
        self.assertFalse(t.set_atomic(flag=True))
        self.assertTrue(t.set_atomic(flag=False))
        self.assertFalse(t.set_ignore_nesting(flag=0))
        self.assertEqual(stackless.switch_trap(change=0), 0)
        self.assertEqual(stackless.pickle_flags(new_flags=-1, mask=-1), 0)
        old = stackless.pickle_flags_default(new_default=-1)
        self.assertEqual(stackless.pickle_flags_default(), old)
        ch = stackless.channel()
        self.assertEqual(ch.send_sequence(seq=[]), 0)
        import contextvars
        ctx = contextvars.Context()
        self.assertIs(t.set_context(context=ctx), t)
        t.bind(None)


class WrongCallTest(StacklessTestCase):
    """Wrong calls raise TypeError with CPython's wording for the kind
    of callable, and change nothing."""

    def check(self, func, message, *args, **kwargs):
        with self.assertRaises(TypeError) as cm:
            func(*args, **kwargs)
        # CPython names a callable with or without its class or module,
        # depending on the path the call took.
        got = re.sub(r'^(stackless\.|channel\.|tasklet\.)+', '',
                     str(cm.exception))
        self.assertEqual(got, message)

    def test_messages(self):
        ch = stackless.channel()
        t = stackless.tasklet()
        self.check(ch.send, 'send() takes at most 1 argument (2 given)',
                   1, 2)
        self.check(ch.send, "send() missing required argument 'value' "
                   "(pos 1)")
        self.check(ch.receive, 'receive() takes no arguments (1 given)', 1)
        self.check(ch.receive, 'receive() takes no keyword arguments', x=1)
        self.check(t.kill, 'kill() takes at most 1 argument (2 given)',
                   1, 2)
        self.check(t.throw, "throw() got an unexpected keyword argument "
                   "'exception'", exception=ValueError)
        self.check(t.run, 'run() takes no arguments (1 given)', 1)
        self.check(t.switch, 'switch() takes no arguments (1 given)', 1)
        self.check(stackless.schedule, 'schedule() takes at most 1 argument '
                   '(2 given)', 1, 2)
        self.check(stackless.run, 'run() takes at most 5 positional arguments '
                   '(6 given)', 0, 0, 0, 0, 0, 0)
        self.check(stackless.run, "'str' object cannot be interpreted as "
                   "an integer", 'x')
        self.check(stackless.set_schedule_callback,
                   'set_schedule_callback() takes exactly one argument '
                   '(0 given)')
        self.check(stackless.set_schedule_callback,
                   'set_schedule_callback() takes no keyword arguments',
                   callable=None)
        self.check(t.set_atomic, "set_atomic() missing required argument "
                   "'flag' (pos 1)")
        self.check(t.raise_exception,
                   'raise_exception() takes at least 1 argument')
        self.check(ch.send_exception,
                   'send_exception() takes at least 1 argument')
        self.assertEqual(ch.balance, 0)
        self.assertEqual(stackless.getruncount(), 1)


if __name__ == '__main__':
    unittest.main()
