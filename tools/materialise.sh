#!/usr/bin/env bash
# Create or update the fork tree build/src: upstream + patches/ + overlay.
#
# Safe to run before every build: it does nothing when the tree is current,
# it never discards edits made in the tree, and it touches only the files a
# changed patch changes, so an incremental build stays incremental.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
SRC=${SRC:-$REPO/build/src}
. "$REPO/tools/srctree.sh"

git_identity() {
    # git am needs a committer; a fresh CI machine has none configured.
    src_git config user.email >/dev/null || src_git config user.email build@stackless.invalid
    src_git config user.name >/dev/null || src_git config user.name "Stackless build"
}

apply_series() {
    local p
    while read -r p; do
        src_git am -q --committer-date-is-author-date "$PATCHES/$p" ||
            die "patches/$p failed to apply" "Fix the patch, or run 'git -C $SRC am --abort'."
    done < <(series)
    head_tree > "$SYNCED"
}

create() {
    local tarball tmp
    tarball=$("$REPO/tools/fetch-upstream.sh")
    tmp=$SRC.tmp
    rm -rf "$tmp"
    mkdir -p "$tmp"
    echo "materialise: unpacking $(basename "$tarball")" >&2
    tar -xJf "$tarball" -C "$tmp" --strip-components=1
    # The branch name shows in sys.version's build info ("heads/stackless").
    git -C "$tmp" init -q -b stackless
    git -C "$tmp" add -A -f
    # Fixed identity and date: the upstream commit id is the same everywhere.
    GIT_AUTHOR_NAME=CPython GIT_AUTHOR_EMAIL=upstream@python.invalid \
    GIT_COMMITTER_NAME=CPython GIT_COMMITTER_EMAIL=upstream@python.invalid \
    GIT_AUTHOR_DATE='2025-06-11T00:00:00Z' GIT_COMMITTER_DATE='2025-06-11T00:00:00Z' \
        git -C "$tmp" commit -q -m "upstream CPython 3.13.5" \
            -m "$(basename "$tarball"), sha256 $(sha256sum "$tarball" | cut -d' ' -f1)"
    git -C "$tmp" tag upstream
    mv "$tmp" "$SRC"
    git_identity
    apply_series
    echo "materialise: $SRC = upstream + $(series | wc -l) patches" >&2
}

sync() {
    local want synced
    want=$(patches_tree)
    synced=$(cat "$SYNCED" 2>/dev/null || true)
    if [ "$want" = "$synced" ]; then
        return 0                      # patches/ unchanged since the last sync
    fi
    if [ "$want" = "$(head_tree)" ]; then
        echo "$want" > "$SYNCED"       # the tree was just exported
        return 0
    fi
    if [ "$(head_tree)" = "$synced" ] && [ -z "$(dirty_files)" ]; then
        echo "materialise: patches/ changed; re-applying the series" >&2
        src_git reset -q --hard upstream
        git_identity
        apply_series
        return 0
    fi
    die "patches/ changed, and $SRC has edits that patches/ does not hold:" \
        "$(src_git diff --stat "${synced:-upstream}" 2>/dev/null | tail -n 1)" \
        "$(dirty_files)" \
        "Export them first ('make patches'), or discard them ('make reset-src')."
}

# Link every file of the overlay into the fork tree.  Directories are made
# real, only files are links: os.walk() and other tools that do not follow
# directory links must see our files like upstream's (test_tools checks
# that every test directory is installed).  Runs on every build, so a new
# file is linked by the next `make`.
link_overlay() {
    local exclude=$SRC/.git/info/exclude
    {
        echo "# written by tools/materialise.sh: overlay links and byte code"
        echo "__pycache__/"
        echo "*.py[co]"
    } > "$exclude.new"
    link_dir() {
        local rel=$1 entry name target
        if [ -L "$SRC/$rel" ]; then
            rm -f "$SRC/$rel"           # a directory link from older trees
        fi
        mkdir -p "$SRC/$rel"
        for entry in "$REPO/$rel"/* "$REPO/$rel"/.[!.]*; do
            [ -e "$entry" ] || continue
            name=${entry##*/}
            [ "$name" = __pycache__ ] && continue
            target=$SRC/$rel/$name
            if [ -d "$entry" ]; then
                link_dir "$rel/$name"
                continue
            fi
            if [ -e "$target" ] && [ ! -L "$target" ]; then
                die "overlay file $rel/$name would replace an upstream file" \
                    "Change upstream files through patches/, not the overlay."
            fi
            ln -sfnr "$entry" "$target"
            echo "/$rel/$name" >> "$exclude.new"
        done
    }
    local d
    for d in "${OVERLAY_DIRS[@]}"; do
        if [ -d "$REPO/$d" ]; then
            link_dir "$d"
        fi
    done
    # A link whose file left the overlay would break the build: drop it.
    local old
    { grep "^/" "$exclude" 2>/dev/null || true; } | { grep -vxF -f "$exclude.new" || true; } | while read -r old; do
        if [ -L "$SRC$old" ]; then rm -f "$SRC$old"; fi
    done
    mv "$exclude.new" "$exclude"
}

if [ -d "$SRC/.git" ] && src_git rev-parse -q --verify upstream >/dev/null; then
    sync
else
    rm -rf "$SRC"
    create
fi
link_overlay
