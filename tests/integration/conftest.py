"""The running platform for integration tests: every service the platform lists, on the real RabbitMQ
(a vhost of the session), PostgreSQL (a database of the session) and an SMTP server of the session."""

import dataclasses
import importlib
import json
import time
from dataclasses import dataclass, field

import eventlet
import pytest
from kombu import Connection, Consumer, Exchange, Queue, binding
from sqlalchemy import func, select

from jouda import platform as jouda_platform
from jouda.runner import Runner
from jouda.services.gateway import directory
from jouda.shared.db import Database
from tests.support.http import Client
from tests.support.infrastructure import free_port
from tests.support.smtp_server import SmtpServer

COUNCIL_USERS = ("quality_manager", "director", "process_owner", "auditor", "staff", "staff")
PUBLIC_URL = "https://jouda.test"  # where the links in notifications point
DELIVERY_RETRY_BASE_SECONDS = 0.2  # a failed delivery is tried again within the test's patience


def eventually(check, timeout=15.0, interval=0.05, message="condition not met"):
    """Poll `check` until it returns a truthy value (events are asynchronous)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} within {timeout}s (last: {result!r})")
        eventlet.sleep(interval)


@dataclass
class Council:
    code: str
    tokens: dict = field(default_factory=dict)  # role -> token (first user of that role)
    users: dict = field(default_factory=dict)  # role -> user id
    staff_tokens: list = field(default_factory=list)


def known_to(database_of, service, council):
    """Wait until `service` knows every person of `council` (its staff table, fed by the gateway's
    events): before that, naming one of them (an owner, an auditor) is refused as unknown."""
    staff = importlib.import_module(f"jouda.services.{service}.models").StaffMember

    def known():
        with database_of(service).transaction(council.code) as session:
            return session.scalar(select(func.count()).select_from(staff)) == len(COUNCIL_USERS)

    eventually(known, message=f"the {service} service knows the council's people")


@pytest.fixture(scope="session")
def smtp(tmp_path_factory):
    server = SmtpServer(free_port(), tmp_path_factory.mktemp("smtp"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def settings(settings, smtp):
    """The session's settings, with its SMTP server; webhooks may target this machine (the tests'
    receiver listens on loopback)."""
    return dataclasses.replace(
        settings,
        smtp_url=smtp.url,
        webhook_allow_private=True,
        delivery_retry_base_seconds=DELIVERY_RETRY_BASE_SECONDS,
        public_url=PUBLIC_URL,
    )


@pytest.fixture(scope="session")
def platform(settings):
    """Every service of the platform, as `make run` runs them (in one process)."""
    runner = Runner(list(jouda_platform.SERVICES), settings)
    runner.start()
    yield runner
    runner.stop()


@pytest.fixture(scope="session")
def gateway_db(settings):
    database = Database("gateway", settings.database_url_for("gateway"), pool_size=2)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def policy_db(settings):
    database = Database("policy", settings.database_url_for("policy"), pool_size=2)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def database_of(settings):
    """database_of(service): that service's database, opened on first use, closed after the session."""
    opened = {}

    def of(service):
        if service not in opened:
            opened[service] = Database(service, settings.database_url_for(service), pool_size=1)
        return opened[service]

    yield of
    for database in opened.values():
        database.dispose()


@pytest.fixture
def client(platform, settings):
    return Client(settings.http_port)


@pytest.fixture
def make_council(gateway_db, tenant_code):
    counter = {"n": 0}

    def make(code=None):
        counter["n"] += 1
        code = code or f"{tenant_code}-{counter['n']}"
        directory.add_tenant(gateway_db, code, f"Conseil {code}")
        council = Council(code)
        for index, role in enumerate(COUNCIL_USERS):
            email = f"{role}{index}@{code}.example"
            user = directory.add_user(gateway_db, email, role, tenant=code)
            token = directory.create_token(gateway_db, email)
            council.tokens.setdefault(role, token)
            council.users.setdefault(role, user.id)
            if role == "staff":
                council.staff_tokens.append(token)
        return council

    return make


@pytest.fixture
def council(make_council):
    return make_council()


@pytest.fixture
def other_council(make_council):
    return make_council()


@pytest.fixture(scope="session")
def ministry_token(gateway_db):
    directory.add_user(gateway_db, "observatoire@ministere.test", "ministry")
    return directory.create_token(gateway_db, "observatoire@ministere.test")


@pytest.fixture(scope="session")
def admin_token(gateway_db):
    directory.add_user(gateway_db, "admin@jouda.test", "admin")
    return directory.create_token(gateway_db, "admin@jouda.test")


class EventTap:
    """Every event the services publish, as consumers receive it (bound before the test acts)."""

    def __init__(self, amqp_uri, services=("policy", "gateway", "objectives", "audits")):
        self.connection = Connection(amqp_uri)
        channel = self.connection.channel()
        queue = Queue(
            "",
            exclusive=True,
            auto_delete=True,
            bindings=[
                binding(Exchange(f"{name}.events", type="topic", durable=True), routing_key="#") for name in services
            ],
        )
        self.received = []
        self.consumer = Consumer(channel, queues=[queue], callbacks=[self._on_message], accept=["json"])
        self.consumer.consume()
        self._gt = eventlet.spawn(self._drain)

    def _on_message(self, body, message):
        self.received.append(
            {"body": body if isinstance(body, dict) else json.loads(body), "headers": dict(message.headers or {})}
        )
        message.ack()

    def _drain(self):
        while True:
            try:
                self.connection.drain_events(timeout=0.2)
            except TimeoutError:
                continue
            except Exception:  # noqa: BLE001 - socket closed at teardown
                return

    def events(self, event_type=None, tenant_id=None):
        return [
            item["body"]
            for item in self.received
            if (event_type is None or item["body"]["type"] == event_type)
            and (tenant_id is None or item["body"]["tenant_id"] == tenant_id)
        ]

    def close(self):
        self._gt.kill()
        self.connection.release()


@pytest.fixture
def event_tap(platform, settings):
    tap = EventTap(settings.amqp_uri)
    yield tap
    tap.close()


@pytest.fixture
def pages_as(settings, platform, gateway_db):
    """pages_as(council, role): a browser signed in to the web app as that council's first person of
    the role (given a password for it)."""
    from tests.support.pages import PageBrowser, give_password

    def signed_in(council, role, language="en"):
        give_password(gateway_db, council.users[role])
        browser = PageBrowser(settings.http_port, language)
        with gateway_db.transaction(all_tenants=True) as session:
            email = session.get(directory.User, council.users[role]).email
        page = browser.sign_in(email, follow=False)
        assert page.status == 303, page
        return browser

    return signed_in
