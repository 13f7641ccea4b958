#!/usr/bin/env bash
# The examples (pickling, threads, pre-emption), against the release build.
# The pickling ones print "same result" when the resumed run matches the
# uninterrupted one; each other one prints its own success line.
REPO=$(cd "$(dirname "$0")/../.." && pwd)
PY=$REPO/build/release/python
for ex in checkpoint migrate; do
    if out=$(timeout 600 "$PY" "$REPO/examples/$ex.py" 2>&1) \
            && grep -qx 'same result' <<<"$out"; then
        echo "PASS: examples/$ex.py"
    else
        echo "FAIL: examples/$ex.py"
        sed 's/^/    /' <<<"$out" | tail -n 20
    fi
done
if out=$(timeout 600 "$PY" "$REPO/examples/io_thread.py" 2>&1) \
        && grep -qx 'all commands handled' <<<"$out"; then
    echo "PASS: examples/io_thread.py"
else
    echo "FAIL: examples/io_thread.py"
    sed 's/^/    /' <<<"$out" | tail -n 20
fi
# Pre-emption with a per-frame wall-clock budget: exits 1 on a broken
# invariant, and its last line ends in "OK".
if out=$(timeout 600 "$PY" "$REPO/examples/game_loop.py" 2>&1) \
        && grep -q '^game_loop: .*, OK$' <<<"$out"; then
    echo "PASS: examples/game_loop.py"
else
    echo "FAIL: examples/game_loop.py"
    sed 's/^/    /' <<<"$out" | tail -n 20
fi
if out=$(timeout 600 "$PY" "$REPO/bench/threads.py" --quick 2>&1); then
    echo "PASS: bench/threads.py --quick"
else
    echo "FAIL: bench/threads.py --quick"
    sed 's/^/    /' <<<"$out" | tail -n 20
fi
if out=$(timeout 600 "$PY" "$REPO/bench/preempt.py" --quick 2>&1); then
    echo "PASS: bench/preempt.py --quick"
else
    echo "FAIL: bench/preempt.py --quick"
    sed 's/^/    /' <<<"$out" | tail -n 20
fi
if out=$("$PY" "$REPO/bench/pickling.py" --quick 2>&1); then
    echo "PASS: bench/pickling.py --quick"
else
    echo "FAIL: bench/pickling.py --quick"
    sed 's/^/    /' <<<"$out" | tail -n 20
fi
