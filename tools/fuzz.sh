#!/usr/bin/env bash
# `make fuzz`: the random fuzzer of Lib/test/test_stackless/fuzz.py over
# many seeds, on the release, debug and AddressSanitizer builds.  Seeds go
# in blocks, each block in a child interpreter: a crash names its block,
# and its log (build/test-logs/fuzz-*.log) the last seed that finished.
#
#   FUZZ_SEEDS=N    seeds per build (default 1000; the ASan build does a
#                   fifth, being slower)
#   FUZZ_OPS=N      operations per seed (default 5000)
# Prints PASS:/FAIL: lines and the number of operations run.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
logs=$REPO/build/test-logs
mkdir -p "$logs"
seeds=${FUZZ_SEEDS:-1000}
ops=${FUZZ_OPS:-5000}
block=50
failed=0
export ASAN_OPTIONS=detect_leaks=0

for variant in release debug asan; do
    py=build/$variant/python
    n=$seeds
    [ "$variant" = asan ] && n=$((seeds / 5))
    total=0
    bad=0
    for ((first = 0; first < n; first += block)); do
        last=$((first + block - 1))
        [ "$last" -ge "$n" ] && last=$((n - 1))
        log=$logs/fuzz-$variant-$first.log
        if timeout 3600 "$py" -X faulthandler \
                Lib/test/test_stackless/fuzz.py "$first-$last" \
                --ops "$ops" > "$log" 2>&1; then
            total=$((total + $(sed -n 's/^FUZZ total ops=\([0-9]*\).*/\1/p' "$log")))
            rm -f "$log"
        else
            echo "FAIL: fuzz, $variant, seeds $first-$last (log: $log)"
            grep '^FUZZ seed=' "$log" | tail -n 1 | sed 's/^/    last clean: /'
            bad=$((bad + 1))
        fi
    done
    if [ "$bad" = 0 ]; then
        echo "PASS: fuzz, $variant: $n seeds, $total operations"
    fi
    failed=$((failed + bad))
done
echo "fuzz: $failed failed"
[ "$failed" = 0 ]
