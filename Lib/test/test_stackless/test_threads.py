"""Tasklets and channels across threads (docs/reference.md section 12)."""

import concurrent.futures
import os
import queue
import subprocess
import sys
import threading
import unittest

import stackless
from test.test_stackless.support import (
    StacklessTestCase, in_subprocess, child_env, SUBPROCESS_TIMEOUT,
    SOFTSWITCH, requires_hard_switch)


NO_THREAD = ("the tasklet waiting on the channel has no thread (its thread "
             "ended): kill() it or revive it with bind_thread()")


def start(target, *args):
    th = threading.Thread(target=target, args=args)
    th.start()
    return th


class ChannelAcrossThreadsTest(StacklessTestCase):

    def test_send_and_receive_keep_fifo_order(self):
        ch = stackless.channel()

        def producer():
            for i in range(100):
                ch.send(i)
        th = start(producer)
        got = [ch.receive() for _ in range(100)]
        th.join()
        self.assertEqual(got, list(range(100)))
        self.assertEqual(ch.balance, 0)

    def test_partner_in_other_thread_runs_there_caller_goes_on(self):
        for pref in (-1, 0, 1):
            ch = stackless.channel()
            ch.preference = pref
            where = []

            def thread_main():
                def receiver():
                    where.append((ch.receive(), threading.get_ident()))
                t = stackless.tasklet(receiver)()
                while t.alive:
                    stackless.run()     # returns while the receiver waits
                    threading.Event().wait(0.001)
            th = start(thread_main)
            while ch.balance != -1:
                threading.Event().wait(0.001)
            ch.send('x')                        # no switch here
            self.assertIs(stackless.current, stackless.main)
            self.assertEqual(stackless.getruncount(), 1)
            th.join()
            self.assertEqual(where, [('x', th.ident)])

    def test_send_exception_throw_sequence_and_iteration(self):
        ch = stackless.channel()

        def producer():
            ch.send_exception(KeyError, 'k')
            try:
                raise IndexError('i')
            except IndexError:
                ch.send_throw(*sys.exc_info())
            ch.send_sequence([1, 2, 3])
            ch.send_exception(StopIteration)
        th = start(producer)
        with self.assertRaises(KeyError):
            ch.receive()
        with self.assertRaises(IndexError) as cm:
            ch.receive()
        self.assertEqual(list(ch), [1, 2, 3])
        th.join()

    def test_idle_thread_waits_for_another(self):
        # The other thread blocks with nothing else runnable: it waits
        # instead of failing, and main's send wakes it.
        ch = stackless.channel()
        result = []
        th = start(lambda: result.append(ch.receive()))
        while ch.balance != -1:
            stackless.schedule()
            threading.Event().wait(0.001)
        ch.send(42)
        th.join()
        self.assertEqual(result, [42])

    @in_subprocess
    def test_deadlock_once_no_other_thread_can_help(self):
        ch = stackless.channel()
        th = start(lambda: None)
        th.join()
        self.assertRaisesMessage(RuntimeError, "Deadlock: the last runnable "
                                 "tasklet cannot be blocked.", ch.receive)
        self.assertEqual(ch.balance, 0)
        self.assertIs(stackless.current, stackless.main)

    @in_subprocess
    def test_deadlock_when_last_helping_thread_ends(self):
        # Main waits while a helper thread lives; when the helper ends,
        # main is woken and told.
        ch = stackless.channel()
        stop = threading.Event()
        helper = start(stop.wait)
        threading.Timer(0.05, stop.set).start()
        self.assertRaisesMessage(RuntimeError, "Deadlock: the last runnable "
                                 "tasklet cannot be blocked.", ch.receive)
        self.assertEqual(ch.balance, 0)
        helper.join()


    @in_subprocess
    def test_ctrl_c_while_waiting(self):
        # A signal handler that raises while the main thread sleeps waiting
        # for another thread: the blocking operation raises, as if it had
        # never blocked.
        import signal
        ch = stackless.channel()
        stop = threading.Event()
        helper = start(stop.wait)
        main_id = threading.get_ident()
        threading.Timer(0.05, signal.pthread_kill,
                        (main_id, signal.SIGINT)).start()
        with self.assertRaises(KeyboardInterrupt):
            ch.receive()
        self.assertEqual(ch.balance, 0)
        self.assertIs(stackless.current, stackless.main)
        self.assertEqual(stackless.getruncount(), 1)
        stop.set()
        helper.join()

    def test_main_waits_when_last_tasklet_ends_and_thread_can_help(self):
        # Main blocks; the last runnable tasklet ends; another thread
        # sends later: main gets the value instead of the "main tasklet
        # is receiving" error.
        ch = stackless.channel()
        go = threading.Event()
        stackless.tasklet(go.set)()

        def sender():
            go.wait()
            threading.Event().wait(0.02)
            ch.send('late')
        th = start(sender)
        self.assertEqual(ch.receive(), 'late')
        th.join()

    def test_idle_thread_woken_by_insert_and_run(self):
        ch = stackless.channel()
        log = []
        holder = []

        def thread_main():
            t = stackless.tasklet(log.append)
            t.bind(log.append, ('inserted',))
            u = stackless.tasklet(log.append)
            u.bind(log.append, ('run',))
            holder.extend([t, u])
            log.append(ch.receive())        # the thread sleeps here
        th = start(thread_main)
        while ch.balance != -1:
            threading.Event().wait(0.001)
        holder[0].insert()
        while 'inserted' not in log:
            threading.Event().wait(0.001)
        holder[1].run()
        while 'run' not in log:
            threading.Event().wait(0.001)
        ch.send('end')
        th.join()
        self.assertEqual(log, ['inserted', 'run', 'end'])


class OperationsFromOtherThreadsTest(StacklessTestCase):

    def in_thread(self, body, *tasks):
        """Run body(*tasks) in a new thread; re-raise what it raised."""
        errors = []

        def target():
            try:
                body(*tasks)
            except BaseException as e:
                errors.append(e)
        th = start(target)
        th.join()
        if errors:
            raise errors[0]

    def test_insert_setup_run_remove_on_main_threads_queue(self):
        log = []
        t1 = stackless.tasklet(log.append)
        t1.bind(log.append, ('a',))           # paused
        t2 = stackless.tasklet(log.append)
        t3 = stackless.tasklet(log.append, ('c',))

        def body():
            t1.insert()
            t2.setup('b')
            t3.insert()
            t3.remove()
            self.assertRaisesMessage(RuntimeError,
                                     "can't switch to a different thread.",
                                     t3.switch)
            t3.run()                # linked after main, caller goes on
        self.in_thread(body)
        self.assertEqual(stackless.getruncount(), 4)
        self.assertIs(stackless.current.next, t3)
        stackless.run()
        self.assertEqual(log, ['c', 'a', 'b'])

    def test_throw_and_kill_to_blocked_and_paused(self):
        ch = stackless.channel()
        log = []

        def blocked():
            try:
                ch.receive()
            except ValueError as e:
                log.append(('blocked', str(e)))

        def victim():
            try:
                ch.receive()
            except TaskletExit:
                log.append('killed')
                raise
        a = stackless.tasklet(blocked)()
        b = stackless.tasklet(victim)()
        p = stackless.tasklet(log.append)
        p.bind(log.append, ('paused',))
        stackless.run()
        self.assertEqual(ch.balance, -2)

        def body():
            a.throw(ValueError('v'))          # never switches here
            b.kill()
            p.raise_exception(KeyError, 'k')
        self.in_thread(body)
        self.assertEqual(ch.balance, 0)
        self.assertEqual(stackless.getruncount(), 4)
        with self.assertRaises(KeyError):
            stackless.run()
        stackless.run()
        self.assertEqual(log, [('blocked', 'v'), 'killed'])
        self.assertFalse(a.alive or b.alive or p.alive)

    def test_kill_running_tasklet_of_other_thread(self):
        # The target runs Python code in its own thread: it gets the
        # exception at its thread's next check.
        started = threading.Event()
        result = []

        def spin():
            started.set()
            try:
                while True:
                    pass
            except TaskletExit:
                result.append('exit')
                raise

        def thread_main():
            holder.append(stackless.tasklet(spin)())
            stackless.run()
            result.append('run returned')
        holder = []
        th = start(thread_main)
        started.wait()
        holder[0].kill()
        th.join()
        self.assertEqual(result, ['exit', 'run returned'])

    def test_throw_pending_to_running_tasklet_of_other_thread(self):
        # Thrown while the target runs in its thread (waiting on an
        # Event): raised there, at its thread's next check or switch.
        go = threading.Event()
        result = []

        def target():
            try:
                go.wait()           # the GIL is released here
                stackless.schedule()
                result.append('no exception')
            except ValueError as e:
                result.append(str(e))

        def thread_main():
            holder.append(stackless.tasklet(target)())
            stackless.run()
        holder = []
        th = start(thread_main)
        while not holder or not holder[0].is_current:
            go.wait(0.001)
        holder[0].throw(ValueError('late'), pending=True)
        go.set()
        th.join()
        self.assertEqual(result, ['late'])


class BindThreadTest(StacklessTestCase):

    def test_moved_tasklet_runs_in_new_thread(self):
        ids = []
        t = stackless.tasklet(lambda: ids.append(threading.get_ident()))
        t.bind(t.tempval, ())
        ready = threading.Event()
        done = threading.Event()

        def thread_main():
            stackless.getcurrent()      # its scheduler exists now
            ready.set()
            done.wait()
            stackless.run()
        th = start(thread_main)
        ready.wait()
        while th.ident not in stackless.getthreads():
            ready.wait(0.001)
        t.bind_thread(th.ident)
        self.assertEqual(t.thread_id, th.ident)
        t.insert()                  # into the other thread's queue
        done.set()
        th.join()
        self.assertEqual(ids, [th.ident])

    @in_subprocess
    def test_watchdog_moved_and_run_from_other_thread(self):
        # Issue: a tasklet paused inside stackless.run() in thread A,
        # moved with bind_thread() and run() from thread B, crashed A.
        log = []
        moved = threading.Event()
        holder = []

        def inner():
            log.append(('inner run', threading.get_ident()))
            stackless.run()
            log.append(('inner back', threading.get_ident()))

        def thread_a():
            w = stackless.tasklet(inner)()
            holder.append(w)
            stackless.tasklet(moved.wait)()
            stackless.run()
            log.append('A done')

        def thread_b():
            while not holder or not holder[0].paused:
                moved.wait(0.001)
            try:
                holder[0].bind_thread()
            except RuntimeError as e:
                # Switched hard into run(): its C stack is thread A's.
                log.append(str(e))
                moved.set()
                return
            moved.set()
            holder[0].run()
            stackless.run()
            log.append('B done')
        a = start(thread_a)
        b = start(thread_b)
        a.join()
        b.join()
        if not SOFTSWITCH:
            self.assertIn('tasklet has C state on its stack', log)
            return
        self.assertIn(('inner back', b.ident), log)
        self.assertIn('A done', log)
        self.assertIn('B done', log)

    def test_refuses_current_main_and_c_state(self):
        other = []
        th = start(lambda: other.append(stackless.main))
        th.join()
        self.assertRaisesMessage(RuntimeError, "can't (re)bind the main "
                                 "tasklet of a thread",
                                 other[0].bind_thread)

    def test_orphan_kill_leaves_channel_and_send_keeps_value(self):
        # Issue: kill() of an orphan blocked on a channel left it queued,
        # and a later send lost its value.
        ch = stackless.channel()
        holder = []

        def thread_main():
            holder.append(stackless.tasklet(lambda: ch.receive())())
            stackless.run()
        th = start(thread_main)
        th.join()
        orphan = holder[0]
        if not SOFTSWITCH:
            # Blocked with C state: killed when its thread ended.
            self.assertEqual((ch.balance, orphan.alive), (0, False))
            return
        self.assertEqual(orphan.thread_id, -1)
        self.assertEqual(ch.balance, -1)
        self.assertRaisesMessage(RuntimeError, NO_THREAD, ch.send, 1)
        self.assertEqual(ch.balance, -1)
        orphan.kill()
        self.assertEqual(ch.balance, 0)
        self.assertIsNone(ch.queue)
        self.assertFalse(orphan.alive)
        got = []
        stackless.tasklet(lambda: got.append(ch.receive()))()
        ch.send('kept')
        self.assertEqual(got, ['kept'])

    def test_orphan_revived_by_bind_thread(self):
        ch = stackless.channel()
        holder = []

        def thread_main():
            holder.append(stackless.tasklet(lambda: ch.receive())())
            stackless.run()
        th = start(thread_main)
        th.join()
        orphan = holder[0]
        self.assertFalse(orphan.alive)
        if not SOFTSWITCH:
            self.assertEqual(ch.balance, 0)     # had C state: killed
            return
        orphan.bind_thread()
        self.assertTrue(orphan.alive and orphan.blocked)
        ch.send('revived')
        self.assertFalse(orphan.alive)


class ConcurrencyTest(StacklessTestCase):

    def test_collection_in_other_thread_does_not_stop_switches(self):
        # Only the collecting thread's stack holds the collector's lists
        # (docs/architecture.md D18): other threads switch meanwhile.
        import gc
        started, proceed = threading.Event(), threading.Event()
        inside = []

        class Slow:
            def __del__(self):
                started.set()
                proceed.wait()          # releases the GIL mid-collection
                t = stackless.tasklet(lambda: None)()
                try:
                    stackless.schedule()
                except RuntimeError as e:
                    inside.append(str(e))
                t.remove()

        def collector():
            stackless.getcurrent()
            a = Slow()
            a.cycle = a
            del a
            gc.collect()
        th = start(collector)
        started.wait()
        log = []
        stackless.tasklet(log.append)('switched')
        stackless.run()
        proceed.set()
        th.join()
        self.assertEqual(log, ['switched'])
        self.assertEqual(inside, ['cannot switch tasklets during garbage '
                                  'collection'])

    def test_mixed_with_locks_queues_and_executors(self):
        old = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)
        try:
            ch = stackless.channel()
            q = queue.Queue()
            lock = threading.Lock()
            total = [0]

            def worker(n):
                for i in range(n):
                    with lock:
                        total[0] += 1
                    ch.send(i)
                q.put(n)
                return n
            with concurrent.futures.ThreadPoolExecutor(3) as ex:
                futs = [ex.submit(worker, 50) for _ in range(3)]
                got = sorted(ch.receive() for _ in range(150))
                self.assertEqual([f.result() for f in futs], [50] * 3)
            self.assertEqual(got, sorted(list(range(50)) * 3))
            self.assertEqual(sorted(q.get() for _ in range(3)), [50] * 3)
            self.assertEqual(total[0], 150)
        finally:
            sys.setswitchinterval(old)

    def test_random_stress_with_model(self):
        from test.test_stackless import thread_stress
        for seed in (1, 2, 3):
            r = thread_stress.run(seed, nthreads=3, ntasklets=12,
                                  seconds=0.5)
            self.assertEqual((r['lost'], r['duplicated'], r['unknown'],
                              r['errors']), ([], [], [], []), r)
            self.assertGreater(r['received'], 0)


class RandomOperationsTest(StacklessTestCase):
    """Issue: three threads doing random operations on a shared list of
    tasklets segfaulted in about 4 of 10 seeds (bind_thread() left the
    moved tasklet in its old thread's lists).  Each seed runs in a child."""

    SCRIPT = r'''
import gc, random, sys, threading, stackless
seed = int(sys.argv[1])
shared, lock = [], threading.Lock()
ch = stackless.channel()
def body():
    for _ in range(3):
        stackless.schedule()
        if random.random() < 0.2:
            ch.receive()
go = threading.Event()
def worker(k):
    r = random.Random(seed * 10 + k)
    stackless.getcurrent()
    go.wait()
    for _ in range(3000):
        with lock:
            t = r.choice(shared) if shared else None
        op = r.randrange(13)
        try:
            if op == 0 or t is None:
                t = stackless.tasklet(body)
                with lock:
                    shared.append(t)
                    del shared[:-40]
            elif op == 1: t.insert()
            elif op == 2: t.remove()
            elif op == 3: t.run()
            elif op == 4: t.kill()
            elif op == 5: t.kill(pending=True)
            elif op == 6: t.bind_thread(r.choice(ids))
            elif op == 7: t.bind(None)
            elif op == 8: t.setup()
            elif op == 9: t.switch()
            elif op == 10: stackless.run()
            elif op == 11 and r.random() < 0.02: gc.collect()
            elif op == 12: stackless.tasklet(ch.send)(None)
        except (RuntimeError, ValueError, TypeError):
            pass
    for t in list(shared):
        try:
            t.kill()
        except RuntimeError:
            pass
ids = []
ths = [threading.Thread(target=worker, args=(k,)) for k in range(3)]
for th in ths:
    th.start()
    ids.append(th.ident)
go.set()
for th in ths:
    th.join()
print('ok')
'''

    def test_seeds(self):
        for seed in range(6):
            proc = subprocess.run(
                [sys.executable, '-X', 'faulthandler', '-c', self.SCRIPT,
                 str(seed)], capture_output=True, text=True,
                env=child_env(), timeout=SUBPROCESS_TIMEOUT)
            self.assertEqual((proc.returncode, proc.stdout.strip(),
                              proc.stderr), (0, 'ok', ''))


# A daemon thread that blocks queues itself on the channel, then releases
# the GIL; CPython 3.13's drop_gil() reads the thread state after letting
# the GIL go, so if the main thread took it that instant and finalised,
# that read hits freed memory (ASan sees it; stock 3.13 has the same race
# for any daemon thread releasing the GIL at exit).  The scripts let the
# daemons fall asleep first.
SETTLE = "threading.Event().wait(0.2)\n"


class ShutdownTest(StacklessTestCase):

    def test_daemon_thread_waiting_on_channel_at_exit(self):
        out = self.run_script(
            "import threading, stackless\n"
            "ch = stackless.channel()\n"
            "def body():\n"
            "    try:\n"
            "        ch.receive()\n"
            "    finally:\n"
            "        pass\n"
            "th = threading.Thread(target=body, daemon=True)\n"
            "th.start()\n"
            "while ch.balance != -1:\n"
            "    threading.Event().wait(0.001)\n"
            + SETTLE +
            "print('exit')\n")
        self.assertEqual(out, ['exit'])

    def test_daemon_threads_asleep_while_others_end_and_at_exit(self):
        # Threads that end wake the sleepers (they look again and sleep
        # on, main being alive); at shutdown nobody wakes them.
        out = self.run_script(
            "import threading, stackless\n"
            "chs = [stackless.channel() for _ in range(4)]\n"
            "for ch in chs:\n"
            "    threading.Thread(target=ch.receive, daemon=True).start()\n"
            "while any(ch.balance != -1 for ch in chs):\n"
            "    threading.Event().wait(0.001)\n"
            + SETTLE +
            "for _ in range(3):\n"
            "    t = threading.Thread(target=lambda: None)\n"
            "    t.start(); t.join()\n"
            "print([ch.balance for ch in chs])\n")
        self.assertEqual(out, ['[-1, -1, -1, -1]'])

    @requires_hard_switch
    def test_thread_ends_with_tasklets_blocked_on_shared_channel(self):
        out = self.run_script(
            "import threading, stackless\n"
            "ch = stackless.channel()\n"
            "log = []\n"
            "def c_state():\n"
            "    try:\n"
            "        sorted([1, 2], key=lambda x: ch.receive())\n"
            "    finally:\n"
            "        log.append('cleanup')\n"
            "def thread_main():\n"
            "    stackless.tasklet(c_state)()\n"
            "    stackless.tasklet(ch.receive)()\n"
            "    stackless.run()\n"
            "th = threading.Thread(target=thread_main)\n"
            "th.start(); th.join()\n"
            "print(log, ch.balance)\n")
        # Both have C state (a C call started the second): killed, unblocked.
        self.assertEqual(out, ["['cleanup'] 0"])


if __name__ == '__main__':
    unittest.main()
