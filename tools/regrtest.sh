#!/usr/bin/env bash
# Run CPython's regression suite the way upstream's `make test` does
# (--fast-ci: all resources but cpu, re-run failures, fail on env changes),
# with two workers.  Usage: regrtest.sh PYTHON LOG [regrtest args...]
#
# PYTHONUNBUFFERED and PYTHONDONTWRITEBYTECODE are removed: this machine
# class sets them, and test_cmd_line / test_compileall spawn interpreters
# that inherit them and then fail for reasons unrelated to the interpreter.
set -uo pipefail
python=${1:?usage: regrtest.sh PYTHON LOG [ARGS...]}
log=${2:?usage: regrtest.sh PYTHON LOG [ARGS...]}
shift 2
mkdir -p "$(dirname "$log")"
env -u PYTHONUNBUFFERED -u PYTHONDONTWRITEBYTECODE -u PYTHONHOME -u PYTHONPATH \
    "$python" -m test --fast-ci -j"${JOBS:-2}" --timeout="${TEST_TIMEOUT:-1200}" "$@" \
    > "$log" 2>&1
status=$?
# Progress lines are long; show the outcome, the full log stays in $log.
grep -E '^[0-9:]+ load avg: .* (failed|timed out|crashed|worker)' "$log" | tail -n 40
sed -n '/^== Tests result/,$p' "$log" | tail -n 60
exit $status
