"""A chat server on asyncio streams, one tasklet per connection.

    ./python examples/chat_server.py --port 7000      # serve until Ctrl-C
    ./python examples/chat_server.py --selftest [--clients N]

The protocol is one command per line:

    ECHO text   the line comes back to this client, unchanged
    SAY text    every other connected client gets "FROM <n> text", where
                <n> is the sender's connection number
    QUIT        the server closes the connection

asyncio.start_server() accepts the connections; its callback does nothing
but hand the streams to a new tasklet (aio.start).  That tasklet serves
the client in plain blocking style: ``aio.wait(reader.readline())``
blocks this tasklet only, while the event loop and every other
connection go on.  Broadcasts travel over stackless channels: the
connection tasklet sends what it was told to SAY to the hub tasklet,
which hands it to each other connection's outbox channel, where that
connection's mailman tasklet writes it to the socket.  Mailmen still
busy writing (to a client that reads slowly) get the line through
stackless.select(), whichever is free first, so a slow client holds the
hub up only once every other client has the line.

--selftest starts the server on a free loopback port in this process,
connects N clients (asyncio coroutines, 200 by default), checks that
every ECHO comes back exactly and that every SAY reaches every other
client exactly once, then closes everything and prints
"chat_server: ok: N clients, K echoes, M broadcasts delivered".  It
exits with status 1 on any mismatch.
"""

import argparse
import asyncio
import collections
import sys
import weakref

import stackless
from stackless import aio


class Connection:
    """What the hub and the tasklets share about one client."""

    def __init__(self, number, writer):
        self.number = number
        self.writer = writer
        # Lines for this client from other clients; None ends the mailman.
        self.outbox = stackless.channel()
        # Whoever calls send() or receive() goes on: the hub hands a line to
        # every waiting mailman without a switch each, and a mailman goes
        # on to write the line it took.
        self.outbox.preference = 0


class Hub:
    """A tasklet that owns the set of connections and broadcasts."""

    def __init__(self):
        self.inbox = stackless.channel()
        self.done = stackless.channel()
        self.members = set()
        self.delivered = 0

    def run(self):
        while True:
            msg = self.inbox.receive()
            if msg is None:             # the server is shutting down
                self.done.send(None)
                return
            kind, conn, text = msg
            if kind == 'join':
                self.members.add(conn)
            elif kind == 'leave':
                # Only the hub changes the set, and never in the middle of
                # a broadcast, so no line is ever sent to a gone mailman.
                self.members.discard(conn)
            else:
                line = b'FROM %d %s\n' % (conn.number, text)
                others = [c for c in self.members if c is not conn]
                self.deliver(line, others)

    def deliver(self, line, recipients):
        pending = recipients
        while pending:
            late = []
            for c in pending:
                if c.outbox.balance < 0:    # its mailman waits: no blocking
                    c.outbox.send(line)
                else:                       # still writing the last line
                    late.append(c)
            if not late:
                break
            # Wait for whichever late mailman is free first; by the time
            # it is, most of the others are waiting again.
            i, _ = stackless.select([(c.outbox, line) for c in late])
            del late[i]
            pending = late
        self.delivered += len(recipients)


def mailman(conn):
    """Write the lines the hub sends to this connection's client."""
    broken = False
    while True:
        line = conn.outbox.receive()
        if line is None:
            return
        if broken:
            continue                # keep taking lines: never stall the hub
        try:
            conn.writer.write(line)
            # Blocks only this tasklet, and only while the socket's buffer
            # is full.
            aio.wait(conn.writer.drain())
        except ConnectionError:
            broken = True


def serve(hub, number, reader, writer, tasklets):
    """Serve one client, in blocking style."""
    conn = Connection(number, writer)
    tasklets.add(stackless.tasklet(mailman)(conn))
    hub.inbox.send(('join', conn, None))
    try:
        while True:
            try:
                line = aio.wait(reader.readline())
            except (ConnectionError, ValueError):   # reset, or line too long
                break
            if not line:                # the client closed its end
                break
            cmd, _, text = line.rstrip(b'\r\n').partition(b' ')
            if cmd == b'ECHO':
                reply = line if line.endswith(b'\n') else line + b'\n'
            elif cmd == b'SAY':
                hub.inbox.send(('say', conn, text))
                continue
            elif cmd == b'QUIT':
                break
            else:
                reply = b'ERROR unknown command\n'
            try:
                writer.write(reply)
                aio.wait(writer.drain())
            except ConnectionError:
                break
    finally:
        # Leave first: afterwards the hub sends us nothing more, so the
        # mailman can be told to stop once it has written what it has.
        hub.inbox.send(('leave', conn, None))
        conn.outbox.send(None)
        writer.close()
        try:
            aio.wait(writer.wait_closed())
        except ConnectionError:
            pass


class ChatServer:
    def __init__(self):
        self.hub = Hub()
        self.connections = 0
        # Every tasklet the server starts, to check none is left at the end.
        self.tasklets = weakref.WeakSet()
        self.server = None

    async def start(self, host, port):
        self.tasklets.add(aio.start(self.hub.run))
        # A long listen queue: the self-test connects all its clients at once.
        self.server = await asyncio.start_server(self.on_connect, host, port,
                                                 backlog=1024)
        return self.server.sockets[0].getsockname()[1]

    async def on_connect(self, reader, writer):
        # Only hands over: the connection is served by its own tasklet.
        self.connections += 1
        self.tasklets.add(aio.start(serve, self.hub, self.connections,
                                    reader, writer, self.tasklets))

    async def stop(self):
        self.server.close()
        # Clients still connected see their end closed, and their tasklets
        # finish as on a QUIT.
        self.server.close_clients()
        # Returns once every connection has closed (Python >= 3.12).
        await self.server.wait_closed()
        await aio.send(self.hub.inbox, None)
        await aio.receive(self.hub.done)
        # The hub, made runnable by that, returns in the bridge's next
        # turn of the tasklets, which comes before this coroutine's.
        await asyncio.sleep(0)

    def leftover_tasklets(self):
        return [t for t in self.tasklets if t.alive]


# ---------------------------------------------------------------------------
# --selftest: asyncio clients against the server, in one process

ECHOES = 5          # ECHO lines per client, besides the first "hello"
SAYS = 1            # SAY lines per client


async def client(i, port, n_clients, barrier, problems):
    """One client: returns (echoes checked, broadcasts received)."""
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    echoes = broadcasts = 0

    def problem(msg):
        problems.append(f'client {i}: {msg}')

    try:
        # The server answers only after it has joined us to the hub, so once
        # everyone has this reply a SAY reaches every client.
        hello = b'ECHO hello from %d\n' % i
        writer.write(hello)
        if await reader.readline() != hello:
            problem('wrong reply to the first ECHO')
            return echoes, broadcasts
        echoes += 1
        await barrier.wait()

        expected = collections.deque()
        for j in range(max(ECHOES, SAYS)):
            if j < SAYS:
                writer.write(b'SAY %d:%d says hello\n' % (i, j))
            if j < ECHOES:
                line = b'ECHO %d:%d %s\n' % (i, j, b'x' * (j * 7))
                expected.append(line)
                writer.write(line)
        await writer.drain()

        seen = collections.Counter()
        want = (n_clients - 1) * SAYS
        while expected or broadcasts < want:
            line = await reader.readline()
            if not line:
                problem('connection closed early')
                return echoes, broadcasts
            if line.startswith(b'ECHO '):
                if not expected or line != expected.popleft():
                    problem(f'unexpected echo {line!r}')
                    return echoes, broadcasts
                echoes += 1
            elif line.startswith(b'FROM '):
                _, _, sender, text = line.split(b' ', 3)
                key = sender.split(b':')[0]
                if key == b'%d' % i:
                    problem(f'got its own broadcast {line!r}')
                seen[sender] += 1
                if seen[sender] > 1:
                    problem(f'broadcast delivered twice: {line!r}')
                broadcasts += 1
            else:
                problem(f'unexpected line {line!r}')
                return echoes, broadcasts

        writer.write(b'QUIT\n')
        extra = await reader.read()     # up to the server's close
        if extra:
            problem(f'lines after all expected ones: {extra[:200]!r}')
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except ConnectionError:
            pass
    return echoes, broadcasts


async def selftest(n_clients):
    problems = []
    loop = asyncio.get_running_loop()

    # A tasklet that ends with an exception is reported to the loop's
    # exception handler: count it as a failure.
    def on_error(loop, context):
        problems.append(f'server: {context.get("message")}: '
                        f'{context.get("exception")!r}')
    loop.set_exception_handler(on_error)

    chat = ChatServer()
    port = await chat.start('127.0.0.1', 0)
    barrier = asyncio.Barrier(n_clients)
    try:
        async with asyncio.timeout(60):
            results = await asyncio.gather(
                *(client(i, port, n_clients, barrier, problems)
                  for i in range(n_clients)), return_exceptions=True)
    except TimeoutError:
        problems.append('timed out after 60 s')
        results = []
    for r in results:
        if isinstance(r, BaseException):
            problems.append(f'a client failed: {r!r}')
    results = [r for r in results if not isinstance(r, BaseException)]
    await chat.stop()
    left = chat.leftover_tasklets()
    if left:
        problems.append(f'{len(left)} server tasklets still alive')
    echoes = sum(r[0] for r in results)
    broadcasts = sum(r[1] for r in results)
    want = n_clients * (n_clients - 1) * SAYS
    if not problems and (echoes != n_clients * (ECHOES + 1)
                         or broadcasts != want
                         or chat.hub.delivered != want):
        problems.append(f'counts: {echoes} echoes, {broadcasts} broadcasts '
                        f'received, {chat.hub.delivered} sent by the hub')
    return problems, echoes, broadcasts


async def serve_forever(host, port):
    chat = ChatServer()
    port = await chat.start(host, port)
    print(f'chat_server: listening on {host}:{port}', flush=True)
    try:
        await asyncio.get_running_loop().create_future()    # forever
    finally:
        # On Ctrl-C: close the connections, and let their tasklets end.
        await chat.stop()


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--selftest', action='store_true')
    p.add_argument('--clients', type=int, default=200)
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', type=int)
    args = p.parse_args(argv)
    if args.selftest:
        problems, echoes, broadcasts = aio.run(selftest(args.clients))
        if stackless.getruncount() != 1:
            problems.append('tasklets left in the run queue')
        for msg in problems[:20]:
            print('chat_server: FAIL:', msg)
        if problems:
            return 1
        print(f'chat_server: ok: {args.clients} clients, {echoes} echoes, '
              f'{broadcasts} broadcasts delivered')
        return 0
    if args.port is None:
        p.error('give --port P to serve, or --selftest')
    try:
        aio.run(serve_forever(args.host, args.port))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
