"""The Python side of the embedding example (game.c).

game.c imports this module, makes two channels and calls build(): each
NPC is a tasklet running npc(), a plain function in blocking style that
waits for an event on `inputs`, thinks about it (pure Python work that
never switches, so the C loop's pre-emptive run() has to interrupt the
long ones) and sends a result on `outputs`.  The C loop feeds `inputs`,
runs the scheduler with a budget and collects `outputs` every frame.
"""

import stackless

# Filled in by the NPCs; game.c reads them to check its own counts.
stats = {"handled": 0, "exited": 0}
npcs = []

# How long each kind of event makes an NPC think: iterations of
# think()'s loop, one tick each for run(timeout).  game.c picks the kind
# of every event from its serial number and checks the result.
WORK = {"look": 200, "move": 2000, "plan": 150000}


def think(work):
    """A stand-in for path finding or AI: pure computation, no switch.
    game.c computes the same number in C to check the result."""
    acc = 0
    for i in range(work):
        acc = (acc + i * i) % 1000003
    return acc


def npc(ident, inputs, outputs):
    try:
        while True:
            serial, kind = inputs.receive()     # wait for an event
            value = think(WORK[kind])
            stats["handled"] += 1
            outputs.send((serial, ident, value))  # wait for the C loop
    finally:
        # Runs when game.c kills the NPC at shutdown (TaskletExit).
        stats["exited"] += 1


def build(n, inputs, outputs):
    """Make n NPC tasklets, runnable; return the list of them."""
    for ident in range(n):
        npcs.append(stackless.tasklet(npc)(ident, inputs, outputs))
    return npcs
