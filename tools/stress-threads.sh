#!/bin/bash
# The long run of the cross-thread stress test (make stress-threads):
# SEEDS seeds of SECONDS each, THREADS threads of TASKLETS tasklets, on
# each build that exists.  Prints one line per seed; fails on the first
# lost, duplicated or unknown message, error or crash.
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS=${SEEDS:-40}
SECONDS_EACH=${SECONDS_EACH:-3}
THREADS=${THREADS:-4}
TASKLETS=${TASKLETS:-16}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
for build in release asan; do
    py=build/$build/python
    [ -x "$py" ] || continue
    for mode in 1 0; do
        start=$(date +%s)
        delivered=0
        received=0
        for seed in $(seq 1 "$SEEDS"); do
            out=$(STACKLESS_TEST_SOFTSWITCH=$mode PYTHONPATH=build/src/Lib \
                timeout 300 "$py" -X faulthandler -c "
import sys, stackless
stackless.enable_softswitch($mode == 1)
from test.test_stackless import thread_stress
sys.exit(thread_stress.main(['', '$seed', '$THREADS', '$TASKLETS',
                             '$SECONDS_EACH']))" 2>&1) || {
                echo "$out"
                echo "stress-threads: FAILED: $build softswitch=$mode seed $seed"
                exit 1
            }
            echo "$out"
            read -r d r < <(sed -n 's/^seed [0-9]*: \([0-9]*\) delivered, \([0-9]*\) received.*/\1 \2/p' <<<"$out")
            delivered=$((delivered + d))
            received=$((received + r))
        done
        echo "stress-threads: $build softswitch=$mode: $SEEDS seeds in" \
             "$(( $(date +%s) - start )) s, $delivered messages delivered," \
             "$received received, none lost or duplicated"
    done
done
