"""Tiny hand-written scheduler on raw greenlets, shared by greenlet_*.py.

greenlet has no scheduler of its own; this is the least a program needs:
a FIFO run queue and a schedule() that switches straight to the next
greenlet (one switch per call, like stackless.schedule()).
"""
from collections import deque

from greenlet import getcurrent, greenlet

runq = deque()


def _park_then_call(fn, args):
    getcurrent().parent.switch()
    return fn(*args)


def spawn(fn, *args):
    """Create a greenlet for fn(*args) and append it to the run queue.

    It is started here, from main, and parks at once: a greenlet first
    entered from inside another greenlet inherits that one's recursion
    depth, so a ring of 1000 greenlets starting one another overflows the
    recursion limit.
    """
    g = greenlet(_park_then_call)
    g.switch(fn, args)
    runq.append(g)
    return g


def schedule():
    runq.append(getcurrent())
    runq.popleft().switch()


def run_all():
    """Run from the main greenlet until the run queue is empty.

    A greenlet that finishes returns to its parent (main), which picks the
    next one.
    """
    while runq:
        runq.popleft().switch()
