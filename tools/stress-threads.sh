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
        for seed in $(seq 1 "$SEEDS"); do
            STACKLESS_TEST_SOFTSWITCH=$mode PYTHONPATH=build/src/Lib \
                timeout 300 "$py" -X faulthandler -c "
import sys, stackless
stackless.enable_softswitch($mode == 1)
from test.test_stackless import thread_stress
sys.exit(thread_stress.main(['', '$seed', '$THREADS', '$TASKLETS',
                             '$SECONDS_EACH']))"
        done
        echo "stress-threads: $build softswitch=$mode: $SEEDS seeds in" \
             "$(( $(date +%s) - start )) s"
    done
done
