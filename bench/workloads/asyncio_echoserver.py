"""Echo server for bench/aio.py: plain asyncio, a task per connection on
streams (the handler asyncio.start_server() runs for each connection)."""
import asyncio

import echoserver_common as common


async def serve(reader, writer):
    while True:
        line = await reader.readline()
        if not line:
            break
        writer.write(line)
        await writer.drain()
    writer.close()


if __name__ == "__main__":
    opts = common.setup(__doc__)
    asyncio.run(common.serve_forever(asyncio.start_server, serve, opts))
