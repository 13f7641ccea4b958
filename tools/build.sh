#!/usr/bin/env bash
# Configure (when needed) and build one variant of the interpreter.
#
#   tools/build.sh release   build/release  the interpreter ./python runs
#   tools/build.sh debug     build/debug    --with-pydebug
#   tools/build.sh asan      build/asan     AddressSanitizer
#   tools/build.sh softonly  build/softonly --without-hard-switch: no C
#                                           stack slicing (D47)
#   tools/build.sh stock     build/stock    pristine 3.13.5, release flags:
#                                           the reference for parity and speed
#
# Each variant has its own directory, so switching never rebuilds another.
# Every variant shares CONFIGURE_COMMON: parity and benchmark comparisons
# against stock are only fair when the flags are identical.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$REPO/build
variant=${1:?usage: build.sh release|debug|asan|softonly|stock}
jobs=${JOBS:-$(nproc)}

# System expat, libffi, zlib and OpenSSL (3.13 always uses the system
# libffi, zlib and OpenSSL when present).  Optimisation: CPython's default
# -O3, no PGO/LTO; see docs/building.md for the measurement behind that.
CONFIGURE_COMMON=(--with-system-expat ${SLP_CONFIGURE_EXTRA:-})

# Our variants choose soft-only by themselves on a target with no stack
# switching routine; plain ./configure stops there, naming both ways out.
case $variant in
    stock) flags=() ;;
    release) flags=(--with-hard-switch=auto) ;;
    debug) flags=(--with-hard-switch=auto --with-pydebug) ;;
    softonly) flags=(--without-hard-switch) ;;
    asan)
        flags=(--with-hard-switch=auto --with-address-sanitizer --without-pymalloc)
        # CPython frees not everything at exit, by design: LeakSanitizer
        # would fail the build's own helper runs (as in upstream's ASan CI).
        # Leaks are hunted with refleak runs of the debug build instead.
        export ASAN_OPTIONS=detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}
        ;;
    *) echo "build.sh: unknown variant '$variant'" >&2; exit 2 ;;
esac

if [ "$variant" = stock ]; then
    src=$BUILD/stock-src
    if [ ! -f "$src/configure" ]; then
        tarball=$("$REPO/tools/fetch-upstream.sh")
        rm -rf "$src" && mkdir -p "$src"
        tar -xJf "$tarball" -C "$src" --strip-components=1
    fi
else
    src=$BUILD/src
    "$REPO/tools/materialise.sh"
fi

dir=$BUILD/$variant
want="$src/configure ${CONFIGURE_COMMON[*]} ${flags[*]}"
mkdir -p "$dir"
if [ ! -f "$dir/Makefile" ] || [ "$(cat "$dir/.slp-configure" 2>/dev/null)" != "$want" ]; then
    echo "build.sh: configuring $variant: $want" >&2
    rm -f "$dir/.slp-configure"
    (cd "$dir" && "$src/configure" -q "${CONFIGURE_COMMON[@]}" "${flags[@]}") >&2
    echo "$want" > "$dir/.slp-configure"
fi
# CPython's Makefile re-runs configure when configure changes, but nothing
# regenerates the other files configure writes from templates when a patch
# edits a template: re-run config.status for them.
for template in Misc/python.pc.in Misc/python-embed.pc.in Misc/python-config.sh.in; do
    if [ "$src/$template" -nt "$dir/config.status" ]; then
        (cd "$dir" && ./config.status -q && touch config.status)
        break
    fi
done
make -C "$dir" -j"$jobs" -s
