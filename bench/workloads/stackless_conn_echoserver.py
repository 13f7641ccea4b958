"""Echo server for bench/aio.py: a tasklet per connection on the blocking
connection API of stackless.aio.

aio.start_server() accepts on the asyncio loop and runs serve(conn), a
plain function, in a new tasklet for each connection; conn.readline()
and conn.send() block that tasklet only.  No streams, futures or tasks
in between: the Connection is the transport's protocol.
"""
import echoserver_common as common
from stackless import aio


def serve(conn):
    # aio.start_server() closes conn when this returns.
    while True:
        line = conn.readline()
        if not line:
            break
        conn.send(line)


if __name__ == "__main__":
    opts = common.setup(__doc__)
    aio.run(common.serve_forever(aio.start_server, serve, opts))
