"""What the echo servers of bench/aio.py share (any Python >= 3.9).

Each server script listens on 127.0.0.1 on a free port, prints
"READY port=<port>" and echoes every line it reads on every connection,
until it is killed.  bench/workloads/echoclient.py is the load.
"""

import argparse
import resource
import sys

HOST = "127.0.0.1"


def setup(description):
    """Parse the options (--port, --backlog) and raise the descriptor
    limit; every server's first step."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--backlog", type=int, default=4096)
    opts = p.parse_args()
    raise_fd_limit()
    return opts


def raise_fd_limit():
    """Soft RLIMIT_NOFILE up to the hard limit: 10k connections need 10k
    descriptors in each process."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def ready(port):
    print("READY port=%d" % port)
    sys.stdout.flush()


async def serve_forever(start_server, handler, opts):
    """For the servers on an asyncio loop: listen with
    ``await start_server(handler, HOST, port, backlog=...)``
    (asyncio.start_server or stackless.aio.start_server), say READY and
    serve until killed."""
    import asyncio
    server = await start_server(handler, HOST, opts.port,
                                backlog=opts.backlog)
    ready(server.sockets[0].getsockname()[1])
    await asyncio.get_running_loop().create_future()    # until killed
