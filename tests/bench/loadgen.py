"""Small, dependency-free HTTP/1.1 load generator for loopback benchmarks.

Load is generated from separate *processes* (fresh interpreters started
with ``subprocess`` that import only this module and talk to the parent via
``multiprocessing.connection`` over a socketpair), so the client never
shares a GIL -- or an eventlet hub -- with the Python server under test.  Each worker process drives its
share of the clients with a single ``selectors`` loop over non-blocking raw
sockets:

* every client owns one persistent HTTP/1.1 keep-alive connection and keeps
  exactly one request in flight (closed-loop load, like ``wrk``);
* the request is pre-built bytes; responses are framed with Content-Length
  (chunked and close-delimited bodies are handled too, but slower);
* a connection that fails, is closed by the server unexpectedly, or does not
  answer within ``timeout`` seconds (default 5 s) is counted as an error and
  replaced by a fresh connection.

Timeline: all workers share one start instant.  Requests completing during
the first ``warmup`` seconds are discarded; requests completing during the
next ``duration`` seconds are recorded.  Latency samples from all processes
are merged in the parent and percentiles are computed exactly (nearest-rank)
from all samples.  The parent stops waiting at ``duration + warmup + timeout
+ margin`` and terminates any worker that has not reported, so a hung server
cannot hang the benchmark.

``requests`` counts completed HTTP responses (any status); ``errors`` counts
non-2xx responses plus transport failures/timeouts; latency percentiles are
computed over all completed responses.

Self-check::

    python -m tests.bench.loadgen                 # against a built-in toy server
    python -m tests.bench.loadgen http://127.0.0.1:8000/path -c 20 -d 5
"""

from __future__ import annotations

import argparse
import errno
import math
import multiprocessing
import multiprocessing.connection
import os
import selectors
import socket
import subprocess
import sys
import time
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["LoadResult", "run_load", "format_result"]

#: Per-request / per-connect socket timeout, seconds.
DEFAULT_TIMEOUT = 5.0
#: Extra slack the parent grants workers after the run before killing them.
STOP_MARGIN = 3.0
#: Upper bound on how long worker processes may take to start up.
STARTUP_TIMEOUT = 30.0


@dataclass
class LoadResult:
    requests: int
    errors: int
    duration_seconds: float
    requests_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    clients: int = 0
    processes: int = 0
    #: errors by kind: "http 500", "timeout", "connect", "closed", ...
    error_kinds: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------
# request building / response framing
# ---------------------------------------------------------------------------


def _build_request(url, headers, method="GET", body=None):
    parts = urlsplit(url)
    if parts.scheme != "http":
        raise ValueError(f"only plain http:// URLs are supported, got {url!r}")
    host = parts.hostname or "127.0.0.1"
    port = parts.port or 80
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    hdrs = {"Host": f"{host}:{port}", "User-Agent": "bench-loadgen", "Accept": "*/*"}
    if headers:
        items = headers.items() if hasattr(headers, "items") else headers
        for k, v in items:
            hdrs[str(k)] = str(v)
    if body is not None:
        if isinstance(body, str):
            body = body.encode("utf-8")
        hdrs["Content-Length"] = str(len(body))
    else:
        body = b""
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items()) + "\r\n"
    return host, port, head.encode("latin-1") + body


class _Incomplete(Exception):
    pass


def _parse_chunked(buf, start):
    """Return end offset of a complete chunked body starting at ``start``."""
    pos = start
    while True:
        eol = buf.find(b"\r\n", pos)
        if eol < 0:
            raise _Incomplete
        size = int(bytes(buf[pos:eol]).split(b";", 1)[0], 16)
        pos = eol + 2
        if size == 0:
            # trailers end with an empty line
            end = buf.find(b"\r\n", pos)
            while end >= 0 and end != pos:
                pos = end + 2
                end = buf.find(b"\r\n", pos)
            if end < 0:
                raise _Incomplete
            return end + 2
        pos += size + 2
        if pos > len(buf):
            raise _Incomplete


def _parse_response(buf):
    """Frame one response at the start of ``buf``.

    Returns ``(consumed, status, close_after)``; ``consumed`` is -1 for a
    close-delimited body.  Raises _Incomplete if more bytes are needed.
    """
    hend = buf.find(b"\r\n\r\n")
    if hend < 0:
        raise _Incomplete
    head = bytes(buf[:hend]).lower()
    status = int(head[9:12])
    close = b"\r\nconnection: close" in head or (
        head.startswith(b"http/1.0") and b"\r\nconnection: keep-alive" not in head
    )
    i = head.find(b"\r\ncontent-length:")
    if i >= 0:
        e = head.find(b"\r\n", i + 17)
        n = int(head[i + 17 : e if e >= 0 else len(head)])
        total = hend + 4 + n
        if len(buf) < total:
            raise _Incomplete
        return total, status, close
    if b"\r\ntransfer-encoding:" in head and b"chunked" in head:
        return _parse_chunked(buf, hend + 4), status, close
    if 100 <= status < 200 or status in (204, 304):
        return hend + 4, status, close
    return -1, status, True  # body runs until the server closes


# ---------------------------------------------------------------------------
# worker process
# ---------------------------------------------------------------------------

_CONNECTING, _SENDING, _READING, _BACKOFF = 0, 1, 2, 3
#: Pause before re-dialling after a failed connect (avoids a hot loop when
#: nothing listens on the port).
CONNECT_BACKOFF = 0.05


class _Client:
    __slots__ = ("sock", "state", "buf", "out", "t_sent")

    def __init__(self):
        self.sock = None
        self.state = _CONNECTING
        self.buf = bytearray()
        self.out = b""
        self.t_sent = 0.0


def _worker_main(fd):
    """Entry point of a worker process; ``fd`` is its end of a socketpair."""
    conn = multiprocessing.connection.Connection(fd)
    try:
        if not conn.poll(STARTUP_TIMEOUT):
            return
        _, host, port, request, nclients, cap, timeout = conn.recv()
        conn.send(("ready", os.getpid()))
        # Wait for the start signal; give up if the parent goes away.
        if not conn.poll(STARTUP_TIMEOUT * 2):
            return
        msg = conn.recv()
        if msg[0] != "go":
            return
        _, t_start, rec_start, rec_end = msg
        conn.send(("result", _drive(host, port, request, nclients, cap, timeout, t_start, rec_start, rec_end)))
    except (BrokenPipeError, ConnectionResetError, EOFError, KeyboardInterrupt):
        pass
    finally:
        conn.close()


_PROJECT_ROOT = str(Path(__file__).resolve().parents[2])
_WORKER_CODE = (
    "import sys; sys.path.insert(0, {root!r}); from tests.bench.loadgen import _worker_main; _worker_main({fd})"
)


def _spawn_worker():
    """Start one worker as a fresh interpreter that imports only this module.

    (Not ``multiprocessing.Process``: its spawn method re-imports the
    caller's ``__main__``, which breaks for ``-c``/stdin scripts and is
    slow for heavy test runners.)
    """
    parent_sock, child_sock = socket.socketpair()
    try:
        fd = child_sock.fileno()
        proc = subprocess.Popen(
            [sys.executable, "-c", _WORKER_CODE.format(root=_PROJECT_ROOT, fd=fd)],
            pass_fds=(fd,),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            close_fds=True,
        )
    except BaseException:
        parent_sock.close()
        raise
    finally:
        child_sock.close()
    return proc, multiprocessing.connection.Connection(parent_sock.detach())


def _reap(proc, grace=1.0):
    try:
        proc.wait(timeout=grace)
        return
    except subprocess.TimeoutExpired:
        pass
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=grace)


def _drive(host, port, request, nclients, cap, timeout, t_start, rec_start, rec_end):
    mono = time.monotonic
    sel = selectors.DefaultSelector()
    EV_R, EV_W = selectors.EVENT_READ, selectors.EVENT_WRITE
    lat = array("d")
    append = lat.append
    errors = 0
    error_kinds = {}
    recorded = 0
    addr = (host, port)
    req_len = len(request)
    stop_at = rec_end

    def record(c, status, now):
        """Count a completed response if it falls in the measured window."""
        nonlocal recorded, errors
        if not rec_start <= now < rec_end:
            return
        recorded += 1
        append(now - c.t_sent)
        if not 200 <= status < 300:
            errors += 1
            kind = f"http {status}"
            error_kinds[kind] = error_kinds.get(kind, 0) + 1

    def fail(c, kind, now):
        nonlocal errors
        if rec_start <= now < rec_end:
            errors += 1
            error_kinds[kind] = error_kinds.get(kind, 0) + 1
        if kind == "connect":
            drop(c)
            c.state = _BACKOFF
            c.t_sent = now + CONNECT_BACKOFF  # retry time
        else:
            reconnect(c, now)

    def drop(c):
        if c.sock is not None:
            try:
                sel.unregister(c.sock)
            except (KeyError, ValueError):
                pass
            c.sock.close()
            c.sock = None

    def reconnect(c, now):
        drop(c)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.setblocking(False)
        c.sock = s
        c.buf.clear()
        c.state = _CONNECTING
        c.t_sent = now
        rc = s.connect_ex(addr)
        if rc == 0:
            send(c, now)
        elif rc in (errno.EINPROGRESS, errno.EAGAIN, errno.EINTR):
            sel.register(s, EV_W, c)
        else:
            fail(c, "connect", now)

    def send(c, now):
        """Start sending the request on a connected (registered?) socket."""
        c.t_sent = now
        try:
            n = c.sock.send(request)
        except (BlockingIOError, InterruptedError):
            n = 0
        except OSError:
            fail(c, "send", now)
            return
        if n == req_len:
            c.state = _READING
            ev = EV_R
        else:
            c.state = _SENDING
            c.out = request[n:]
            ev = EV_W
        try:
            sel.modify(c.sock, ev, c)
        except KeyError:
            sel.register(c.sock, ev, c)

    while mono() < t_start:
        time.sleep(min(0.01, max(0.0, t_start - mono())))

    clients = [_Client() for _ in range(nclients)]
    now = mono()
    for c in clients:
        reconnect(c, now)

    next_check = now + 0.1
    while True:
        now = mono()
        if now >= stop_at:
            break
        for key, _mask in sel.select(min(0.05, stop_at - now)):
            c = key.data
            now = mono()
            st = c.state
            if st == _READING:
                try:
                    data = c.sock.recv(65536)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    fail(c, "recv", now)
                    continue
                buf = c.buf
                if not data:
                    if buf:
                        try:
                            consumed, status, _ = _parse_response(buf)
                        except Exception:
                            consumed = 0
                        if consumed == -1:  # close-delimited body complete
                            record(c, status, now)
                            reconnect(c, now)
                            continue
                    fail(c, "closed", now)
                    continue
                buf += data
                try:
                    consumed, status, close = _parse_response(buf)
                except _Incomplete:
                    continue
                except Exception:
                    fail(c, "bad response", now)
                    continue
                if consumed == -1:
                    continue  # read until EOF
                if 100 <= status < 200 and status != 101:
                    del buf[:consumed]  # interim response, keep reading
                    continue
                if rec_start <= now < rec_end:
                    record(c, status, now)
                    if cap and recorded >= cap:
                        stop_at = now
                        break
                if close or len(buf) != consumed:
                    reconnect(c, now)
                else:
                    buf.clear()
                    send(c, now)
            elif st == _CONNECTING:
                err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    fail(c, "connect", now)
                else:
                    send(c, now)
            else:  # _SENDING
                try:
                    n = c.sock.send(c.out)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    fail(c, "send", now)
                    continue
                c.out = c.out[n:]
                if not c.out:
                    c.state = _READING
                    sel.modify(c.sock, EV_R, c)
        if now >= next_check:
            next_check = now + 0.02
            for c in clients:
                if c.state == _BACKOFF:
                    if now >= c.t_sent:
                        reconnect(c, now)
                elif now - c.t_sent > timeout:
                    fail(c, "timeout", now)

    for c in clients:
        if c.sock is not None:
            c.sock.close()
    sel.close()
    return {
        "requests": recorded,
        "errors": errors,
        "error_kinds": error_kinds,
        "stopped_at": min(stop_at, rec_end),
        "latencies": lat.tobytes(),
    }


# ---------------------------------------------------------------------------
# parent side
# ---------------------------------------------------------------------------


def _percentile(sorted_vals, p):
    """Exact nearest-rank percentile of an already sorted sequence."""
    if not sorted_vals:
        return 0.0
    rank = max(1, math.ceil(p / 100.0 * len(sorted_vals)))
    return sorted_vals[rank - 1]


def _split(total, parts):
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def run_load(
    url,
    *,
    clients=20,
    duration=10.0,
    warmup=2.0,
    headers=None,
    max_requests=None,
    processes=None,
    timeout=DEFAULT_TIMEOUT,
    method="GET",
    body=None,
):
    """Drive ``url`` with ``clients`` keep-alive connections and measure.

    ``clients`` connections are spread over ``processes`` worker processes
    (default: 2, or fewer if there are fewer clients).  The run lasts
    ``warmup + duration`` seconds; only responses completing inside the
    ``duration`` window are recorded.  ``max_requests`` (optional) ends the
    recorded window early once that many responses have been recorded in
    total (split evenly across processes).  Returns a :class:`LoadResult`;
    ``duration_seconds`` is the actually measured window.
    """
    if clients < 1:
        raise ValueError("clients must be >= 1")
    if duration <= 0:
        raise ValueError("duration must be > 0")
    host, port, request = _build_request(url, headers, method, body)
    nproc = max(1, min(processes or 2, clients))
    shares = _split(clients, nproc)
    caps = _split(max_requests, nproc) if max_requests else [0] * nproc
    if max_requests:
        caps = [c if c > 0 else 1 for c in caps]

    procs, pipes = [], []
    try:
        for share, cap in zip(shares, caps):
            p, pc = _spawn_worker()
            procs.append(p)
            pipes.append(pc)
            pc.send(("args", host, port, request, share, cap, timeout))

        deadline = time.monotonic() + STARTUP_TIMEOUT
        pending = set(pipes)
        while pending:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError("load generator workers did not start")
            for r in multiprocessing.connection.wait(list(pending), left):
                try:
                    r.recv()
                except EOFError:
                    raise RuntimeError("load generator worker died during start-up") from None
                pending.discard(r)

        t_start = time.monotonic() + 0.05
        rec_start = t_start + max(0.0, warmup)
        rec_end = rec_start + duration
        for pc in pipes:
            pc.send(("go", t_start, rec_start, rec_end))

        results = []
        hard_stop = rec_end + timeout + STOP_MARGIN
        pending = set(pipes)
        while pending:
            left = hard_stop - time.monotonic()
            if left <= 0:
                break
            for r in multiprocessing.connection.wait(list(pending), left):
                try:
                    kind, payload = r.recv()
                    if kind == "result":
                        results.append(payload)
                except EOFError:
                    pass
                pending.discard(r)
        missing = len(pending)
    finally:
        for pc in pipes:
            pc.close()
        for p in procs:
            _reap(p)

    lat = array("d")
    requests = errors = 0
    stopped = rec_start
    kinds = {}
    for res in results:
        requests += res["requests"]
        errors += res["errors"]
        for k, v in res["error_kinds"].items():
            kinds[k] = kinds.get(k, 0) + v
        stopped = max(stopped, res["stopped_at"])
        lat.frombytes(res["latencies"])
    if missing:
        # A worker that never reported is treated as having run the full
        # window with no successful requests.
        stopped = rec_end
        errors += missing
        kinds["worker lost"] = missing
    elapsed = max(stopped - rec_start, 1e-9)
    s = sorted(lat)
    return LoadResult(
        requests=requests,
        errors=errors,
        duration_seconds=elapsed,
        requests_per_second=requests / elapsed,
        p50_ms=_percentile(s, 50) * 1000.0,
        p95_ms=_percentile(s, 95) * 1000.0,
        p99_ms=_percentile(s, 99) * 1000.0,
        max_ms=(s[-1] * 1000.0) if s else 0.0,
        clients=clients,
        processes=nproc,
        error_kinds=kinds,
    )


def format_result(result):
    """One-line human readable summary of a :class:`LoadResult`."""
    kinds = ""
    if result.error_kinds:
        kinds = " [" + ", ".join(f"{k}: {v}" for k, v in sorted(result.error_kinds.items())) + "]"
    return (
        f"{result.requests} req in {result.duration_seconds:.2f}s "
        f"= {result.requests_per_second:,.0f} req/s, "
        f"errors {result.errors}{kinds}, "
        f"p50 {result.p50_ms:.2f} ms, p95 {result.p95_ms:.2f} ms, "
        f"p99 {result.p99_ms:.2f} ms, max {result.max_ms:.2f} ms "
        f"({result.clients} clients / {result.processes} procs)"
    )


# ---------------------------------------------------------------------------
# self-check
# ---------------------------------------------------------------------------


def _toy_server(port, ready):
    """Tiny keep-alive HTTP server (stdlib, threaded) for the self-check."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    body = b'{"ok": true}'

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self):
            self.send_response(200 if self.path != "/missing" else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request, client_address):
            pass  # clients vanishing at the end of a run is expected

    srv = Server(("127.0.0.1", port), Handler)
    ready.set()
    srv.serve_forever(poll_interval=0.2)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("url", nargs="?", help="target URL (default: toy server)")
    ap.add_argument("-c", "--clients", type=int, default=10)
    ap.add_argument("-d", "--duration", type=float, default=3.0)
    ap.add_argument("-w", "--warmup", type=float, default=1.0)
    ap.add_argument("-p", "--processes", type=int, default=None)
    ap.add_argument("-n", "--max-requests", type=int, default=None)
    args = ap.parse_args(argv)

    server = None
    url = args.url
    if url is None:
        ctx = multiprocessing.get_context("spawn")
        port = _free_port()
        ready = ctx.Event()
        server = ctx.Process(target=_toy_server, args=(port, ready), daemon=True)
        server.start()
        if not ready.wait(20):
            server.kill()
            sys.exit("toy server did not start")
        url = f"http://127.0.0.1:{port}/"
    try:
        res = run_load(
            url,
            clients=args.clients,
            duration=args.duration,
            warmup=args.warmup,
            processes=args.processes,
            max_requests=args.max_requests,
        )
        print(format_result(res))
        if server is not None:
            bad = run_load(url + "missing", clients=2, duration=2.0, warmup=0.0, max_requests=50)
            print("404 check:", format_result(bad))
            assert res.requests > 0 and res.errors == 0, res
            assert bad.errors == bad.requests == 50, bad
    finally:
        if server is not None:
            server.terminate()
            server.join(5)
            if server.is_alive():
                server.kill()


if __name__ == "__main__":
    _main()
