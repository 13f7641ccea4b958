"""Richards: Martin Richards' operating-system scheduler simulation.

A from-scratch Python rendering of the classic benchmark: six tasks (idle,
worker, two handlers, two devices) exchange packets under a priority
scheduler. Object-attribute and method-call heavy; never touches tasks.
--size is the number of simulations (each with the standard count of
10000 idle steps, whose packet/hold counts are checked).
"""
import benchlib as bl

# Task ids and packet kinds as in the original.
IDLE, WORKER, HANDLER_A, HANDLER_B, DEVICE_A, DEVICE_B = range(1, 7)
KIND_DEVICE, KIND_WORK = 1000, 1001
DATA_LEN = 4          # letters a work packet carries
ALPHABET = "0ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# Task state bits.
PACKET_PENDING, WAITING, HELD = 1, 2, 4


class Packet:
    __slots__ = ("link", "ident", "kind", "datum", "data")

    def __init__(self, link, ident, kind):
        self.link = link
        self.ident = ident
        self.kind = kind
        self.datum = 0
        self.data = [0] * DATA_LEN


def append_packet(packet, queue):
    """Append packet to the linked list starting at queue; return the head."""
    packet.link = None
    if queue is None:
        return packet
    tail = queue
    while tail.link is not None:
        tail = tail.link
    tail.link = packet
    return queue


class Task:
    __slots__ = ("link", "ident", "priority", "queue", "state", "v1", "v2",
                 "body", "system")

    def __init__(self, system, ident, priority, queue, state, body, v1, v2):
        self.system = system
        self.ident = ident
        self.priority = priority
        self.queue = queue
        self.state = state
        self.body = body
        self.v1 = v1
        self.v2 = v2
        self.link = system.tasks
        system.tasks = self
        system.table[ident] = self


class System:
    def __init__(self):
        self.tasks = None
        self.table = [None] * 7
        self.current = None
        self.packets_queued = 0
        self.holds = 0

    # -- scheduler primitives (the task bodies return the next task) --

    def wait(self):
        self.current.state |= WAITING
        return self.current

    def hold_self(self):
        self.holds += 1
        self.current.state |= HELD
        return self.current.link

    def release(self, ident):
        task = self.table[ident]
        task.state &= ~HELD
        if task.priority > self.current.priority:
            return task
        return self.current

    def queue_packet(self, packet):
        task = self.table[packet.ident]
        self.packets_queued += 1
        packet.link = None
        packet.ident = self.current.ident
        if task.queue is None:
            task.queue = packet
            task.state |= PACKET_PENDING
            if task.priority > self.current.priority:
                return task
        else:
            append_packet(packet, task.queue)
        return self.current

    # -- task bodies --

    def idle(self, task, packet):
        task.v2 -= 1
        if task.v2 == 0:
            return self.hold_self()
        if task.v1 & 1 == 0:
            task.v1 = (task.v1 >> 1) & 0x7FFF
            return self.release(DEVICE_A)
        task.v1 = ((task.v1 >> 1) & 0x7FFF) ^ 0xD008
        return self.release(DEVICE_B)

    def worker(self, task, packet):
        if packet is None:
            return self.wait()
        task.v1 = HANDLER_A + HANDLER_B - task.v1
        packet.ident = task.v1
        packet.datum = 0
        data = packet.data
        letter = task.v2
        for i in range(DATA_LEN):
            letter += 1
            if letter > 26:
                letter = 1
            data[i] = ALPHABET[letter]
        task.v2 = letter
        return self.queue_packet(packet)

    def handler(self, task, packet):
        # v1 holds queued work packets, v2 queued device packets.
        if packet is not None:
            if packet.kind == KIND_WORK:
                task.v1 = append_packet(packet, task.v1)
            else:
                task.v2 = append_packet(packet, task.v2)
        work = task.v1
        if work is not None:
            count = work.datum
            if count >= DATA_LEN:
                task.v1 = work.link
                return self.queue_packet(work)
            device = task.v2
            if device is not None:
                task.v2 = device.link
                device.datum = work.data[count]
                work.datum = count + 1
                return self.queue_packet(device)
        return self.wait()

    def device(self, task, packet):
        if packet is None:
            if task.v1 is None:
                return self.wait()
            pending, task.v1 = task.v1, None
            return self.queue_packet(pending)
        task.v1 = packet
        return self.hold_self()

    def schedule(self):
        task = self.tasks
        while task is not None:
            state = task.state
            if state & HELD or state == WAITING:
                task = task.link
                continue
            packet = None
            if state == WAITING | PACKET_PENDING:
                packet = task.queue
                task.queue = packet.link
                task.state = PACKET_PENDING if task.queue else 0
            self.current = task
            task = task.body(task, packet)


def simulate(count=10000):
    s = System()
    Task(s, IDLE, 0, None, 0, s.idle, 1, count)
    work = Packet(Packet(None, 0, KIND_WORK), 0, KIND_WORK)
    Task(s, WORKER, 1000, work, WAITING | PACKET_PENDING, s.worker,
         HANDLER_A, 0)
    work = None
    for _ in range(3):
        work = Packet(work, DEVICE_A, KIND_DEVICE)
    Task(s, HANDLER_A, 2000, work, WAITING | PACKET_PENDING, s.handler,
         None, None)
    work = None
    for _ in range(3):
        work = Packet(work, DEVICE_B, KIND_DEVICE)
    Task(s, HANDLER_B, 3000, work, WAITING | PACKET_PENDING, s.handler,
         None, None)
    Task(s, DEVICE_A, 4000, None, WAITING, s.device, None, None)
    Task(s, DEVICE_B, 5000, None, WAITING, s.device, None, None)
    s.schedule()
    return s.packets_queued, s.holds


def main():
    opts = bl.options(__doc__)
    runs = opts.size or 30
    t0 = bl.clock()
    for _ in range(runs):
        counts = simulate()
    seconds = bl.clock() - t0
    # The published check values for 10000 idle steps.
    if counts != (23246, 9297):
        raise SystemExit("richards: wrong result %r" % (counts,))
    bl.result("time", seconds, "s", size=runs)


main()
