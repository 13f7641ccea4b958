#!/usr/bin/env bash
# The examples (pickling, threads, pre-emption, asyncio) and the quick
# benchmark scripts, against the release build.  Each must exit 0; an
# example must also print its success line: "same result" when a resumed
# run matches the uninterrupted one, or a line of its own.
REPO=$(cd "$(dirname "$0")/../.." && pwd)
PY=$REPO/build/release/python

# check NAME PATTERN ARGS...: run $PY ARGS; PASS if it exits 0 and (unless
# PATTERN is empty) a line of its output matches the extended regex PATTERN.
check() {
    local name=$1 pattern=$2 out
    shift 2
    if out=$(timeout 600 "$PY" "$@" 2>&1) \
            && { [ -z "$pattern" ] || grep -qE "$pattern" <<<"$out"; }; then
        echo "PASS: $name"
    else
        echo "FAIL: $name"
        sed 's/^/    /' <<<"$out" | tail -n 20
    fi
}

for ex in checkpoint migrate; do
    check "examples/$ex.py" '^same result$' "$REPO/examples/$ex.py"
done
check examples/io_thread.py '^all commands handled$' \
    "$REPO/examples/io_thread.py"
# Pre-emption with a per-frame wall-clock budget: exits 1 on a broken
# invariant, and its last line ends in "OK".
check examples/game_loop.py '^game_loop: .*, OK$' \
    "$REPO/examples/game_loop.py"
# A tasklet per connection on asyncio streams (stackless.aio): 200
# loopback clients, every echo and broadcast checked.
check examples/chat_server.py '^chat_server: ok: ' \
    "$REPO/examples/chat_server.py" --selftest
for bench in threads preempt pickling capi aio; do
    check "bench/$bench.py --quick" '' "$REPO/bench/$bench.py" --quick
done
