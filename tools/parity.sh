#!/usr/bin/env bash
# Run the regression suite on stock CPython 3.13.5 (build/stock) and record
# which test files do not pass there: tests/regrtest-stock.txt.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
log=$REPO/build/test-logs/regrtest-stock.log
"$REPO/tools/regrtest.sh" "$REPO/build/stock/python" "$log" || true
"$REPO/build/stock/python" "$REPO/tools/regrtest_report.py" record "$log" \
    "$REPO/tests/regrtest-stock.txt"
