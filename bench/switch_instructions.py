#!/usr/bin/env python3
"""Instructions per tasklet operation, counted by valgrind.

Timings of the switch paths drift on a virtual machine by more than the
changes we make to them; instruction counts do not.  For each operation
this script runs a small program twice under cachegrind, with n and with
2n repetitions, and divides the difference by n: start-up and set-up cancel
out, and what is left is the cost of one operation, loop included.

  pingpong   one round trip: main sends on a channel, a tasklet echoes it
             back on another (two channel transfers, two switches)
  schedule   one stackless.schedule() switch in a ring of 100 tasklets
  spawn      create a tasklet, run it to its end, drop it

The loops run inside functions, as in bench/workloads: module-level code
would add a dict lookup for every name it touches.

With --callgrind OP, both runs of that operation go under callgrind
instead, and the functions are listed by their instructions per operation
(the difference of the two runs, function by function).

Usage: bench/switch_instructions.py [--python P] [--n N] [--json FILE]
Output lines: "OPS <op> instructions=<per op>".
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

REFS = re.compile(r"I\s+refs:\s+([\d,]+)")

PROGRAMS = {
    "pingpong": """
import stackless, sys
n = int(sys.argv[1])
inbox, outbox = stackless.channel(), stackless.channel()
def echo(inbox, outbox):
    while True:
        value = inbox.receive()
        if value is None:
            return
        outbox.send(value)
def main():
    stackless.tasklet(echo)(inbox, outbox)
    for i in range(n):
        inbox.send(i)
        outbox.receive()
    inbox.send(None)
main()
""",
    "schedule": """
import stackless, sys
n = int(sys.argv[1])
tasks = 100
def spin(rounds):
    schedule = stackless.schedule
    for _ in range(rounds):
        schedule()
for _ in range(tasks):
    stackless.tasklet(spin)(n // tasks)
stackless.run()
""",
    "spawn": """
import stackless, sys
n = int(sys.argv[1])
def work(x):
    pass
def main():
    tasklet, run = stackless.tasklet, stackless.run
    for i in range(n // 100):
        for j in range(100):
            tasklet(work)(j)
        run()
main()
""",
}


def run_counted(python, program, n, tool="cachegrind", outfile=None):
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(program)
        script = f.name
    try:
        if tool == "cachegrind":
            cmd = ["valgrind", "--tool=cachegrind", "--cache-sim=no",
                   "--cachegrind-out-file=/dev/null"]
        else:
            cmd = ["valgrind", "--tool=callgrind",
                   "--callgrind-out-file=" + outfile]
        proc = subprocess.run(cmd + [python, script, str(n)],
                              capture_output=True, text=True)
    finally:
        os.unlink(script)
    if proc.returncode != 0:
        raise SystemExit("failed:\n" + proc.stderr[-2000:])
    match = REFS.search(proc.stderr)
    if match is None:
        raise SystemExit("no instruction count in valgrind's output")
    return int(match.group(1).replace(",", ""))


def read_profile(path):
    """Exclusive instructions per function (file:function) of a callgrind
    output file."""
    report = subprocess.run(
        ["callgrind_annotate", "--inclusive=no", "--auto=no",
         "--threshold=100", path],
        capture_output=True, text=True).stdout
    costs = {}
    for line in report.splitlines():
        m = re.match(r"\s*([\d,]+)\s+(?:\(\s*[\d.]+%\)\s+)?(\S.*)", line)
        if m and ":" in m.group(2) and "PROGRAM TOTALS" not in line:
            name = re.sub(r"\s*\[.*\]$", "", m.group(2))
            name = re.sub(r"'\d+", "", name)     # recursion levels
            costs[name] = costs.get(name, 0) + int(
                m.group(1).replace(",", ""))
    return costs


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=os.path.join(
        os.path.dirname(here), "python"))
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--json")
    parser.add_argument("--callgrind", choices=sorted(PROGRAMS))
    parser.add_argument("ops", nargs="*", default=sorted(PROGRAMS))
    args = parser.parse_args()

    if args.callgrind:
        # Profile the n and the 2n run, and take the difference function
        # by function: start-up cancels out as it does for the totals.
        profiles = []
        for n in (args.n, 2 * args.n):
            out = os.path.join(tempfile.gettempdir(), "switch.callgrind")
            run_counted(args.python, PROGRAMS[args.callgrind], n,
                        "callgrind", out)
            profiles.append(read_profile(out))
            os.unlink(out)
        small, large = profiles
        rows = []
        for name, cost in large.items():
            per_op = (cost - small.get(name, 0)) / args.n
            if per_op >= 1:
                rows.append((per_op, name))
        for per_op, name in sorted(rows, reverse=True):
            print("%8.1f  %s" % (per_op, name))
        print("%8.1f  total of the rows above" % sum(r[0] for r in rows))
        return

    results = {}
    for op in args.ops:
        small = run_counted(args.python, PROGRAMS[op], args.n)
        large = run_counted(args.python, PROGRAMS[op], 2 * args.n)
        results[op] = (large - small) / args.n
        print("OPS %s instructions=%.0f" % (op, results[op]), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    sys.exit(main())
