"""Regressions of an adversarial review: wrong Python code must get a
Python exception, never a crash, a hang or a tasklet lost without a word.

Each class is one finding; cases that crashed before their fix run in a
child interpreter (run_script), so that a regression fails one test
instead of the whole suite.
"""

import contextvars
import gc
import sys
import unittest

import stackless

from .support import StacklessTestCase, in_subprocess, requires_hard_switch


ENTERED = ('cannot replace the context of a tasklet while it is entered '
           '(inside Context.run())')
FROZEN = ('cannot change the run queue or a channel inside the schedule '
          'callback')


class ScheduleCallbackChangesQueueTest(StacklessTestCase):
    """The schedule callback runs in the middle of a switch: the tasklet
    leaving and the one about to run are chosen.  Changing the run queue
    or a channel then is refused with RuntimeError (user guide,
    "Callbacks and monitoring")."""

    def test_remove_next_in_subprocess(self):
        # Used to crash in the switch with a NULL target.
        for how in ('stackless.run()', 'stackless.schedule()', 't.run()'):
            with self.subTest(how=how):
                out = self.run_script('''if 1:
                    import stackless, sys
                    errors = []
                    def cb(prev, nxt):
                        if prev is stackless.main:
                            try:
                                nxt.remove()
                            except RuntimeError as e:
                                errors.append(str(e))
                    stackless.set_schedule_callback(cb)
                    t = stackless.tasklet(lambda: None)()
                    %s
                    stackless.set_schedule_callback(None)
                    stackless.run()
                    print(t.alive, errors)
                ''' % how)
                self.assertEqual(out, ['False [%r]' % FROZEN])

    @in_subprocess
    def test_every_queue_change_is_refused(self):
        ch = stackless.channel()
        other = stackless.tasklet(lambda: None)().remove()
        blocked = stackless.tasklet(ch.receive)()
        stackless.run()
        self.assertTrue(blocked.blocked)
        queued = stackless.tasklet(lambda: None)()
        attempts = {
            'insert': other.insert,
            'remove': queued.remove,
            'setup': lambda: stackless.tasklet(lambda: None)(),
            'kill pending': lambda: blocked.kill(pending=True),
            'throw pending': lambda: blocked.throw(ValueError,
                                                   pending=True),
            'send': lambda: ch.send(1),
            'receive': ch.receive,
        }
        seen = {}

        def cb(prev, nxt):
            if seen:
                return
            for name, attempt in attempts.items():
                try:
                    attempt()
                except RuntimeError as e:
                    seen[name] = str(e)
                else:
                    seen[name] = 'no error'
        stackless.set_schedule_callback(cb)
        t = stackless.tasklet(lambda: None)()
        stackless.run()
        stackless.set_schedule_callback(None)
        self.assertFalse(t.alive or queued.alive or other.scheduled)
        self.assertEqual(seen, {name: FROZEN for name in attempts})
        # Nothing changed: the blocked tasklet still waits.
        self.assertTrue(blocked.blocked)
        self.assertEqual(ch.balance, -1)
        ch.send(2)
        self.assertFalse(blocked.alive)

    def test_send_to_blocked_prev_in_subprocess(self):
        # prev blocks on ch; the callback sends on ch, which would have
        # woken prev in the middle of its own switch.
        out = self.run_script('''if 1:
            import stackless
            ch = stackless.channel()
            errors = []
            def cb(prev, nxt):
                if prev is not stackless.main and prev.blocked:
                    try:
                        ch.send('x')
                    except RuntimeError as e:
                        errors.append(str(e))
            def receiver():
                return ch.receive()
            t = stackless.tasklet(receiver)()
            stackless.set_schedule_callback(cb)
            stackless.run()
            stackless.set_schedule_callback(None)
            print(t.blocked, len(errors))
            ch.send('y')
            print(t.alive)
        ''')
        self.assertEqual(out, ['True 1', 'False'])

    def test_other_work_is_allowed(self):
        # Reading state, making tasklets without scheduling them, binding.
        log = []

        def cb(prev, nxt):
            log.append((stackless.getruncount(), nxt.scheduled,
                        stackless.tasklet(len).alive))
        stackless.set_schedule_callback(cb)
        stackless.tasklet(lambda: None)()
        stackless.run()
        stackless.set_schedule_callback(None)
        self.assertEqual(log, [(1, True, False), (1, True, False)])


class CollectInScheduleCallbackTest(StacklessTestCase):
    """gc.collect() inside the schedule callback finds unreachable
    suspended tasklets; their kill is deferred, not dropped."""

    def test_finally_runs(self):
        out = self.run_script('''if 1:
            import gc, stackless
            log = []
            def victim():
                try:
                    stackless.channel().receive()
                finally:
                    log.append('finally')
            def make():
                stackless.tasklet(victim)()
                stackless.run()
            make()
            done = []
            def cb(prev, nxt):
                if not done:
                    done.append(gc.collect())
            stackless.set_schedule_callback(cb)
            stackless.tasklet(lambda: None)()
            stackless.run()
            stackless.set_schedule_callback(None)
            for i in range(3):
                stackless.schedule()
                gc.collect()
            print(log)
        ''')
        self.assertEqual(out, ["['finally']"])


class SetContextInContextRunTest(StacklessTestCase):
    """set_context() on the current tasklet while a Context is entered
    (Context.run) is refused: the Context would stay entered for ever."""

    def test_refused_while_entered(self):
        ctx = contextvars.Context()
        other = contextvars.Context()
        me = stackless.current
        msg = []

        def inside():
            try:
                me.set_context(other)
            except RuntimeError as e:
                msg.append(str(e))
        ctx.run(inside)
        self.assertEqual(msg, [ENTERED])
        ctx.run(lambda: None)       # not left entered
        other.run(lambda: None)

    # Context.run() calls schedule_remove() from C: hard.
    @requires_hard_switch
    def test_suspended_tasklet_inside_run(self):
        # A suspended tasklet inside Context.run: its context is the
        # entered one, and replacing it is refused as well.
        ctx = contextvars.Context()
        other = contextvars.Context()
        t = stackless.tasklet(ctx.run)(stackless.schedule_remove)
        t.run()
        self.assertTrue(t.paused)
        self.assertRaises(RuntimeError, t.set_context, other)
        t.insert()
        stackless.run()
        self.assertFalse(t.alive)
        ctx.run(lambda: None)

    def test_allowed_outside(self):
        ctx = contextvars.Context()
        var = contextvars.ContextVar('v')
        ctx.run(var.set, 5)
        saved = contextvars.copy_context()
        t = stackless.tasklet(lambda: var.get())
        self.assertIs(t.set_context(ctx), t)
        me = stackless.current
        me.set_context(ctx)
        try:
            self.assertEqual(var.get(), 5)
        finally:
            me.set_context(saved)
        ctx.run(lambda: None)


class ErrorHandlerKillsCurrentTest(StacklessTestCase):
    """An error handler that raises TaskletExit (kills the current
    tasklet) ends it quietly, as any TaskletExit does outside main."""

    def test_kill_current(self):
        def handler(exc_type, exc, tb):
            stackless.current.kill()
        stackless.set_error_handler(handler)

        def f():
            1 / 0
        t = stackless.tasklet(f)()
        stackless.run()             # no exception reaches run()
        stackless.set_error_handler(None)
        self.assertFalse(t.alive)

    def test_raise_other(self):
        # Any other exception raised by the handler goes to run().
        def handler(exc_type, exc, tb):
            raise KeyError('from handler')
        stackless.set_error_handler(handler)
        stackless.tasklet(lambda: 1 / 0)()
        with self.assertRaises(KeyError):
            stackless.run()
        stackless.set_error_handler(None)

    def test_system_exit_from_handler_off_main_thread(self):
        out = self.run_script('''if 1:
            import stackless, threading
            def handler(*a):
                raise SystemExit(3)
            stackless.set_error_handler(handler)
            ok = []
            def body():
                stackless.tasklet(lambda: 1 / 0)()
                stackless.run()
                ok.append(1)
            th = threading.Thread(target=body)
            th.start(); th.join()
            print(ok)
        ''')
        self.assertEqual(out, ['[1]'])


DROPPED_GENERATOR = '''if 1:
    import stackless, sys, threading, types
    how = %r
    def gen(block):
        if block:
            stackless.schedule_remove()
        yield 1
    async def coro(block):
        if block:
            stackless.schedule_remove()
    async def outer(block):
        await coro(block)
    @types.coroutine
    def drive(co):
        yield from co
    def f(g):
        for x in g:
            pass
    for i in range(3):
        f(gen(False))           # FOR_ITER specialises: gen runs inline
        f(drive(outer(False)))  # ... and SEND: so does the coroutine
    if how.startswith('coro'):
        G = outer(True)
        arg = drive(G)
    else:
        G = arg = gen(True)
    if how.endswith('orphan'):
        box = []
        def body():
            t = stackless.tasklet(f)(arg)
            t.run()
            box.append(t)
        th = threading.Thread(target=body)
        th.start(); th.join()
        t = box[0]
        print(t.thread_id == -1, t.restorable)
        t.kill()
    else:
        t = stackless.tasklet(f)(arg)
        t.run()
        print(t.paused, t.restorable)
        if how.startswith('bind_f'):
            t.bind(f, (gen(False),))
        else:
            t.bind(None)
    print(G.gi_running if hasattr(G, 'gi_running') else G.cr_running,
          G.gi_frame if hasattr(G, 'gi_frame') else G.cr_frame)
    try:
        G.send(None)
    except StopIteration:
        print('StopIteration')
    except RuntimeError as e:
        print(e)
'''


class DroppedFramesCloseGeneratorsTest(StacklessTestCase):
    """A tasklet's frames dropped without running code (bind, kill of an
    orphan) close the generators and coroutines executing in them: not
    running, no frame, and no f_back into freed memory.  Only soft
    tasklets can lose their frames that way (one with C state refuses to
    be rebound), so the children run in the default, soft mode."""

    def check(self, how, first, last):
        out = self.run_script(DROPPED_GENERATOR % how, same_mode=False)
        self.assertEqual(out[0], first)
        self.assertEqual(out[1:], ['False None', last])

    def test_bind_none(self):
        self.check('bind_none', 'True True', 'StopIteration')

    def test_bind_func(self):
        self.check('bind_f', 'True True', 'StopIteration')

    def test_orphan_kill(self):
        self.check('gen_orphan', 'True True', 'StopIteration')

    def test_coroutine(self):
        self.check('coro_bind', 'True True',
                   'cannot reuse already awaited coroutine')

    def test_frame_back_under_dev_mode(self):
        out = self.run_script('''if 1:
            import stackless, gc
            def gen():
                stackless.schedule_remove()
                yield 1
            def f(g):
                for x in g:
                    pass
            def warm():
                yield 1
            for i in range(3):
                f(warm())
            G = gen()
            t = stackless.tasklet(f)(G)
            t.run()
            frame = G.gi_frame
            t.bind(None)
            for i in range(100):
                stackless.tasklet(f)(iter(range(3)))
            stackless.run()
            print(frame.f_back, G.gi_frame)
        ''', same_mode=False)
        self.assertEqual(out, ['None None'])


@requires_hard_switch
class SubInterpreterSettingsTest(StacklessTestCase):
    """The interpreter-wide settings are per interpreter (D31): what a
    sub-interpreter sets is never seen or called by another one, and goes
    with it.  The child runs in the default mode: it checks that the
    sub-interpreter's enable_softswitch(False) leaves main's setting."""

    def test_legacy_and_isolated(self):
        out = self.run_script('''if 1:
            import _interpreters, stackless
            sub = \'\'\'if 1:
                import stackless
                stackless.set_schedule_callback(lambda p, n: print("sub"))
                stackless.set_channel_callback(lambda *a: print("sub"))
                stackless.set_error_handler(lambda *a: print("sub"))
                stackless.enable_softswitch(False)
                stackless.pickle_flags_default(1)
                ch = stackless.channel()
                def soft():
                    ch.receive()
                def hard():
                    sorted([1, 2], key=lambda x: ch.receive())
                stackless.tasklet(soft)()
                stackless.tasklet(hard)()
                stackless.run()         # both left blocked
            \'\'\'
            mine = lambda p, n: None
            stackless.set_schedule_callback(mine)
            interp = _interpreters.create("legacy")
            print(_interpreters.run_string(interp, sub))
            print(stackless.get_schedule_callback() is mine,
                  stackless.get_channel_callback(),
                  stackless.enable_softswitch(None),
                  stackless.pickle_flags_default())
            _interpreters.destroy(interp)
            stackless.set_schedule_callback(None)
            ch = stackless.channel()
            stackless.tasklet(ch.send)(1)
            print(ch.receive())
            isolated = _interpreters.create("isolated")
            err = _interpreters.run_string(isolated, "import stackless")
            print(err.type.__name__, err.msg)
            _interpreters.destroy(isolated)
        ''', same_mode=False)
        # The sub-interpreter's callbacks ran there only: on its own
        # switches and channel actions, and when its thread state ended
        # (run_string's) and killed the tasklet holding C state.
        subs = out.index('None')
        self.assertGreaterEqual(subs, 6)
        self.assertEqual(set(out[:subs]), {'sub'})
        self.assertEqual(out[subs:], [
            'None',
            'True None True 0',
            '1',
            'ImportError module stackless does not support loading in '
            'subinterpreters'])

class OrphanRebindTest(StacklessTestCase):
    """A failed bind() or setup() leaves an orphan as it was: it keeps
    its frames and bind_thread() can still revive it."""

    def test_failed_bind_keeps_frames(self):
        out = self.run_script('''if 1:
            import stackless, threading
            log = []
            def paused():
                stackless.schedule_remove()
                log.append('resumed')
            box = []
            def body():
                t = stackless.tasklet(paused)()
                t.run()
                box.append(t)
            th = threading.Thread(target=body)
            th.start(); th.join()
            t = box[0]
            for attempt in (lambda: t.bind(len, ('ab',)),
                            lambda: t.setup(1)):
                try:
                    attempt()
                except RuntimeError as e:
                    print(e)
            print(t.thread_id, t.frame is not None)
            t.bind_thread()
            t.run()
            print(log, t.alive)
        ''', same_mode=False)
        self.assertEqual(out, ['tasklet has no thread',
                               'tasklet has no thread',
                               '-1 True', "['resumed'] False"])


@requires_hard_switch
class TaskletsWithCStateTest(StacklessTestCase):
    """Dropped tasklets blocked inside a C call stay listed in
    uncollectables (D35); killing them from that list ends them, runs
    their cleanup and frees their C stacks (user guide, "Tasklets that
    keep C state")."""

    def test_kill_from_uncollectables(self):
        out = self.run_script('''if 1:
            import gc, stackless
            log = []
            def worker(ch):
                try:
                    sorted([2, 1], key=lambda x: ch.receive())
                finally:
                    log.append(1)
            for i in range(2000):
                stackless.tasklet(worker)(stackless.channel())
            stackless.run()
            gc.collect()
            print(len(stackless.uncollectables), len(log))
            for t in stackless.uncollectables:
                t.kill()
            gc.collect()
            print(len(stackless.uncollectables), len(log),
                  stackless.getruncount())
        ''')
        self.assertEqual(out, ['2000 0', '0 2000 1'])


class FuzzFindingsTest(StacklessTestCase):
    """What the fuzzer (fuzz.py) found, one test each."""

    def test_rebound_while_in_run(self):
        # A tasklet paused inside stackless.run() and rebound stayed on
        # the watchdog stack: the next tasklet to end with an exception
        # was sent to it, and when that was itself, the scheduler looped.
        out = self.run_script('''if 1:
            import stackless
            def outer():
                stackless.run()         # outer waits in run()
            t = stackless.tasklet(outer)()
            t.run()                     # run() finds nothing: main goes on
            print(t.paused, t.restorable)
            t.bind(lambda: 1 / 0, ())   # t leaves run() for good
            try:
                t.run()
            except ZeroDivisionError:
                print('delivered to main')
            print(stackless.getruncount())
        ''', same_mode=False)
        self.assertEqual(out, ['True True', 'delivered to main', '1'])

    @requires_hard_switch
    def test_softswitch_off_in_schedule_callback(self):
        # The callback runs after the switch was decided: the next
        # tasklet was to start softly, and parking it with no C stack
        # crashed when soft switching went off in between.
        out = self.run_script('''if 1:
            import stackless
            def cb(prev, nxt):
                stackless.enable_softswitch(False)
            log = []
            def f(i):
                log.append(i)
            def starter():
                for i in range(3):
                    stackless.tasklet(f)(i)
                stackless.set_schedule_callback(cb)
                stackless.schedule()
            stackless.tasklet(starter)()
            stackless.run()
            stackless.set_schedule_callback(None)
            print(log)
        ''', same_mode=False)
        self.assertEqual(out, ['[0, 1, 2]'])


    def test_finaliser_changes_tasklet_being_bound(self):
        # bind() drops the old tempval; its finaliser set the same tasklet
        # up in the middle of the bind, which went on as if nothing had
        # happened (setup() likewise linked a tasklet into the run queue
        # twice: a broken ring).
        errors = []

        class Reenter:
            def __del__(self):
                try:
                    t.setup(1)
                except RuntimeError as e:
                    errors.append(str(e))

        def f(*args):
            pass
        t = stackless.tasklet(f)
        t.tempval = Reenter()
        t.bind(f, ())
        self.assertEqual(errors, ['the tasklet is being bound and cannot '
                                  'change now'])
        self.assertTrue(t.paused)
        self.assertEqual(stackless.getruncount(), 1)
        t.insert()
        stackless.run()
        self.assertFalse(t.alive)


    def test_finaliser_in_parking_window(self):
        # A soft switch drops the old tempval after deciding, before the
        # eval loop parks the frame; its finaliser woke the tasklet that
        # was parking from the channel it had just blocked on, leaving it
        # both queued and running (a crash later, when it ended).
        out, err = self.run_script('''if 1:
            import stackless
            ch = stackless.channel()
            ch.preference = 1       # the sender goes on: no switch
            class Wake:
                def __del__(self):
                    ch.send('from __del__')
            def receiver():
                stackless.current.tempval = Wake()
                return ch.receive()
            t = stackless.tasklet(receiver)()
            stackless.run()
            print(t.blocked, ch.balance)
            ch.send('later')
            stackless.run()
            print(t.alive, ch.balance)
        ''', same_mode=False, allow_stderr=True, return_stderr=True)
        self.assertEqual(out, ['True -1', 'False 0'])
        self.assertIn('while a switch is under way', err)


if __name__ == '__main__':
    unittest.main()
