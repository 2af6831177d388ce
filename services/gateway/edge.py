"""The gateway's HTTP server: what happens to a connection before a Nameko worker is involved.

A slow or hostile client must never hold what other councils need. So, before a request reaches a
worker (of which a container has `max_workers`):

- a kept-alive connection may sit idle JOUDA_HTTP_IDLE_SECONDS; once a request starts, its request
  line and headers must arrive within JOUDA_HTTP_HEADER_SECONDS, and its body (read here, plain or
  chunked, at most 1 MiB) within JOUDA_HTTP_BODY_SECONDS: a worker only ever sees a whole request.
  A sweep every half second lets go the connections that overstayed (no timer per request);
- at most JOUDA_HTTP_MAX_CONNECTIONS connections are open (fewer if the process may not open that
  many files); when a new one arrives at the limit, the connection that has waited longest for a
  request is closed to make room, and if every connection is busy the newcomer is answered 503;
- `/healthz` and `/readyz` are answered here, never waiting for a worker;
- every answer, even to a request too malformed to route, is a JSON error envelope, and every
  response carries `X-Content-Type-Options: nosniff` and `Cache-Control: no-store`.
"""

import contextlib
import io
import json
import logging
import resource
import socket
import time
from functools import partial

import eventlet
from eventlet.wsgi import STATE_CLOSE, STATE_IDLE, FileObjectForHeaders, HeaderLineTooLong, HeadersTooLarge
from kombu import Connection
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import HttpOnlyProtocol, WebServer
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.wrappers import Request, Response

from jouda.shared.nameko_ext import ServiceDatabase, settings_of

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
RPC_WAIT_SECONDS = 15  # how long the gateway waits for a service's answer (see api.call)
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FILES_KEPT_FREE = 200  # descriptors left for the database, the broker and logs when connections are bounded
PROBE_SECONDS = 3
# On every answer: nothing sniffed, stored, or referred on; and a policy for the web app to come, whose
# pages run only the scripts and styles Jouda serves itself (no inline script) and are framed by nobody.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Cache-Control", "no-store"),
    # same-origin, not no-referrer: with no-referrer a browser posts a page's form with `Origin: null`,
    # which the CSRF check must refuse; nothing is ever sent to another site either way.
    ("Referrer-Policy", "same-origin"),
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
)
RETRY_AFTER_SECONDS = "5"


def json_response(status, data, headers=None):
    return Response(json.dumps(data, ensure_ascii=False), status=status, headers=headers, mimetype="application/json")


def envelope(code, message, details=None):
    return {"error": {"code": code, "message": message, "details": details or {}}}


def error_response(status, code, message, details=None, headers=None):
    return json_response(status, envelope(code, message, details), headers)


def raw_error(status, reason, code, message, extra=()):
    """A whole HTTP/1.1 error response as bytes, for what is answered before any routing; the
    connection is closed after it."""
    body = json.dumps(envelope(code, message)).encode()
    headers = [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
        ("Connection", "close"),
        *SECURITY_HEADERS,
        *extra,
    ]
    head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    return head.encode("latin-1") + body


OVERLOADED = raw_error(
    503,
    "Service Unavailable",
    "overloaded",
    "Jouda is answering as many people as it can right now; please try again in a moment.",
    [("Retry-After", "1")],
)


def client_address(environ, trusted_hops):
    """The client's address: the peer's, or behind `trusted_hops` proxies the address the outermost
    trusted proxy saw (each proxy appends the address it received the request from)."""
    if trusted_hops > 0:
        forwarded = [part.strip() for part in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= trusted_hops:
            return forwarded[-trusted_hops]
    return environ.get("REMOTE_ADDR", "")


IDLE, HEAD, BODY, BUSY = "idle", "head", "body", "busy"  # a connection waits, then sends, then is answered
SWEEP_SECONDS = 0.5


class OpenConnection:
    """What the server knows of one connection: where it is, since when, and whether it overstayed."""

    __slots__ = ("conn_state", "phase", "since", "timed_out")

    def __init__(self, conn_state):
        self.conn_state, self.phase, self.since, self.timed_out = conn_state, IDLE, time.monotonic(), False

    def enter(self, phase):
        self.phase, self.since = phase, time.monotonic()

    def end(self, how=socket.SHUT_RDWR):
        """Ends the client's side: its reader sees an end of file, as if the client had left."""
        try:
            self.conn_state[1].shutdown(how)
        except OSError:
            pass


class EdgeProtocol(HttpOnlyProtocol):
    """One connection: reads each request's line and headers, refuses what cannot be a request with a
    JSON envelope, and tells the server which phase it is in. The deadlines are the server's (see
    GatewayWebServer.sweep): no timer per request or per socket operation."""

    def handle_one_request(self):
        connection = self.server.edge.connection(self.conn_state)
        connection.enter(IDLE)
        if not self._request_started():
            self.close_connection = 1
            return
        connection.enter(HEAD)
        if not self._read_request_head():
            if connection.timed_out:
                self._refuse_late()
            return
        if connection.timed_out:  # the headers stopped coming (what was read is not a whole request)
            self._refuse_late()
            return
        if not self._length_is_sound():
            return
        connection.enter(BODY)
        self.environ = self.get_environ()
        self.environ["jouda.connection"] = connection
        self.environ["jouda.close_connection"] = self._close_after_response
        self.application = self.server.app
        self.server.outstanding_requests += 1
        try:
            self.handle_one_response()
        except OSError as exc:  # the client went away, or was let go while not reading its answer
            log.debug("connection ended while answering: %s", exc)
            self.close_connection = 1
        finally:
            self.server.outstanding_requests -= 1

    def _close_after_response(self):
        """For an answer that leaves the request's body unread: the connection cannot be reused."""
        self.close_connection = 1

    def _request_started(self):
        """Waits for the first byte of the next request (the server ends a connection idle too long)."""
        try:
            return bool(self.rfile.peek(1))
        except (OSError, ValueError):  # reset, or closed
            return False

    def _read_request_head(self):
        self.raw_requestline = self.rfile.readline(self.server.url_length_limit)
        if not self.raw_requestline:
            return False
        if len(self.raw_requestline) >= self.server.url_length_limit:
            self._refuse(414, "URI Too Long", "uri_too_long", "The request's address is too long.")
            return False
        plain = self.rfile
        self.rfile = FileObjectForHeaders(plain)
        try:
            return self.parse_request()  # on a bad request line it answers through send_error
        except (HeaderLineTooLong, HeadersTooLarge):
            self._refuse(
                431, "Request Header Fields Too Large", "headers_too_large", "The request's headers are too large."
            )
            return False
        finally:
            self.rfile = plain

    def _length_is_sound(self):
        length, chunked = self.headers.get("content-length"), self.headers.get("transfer-encoding")
        if length is not None and (not length.isdigit() or chunked is not None):
            self._refuse(
                400,
                "Bad Request",
                "bad_request",
                "Content-Length must be a whole number, and cannot come with Transfer-Encoding.",
            )
            return False
        return True

    def send_error(self, code, message=None, explain=None):
        """What parse_request answers to a request line or version it cannot read."""
        if self.server.edge.connection(self.conn_state).timed_out:
            self._refuse_late()
            return
        self._refuse(
            code,
            self.responses.get(code, ("Error",))[0],
            "bad_request",
            f"This is not an HTTP request Jouda can read ({message or code}).",
        )

    def _refuse_late(self):
        self._refuse(
            408,
            "Request Timeout",
            "request_timeout",
            "The request's headers did not arrive in time; send them at once.",
        )

    def _refuse(self, status, reason, code, message):
        self.close_connection = 1
        try:
            self.wfile.write(raw_error(status, reason, code, message))
            self.wfile.flush()
        except OSError:
            pass


class GatewayWebServer(WebServer):
    """Nameko's web server with the edge's limits (see the module's docstring)."""

    service_database = ServiceDatabase()

    def setup(self):
        settings = settings_of(self.container)
        self.settings = settings
        self.max_connections = connection_limit(settings.http_max_connections)
        # How long each phase may last: waiting for a request, sending its headers, sending its body,
        # and being answered (the gateway's wait for a service, then writing to a client that may
        # have stopped reading).
        self.deadlines = {
            IDLE: settings.http_idle_seconds,
            HEAD: settings.http_header_seconds,
            BODY: settings.http_body_seconds,
            BUSY: RPC_WAIT_SECONDS + settings.http_body_seconds,
        }
        self._open = {}  # id(conn_state) -> OpenConnection

    def start(self):
        super().start()
        self.container.spawn_managed_thread(self._sweep_forever, identifier="http-deadlines")

    def get_wsgi_server(self, sock, wsgi_app, protocol=EdgeProtocol, debug=False):
        server = super().get_wsgi_server(sock, wsgi_app, protocol=protocol, debug=debug)
        server.edge = self
        return server

    def get_wsgi_app(self):
        return EdgeApp(self)

    def connection(self, conn_state):
        return self._open.get(id(conn_state)) or OpenConnection(conn_state)

    def run(self):
        while self._is_accepting:
            try:
                sock, address = self._sock.accept()
            except OSError as exc:  # out of descriptors, say: wait a little, never stop serving
                log.warning("cannot accept a connection (%s); retrying", exc)
                eventlet.sleep(0.1)
                continue
            if len(self._open) >= self.max_connections and not self._evict_one():
                self._shed(sock)
                continue
            # An answer over eventlet's 16 KiB write buffer leaves in two sends; with Nagle's algorithm
            # the second waits for the client to acknowledge the first, which clients delay (~40 ms).
            with contextlib.suppress(OSError):  # gone already: serving it will find out
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn_state = [address, sock, STATE_IDLE]
            self._open[id(conn_state)] = OpenConnection(conn_state)
            self.container.spawn_managed_thread(partial(self._serve, conn_state))

    def _serve(self, conn_state):
        try:
            self._serv.process_request(conn_state)
        except Exception as exc:  # noqa: BLE001 - one connection's trouble never stops the container
            log.debug("connection %s ended: %s", conn_state[0], exc)
        finally:
            self._open.pop(id(conn_state), None)
            conn_state[2] = STATE_CLOSE
            try:
                conn_state[1].close()
            except OSError:
                pass

    def _evict_one(self):
        """Ends the connection that has waited longest without a request handed to a worker (idle,
        or still sending its request); False if every connection is busy."""
        waiting = [connection for connection in self._open.values() if connection.phase != BUSY]
        if not waiting:
            return False
        oldest = min(waiting, key=lambda connection: connection.since)
        self._open.pop(id(oldest.conn_state), None)
        oldest.end()
        return True

    def _sweep_forever(self):
        while self._is_accepting:
            eventlet.sleep(SWEEP_SECONDS)
            self.sweep(time.monotonic())

    def sweep(self, now):
        """Lets go every connection that overstayed its phase. One still sending its request keeps
        its writing side, so that it is told why (408)."""
        for connection in list(self._open.values()):
            if not connection.timed_out and now - connection.since > self.deadlines[connection.phase]:
                connection.timed_out = True
                connection.end(socket.SHUT_RD if connection.phase in (HEAD, BODY) else socket.SHUT_RDWR)

    @staticmethod
    def _shed(sock):
        try:
            sock.settimeout(1)
            sock.sendall(OVERLOADED)
        except OSError:
            pass
        finally:
            sock.close()

    @property
    def open_connections(self):
        return len(self._open)

    # --- probes, answered without a worker ------------------------------------------------------
    def readiness(self):
        checks = {
            "database": self._check(self.service_database.database.ping),
            "broker": self._check(self._broker_answers),
        }
        return all(value == "ok" for value in checks.values()), checks

    def _broker_answers(self):
        with Connection(self.settings.amqp_uri, connect_timeout=2) as connection:
            connection.ensure_connection(max_retries=1)

    @staticmethod
    def _check(probe):
        try:
            with eventlet.Timeout(PROBE_SECONDS):
                probe()
            return "ok"
        except (Exception, eventlet.Timeout) as exc:  # noqa: BLE001 - reported, not raised
            return f"unavailable: {type(exc).__name__}"


def connection_limit(wanted):
    """`wanted`, or fewer when the process may not open that many files. The soft limit is raised
    to the hard one first (the usual 1,024 is too few for a gateway)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    if soft != resource.RLIM_INFINITY and wanted > soft - FILES_KEPT_FREE:
        bounded = max(10, soft - FILES_KEPT_FREE)
        log.warning("at most %d open connections: this process may open %d files", bounded, soft)
        return bounded
    return wanted


class BodyTooLarge(Exception):
    pass


class EdgeApp:
    """The WSGI application: probes, routing with JSON errors, the body read before a worker is held."""

    def __init__(self, server):
        self.server = server
        self.url_map = server.make_url_map()

    def __call__(self, environ, start_response):
        start_response = partial(_with_security_headers, start_response)
        try:
            response = self._respond(environ)
        except Exception:  # noqa: BLE001 - never a traceback, never a page outside the envelope
            log.exception("the gateway failed on %s %s", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"))
            response = error_response(500, "internal_error", "Something went wrong on our side; it was logged.")
        return response(environ, start_response)

    def _respond(self, environ):
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        if path == "/healthz":
            return json_response(200, {"status": "ok"})
        if path == "/readyz":
            ready, checks = self.server.readiness()
            return json_response(200 if ready else 503, {"status": "ready" if ready else "not_ready", "checks": checks})
        adapter = self.url_map.bind_to_environ(environ)
        if method == "OPTIONS":
            allowed = sorted(set(adapter.allowed_methods()) - {"OPTIONS"})
            if not allowed:
                return _not_found(path)
            return Response(status=204, headers={"Allow": ", ".join(allowed)})
        try:
            provider, values = adapter.match()
        except NotFound:
            return _not_found(path)
        except MethodNotAllowed as refused:
            allowed = sorted(set(refused.valid_methods or ()) - {"HEAD", "OPTIONS"})
            return error_response(
                405,
                "method_not_allowed",
                f"{path} does not accept {method}; it accepts {', '.join(allowed)}.",
                {"allowed_methods": allowed},
                headers={"Allow": ", ".join(allowed)},
            )
        refused = self._read_body(environ)
        if refused is not None:
            environ["jouda.close_connection"]()
            return refused
        environ["jouda.connection"].enter(BUSY)  # handed to a worker: no longer one to let go first
        request = Request(environ, shallow=True)
        request.path_values = values
        return provider.handle_request(request)

    def _read_body(self, environ):
        """Reads the whole body here, in the connection's own green thread (plain or chunked), so
        that a worker never waits on a client. Returns an error response, or None."""
        environ["jouda.body"] = b""
        if environ.get("REQUEST_METHOD") not in BODY_METHODS:
            return None
        length = environ.get("CONTENT_LENGTH")
        if length and int(length) > MAX_BODY_BYTES:
            return _too_large()
        connection = environ["jouda.connection"]
        try:
            raw = environ["wsgi.input"].read(MAX_BODY_BYTES + 1)
        except (ValueError, OSError):  # a chunked body that is not well formed, or cut short
            raw = None
        if connection.timed_out:  # the server let it go: the body stopped coming
            return error_response(
                408, "request_timeout", "The request's body did not arrive in time; nothing was changed."
            )
        if raw is None:
            return error_response(400, "bad_request", "The request's chunked body is not well formed.")
        if len(raw) > MAX_BODY_BYTES:
            return _too_large()
        if length and len(raw) < int(length):  # the client left before sending it all
            return error_response(400, "bad_request", "The request's body ended before its Content-Length.")
        environ["jouda.body"] = raw
        environ["wsgi.input"] = io.BytesIO(raw)
        environ["CONTENT_LENGTH"] = str(len(raw))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        return None


def _too_large():
    return error_response(413, "body_too_large", "The request body is over 1 MiB.")


def _not_found(path):
    return error_response(404, "not_found", f"There is no resource at {path}; see /api/v1/openapi.json.")


def _with_security_headers(start_response, status, headers, exc_info=None):
    present = {name.lower() for name, _ in headers}
    headers = list(headers) + [(name, value) for name, value in SECURITY_HEADERS if name.lower() not in present]
    if status.startswith("503") and "retry-after" not in present:
        headers.append(("Retry-After", RETRY_AFTER_SECONDS))
    return start_response(status, headers, exc_info)


class EdgeHttp(HttpRequestHandler):
    """`@http` of the gateway: its entrypoints are served by GatewayWebServer."""

    server = GatewayWebServer()


http = EdgeHttp.decorator

__all__ = ["http", "GatewayWebServer", "EdgeApp", "json_response", "error_response", "client_address", "MAX_BODY_BYTES"]
