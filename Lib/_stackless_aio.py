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
           "call", "start", "send", "receive", "LoopClosedError",
           "Connection", "start_server", "open_connection"]


class LoopClosedError(RuntimeError):
    """Raised in a tasklet whose wait could not end: its loop closed."""


# Rounds of the runnable tasklets per turn of the loop (_Bridge.pump).
_PUMP_ROUNDS = 16

# One bridge per loop that tasklets have used.
_bridges = weakref.WeakKeyDictionary()
_last = [None, None]     # the last loop looked up and its bridge
_kept_open = []


class _Bridge:
    __slots__ = ("loop", "home", "kicked", "waiting", "_close", "_rsock",
                 "_wsock", "_old_fd", "_thread", "turn_end", "__weakref__")

    def __init__(self, loop):
        self.loop = loop
        self.home = None        # the tasklet the loop runs in
        self.kicked = False     # a pump is due
        # The loop pumps at the end of each of its turns (EventLoop): a
        # kick needs no callback of its own.
        self.turn_end = isinstance(loop, EventLoop)
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

    def wake(self, t):
        """Make `t` runnable if it still waits here (once only)."""
        if self.waiting.pop(t, None) is not None and not t.scheduled:
            t.insert()
            self.kick()

    def kick(self):
        if not self.kicked:
            self.kicked = True
            if not self.turn_end:
                self.loop.call_soon(self.pump)

    def pump(self):
        self.kicked = False
        self.home = stackless.getcurrent()
        # A few rounds: in each, every tasklet ahead of us runs until it
        # switches.  Tasklets that hand values on among themselves go on
        # in this turn; ones that keep running let the loop go on after
        # _PUMP_ROUNDS rounds.
        for _ in range(_PUMP_ROUNDS):
            if stackless.getruncount() <= 1:
                return
            try:
                stackless.schedule()
            except asyncio.CancelledError:
                # A tasklet ended because what it waited on was
                # cancelled: quietly, as a cancelled task ends.
                pass
            except Exception as exc:
                # A tasklet ended with an exception: stackless hands it
                # to main; the loop reports it as asyncio reports an
                # unretrieved task exception, and goes on.
                self.loop.call_exception_handler({
                    "message": "Unhandled exception in a tasklet",
                    "exception": exc,
                })
        if stackless.getruncount() > 1:
            # Still runnable: the loop must not sleep before they run.
            self.kicked = True
            self.loop.call_soon(self.pump)

    def close(self):
        try:
            err = None
            while self.waiting:
                t, how = self.waiting.popitem()
                exc = LoopClosedError("the asyncio event loop was closed "
                                      "while this tasklet waited on it")
                if not t.alive:
                    continue
                if how is _across:
                    # Waiting from another thread (wait(loop=...)), on a
                    # channel: it hears of it in its own thread.
                    t.throw(exc, pending=True)
                    continue
                try:
                    t.throw(exc)
                except LoopClosedError:
                    # Not handled: the tasklet ends quietly, as the
                    # tasks asyncio.run() cancels at its end do.
                    pass
                except Exception as e:
                    self.loop.call_exception_handler({
                        "message": "Unhandled exception in a tasklet "
                                   "told that its loop closed",
                        "exception": e,
                    })
                except BaseException as e:
                    if err is None:
                        err = e
            if err is not None:
                raise err
        finally:
            _bridges.pop(self.loop, None)
            _last[:] = [None, None]
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
    if _last[0] is loop:
        return _last[1]
    b = _bridges.get(loop)
    if b is None:
        b = _bridges[loop] = _Bridge(loop)
    _last[:] = [loop, b]
    return b


def _running_loop(fname):
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        raise RuntimeError(f"aio.{fname}() needs a running asyncio event "
                           f"loop in this thread") from None


def _loop_for_tasklet(fname):
    loop = _running_loop(fname)
    b = _bridge(loop)
    cur = stackless.getcurrent()
    if cur is b.home or (b.home is None and (
            cur.is_main or asyncio.current_task(loop) is not None)):
        raise RuntimeError(f"aio.{fname}() would block the tasklet that "
                           f"runs the event loop; use await there")
    return loop, b, cur


def _block(b, cur, fut):
    """Take `cur` out of the run queue until `fut` is done.

    While it waits, the bridge's `waiting` holds it: often nothing else
    does (a server's StreamReader is held weakly by its protocol).
    Killed or thrown into meanwhile, it raises; the caller cleans up.
    """
    def wake(_fut, cur=cur, b=b):
        b.wake(cur)
    fut.add_done_callback(wake, context=_CALLBACK_CONTEXT)
    b.waiting[cur] = True
    try:
        stackless.schedule_remove()
    except BaseException:
        b.waiting.pop(cur, None)
        fut.remove_done_callback(wake)
        raise
    if not fut.done():
        # Made runnable by hand (tasklet.insert()), not by `wake`.
        b.waiting.pop(cur, None)
        fut.remove_done_callback(wake)
        raise RuntimeError("the tasklet was made runnable while it "
                           "waited in aio")


class _Carrier:
    """asyncio.current_task() while a tasklet runs a coroutine in
    aio.wait().

    The coroutine runs in the tasklet itself, stepped as a Task steps
    its coroutine but with no Task and no loop turn between a future's
    completion and the next step (D46).  This object speaks the part of
    the Task protocol that asyncio.timeout(), TaskGroup and libraries
    use on "their" task: cancel(), cancelling(), uncancel().
    """

    __slots__ = ("_loop", "_coro", "_tasklet", "_bridge", "_waiter",
                 "_must_cancel", "_cancel_msg", "_cancels", "_expired")

    def __init__(self, loop, coro, tasklet, bridge):
        self._loop = loop
        self._coro = coro
        self._tasklet = tasklet
        self._bridge = bridge
        self._waiter = None
        self._must_cancel = False
        self._cancel_msg = None
        self._cancels = 0
        self._expired = False

    def __call__(self, fut):
        # The done callback of the future waited on: no closure per wait.
        self._bridge.wake(self._tasklet)

    def __repr__(self):
        return f"<aio.wait() of {self._coro!r} in {self._tasklet!r}>"

    def get_loop(self):
        return self._loop

    def get_coro(self):
        return self._coro

    def get_name(self):
        return repr(self)

    def done(self):
        return False

    def cancelled(self):
        return False

    def cancel(self, msg=None):
        self._cancels += 1
        w = self._waiter
        if w is not None and w.cancel(msg=msg):
            return True
        self._must_cancel = True
        self._cancel_msg = msg
        return True

    def cancelling(self):
        return self._cancels

    def uncancel(self):
        if self._cancels > 0:
            self._cancels -= 1
            if self._cancels == 0:
                self._must_cancel = False
        return self._cancels

    def _expire(self):
        self._expired = True
        self.cancel()


_swap_current_task = asyncio.tasks._swap_current_task
_coro_send = stackless._coro_send
_future_loop = asyncio.futures._get_loop
# The context the bridge's done callbacks run in: they read no context
# variable, and a copy of the current context per wait would cost.
_CALLBACK_CONTEXT = contextvars.Context()


def _abandon(loop, coro, carrier):
    """The tasklet is killed or thrown into while its coroutine waits:
    the coroutine is cancelled as its task would be, and closed if it
    wants to wait again."""
    prev = _swap_current_task(loop, carrier)
    try:
        coro.throw(asyncio.CancelledError())
        coro.close()
    except (StopIteration, asyncio.CancelledError):
        pass
    except BaseException as e:
        loop.call_exception_handler({
            "message": "aio.wait(): the coroutine of a killed tasklet "
                       "raised while cancelled",
            "exception": e,
        })
    finally:
        _swap_current_task(loop, prev)


def wait(aw, timeout=None, *, loop=None):
    """Block the current tasklet until awaitable `aw` is done.

    Returns its result or raises its exception; the loop and the other
    tasklets go on meanwhile.  A coroutine runs in the tasklet, in its
    context, as `await` would run it.  With a `timeout` (seconds) the
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
        return _wait_future(loop, b, cur, aw, timeout)
    # A coroutine is stepped here, as a Task steps its coroutine, with
    # everything in this one frame: a waiting tasklet parks this frame
    # and its caller's, nothing more (memory per waiting tasklet).
    coro = aw if asyncio.iscoroutine(aw) else _await(aw)
    carrier = _Carrier(loop, coro, cur, b)
    timer = None
    if timeout is not None:
        timer = loop.call_later(timeout, carrier._expire)
    exc = None
    try:
        while True:
            if carrier._must_cancel:
                carrier._must_cancel = False
                if not isinstance(exc, asyncio.CancelledError):
                    exc = asyncio.CancelledError(carrier._cancel_msg)
            prev = _swap_current_task(loop, carrier)
            try:
                if exc is None:
                    done, r = _coro_send(coro)
                else:
                    done, r = False, coro.throw(exc)
            except StopIteration as e:
                done, r = True, e.value
            finally:
                _swap_current_task(loop, prev)
            if done:
                return r
            exc = None
            if getattr(r, "_asyncio_future_blocking", None):
                r._asyncio_future_blocking = False
                fut = r
                if _future_loop(fut) is not loop:
                    exc = RuntimeError(f"aio.wait(): {coro!r} awaits "
                                       f"{fut!r}, of another loop")
                    continue
            elif r is None:
                # A bare yield (asyncio.sleep(0)): one turn of the loop.
                fut = loop.create_future()
                loop.call_soon(_set_none, fut)
            else:
                exc = RuntimeError(f"aio.wait(): {coro!r} yielded {r!r}, "
                                   f"not a future")
                continue
            carrier._waiter = fut
            if carrier._must_cancel and fut.cancel(msg=carrier._cancel_msg):
                carrier._must_cancel = False
            fut.add_done_callback(carrier, context=_CALLBACK_CONTEXT)
            # While it waits, `waiting` holds the tasklet: often nothing
            # else does (a server's StreamReader is held weakly).
            b.waiting[cur] = True
            try:
                stackless.schedule_remove()
            except BaseException:
                # Killed or thrown into: the coroutine is cancelled.
                b.waiting.pop(cur, None)
                fut.remove_done_callback(carrier)
                carrier._waiter = None
                fut.cancel()
                _abandon(loop, coro, carrier)
                raise
            carrier._waiter = None
            if not fut.done():
                b.waiting.pop(cur, None)
                fut.remove_done_callback(carrier)
                exc = RuntimeError("the tasklet was made runnable while "
                                   "it waited in aio.wait()")
                continue
            try:
                fut.result()
            except BaseException as e:
                exc = e
    except asyncio.CancelledError:
        if carrier._expired and carrier.uncancel() == 0:
            raise TimeoutError(
                f"aio.wait() timed out after {timeout} s") from None
        raise
    finally:
        if timer is not None:
            timer.cancel()


def _wait_future(loop, b, cur, fut, timeout):
    if fut.done():
        return fut.result()
    timer = None
    expired = []
    if timeout is not None:
        def expire():
            expired.append(True)
            fut.cancel()
        timer = loop.call_later(timeout, expire)
    try:
        _block(b, cur, fut)
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


def _across():
    pass


def sleep(seconds):
    """Block the current tasklet for `seconds`; the loop goes on."""
    loop, b, cur = _loop_for_tasklet("sleep")
    fut = loop.create_future()
    handle = loop.call_later(seconds, _set_none, fut)
    try:
        _block(b, cur, fut)
    except BaseException:
        handle.cancel()
        raise


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
    loop = _running_loop(fname)
    b = _bridge(loop)
    if b.home is None:
        # Asyncio code runs in the loop's tasklet.
        b.home = stackless.getcurrent()
    return loop, b


def _caller_goes_on(ch, op, *args):
    """A channel operation from the loop's tasklet that finds its partner
    waiting: the partner is made runnable, the caller goes on, whatever
    the channel prefers.  A switch here would run the partner inside
    the coroutine's step, as if it were that task."""
    pref, sched_all = ch.preference, ch.schedule_all
    ch.preference, ch.schedule_all = 0, 0
    try:
        return op(*args)
    finally:
        ch.preference, ch.schedule_all = pref, sched_all


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
        _caller_goes_on(ch, ch.send, value)
        b.kick()
        return
    await _via_tasklet(loop, b, lambda: ch.send(value))


async def receive(ch):
    """Receive a value from channel `ch` from asyncio code."""
    loop, b = _running_bridge("receive")
    if ch.balance > 0:
        v = _caller_goes_on(ch, ch.receive)
        b.kick()
        return v
    return await _via_tasklet(loop, b, ch.receive)


# ---------------------------------------------------------------------------
# Blocking connections: a tasklet per connection, on the loop's transports

# Reading pauses while this much is buffered and not yet taken.
_READ_LIMIT = 64 * 1024


class Connection(asyncio.Protocol):
    """A connection used from a tasklet in blocking style.

    It is the transport's protocol: what arrives is buffered here and
    wakes the tasklet waiting to read, with no future, task or stream
    object in between, which is what makes it lean (D46).  recv(),
    readline(), readexactly() and send() block only the calling tasklet.
    Made by start_server() and open_connection().
    """

    __slots__ = ("_bridge", "_transport", "_buf", "_eof", "_lost",
                 "_reader", "_writer", "_write_paused", "_read_paused",
                 "_on_made")

    def __init__(self, bridge, on_made=None):
        self._bridge = bridge
        self._transport = None
        self._buf = bytearray()
        self._eof = False
        self._lost = None           # connection_lost()'s exception
        self._reader = None         # the tasklet waiting for data
        self._writer = None         # ... for the write buffer to drain
        self._write_paused = False
        self._read_paused = False
        self._on_made = on_made

    # -- the protocol: called by the loop -----------------------------

    def connection_made(self, transport):
        self._transport = transport
        if self._on_made is not None:
            on_made, self._on_made = self._on_made, None
            on_made(self)

    def data_received(self, data):
        self._buf += data
        if (len(self._buf) > _READ_LIMIT and not self._read_paused
                and self._reader is None):
            self._read_paused = True
            self._transport.pause_reading()
        if self._reader is not None:
            self._wake("_reader")

    def eof_received(self):
        self._eof = True
        if self._reader is not None:
            self._wake("_reader")
        # Half-closed: the other end may still read what we send, until
        # close() (as asyncio's streams allow).
        return True

    def connection_lost(self, exc):
        self._eof = True
        self._lost = exc
        self._write_paused = False
        if self._reader is not None:
            self._wake("_reader")
        if self._writer is not None:
            self._wake("_writer")

    def pause_writing(self):
        self._write_paused = True

    def resume_writing(self):
        self._write_paused = False
        if self._writer is not None:
            self._wake("_writer")

    def _wake(self, which):
        t = getattr(self, which)
        setattr(self, which, None)
        self._bridge.wake(t)

    def _park(self, which, fname):
        cur = stackless.getcurrent()
        b = self._bridge
        if cur is b.home:
            raise RuntimeError(f"Connection.{fname}() would block the "
                               f"tasklet that runs the event loop")
        if getattr(self, which) is not None:
            raise RuntimeError(f"Connection.{fname}(): another tasklet "
                               f"waits on this connection already")
        if which == "_reader" and self._read_paused:
            # Paused with a full buffer, but the reader needs more (a
            # long line): reading goes on.
            self._read_paused = False
            self._transport.resume_reading()
        setattr(self, which, cur)
        b.waiting[cur] = True
        try:
            stackless.schedule_remove()
        finally:
            if getattr(self, which) is cur:
                # Woken another way (killed, thrown into, by hand).
                setattr(self, which, None)
                b.waiting.pop(cur, None)

    # -- the tasklet's side ---------------------------------------------

    def _take(self, n):
        data = bytes(self._buf[:n])
        del self._buf[:n]
        if self._read_paused and len(self._buf) <= _READ_LIMIT // 2:
            self._read_paused = False
            if self._transport is not None and not self._eof:
                self._transport.resume_reading()
        return data

    def _at_end(self):
        # A connection lost to an error raises it, as a stream does.
        if self._lost is not None:
            raise self._lost

    def recv(self, max_bytes=65536):
        """Up to max_bytes bytes; b"" once the other end has closed."""
        while not self._buf:
            if self._eof:
                self._at_end()
                return b""
            self._park("_reader", "recv")
        return self._take(max_bytes)

    def readline(self):
        """A line, ending in b"\\n"; at the end, the rest (maybe b"")."""
        start = 0
        while True:
            i = self._buf.find(b"\n", start)
            if i >= 0:
                return self._take(i + 1)
            if self._eof:
                if not self._buf:
                    self._at_end()
                return self._take(len(self._buf))
            start = len(self._buf)
            self._park("_reader", "readline")

    def readexactly(self, n):
        """Exactly n bytes; asyncio.IncompleteReadError at the end."""
        while len(self._buf) < n:
            if self._eof:
                self._at_end()
                raise asyncio.IncompleteReadError(self._take(len(self._buf)),
                                                  n)
            self._park("_reader", "readexactly")
        return self._take(n)

    def send(self, data):
        """Write data; blocks while the transport's buffer is full."""
        t = self._transport
        if t is None or t.is_closing():
            raise ConnectionResetError("the connection is closed")
        t.write(data)
        while self._write_paused:
            self._park("_writer", "send")
        if self._lost is not None:
            raise ConnectionResetError("the connection was lost") \
                from self._lost

    def write_eof(self):
        """Done sending: the other end reads the end; we may still read."""
        self._transport.write_eof()

    def close(self):
        if self._transport is not None:
            self._transport.close()

    def get_extra_info(self, name, default=None):
        return self._transport.get_extra_info(name, default)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


async def start_server(handler, host=None, port=None, **kwargs):
    """asyncio's create_server(), serving each connection with a tasklet.

    handler(conn) is a plain function; it runs in a new tasklet for each
    connection, with a Connection, which is closed when it returns.
    Other arguments go to loop.create_server().  Returns the Server.
    """
    loop, b = _running_bridge("start_server")

    def serve(conn):
        with conn:
            handler(conn)

    def made(conn):
        stackless.tasklet(serve)(conn)
        b.kick()
    return await loop.create_server(lambda: Connection(b, made), host, port,
                                    **kwargs)


def open_connection(host=None, port=None, **kwargs):
    """A Connection to (host, port), from a tasklet: it blocks until
    connected.  Other arguments go to loop.create_connection()."""
    loop, b, cur = _loop_for_tasklet("open_connection")
    _, conn = wait(loop.create_connection(lambda: Connection(b), host, port,
                                          **kwargs))
    return conn


# ---------------------------------------------------------------------------
# Loops

class EventLoop(asyncio.SelectorEventLoop):
    """The default selector loop, which also runs tasklets made runnable
    by asyncio code directly (stackless.tasklet(f)() in a coroutine)."""

    def run_forever(self):
        _bridge(self).home = stackless.getcurrent()
        super().run_forever()

    def _run_once(self):
        # Tasklets made runnable in a turn (by done callbacks, data that
        # arrived, asyncio code) run at its end, not a turn later.
        if stackless.getruncount() > 1:
            _bridge(self).pump()
        super()._run_once()
        if stackless.getruncount() > 1:
            _bridge(self).pump()


def new_event_loop():
    """A new EventLoop."""
    return EventLoop()


def run(main, *, debug=None):
    """asyncio.run(main) on an EventLoop, for programs with tasklets."""
    with asyncio.Runner(debug=debug, loop_factory=new_event_loop) as r:
        return r.run(main)
