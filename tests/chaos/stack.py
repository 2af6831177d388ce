"""A whole Jouda stack for fault runs: one OS process per service (so one can be killed with
SIGKILL), its broker and database connections through TCP proxies the harness can cut, and a real
SMTP server the harness can stop. Everything on loopback, in a database and a vhost of its own."""

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import eventlet

from jouda import platform
from jouda.services.gateway import directory
from jouda.shared.config import Settings
from jouda.shared.db import Database
from tests.support import infrastructure
from tests.support.http import Client
from tests.support.smtp_server import SmtpServer
from tests.support.tcp_proxy import TcpProxy


def _through(url, port):
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    return urlunsplit(parts._replace(netloc=f"{credentials}@127.0.0.1:{port}"))


@dataclasses.dataclass
class Stack:
    directory: Path
    database_url: str = None
    amqp_uri: str = None
    http_port: int = None
    processes: dict = dataclasses.field(default_factory=dict)
    broker: TcpProxy = None
    database: TcpProxy = None
    smtp: SmtpServer = None
    _cleanup: list = dataclasses.field(default_factory=list)

    # --- life cycle -------------------------------------------------------------------------------
    def start(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        self.database_url = infrastructure.create_database()
        self._cleanup.append(lambda: infrastructure.drop_database(self.database_url))
        infrastructure.migrate_all(self.database_url)
        self.amqp_uri, remove_vhost = infrastructure.create_vhost()
        self._cleanup.append(remove_vhost)
        self.broker = TcpProxy("127.0.0.1", urlsplit(self.amqp_uri).port or 5672)
        self.database = TcpProxy("127.0.0.1", urlsplit(self.database_url).port or 5432)
        self.smtp = SmtpServer(infrastructure.free_port(), self.directory / "smtp")
        self.smtp.start()
        self.http_port = infrastructure.free_port()
        for service in platform.SERVICES:  # each in a process of its own, as deployed
            self.start_service(service)
        self.wait_ready()
        return self

    def environment(self, service):
        return {
            **os.environ,
            "JOUDA_AMQP_URI": _through(self.amqp_uri, self.broker.port),
            "JOUDA_DATABASE_URL": _through(self.database_url, self.database.port),
            "JOUDA_SMTP_URL": self.smtp.url,
            "JOUDA_VAR_DIR": str(self.directory / "var"),
            "JOUDA_HTTP_PORT": str(self.http_port),
            "JOUDA_METRICS_PORT": str(infrastructure.free_port()),
            "JOUDA_RELAY_IDLE_SECONDS": "0.05",
            "JOUDA_EVENT_RETRY_BASE_SECONDS": "0.2",
            "JOUDA_EVENT_MAX_ATTEMPTS": "12",
            "JOUDA_DELIVERY_RETRY_BASE_SECONDS": "0.5",
            "JOUDA_DELIVERY_LEASE_SECONDS": "15",
            "JOUDA_AUTH_FAILURES_ALLOWED": "1000000",
            "JOUDA_LOG_LEVEL": "WARNING",
        }

    def start_service(self, service):
        log = open(self.directory / f"{service}.log", "ab")
        self.processes[service] = subprocess.Popen(
            [sys.executable, "-m", "jouda.cli", "run", service],
            env=self.environment(service),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            cwd=str(Path(__file__).resolve().parents[2]),
        )

    def kill(self, service):
        """SIGKILL: no clean stop, no goodbye to the broker or the database."""
        self.processes[service].send_signal(signal.SIGKILL)
        self.processes[service].wait(timeout=10)

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                status, _ = self.http("GET", "/readyz")
                if status == 200:
                    return
            except OSError:
                pass
            eventlet.sleep(0.2)
        raise RuntimeError(f"the stack did not become ready; see the logs in {self.directory}")

    def stop(self):
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        for proxy in (self.broker, self.database):
            if proxy is not None:
                proxy.close()
        if self.smtp is not None:
            self.smtp.stop()
        for step in reversed(self._cleanup):
            step()

    # --- access -----------------------------------------------------------------------------------
    def settings(self):
        """Direct (unproxied) access for the harness's own set-up and accounting."""
        return Settings(amqp_uri=self.amqp_uri, database_url=self.database_url)

    def db(self, service):
        return Database(service, self.database_url, pool_size=2)

    def http(self, method, path, token=None, body=None, headers=None):
        """(status, decoded JSON or None) of one request to the gateway."""
        reply = Client(self.http_port, token).request(method, path, body, headers=headers)
        return reply.status, reply.json() if reply.body else None

    def add_council(self, code):
        """A council with a quality manager and a director (and their tokens)."""
        gateway = self.db("gateway")
        try:
            directory.add_tenant(gateway, code, f"Conseil {code}")
            people = {}
            for role in ("quality_manager", "director"):
                email = f"{role}@{code}.example"
                user = directory.add_user(gateway, email, role, tenant=code, name=role)
                people[role] = (user.id, email, directory.create_token(gateway, email, tenant=code))
            return people
        finally:
            gateway.dispose()
