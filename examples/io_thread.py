"""An I/O thread feeding a simulation thread over a channel.

The I/O thread reads commands from a socket (here one end of a socket
pair the main thread writes to) with ordinary blocking calls and sends
each one over a stackless channel.  The simulation thread runs a tasklet
per actor; a dispatcher tasklet receives the commands and forwards each
to its actor.  While no command is there the simulation thread sleeps in
the channel, using no CPU; the I/O thread's send wakes it.

Prints one line per actor and "all commands handled" at the end.
"""

import socket
import threading

import stackless

N_ACTORS = 50
N_COMMANDS = 2000

commands = stackless.channel()      # I/O thread -> simulation thread


def io_thread(sock):
    with sock.makefile('r') as lines:
        for line in lines:
            commands.send(line.split())
    commands.send(None)             # the socket closed


def actor(inbox, state):
    while True:
        cmd = inbox.receive()
        if cmd is None:
            return
        state['moves'] += int(cmd)


def simulation(results):
    inboxes, states = [], []
    for _ in range(N_ACTORS):
        inbox, state = stackless.channel(), {'moves': 0}
        inbox.preference = 1        # the dispatcher goes on sending
        stackless.tasklet(actor)(inbox, state)
        inboxes.append(inbox)
        states.append(state)

    done = stackless.channel()

    def dispatcher():
        while True:
            cmd = commands.receive()    # sleeps until the I/O thread sends
            if cmd is None:
                break
            who, amount = cmd
            inboxes[int(who)].send(amount)
        for inbox in inboxes:
            inbox.send(None)
        done.send(None)
    stackless.tasklet(dispatcher)()
    # Not stackless.run(): it returns as soon as every tasklet of this
    # thread waits.  Blocked on a channel, main lets the thread sleep
    # until the I/O thread wakes it.
    done.receive()
    results.extend(s['moves'] for s in states)


def main():
    reader, writer = socket.socketpair()
    results = []
    sim = threading.Thread(target=simulation, args=(results,))
    io = threading.Thread(target=io_thread, args=(reader,))
    sim.start()
    io.start()
    expected = [0] * N_ACTORS
    with writer, writer.makefile('w') as out:
        for i in range(N_COMMANDS):
            who, amount = i % N_ACTORS, i % 7
            expected[who] += amount
            out.write('%d %d\n' % (who, amount))
    io.join()
    sim.join()
    reader.close()
    for who in range(0, N_ACTORS, 10):
        print('actor %2d moved %d' % (who, results[who]))
    if results == expected:
        print('all commands handled')
    else:
        print('MISMATCH', results, expected)


if __name__ == '__main__':
    main()
