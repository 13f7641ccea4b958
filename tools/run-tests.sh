#!/usr/bin/env bash
# `make test`: the patch-workflow and installed-interpreter checks, then CPython's full
# regression suite (which includes our Lib/test/test_stackless), judged
# against stock 3.13.5's results in tests/regrtest-stock.txt.
#
# TESTS="test_a test_b" runs only those regression tests (quick loops).
# The last line is "tests: N passed, M failed, K skipped".
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
logs=$REPO/build/test-logs
mkdir -p "$logs"
passed=0 failed=0 skipped=0

# run_checks NAME SCRIPT [ARG...]: a script that prints one PASS:/FAIL:
# line a check.
run_checks() {
    echo "== $1"
    local log
    log=$logs/$(basename "$(dirname "$2")")-$(basename "$2" .sh).log
    "$2" "${@:3}" | tee "$log"
    passed=$((passed + $(grep -c '^PASS:' "$log")))
    failed=$((failed + $(grep -c '^FAIL:' "$log")))
    if ! grep -q '^PASS:' "$log"; then
        failed=$((failed + 1))           # a script that checked nothing
    fi
}
# Test-only tools: cross compilers, qemu-user, mingw-w64 with wine and
# clang for the stack switching test on every target (tests/cstack/run.sh
# lists them), gdb for test_gdb.  As root they are installed here;
# otherwise the checks that need them fail or are skipped (against parity).
if [ "$(id -u)" = 0 ]; then
    tools/install-deps.sh qemu-user gdb clang \
        gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
        gcc-i686-linux-gnu libc6-dev-i386-cross \
        gcc-arm-linux-gnueabihf libc6-dev-armhf-cross \
        gcc-riscv64-linux-gnu libc6-dev-riscv64-cross \
        gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross \
        gcc-s390x-linux-gnu libc6-dev-s390x-cross \
        gcc-mingw-w64-x86-64 wine64
fi
run_checks "Stack switching primitive (Stackless/platf) on every target" tests/cstack/run.sh
run_checks "Patch workflow (fetch, materialise, export, check)" tests/driver/patch_workflow.sh
run_checks "Build failure paths (bad tarball, no root)" tests/driver/fetch_errors.sh
run_checks "configure --with-hard-switch (a target with no routine)" tests/driver/hard_switch_configure.sh
run_checks "Install and embedding smoke test" tests/install/smoke.sh
run_checks "User guide examples (docs/user-guide.md)" tests/docs/run.sh
run_checks "Examples and quick benchmarks (tests/examples/run.sh)" tests/examples/run.sh
run_checks "Argument Clinic output is current" tools/clinic.sh --check

# The benchmark harness at tiny sizes, so it cannot rot (no timing is
# judged; bench/README.md).  Runtimes that are not installed are skipped.
echo "== Benchmark harness smoke run (bench/run.py --quick)"
if ./python bench/run.py --quick --no-plots --out "$logs/bench" > "$logs/bench.log" 2>&1; then
    echo "PASS: bench/run.py --quick"
    passed=$((passed + 1))
else
    echo "FAIL: bench/run.py --quick (log: $logs/bench.log)"
    tail -n 20 "$logs/bench.log" | sed 's/^/    /'
    failed=$((failed + 1))
fi

# The regression suite below runs test_stackless as users get it, with
# soft switching on; here it runs once more with every switch hard.
echo "== test_stackless with soft switching off (STACKLESS_TEST_SOFTSWITCH=0)"
if STACKLESS_TEST_SOFTSWITCH=0 ./python -m test test_stackless \
        > "$logs/test_stackless-hard.log" 2>&1; then
    echo "PASS: test_stackless, hard switching only"
    passed=$((passed + 1))
else
    echo "FAIL: test_stackless, hard switching only (log: $logs/test_stackless-hard.log)"
    tail -n 20 "$logs/test_stackless-hard.log" | sed 's/^/    /'
    failed=$((failed + 1))
fi

# The soft-only interpreter (configure --without-hard-switch, D47): its own
# build directory, and test_stackless, whose tests that need a hard switch
# skip with that reason.
echo "== test_stackless on the soft-only build (build/softonly)"
if tools/build.sh softonly > "$logs/softonly-build.log" 2>&1 \
        && build/softonly/python -m test test_stackless -j2 \
            > "$logs/test_stackless-softonly.log" 2>&1; then
    echo "PASS: test_stackless, soft-only build"
    passed=$((passed + 1))
else
    echo "FAIL: test_stackless, soft-only build (logs: $logs/softonly-build.log, $logs/test_stackless-softonly.log)"
    tail -n 20 "$logs/test_stackless-softonly.log" "$logs/softonly-build.log" 2>/dev/null | sed 's/^/    /'
    failed=$((failed + 1))
fi

echo "== CPython regression suite (${TESTS:-all tests}), log: $logs/regrtest.log"
# The interpreter in its build directory, as for stock: tests that start
# dirname(sys.executable)/other-name expect to find the build there.
# shellcheck disable=SC2086 # TESTS is a list of words
tools/regrtest.sh "$REPO/build/release/python" "$logs/regrtest.log" ${TESTS:-}
if summary=$(./python tools/regrtest_report.py compare "$logs/regrtest.log" \
                 tests/regrtest-stock.txt); then :; fi
echo "$summary"
line=$(tail -n 1 <<< "$summary")
if [[ $line =~ ^regrtest:\ ([0-9]+)\ test\ files\ passed,\ ([0-9]+)\ regressions.*\ ([0-9]+)\ failed\ as\ on\ stock,\ ([0-9]+)\ skipped ]]; then
    passed=$((passed + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
    skipped=$((skipped + BASH_REMATCH[3] + BASH_REMATCH[4]))
else
    echo "run-tests: the regression suite did not report a result"
    failed=$((failed + 1))
fi

echo "(skipped: test files that fail or are skipped on stock 3.13.5 too; see tests/regrtest-stock.txt)"
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
