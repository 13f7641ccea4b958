#!/usr/bin/env bash
# Fetch the pinned upstream CPython tarball and print its path.
#
# The tarball is Debian trixie's python3.13 orig tarball, which is the
# upstream Python-3.13.5.tar.xz byte for byte.  We take it from the Debian
# archive because that is the only network a build machine is promised.
# The archive host is never written here: the deb-src entry is derived from
# the machine's own apt configuration.
#
# Environment:
#   SLP_CACHE             cache directory (default ~/.cache/stackless-python)
#   SLP_UPSTREAM_TARBALL  use this file instead of downloading (still verified)
set -euo pipefail

readonly NAME=python3.13_3.13.5.orig.tar.xz
readonly SHA256=93e583f243454e6e9e4588ca2c2662206ad961659863277afcdb96801647d640
readonly SRCPKG=python3.13
readonly SUITE=trixie
readonly LIST=/etc/apt/sources.list.d/stackless-upstream-src.sources

cache=${SLP_CACHE:-${HOME:-/root}/.cache/stackless-python}
dest=$cache/$NAME

die() {
    printf 'fetch-upstream: error: %s\n' "$1" >&2
    shift
    for line in "$@"; do printf '  %s\n' "$line" >&2; done
    exit 1
}

verify() {
    local got
    got=$(sha256sum "$1" | cut -d' ' -f1)
    [ "$got" = "$SHA256" ] || die "checksum mismatch for $1" \
        "expected sha256 $SHA256" "got      sha256 $got" \
        "This is not the pristine Python-3.13.5 tarball; delete it and retry."
}

if [ -n "${SLP_UPSTREAM_TARBALL:-}" ]; then
    [ -f "$SLP_UPSTREAM_TARBALL" ] || die "SLP_UPSTREAM_TARBALL=$SLP_UPSTREAM_TARBALL does not exist"
    verify "$SLP_UPSTREAM_TARBALL"
    printf '%s\n' "$SLP_UPSTREAM_TARBALL"
    exit 0
fi

if [ -f "$dest" ]; then
    verify "$dest"
    printf '%s\n' "$dest"
    exit 0
fi

# The first URI of the machine's main Debian archive (not the security
# archive), from deb822 sources or the legacy one-line format.
debian_uri() {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && [ "$f" != "$LIST" ] || continue
        awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk '$1 == "deb" || $1 == "deb-src" {
                 for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) { print $i; break }
             }' "$f"
    done
}

have_source() {
    apt-cache showsrc "$SRCPKG" 2>/dev/null | grep -q "^Version: 3\.13\.5-"
}

if ! have_source; then
    if [ "$(id -u)" != 0 ]; then
        die "no deb-src entry for Debian $SUITE, and adding one needs root" \
            "Run this build once as root, or add a deb-src line for '$SUITE main'" \
            "to your apt sources and run 'apt-get update', or download" \
            "Python-3.13.5.tar.xz yourself and set SLP_UPSTREAM_TARBALL=/path/to/it."
    fi
    uri=$(debian_uri | grep -v -- '-security' | head -n 1 || true)
    [ -n "$uri" ] || die "cannot find a Debian archive URI in /etc/apt/sources.list*" \
        "Add the Debian archive to apt's sources, or set SLP_UPSTREAM_TARBALL."
    keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    {
        echo "# Added by Stackless Python's build (tools/fetch-upstream.sh):"
        echo "# the source of the pinned upstream CPython tarball."
        echo "Types: deb-src"
        echo "URIs: $uri"
        echo "Suites: $SUITE"
        echo "Components: main"
        [ -f "$keyring" ] && echo "Signed-By: $keyring"
    } > "$LIST"
    # Refresh only this one source: fast, and leaves the rest of apt alone.
    apt-get update -q -o Dir::Etc::sourcelist="$LIST" \
        -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0 >&2 ||
        die "apt-get update failed for the Debian $SUITE source archive" \
            "Is the Debian archive reachable from this machine?"
    have_source || die "Debian $SUITE does not offer $SRCPKG 3.13.5 source" \
        "(apt-cache showsrc $SRCPKG shows: $(apt-cache showsrc $SRCPKG 2>/dev/null | sed -n 's/^Version: //p' | tr '\n' ' '))" \
        "Download Python-3.13.5.tar.xz and set SLP_UPSTREAM_TARBALL=/path/to/it."
fi

mkdir -p "$cache"
tmp=$(mktemp -d "$cache/download.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get source -q --download-only -o APT::Sandbox::User=root "$SRCPKG" >&2) ||
    die "apt-get source $SRCPKG failed" \
        "Is the Debian archive reachable from this machine?"
[ -f "$tmp/$NAME" ] || die "the $SRCPKG source package no longer carries $NAME" \
    "Download Python-3.13.5.tar.xz and set SLP_UPSTREAM_TARBALL=/path/to/it."
verify "$tmp/$NAME"
mv "$tmp/$NAME" "$dest"
printf '%s\n' "$dest"
