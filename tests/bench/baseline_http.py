"""Bare Nameko ``@http`` endpoint baseline.

The ceiling for any HTTP entrypoint built on nameko in this project: one
GET endpoint that does nothing but serialise a ~600 byte JSON document.

The service always runs in a *child process* (``python -m
tests.bench.baseline_http --port PORT``) that monkey-patches eventlet before
importing nameko, and load comes from :mod:`tests.bench.loadgen` worker
processes, so neither side shares a GIL with the other.  The child does not
configure logging, so eventlet's per-request access log is dropped (as with
a production log level of WARNING).

Self-check::

    python -m tests.bench.baseline_http --measure        # 20 clients, 10 s
    python -m tests.bench.baseline_http --port 8123      # just serve
"""

import sys

# Serve mode: patch before nameko/kombu (and their socket users) are
# imported.  Only when this file is the program being run with --port;
# importing the module (e.g. from a benchmark) must not patch the importer.
if __name__ == "__main__" and "--port" in sys.argv[1:]:  # pragma: no cover
    import eventlet

    eventlet.monkey_patch()

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from nameko.web.handlers import http  # noqa: E402
from werkzeug.wrappers import Response  # noqa: E402

from tests.bench.loadgen import LoadResult, format_result, run_load  # noqa: E402

__all__ = [
    "BareHttpService",
    "serve_bare_http",
    "measure_bare_http",
    "free_port",
    "SUMMARY",
]

DEFAULT_AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0

#: Roughly what a short policy summary looks like (~600 bytes as JSON).
SUMMARY = {
    "policy_id": "pol-000000012345",
    "policy_number": "JD-2024-000012345",
    "status": "active",
    "product": {"code": "HOME-STD", "name": "Home Standard", "version": 3},
    "holder": {
        "customer_id": "cus-000000067890",
        "name": "Jane Example",
    },
    "period": {"start": "2024-01-01", "end": "2024-12-31"},
    "premium": {"amount": "1234.50", "currency": "EUR", "frequency": "monthly"},
    "coverages": [
        {"code": "FIRE", "limit": "250000.00", "deductible": "500.00"},
        {"code": "THEFT", "limit": "25000.00", "deductible": "250.00"},
    ],
    "created_at": "2024-01-01T09:30:00+00:00",
    "updated_at": "2024-03-15T14:05:12+00:00",
    "version": 7,
}


class BareHttpService:
    """Nameko service with a single trivial JSON endpoint."""

    name = "bench_bare_http"

    @http("GET", "/bare")
    def bare(self, request):
        # Serialise per request, as a real endpoint would.
        return Response(json.dumps(SUMMARY), status=200, mimetype="application/json")


def free_port():
    """A currently unused TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _runner_config(port):
    return {
        "AMQP_URI": os.environ.get("JOUDA_AMQP_URI", DEFAULT_AMQP_URI),
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}",
    }


def _probe(port, timeout=1.0):
    """True once GET /bare answers 200 on ``port``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(b"GET /bare HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            data = s.recv(64)
            return data.startswith(b"HTTP/1.1 200") or data.startswith(b"HTTP/1.0 200")
    except OSError:
        return False


def _stop_child(proc):
    if proc.poll() is not None:
        return
    proc.terminate()  # SIGTERM -> graceful runner.stop() in the child
    try:
        proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@contextlib.contextmanager
def serve_bare_http(port):
    """Run :class:`BareHttpService` in a child process on 127.0.0.1:``port``.

    Waits (at most 20 s) until ``GET /bare`` answers, yields the base URL
    (``http://127.0.0.1:PORT``) and terminates the child on exit.  Raises
    ``RuntimeError`` with the child's stderr if it fails to come up.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH")) if p)
    with tempfile.TemporaryFile(mode="w+b") as errlog:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.bench.baseline_http", "--port", str(port)],
            cwd=str(PROJECT_ROOT),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errlog,
        )
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT
            while not _probe(port):
                if proc.poll() is not None or time.monotonic() > deadline:
                    _stop_child(proc)
                    errlog.seek(0)
                    tail = errlog.read()[-4000:].decode("utf-8", "replace")
                    raise RuntimeError(
                        f"bare http service did not come up on port {port} (exit code {proc.returncode}):\n{tail}"
                    )
                time.sleep(0.1)
            yield f"http://127.0.0.1:{port}"
        finally:
            _stop_child(proc)


def measure_bare_http(clients=20, duration=10.0, *, warmup=2.0, processes=None) -> LoadResult:
    """Serve the bare endpoint on a free port and load it with loadgen."""
    port = free_port()
    with serve_bare_http(port) as base_url:
        return run_load(base_url + "/bare", clients=clients, duration=duration, warmup=warmup, processes=processes)


def _serve_forever(port):  # pragma: no cover - runs in the child process
    import signal

    import eventlet
    from nameko.runners import ServiceRunner

    runner = ServiceRunner(_runner_config(port))
    runner.add_service(BareHttpService)
    stop_requested = []
    parent = os.getppid()

    def on_signal(signum, frame):
        # Only set a flag: the eventlet hub may be parked in epoll with a
        # long timeout, so a greenlet spawned from here might never run.
        # The watchdog below polls the flag (and whether our parent died).
        stop_requested.append(signum)

    def watchdog():
        while not stop_requested and os.getppid() == parent:
            eventlet.sleep(0.1)
        runner.stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    runner.start()
    eventlet.spawn(watchdog)
    runner.wait()


def _main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--port", type=int, help="serve BareHttpService on this port (child mode)")
    mode.add_argument("--measure", action="store_true", help="serve on a free port and run the load generator")
    ap.add_argument("-c", "--clients", type=int, default=20)
    ap.add_argument("-d", "--duration", type=float, default=10.0)
    ap.add_argument("-w", "--warmup", type=float, default=2.0)
    args = ap.parse_args(argv)
    if args.port is not None:
        _serve_forever(args.port)
    else:
        res = measure_bare_http(args.clients, args.duration, warmup=args.warmup)
        print(format_result(res))


if __name__ == "__main__":
    _main()
