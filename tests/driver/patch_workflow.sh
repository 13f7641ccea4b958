#!/usr/bin/env bash
# The patch workflow of docs/building.md, on a scratch fork tree and a
# scratch copy of patches/: nothing under build/src or patches/ is touched.
# Prints PASS/FAIL per check.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
work=$REPO/build/driver-test
rm -rf "$work"
mkdir -p "$work"
cp -R "$REPO/patches" "$work/patches"
export SRC=$work/src PATCHES=$work/patches
T=$REPO/tools
fails=0

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1"; sed 's/^/    /' "$work/out" | tail -n 15; fails=$((fails + 1)); }
# expect 0|1 DESCRIPTION COMMAND...: the command must succeed (0) or fail (1)
expect() {
    local want=$1 what=$2 got=0
    shift 2
    "$@" > "$work/out" 2>&1 || got=1
    if [ "$got" = "$want" ]; then pass "$what"; else fail "$what"; fi
}
# said PATTERN DESCRIPTION: the output of the last `expect` mentions PATTERN.
said() {
    if grep -q -- "$1" "$work/out"; then pass "$2"; else fail "$2"; fi
}
# Whether the scratch tree is upstream + exactly the scratch patches.
in_sync() { [ "$(git -C "$SRC" rev-parse 'HEAD^{tree}')" = "$(cat "$SRC/.git/slp-synced-tree")" ]; }
npatches() { git -C "$SRC" rev-list --count upstream..HEAD; }

expect 0 "materialise creates upstream + series" "$T/materialise.sh"
expect 0 "one commit per patch" test "$(npatches)" = "$(grep -c '^[^#]' "$PATCHES/series")"
expect 0 "overlay files are linked, not copied" test -L "$SRC/Stackless/stackless.mk"
expect 0 "overlay directories are real (os.walk sees them)" \
    bash -c "test -d '$SRC/Lib/test/test_stackless' && ! test -L '$SRC/Lib/test/test_stackless'"
expect 0 "fresh tree passes check-patches" "$T/check-patches.sh"

echo "# driver test" >> "$SRC/Lib/os.py"
expect 1 "uncommitted upstream edit fails check-patches" "$T/check-patches.sh"
said 'Lib/os.py' "... and names the file"
expect 1 "export refuses uncommitted edits" "$T/export-patches.sh"

git -C "$SRC" commit -q -am "Driver test: mark os.py"
expect 1 "committed but unexported edit fails check-patches" "$T/check-patches.sh"
said 'Lib/os.py' "... and names the file"
expect 0 "materialise keeps a local commit while patches/ is unchanged" "$T/materialise.sh"
expect 0 "... the commit is still there" git -C "$SRC" log -1 --format=%s HEAD

expect 0 "make patches exports the commit" "$T/export-patches.sh"
expect 0 "... as a new patch file in the series" grep -q 'Driver-test-mark-os.py' "$PATCHES/series"
expect 0 "exported tree passes check-patches" "$T/check-patches.sh"
expect 0 "re-export of unchanged commits is byte-identical" \
    bash -c "sum1=\$(cat '$PATCHES'/*.patch | sha256sum); '$T/export-patches.sh' 2>/dev/null; \
             test \"\$sum1\" = \"\$(cat '$PATCHES'/*.patch | sha256sum)\""

# patches/ changes under the tree (a pull that drops the patch): re-applied.
sed -i '/Driver-test-mark-os.py/d' "$PATCHES/series"
expect 0 "changed patches/ is re-applied by the next build" "$T/materialise.sh"
expect 0 "... the tree now matches patches/" bash -c "! grep -q '# driver test' '$SRC/Lib/os.py'"
expect 0 "... and is in sync" in_sync

# A pull while the tree has unexported work must stop, not discard it.
echo "# unexported" >> "$SRC/Lib/os.py"
git -C "$SRC" commit -q -am "Driver test: unexported"
sed -i '$d' "$PATCHES/series"        # drop the last real patch
expect 1 "changed patches/ with unexported work stops the build" "$T/materialise.sh"
said "make patches" "... and says how to resolve it"
expect 0 "... and the work is still there" grep -q '# unexported' "$SRC/Lib/os.py"

echo "garbage" > "$PATCHES/0099-broken.patch"
echo "0099-broken.patch" >> "$PATCHES/series"
expect 1 "a patch that does not apply fails check-patches" "$T/check-patches.sh"
said '0099-broken.patch' "... naming the patch"

rm -rf "$work"
exit $((fails > 0))
