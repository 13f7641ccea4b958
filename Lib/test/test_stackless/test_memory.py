"""Running out of memory in the middle of a switch: a MemoryError in the
tasklet that switches, or the switch simply taken another way -- never a
crash, an abort or a tasklet lost without a word (user guide, "What is
guaranteed").

Each test runs a scenario in a child interpreter many times, making one
allocation fail each time: the first run fails the first allocation after
the scenario arms the failure, the next run the second one, and so on,
until the scenario runs without meeting it.  So every allocation in the
armed part fails once, the scheduler's included.
_testcapi.set_nomemory() makes Python's allocators fail; saved C stacks
come from the raw one, so it reaches them too.  The armed part is kept to
stackless operations, with every function made beforehand: CPython 3.13
itself mishandles some allocation failures (MAKE_FUNCTION drops its code
object twice), which is not what these tests are about.

The scenarios cover the paths that used to end in a fatal error or a
silently wrong state: parking main's frames for the first time (its home
and a dispatcher), a hard switch with entry frames to cut, a dispatcher
for a soft tasklet started from a hard one, the end of a tasklet
delivering its exception or waking a blocked main, the start of a hard
tasklet after another ends, throw/kill, and the kills at thread exit.
"""

import unittest
from test import support

from .support import StacklessTestCase, requires_hard_switch


HARNESS = '''
import _testcapi, gc, stackless

def settle():
    """Kill what an attempt left behind; check the scheduler."""
    assert stackless.current is stackless.main
    for t in [o for o in gc.get_objects()
              if isinstance(o, stackless.tasklet)
              and o is not stackless.main and (o.alive or o.scheduled)]:
        try:
            t.kill()
        except BaseException:
            pass
    assert stackless.getruncount() == 1, stackless.getruncount()

def attempt(start):
    """(outcome, whether the armed failure happened in the scenario)."""
    arm = lambda: _testcapi.set_nomemory(start, start + 1)
    try:
        outcome = scenario(arm)
        # Nothing allocates between the scenario's return and here: if
        # the failure is still pending, this meets it.
        try:
            object()
        except MemoryError:
            return outcome, False
        return outcome, True
    except MemoryError:
        return 'MemoryError', True
    finally:
        _testcapi.remove_mem_hooks()
        settle()

outcomes = {}
for start in range(%(limit)d):
    outcome, met = attempt(start)
    outcomes.setdefault(outcome, start)
    if not met:
        # Past the armed part's last allocation: every one has failed.
        break
else:
    raise AssertionError('never completed: %%r' %% outcomes)
print(sorted(outcomes))
'''


class MemoryFailureTest(StacklessTestCase):

    def sweep(self, scenario, limit=500, same_mode=True):
        """Run `scenario(arm)` failing each allocation after arm() once;
        return the set of outcomes ('ok', 'MemoryError', ...)."""
        code = scenario.rstrip() + '\n' + HARNESS % {'limit': limit}
        out, err = self.run_script(code, allow_stderr=True,
                                   return_stderr=True, same_mode=same_mode)
        self.assertNotIn('Fatal Python error', err)
        self.assertEqual(len(out), 1, err)
        return set(eval(out[0]))

    def test_main_parks_first_time(self):
        # A thread's main leaves its home loop on its first soft park: its
        # home and a dispatcher need memory (they used to be allocated
        # after the switch was decided).  Each attempt in a fresh thread.
        outcomes = self.sweep('''if 1:
            import stackless, threading
            def body(arm, box):
                ch = stackless.channel()
                stackless.tasklet(echo)(ch)
                stackless.run()             # echo waits on ch
                arm()
                try:
                    ch.send(1)              # main parks softly
                    box.append(ch.receive())
                except MemoryError as e:
                    box.append(e)
            def echo(ch):
                ch.send(ch.receive() + 1)
            def scenario(arm):
                box = []
                th = threading.Thread(target=body, args=(arm, box))
                th.start()
                th.join()
                if isinstance(box[0], MemoryError):
                    raise box[0]
                assert box == [2], box
                return 'ok'
        ''', same_mode=False)
        self.assertIn('ok', outcomes)
        self.assertEqual(outcomes - {'ok', 'MemoryError'}, set())

    @requires_hard_switch
    def test_hard_switch_with_entry_frames(self):
        outcomes = self.sweep('''if 1:
            import stackless
            def key(x):
                return CH.receive()
            def worker(got):
                got.append(sorted([2, 1], key=key))
            def scenario(arm):
                global CH
                CH = stackless.channel()
                got = []
                t = stackless.tasklet(worker)(got)
                arm()
                stackless.run()             # blocks inside the key
                assert t.blocked and t.nesting_level > 0
                CH.send(10)             # key of 2
                CH.send(20)             # key of 1
                assert got == [[2, 1]], got
                return 'ok'
        ''')
        self.assertIn('MemoryError', outcomes)
        self.assertEqual(outcomes - {'ok', 'MemoryError'}, set())

    @requires_hard_switch
    def test_soft_tasklet_after_hard_one(self):
        # A soft tasklet started from a hard context gets a dispatcher.
        outcomes = self.sweep('''if 1:
            import stackless
            def key(x):
                stackless.schedule()
                return x
            def soft(log):
                log.append('soft')
            def hard(log):
                sorted([1, 2], key=key)
                log.append('hard')
            def scenario(arm):
                log = []
                stackless.tasklet(hard)(log)
                stackless.tasklet(soft)(log)
                arm()
                stackless.run()
                assert sorted(log) == ['hard', 'soft'], log
                return 'ok'
        ''')
        self.assertEqual(outcomes - {'ok', 'MemoryError'}, set())

    def test_end_delivers_exception(self):
        # The bomb that carries an unhandled exception to main: if it
        # cannot be made, a spare one carries it.
        outcomes = self.sweep('''if 1:
            import stackless
            ERROR = KeyError('k')
            def bad():
                stackless.schedule_remove()
                raise ERROR
            def scenario(arm):
                t = stackless.tasklet(bad)()
                stackless.run()         # bad pauses
                t.insert()
                arm()
                try:
                    stackless.run()     # bad raises
                except KeyError as e:
                    assert e is ERROR
                    return 'ok'
                return 'no KeyError'
        ''')
        self.assertEqual(outcomes - {'ok', 'MemoryError'}, set())

    def test_end_wakes_blocked_main(self):
        outcomes = self.sweep('''if 1:
            import stackless
            def other():
                pass
            def scenario(arm):
                ch = stackless.channel()
                stackless.tasklet(other)()
                arm()
                try:
                    ch.receive()
                except RuntimeError as e:
                    assert 'receiving without a sender' in str(e), e
                    return 'ok'
                return 'not woken'
        ''')
        self.assertEqual(outcomes - {'ok', 'MemoryError'}, set())

    def test_end_then_hard_start(self):
        # The next tasklets start with a C call: each needs memory for
        # its C context while the previous one is ending.
        outcomes = self.sweep('''if 1:
            import stackless
            def scenario(arm):
                log = []
                for name in 'abc':
                    stackless.tasklet(log.append)(name)
                arm()
                try:
                    stackless.run()
                finally:
                    stackless.run()     # what memory failure left over
                assert log == ['a', 'b', 'c'], log
                return 'ok'
        ''')
        self.assertEqual(outcomes - {'ok', 'MemoryError'}, set())

    def test_throw_and_kill(self):
        outcomes = self.sweep('''if 1:
            import stackless
            def victim(ch, log):
                try:
                    ch.receive()
                except ValueError:
                    log.append('thrown')
                try:
                    ch.receive()
                finally:
                    log.append('killed')
            def scenario(arm):
                ch = stackless.channel()
                log = []
                t = stackless.tasklet(victim)(ch, log)
                stackless.run()
                arm()
                t.throw(ValueError)
                t.kill()
                assert log == ['thrown', 'killed'] and not t.alive, log
                return 'ok'
        ''')
        self.assertIn('ok', outcomes)
        self.assertEqual(outcomes - {'ok', 'MemoryError'}, set())

    @requires_hard_switch
    def test_thread_exit_kills(self):
        # A thread ends with tasklets holding C state: they are killed and
        # their finally blocks run, also when an allocation fails on the
        # way (the list of victims used to be allocated, and given up).
        # The failure is armed in the thread just before it ends, while
        # main waits: a long switch interval keeps main from running (and
        # meeting the failure) until then.
        out = self.run_script('''if 1:
            import _testcapi, stackless, sys, threading
            sys.setswitchinterval(1000)
            def victim(ch, i, log):
                # Made now, so that unwinding the key function needs no
                # frame object for its caller: CPython 3.13 loses the
                # exception in flight if making one fails (frame.c,
                # take_ownership).
                me = sys._getframe()
                try:
                    sorted([1, 2], key=lambda x: ch.receive())
                finally:
                    log[i] = i          # allocates nothing

            def body(start, log, go):
                ch = stackless.channel()
                for i in range(3):
                    stackless.tasklet(victim)(ch, i, log)
                stackless.run()
                assert len(stackless.uncollectables) == 3
                go.acquire()            # main is about to wait
                _testcapi.set_nomemory(start, start + 1)
            def attempt(start):
                log = [None] * 3
                go = threading.Lock()
                go.acquire()
                th = threading.Thread(target=body, args=(start, log, go))
                th.start()
                go.release()
                try:
                    th.join()
                except MemoryError:     # met by main after all
                    pass
                _testcapi.remove_mem_hooks()
                th.join()
                return log
            bad = [(start, log) for start in range(150)
                   if (log := attempt(start)) != [0, 1, 2]]
            print(bad)
        ''', allow_stderr=True)
        self.assertEqual(out, ['[]'])

    # Tasklets with C state: soft-only, tasklet(ch.receive) has none.
    @requires_hard_switch
    @unittest.skipIf(support.check_sanitizer(address=True),
                     'AddressSanitizer needs far more address space than '
                     'the limit this test sets')
    def test_address_space_limit(self):
        # The original report: tasklets with C state made until the
        # process runs out of address space crashed in the end of a
        # tasklet; the loop now stops with MemoryError.
        out = self.run_script('''if 1:
            import resource, stackless
            limit = 300 * 2**20
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            ch = stackless.channel()
            n = 0
            try:
                while True:
                    stackless.tasklet(ch.receive)()
                    stackless.run()
                    n += 1
            except MemoryError:
                pass
            # Where the MemoryError struck decides where the last
            # tasklet is: not made, still runnable (run() failed before
            # it switched), or blocked with n not yet counted.  None is
            # lost: each tasklet made is blocked or runnable.
            waiting = -ch.balance + stackless.getruncount() - 1
            print(n > 1000, waiting - n in (0, 1))
        ''', allow_stderr=True)
        self.assertEqual(out, ['True True'])


if __name__ == '__main__':
    unittest.main()
