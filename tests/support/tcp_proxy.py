"""A loopback TCP forwarder that a test can cut and restore: a server outage as the services see it
(connections drop, new ones are refused), without stopping the machine's RabbitMQ or PostgreSQL."""

import eventlet
import eventlet.greenthread


class _Pair:
    """One proxied connection. Ended exactly once: pumps stopped first, then sockets closed,
    so no greenthread is left waiting on a file descriptor the OS may hand to someone else."""

    def __init__(self, client, server):
        self.sockets = (client, server)
        self.pumps = []
        self.ended = False

    def end(self):
        if self.ended:
            return
        self.ended = True
        current = eventlet.greenthread.getcurrent()
        for pump in self.pumps:
            if pump is not current:
                pump.kill()
        for sock in self.sockets:
            sock.close()


class TcpProxy:
    """Cut: every proxied connection drops and the port stops listening, so new connections are
    refused, as when the server is down. Restore: it listens on the same port again."""

    def __init__(self, upstream_host, upstream_port):
        self.upstream = (upstream_host, upstream_port)
        self.listener = eventlet.listen(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = True
        self._pairs = set()
        self._acceptor = eventlet.spawn(self._accept_loop, self.listener)

    def _accept_loop(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # the listener was closed by a cut
                return
            try:
                server = eventlet.connect(self.upstream)
            except OSError:
                client.close()
                continue
            pair = _Pair(client, server)
            self._pairs.add(pair)
            pair.pumps = [
                eventlet.spawn(self._pump, pair, client, server),
                eventlet.spawn(self._pump, pair, server, client),
            ]

    def _pump(self, pair, source, target):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                target.sendall(data)
        except OSError:
            pass
        self._pairs.discard(pair)
        pair.end()

    def cut(self):
        if self.open:
            self.open = False
            self._acceptor.kill()
            self.listener.close()
        for pair in list(self._pairs):
            self._pairs.discard(pair)
            pair.end()

    def restore(self):
        if not self.open:
            self.listener = eventlet.listen(("127.0.0.1", self.port))
            self._acceptor = eventlet.spawn(self._accept_loop, self.listener)
            self.open = True

    def close(self):
        self.cut()
