#!/usr/bin/env bash
# The user guide's examples, run against the release build.
REPO=$(cd "$(dirname "$0")/../.." && pwd)
exec "$REPO/build/release/python" "$REPO/tests/docs/run_examples.py" \
    "$REPO/build/release/python"
