"""Tasklets on an asyncio event loop: ``stackless.aio``.

A tasklet written in plain blocking style waits on any awaitable with
``aio.wait()``; asyncio code talks to tasklets over channels with
``await aio.send()`` / ``await aio.receive()`` and runs a function in a
tasklet with ``await aio.call()``.  The user guide's chapter "Tasklets
and asyncio" says when to use which; docs/architecture.md D46 says why
it is built this way.

How it works: the loop runs in one tasklet (usually main), its *home*.
Whenever tasklets are runnable, a callback on the loop (the pump) lets
them run one round, then the loop goes on.  A tasklet that waits on an
awaitable takes itself out of the run queue; the awaitable's done
callback puts it back and wakes the pump.  Nothing polls.
"""

import asyncio
import contextvars
import socket
import stackless
import threading
import weakref

__all__ = ["run", "new_event_loop", "EventLoop", "wait", "sleep", "select",
           "call", "start", "send", "receive", "LoopClosedError"]


class LoopClosedError(RuntimeError):
    """Raised in a tasklet whose wait could not end: its loop closed."""


# One bridge per loop that tasklets have used.
_bridges = weakref.WeakKeyDictionary()
_kept_open = []


class _Bridge:
    __slots__ = ("loop", "home", "kicked", "waiting", "_close", "_rsock",
                 "_wsock", "_old_fd", "_thread", "__weakref__")

    def __init__(self, loop):
        self.loop = loop
        self.home = None        # the tasklet the loop runs in
        self.kicked = False     # a pump is scheduled
        self.waiting = {}       # tasklet -> how to cancel its wait
        # Another thread that makes a tasklet of ours runnable (a channel
        # transfer, a throw) writes a byte here: the loop wakes from its
        # selector and pumps.  Made in the loop's thread, as all bridges.
        self._thread = threading.get_ident()
        self._rsock, self._wsock = socket.socketpair()
        self._rsock.setblocking(False)
        self._wsock.setblocking(False)
        loop.add_reader(self._rsock.fileno(), self._woken)
        self._old_fd = stackless._set_wakeup_fd(self._wsock.fileno())
        # Tasklets still waiting when the loop closes hear of it: close()
        # is looked up on the instance first, so wrapping it there works
        # for every loop written in Python.
        self._close = loop.close
        loop.close = self.close

    def _woken(self):
        try:
            while self._rsock.recv(4096):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        self.kick()

    def kick(self):
        if not self.kicked:
            self.kicked = True
            self.loop.call_soon(self.pump)

    def pump(self):
        self.kicked = False
        self.home = stackless.getcurrent()
        if stackless.getruncount() > 1:
            try:
                # One round: every tasklet ahead of us runs until it
                # switches, then the loop goes on.
                stackless.schedule()
            except Exception as exc:
                # A tasklet ended with an exception: stackless hands it
                # to main; the loop reports it as asyncio reports an
                # unretrieved task exception, and goes on.
                self.loop.call_exception_handler({
                    "message": "Unhandled exception in a tasklet",
                    "exception": exc,
                })
        if stackless.getruncount() > 1:
            self.kick()

    def close(self):
        try:
            err = None
            while self.waiting:
                t, cancel = self.waiting.popitem()
                cancel()
                if t.alive and cancel is _across:
                    # Waiting from another thread (wait(loop=...)), on a
                    # channel: it hears of it in its own thread.
                    t.throw(LoopClosedError(
                        "the asyncio event loop was closed while this "
                        "tasklet waited on it"), pending=True)
                elif t.alive and not t.scheduled:
                    exc = LoopClosedError(
                        "the asyncio event loop was closed while this "
                        "tasklet waited on it")
                    try:
                        t.throw(exc)
                    except BaseException as e:
                        # Not handled in the tasklet: it reaches us, as
                        # main, like any tasklet's exception; the others
                        # still hear of the closing first.
                        if err is None:
                            err = e
            if err is not None:
                raise err
        finally:
            _bridges.pop(self.loop, None)
            del self.loop.close
            if not self.loop.is_closed():
                self.loop.remove_reader(self._rsock.fileno())
            self._rsock.close()
            if threading.get_ident() == self._thread:
                stackless._set_wakeup_fd(self._old_fd)
                self._wsock.close()
            elif any(t.ident == self._thread for t in threading.enumerate()):
                # Closed from another thread while the loop's thread
                # lives on: its scheduler still writes to the fd, which
                # must not be reused for another file.  Kept open.
                _kept_open.append(self._wsock)
            else:
                self._wsock.close()
            self._close()


def _bridge(loop):
    b = _bridges.get(loop)
    if b is None:
        b = _bridges[loop] = _Bridge(loop)
    return b


def _loop_for_tasklet(fname):
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        raise RuntimeError(f"aio.{fname}() needs a running asyncio event "
                           f"loop in this thread") from None
    b = _bridge(loop)
    cur = stackless.getcurrent()
    if (cur is b.home or asyncio.current_task(loop) is not None
            or (b.home is None and cur.is_main)):
        raise RuntimeError(f"aio.{fname}() would block the tasklet that "
                           f"runs the event loop; use await there")
    return loop, b, cur


def _block(b, cur, fut, cancel):
    """Take `cur` out of the run queue until `fut` is done."""
    def wake(_fut, cur=cur, b=b):
        b.waiting.pop(cur, None)
        if cur.alive and not cur.scheduled:
            cur.insert()
            b.kick()
    fut.add_done_callback(wake)
    b.waiting[cur] = cancel
    try:
        stackless.schedule_remove()
    except BaseException:
        # Killed or thrown into while waiting.
        b.waiting.pop(cur, None)
        fut.remove_done_callback(wake)
        cancel()
        raise
    # Woken: normally by `wake`; anything else that inserted us first
    # (tasklet.insert() by hand) leaves the wait unfinished.
    if not fut.done():
        b.waiting.pop(cur, None)
        fut.remove_done_callback(wake)
        cancel()
        raise RuntimeError("the tasklet was made runnable while it "
                           "waited in aio.wait()")


def wait(aw, timeout=None, *, loop=None):
    """Block the current tasklet until awaitable `aw` is done.

    Returns its result or raises its exception; the loop and the other
    tasklets go on meanwhile.  A coroutine runs as an asyncio task, in
    a copy of the tasklet's context.  With a `timeout` (seconds) the
    awaitable is cancelled when it runs out, and TimeoutError raised.
    `loop`: a loop running in another thread, to run `aw` there.
    """
    if loop is not None and not _runs_here(loop):
        return _wait_across(aw, loop, timeout)
    try:
        loop, b, cur = _loop_for_tasklet("wait")
    except RuntimeError:
        # It cannot run: a coroutine handed over is closed, not left to
        # warn that it was never awaited.
        if asyncio.iscoroutine(aw):
            aw.close()
        raise
    if asyncio.isfuture(aw):
        fut = aw
        owned = False
    else:
        if asyncio.iscoroutine(aw):
            coro = aw
        else:
            coro = _await(aw)
        # Started eagerly: a coroutine that need not wait (a read from a
        # filled buffer) is done here, without a trip through the loop.
        fut = asyncio.Task(coro, loop=loop, eager_start=True)
        owned = True
    if fut.done():
        return fut.result()
    timer = None
    expired = []
    if timeout is not None:
        def expire():
            expired.append(True)
            fut.cancel()
        timer = loop.call_later(timeout, expire)
    cancel = fut.cancel if owned else _nothing
    try:
        _block(b, cur, fut, cancel)
    finally:
        if timer is not None:
            timer.cancel()
    if expired and fut.cancelled():
        raise TimeoutError(f"aio.wait() timed out after {timeout} s")
    return fut.result()


def _runs_here(loop):
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def _wait_across(aw, loop, timeout):
    """wait() on a loop of another thread.

    The awaitable runs there as a task; its outcome comes back over a
    channel, sent by a tasklet of the loop's thread, so the loop never
    blocks: if the waiter gave up first, it closed the channel, and the
    send fails at once instead of waiting (D46).
    """
    if loop.is_closed():
        if asyncio.iscoroutine(aw):
            aw.close()
        raise RuntimeError("aio.wait(): the event loop is closed")
    ch = stackless.channel()
    ctx = contextvars.copy_context()
    cur = stackless.getcurrent()
    state = {}

    def deliver(task):                  # in the loop's thread
        if task.cancelled():
            outcome = (False, TimeoutError(
                f"aio.wait() timed out after {timeout} s")
                if state.get("expired") else asyncio.CancelledError())
        elif task.exception() is not None:
            outcome = (False, task.exception())
        else:
            outcome = (True, task.result())

        def sender():
            try:
                ch.send(outcome)
            except ValueError:
                pass                    # closed: the waiter is gone
        stackless.tasklet(sender)()
        b = _bridge(loop)
        b.waiting.pop(cur, None)
        b.kick()

    def expire():
        state["expired"] = True
        state["task"].cancel()

    def begin():                        # in the loop's thread
        if ch.closing:
            if asyncio.iscoroutine(aw):
                aw.close()
            return
        if asyncio.isfuture(aw):
            task = aw
        else:
            coro = aw if asyncio.iscoroutine(aw) else _await(aw)
            task = loop.create_task(coro, context=ctx)
        state["task"] = task
        if timeout is not None:
            handle = loop.call_later(timeout, expire)
            task.add_done_callback(lambda _: handle.cancel())
        _bridge(loop).waiting[cur] = _across
        task.add_done_callback(deliver)

    loop.call_soon_threadsafe(begin)
    try:
        ok, value = ch.receive()
    except BaseException:
        # Killed, thrown into, or the loop closed: a sender that already
        # waits is let go, one still to come finds the channel closed.
        ch.close()
        if ch.balance > 0:
            ch.receive()

        def cancel():
            _bridge(loop).waiting.pop(cur, None)
            task = state.get("task")
            if task is not None and not asyncio.isfuture(aw):
                task.cancel()
        try:
            loop.call_soon_threadsafe(cancel)
        except RuntimeError:
            pass                        # the loop is closed already
        raise
    if ok:
        return value
    raise value


async def _await(aw):
    return await aw


def _nothing():
    pass


def _across():
    pass


def sleep(seconds):
    """Block the current tasklet for `seconds`; the loop goes on."""
    loop, b, cur = _loop_for_tasklet("sleep")
    fut = loop.create_future()
    handle = loop.call_later(seconds, _set_none, fut)
    _block(b, cur, fut, handle.cancel)


def _set_none(fut):
    if not fut.done():
        fut.set_result(None)


class _SelectTimeout(Exception):
    pass


def select(ops, timeout=None):
    """stackless.select() with a timeout: None if it runs out first.

    `timeout` in seconds, on the running loop's clock; 0 does not block.
    """
    if timeout is not None and timeout <= 0:
        return stackless.select(ops, block=False)
    loop, b, cur = _loop_for_tasklet("select")
    if timeout is None:
        return stackless.select(ops)
    token = _SelectTimeout()

    def expire():
        if cur.alive and cur.blocked:
            cur.throw(token, pending=True)
            b.kick()
    handle = loop.call_later(timeout, expire)
    try:
        return stackless.select(ops)
    except _SelectTimeout as e:
        if e is not token:
            raise
        return None
    finally:
        handle.cancel()


# ---------------------------------------------------------------------------
# The asyncio side

def _running_bridge(fname):
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        raise RuntimeError(f"aio.{fname}() needs a running asyncio event "
                           f"loop in this thread") from None
    return loop, _bridge(loop)


def start(func, /, *args, **kwargs):
    """Start func(*args, **kwargs) in a new tasklet, from asyncio code.

    Returns the tasklet.  It runs at the loop's next turn.
    """
    loop, b = _running_bridge("start")
    t = stackless.tasklet(func)(*args, **kwargs)
    b.kick()
    return t


def call(func, /, *args, **kwargs):
    """Run func(*args, **kwargs) in a new tasklet; a future of its result.

    ``await aio.call(f, x)`` runs f to completion in blocking style (it
    may aio.wait(), receive from channels, ...) and returns what f
    returns or raises what it raises.  Cancelling the future kills the
    tasklet.
    """
    loop, b = _running_bridge("call")
    fut = loop.create_future()

    def body():
        try:
            r = func(*args, **kwargs)
        except TaskletExit:
            if not fut.done():
                fut.cancel()
            raise
        except BaseException as e:
            if not fut.done():
                fut.set_exception(e)
            if not isinstance(e, Exception):
                raise
        else:
            if not fut.done():
                fut.set_result(r)

    t = stackless.tasklet(body)()

    def on_done(f):
        if f.cancelled() and t.alive:
            t.kill(pending=True)
            b.kick()
    fut.add_done_callback(on_done)
    b.kick()
    return fut


async def _via_tasklet(loop, b, action):
    fut = loop.create_future()

    def body():
        try:
            r = action()
        except TaskletExit:
            raise
        except BaseException as e:
            if not fut.done():
                fut.set_exception(e)
        else:
            if not fut.done():
                fut.set_result(r)

    t = stackless.tasklet(body)()
    b.kick()
    try:
        return await fut
    except asyncio.CancelledError:
        if t.alive:
            t.kill(pending=True)
            b.kick()
        raise


async def send(ch, value):
    """Send `value` over channel `ch` from asyncio code.

    Waits, without blocking the loop, until a tasklet receives it.
    """
    loop, b = _running_bridge("send")
    if ch.balance < 0:
        # A receiver waits: the transfer cannot block.
        ch.send(value)
        b.kick()
        return
    await _via_tasklet(loop, b, lambda: ch.send(value))


async def receive(ch):
    """Receive a value from channel `ch` from asyncio code."""
    loop, b = _running_bridge("receive")
    if ch.balance > 0:
        v = ch.receive()
        b.kick()
        return v
    return await _via_tasklet(loop, b, ch.receive)


# ---------------------------------------------------------------------------
# Loops

class EventLoop(asyncio.SelectorEventLoop):
    """The default selector loop, which also runs tasklets made runnable
    by asyncio code directly (stackless.tasklet(f)() in a coroutine)."""

    def _run_once(self):
        if stackless.getruncount() > 1:
            _bridge(self).kick()
        super()._run_once()


def new_event_loop():
    """A new EventLoop."""
    return EventLoop()


def run(main, *, debug=None):
    """asyncio.run(main) on an EventLoop, for programs with tasklets."""
    with asyncio.Runner(debug=debug, loop_factory=new_event_loop) as r:
        return r.run(main)
