# Shared helpers for the materialised fork tree (sourced, not run).
#
# The fork tree build/src is a git repository: commit "upstream" holds the
# pristine CPython sources, then one commit per patch in patches/series.
# Whether the tree and patches/ agree is decided by comparing git *trees*
# (the content), never patch text, so commit messages, dates and the git
# version that wrote a patch do not matter.

: "${REPO:?}" "${SRC:?}"
PATCHES=${PATCHES:-$REPO/patches}   # overridable for tests/driver
SYNCED=$SRC/.git/slp-synced-tree   # the tree patches/ produced at the last sync

# Directories of the repo whose files are linked into the fork tree.
OVERLAY_DIRS=(Include Lib Modules Stackless)

die() {
    printf '%s: error: %s\n' "${0##*/}" "$1" >&2
    shift
    for line in "$@"; do printf '  %s\n' "$line" >&2; done
    exit 1
}

src_git() { git -C "$SRC" "$@"; }

series() {
    [ -f "$PATCHES/series" ] || return 0
    sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$PATCHES/series"
}

# Print the tree id that upstream + patches/ gives, without touching the
# work tree or the real index.
patches_tree() {
    local index p
    index=$(mktemp)
    rm -f "$index"
    GIT_INDEX_FILE=$index src_git read-tree upstream
    while read -r p; do
        [ -f "$PATCHES/$p" ] || { rm -f "$index"; die "patches/series names missing file $p"; }
        GIT_INDEX_FILE=$index src_git apply --cached --whitespace=nowarn "$PATCHES/$p" ||
            { rm -f "$index"; die "patches/$p does not apply on top of the patches before it"; }
    done < <(series)
    GIT_INDEX_FILE=$index src_git write-tree
    rm -f "$index"
}

head_tree() { src_git rev-parse 'HEAD^{tree}'; }

# Tracked files with uncommitted edits, and new files not yet committed.
dirty_files() { src_git status --porcelain | sed 's/^/    /'; }
