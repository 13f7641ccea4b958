#!/usr/bin/env bash
# `make fuzz-pickle`: Lib/test/test_stackless/pickle_fuzz.py over many
# seeds, on the release, debug and AddressSanitizer builds.  Each seed runs
# in a child interpreter; a crash or hang names its seed and case, to rerun
# with `python -m test.test_stackless.pickle_fuzz SEED CASES --only CASE`.
#
#   PICKLE_FUZZ_SEEDS=N   seeds per build (default 100; ASan does a fifth)
#   PICKLE_FUZZ_CASES=N   cases per seed (default 1000)
# Prints PASS:/FAIL: lines and the number of cases run.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
logs=$REPO/build/test-logs
mkdir -p "$logs"
seeds=${PICKLE_FUZZ_SEEDS:-100}
cases=${PICKLE_FUZZ_CASES:-1000}
failed=0
# A mutated size makes pickle's own loader ask for terabytes: under ASan
# malloc must fail (MemoryError) as it does with libc.
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1:max_allocation_size_mb=4096

for variant in release debug asan; do
    py=$REPO/build/$variant/python
    n=$seeds
    [ "$variant" = asan ] && n=$((seeds / 5))
    total=0
    bad=0
    for ((seed = 1000; seed < 1000 + n; seed++)); do
        log=$logs/pickle-fuzz-$variant-$seed.log
        if (cd build/src/Lib && timeout 1800 "$py" -X faulthandler -m \
                test.test_stackless.pickle_fuzz "$seed" "$cases") \
                > "$log" 2>&1 && grep -q '^done ' "$log"; then
            total=$((total + cases))
            rm -f "$log"
        else
            echo "FAIL: pickle fuzz, $variant, seed $seed (log: $log)"
            grep '^case ' "$log" | tail -n 1 | sed 's/^/    crashed in: /'
            bad=$((bad + 1))
        fi
    done
    if [ "$bad" = 0 ]; then
        echo "PASS: pickle fuzz, $variant: $n seeds, $total cases"
    fi
    failed=$((failed + bad))
done
echo "pickle fuzz: $failed failed"
[ "$failed" = 0 ]
