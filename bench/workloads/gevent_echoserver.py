"""Echo server for bench/aio.py: gevent's StreamServer, a greenlet per
connection with blocking socket calls (as gevent's own echoserver example:
readline() on the socket's makefile(), sendall() the reply)."""
import echoserver_common as common

try:
    from gevent.server import StreamServer
except ImportError as exc:
    print("SKIP reason=gevent missing (%s)" % exc)
    raise SystemExit(0)


def serve(sock, address):
    rfile = sock.makefile("rb")
    while True:
        line = rfile.readline()
        if not line:
            break
        sock.sendall(line)
    rfile.close()
    sock.close()


if __name__ == "__main__":
    opts = common.setup(__doc__)
    server = StreamServer((common.HOST, opts.port), serve,
                          backlog=opts.backlog)
    server.start()
    common.ready(server.server_port)
    server.serve_forever()
