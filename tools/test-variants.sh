#!/usr/bin/env bash
# `make test-variants`: the stackless tests under -X dev (release build),
# with refleak hunting (debug build, -R 3:3) and under AddressSanitizer,
# those two in both switching modes, plus the showcase under each.
# Prints PASS:/FAIL: lines and a summary.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
logs=$REPO/build/test-logs
mkdir -p "$logs"
failed=0

check() {                       # check NAME LOG COMMAND...
    local name=$1 log=$2
    shift 2
    if "$@" > "$log" 2>&1; then
        echo "PASS: $name"
    else
        echo "FAIL: $name (log: $log)"
        tail -n 15 "$log" | sed 's/^/    /'
        failed=$((failed + 1))
    fi
}

export ASAN_OPTIONS=detect_leaks=0      # as upstream's ASan CI
check "test_stackless, release, -X dev" "$logs/variants-dev.log" \
    build/release/python -X dev -m test test_stackless
# From the log directory: a leak report also lands in ./reflog.txt.
check "test_stackless, debug, -R 3:3" "$logs/variants-refleak.log" \
    bash -c "cd '$logs' && '$REPO/build/debug/python' -X dev -m test \
             -R 3:3 test_stackless"
check "test_stackless, ASan" "$logs/variants-asan.log" \
    build/asan/python -X dev -m test test_stackless
# The same two with every switch hard (soft switching off).
check "test_stackless, debug, -R 3:3, hard only" \
    "$logs/variants-refleak-hard.log" \
    env STACKLESS_TEST_SOFTSWITCH=0 bash -c "cd '$logs' && \
        '$REPO/build/debug/python' -X dev -m test -R 3:3 test_stackless"
check "test_stackless, ASan, hard only" "$logs/variants-asan-hard.log" \
    env STACKLESS_TEST_SOFTSWITCH=0 build/asan/python -X dev -m test \
        test_stackless
for variant in debug asan; do
    check "showcase, $variant" "$logs/variants-showcase-$variant.log" \
        "build/$variant/python" -X dev examples/showcase.py
done
echo "test-variants: $failed failed"
[ "$failed" = 0 ]
