#!/usr/bin/env bash
# Install the release build into a scratch prefix and use it the ways a
# user would: run it, bootstrap pip, make a venv, embed it from C with the
# flags python3.13-config and pkg-config give, build and run the C API
# examples (examples/embed, examples/extension).  Prints PASS/FAIL per
# check.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
work=$REPO/build/install-test
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix
fails=0

check() {
    local what=$1
    shift
    if "$@" > "$work/last.log" 2>&1; then
        echo "PASS: $what"
    else
        echo "FAIL: $what"
        sed 's/^/    /' "$work/last.log" | tail -n 20
        fails=$((fails + 1))
    fi
}

# Tests may leave these set; an installed interpreter must not need them.
unset PYTHONHOME PYTHONPATH

check "make install PREFIX=..." "$REPO/tools/install.sh" release "$prefix"
py=$prefix/bin/python3.13
check "installed python3.13 imports stackless, ssl, ctypes, sqlite3" \
    "$py" -c "import stackless, ssl, ctypes, pyexpat, sqlite3, zlib, sys; \
assert 'stackless' in sys.builtin_module_names; \
assert sys.prefix == '$prefix', sys.prefix"
check "headers installed" test -f "$prefix/include/python3.13/stackless_version.h"
check "python -m ensurepip" "$py" -m ensurepip --default-pip
check "python -m venv (with pip)" "$py" -m venv "$work/venv"
check "venv python imports stackless" \
    "$work/venv/bin/python" -c "import stackless, sys; assert sys.prefix != sys.base_prefix"

embed_run() {
    # $@: compiler and linker flags from one of the two tools
    cc -o "$work/embed" "$REPO/tests/install/embed.c" "$@" &&
        PYTHONHOME=$prefix "$work/embed" | grep -q '^embed: ok'
}
check "embed with python3.13-config --embed" \
    embed_run $("$prefix/bin/python3.13-config" --cflags) \
              $("$prefix/bin/python3.13-config" --embed --ldflags) -Wl,-E
# libpython is static, so pkg-config needs --static for its private libs.
check "embed with pkg-config --static python-3.13-embed" \
    embed_run $(PKG_CONFIG_PATH=$prefix/lib/pkgconfig \
                pkg-config --static --cflags --libs python-3.13-embed) -Wl,-E

# The public C API headers compile as C99 and as C++, warnings as errors.
headers_compile() {
    # $1: the compiler; $2: the language flag
    local cflags
    cflags=$("$prefix/bin/python3.13-config" --cflags) || return 1
    printf '%s\n' '#include <Python.h>' '#include <stackless_api.h>' \
        '#ifndef STACKLESS' '#error "STACKLESS is not defined"' '#endif' \
        'int f(PyObject *o) { return STACKLESS_UNWINDING(o)' \
        '    + (METH_STACKLESS == 0x0100) + PyTasklet_Check(o); }' |
        $1 $2 $cflags -Wall -Wextra -Werror -fsyntax-only -x "$3" -
}
check "stackless_api.h compiles as C99" headers_compile cc -std=c99 c
check "stackless_api.h compiles as C++" headers_compile c++ -std=c++17 c++

# The examples' Makefiles, as a user runs them against the prefix; they
# build into $work, not the source tree.
example_run() {
    # $1: the directory under examples/; $2: a line the output must match
    local out rc
    out=$(make -C "$REPO/examples/$1" PREFIX="$prefix" \
               OUT="$work/examples/$1" run 2>&1)
    rc=$?
    echo "$out"
    [ $rc -eq 0 ] && grep -q "$2" <<<"$out"
}
check "examples/embed: make run (C API from an embedding program)" \
    example_run embed '^embed-game: ok'
check "examples/extension: make run (C API from an extension module)" \
    example_run extension '^extension: ok$'

exit $((fails > 0))
