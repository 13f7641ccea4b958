#!/usr/bin/env python3
"""Benchmark harness for Stackless Python 3.13.

Runs the workload scripts in bench/workloads/ under several runtimes, each
in its own subprocess, repeats them, takes medians and compares "ours"
(the stackless module of ./python) with the alternatives. Writes
results.json, results.csv, summary.txt and PNG plots to bench/results/.

Runs on any Python >= 3.9 and uses the stdlib only. See bench/README.md.
"""

import argparse
import csv
import datetime
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
WORKLOADS = os.path.join(BENCH, "workloads")

# Counts above this are not attempted with OS threads: each one has its
# own stack and kernel task, and the machine is shared.
THREADS_MAX = 10000

FULL = dict(reps=5, duration=1.0, tasks=1000, batch=1000, cap=1000000,
            mem_counts=[10000, 100000, 1000000],
            cpu_sizes=dict(richards=0, nbody=0, dictstr=0, fib=0))
# Tiny sizes: a smoke test of every script and of the reporting path.
QUICK = dict(reps=1, duration=0.05, tasks=100, batch=100, cap=100000,
             mem_counts=[1000, 10000],
             cpu_sizes=dict(richards=1, nbody=5000, dictstr=2000, fib=20))

# (name, title, unit, better, models it exists for or None for all)
WORKLOAD_SPECS = [
    ("pingpong", "channel ping-pong between two tasks", "round trips/s",
     "higher", None),
    ("schedule", "schedule() round robin over N tasks", "switches/s",
     "higher", None),
    ("spawn", "spawn: create, run to completion, finish", "tasks/s",
     "higher", None),
    ("memory", "memory per blocked task with a live frame", "bytes/task",
     "lower", None),
    ("recursion", "deepest plain recursion inside a task", "frames",
     "higher", None),
    ("pickle", "pickle + unpickle of a suspended tasklet", "round trips/s",
     "higher", ("stackless",)),
]
CPU_BENCHMARKS = ["richards", "nbody", "dictstr", "fib"]

NOTES = [
    "greenlet: raw greenlets with a hand-written FIFO scheduler "
    "(workloads/greenlet_common.py); ping-pong is two bare switches.",
    "gevent: ping-pong over gevent.queue.Channel; round robin with "
    "gevent.sleep(0); blocked tasks wait on a gevent Event.",
    "asyncio: ping-pong over two Queue(maxsize=1); round robin with "
    "await asyncio.sleep(0); blocked tasks await Queue.get().",
    "threads: ping-pong over queue.Queue; round robin is a baton passed "
    "through one Lock per thread (not a shared condition variable); "
    "memory is capped at %s threads." % format(THREADS_MAX, ","),
    "memory: RSS growth after gc.collect() divided by the task count; "
    "3 repetitions up to 10k tasks, 1 above; a count is skipped when the "
    "smaller count predicts it would not fit in available memory or time.",
    "recursion: run once; a crash (e.g. C stack overflow) is reported "
    "with the last depth the script printed before dying.",
]

PROBE = r"""
import json, platform, sys
info = {"version": " ".join(sys.version.split()),
        "implementation": platform.python_implementation(),
        "python": platform.python_version()}
if hasattr(sys, "pypy_version_info"):
    info["implementation"] += " " + ".".join(
        str(x) for x in sys.pypy_version_info[:3])
mod = sys.argv[1]
if mod:
    try:
        m = __import__(mod)
    except ImportError as exc:
        info["missing"] = "module %s missing (%s)" % (mod, exc)
    else:
        info["module_version"] = str(getattr(m, "__version__", ""))
        if mod == "stackless" and not hasattr(m, "tasklet"):
            info["missing"] = "stackless module has no tasklets yet"
print(json.dumps(info))
"""


class Runtime:
    def __init__(self, name, interpreter, model, module, label):
        self.name = name
        self.interpreter = interpreter
        self.model = model          # workload script prefix
        self.module = module        # module that must import
        self.label = label
        self.ok = False
        self.reason = ""
        self.info = {}

    def probe(self):
        if not self.interpreter or not os.access(self.interpreter, os.X_OK):
            self.reason = "not installed (%s)" % (self.interpreter or
                                                  "no interpreter found")
            return
        try:
            out = subprocess.run(
                [self.interpreter, "-c", PROBE, self.module or ""],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                universal_newlines=True, timeout=120, env=child_env())
            self.info = json.loads(out.stdout.strip().splitlines()[-1])
        except (OSError, ValueError, IndexError,
                subprocess.TimeoutExpired) as exc:
            self.reason = "interpreter does not start (%s)" % exc
            return
        if "missing" in self.info:
            self.reason = self.info["missing"]
            return
        self.ok = True

    def describe(self):
        impl = self.info.get("implementation", "")
        ver = self.info.get("python", "")
        mod = self.info.get("module_version")
        text = "%s %s" % (impl, ver)
        words = self.info.get("version", "").split()
        if "Stackless" in words[:2]:
            # Our fork names its own release after the CPython version.
            text += " (%s)" % " ".join(words[1:3])
        if self.module and mod:
            text += ", %s %s" % (self.module, mod)
        return text.strip()


def child_env():
    env = dict(os.environ)
    # Each interpreter must use its own stdlib, not the caller's.
    for var in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONINSPECT",
                "PYTHONSAFEPATH"):
        env.pop(var, None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONHASHSEED"] = "0"
    return env


def make_runtimes(opts):
    ours = opts.python
    stock = opts.stock
    system = opts.system_python
    pypy = opts.pypy or shutil.which("pypy3") or ""
    return [
        Runtime("stackless", ours, "stackless", "stackless",
                "ours: ./python, stackless API"),
        Runtime("pypy-stackless", pypy, "stackless", "stackless",
                "PyPy's stackless emulation on continulets"),
        Runtime("greenlet", system, "greenlet", "greenlet",
                "Debian python3 + greenlet"),
        Runtime("gevent", system, "gevent", "gevent",
                "Debian python3 + gevent"),
        Runtime("asyncio", stock, "asyncio", "asyncio",
                "stock 3.13.5: asyncio tasks and Queue"),
        Runtime("threads", stock, "threads", "threading",
                "stock 3.13.5: OS threads and queue.Queue"),
    ]


# --- running one script ----------------------------------------------------

class Outcome:
    def __init__(self):
        self.status = "failed"      # ok | skipped | failed
        self.value = None
        self.metric = None
        self.extra = {}
        self.reason = ""
        self.progress = {}
        self.seconds = 0.0


def parse_fields(text):
    fields = {}
    for part in text.split():
        if "=" in part:
            key, value = part.split("=", 1)
            fields[key] = value
    return fields


def run_script(interpreter, script, args, timeout):
    out = Outcome()
    cmd = [interpreter, os.path.join(WORKLOADS, script)] + args
    t0 = time.monotonic()
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, universal_newlines=True,
                              timeout=timeout, env=child_env(), cwd=WORKLOADS)
        stdout, stderr, rc = proc.stdout, proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as exc:
        stdout = exc.stdout or ""
        if isinstance(stdout, bytes):
            stdout = stdout.decode("utf-8", "replace")
        stderr, rc = "", None
    out.seconds = time.monotonic() - t0
    for line in stdout.splitlines():
        if line.startswith("RESULT "):
            head, _, rest = line[7:].partition(" ")
            out.metric, _, value = head.partition("=")
            out.value = float(value)
            out.extra = parse_fields(rest)
        elif line.startswith("SKIP "):
            out.reason = line[5:].split("=", 1)[-1].strip()
            out.status = "skipped"
        elif line.startswith("PROGRESS "):
            out.progress.update(parse_fields(line[9:]))
    if out.status == "skipped":
        return out
    if rc == 0 and out.value is not None:
        out.status = "ok"
    elif rc is None:
        out.reason = "timed out after %d s" % timeout
    elif rc < 0:
        out.reason = "killed by signal %d%s" % (
            -rc, " (segfault)" if rc == -11 else
            " (out of memory?)" if rc == -9 else "")
    else:
        tail = [ln for ln in stderr.strip().splitlines() if ln.strip()]
        out.reason = "exit status %d: %s" % (rc, tail[-1] if tail else "")
    return out


# --- statistics and formatting ---------------------------------------------

class Cell:
    """All repetitions of one workload/parameter on one runtime."""

    def __init__(self, workload, param, runtime):
        self.workload = workload
        self.param = param
        self.runtime = runtime
        self.values = []
        self.status = "pending"
        self.reason = ""
        self.extra = {}

    @property
    def median(self):
        return statistics.median(self.values) if self.values else None

    def summary(self):
        d = dict(workload=self.workload, param=self.param,
                 runtime=self.runtime, status=self.status,
                 reason=self.reason, values=self.values, reps=len(self.values),
                 median=self.median, extra=self.extra)
        if self.values:
            d["min"], d["max"] = min(self.values), max(self.values)
            d["rstdev"] = (statistics.stdev(self.values) / self.median
                           if len(self.values) > 1 and self.median else 0.0)
        return d


def noise(values):
    if len(values) < 2:
        return "1 rep"
    med = statistics.median(values)
    if not med:
        return "-"
    spread = max(max(values) - med, med - min(values)) / med
    return "±%.1f%%" % (100 * spread)


def human(value, unit):
    if value is None:
        return "-"
    if unit == "s":
        return "%.3f s" % value
    if unit in ("bytes/task", "frames"):
        return format(int(round(value)), ",")
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return "%.3g%s" % (value / scale, suffix)
    return "%.3g" % value


def ratio_text(ours, other):
    if ours is None or other is None or not other:
        return "n/a"
    return "%.2fx" % (ours / other)


def table(rows, header):
    widths = [max(len(str(r[i])) for r in rows + [header])
              for i in range(len(header))]
    lines = ["  " + "  ".join(str(h).ljust(w)
                              for h, w in zip(header, widths)).rstrip()]
    for r in rows:
        lines.append("  " + "  ".join(str(c).ljust(w)
                                      for c, w in zip(r, widths)).rstrip())
    return lines


# --- the benchmark plan ----------------------------------------------------

class Harness:
    def __init__(self, opts):
        self.opts = opts
        self.sizes = dict(QUICK if opts.quick else FULL)
        if opts.reps:
            self.sizes["reps"] = opts.reps
        if opts.duration:
            self.sizes["duration"] = opts.duration
        if opts.mem_counts:
            self.sizes["mem_counts"] = opts.mem_counts
        self.runtimes = make_runtimes(opts)
        self.cells = {}             # (workload, param, runtime) -> Cell
        self.cpu_cells = {}         # (bench, "ours"|"stock") -> Cell
        self.done = 0

    def log(self, text):
        sys.stderr.write(text + "\n")
        sys.stderr.flush()

    def args_for(self, workload, param):
        s = self.sizes
        if workload in ("pingpong", "pickle"):
            return ["--duration", str(s["duration"])]
        if workload == "schedule":
            return ["--duration", str(s["duration"]), "--tasks",
                    str(s["tasks"])]
        if workload == "spawn":
            return ["--duration", str(s["duration"]), "--batch",
                    str(s["batch"])]
        if workload == "memory":
            return ["--tasks", str(param)]
        if workload == "recursion":
            return ["--cap", str(s["cap"])]
        raise ValueError(workload)

    def reps_for(self, workload, param):
        reps = self.sizes["reps"]
        if workload == "recursion":
            return 1
        if workload == "memory":
            return min(reps, 3) if param <= 10000 else 1
        return reps

    def params_for(self, workload):
        if workload == "memory":
            return list(self.sizes["mem_counts"])
        return [None]

    def preflight(self, runtime, workload, param):
        """Reason not to run this memory count, or None."""
        if workload != "memory":
            return None
        if runtime.model == "threads" and param > THREADS_MAX:
            return "capped at %s OS threads" % format(THREADS_MAX, ",")
        smaller = [c for (w, p, r), c in self.cells.items()
                   if w == workload and r == runtime.name and c.values
                   and p < param]
        if not smaller:
            return None
        prev = max(smaller, key=lambda c: c.param)
        per_task = prev.median
        need = per_task * param * 1.25 + 200e6
        avail = meminfo().get("MemAvailable", 0) * 1024
        # Leave room for whatever else runs on the (shared) machine.
        if avail and need > 0.6 * avail:
            return ("would need ~%.1f GiB (%s B/task at %s), only %.1f GiB "
                    "available" % (need / 2**30, human(per_task, "bytes/task"),
                                   format(prev.param, ","), avail / 2**30))
        setup = float(prev.extra.get("setup_s", 0))
        expect = setup * param / prev.param * 1.5
        if expect > self.opts.timeout * 0.8:
            return "would take ~%d s to set up (limit %d s)" % (
                expect, self.opts.timeout)
        return None

    def run_cell(self, cell, runtime, script, args, rep, reps):
        out = run_script(runtime.interpreter, script, args, self.opts.timeout)
        self.done += 1
        label = "%s %s%s" % (cell.workload,
                             "" if cell.param is None else
                             "n=%s " % format(cell.param, ","),
                             cell.runtime)
        if out.status == "ok":
            cell.values.append(out.value)
            cell.extra = out.extra
            cell.status = "ok"
            unit = out.extra.get("unit", "")
            shown = human(out.value, unit)
            if unit != "s":
                shown += " " + unit
            self.log("[%3d] %-40s rep %d/%d: %s (%.1f s)" % (
                self.done, label, rep + 1, reps, shown, out.seconds))
            return
        if cell.workload == "recursion" and "depth" in out.progress:
            # Dying deep in recursion is a result, not a harness failure.
            depth = float(out.progress["depth"])
            cell.values.append(depth)
            cell.status = "ok"
            cell.extra = dict(stop=out.reason, unit="frames")
            cell.reason = "%s after >= %s frames" % (
                out.reason, format(int(depth), ","))
            self.log("[%3d] %-40s %s" % (self.done, label, cell.reason))
            return
        cell.status = out.status
        cell.reason = out.reason
        self.log("[%3d] %-40s %s: %s" % (self.done, label, out.status,
                                         out.reason))

    def run_workloads(self):
        selected = self.opts.workloads
        active = [r for r in self.runtimes if r.ok]
        plan = []               # (name, param, users, reps)
        for name, title, unit, better, models in WORKLOAD_SPECS:
            if selected and name not in selected:
                continue
            for param in self.params_for(name):
                users = [r for r in active
                         if models is None or r.model in models]
                for r in users:
                    self.cells[(name, param, r.name)] = Cell(name, param,
                                                             r.name)
                plan.append((name, param, users,
                             self.reps_for(name, param)))
        # Repetitions are rounds over the whole plan, not back to back:
        # a machine whose speed drifts during the run (a shared VM) then
        # shows the drift in every figure's noise instead of shifting
        # some figures and not others.  Runtimes alternate within each
        # round, so that load from other work hits all alike.
        for rep in range(max((p[3] for p in plan), default=0)):
            for name, param, users, reps in plan:
                if rep >= reps:
                    continue
                for r in users:
                    cell = self.cells[(name, param, r.name)]
                    if cell.status in ("skipped", "failed"):
                        continue
                    if rep == 0:
                        why = self.preflight(r, name, param)
                        if why:
                            cell.status, cell.reason = "skipped", why
                            self.log("[   ] %s n=%s %s: skipped: %s" % (
                                name, param, r.name, why))
                            continue
                    script = "%s_%s.py" % (r.model, name)
                    self.run_cell(cell, r, script,
                                  self.args_for(name, param), rep, reps)

    def run_cpu(self):
        if self.opts.workloads and "cpu" not in self.opts.workloads:
            return
        pairs = [("ours", self.opts.python), ("stock", self.opts.stock)]
        for side, interp in pairs:
            if not os.access(interp, os.X_OK):
                self.log("cpu: %s interpreter %s missing" % (side, interp))
                return
        for bench in CPU_BENCHMARKS:
            for side, _ in pairs:
                self.cpu_cells[(bench, side)] = Cell("cpu_" + bench, None,
                                                     side)
        # In rounds, as run_workloads() does.
        for rep in range(self.sizes["reps"]):
            for bench in CPU_BENCHMARKS:
                size = self.sizes["cpu_sizes"][bench]
                args = ["--size", str(size)] if size else []
                for side, interp in pairs:
                    cell = self.cpu_cells[(bench, side)]
                    if cell.status == "failed":
                        continue
                    fake = Runtime(side, interp, "cpu", None, side)
                    self.run_cell(cell, fake, "cpu_%s.py" % bench, args, rep,
                                  self.sizes["reps"])

    # --- reporting ---

    def ours(self):
        return self.opts.ours

    def report(self, machine, elapsed):
        lines = []
        mode = "quick smoke run (tiny sizes)" if self.opts.quick else "full"
        lines.append("Stackless Python 3.13 benchmarks - %s, %s" % (
            mode, machine["date"]))
        lines.append("machine: %s, %d cores, Linux %s, load %s -> %s" % (
            machine["cpu_model"], machine["cores"], machine["kernel"],
            machine["loadavg_start"], machine["loadavg_end"]))
        busy = max(load1(machine["loadavg_start"]),
                   load1(machine["loadavg_end"]))
        if busy > 0.5 * (machine["cores"] or 1):
            lines.append("warning: the machine was busy (1-minute load %.1f "
                         "on %d cores); expect noise, rerun on a quiet "
                         "machine before quoting numbers" % (
                             busy, machine["cores"]))
        lines.append("")
        lines.append("Runtimes")
        rows = []
        for r in self.runtimes:
            state = "ok" if r.ok else "SKIPPED: " + r.reason
            rows.append([r.name, r.interpreter or "-", r.describe() or "-",
                         state])
        lines += table(rows, ["runtime", "interpreter", "version", "status"])
        ours = self.ours()
        lines.append("")
        lines.append("Ratios are ours/other with ours = %s. For 'higher is "
                     "better' metrics a ratio > 1 favours ours; for 'lower "
                     "is better' a ratio < 1 does." % ours)
        specs = {s[0]: s for s in WORKLOAD_SPECS}
        seen = []
        for (name, param, _rt) in self.cells:
            if (name, param) not in seen:
                seen.append((name, param))
        for name, param in seen:
            _, title, unit, better, models = specs[name]
            lines.append("")
            heading = title
            if param is not None:
                heading += ", %s tasks" % format(param, ",")
            if name == "schedule":
                heading = heading.replace("N tasks", "%s tasks" %
                                          format(self.sizes["tasks"], ","))
            lines.append("%s [%s, %s is better]" % (heading, unit, better))
            ours_cell = self.cells.get((name, param, ours))
            ours_med = ours_cell.median if ours_cell else None
            rows = []
            for r in self.runtimes:
                if models is not None and r.model not in models:
                    continue
                cell = self.cells.get((name, param, r.name))
                if self.opts.runtimes and r.name not in self.opts.runtimes:
                    continue
                if not r.ok:
                    rows.append([r.name, "-", "-", "-",
                                 "skipped: " + r.reason])
                    continue
                if cell is None:
                    continue
                note = cell.reason
                if cell.status == "skipped":
                    note = "skipped: " + cell.reason
                elif cell.status == "failed":
                    note = "FAILED: " + cell.reason
                if r.name == ours:
                    ratio = "(ours)"
                elif cell.median is None:
                    ratio = "-"
                else:
                    ratio = ratio_text(ours_med, cell.median)
                rows.append([r.name, human(cell.median, unit),
                             noise(cell.values) if cell.values else "-",
                             ratio, note])
            lines += table(rows, ["runtime", "median", "noise",
                                  "ours/other", "note"])
        if self.cpu_cells:
            lines.append("")
            lines.append("CPU-bound, no tasks [seconds, lower is better; "
                         "ours = %s, stock = %s]" % (self.opts.python,
                                                     self.opts.stock))
            rows = []
            ratios = []
            for bench in CPU_BENCHMARKS:
                a = self.cpu_cells.get((bench, "ours"))
                b = self.cpu_cells.get((bench, "stock"))
                if a is None or b is None:
                    continue
                ratio = ratio_text(a.median, b.median)
                if a.median and b.median:
                    ratios.append(a.median / b.median)
                note = "; ".join(c.runtime + ": " + c.reason
                                 for c in (a, b) if c.status != "ok")
                rows.append([bench, human(a.median, "s"), noise(a.values),
                             human(b.median, "s"), noise(b.values), ratio,
                             note])
            if ratios:
                rows.append(["geomean", "", "", "", "",
                             "%.2fx" % geomean(ratios), ""])
            lines += table(rows, ["benchmark", "ours", "noise", "stock",
                                  "noise", "ours/stock", "note"])
        lines.append("")
        lines.append("Notes")
        lines += ["  - " + n for n in NOTES]
        lines.append("")
        where = os.path.relpath(self.opts.out)
        if where.startswith(".."):
            where = self.opts.out
        lines.append("total time %.0f s; results in %s" % (elapsed, where))
        return "\n".join(lines) + "\n"

    def records(self):
        specs = {s[0]: s for s in WORKLOAD_SPECS}
        out = []
        for (name, param, rt), cell in self.cells.items():
            d = cell.summary()
            d.update(section="tasks", title=specs[name][1],
                     unit=specs[name][2], better=specs[name][3])
            out.append(d)
        for (bench, side), cell in self.cpu_cells.items():
            d = cell.summary()
            d.update(section="cpu", title=bench, unit="s", better="lower")
            out.append(d)
        return out

    def cpu_summary(self):
        rows = {}
        for bench in CPU_BENCHMARKS:
            a = self.cpu_cells.get((bench, "ours"))
            b = self.cpu_cells.get((bench, "stock"))
            if a and b and a.median and b.median:
                rows[bench] = a.median / b.median
        return dict(ratios_ours_over_stock=rows,
                    geomean=geomean(list(rows.values())) if rows else None)


def geomean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values))


# --- machine information ----------------------------------------------------

def meminfo():
    info = {}
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                key, _, rest = line.partition(":")
                info[key] = int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return info


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def load1(text):
    """The 1-minute figure of a loadavg() string, 0 when unknown."""
    try:
        return float(text.split()[0])
    except (ValueError, IndexError):
        return 0.0


def machine_info():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    uname = platform.uname()
    return dict(
        date=datetime.datetime.now().astimezone().isoformat(
            timespec="seconds"),
        cpu_model=model, cores=os.cpu_count(), kernel=uname.release,
        kernel_version=uname.version, machine=uname.machine,
        mem_total_kib=meminfo().get("MemTotal"), loadavg_start=loadavg(),
        harness_python=sys.version.split()[0])


def repo_revision():
    try:
        rev = subprocess.run(["git", "-C", REPO, "rev-parse", "--short",
                              "HEAD"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL,
                             universal_newlines=True, timeout=30)
        return rev.stdout.strip() or None
    except (OSError, subprocess.TimeoutExpired):
        return None


# --- output files -----------------------------------------------------------

def write_csv(path, records):
    fields = ["section", "workload", "param", "runtime", "title", "unit",
              "better", "status", "reps", "median", "min", "max", "rstdev",
              "reason"]
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        for rec in records:
            w.writerow(rec)


def gp_name(runtime):
    return "$" + runtime.replace("-", "_")


def write_plots(harness, out_dir):
    """Write plots.gp (data inline) and render it with gnuplot if present."""
    gnuplot = shutil.which("gnuplot")
    script = []
    mem = {}
    for (name, param, rt), cell in harness.cells.items():
        if name == "memory" and cell.median is not None:
            mem.setdefault(rt, []).append((param, cell.median))
    if mem:
        counts = [p for points in mem.values() for p, _ in points]
        for rt, points in mem.items():
            script.append("%s << EOD" % gp_name(rt))
            script += ["%d %.1f" % p for p in sorted(points)]
            script.append("EOD")
        script += [
            "set output 'memory.png'",
            "set title 'Memory per blocked task (RSS growth / tasks)'",
            "set logscale x 10", "set logscale y 2",
            "set xlabel 'blocked tasks (log scale)'",
            "set ylabel 'bytes per task (log scale)'",
            "set xrange [%g:%g]" % (min(counts) / 1.5, max(counts) * 1.5),
            "set grid", "set key outside right top",
            "set format x '%.0s%c'",
            "plot " + ", ".join(
                "%s using 1:2 with linespoints lw 2 pt 7 title '%s'"
                % (gp_name(rt), rt) for rt in mem),
            "reset",
        ]
    rates = []
    for r in harness.runtimes:
        s = harness.cells.get(("schedule", None, r.name))
        p = harness.cells.get(("pingpong", None, r.name))
        sv = s.median if s else None
        pv = p.median if p else None
        if sv or pv:
            rates.append('"%s" %s %s' % (r.name, "%.6g" % sv if sv else "?",
                                         "%.6g" % pv if pv else "?"))
    if rates:
        script.append("$rates << EOD")
        script += rates
        script.append("EOD")
        script += [
            "set output 'switch_rate.png'",
            "set title 'Switch rate per runtime (median)'",
            "set datafile missing '?'",
            "set style data histograms",
            "set style histogram clustered gap 1",
            "set style fill solid 0.85 border -1",
            "set logscale y 10", "set grid ytics",
            "set yrange [1000:*]",
            "set ylabel 'per second (log scale)'",
            "set format y '%.0s%c'", "set key top right",
            "plot $rates using 2:xtic(1) title 'schedule() switches/s', "
            "'' using 3 title 'ping-pong round trips/s'",
        ]
    if not script:
        return "no data to plot"
    path = os.path.join(out_dir, "plots.gp")
    for term in ("pngcairo size 900,560 font 'sans,10'", "png size 900,560"):
        with open(path, "w") as f:
            f.write("set terminal %s\n" % term)
            f.write("\n".join(script) + "\n")
        if not gnuplot:
            return "gnuplot not installed: plots.gp written, no PNGs"
        proc = subprocess.run([gnuplot, "plots.gp"], cwd=out_dir,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=120)
        if proc.returncode == 0:
            return None
    return "gnuplot failed: " + proc.stderr.strip().splitlines()[-1]


# --- main -------------------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Run the Stackless Python 3.13 benchmark suite.")
    p.add_argument("--quick", action="store_true",
                   help="smoke run: 1 repetition, tiny sizes")
    p.add_argument("--reps", type=int, default=0,
                   help="repetitions per measurement (default 5, quick 1)")
    p.add_argument("--duration", type=float, default=0,
                   help="seconds each timed run aims for (default 1.0)")
    p.add_argument("--mem-counts", type=lambda s: [int(x) for x in
                                                   s.split(",")],
                   help="comma-separated task counts for the memory "
                   "workload (default 10000,100000,1000000)")
    p.add_argument("--runtimes", type=lambda s: s.split(","),
                   help="comma-separated subset of: stackless, "
                   "pypy-stackless, greenlet, gevent, asyncio, threads")
    p.add_argument("--workloads", type=lambda s: s.split(","),
                   help="comma-separated subset of: pingpong, schedule, "
                   "spawn, memory, recursion, pickle, cpu")
    p.add_argument("--ours", default="stackless",
                   help="runtime that the ratios compare against "
                   "(default stackless)")
    p.add_argument("--python", default=os.path.join(REPO, "python"),
                   help="our interpreter (default ./python)")
    p.add_argument("--stock", default=os.path.join(REPO, "build", "stock",
                                                   "python"),
                   help="stock CPython 3.13.5 (default build/stock/python)")
    p.add_argument("--system-python", default="/usr/bin/python3",
                   help="interpreter with greenlet and gevent "
                   "(default /usr/bin/python3)")
    p.add_argument("--pypy", default="",
                   help="PyPy 3 interpreter (default: pypy3 on PATH)")
    p.add_argument("--timeout", type=int, default=300,
                   help="seconds before one script run is killed")
    p.add_argument("--out", default=os.path.join(BENCH, "results"),
                   help="output directory (default bench/results)")
    p.add_argument("--no-plots", action="store_true")
    opts = p.parse_args(argv)
    opts.out = os.path.abspath(opts.out)
    # Scripts run with the workloads directory as cwd: a relative
    # interpreter path must not change meaning there.
    for name in ("python", "stock", "system_python", "pypy"):
        path = getattr(opts, name)
        if os.sep in path:
            setattr(opts, name, os.path.abspath(path))
    return opts


def main(argv=None):
    opts = parse_args(argv)
    t0 = time.monotonic()
    machine = machine_info()
    h = Harness(opts)
    for r in h.runtimes:
        if opts.runtimes and r.name not in opts.runtimes:
            r.reason = "not selected (--runtimes)"
            continue
        r.probe()
        h.log("runtime %-15s %s" % (r.name, "ok: " + r.describe() if r.ok
                                    else "skipped: " + r.reason))
    h.run_workloads()
    h.run_cpu()
    machine["loadavg_end"] = loadavg()
    elapsed = time.monotonic() - t0
    os.makedirs(opts.out, exist_ok=True)
    report = h.report(machine, elapsed)
    plot_note = None if opts.no_plots else write_plots(h, opts.out)
    if plot_note:
        report += "plots: %s\n" % plot_note
    doc = dict(
        schema=1, mode="quick" if opts.quick else "full",
        settings=h.sizes, ours=opts.ours, machine=machine,
        repo=dict(path=REPO, revision=repo_revision()),
        runtimes={r.name: dict(interpreter=r.interpreter, label=r.label,
                               ok=r.ok, reason=r.reason, info=r.info)
                  for r in h.runtimes},
        cpu_interpreters=dict(ours=opts.python, stock=opts.stock),
        results=h.records(), cpu=h.cpu_summary(), notes=NOTES,
        elapsed_s=round(elapsed, 1))
    with open(os.path.join(opts.out, "results.json"), "w") as f:
        json.dump(doc, f, indent=1)
    write_csv(os.path.join(opts.out, "results.csv"), h.records())
    with open(os.path.join(opts.out, "summary.txt"), "w") as f:
        f.write(report)
    sys.stdout.write(report)
    failed = [c for c in list(h.cells.values()) + list(h.cpu_cells.values())
              if c.status == "failed"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
