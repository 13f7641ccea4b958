#!/usr/bin/env bash
# Install the Debian packages the build needs, if any are missing.
# As root: apt-get installs them.  Otherwise: print the command and stop.
set -euo pipefail

# Toolchain, then the libraries behind CPython's extension modules (tk-dev
# for tkinter: without it test_idle, test_tcl and friends are skipped, and a
# skip stock does not have counts against parity).  Debian 12 has no
# libmpdec-dev, so _decimal uses the copy bundled with CPython.
packages=(
    build-essential pkg-config xz-utils git ca-certificates
    libffi-dev zlib1g-dev libssl-dev libexpat1-dev
    libbz2-dev liblzma-dev libsqlite3-dev libreadline-dev libncurses-dev
    libgdbm-dev libgdbm-compat-dev uuid-dev tk-dev
)
packages+=("$@")

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
    printf 'install-deps: missing build dependencies; as root run:\n  apt-get update && %s\n' "$cmd" >&2
    exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
$cmd >&2
