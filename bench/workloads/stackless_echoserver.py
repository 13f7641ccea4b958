"""Echo server for bench/aio.py: a tasklet per connection, on asyncio
streams, in blocking style (as examples/chat_server.py serves clients).

asyncio.start_server() accepts; its callback hands the streams to a new
tasklet, which loops on aio.wait(reader.readline()).
"""
import asyncio

import echoserver_common as common
from stackless import aio


def serve(reader, writer):
    while True:
        line = aio.wait(reader.readline())
        if not line:
            break
        writer.write(line)
        aio.wait(writer.drain())
    writer.close()


async def on_connect(reader, writer):
    aio.start(serve, reader, writer)


if __name__ == "__main__":
    opts = common.setup(__doc__)
    aio.run(common.serve_forever(asyncio.start_server, on_connect, opts))
