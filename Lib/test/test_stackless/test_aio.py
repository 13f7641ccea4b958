"""stackless.aio: tasklets on an asyncio event loop (user guide, "Tasklets
and asyncio")."""

import asyncio
import contextvars
import threading
import unittest

import stackless
from stackless import aio

from test.test_stackless.support import SOFTSWITCH, StacklessTestCase


class TaskletSide(StacklessTestCase):
    """A tasklet in blocking style waits on awaitables."""

    def test_wait_coroutine_and_future(self):
        log = []

        def worker(name, delay):
            log.append((name, 'start'))
            r = aio.wait(asyncio.sleep(delay, result=name))
            log.append((name, r))

        async def main():
            fut = asyncio.get_running_loop().create_future()
            aio.start(worker, 'slow', 0.05)
            aio.start(worker, 'fast', 0.0)
            t = aio.start(lambda: log.append(('fut', aio.wait(fut))))
            await asyncio.sleep(0.01)
            log.append('loop went on')
            self.assertTrue(t.alive)
            fut.set_result(7)
            await asyncio.sleep(0.1)
        aio.run(main())
        self.assertEqual(log[:2], [('slow', 'start'), ('fast', 'start')])
        self.assertLess(log.index(('fast', 'fast')), log.index('loop went on'))
        self.assertLess(log.index('loop went on'), log.index(('fut', 7)))
        self.assertLess(log.index(('fut', 7)), log.index(('slow', 'slow')))

    def test_wait_other_awaitable(self):
        class Awaitable:
            def __await__(self):
                yield from asyncio.sleep(0).__await__()
                return 'awaited'

        async def main():
            return await aio.call(aio.wait, Awaitable())
        self.assertEqual(aio.run(main()), 'awaited')

    def test_done_without_waiting(self):
        # A coroutine that need not wait completes in the call itself.
        async def ready():
            return 'now'

        def worker():
            return aio.wait(ready()), stackless.getruncount()

        async def main():
            return await aio.call(worker)
        self.assertEqual(aio.run(main())[0], 'now')

    def test_exception(self):
        async def boom():
            await asyncio.sleep(0)
            raise KeyError('k')

        def worker():
            try:
                aio.wait(boom())
            except KeyError as e:
                return 'caught', e.args

        async def main():
            return await aio.call(worker)
        self.assertEqual(aio.run(main()), ('caught', ('k',)))

    def test_timeout(self):
        log = []

        async def slow():
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                log.append('coroutine cancelled')
                raise

        def worker():
            try:
                aio.wait(slow(), timeout=0.01)
            except TimeoutError:
                log.append('timeout')

        async def main():
            await aio.call(worker)
        aio.run(main())
        self.assertEqual(log, ['coroutine cancelled', 'timeout'])

    def test_asyncio_timeout_inside_coroutine(self):
        async def limited():
            async with asyncio.timeout(0.01):
                await asyncio.sleep(10)

        def worker():
            with self.assertRaises(TimeoutError):
                aio.wait(limited())
            return 'ok'

        async def main():
            return await aio.call(worker)
        self.assertEqual(aio.run(main()), 'ok')

    def test_task_protocol_inside(self):
        # The coroutine sees a current task that cancels like one:
        # TaskGroup and nested asyncio.timeout() work.
        async def child(n):
            await asyncio.sleep(0)
            return n

        async def grouped():
            task = asyncio.current_task()
            assert task is not None
            async with asyncio.TaskGroup() as tg:
                ts = [tg.create_task(child(n)) for n in range(3)]
            try:
                async with asyncio.timeout(0.01):
                    async with asyncio.timeout(5):
                        await asyncio.sleep(1)
            except TimeoutError:
                pass
            assert task.cancelling() == 0
            await asyncio.sleep(0)          # a bare yield: one loop turn
            return [t.result() for t in ts]

        async def main():
            return await aio.call(aio.wait, grouped())
        self.assertEqual(aio.run(main()), [0, 1, 2])

    def test_taskgroup_failure_inside(self):
        async def bad():
            await asyncio.sleep(0)
            raise KeyError('child')

        async def grouped():
            async with asyncio.TaskGroup() as tg:
                tg.create_task(bad())
                await asyncio.sleep(5)

        def worker():
            try:
                aio.wait(grouped())
            except ExceptionGroup as eg:
                return [str(e) for e in eg.exceptions]

        async def main():
            return await aio.call(worker)
        self.assertEqual(aio.run(main()), ["'child'"])

    def test_other_loops_future(self):
        other = asyncio.new_event_loop()
        try:
            fut = other.create_future()

            async def waits():
                await fut

            def worker():
                with self.assertRaisesRegex(RuntimeError, 'another loop'):
                    aio.wait(waits())
                return 'ok'

            async def main():
                return await aio.call(worker)
            self.assertEqual(aio.run(main()), 'ok')
        finally:
            other.close()

    def test_cancelled_by_asyncio(self):
        holder = []

        def worker():
            task = asyncio.ensure_future(asyncio.sleep(10))
            holder.append(task)
            try:
                aio.wait(task)
            except asyncio.CancelledError:
                return 'cancelled'

        async def main():
            fut = aio.call(worker)
            await asyncio.sleep(0.01)
            holder[0].cancel()
            return await fut
        self.assertEqual(aio.run(main()), 'cancelled')

    def test_kill_while_waiting_cancels(self):
        log = []

        async def slow():
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                log.append('coroutine cancelled')
                raise

        def worker():
            try:
                aio.wait(slow())
            except TaskletExit:
                log.append('killed')
                raise

        async def main():
            t = aio.start(worker)
            await asyncio.sleep(0.01)
            self.assertTrue(t.blocked or not t.scheduled)
            t.kill()
            await asyncio.sleep(0.01)
            self.assertFalse(t.alive)
        aio.run(main())
        self.assertEqual(log, ['coroutine cancelled', 'killed'])

    def test_contextvars(self):
        # A coroutine runs in the tasklet's context, as `await` runs one
        # in its task's; each tasklet has its own.
        var = contextvars.ContextVar('var', default='unset')
        seen = []

        async def look():
            await asyncio.sleep(0)
            seen.append(var.get())
            var.set(var.get() + ' changed')

        def worker(v):
            var.set(v)
            aio.wait(look())
            aio.sleep(0)
            seen.append(var.get())

        async def main():
            aio.start(worker, 'a')
            aio.start(worker, 'b')
            await asyncio.sleep(0.02)
            seen.append(var.get())
        aio.run(main())
        self.assertEqual(sorted(seen), ['a', 'a changed', 'b', 'b changed',
                                        'unset'])

    def test_sleep(self):
        order = []

        def worker(name, d):
            aio.sleep(d)
            order.append(name)

        async def main():
            aio.start(worker, 'b', 0.03)
            aio.start(worker, 'a', 0.0)
            await asyncio.sleep(0.06)
        aio.run(main())
        self.assertEqual(order, ['a', 'b'])

    def test_select_timeout(self):
        a, b = stackless.channel(), stackless.channel()

        def worker():
            first = aio.select([a, b], timeout=0.01)
            second = aio.select([a, b], timeout=5)
            third = aio.select([a, b], timeout=0)
            return first, second, third

        async def main():
            fut = aio.call(worker)
            await asyncio.sleep(0.05)
            await aio.send(b, 'late')
            return await fut
        self.assertEqual(aio.run(main()), (None, (1, 'late'), None))
        self.assertEqual((a.balance, b.balance), (0, 0))

    @unittest.skipUnless(SOFTSWITCH, 'soft switching is off')
    def test_waiting_tasklet_is_soft(self):
        async def main():
            t = aio.start(aio.sleep, 0.02)
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            self.assertTrue(t.alive)
            self.assertTrue(t.restorable)
            self.assertEqual(t.nesting_level, 0)
            await asyncio.sleep(0.05)
            self.assertFalse(t.alive)
        aio.run(main())


class Misuse(StacklessTestCase):

    def test_no_loop(self):
        with self.assertRaisesRegex(RuntimeError, 'needs a running asyncio'):
            aio.wait(asyncio.sleep(0))
        with self.assertRaisesRegex(RuntimeError, 'needs a running asyncio'):
            aio.start(print)

    def test_wait_in_loop_tasklet(self):
        async def main():
            coro = asyncio.sleep(0)
            try:
                aio.wait(coro)
            finally:
                coro.close()
        with self.assertRaisesRegex(RuntimeError, 'would block the tasklet '
                                                  'that runs the event loop'):
            aio.run(main())

    def test_loop_closed_while_waiting(self):
        log = []

        def worker():
            try:
                aio.wait(never)
            except aio.LoopClosedError as e:
                log.append(str(e))

        loop = aio.new_event_loop()
        never = loop.create_future()

        async def main():
            aio.start(worker)
            await asyncio.sleep(0.01)
        loop.run_until_complete(main())
        loop.close()
        self.assertEqual(len(log), 1)
        self.assertIn('event loop was closed', log[0])

    def test_loop_closed_error_not_handled(self):
        loop = aio.new_event_loop()
        never = loop.create_future()

        async def main():
            aio.start(aio.wait, never)
            await asyncio.sleep(0.01)
        loop.run_until_complete(main())
        # Unhandled, it ends the tasklet quietly, as asyncio.run() ends
        # the tasks it cancels.
        loop.close()
        self.assertTrue(loop.is_closed())
        self.assertEqual(stackless.getruncount(), 1)

    def test_unhandled_tasklet_exception_reported(self):
        errors = []

        def bad():
            aio.sleep(0)
            raise ValueError('in a tasklet')

        async def main():
            loop = asyncio.get_running_loop()
            loop.set_exception_handler(lambda l, ctx: errors.append(ctx))
            aio.start(bad)
            await asyncio.sleep(0.02)
            return 'loop went on'
        self.assertEqual(aio.run(main()), 'loop went on')
        self.assertEqual(len(errors), 1)
        self.assertIsInstance(errors[0]['exception'], ValueError)

    def test_failing_main_with_waiting_tasklets_is_quiet(self):
        # asyncio.run() ends quietly what it cancels; so do tasklets that
        # wait when it ends: only main's exception is reported.
        out, err = self.run_script(
            'import asyncio\n'
            'from stackless import aio\n'
            'def worker(n):\n'
            '    aio.wait(asyncio.sleep(10))\n'
            'async def main():\n'
            '    for n in range(50):\n'
            '        aio.start(worker, n)\n'
            '    await asyncio.sleep(0.01)\n'
            '    raise ValueError("main fails")\n'
            'try:\n'
            '    aio.run(main())\n'
            'except ValueError as e:\n'
            '    print("main:", e)\n',
            return_stderr=True)
        self.assertEqual(out, ['main: main fails'])
        self.assertEqual(err, '')

    def test_keyboard_interrupt_propagates(self):
        def bad():
            aio.sleep(0)
            raise KeyboardInterrupt

        async def main():
            aio.start(bad)
            await asyncio.sleep(1)
        with self.assertRaises(KeyboardInterrupt):
            aio.run(main())


class AsyncioSide(StacklessTestCase):
    """asyncio code talks to tasklets over channels."""

    def test_send_receive(self):
        ch, back = stackless.channel(), stackless.channel()

        def echo():
            while True:
                v = ch.receive()
                if v is None:
                    return
                back.send(v * 2)

        async def main():
            aio.start(echo)
            out = []
            for i in range(5):
                await aio.send(ch, i)
                out.append(await aio.receive(back))
            await aio.send(ch, None)
            return out
        self.assertEqual(aio.run(main()), [0, 2, 4, 6, 8])
        self.assertEqual((ch.balance, back.balance), (0, 0))

    def test_send_does_not_run_the_receiver_inline(self):
        # The receiver goes on later, in the bridge's turn, not inside
        # the sending coroutine (where it could not wait on the loop).
        ch = stackless.channel()
        log = []

        def worker():
            v = ch.receive()
            log.append(('got', v))
            log.append(aio.wait(asyncio.sleep(0.01, result=v * 2)))

        async def main():
            aio.start(worker)
            await asyncio.sleep(0.01)
            self.assertEqual(ch.balance, -1)
            await aio.send(ch, 21)
            log.append('sender on')
            await asyncio.sleep(0.05)
        aio.run(main())
        self.assertEqual(log, ['sender on', ('got', 21), 42])
        self.assertEqual(ch.preference, -1)

    def test_receive_ready_sender(self):
        ch = stackless.channel()

        async def main():
            aio.start(ch.send, 'waiting sender')
            await asyncio.sleep(0.01)
            self.assertEqual(ch.balance, 1)
            return await aio.receive(ch)
        self.assertEqual(aio.run(main()), 'waiting sender')

    def test_cancel_receive(self):
        ch = stackless.channel()

        async def main():
            with self.assertRaises(TimeoutError):
                async with asyncio.timeout(0.01):
                    await aio.receive(ch)
            await asyncio.sleep(0)
            return ch.balance
        self.assertEqual(aio.run(main()), 0)

    def test_call(self):
        def work(x, *, y):
            aio.sleep(0)
            return x + y

        def fails():
            raise LookupError('no')

        async def main():
            r = await aio.call(work, 1, y=2)
            with self.assertRaises(LookupError):
                await aio.call(fails)
            return r
        self.assertEqual(aio.run(main()), 3)

    def test_call_cancelled_kills(self):
        log = []

        def work():
            try:
                aio.sleep(10)
            except TaskletExit:
                log.append('killed')
                raise

        async def main():
            fut = aio.call(work)
            await asyncio.sleep(0.01)
            fut.cancel()
            await asyncio.sleep(0.01)
        aio.run(main())
        self.assertEqual(log, ['killed'])

    def test_plain_tasklet_from_coroutine_runs(self):
        # On aio's loop a tasklet made runnable by asyncio code runs at
        # the loop's next turn, without aio.start().
        log = []

        async def main():
            stackless.tasklet(log.append)('ran')
            await asyncio.sleep(0.01)
        aio.run(main())
        self.assertEqual(log, ['ran'])

    def test_plain_asyncio_loop(self):
        # Any asyncio loop works through aio.start() / aio.call().
        async def main():
            return await aio.call(aio.wait, asyncio.sleep(0, 'plain'))
        self.assertEqual(asyncio.run(main()), 'plain')


class Connections(StacklessTestCase):
    """aio.start_server() / open_connection(): a tasklet per connection,
    in blocking style, on the loop's transports."""

    def serve(self, handler, client):
        async def main():
            server = await aio.start_server(handler, '127.0.0.1', 0)
            port = server.sockets[0].getsockname()[1]
            try:
                return await aio.call(client, port)
            finally:
                server.close()
                await server.wait_closed()
        return aio.run(main())

    def test_echo_lines_and_big_payload(self):
        def upper(conn):
            while line := conn.readline():
                conn.send(line.upper())

        def client(port):
            with aio.open_connection('127.0.0.1', port) as c:
                out = []
                for i in range(3):
                    c.send(b'line %d\n' % i)
                    out.append(c.readline())
                big = b'x' * 500_000 + b'\n'   # beyond every buffer limit
                c.send(big)
                out.append(c.readexactly(len(big)) == big.upper())
                return out
        self.assertEqual(self.serve(upper, client),
                         [b'LINE 0\n', b'LINE 1\n', b'LINE 2\n', True])

    def test_eof(self):
        def greet_and_close(conn):
            conn.send(b'partial line, then the end')

        def client(port):
            c = aio.open_connection('127.0.0.1', port)
            first = c.recv(7)
            line = c.readline()
            end = (c.recv(), c.readline())
            try:
                c.readexactly(1)
            except asyncio.IncompleteReadError as e:
                end += (e.partial,)
            c.close()
            return first, line, end
        self.assertEqual(self.serve(greet_and_close, client),
                         (b'partial', b' line, then the end',
                          (b'', b'', b'')))

    def test_half_close(self):
        # The client is done sending; the reply still reaches it.
        def handler(conn):
            data = conn.readline()
            aio.sleep(0.02)
            conn.send(data.upper())

        def client(port):
            c = aio.open_connection('127.0.0.1', port)
            c.send(b'hello\n')
            c.write_eof()
            reply = c.recv()
            end = c.recv()
            c.close()
            return reply, end
        self.assertEqual(self.serve(handler, client), (b'HELLO\n', b''))

    def test_send_after_close(self):
        def nothing(conn):
            pass

        def client(port):
            c = aio.open_connection('127.0.0.1', port)
            c.close()
            with self.assertRaises(ConnectionResetError):
                c.send(b'x')
            return 'ok'
        self.assertEqual(self.serve(nothing, client), 'ok')

    def test_one_reader_at_a_time_and_kill(self):
        log = []

        def silent(conn):
            conn.recv()

        def client(port):
            c = aio.open_connection('127.0.0.1', port)
            first = aio.start(lambda: log.append(c.recv()))
            aio.sleep(0.01)
            with self.assertRaisesRegex(RuntimeError, 'another tasklet'):
                c.recv()
            first.kill()
            c.send(b'now')
            c.close()
            return 'ok'
        self.assertEqual(self.serve(silent, client), 'ok')
        self.assertEqual(log, [])

    def test_handler_exception_reported(self):
        errors = []

        def bad(conn):
            raise KeyError('handler')

        def client(port):
            asyncio.get_running_loop().set_exception_handler(
                lambda loop, ctx: errors.append(ctx['exception']))
            c = aio.open_connection('127.0.0.1', port)
            got = c.recv()          # closed by the failed handler
            c.close()
            return got
        self.assertEqual(self.serve(bad, client), b'')
        self.assertEqual([type(e) for e in errors], [KeyError])

    def test_loop_closed_while_reading(self):
        log = []

        def handler(conn):
            try:
                conn.recv()
            except aio.LoopClosedError:
                log.append('closed')
                raise

        async def main():
            server = await aio.start_server(handler, '127.0.0.1', 0)
            port = server.sockets[0].getsockname()[1]
            reader, writer = await asyncio.open_connection('127.0.0.1', port)
            await asyncio.sleep(0.02)
            server.close()
            return writer

        import gc
        import warnings
        loop = aio.new_event_loop()
        writer = loop.run_until_complete(main())
        # Closed while the handler waits in recv(): the transports left
        # open are asyncio's to complain about, as after asyncio.run().
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', ResourceWarning)
            loop.close()
            writer.get_extra_info('socket')._sock.close()
            del writer
            gc.collect()
        self.assertEqual(log, ['closed'])
        self.assertEqual(stackless.getruncount(), 1)

    def test_not_from_the_loop(self):
        async def main():
            with self.assertRaisesRegex(RuntimeError, 'would block'):
                aio.open_connection('127.0.0.1', 1)
        aio.run(main())


class LoopInAnotherThread(StacklessTestCase):
    """The loop runs in a thread of its own; tasklets of this thread use
    it with wait(loop=...), and its coroutines reach them over channels
    (the scheduler wakes the loop through the bridge's wakeup fd)."""

    def setUp(self):
        super().setUp()
        self.loop = aio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever)
        self.thread.start()

    def tearDown(self):
        if not self.loop.is_closed():
            self.stop_loop()
            self.loop.close()
        self.thread.join(10)
        self.loop = self.thread = None
        super().tearDown()

    def stop_loop(self, cancel=True):
        async def cancel_all():
            me = asyncio.current_task()
            tasks = [t for t in asyncio.all_tasks() if t is not me]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if cancel:
            asyncio.run_coroutine_threadsafe(cancel_all(),
                                             self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def test_wait(self):
        var = contextvars.ContextVar('var', default='unset')

        async def work(n):
            await asyncio.sleep(0.01)
            return n, var.get(), threading.current_thread() is self.thread

        done = stackless.channel()

        def worker(n):
            var.set(n)
            done.send(aio.wait(work(n), loop=self.loop))
        for n in range(3):
            stackless.tasklet(worker)(n)
        got = sorted(done.receive() for _ in range(3))
        self.assertEqual(got, [(0, 0, True), (1, 1, True), (2, 2, True)])
        # main waits too: its thread sleeps until the answer comes.
        self.assertEqual(aio.wait(work(7), loop=self.loop),
                         (7, 'unset', True))

    def test_errors_and_timeout(self):
        async def bad():
            raise KeyError('k')

        async def slow():
            await asyncio.sleep(10)
        with self.assertRaises(KeyError):
            aio.wait(bad(), loop=self.loop)
        with self.assertRaises(TimeoutError):
            aio.wait(slow(), timeout=0.01, loop=self.loop)

    def test_kill_cancels(self):
        cancelled = threading.Event()
        started = threading.Event()

        async def slow():
            started.set()
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                cancelled.set()
                raise
        t = stackless.tasklet(aio.wait)(slow(), loop=self.loop)
        stackless.run()
        self.assertTrue(t.blocked)
        self.assertTrue(started.wait(10))
        t.kill()
        self.assertTrue(cancelled.wait(10))

    def test_kill_before_start(self):
        # Killed before the loop took the coroutine: it never runs.
        ran = threading.Event()

        async def never():
            ran.set()
        # The loop's thread is held up until the kill is done.
        hold = threading.Event()
        self.loop.call_soon_threadsafe(hold.wait, 10)
        t = stackless.tasklet(aio.wait)(never(), loop=self.loop)
        stackless.run()
        t.kill()
        hold.set()
        asyncio.run_coroutine_threadsafe(asyncio.sleep(0.01),
                                         self.loop).result(10)
        self.assertFalse(ran.is_set())

    def test_channels_from_the_loop(self):
        ch, back = stackless.channel(), stackless.channel()

        def echo():
            for _ in range(3):
                back.send(ch.receive() + 1)

        done = stackless.channel()

        async def feed():
            out = []
            for i in range(3):
                await aio.send(ch, i)
                out.append(await aio.receive(back))
            await aio.send(done, out)
        stackless.tasklet(echo)()
        stackless.run()
        asyncio.run_coroutine_threadsafe(feed(), self.loop)
        # Main sleeps in the scheduler while the loop's thread drives the
        # echo tasklet here.
        self.assertEqual(done.receive(), [1, 2, 3])

    def test_loop_closed(self):
        log = []
        done = stackless.channel()

        async def slow():
            await asyncio.sleep(10)

        never = self.loop.create_future()

        def waiter():
            try:
                aio.wait(never, loop=self.loop)
            except aio.LoopClosedError:
                log.append('closed')
            done.send(None)
        stackless.tasklet(waiter)()
        stackless.run()
        import time
        time.sleep(0.05)
        self.stop_loop(cancel=False)
        self.loop.close()
        done.receive()
        self.assertEqual(log, ['closed'])
        with self.assertRaisesRegex(RuntimeError, 'loop is closed'):
            aio.wait(slow(), loop=self.loop)


if __name__ == '__main__':
    unittest.main()
