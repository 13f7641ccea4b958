#!/usr/bin/env bash
# Build and run tests/cstack/test_cstack.c against Stackless/platf: natively
# (x86-64), natively under AddressSanitizer + UBSan, and for every other
# supported target with its cross compiler: the Linux ones as static
# binaries under qemu-user, Windows x64 (mingw-w64) under wine.  The Mach-O
# ports, which nothing here can run, are only assembled.  Prints the test's
# PASS lines, prefixed with the variant, then a summary.
#
# Debian packages it needs (apt-get install --no-install-recommends):
#   gcc libc6-dev                                       native, ASan + UBSan
#   qemu-user                                           every Linux cross target
#   gcc-aarch64-linux-gnu libc6-dev-arm64-cross         AArch64
#   gcc-i686-linux-gnu libc6-dev-i386-cross             i386
#   gcc-arm-linux-gnueabihf libc6-dev-armhf-cross       armhf
#   gcc-riscv64-linux-gnu libc6-dev-riscv64-cross       riscv64
#   gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross   ppc64le
#   gcc-s390x-linux-gnu libc6-dev-s390x-cross           s390x
#   gcc-mingw-w64-x86-64 wine64                         Windows x64
#   clang                                               macOS (assembled only)
# A missing one is a FAIL line that names it.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
out=$REPO/build/cstack-test
mkdir -p "$out"
sources=("$REPO/tests/cstack/test_cstack.c" "$REPO/Stackless/platf/cstack.c"
         "$REPO/Stackless/platf/switch.S")
flags=(-g -Wall -Wextra -Werror -I"$REPO/Stackless/platf")
fails=0
summary=()

# run_variant NAME COMPILER [RUNNER...] -- FLAGS...: build, run, relabel.
# EXE: the suffix the compiler gives programs (.exe for Windows).
run_variant() {
    local name=$1 cc=$2 runner=()
    shift 2
    while [ "$1" != -- ]; do runner+=("$1"); shift; done
    shift
    if ! "$cc" "${flags[@]}" "$@" -o "$out/$name${EXE:-}" "${sources[@]}" -lpthread -lm \
            > "$out/$name.log" 2>&1; then
        echo "FAIL: [$name] does not build"; sed 's/^/    /' "$out/$name.log" | tail -n 20
        fails=$((fails + 1)); summary+=("$name: does not build"); return
    fi
    # "quick": no speed report, which means nothing under emulation or ASan.
    local result=ok
    if ! "${runner[@]}" "$out/$name${EXE:-}" ${QUICK:+quick} > "$out/$name.log" 2>&1; then
        fails=$((fails + 1)); result="exited non-zero"
        echo "FAIL: [$name] exited non-zero"
    fi
    sed -n -e "s/^PASS: /PASS: [$name] /p" -e "s/^FAIL: /FAIL: [$name] /p" \
        -e "s/^info: /info: [$name] /p" "$out/$name.log"
    summary+=("$name: $(grep -c '^PASS: ' "$out/$name.log") PASS, $result")
}

# assemble_only NAME COMPILER FLAGS...: for a port nothing here can run,
# switch.S must pick it (its label is in the preprocessed text) and
# assemble.
assemble_only() {
    local name=$1 cc=$2
    shift 2
    if "$cc" "${flags[@]}" "$@" -E "$REPO/Stackless/platf/switch.S" 2> "$out/$name.log" \
            | grep -q '^_*_PySlp_switch:' \
       && "$cc" "${flags[@]}" "$@" -c -o "$out/$name.o" "$REPO/Stackless/platf/switch.S" \
            >> "$out/$name.log" 2>&1; then
        echo "PASS: [$name] switch.S assembled, not run"
        summary+=("$name: assembled, not run")
    else
        echo "FAIL: [$name] switch.S does not assemble"; sed 's/^/    /' "$out/$name.log" | tail -n 20
        fails=$((fails + 1)); summary+=("$name: does not assemble")
    fi
}

# have NAME PACKAGES COMMAND...: are the tools there?  If not, a FAIL line
# naming the Debian packages to install (as root).
have() {
    local name=$1 pkgs=$2 c
    shift 2
    for c in "$@"; do
        if ! command -v "$c" > /dev/null; then
            echo "FAIL: [$name] needs $pkgs ($c is missing)"
            fails=$((fails + 1)); summary+=("$name: not run, $c is missing")
            return 1
        fi
    done
}

# cross_linux NAME TRIPLET LIBC6-DEV-PACKAGE QEMU FLAGS...: a Linux target,
# built static by its cross compiler and run under qemu-user.
cross_linux() {
    local name=$1 triplet=$2 libc=$3 qemu=$4
    shift 4
    have "$name" "gcc-$triplet $libc qemu-user" "$triplet-gcc" "$qemu" || return
    if [ "$("$triplet-gcc" -print-file-name=libc.a)" = libc.a ]; then
        echo "FAIL: [$name] needs $libc (no libc.a for $triplet)"
        fails=$((fails + 1)); summary+=("$name: not run, no libc.a"); return
    fi
    QUICK=1 run_variant "$name" "$triplet-gcc" "$qemu" -- -O2 -static "$@"
}

# wine_run PROGRAM [ARG...]: a Windows program under wine, in a throwaway
# prefix that is gone afterwards, with the wineserver it started.
# shellcheck disable=SC2317 # called as run_variant's runner
wine_run() {
    local prefix rc
    prefix=$(mktemp -d /tmp/cstack-wine.XXXXXX)
    WINEPREFIX=$prefix WINEDEBUG=-all timeout 300 "$wine" "$@"
    rc=$?
    WINEPREFIX=$prefix "$(dirname "$wine")/wineserver" -k 2> /dev/null
    rm -rf "$prefix"
    return "$rc"
}
# Debian's wine64 package keeps the loader off PATH.
wine=$(command -v wine64 || echo /usr/lib/wine/wine64)

QUICK= run_variant x86_64-O2 cc -- -O2
QUICK=1 run_variant x86_64-asan-ubsan cc -- -O1 -fsanitize=address,undefined \
    -fno-omit-frame-pointer -fno-sanitize-recover=all
cross_linux aarch64-qemu aarch64-linux-gnu libc6-dev-arm64-cross qemu-aarch64
# -ffloat-store: the test compares doubles computed along two paths for
# equality, which x87's excess precision (FLT_EVAL_METHOD 2) breaks.
cross_linux i386-qemu i686-linux-gnu libc6-dev-i386-cross qemu-i386 -ffloat-store
cross_linux armhf-qemu arm-linux-gnueabihf libc6-dev-armhf-cross qemu-arm
cross_linux riscv64-qemu riscv64-linux-gnu libc6-dev-riscv64-cross qemu-riscv64
cross_linux ppc64le-qemu powerpc64le-linux-gnu libc6-dev-ppc64el-cross qemu-ppc64le
cross_linux s390x-qemu s390x-linux-gnu libc6-dev-s390x-cross qemu-s390x
# mingw-w64 has no flockfile; winpthreads links in statically (-static).
have x86_64-win64-wine "gcc-mingw-w64-x86-64 wine64" x86_64-w64-mingw32-gcc "$wine" &&
    QUICK=1 EXE=.exe run_variant x86_64-win64-wine x86_64-w64-mingw32-gcc wine_run -- -O2 -static \
        -Dflockfile=_lock_file -Dfunlockfile=_unlock_file
have arm64-macos-asm clang clang &&
    assemble_only arm64-macos-asm clang -target arm64-apple-macos11
have x86_64-macos-asm clang clang &&
    assemble_only x86_64-macos-asm clang -target x86_64-apple-macos11

echo "summary:"
printf '    %s\n' "${summary[@]}"
echo "cstack: ${#summary[@]} variants, $fails failing"
exit $((fails > 0))
