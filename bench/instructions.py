#!/usr/bin/env python3
"""Instructions executed by the CPU-bound set: ours against stock.

Wall-clock time on a shared or virtual machine drifts between runs by more
than the 2% we promise for code that never touches tasklets (see
bench/README.md).  The number of instructions a program executes does not
drift: valgrind's cachegrind counts them exactly, the same on every run.
So this script runs each CPU-bound workload once under cachegrind with
./python and with stock 3.13.5 built the same way, and prints the counts,
their ratio per program and the geometric mean of the ratios.

It measures work, not time: a change that kept the instruction count but
hurt the caches or branch prediction would not show here, only in
`make bench`'s timings.  Both together make the claim.

Usage: bench/instructions.py [--python P] [--stock S] [--json FILE]
Output lines: "INSTR <bench> ours=<n> stock=<n> ratio=<r>" and a final
"INSTR geomean ratio=<r> programs=<k>".
"""

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
WORKLOADS = os.path.join(BENCH, "workloads")

# Sizes that run for a few seconds each under cachegrind (about 50 times
# slower than native) and well past interpreter start-up.
PROGRAMS = [
    ("richards", ["--size", "6"]),
    ("nbody", ["--size", "50000"]),
    ("dictstr", ["--size", "10000"]),
    ("fib", ["--size", "24"]),
]

REFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def count(python, script, args):
    """Instructions executed by `python script args` (user space)."""
    cmd = ["valgrind", "--tool=cachegrind", "--cache-sim=no",
           "--cachegrind-out-file=/dev/null", python,
           os.path.join(WORKLOADS, script)] + args
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit("failed: %s\n%s" % (" ".join(cmd),
                                             proc.stderr[-2000:]))
    match = REFS.search(proc.stderr)
    if match is None:
        raise SystemExit("no instruction count in valgrind's output")
    return int(match.group(1).replace(",", ""))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--python", default=os.path.join(REPO, "python"))
    p.add_argument("--stock",
                   default=os.path.join(REPO, "build", "stock", "python"))
    p.add_argument("--json", help="also write the figures to this file")
    opts = p.parse_args()
    if shutil.which("valgrind") is None:
        print("INSTR skipped: valgrind is not installed")
        return 0
    for exe in (opts.python, opts.stock):
        if not os.path.exists(exe):
            print("INSTR skipped: %s does not exist" % exe)
            return 0
    rows = []
    for name, args in PROGRAMS:
        ours = count(opts.python, "cpu_%s.py" % name, args)
        stock = count(opts.stock, "cpu_%s.py" % name, args)
        ratio = ours / stock
        rows.append(dict(bench=name, ours=ours, stock=stock, ratio=ratio))
        print("INSTR %s ours=%d stock=%d ratio=%.4f"
              % (name, ours, stock, ratio), flush=True)
    geomean = math.exp(sum(math.log(r["ratio"]) for r in rows) / len(rows))
    print("INSTR geomean ratio=%.4f programs=%d" % (geomean, len(rows)))
    if opts.json:
        with open(opts.json, "w") as f:
            json.dump(dict(programs=rows, geomean=geomean), f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
