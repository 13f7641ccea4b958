"""Load for the echo servers of bench/aio.py (any Python >= 3.9).

    echoclient.py --port P --pid PID --conns N [--warmup S] [--duration S]

Opens N connections to 127.0.0.1:P and measures:

  - memory: the server's RSS (VmRSS of PID, read from /proc) once all N
    connections are open and each has had one line echoed, so that the
    server's handler for each is blocked reading the next line; minus
    the RSS before they were opened, divided by N.  A few connections
    opened and closed first warm the server up (first-use allocations,
    code paths) so that they do not count.
  - throughput: every connection sends a 64-byte line and waits for its
    echo, again and again (closed loop, one line in flight per
    connection); the echoes completed in `duration` seconds after
    `warmup` seconds, per second.

Written with asyncio Protocols, not streams: the client must cost less
CPU than any server it loads.  It also reports the CPU time that the
server and the client used during the timed window, as a share of the
window: a server below ~95 % was not the bottleneck.

Prints "RESULT rps=... unit=requests/s bytes_per_conn=... ...".
"""
import argparse
import asyncio
import os
import resource
import time

import benchlib as bl

LINE = b"x" * 63 + b"\n"
WARM_CONNS = 20
CONNECT_AT_ONCE = 256       # connects in flight: keeps the listen queue short


def vm_rss(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS for pid %d" % pid)


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # utime and stime, fields 14 and 15 of stat(5), counted from "state".
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Stats:
    def __init__(self):
        self.echoes = 0         # lines echoed back, all connections
        self.running = False    # send the next line on each echo
        self.waiter = None      # a future set when echoes reaches target
        self.target = 0
        self.lost = 0


class Echo(asyncio.Protocol):
    def __init__(self, stats):
        self.stats = stats
        self.got = 0
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.got += len(data)
        if self.got < len(LINE):
            return
        # One line in flight per connection: whole echoes only.
        self.got -= len(LINE)
        st = self.stats
        st.echoes += 1
        if st.running:
            self.transport.write(LINE)
        elif st.waiter is not None and st.echoes >= st.target:
            if not st.waiter.done():
                st.waiter.set_result(None)

    def connection_lost(self, exc):
        self.stats.lost += 1


async def connect(loop, port, n, stats):
    sem = asyncio.Semaphore(CONNECT_AT_ONCE)

    async def one():
        async with sem:
            _, proto = await loop.create_connection(
                lambda: Echo(stats), "127.0.0.1", port)
            return proto
    return await asyncio.gather(*(one() for _ in range(n)))


async def echo_once(loop, protos, stats):
    """Each connection sends one line; returns once all are echoed."""
    stats.target = stats.echoes + len(protos)
    stats.waiter = loop.create_future()
    for p in protos:
        p.transport.write(LINE)
    await stats.waiter
    stats.waiter = None


async def close(protos):
    for p in protos:
        p.transport.close()
    await asyncio.sleep(0)


async def main(opts):
    loop = asyncio.get_running_loop()
    stats = Stats()

    warm = await connect(loop, opts.port, WARM_CONNS, stats)
    await echo_once(loop, warm, stats)
    await close(warm)
    await asyncio.sleep(0.3)
    rss0 = vm_rss(opts.pid)

    t0 = time.perf_counter()
    protos = await connect(loop, opts.port, opts.conns, stats)
    await echo_once(loop, protos, stats)
    setup = time.perf_counter() - t0
    await asyncio.sleep(0.3)
    rss1 = vm_rss(opts.pid)

    stats.running = True
    for p in protos:
        p.transport.write(LINE)
    await asyncio.sleep(opts.warmup)
    c0, t0 = stats.echoes, time.perf_counter()
    s0, m0 = cpu_seconds(opts.pid), time.process_time()
    await asyncio.sleep(opts.duration)
    c1, t1 = stats.echoes, time.perf_counter()
    s1, m1 = cpu_seconds(opts.pid), time.process_time()
    stats.running = False
    if stats.lost != WARM_CONNS:
        raise SystemExit("the server closed %d connections"
                         % (stats.lost - WARM_CONNS))
    await close(protos)
    span = t1 - t0
    bl.result("rps", (c1 - c0) / span, "requests/s", conns=opts.conns,
              bytes_per_conn=(rss1 - rss0) / opts.conns,
              rss_before=rss0, rss_after=rss1, setup_s=setup,
              server_cpu=(s1 - s0) / span, client_cpu=(m1 - m0) / span)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--conns", type=int, required=True)
    p.add_argument("--warmup", type=float, default=1.0)
    p.add_argument("--duration", type=float, default=2.0)
    opts = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < opts.conns + WARM_CONNS + 64:
        bl.skip("RLIMIT_NOFILE hard limit %d is too low for %d connections"
                % (hard, opts.conns))
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(main(opts))
    bl.done()                   # no teardown of thousands of transports
