#!/usr/bin/env bash
# Build and run tests/cstack/test_cstack.c against Stackless/platf: natively,
# natively under AddressSanitizer + UBSan, and as an AArch64 binary under
# qemu-user.  Prints the test's PASS lines, prefixed with the variant.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
out=$REPO/build/cstack-test
mkdir -p "$out"
sources=("$REPO/tests/cstack/test_cstack.c" "$REPO/Stackless/platf/cstack.c"
         "$REPO/Stackless/platf/switch.S")
flags=(-g -Wall -Wextra -Werror -I"$REPO/Stackless/platf")
fails=0

# run_variant NAME COMPILER [RUNNER...] -- FLAGS...: build, run, relabel.
run_variant() {
    local name=$1 cc=$2 runner=()
    shift 2
    while [ "$1" != -- ]; do runner+=("$1"); shift; done
    shift
    if ! "$cc" "${flags[@]}" "$@" -o "$out/$name" "${sources[@]}" -lpthread -lm \
            > "$out/$name.log" 2>&1; then
        echo "FAIL: [$name] does not build"; sed 's/^/    /' "$out/$name.log" | tail -n 20
        fails=$((fails + 1)); return
    fi
    # "quick": no speed report, which means nothing under emulation or ASan.
    if ! "${runner[@]}" "$out/$name" ${QUICK:+quick} > "$out/$name.log" 2>&1; then
        fails=$((fails + 1))
        echo "FAIL: [$name] exited non-zero"
    fi
    sed -n -e "s/^PASS: /PASS: [$name] /p" -e "s/^FAIL: /FAIL: [$name] /p" \
        -e "s/^info: /info: [$name] /p" "$out/$name.log"
}

QUICK= run_variant x86_64-O2 cc -- -O2
QUICK=1 run_variant x86_64-asan-ubsan cc -- -O1 -fsanitize=address,undefined \
    -fno-omit-frame-pointer -fno-sanitize-recover=all
if command -v aarch64-linux-gnu-gcc > /dev/null && command -v qemu-aarch64 > /dev/null; then
    QUICK=1 run_variant aarch64-qemu aarch64-linux-gnu-gcc qemu-aarch64 -- -O2 -static
else
    echo "FAIL: [aarch64-qemu] needs gcc-aarch64-linux-gnu and qemu-user (make test installs them as root)"
    fails=$((fails + 1))
fi
exit $((fails > 0))
