"""Runs Jouda services in one process (all of them for `make run`, one per process in production),
with the Prometheus endpoint of the process."""

import errno
import gc
import logging

import eventlet
from eventlet import wsgi
from amqp.exceptions import AccessRefused
from kombu import Connection
from nameko.containers import ServiceContainer
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from jouda import platform
from jouda.shared.consumer import EventHandler

log = logging.getLogger("jouda")


def event_handlers(classes, settings):
    """Every event handler entrypoint of these service classes, set up (queue names known)."""
    config = settings.nameko_config()
    for cls in classes:
        container = ServiceContainer(cls, config)  # kept alive: entrypoints only hold a weak reference
        for entrypoint in container.entrypoints:
            if isinstance(entrypoint, EventHandler):
                entrypoint.setup()
                yield entrypoint


def all_service_classes():
    return [platform.service_class(name) for name in platform.SERVICES]


def declare_topology(classes, settings):
    """Declare every event handler's queue, binding, retry and dead-letter queue (idempotent).

    Done before any relay publishes, so that an event is never unroutable for a subscriber
    that simply has not started yet (on a brand-new broker, or right after seeding). Returns False
    when the broker user may not declare it all: a service's own user (see jouda/broker.py), in a
    deployment whose admin step `jouda broker declare` has declared it."""
    with Connection(settings.amqp_uri, connect_timeout=5) as connection:
        try:
            channel = connection.channel()
            for entrypoint in event_handlers(classes, settings):
                entrypoint.queue(channel).declare()
                for queue in entrypoint.side_queues():
                    queue(channel).declare()
        except AccessRefused:
            return False
    return True


def freeze_start_up_heap():
    """A service process holds a large, long-lived heap (modules, mappers, compiled statements):
    the objects alive once the containers have started are moved out of the collector's reach,
    so the full collections that a request building many rows (a ministry view) triggers no
    longer walk that heap. (Raising the young-generation threshold as well was tried: it made
    each young collection longer and doubled the hot read's p99.)"""
    gc.collect()
    gc.freeze()


def metrics_app(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path == "/metrics":
        body = generate_latest(REGISTRY)
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
        return [body]
    if path == "/healthz":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok\n"]
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"try /metrics\n"]


def serve_metrics(host, port):
    listener = eventlet.listen((host, port))
    return eventlet.spawn(wsgi.server, listener, metrics_app, log=None, log_output=False)


class Runner:
    """Starts the containers, serves metrics; `stop()` stops them cleanly."""

    def __init__(self, names, settings):
        self.settings = settings
        self.classes = [platform.service_class(name) for name in names]
        self.containers = [ServiceContainer(cls, settings.nameko_config()) for cls in self.classes]
        self.metrics_server = None

    def start(self):
        # Every known subscriber's queue, not only this process's: services start in separate
        # processes in any order, and a relay must never publish before a consumer's queue exists.
        if not declare_topology(all_service_classes(), self.settings):
            log.info("this broker user declares its own queues only; `jouda broker declare` declares the rest")
            declare_topology(self.classes, self.settings)
        self.metrics_server = serve_metrics(self.settings.metrics_host, self.settings.metrics_port)
        for container in self.containers:
            container.start()
        freeze_start_up_heap()

    def stop(self):
        for container in self.containers:
            container.stop()
        if self.metrics_server is not None:
            self.metrics_server.kill()

    def kill(self):
        for container in self.containers:
            container.kill()

    def wait(self):
        """Block until Ctrl-C (or SIGTERM), then stop cleanly; a second Ctrl-C kills."""
        waiters = [eventlet.spawn(container.wait) for container in self.containers]
        while True:
            try:
                for waiter in waiters:
                    waiter.wait()
            except OSError as exc:
                if exc.errno == errno.EINTR:
                    continue
                raise
            except KeyboardInterrupt:
                print("\nStopping Jouda...", flush=True)
                try:
                    self.stop()
                except KeyboardInterrupt:
                    self.kill()
            break
