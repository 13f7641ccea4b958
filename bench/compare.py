"""Compare two `make bench` runs: do they agree within their noise?

Usage: python bench/compare.py OLD/results.json NEW/results.json

For every measurement present in both runs it prints the two medians, the
change, and the noise each run reported (largest distance of a repetition
from the median).  A row agrees when the change is within the larger of
the two noises (at least 1 %, since single runs report none).  The last
line counts the rows that agree; rows that do not are marked DIFFERS.
Always exits 0: it is a report, not a test.
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
    agree = total = 0
    for key in sorted(set(old) & set(new), key=str):
        a, b = old[key], new[key]
        change = (b["median"] - a["median"]) / a["median"]
        tol = max(spread(a), spread(b), FLOOR)
        ok = abs(change) <= tol
        total += 1
        agree += ok
        print("%s %12.4g %12.4g %+7.1f%% %6.1f%%/%5.1f%% %s" % (
            label(key), a["median"], b["median"], 100 * change,
            100 * spread(a), 100 * spread(b), "" if ok else "DIFFERS"))
    print("%d of %d measurements agree within the larger reported noise"
          % (agree, total))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
