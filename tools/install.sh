#!/usr/bin/env bash
# Install a built variant into PREFIX with the normal layout
# (bin/python3.13, lib/python3.13, include/python3.13, pkg-config files).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
variant=${1:?usage: install.sh VARIANT PREFIX}
prefix=${2:?usage: install.sh VARIANT PREFIX}
mkdir -p "$prefix"
prefix=$(cd "$prefix" && pwd)
dir=$REPO/build/$variant
[ -f "$dir/Makefile" ] || { echo "install.sh: build $variant first" >&2; exit 1; }

# The build was configured for /usr/local; installing elsewhere overrides
# prefix at install time.  The interpreter and python3.13-config find their
# home from where they are, but the pkg-config files carry the configured
# prefix literally, so point them at the real one.
make -C "$dir" -s install prefix="$prefix" >&2
for pc in "$prefix"/lib/pkgconfig/python-3.13*.pc; do
    sed -i "s|^prefix=.*|prefix=$prefix|" "$pc"
done
# Our own license, beside CPython's LICENSE.txt that make install copies.
cp "$REPO/LICENSE" "$prefix/lib/python3.13/LICENSE-Stackless.txt"
echo "install.sh: installed $variant into $prefix" >&2
