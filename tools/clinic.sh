#!/usr/bin/env bash
# Argument Clinic for the module layer: regenerate Stackless/module/clinic/
# from the [clinic input] blocks of Stackless/module/*.c, with CPython's
# own Tools/clinic from the fork tree and the built ./python.
#
#   tools/clinic.sh          rewrite what changed
#   tools/clinic.sh --check  change nothing; print PASS:/FAIL: for whether
#                            the committed output is current (make test)
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
CLINIC=build/src/Tools/clinic/clinic.py
files=$(grep -l '^\[clinic start generated code\]' Stackless/module/*.c)

if [ "${1:-}" != --check ]; then
    for f in $files; do
        ./python "$CLINIC" "$f"
    done
    exit 0
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/module/clinic"
cp Stackless/module/*.c "$scratch/module/"
cp Stackless/module/clinic/*.h "$scratch/module/clinic/"
for f in $files; do
    ./python "$CLINIC" -f "$scratch/module/$(basename "$f")"
done
if diff -r "$scratch/module" Stackless/module --exclude='*.h' --brief \
        && diff -r "$scratch/module/clinic" Stackless/module/clinic; then
    echo "PASS: Argument Clinic output (Stackless/module/clinic) is current"
else
    echo "FAIL: Argument Clinic output is stale: run tools/clinic.sh"
fi
