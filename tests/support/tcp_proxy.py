"""A loopback TCP forwarder that a test can cut and restore: a broker outage as the services
see it (connections drop, new ones are refused), without stopping the machine's RabbitMQ."""
import socket

import eventlet


class TcpProxy:
    def __init__(self, upstream_host, upstream_port):
        self.upstream = (upstream_host, upstream_port)
        self.listener = eventlet.listen(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = True
        self._sockets = set()
        self._acceptor = eventlet.spawn(self._accept_loop)

    def _accept_loop(self):
        while True:
            client, _ = self.listener.accept()
            if not self.open:
                client.close()
                continue
            try:
                server = eventlet.connect(self.upstream)
            except OSError:
                client.close()
                continue
            self._sockets.update((client, server))
            eventlet.spawn(self._pump, client, server)
            eventlet.spawn(self._pump, server, client)

    def _pump(self, source, target):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                self._close(sock)

    def _close(self, sock):
        self._sockets.discard(sock)
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()

    def cut(self):
        self.open = False
        for sock in list(self._sockets):
            self._close(sock)

    def restore(self):
        self.open = True

    def close(self):
        self.cut()
        self._acceptor.kill()
        self.listener.close()
