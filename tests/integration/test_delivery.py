"""The event backbone's promises on the real broker: never lost, never twice, never in a hot loop."""

import json
from datetime import date
import uuid

import eventlet
import pytest
from kombu import Connection, Producer
from nameko.containers import ServiceContainer
from nameko.events import get_event_exchange
from prometheus_client import REGISTRY
from sqlalchemy import select, text

from jouda import platform
from jouda.services.policy.models import StaffMember
from jouda.shared.consumer import (
    ATTEMPTS_HEADER,
    ERROR_HEADER,
    dead_letter_queue_name,
    event_batch_handler,
    event_handler,
)
from jouda.shared.db import Database, _grant_runtime_role, make_engine
from jouda.shared.events.catalogue import build_event
from jouda.shared.outbox import OutboxBase, OutboxRelay, ProcessedEvent, message_headers
from jouda.shared.unit_of_work import UnitOfWork
from tests.integration.conftest import EventTap, eventually
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.integration


def publish(amqp_uri, envelope, routing_key=None):
    """Publish an envelope exactly as a relay does (or a raw body, for poison messages)."""
    with Connection(amqp_uri) as connection:
        exchange = get_event_exchange(platform.publisher_of(routing_key or envelope["type"]), {})
        producer = Producer(connection.channel(), exchange=exchange)
        producer.publish(
            json.dumps(envelope),
            routing_key=routing_key or envelope["type"],
            content_type="application/json",
            content_encoding="utf-8",
            headers=message_headers(envelope) if "actor" in envelope else {},
        )


def queue_messages(amqp_uri, name):
    with Connection(amqp_uri) as connection:
        return connection.channel().queue_declare(name, passive=True).message_count


def take_message(amqp_uri, name):
    with Connection(amqp_uri) as connection:
        return connection.SimpleQueue(name, no_ack=True, queue_opts={"durable": True}).get(timeout=5)


def counter(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


def staff_active(policy_db, tenant, user_id):
    with policy_db.transaction(tenant) as session:
        member = session.get(StaffMember, user_id)
        return None if member is None else member.active


def test_a_redelivered_event_has_no_second_effect(platform, settings, policy_db, tenant_code):
    user_id = str(uuid.uuid4())
    payload = {"user_id": user_id, "role": "staff", "language": "fr", "email": "agent@example.test", "name": None}
    created = build_event("gateway.user_created", tenant_code, "admin", {**payload, "active": True})
    deactivated = build_event("gateway.user_updated", tenant_code, "admin", {**payload, "active": False})
    labels = {"service": "policy", "event_type": "gateway.user_created"}
    duplicates_before = counter("jouda_events_duplicates_total", **labels)

    publish(settings.amqp_uri, created)
    eventually(lambda: staff_active(policy_db, tenant_code, user_id) is True)
    publish(settings.amqp_uri, deactivated)
    eventually(lambda: staff_active(policy_db, tenant_code, user_id) is False)
    # The broker delivers `created` again (a retried publish, a requeue after a crash...):
    # applying it a second time would wrongly make the user active again.
    publish(settings.amqp_uri, created)
    eventually(lambda: counter("jouda_events_duplicates_total", **labels) == duplicates_before + 1)
    assert staff_active(policy_db, tenant_code, user_id) is False
    with policy_db.transaction(all_tenants=True) as session:
        records = session.scalars(select(ProcessedEvent).where(ProcessedEvent.event_id == created["event_id"])).all()
    assert [r.consumer for r in records] == ["policy.on_user_created"]


FAILURES = []


class AlwaysFailing:
    """A consumer whose handler keeps failing, on the real broker."""

    name = "dlq_probe"

    @event_handler("policy", "policy.review_due", consumer="dlq_probe.handle")
    def handle(self, event):
        FAILURES.append(event["event_id"])
        raise RuntimeError("the effect cannot be applied")


def test_an_event_whose_handler_keeps_failing_ends_in_the_dead_letter_queue(platform, settings, tenant_code):
    container = ServiceContainer(AlwaysFailing, settings.nameko_config())
    container.start()
    try:
        queue = next(iter(container.entrypoints)).queue.name
        event = build_event(
            "policy.review_due",
            tenant_code,
            "system",
            {
                "policy_id": str(uuid.uuid4()),
                "version_id": str(uuid.uuid4()),
                "version": 1,
                "title": "PQ",
                "next_review_date": date(2027, 1, 1),
                "days_left": 20,
            },
        )
        publish(settings.amqp_uri, event)
        dlq = dead_letter_queue_name(queue)
        eventually(lambda: queue_messages(settings.amqp_uri, dlq) == 1, message="message dead-lettered")
        # Bounded: exactly max_attempts tries (with backoff between them), then parked.
        assert FAILURES.count(event["event_id"]) == settings.event_max_attempts == 3
        parked = take_message(settings.amqp_uri, dlq)
        assert json.loads(parked.body)["event_id"] == event["event_id"]
        assert parked.headers[ATTEMPTS_HEADER] == 3
        assert "the effect cannot be applied" in parked.headers[ERROR_HEADER]
        assert queue_messages(settings.amqp_uri, queue) == 0
    finally:
        container.stop()


def test_a_message_that_is_not_a_catalogue_event_is_dead_lettered_at_once(platform, settings, tenant_code):
    poison = {
        "event_id": str(uuid.uuid4()),
        "type": "gateway.user_created",
        "version": 1,
        "tenant_id": tenant_code,
        "occurred_at": "2026-01-01T00:00:00+00:00",
        "actor": "x",
        "payload": {"user_id": "u", "role": "wizard", "active": True, "language": "fr"},
    }
    queue = "evt-gateway-gateway.user_created--policy.on_user_created"
    before = counter("jouda_events_dead_lettered_total", service="policy", event_type="gateway.user_created")
    publish(settings.amqp_uri, poison)
    eventually(
        lambda: (
            counter("jouda_events_dead_lettered_total", service="policy", event_type="gateway.user_created")
            == before + 1
        )
    )
    parked = take_message(settings.amqp_uri, dead_letter_queue_name(queue))
    assert parked.headers[ATTEMPTS_HEADER] == 1 and "ValidationError" in parked.headers[ERROR_HEADER]


@pytest.fixture
def outage_database(settings):
    """An outbox of its own (schema `outage`), so only the relay under test publishes it."""
    database = Database("outage", settings.database_url_for("outage"), pool_size=2)
    engine = make_engine(settings.database_url, None, runtime=False, pool_size=1)
    with engine.begin() as connection:
        connection.execute(text('CREATE SCHEMA IF NOT EXISTS "outage"'))
        connection.execute(text('SET search_path TO "outage"'))
        OutboxBase.metadata.create_all(connection)
        _grant_runtime_role(connection, "outage")
    engine.dispose()
    yield database
    database.dispose()


def test_events_committed_while_the_broker_is_unreachable_are_published_once_it_is_back(
    settings, outage_database, tenant_code
):
    host, port = "127.0.0.1", 5672
    proxy = TcpProxy(host, port)
    vhost = settings.amqp_uri.rsplit("/", 1)[1]
    relay = OutboxRelay(
        outage_database, f"amqp://guest:guest@127.0.0.1:{proxy.port}/{vhost}", batch_size=20, idle_seconds=0.05
    )
    tap = EventTap(settings.amqp_uri, services=("outage",))
    running = eventlet.spawn(relay.run_forever)
    try:
        proxy.cut()  # the broker is gone
        sent = []
        for number in range(45):
            with UnitOfWork(outage_database, tenant_code, actor="qm", role="quality_manager") as uow:
                envelope = uow.emit(
                    "policy.submitted",
                    {
                        "policy_id": str(uuid.uuid4()),
                        "version_id": str(uuid.uuid4()),
                        "version": number + 1,
                        "title": "PQ",
                        "from_status": "draft",
                        "to_status": "in_review",
                    },
                )
                uow.commit()
            sent.append(envelope["event_id"])
        eventlet.sleep(1.0)
        assert tap.received == []
        assert relay.backlog()[0] == 45  # committed, kept, waiting
        proxy.restore()  # the broker is back: the relay reconnects by itself
        eventually(lambda: relay.backlog()[0] == 0, timeout=60, message="backlog drained")
        eventually(lambda: len(tap.received) >= 45, message="every event reached the broker")
        received = [item["body"]["event_id"] for item in tap.received]
        assert sorted(set(received)) == sorted(sent)
        assert all(item["headers"]["nameko.tenant_id"] == tenant_code for item in tap.received)
    finally:
        relay.stop()
        running.kill()
        tap.close()
        proxy.close()


def test_a_rolled_back_change_publishes_nothing(outage_database, tenant_code):
    before = outage_database_backlog(outage_database)
    with pytest.raises(RuntimeError):
        with UnitOfWork(outage_database, tenant_code, actor="qm", role="quality_manager") as uow:
            uow.emit(
                "policy.submitted",
                {
                    "policy_id": str(uuid.uuid4()),
                    "version_id": str(uuid.uuid4()),
                    "version": 1,
                    "title": "PQ",
                    "from_status": "draft",
                    "to_status": "in_review",
                },
            )
            raise RuntimeError("the change failed before commit")
    assert outage_database_backlog(outage_database) == before


def outage_database_backlog(database):
    with database.engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM outbox_events")).scalar()


APPLIED = []


class BatchProbe:
    """A batch consumer: one poisoned event among good ones must not hold the good ones back."""

    name = "batch_probe"

    @event_batch_handler("policy", "policy.review_due", consumer="batch_probe.handle", max_batch=50, max_wait=0.05)
    def handle(self, events):
        if any(event["payload"]["title"] == "poison" for event in events):
            raise RuntimeError("cannot apply a poisoned event")
        APPLIED.extend(event["event_id"] for event in events)


def test_a_batch_handler_replays_a_failed_group_one_by_one(platform, settings, tenant_code):
    container = ServiceContainer(BatchProbe, settings.nameko_config(max_workers=50))
    container.start()
    try:
        queue = next(iter(container.entrypoints)).queue.name

        def review_due(title):
            return build_event(
                "policy.review_due",
                tenant_code,
                "system",
                {
                    "policy_id": str(uuid.uuid4()),
                    "version_id": str(uuid.uuid4()),
                    "version": 1,
                    "title": title,
                    "next_review_date": date(2027, 1, 1),
                    "days_left": 20,
                },
            )

        good = [review_due("PQ") for _ in range(20)]
        poison = review_due("poison")
        for event in good[:10] + [poison] + good[10:]:
            publish(settings.amqp_uri, event)
        eventually(lambda: set(APPLIED) >= {event["event_id"] for event in good}, message="good events applied")
        eventually(
            lambda: queue_messages(settings.amqp_uri, dead_letter_queue_name(queue)) == 1,
            message="the poisoned event alone dead-lettered",
        )
        assert poison["event_id"] not in APPLIED
        parked = take_message(settings.amqp_uri, dead_letter_queue_name(queue))
        assert json.loads(parked.body)["event_id"] == poison["event_id"]
        assert parked.headers[ATTEMPTS_HEADER] == settings.event_max_attempts
    finally:
        container.stop()


def test_a_parked_event_is_applied_once_replayed(platform, settings, policy_db, tenant_code, monkeypatch):
    """A consumer fails until an operator fixes the cause; `jouda dlq replay` then delivers it."""
    from jouda import dead_letters
    from jouda.services.policy.models import StaffMember as PolicyStaff
    from jouda.shared import staff

    original = staff.apply_user_event
    broken = {"on": True}

    def failing_until_fixed(uow, staff_class, event):
        if broken["on"] and staff_class is PolicyStaff and event["payload"]["user_id"].startswith("replay-"):
            raise RuntimeError("the database refuses the write")
        return original(uow, staff_class, event)

    monkeypatch.setattr(staff, "apply_user_event", failing_until_fixed)

    queue = "evt-gateway-gateway.user_created--policy.on_user_created"
    user_id = f"replay-{uuid.uuid4()}"
    event = build_event(
        "gateway.user_created",
        tenant_code,
        "admin",
        {
            "user_id": user_id,
            "role": "staff",
            "active": True,
            "language": "fr",
            "email": "agent@example.test",
            "name": None,
        },
    )
    publish(settings.amqp_uri, event)
    eventually(lambda: dict(dead_letters.parked(settings))[queue] == 1, timeout=30, message="event parked")
    assert staff_active(policy_db, tenant_code, user_id) is None

    broken["on"] = False  # the operator fixed the cause
    assert dead_letters.replay(settings, queue) == 1
    eventually(lambda: staff_active(policy_db, tenant_code, user_id) is True, message="replayed event applied")
    assert dict(dead_letters.parked(settings))[queue] == 0
    labels = {"service": "policy", "event_type": "gateway.user_created"}
    duplicates = counter("jouda_events_duplicates_total", **labels)
    publish(settings.amqp_uri, event)  # and a later redelivery is still a duplicate
    eventually(lambda: counter("jouda_events_duplicates_total", **labels) == duplicates + 1)
