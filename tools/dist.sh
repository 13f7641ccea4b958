#!/usr/bin/env bash
# Pack the fork tree (upstream + patches + overlay, links resolved) as a
# source tarball that builds on its own with ./configure && make.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
SRC=$REPO/build/src
version=$(sed -n 's/^#define STACKLESS_VERSION "\(.*\)"/\1/p' "$REPO/Include/stackless_version.h")
name=stackless-python-$version
out=$REPO/dist/$name.tar.xz

"$REPO/tools/check-patches.sh" || {
    echo "dist.sh: export or discard the edits above first" >&2
    exit 1
}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# git archive gives exactly the committed upstream + patches; the overlay is
# copied with links resolved, so the tarball has no links into this repo.
git -C "$SRC" archive --prefix="$name/" HEAD | tar -x -C "$stage"
while read -r path; do
    [ -n "$path" ] || continue
    mkdir -p "$(dirname "$stage/$name$path")"
    cp -L "$SRC$path" "$stage/$name$path"
done < <(grep '^/' "$SRC/.git/info/exclude")
find "$stage" -name __pycache__ -prune -exec rm -rf {} +
cp "$REPO/LICENSE" "$stage/$name/LICENSE-Stackless"
cp "$REPO/README.md" "$stage/$name/README-Stackless.md"
cp "$REPO/CHANGELOG.md" "$stage/$name/CHANGELOG-Stackless.md"
mkdir -p "$REPO/dist"
tar -C "$stage" --sort=name --owner=0 --group=0 -cJf "$out" "$name"
echo "dist.sh: wrote $out"
