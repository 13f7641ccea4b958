"""The postbox extension at work: tasklets wait in C code, softly.

    make -C examples/extension PREFIX=/path/to/prefix run

postbox.get(box) receives in a soft-switchable C function (postbox.c):
while a tasklet waits in it, the tasklet holds no C stack, exactly as if
it waited in channel.receive(), so it is cheap and it pickles.  When a
value comes, the C function is entered again, counts the delivery on
the box and returns the value.  Prints "extension: ok" at the end; any
broken expectation raises AssertionError.
"""

import pickle

import stackless

import postbox


def reader(box, got):
    while True:
        got.append(postbox.get(box))


def soft(t):
    """t waits with nothing on the C stack."""
    return (t.blocked and t.restorable and t.nesting_level == 0
            and t not in stackless.uncollectables)


# Three readers wait in get(), softly.
box = postbox.Postbox()
got = []
readers = [stackless.tasklet(reader)(box, got) for _ in range(3)]
stackless.run()
assert all(soft(t) for t in readers)
assert box.channel.balance == -3

# Feed them.  put() is METH_STACKLESS too: the default preference lets
# the receiver run at once, so main waits softly in put() meanwhile.
for value in range(6):
    box.put(value)
assert got == list(range(6)), got
assert box.count == 6
assert all(soft(t) for t in readers)        # waiting in get() again
for t in readers:
    t.kill()                # C function re-entered with the exception
assert not any(t.alive for t in readers) and box.channel.balance == 0

# get_many() waits several times in one call: each time a value comes
# its C function is entered again and waits once more, with the values
# so far in its state.
many = []
t = stackless.tasklet(lambda: many.append(postbox.get_many(box, 3)))()
stackless.run()
box.put("x")
box.put("y")
assert soft(t) and many == [] and box.count == 8

# Pickle it in the middle: the state of the C function (the box, the
# list so far, how many values are still to come) goes with it.  The
# box pickles with its channel, and t with that channel too, so the copy
# waits on the copy of the box.
data = pickle.dumps((t, box, many))
assert b"_cframe" in data and b"_receive" in data
t2, box2, many2 = pickle.loads(data)
assert t2.blocked and box2.channel.balance == -1 and box2.count == 8

box2.put("z")                   # the copy finishes the call...
assert many2 == [["x", "y", "z"]] and not t2.alive
assert box2.count == 9          # ...counting on its own box
assert many == [] and t.alive and box.count == 8   # the original waits
box.put("w")
assert many == [["x", "y", "w"]] and not t.alive and box.count == 9

# A tasklet blocked in get(), pickled alone with the box, resumes in
# the copy where it waited and its C function returns the value there.
got = []
t = stackless.tasklet(reader)(box, got)
stackless.run()
t2, box2, got2 = pickle.loads(pickle.dumps((t, box, got)))
assert soft(t2) and got2 == []
box2.put("hello")
assert got2 == ["hello"] and box2.count == 10 and soft(t2)
assert got == [] and box.count == 9
t.kill()
t2.kill()

# Called from C rather than straight from Python code (here through
# map()), get() cannot unwind: it waits with C state, hard, and the
# tasklet does not pickle.  The value arrives all the same.
got = []
t = stackless.tasklet(lambda: got.extend(map(postbox.get, [box])))()
stackless.run()
assert t.blocked and t.nesting_level > 0 and not t.restorable
box.put(42)
assert got == [42] and not t.alive and box.count == 10

print("extension: ok")
