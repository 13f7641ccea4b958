#!/usr/bin/env bash
# Fail, listing the files, when the fork tree holds upstream edits that
# patches/ does not: uncommitted edits, new files, or unexported commits.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
SRC=${SRC:-$REPO/build/src}
. "$REPO/tools/srctree.sh"

[ -d "$SRC/.git" ] || exit 0          # nothing materialised, nothing to lose
status=0
dirty=$(dirty_files)
if [ -n "$dirty" ]; then
    printf 'check-patches: uncommitted changes in %s:\n%s\n' "$SRC" "$dirty" >&2
    status=1
fi
want=$(patches_tree)
if [ "$want" != "$(head_tree)" ]; then
    printf 'check-patches: commits in %s that patches/ does not hold:\n' "$SRC" >&2
    src_git diff --name-status "$want" HEAD | sed 's/^/    /' >&2
    status=1
fi
if [ $status != 0 ]; then
    echo "check-patches: commit in $SRC, then run 'make patches' and commit patches/." >&2
fi
exit $status
