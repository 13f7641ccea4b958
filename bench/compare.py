"""Compare two `make bench` runs: do they agree within their noise?

Usage: python bench/compare.py OLD/results.json NEW/results.json

For every measurement present in both runs it prints the two medians, the
change, and the noise each run reported (largest distance of a repetition
from the median).  Each run's figure stands for the range median +- noise
(at least 1 %, since single runs report none).  Two runs agree on a row
when their ranges overlap; a row where they do not is marked DIFFERS.  A
stricter reading, the change within the larger of the two noises alone,
marks the rows that pass only the first test "wide".  The last two lines
count both.  Always exits 0: it is a report, not a test.
"""

import json
import sys

FLOOR = 0.01        # tolerance for single-repetition rows


def spread(row):
    values = row.get("values") or []
    med = row.get("median")
    if len(values) < 2 or not med:
        return 0.0
    return max(max(values) - med, med - min(values)) / med


def cells(path):
    with open(path) as f:
        data = json.load(f)
    out = {}
    for row in data.get("results", []):
        if row.get("status") == "ok" and row.get("median"):
            key = (row["workload"], row.get("param"), row["runtime"])
            out[key] = row
    return data, out


def label(key):
    workload, param, runtime = key
    name = workload if param is None else "%s n=%s" % (workload, param)
    return "%-22s %-15s" % (name, runtime)


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    old_data, old = cells(argv[1])
    new_data, new = cells(argv[2])
    print("old: %s, load %s" % (old_data["machine"].get("date", "?"),
                                old_data["machine"].get("loadavg_start", "?")))
    print("new: %s, load %s" % (new_data["machine"].get("date", "?"),
                                new_data["machine"].get("loadavg_start", "?")))
    print("%-38s %12s %12s %8s %14s" % ("measurement", "old", "new",
                                        "change", "noise old/new"))
    overlap = strict = total = 0
    for key in sorted(set(old) & set(new), key=str):
        a, b = old[key], new[key]
        change = (b["median"] - a["median"]) / a["median"]
        sa, sb = max(spread(a), FLOOR), max(spread(b), FLOOR)
        ok_strict = abs(change) <= max(sa, sb)
        # Do [a(1-sa), a(1+sa)] and [b(1-sb), b(1+sb)] intersect?
        ok = (a["median"] * (1 - sa) <= b["median"] * (1 + sb)
              and b["median"] * (1 - sb) <= a["median"] * (1 + sa))
        total += 1
        overlap += ok
        strict += ok_strict
        mark = "" if ok_strict else ("wide" if ok else "DIFFERS")
        print("%s %12.4g %12.4g %+7.1f%% %6.1f%%/%5.1f%% %s" % (
            label(key), a["median"], b["median"], 100 * change,
            100 * spread(a), 100 * spread(b), mark))
    print("%d of %d measurements agree within the larger reported noise"
          % (strict, total))
    print("%d of %d measurements agree: the two runs' ranges "
          "(median +- noise) overlap" % (overlap, total))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
