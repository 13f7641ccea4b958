#!/usr/bin/env bash
# The build's failure paths say what failed and what to do: a corrupt or
# missing tarball, and, without root, missing packages or no deb-src.
# Prints PASS/FAIL per check.
set -uo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
fails=0

# expect_error DESCRIPTION PATTERN COMMAND...: the command fails, saying PATTERN.
expect_error() {
    local what=$1 pattern=$2
    shift 2
    if "$@" > "$work/out" 2>&1; then
        echo "FAIL: $what (it succeeded)"; fails=$((fails + 1))
    elif ! grep -q -- "$pattern" "$work/out"; then
        echo "FAIL: $what (no '$pattern' in:)"; sed 's/^/    /' "$work/out"
        fails=$((fails + 1))
    else
        echo "PASS: $what"
    fi
}

echo "not the CPython tarball" > "$work/bogus.tar.xz"
expect_error "a tarball with the wrong sha256 is refused" "checksum mismatch" \
    env SLP_UPSTREAM_TARBALL="$work/bogus.tar.xz" "$REPO/tools/fetch-upstream.sh"
expect_error "a missing SLP_UPSTREAM_TARBALL is named" "does not exist" \
    env SLP_UPSTREAM_TARBALL="$work/nothing.tar.xz" "$REPO/tools/fetch-upstream.sh"

# Without root: apt sees no sources at all (a private apt configuration),
# so there is no deb-src, and adding one is not allowed.
mkdir -p "$work/lists/partial" "$work/cache"
cat > "$work/apt.conf" <<CONF
Dir::Etc::sourcelist "/dev/null";
Dir::Etc::sourceparts "$work/none";
Dir::State::lists "$work/lists";
Dir::Cache "$work/cache";
CONF
# The checkout may be in a directory only root can enter (/root, mktemp -d):
# give the unprivileged runs their own copies of the two stand-alone scripts.
mkdir -p "$work/tools"
cp "$REPO/tools/fetch-upstream.sh" "$REPO/tools/install-deps.sh" "$work/tools/"
chmod -R a+rX "$work"
as_nobody() {
    if [ "$(id -u)" = 0 ]; then
        setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
    else
        "$@"
    fi
}
expect_error "without root and deb-src, fetch says how to get the source" "needs root" \
    as_nobody env APT_CONFIG="$work/apt.conf" SLP_CACHE="$work/slpcache" HOME="$work" \
    "$work/tools/fetch-upstream.sh"
expect_error "without root, missing packages give the apt-get line" \
    "apt-get install -y --no-install-recommends no-such-package-slp" \
    as_nobody "$work/tools/install-deps.sh" no-such-package-slp

exit $((fails > 0))
