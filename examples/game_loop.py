"""A game loop that gives its NPC tasklets 2 ms of CPU per frame.

Run it with:  ./python examples/game_loop.py

The world is 2,000 NPC tasklets written as plain Python, with no
scheduling calls inside their computations:

* walkers patrol a small map: each turn a walker walks its route once,
  marking every cell on a shared heat map, then lets the others run;
* planners are CPU-hungry and badly behaved: each one re-plans a route
  (a breadth-first search) thousands of times in a loop that never
  yields, seconds of work if nothing stopped it;
* guards wait on an "event bus" channel for the player's input, which
  the main loop feeds them, and report what they saw to the renderer.

Each frame the main loop hands out this frame's input events, then calls
stackless.run(budget=0.002).  When the frame's 2 ms are spent, whichever
tasklet is running is interrupted and returned by run(), paused but
intact; the loop puts it back at the end of the run queue with insert(),
and it continues exactly where it was in a later frame.  So a planner
costs a frame at most the rest of its budget, and the game keeps its
frame rate.  At the end the NPCs still at work are killed and the guards
are told to stop.

Prints a line every 10 frames and "game_loop: ... OK" at the end; exits
with status 1 if an invariant fails.
"""

import collections
import sys
import time

import stackless

N_NPCS = 2000
PLANNER_EVERY = 1000        # one NPC in 1000 is a planner (2 of them)
GUARD_EVERY = 40            # one NPC in 40 is a guard (50 of them)
PATROLS_PER_WALKER = 8      # a walker retires after this many turns
PLANS_PER_PLANNER = 20000   # far more than 60 frames can give them
EVENTS_PER_FRAME = 4
N_FRAMES = 60
FRAME_BUDGET = 0.002        # seconds of NPC time per frame
REPORT_EVERY = 10           # frames
# A frame may overrun its budget a little: the clock is read every few
# ticks, and a long C call is never cut short.  Only a wild overrun, one
# that shows the budget was ignored, counts as a failure; this also runs
# on slow, shared machines.
MAX_OVERRUN = 0.1           # seconds

# The map: '.' is floor, '#' is a wall.
MAP = [
    "............",
    ".####..#..#.",
    "....#..#..#.",
    ".#..#.....#.",
    ".#....###...",
    ".#######..#.",
    "..........#.",
    "..#..#......",
]
HEIGHT, WIDTH = len(MAP), len(MAP[0])
FLOOR = [(x, y) for y in range(HEIGHT) for x in range(WIDTH)
         if MAP[y][x] == '.']
WAYPOINTS = [(0, 0), (11, 0), (0, 7), (11, 7), (5, 3), (8, 5)]


def find_path(start, goal):
    """Breadth-first search from start to goal; returns the cells from
    start to goal (both included), or [] if there is no way.  Pure
    computation: it never yields, however long it takes."""
    came_from = {start: None}
    frontier = collections.deque([start])
    while frontier:
        cell = frontier.popleft()
        if cell == goal:
            break
        x, y = cell
        for nxt in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
            nx, ny = nxt
            if (0 <= nx < WIDTH and 0 <= ny < HEIGHT
                    and MAP[ny][nx] == '.' and nxt not in came_from):
                came_from[nxt] = cell
                frontier.append(nxt)
    if goal not in came_from:
        return []
    path = []
    cell = goal
    while cell is not None:
        path.append(cell)
        cell = came_from[cell]
    path.reverse()
    return path


# The patrol routes, between every two waypoints, found once at start-up.
ROUTES = [find_path(a, b) for a in WAYPOINTS for b in WAYPOINTS if a != b]


class World:
    """What the NPCs share.  The main loop reads it between frames."""

    def __init__(self):
        self.heat = dict.fromkeys(FLOOR, 0)  # times each cell was walked
        self.steps = 0                       # always sum(heat.values())
        self.patrols = [0] * N_NPCS          # turns taken, per walker
        self.walkers_done = 0
        self.plans = [0] * N_NPCS            # routes planned, per planner
        self.handled = [0] * N_NPCS          # events handled, per guard
        self.to_renderer = []                # messages for the renderer

    def walk(self, route):
        """Mark a route on the heat map and count its steps.

        The loop gives the scheduler a chance to interrupt us half way
        (every loop iteration is a tick), which would let the renderer
        see a heat map that disagrees with the step count, or leave them
        disagreeing for good if we were killed there.  atomic() defers
        any interruption until the block is left."""
        with stackless.atomic():
            for cell in route:
                self.heat[cell] += 1
            self.steps += len(route)


def walker(world, npc):
    """Walk a route once per turn; between turns let the others run (a
    game NPC "thinks" once per frame or so), then retire."""
    route = ROUTES[npc % len(ROUTES)]
    for _ in range(PATROLS_PER_WALKER):
        world.walk(route)
        world.patrols[npc] += 1
        route = route[::-1]             # and back again
        stackless.schedule()
    world.walkers_done += 1


def planner(world, npc):
    """A planner stuck re-planning: a loop that never yields.  Only
    pre-emption keeps it from freezing the game."""
    start = FLOOR[npc % len(FLOOR)]
    goal = FLOOR[-1 - npc % len(FLOOR)]
    for _ in range(PLANS_PER_PLANNER):
        find_path(start, goal)
        world.plans[npc] += 1


def guard(world, npc, bus):
    """Wait on the event bus for the player's input; tell the renderer
    what was seen.  None on the bus means the game is over."""
    while True:
        event = bus.receive()
        if event is None:
            return
        frame, kind, cell = event
        world.handled[npc] += 1
        world.to_renderer.append((frame, npc, kind, cell))


def input_events(frame):
    """This frame's input: made up, but the same on every run."""
    kinds = ('move', 'jump', 'shoot', 'shout')
    return [(frame, kinds[(frame + i) % len(kinds)],
             FLOOR[(frame * EVENTS_PER_FRAME + i) % len(FLOOR)])
            for i in range(EVENTS_PER_FRAME)]


def main():
    world = World()
    bus = stackless.channel()
    # By default a send to a waiting receiver switches to it at once.
    # The main loop must run NPCs only inside its budgeted run() call, so
    # here the sender goes on and the guard just becomes runnable.
    bus.preference = 1

    walkers, planners, guards = [], [], []
    for npc in range(N_NPCS):
        if npc % PLANNER_EVERY == PLANNER_EVERY // 2:
            planners.append((npc, stackless.tasklet(planner)(world, npc)))
        elif npc % GUARD_EVERY == 0:
            guards.append((npc, stackless.tasklet(guard)(world, npc, bus)))
        else:
            walkers.append((npc, stackless.tasklet(walker)(world, npc)))

    pending = collections.deque()   # input no guard has taken yet
    generated = rendered = 0
    kind_of = {task: kind for kind, tasks in
               (('walker', walkers), ('planner', planners), ('guard', guards))
               for _, task in tasks}
    cut_off = collections.Counter()  # frames ended on the budget, by kind
    torn = 0                        # frames with heat and steps disagreeing
    worst = 0.0                     # longest run() call, seconds
    started = time.perf_counter()

    for frame in range(1, N_FRAMES + 1):
        # 1. Input.  Send only while a guard is already waiting
        #    (balance < 0), so that the main loop never blocks; the rest
        #    waits in `pending` for a later frame.
        new = input_events(frame)
        generated += len(new)
        pending.extend(new)
        while pending and bus.balance < 0:
            bus.send(pending.popleft())

        # 2. Update: the NPCs run for at most FRAME_BUDGET seconds.
        t0 = time.perf_counter()
        victim = stackless.run(budget=FRAME_BUDGET)
        took = time.perf_counter() - t0
        worst = max(worst, took)
        if victim is not None:
            # Cut off by the budget: back to the end of the run queue, to
            # go on from there when its turn comes again.
            cut_off[kind_of[victim]] += 1
            victim.insert()

        # 3. Render: plain code, not a tasklet.  It reads the heat map
        #    and takes the guards' messages.
        if sum(world.heat.values()) != world.steps:
            torn += 1
        rendered += len(world.to_renderer)
        world.to_renderer.clear()
        if frame % REPORT_EVERY == 0:
            print('frame %2d: %4d/%d walkers done, %5d patrols, %4d plans, '
                  '%3d/%d events handled, run() took %.2f ms'
                  % (frame, world.walkers_done, len(walkers),
                     sum(world.patrols), sum(world.plans),
                     sum(world.handled), generated, took * 1e3))

    elapsed = time.perf_counter() - started

    # Game over.  Kill the walkers and planners still at work.  A pending
    # kill only marks each one; the run() below lets each die where it
    # stopped (never inside an atomic block), and lets the guards finish
    # the events they were handling.
    for _, task in walkers + planners:
        if task.alive:
            task.kill(pending=True)
    stackless.run()
    # Now every guard waits on the bus: hand out the input left over (one
    # event per waiting guard, then let them handle it, and again), then
    # tell each guard to stop.
    while pending and bus.balance < 0:
        while pending and bus.balance < 0:
            bus.send(pending.popleft())
        stackless.run()
    for _ in guards:
        if bus.balance < 0:
            bus.send(None)
    stackless.run()
    rendered += len(world.to_renderer)
    world.to_renderer.clear()

    # Invariants: counts, which do not depend on the machine's speed,
    # and one very loose timing check.
    problems = []
    if not all(world.patrols[npc] for npc, _ in walkers):
        problems.append('a walker never walked')
    if not all(world.plans[npc] for npc, _ in planners):
        problems.append('a planner never planned')
    if not all(world.handled[npc] for npc, _ in guards):
        problems.append('a guard handled no event')
    if sum(world.handled) != generated or rendered != generated:
        problems.append('events: %d generated, %d handled, %d rendered'
                        % (generated, sum(world.handled), rendered))
    if torn or sum(world.heat.values()) != world.steps:
        problems.append('heat map and step count disagreed (%d frames)'
                        % torn)
    if worst > FRAME_BUDGET + MAX_OVERRUN:
        problems.append('a frame took %.1f ms' % (worst * 1e3))
    if any(task.alive for _, task in walkers + planners + guards):
        problems.append('an NPC is still alive')
    if stackless.getruncount() != 1:
        problems.append('the run queue is not empty')

    for problem in problems:
        print('FAILED:', problem)
    print('game_loop: %d frames in %.0f ms, %d NPCs, %d patrols, '
          '%d/%d events handled, %d frames cut off by the budget '
          '(%d in a walker, %d in a planner), worst run() %.1f ms%s'
          % (N_FRAMES, elapsed * 1e3, N_NPCS, sum(world.patrols),
             sum(world.handled), generated, cut_off.total(),
             cut_off['walker'], cut_off['planner'], worst * 1e3,
             '' if problems else ', OK'))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
