"""Object lifetime: garbage collection, finalisation, weak references,
subclassing, and interpreter shutdown with live tasklets.

Reference: docs/reference.md sections 4 and 7 (GC, weakrefs,
subclassing), 15 (finalisation) and 12 (thread and interpreter end).
Project decision (docs/architecture.md, D28): the finaliser of an unreachable suspended tasklet kills it
whether it was switched soft (frames only) or hard (C state), so its
cleanup code runs either way; at interpreter shutdown every suspended
tasklet of the main thread that has begun running is killed, soft or hard.
The tests run in both switching modes (support.SOFTSWITCH) and create C
state explicitly where they are about it.
"""

import gc
import sys
import textwrap
import unittest
import weakref

import stackless

from .support import (StacklessTestCase, in_subprocess, state, DEAD,
                      PAUSED, BLOCKED, CURRENT, SOFTSWITCH,
                      requires_hard_switch, HARD_SWITCHING)


def collect():
    for i in range(3):
        gc.collect()


@in_subprocess
class GarbageCollectionTest(StacklessTestCase):

    def test_blocked_tasklet_and_channel_collected(self):
        log = []

        def blocked(ch):
            try:
                ch.receive()
            except TaskletExit:
                log.append('TaskletExit')
                raise
            finally:
                log.append('finally')
        ch = stackless.channel()
        t = stackless.tasklet(blocked)(ch)
        stackless.run()
        self.assertState(t, BLOCKED)
        wt = weakref.ref(t)
        wc = weakref.ref(ch)
        del t, ch
        collect()
        # the finaliser killed it: its cleanup code ran
        self.assertEqual(log, ['TaskletExit', 'finally'])
        self.assertIsNone(wt())
        self.assertIsNone(wc())
        self.assertEqual([o for o in gc.garbage
                          if isinstance(o, stackless.tasklet)], [])
        self.assertEqual(stackless.getruncount(), 1)

    def test_killed_after_collection_running_other_finalisers(self):
        # architecture.md D18: a tasklet found unreachable is killed right
        # after the collection (a pending call), not at some later
        # stackless operation -- also when the same collection runs the
        # Python code of other finalisers
        log = []

        class Finalised:
            def __del__(self):
                log.append('__del__')

        def blocked(ch):
            try:
                ch.receive()
            finally:
                log.append('finally')
        ch = stackless.channel()
        stackless.tasklet(blocked)(ch)
        stackless.run()
        d = Finalised()
        d.cycle = d
        del ch, d
        collect()
        self.assertEqual(log, ['__del__', 'finally'])

    def test_blocked_sender_collected(self):
        log = []

        def sender(ch):
            try:
                ch.send('never received')
            finally:
                log.append('finally')
        ch = stackless.channel()
        stackless.tasklet(sender)(ch)
        stackless.run()
        self.assertEqual(ch.balance, 1)
        wc = weakref.ref(ch)
        del ch
        collect()
        self.assertEqual(log, ['finally'])
        self.assertIsNone(wc())

    def test_paused_tasklet_collected(self):
        # paused directly: soft unless soft switching is off
        self.check_paused_tasklet_collected(stackless.schedule_remove,
                                            c_state=not SOFTSWITCH)

    @requires_hard_switch
    def test_paused_tasklet_with_c_state_collected(self):
        # paused inside a sort key: C state in either mode
        self.check_paused_tasklet_collected(
            lambda: sorted([1], key=lambda x: stackless.schedule_remove()),
            c_state=True)

    def check_paused_tasklet_collected(self, pause, c_state):
        log = []

        class Cycle:
            pass

        def paused(obj):
            obj.self = obj           # keep something cyclic on the frame
            try:
                pause()
            finally:
                log.append('finally')
        t = stackless.tasklet(paused, (Cycle(),))
        t.run()
        self.assertState(t, PAUSED)
        self.assertIs(t in stackless.getuncollectables(), c_state)
        self.assertIs(t.restorable, not c_state)
        wt = weakref.ref(t)
        del t
        collect()
        self.assertEqual(log, ['finally'])
        self.assertIsNone(wt())

    def test_many_unreachable_tasklets(self):
        log = []

        def blocked(ch, i):
            try:
                ch.receive()
            finally:
                log.append(i)
        refs = []
        for i in range(50):
            ch = stackless.channel()
            stackless.tasklet(blocked)(ch, i)
            refs.append(weakref.ref(ch))
        del ch
        stackless.run()
        collect()
        self.assertEqual(sorted(log), list(range(50)))
        self.assertEqual([r() for r in refs], [None] * 50)

    def test_stubborn_tasklet_goes_to_garbage(self):
        # killed up to 10 times; if it still has its C stack afterwards it
        # is appended to gc.garbage with its tempval reset
        kills = []
        allow_exit = []

        def stubborn():
            while True:
                try:
                    stackless.schedule_remove('tempval')
                except TaskletExit:
                    kills.append(1)
                    if allow_exit:
                        raise
        t = stackless.tasklet(stubborn, ())
        t.run()
        wt = weakref.ref(t)
        del t
        collect()
        self.assertEqual(len(kills), 10)
        t = wt()
        self.assertIsNotNone(t)
        self.assertIn(t, gc.garbage)
        self.assertIsNone(t.tempval)
        self.assertTrue(t.alive)
        gc.garbage.remove(t)
        allow_exit.append(True)
        t.kill()
        self.assertState(t, DEAD)

    def test_unstarted_tasklet_freed_without_running(self):
        log = []
        t = stackless.tasklet(log.append, ('called',))
        self.assertState(t, PAUSED)
        wt = weakref.ref(t)
        del t
        collect()
        self.assertIsNone(wt())
        self.assertEqual(log, [])

    def test_self_referencing_paused_tasklet_collected(self):
        # a tasklet referencing itself through its frame
        log = []

        def f():
            me = stackless.current
            try:
                stackless.schedule_remove(me)
            finally:
                log.append('finally')
        t = stackless.tasklet(f, ())
        t.run()
        wt = weakref.ref(t)
        del t
        collect()
        self.assertEqual(log, ['finally'])
        self.assertIsNone(wt())

    def test_tasklets_and_channels_are_gc_tracked(self):
        self.assertTrue(gc.is_tracked(stackless.tasklet()))
        self.assertTrue(gc.is_tracked(stackless.channel()))
        # a cycle through a channel's blocked tasklet is seen by the GC
        ch = stackless.channel()
        t = stackless.tasklet(ch.receive)()
        stackless.run()
        self.assertIn(t, gc.get_referents(ch))
        t.kill()


    def test_no_switch_during_collection(self):
        # The collector keeps its lists on the C stack: a __del__ that
        # tries to switch while it runs gets RuntimeError (reported as
        # unraisable), and the scheduler is left as it was.
        errors = []
        old_hook = sys.unraisablehook
        sys.unraisablehook = lambda r: errors.append(
            (r.exc_type, str(r.exc_value)))
        log = []

        class Switcher:
            def __del__(self):
                stackless.schedule()
        try:
            stackless.tasklet(log.append)('ran later')
            a, b = Switcher(), Switcher()
            a.other, b.other = b, a     # only the collector frees them
            del a, b
            gc.collect()
        finally:
            sys.unraisablehook = old_hook
        self.assertEqual(errors, [(RuntimeError, "cannot switch tasklets "
                                   "during garbage collection")] * 2)
        self.assertEqual(log, [])
        self.assertEqual(stackless.getruncount(), 2)
        stackless.run()
        self.assertEqual(log, ['ran later'])


class WeakrefTest(StacklessTestCase):

    def test_tasklet_weakref(self):
        t = stackless.tasklet(lambda: None)
        called = []
        r = weakref.ref(t, lambda ref: called.append(ref))
        self.assertIs(r(), t)
        del t
        collect()
        self.assertIsNone(r())
        self.assertEqual(called, [r])

    def test_dead_tasklet_weakref(self):
        t = stackless.tasklet(lambda: None)()
        r = weakref.ref(t)
        stackless.run()
        self.assertIs(r(), t)
        del t
        collect()
        self.assertIsNone(r())

    def test_channel_weakref(self):
        ch = stackless.channel()
        r = weakref.ref(ch)
        proxy = weakref.proxy(ch)
        self.assertEqual(proxy.balance, 0)
        del ch
        collect()
        self.assertIsNone(r())
        with self.assertRaises(ReferenceError):
            proxy.balance

    def test_weak_collections(self):
        ws = weakref.WeakSet()
        tasklets = [stackless.tasklet(lambda: None) for i in range(5)]
        ws.update(tasklets)
        wd = weakref.WeakValueDictionary(
            {i: stackless.channel() for i in range(3)})
        self.assertEqual(len(ws), 5)
        del tasklets
        collect()
        self.assertEqual(len(ws), 0)
        self.assertEqual(len(wd), 0)

    def test_main_weakref(self):
        r = weakref.ref(stackless.main)
        self.assertIs(r(), stackless.main)

    def test_running_tasklet_stays_alive(self):
        # a tasklet referenced only by the run queue is not collected
        log = []
        r = weakref.ref(stackless.tasklet(log.append)('ran'))
        collect()
        self.assertIsNotNone(r())
        stackless.run()
        self.assertEqual(log, ['ran'])


class SubclassTest(StacklessTestCase):

    def test_tasklet_subclass(self):
        class Named(stackless.tasklet):
            def __init__(self, func, name):
                stackless.tasklet.__init__(self, func)
                self.name = name

        seen = []

        def f(x):
            me = stackless.current
            seen.append((type(me), me.name, x))
        t = Named(f, 'worker')
        self.assertIsInstance(t, stackless.tasklet)
        self.assertEqual(t.name, 'worker')
        self.assertIs(t.tempval, f)
        self.assertIs(t(7), t)
        stackless.run()
        self.assertEqual(seen, [(Named, 'worker', 7)])
        self.assertState(t, DEAD)

    def test_tasklet_subclass_without_init_args(self):
        class Plain(stackless.tasklet):
            pass
        t = Plain()
        self.assertState(t, (False,) * 5)
        t.bind(lambda: None)
        t.setup()
        stackless.run()
        self.assertIsInstance(t, Plain)

    def test_tasklet_subclass_overrides(self):
        class Logged(stackless.tasklet):
            log = []

            def run(self):
                self.log.append('run')
                return super().run()

            def insert(self):
                self.log.append('insert')
                return super().insert()
        t = Logged(lambda: None, ())
        self.assertIs(t.insert(), t)
        t.run()
        self.assertEqual(Logged.log, ['insert', 'run'])
        self.assertState(t, DEAD)

    def test_tasklet_subclass_with_slots_and_cycles(self):
        class Slotted(stackless.tasklet):
            __slots__ = ('partner',)
        a = Slotted(lambda: None)
        b = Slotted(lambda: None)
        a.partner = b
        b.partner = a
        wa = weakref.ref(a)
        del a, b
        collect()
        self.assertIsNone(wa())

    def test_channel_subclass(self):
        class Mailbox(stackless.channel):
            def __init__(self, name, capacity=0):
                self.name = name
                self.sent = 0

            def send(self, value):
                self.sent += 1
                return super().send(value)

        box = Mailbox('box', capacity=3)
        self.assertEqual(box.name, 'box')
        self.assertEqual(box.balance, 0)
        self.assertEqual(box.preference, -1)
        got = []
        stackless.tasklet(lambda: got.append(box.receive()))()
        stackless.run()
        box.send('letter')
        self.assertEqual(got, ['letter'])
        self.assertEqual(box.sent, 1)
        self.assertIsInstance(box, stackless.channel)

    # A for loop over a channel blocks hard.
    @requires_hard_switch
    def test_channel_subclass_iteration(self):
        class Numbers(stackless.channel):
            pass
        ch = Numbers()
        got = []

        def rx():
            for x in ch:
                got.append(x)
        stackless.tasklet(rx)()
        stackless.run()
        ch.send_sequence(range(3))
        ch.send_exception(StopIteration)
        self.assertEqual(got, [0, 1, 2])


class ShutdownTest(StacklessTestCase):
    """Interpreter shutdown with live tasklets (reference section 15.4)."""

    PRELUDE = '''
        import atexit, os, stackless
        def out(msg, write=os.write):
            write(1, (msg + '\\n').encode())
        atexit.register(out, 'atexit')
    '''

    def run_with_prelude(self, body, **kwargs):
        code = textwrap.dedent(self.PRELUDE) + textwrap.dedent(body)
        return self.run_script(code, **kwargs)

    @requires_hard_switch
    def test_live_blocked_and_never_run(self):
        out = self.run_with_prelude('''
            ch = stackless.channel()
            def blocked():
                try:
                    ch.receive()
                finally:
                    out('finally blocked')
            def paused():
                try:
                    stackless.schedule_remove()
                finally:
                    out('finally paused')
            def blocked_in_c():
                try:
                    # C state (the sort) in either switching mode
                    sorted([1], key=lambda x: ch.receive())
                finally:
                    out('finally blocked in C')
            def runnable():
                try:
                    while True:
                        stackless.schedule()
                finally:
                    out('finally runnable')
            def never():
                out('never ran')
            stackless.tasklet(blocked)()
            stackless.tasklet(paused)()
            stackless.tasklet(blocked_in_c)()
            stackless.tasklet(runnable)()
            stackless.schedule()
            stackless.tasklet(never, ())    # set up, never inserted
            out('main ends %d' % stackless.getruncount())
        ''')
        self.assertEqual(out[:2], ['main ends 2', 'atexit'])
        # every tasklet that has begun running is killed after the atexit
        # handlers, whether it was switched soft (blocked, paused and
        # runnable, unless soft switching is off) or hard (blocked in C);
        # the never-run one is not run.  (A runnable never-run tasklet is
        # left out here: killing a runnable tasklet continues with its
        # ring successor, which might be it.)
        self.assertEqual(sorted(out[2:]), ['finally blocked',
                                           'finally blocked in C',
                                           'finally paused',
                                           'finally runnable'])

    def test_clean_exit_with_unstarted_tasklets(self):
        out = self.run_with_prelude('''
            for i in range(100):
                stackless.tasklet(out)('never %d' % i)
            out('main ends')
        ''')
        self.assertEqual(out, ['main ends', 'atexit'])

    def test_sys_exit_with_blocked_tasklet(self):
        out = self.run_with_prelude('''
            import sys
            ch = stackless.channel()
            def blocked():
                try:
                    ch.receive()
                finally:
                    out('finally')
            stackless.tasklet(blocked)()
            stackless.run()
            sys.exit(3)
        ''', expect_rc=3)
        self.assertEqual(out, ['atexit', 'finally'])

    def test_unhandled_exception_in_main_with_live_tasklets(self):
        out, err = self.run_with_prelude('''
            ch = stackless.channel()
            stackless.tasklet(ch.receive)()
            stackless.run()
            raise KeyError('main fails')
        ''', expect_rc=1, allow_stderr=True, return_stderr=True)
        self.assertEqual(out, ['atexit'])
        # the usual traceback, and nothing else
        self.assertEqual(err.splitlines()[0],
                         'Traceback (most recent call last):')
        self.assertEqual(err.splitlines()[-1], "KeyError: 'main fails'")
        self.assertNotIn('Fatal', err)

    def test_daemon_thread_with_tasklets(self):
        # The daemon thread's tasklets are blocked, runnable and current
        # when the interpreter exits; the thread itself waits on a lock.
        # (It neither spins nor is still giving up the GIL when main
        # exits: a daemon thread releasing the GIL while the interpreter
        # finalises reads its freed thread state in drop_gil() on stock
        # 3.13.5 too, CPython gh-124878, which the ASan build reports.
        # The pause lets it finish doing so; nothing here is timed.)
        out = self.run_with_prelude('''
            import threading
            started = threading.Event()
            never = threading.Event()
            ch = stackless.channel()
            def waiter():
                ch.receive()
            def runnable():
                never.wait()
            def thread_main():
                for i in range(2):
                    stackless.tasklet(waiter)()
                stackless.run()
                stackless.tasklet(runnable)()
                stackless.tasklet(runnable)()
                started.set()
                stackless.schedule()
            threading.Thread(target=thread_main, daemon=True).start()
            started.wait()
            import time
            time.sleep(0.5)
            out('main ends')
        ''')
        self.assertEqual(out, ['main ends', 'atexit'])

    def test_tasklet_alive_in_atexit_handler(self):
        out = self.run_with_prelude('''
            def paused():
                try:
                    stackless.schedule_remove()
                    out('resumed in atexit')
                finally:
                    out('finally')
            t = stackless.tasklet(paused)()
            stackless.run()
            atexit.register(t.run)
        ''')
        # atexit handlers run last-registered first
        self.assertEqual(out, ['resumed in atexit', 'finally', 'atexit'])


class CurrentStateAfterCollectionTest(StacklessTestCase):

    @in_subprocess
    def test_collection_inside_tasklet(self):
        # the GC kills an unreachable tasklet while another one is current
        log = []

        def victim(ch):
            try:
                ch.receive()
            finally:
                log.append(('victim finally', stackless.current is not None))

        def collector():
            collect()
            log.append(('collector', state(stackless.current)))
        ch = stackless.channel()
        stackless.tasklet(victim)(ch)
        stackless.run()
        wc = weakref.ref(ch)
        del ch
        stackless.tasklet(collector)()
        stackless.run()
        if HARD_SWITCHING:
            self.assertEqual(log, [('victim finally', True),
                                   ('collector', CURRENT)])
        else:
            # Only main switches from C code (here, the finaliser): the
            # kill waits until main runs again.
            self.assertEqual(log, [('collector', CURRENT),
                                   ('victim finally', True)])
        self.assertIsNone(wc())
        self.assertEqual(stackless.getruncount(), 1)
        self.assertState(stackless.main, CURRENT)


if __name__ == '__main__':
    unittest.main()
