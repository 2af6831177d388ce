"""One broker user per service (jouda/broker.py), created on the real RabbitMQ with the very
commands `jouda broker users` prints: the platform works with them, and a service's user cannot
ask another service to act (an RPC request), publish another service's events, or read another
service's queue."""

import dataclasses
import os
import secrets
import shutil
import subprocess
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
from amqp.exceptions import AccessRefused
from kombu import Connection, Exchange, Producer, Queue

from jouda import broker
from jouda.platform import SERVICES
from jouda.runner import Runner, all_service_classes, declare_topology
from jouda.services.gateway import directory
from jouda.shared.db import Database
from tests.integration.conftest import eventually
from tests.support import infrastructure
from tests.support.http import Client

pytestmark = pytest.mark.integration


def as_user(uri, user, password):
    parts = urlsplit(uri)
    return urlunsplit(parts._replace(netloc=f"{user}:{password}@{parts.hostname}:{parts.port or 5672}"))


@pytest.fixture(scope="module")
def restricted(settings):
    """A database and a vhost of their own, every service's user made by the printed commands."""
    database_url = infrastructure.create_database()
    infrastructure.migrate_all(database_url)
    admin_uri, remove_vhost = infrastructure.create_vhost()
    vhost = urlsplit(admin_uri).path[1:]
    prefix = f"jt{uuid.uuid4().hex[:8]}-"
    # Random passwords, one beginning with "-" as token_urlsafe's do 1 time in 64 (rabbitmqctl took it for options).
    passwords = {service: secrets.token_urlsafe(16) for service in SERVICES} | {
        SERVICES[0]: "-" + secrets.token_urlsafe(16)
    }
    admin = dataclasses.replace(settings, amqp_uri=admin_uri, database_url=database_url)
    commands = broker.user_commands(admin, vhost, prefix=prefix)
    environment = {**os.environ, **{broker.PASSWORD_VARIABLE.format(s.upper()): p for s, p in passwords.items()}}
    ctl = shutil.which("rabbitmqctl")
    made = subprocess.run(
        ["bash", "-euc", "\n".join(line.replace("rabbitmqctl", f"{ctl} -q") for line in commands)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    assert declare_topology(all_service_classes(), admin)  # the deployment's admin step
    uris = {service: as_user(admin_uri, broker.user_of(service, prefix), passwords[service]) for service in SERVICES}
    admin = dataclasses.replace(admin, http_port=infrastructure.free_port())
    runners = []
    try:
        for service in SERVICES:
            runner = Runner(
                [service], dataclasses.replace(admin, amqp_uri=uris[service], metrics_port=infrastructure.free_port())
            )
            runner.start()
            runners.append(runner)
        yield admin, uris
    finally:
        for runner in reversed(runners):
            runner.stop()
        for service in SERVICES:
            subprocess.run([ctl, "-q", "delete_user", broker.user_of(service, prefix)], capture_output=True, timeout=60)
        remove_vhost()
        infrastructure.drop_database(database_url)


def test_the_platform_works_with_a_user_per_service(restricted):
    settings, _ = restricted
    gateway = Database("gateway", settings.database_url, pool_size=1)
    try:
        code = f"b-{uuid.uuid4().hex[:8]}"
        directory.add_tenant(gateway, code, "Conseil")
        tokens = {}
        for role in ("quality_manager", "director"):
            directory.add_user(gateway, f"{role}@{code}.example", role, tenant=code)
            tokens[role] = directory.create_token(gateway, f"{role}@{code}.example")
    finally:
        gateway.dispose()
    manager, director = (Client(settings.http_port, tokens[role]) for role in ("quality_manager", "director"))
    version = eventually(lambda: (r := manager.post("/api/v1/policies", {"title": "Politique"})).status == 201 and r)
    assert manager.post(f"/api/v1/policies/{version.json()['id']}/submit").status == 200  # RPC to policy
    # policy.submitted, relayed by policy's user, consumed by notifications' user, read over RPC.
    inbox = eventually(
        lambda: (r := director.get("/api/v1/notifications")).status == 200 and r.json()["items"],
        timeout=30,
        message="the director notified",
    )
    assert inbox[0]["kind"] == "policy.submitted"


def refused(uri, action):
    with Connection(uri, connect_timeout=5, transport_options={"confirm_publish": True}) as connection:
        try:
            action(connection.channel())
        except AccessRefused:
            return True
    return False


def test_a_services_user_cannot_act_as_another_service(restricted):
    _, uris = restricted
    notifications = uris["notifications"]

    def ask_policy(channel):  # an RPC request: only the gateway may send one
        Producer(channel).publish(
            {"args": [], "kwargs": {}},
            exchange=Exchange("nameko-rpc", type="topic"),
            routing_key="policy.create_policy",
            reply_to=str(uuid.uuid4()),
        )

    def publish_policy_event(channel):
        Producer(channel).publish({}, exchange=Exchange("policy.events", type="topic"), routing_key="policy.published")

    def read_policy_requests(channel):
        Queue("rpc-policy", channel=channel, no_declare=True).get()

    assert refused(notifications, ask_policy)
    assert refused(notifications, publish_policy_event)
    assert refused(notifications, read_policy_requests)
    assert refused(uris["policy"], ask_policy)
    # What each is allowed, for contrast: the gateway may ask.
    assert not refused(
        uris["gateway"],
        lambda channel: Producer(channel).publish(
            {"args": [], "kwargs": {}}, exchange=Exchange("nameko-rpc", type="topic"), routing_key="nobody.nothing"
        ),
    )
