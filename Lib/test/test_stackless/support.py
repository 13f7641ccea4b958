"""Shared helpers for the stackless tests.

Every test case derives from StacklessTestCase: it checks that a test starts
with a clean scheduler (only the main tasklet runnable) and, afterwards,
kills whatever the test left behind, resets the interpreter-wide callbacks,
the switch trap and the switching mode, and checks that the run queue holds
main alone again.

Switching mode: the suite runs with soft switching enabled (the
interpreter's default) unless the environment variable
STACKLESS_TEST_SOFTSWITCH is "0"; then this module calls
stackless.enable_softswitch(False) when it is imported, and every switch
is hard.  SOFTSWITCH is the mode in effect.  Child interpreters started by
in_subprocess() and run_script() run in the same mode.
"""

import functools
import gc
import os
import subprocess
import sys
import unittest

import stackless

# Any test that could crash the interpreter runs its code in a child process
# with this timeout, so that a hang fails the test instead of the suite.
SUBPROCESS_TIMEOUT = 120

# Whether this interpreter can slice the C stack at all.  A soft-only build
# (configure --without-hard-switch; user guide, "Soft-only builds") cannot:
# a test that needs a hard switch is skipped there, with this reason.
HARD_SWITCHING = stackless.hard_switching
requires_hard_switch = unittest.skipUnless(
    HARD_SWITCHING, 'needs hard switching: this interpreter is built '
                    'soft-only (--without-hard-switch)')

# The switching mode of the suite (see the module docstring).
SOFTSWITCH_ENV = 'STACKLESS_TEST_SOFTSWITCH'
stackless.enable_softswitch(os.environ.get(SOFTSWITCH_ENV) != '0')
SOFTSWITCH = stackless.enable_softswitch(None)

# What run_script() puts before a script in hard-only mode.  It is one line
# and leaves no name behind, but it does shift the script's line numbers
# by one.
HARD_MODE_PRELUDE = "__import__('stackless').enable_softswitch(False)\n"


def child_env():
    """A copy of os.environ for a child interpreter in the suite's mode."""
    env = dict(os.environ)
    env[SOFTSWITCH_ENV] = '1' if SOFTSWITCH else '0'
    return env


def ring():
    """The run queue as a list, starting at the current tasklet."""
    current = stackless.current
    result = [current]
    t = current.next
    while t is not None and t is not current:
        result.append(t)
        t = t.next
        if len(result) > 100000:
            raise AssertionError('run queue is not a ring')
    return result


def channel_queue(ch):
    """The tasklets blocked on channel ch, in FIFO order."""
    result = []
    t = ch.queue
    while t is not None:
        result.append(t)
        t = t.next
        if len(result) > 100000:
            raise AssertionError('channel queue does not end')
    return result


def state(t):
    """The life-cycle flags of the state table (docs/reference.md section 5.1)."""
    return (t.alive, t.scheduled, t.paused, t.blocked, t.is_current)


# Expected state() tuples, named as in the reference's state table.
UNBOUND = BOUND = DEAD = (False, False, False, False, False)
PAUSED = (True, False, True, False, False)
RUNNABLE = (True, True, False, False, False)
CURRENT = (True, True, False, False, True)
BLOCKED = (True, True, False, True, False)


def _leftover_tasklets():
    main = stackless.main
    return [o for o in gc.get_objects()
            if isinstance(o, stackless.tasklet) and o is not main
            and (o.alive or o.scheduled)]


def cleanup_scheduler():
    """Kill every tasklet a test left behind and reset global settings.

    Returns a list of problems found: leftover tasklets are not a problem,
    but settings a test should have restored, and tasklets that do not
    die quietly when killed, are.
    """
    problems = []
    # a test may change the switching mode; the suite's mode comes back
    stackless.enable_softswitch(SOFTSWITCH)
    stackless.set_schedule_callback(None)
    stackless.set_channel_callback(None)
    stackless.set_error_handler(None)
    level = stackless.switch_trap(0)
    if level:
        stackless.switch_trap(-level)
        problems.append('switch_trap left at %d' % level)
    if stackless.current is not stackless.main:
        problems.append('cleanup does not run in the main tasklet')
        return problems
    if stackless.current.atomic:
        stackless.current.set_atomic(False)
        problems.append('main tasklet left atomic')
    # Kill the tasklets in the run queue; a kill switches to the tasklet,
    # so its cleanup code runs now rather than during a later test.
    for _ in range(1000):
        t = stackless.current.next
        if t is stackless.current or t is None:
            break
        try:
            t.kill()
        except BaseException as e:
            # An unhandled error of a dying tasklet is delivered to main.
            problems.append('killing %r raised %r' % (t, e))
            if t.scheduled and not t.blocked and not t.is_current:
                t.remove()
    # Then the ones blocked on channels or paused somewhere.
    for t in _leftover_tasklets():
        if t.thread_id not in (-1, stackless.main.thread_id):
            continue
        try:
            t.kill()
        except BaseException as e:
            problems.append('killing %r raised %r' % (t, e))
    return problems


class StacklessTestCase(unittest.TestCase):
    """Base class: each test starts and ends with a clean scheduler."""

    def setUp(self):
        super().setUp()
        self.assertIs(stackless.current, stackless.main)
        self.assertEqual(stackless.getruncount(), 1,
                         'an earlier test left runnable tasklets')
        self.addCleanup(self._check_clean)

    def _check_clean(self):
        problems = cleanup_scheduler()
        # leftovers are normal, but a leftover that does not die quietly,
        # a switch trap or an atomic main tasklet mean trouble
        self.assertEqual(problems, [])
        self.assertIs(stackless.current, stackless.main)
        self.assertEqual(stackless.getruncount(), 1)
        self.assertIs(stackless.get_schedule_callback(), None)
        self.assertIs(stackless.get_channel_callback(), None)
        self.assertEqual(stackless.switch_trap(0), 0)

    # Convenience wrappers.

    def assertState(self, t, expected, msg=None):
        self.assertEqual(state(t), expected, msg)

    def assertRaisesMessage(self, exc, message, func, *args, **kwargs):
        """func(*args, **kwargs) raises exc with exactly this message."""
        with self.assertRaises(exc) as cm:
            func(*args, **kwargs)
        self.assertEqual(str(cm.exception), message)
        return cm.exception

    def run_script(self, code, *, expect_rc=0, allow_stderr=False,
                   return_stderr=False, same_mode=True):
        """Run code in a child interpreter; return its stdout lines.

        Used where a failing implementation could crash the interpreter.
        With return_stderr, return (stdout lines, stderr text).
        The child switches in the suite's mode (SOFTSWITCH): in hard-only
        mode HARD_MODE_PRELUDE goes before code (so the script's line
        numbers are one higher).  same_mode=False runs code as it is, in
        the interpreter's default mode.
        """
        env = child_env()
        if not same_mode:
            del env[SOFTSWITCH_ENV]
        elif not SOFTSWITCH:
            code = HARD_MODE_PRELUDE + code
        proc = subprocess.run([sys.executable, '-X', 'faulthandler',
                               '-c', code],
                              capture_output=True, text=True, env=env,
                              timeout=SUBPROCESS_TIMEOUT)
        detail = 'rc=%r\nstdout:\n%s\nstderr:\n%s' % (
            proc.returncode, proc.stdout, proc.stderr)
        self.assertEqual(proc.returncode, expect_rc, detail)
        if not allow_stderr:
            self.assertEqual(proc.stderr, '', detail)
        if return_stderr:
            return proc.stdout.splitlines(), proc.stderr
        return proc.stdout.splitlines()


_CHILD_ENV = 'STACKLESS_TEST_IN_CHILD'


def _package_root(module_name):
    """The sys.path entry from which module_name was imported."""
    path = os.path.abspath(sys.modules[module_name].__file__)
    for _ in range(module_name.count('.') + 1):
        path = os.path.dirname(path)
    return path


def in_subprocess(test):
    """Run a test method (or every test of a class) in a child interpreter.

    For tests that exercise code paths where a broken implementation could
    crash the interpreter: a crash then fails this one test instead of
    ending the whole run.  The child runs exactly the same test code, in
    the same switching mode (it imports this module too).
    """
    if isinstance(test, type):
        for name in dir(test):
            if name.startswith('test'):
                setattr(test, name, in_subprocess(getattr(test, name)))
        return test

    @functools.wraps(test)
    def wrapper(self):
        if os.environ.get(_CHILD_ENV) == self.id():
            return test(self)
        env = child_env()
        env[_CHILD_ENV] = self.id()
        root = _package_root(type(self).__module__)
        env['PYTHONPATH'] = os.pathsep.join(
            [root] + [p for p in env.get('PYTHONPATH', '').split(os.pathsep)
                      if p])
        proc = subprocess.run(
            [sys.executable, '-X', 'faulthandler', '-m', 'unittest', '-v',
             self.id()],
            env=env, capture_output=True, text=True,
            timeout=SUBPROCESS_TIMEOUT)
        if proc.returncode != 0:
            self.fail('test failed in a child interpreter (rc=%d):\n%s%s'
                      % (proc.returncode, proc.stdout, proc.stderr))
        if ' ... skipped' in proc.stderr:
            self.skipTest(proc.stderr.split(' ... skipped', 1)[1]
                          .splitlines()[0].strip(" '"))
        # make sure the child really ran the test
        self.assertIn(' ... ok', proc.stderr)
    return wrapper
