#!/usr/bin/env bash
# configure's --with-hard-switch (docs/architecture.md, D47): a target with
# no stack switching routine stops configure with an error naming both ways
# out, unless soft-only is asked for (`no`) or allowed (`auto`).  The
# cache variable slp_cv_switch_routine=no stands in for such a target.
# Prints PASS/FAIL per check.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
configure=$REPO/build/src/configure
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0

# run_configure DIR ARGS...: configure in DIR, output to DIR/out.
run_configure() {
    local dir=$1
    shift
    mkdir -p "$dir"
    (cd "$dir" && "$configure" -q "$@") > "$dir/out" 2>&1
}

check() {
    if eval "$2"; then
        echo "PASS: $1"
    else
        echo "FAIL: $1"; sed 's/^/    /' "$3" | tail -n 15
        fails=$((fails + 1))
    fi
}

if [ ! -x "$configure" ]; then
    echo "FAIL: $configure does not exist (run make src first)"
    exit 1
fi

run_configure "$work/none" slp_cv_switch_routine=no
rc=$?
check "no routine, nothing asked: configure stops" "[ $rc != 0 ]" "$work/none/out"
check "... naming --without-hard-switch" \
    "grep -q -- '--without-hard-switch' '$work/none/out'" "$work/none/out"
check "... and the assembly file to port" \
    "grep -q 'Stackless/platf/switch_ARCH.S' '$work/none/out'" "$work/none/out"

run_configure "$work/bad" --with-hard-switch=maybe
rc=$?
check "--with-hard-switch=maybe is refused" \
    "[ $rc != 0 ] && grep -q 'takes yes, no or auto' '$work/bad/out'" \
    "$work/bad/out"

run_configure "$work/auto" --with-hard-switch=auto slp_cv_switch_routine=no
rc=$?
check "auto with no routine builds soft-only, saying so" \
    "[ $rc = 0 ] && grep -q 'building soft-only' '$work/auto/out' \
     && grep -q '^STACKLESS_HARD_SWITCH=[[:space:]]*no' '$work/auto/Makefile'" \
    "$work/auto/out"
exit $((fails > 0))
