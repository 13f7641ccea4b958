"""stackless.aio figures: tasklets serving connections on an asyncio loop,
beside plain asyncio and gevent, and select() beside asyncio.wait().

  - echo servers over loopback, N concurrent connections (1000 and
    10000; --quick: 50 and 200), each server in its own process:
      tasklets       a tasklet per connection in blocking style on
                     asyncio streams (aio.wait(reader.readline())),
                     under ./python;
      tasklets+conn  the same on stackless.aio's blocking connections
                     (aio.start_server(), conn.readline(), conn.send()),
                     under ./python;
      asyncio        the same server as plain coroutines on streams,
                     under build/stock/python (stock 3.13.5);
      gevent         the same with gevent's StreamServer and blocking
                     sockets, under /usr/bin/python3.
    One load client for all three (workloads/echoclient.py, asyncio
    Protocols, in its own process, under stock 3.13.5 when built): each
    connection sends a 64-byte line and waits for its echo, again and
    again; requests/s over a fixed window after a warm-up.  Memory per
    connection: the server's RSS growth once the N connections are open
    and their handlers blocked in a read, divided by N.
  - select over 4 channels: a tasklet blocked in stackless.select() over
    4 channels, fed on each in turn by another tasklet that waits for a
    reply, beside asyncio.wait({get() tasks on 4 asyncio.Queue},
    return_when=FIRST_COMPLETED) with the same round trip (under stock
    3.13.5 when built, else ./python).

Rounds are interleaved (every server and size once per round), best of
the rounds for rates, median for memory.  Ratios matter: absolute speed
drifts on a shared machine (bench/README.md).  No assertions: it prints
figures, and exits 1 only when a script fails.

    python bench/aio.py [--quick]
"""

import os
import re
import resource
import select
import statistics
import subprocess
import sys
import tempfile
import time

# The harness's own helpers (bench/ is this script's directory).
from run import child_env, loadavg

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
WORKLOADS = os.path.join(BENCH, "workloads")
STOCK = os.path.join(REPO, "build", "stock", "python")
SYSTEM = "/usr/bin/python3"

FULL = dict(rounds=4, conns=[1000, 10000], warmup=1.0, duration=2.0,
            select_rounds=5, select_duration=0.5)
QUICK = dict(rounds=1, conns=[50, 200], warmup=0.2, duration=0.5,
             select_rounds=1, select_duration=0.05)
# Descriptors a process needs besides its connections.
FD_SLACK = 200


def probe(interp, code):
    """Run `code` under `interp`: (True, its last output line) or
    (False, why not)."""
    if not os.access(interp, os.X_OK):
        return False, "%s not found" % interp
    try:
        out = subprocess.run([interp, "-c", code], capture_output=True,
                             text=True, timeout=60, env=child_env())
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, "%s: %s" % (interp, exc)
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["failed"])[-1]
        return False, "%s: %s" % (interp, last)
    return True, out.stdout.strip().splitlines()[-1]


VERSION = "import sys; print(sys.version.split()[0])"


class Side:
    """One way of doing a workload: a script under an interpreter."""

    def __init__(self, name, interp, script, check=VERSION):
        self.name = name
        self.interp = interp
        self.script = script
        self.ok, self.info = probe(interp, check)
        self.reason = "" if self.ok else self.info


def parse(text):
    """The RESULT or SKIP line of a workload script's output."""
    for line in text.splitlines():
        if line.startswith("SKIP "):
            return "skip", line.split("reason=", 1)[-1]
        if line.startswith("RESULT "):
            fields = dict(re.findall(r"(\w+)=(\S+)", line))
            return "ok", {k: _number(v) for k, v in fields.items()}
    return "fail", (text.strip().splitlines() or ["no output"])[-1]


def _number(text):
    try:
        return float(text)
    except ValueError:
        return text


def start_server(side):
    """Start an echo server; (process, port, stderr file) or a failure."""
    err = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(
        [side.interp, os.path.join(WORKLOADS, side.script)],
        stdout=subprocess.PIPE, stderr=err, text=True, cwd=WORKLOADS,
        env=child_env())
    ready, _, _ = select.select([proc.stdout], [], [], 60)
    line = proc.stdout.readline() if ready else ""
    m = re.match(r"READY port=(\d+)", line)
    if m:
        return proc, int(m.group(1)), err
    proc.kill()
    proc.wait()
    err.seek(0)
    why = line.strip() or (err.read().strip().splitlines()
                           or ["no READY line"])[-1]
    err.close()
    return None, why, None


def echo_run(side, client, conns, sizes):
    """One server process, one client run: ("ok", fields) or a failure."""
    proc, port, err = start_server(side)
    if proc is None:
        if port.startswith("SKIP "):
            return "skip", port.split("reason=", 1)[-1]
        return "fail", "server: %s" % port
    try:
        cmd = [client, os.path.join(WORKLOADS, "echoclient.py"),
               "--port", str(port), "--pid", str(proc.pid),
               "--conns", str(conns), "--warmup", str(sizes["warmup"]),
               "--duration", str(sizes["duration"])]
        try:
            out = subprocess.run(cmd, capture_output=True, text=True,
                                 timeout=120, env=child_env(),
                                 cwd=WORKLOADS)
            status, value = parse(out.stdout + out.stderr)
        except subprocess.TimeoutExpired:
            status, value = "fail", "client timed out"
        if proc.poll() is not None:
            err.seek(0)
            tail = (err.read().strip().splitlines() or ["?"])[-1]
            status, value = "fail", "server died: %s" % tail
    finally:
        proc.kill()
        proc.wait()
        err.close()
    return status, value


def script_run(side, duration):
    cmd = [side.interp, os.path.join(WORKLOADS, side.script),
           "--duration", str(duration)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True,
                             timeout=300, env=child_env(), cwd=WORKLOADS)
    except subprocess.TimeoutExpired:
        return "fail", "timed out"
    return parse(out.stdout + out.stderr)


class Cell:
    """The repetitions of one measurement."""

    def __init__(self):
        self.runs = []          # RESULT fields of each repetition
        self.status = "ok"
        self.reason = ""

    def add(self, status, value):
        if status == "ok":
            self.runs.append(value)
        elif self.status == "ok":
            self.status, self.reason = status, value

    def best(self, key):
        """The repetition with the highest `key` (a rate)."""
        return max(self.runs, key=lambda r: r[key]) if self.runs else None

    def median(self, key):
        return statistics.median(r[key] for r in self.runs)

    def spread(self, key):
        """Largest distance of a repetition from the best, in percent."""
        vals = [r[key] for r in self.runs]
        top = max(vals)
        return 100.0 * (top - min(vals)) / top if top else 0.0


def fmt_ratio(a, b):
    return "%.2fx" % (a / b) if a and b else "-"


def main():
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        return
    quick = "--quick" in sys.argv
    sizes = QUICK if quick else FULL
    ours = sys.executable
    stock_ok = probe(STOCK, VERSION)[0]
    client = STOCK if stock_ok else ours
    servers = [
        Side("tasklets", ours, "stackless_echoserver.py",
             "from stackless import aio; import sys; "
             "print(sys.version.split()[0])"),
        Side("tasklets+conn", ours, "stackless_conn_echoserver.py",
             "from stackless import aio; import sys; aio.Connection; "
             "aio.start_server; print(sys.version.split()[0])"),
        # Stock 3.13.5 when built (make bench builds it); else ours,
        # which runs asyncio as stock does.
        Side("asyncio", client, "asyncio_echoserver.py"),
        Side("gevent", SYSTEM, "gevent_echoserver.py",
             "import sys, gevent; print(sys.version.split()[0], "
             "'gevent', gevent.__version__)"),
    ]
    selects = [
        Side("stackless.select()", ours, "stackless_select.py",
             "import stackless; stackless.select; print('ok')"),
        Side("asyncio.wait(FIRST_COMPLETED)", client, "asyncio_select.py"),
    ]
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard == resource.RLIM_INFINITY:
        hard = 1 << 30
    too_many = {n: "RLIMIT_NOFILE hard limit %d is below %d connections + "
                   "%d" % (hard, n, FD_SLACK)
                for n in sizes["conns"] if hard < n + FD_SLACK}

    load_start = loadavg()
    started = time.monotonic()
    cells = {(s.name, n): Cell() for s in servers for n in sizes["conns"]}
    sel_cells = {s.name: Cell() for s in selects}
    failed = False
    rounds = max(sizes["rounds"], sizes["select_rounds"])
    for rnd in range(rounds):
        if rnd < sizes["rounds"]:
            for n in sizes["conns"]:
                for s in servers:
                    cell = cells[(s.name, n)]
                    if not s.ok or n in too_many or cell.status != "ok":
                        continue
                    status, value = echo_run(s, client, n, sizes)
                    cell.add(status, value)
                    failed |= status == "fail"
                    print("round %d: %-13s %6d conns: %s" % (
                        rnd + 1, s.name, n,
                        "%.0f req/s" % value["rps"] if status == "ok"
                        else "%s: %s" % (status, value)),
                        file=sys.stderr, flush=True)
        if rnd < sizes["select_rounds"]:
            for s in selects:
                cell = sel_cells[s.name]
                if not s.ok or cell.status != "ok":
                    continue
                status, value = script_run(s, sizes["select_duration"])
                cell.add(status, value)
                failed |= status == "fail"
    elapsed = time.monotonic() - started

    # The report.
    def where(path):
        if not path.startswith(REPO + os.sep):
            return path
        rel = os.path.relpath(path, REPO)
        return rel if os.sep in rel else "./" + rel
    print("stackless.aio benchmarks%s: best of %d rounds (select: %d), "
          "interleaved" % (" (--quick: tiny sizes, a smoke test)"
                           if quick else "", sizes["rounds"],
                           sizes["select_rounds"]))
    print("load average before %s, after %s; %.0f s"
          % (load_start, loadavg(), elapsed))
    print()
    print("Echo servers over loopback: each connection sends a 64-byte "
          "line and waits")
    print("for its echo, in a loop; %.1f s timed after %.1f s of warm-up."
          % (sizes["duration"], sizes["warmup"]))
    for s in servers:
        print("  %-13s %s (%s)" % (s.name, where(s.interp), s.info if s.ok
                                   else "skipped: " + s.reason))
    print("  %-13s %s, asyncio Protocols, its own process"
          % ("client", where(client)))
    print()
    print("  %-13s %6s %10s %7s %7s %11s %7s %6s %6s"
          % ("server", "conns", "req/s", "noise", "vs aio", "bytes/conn",
             "vs aio", "srvCPU", "cliCPU"))
    for n in sizes["conns"]:
        ref = cells[("asyncio", n)]
        ref_rps = ref.best("rps")["rps"] if ref.runs else None
        ref_mem = ref.median("bytes_per_conn") if ref.runs else None
        for s in servers:
            cell = cells[(s.name, n)]
            if not s.ok:
                why = "skipped: " + s.reason
            elif n in too_many:
                why = "skipped: " + too_many[n]
            elif not cell.runs:
                why = "%s: %s" % ("skipped" if cell.status == "skip"
                                  else "FAILED", cell.reason)
            else:
                why = None
            if why:
                print("  %-13s %6d   %s" % (s.name, n, why))
                continue
            top = cell.best("rps")
            mem = cell.median("bytes_per_conn")
            print("  %-13s %6d %10.0f %6.1f%% %7s %11.0f %7s %5.0f%% %5.0f%%"
                  % (s.name, n, top["rps"], cell.spread("rps"),
                     fmt_ratio(top["rps"], ref_rps), mem,
                     fmt_ratio(mem, ref_mem), 100 * top["server_cpu"],
                     100 * top["client_cpu"]))
    print("  req/s: best round; noise: spread of the rounds below the "
          "best; bytes/conn:")
    print("  median round, server RSS growth with the connections open "
          "and idle in a read,")
    print("  per connection; srvCPU/cliCPU: CPU time of the server and "
          "client during the")
    print("  timed window (a server below ~95% was not the bottleneck).")
    print()
    print("Select over 4 channels / queues: round trips/s (a value in, a "
          "reply out)")
    ref = sel_cells[selects[1].name]
    ref_rate = ref.best("select4")["select4"] if ref.runs else None
    for s in selects:
        cell = sel_cells[s.name]
        if not s.ok or not cell.runs:
            print("  %-30s %s" % (s.name, "skipped: " + (
                s.reason if not s.ok else cell.reason)))
            continue
        rate = cell.best("select4")["select4"]
        print("  %-30s %12.0f %6.1f%% %7s  (%s)"
              % (s.name, rate, cell.spread("select4"),
                 fmt_ratio(rate, ref_rate), where(s.interp)))
    print("  asyncio keeps the get() tasks that did not complete for the "
          "next round and")
    print("  replaces only the completed one (the idiomatic way; "
          "cancelling and")
    print("  re-creating all four each round costs more).  "
          "stackless.select() runs")
    print("  outside any event loop.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
