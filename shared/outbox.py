"""Transactional outbox.

A service adds its events to `outbox_events` in the same transaction as the business change
(`add_events`), so an event exists if and only if its change committed. The relay, running in
every service process, publishes committed rows in batches to the Nameko event exchange
`<service>.events` (routing key = event type) with publisher confirms and `mandatory`, then
marks them published. When the broker is down the rows simply wait; several replicas share
the work through row locks (FOR UPDATE SKIP LOCKED) on PostgreSQL.
"""

import json
import logging
import time
from datetime import timedelta

import eventlet
import eventlet.queue
import amqp
from kombu import Connection
from nameko.events import get_event_exchange
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.orm import declarative_base

from jouda.shared import metrics
from jouda.shared.clock import utc_now
from jouda.shared.tenancy import ROLE_KEY, TENANT_KEY, USER_KEY

log = logging.getLogger(__name__)

OutboxBase = declarative_base()


class OutboxEvent(OutboxBase):
    __tablename__ = "outbox_events"
    id = Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    event_id = Column(String(36), nullable=False, unique=True)
    event_type = Column(String(100), nullable=False)
    tenant_id = Column(String(64))
    envelope = Column(Text, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)
    published_at = Column(DateTime(timezone=True))
    __table_args__ = (Index("ix_outbox_unpublished", "published_at", "id"),)


class ProcessedEvent(OutboxBase):
    """What each consumer has applied: the idempotency record, written with the effect."""

    __tablename__ = "processed_events"
    consumer = Column(String(200), nullable=False)
    event_id = Column(String(36), nullable=False)
    processed_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)
    __table_args__ = (PrimaryKeyConstraint("consumer", "event_id"),)


IDEMPOTENCY_KEPT = timedelta(hours=24)


class IdempotencyKey(OutboxBase):
    """A creating request's Idempotency-Key, written with its change (see shared/idempotency.py)."""

    __tablename__ = "idempotency_keys"
    scope = Column(String(140), nullable=False)  # tenant:person
    key = Column(String(255), nullable=False)
    request_hash = Column(String(64), nullable=False)
    response = Column(Text)  # the answer as JSON, written just after the change committed
    created_at = Column(DateTime(timezone=True), nullable=False)
    __table_args__ = (PrimaryKeyConstraint("scope", "key"),)


def add_events(session, envelopes):
    """Write events into the session's transaction (one multi-row INSERT, no ORM bookkeeping)."""
    if not envelopes:
        return
    now = utc_now()
    session.execute(
        OutboxEvent.__table__.insert(),
        [
            {
                "event_id": envelope["event_id"],
                "event_type": envelope["type"],
                "tenant_id": envelope["tenant_id"],
                "envelope": json.dumps(envelope),
                "created_at": now,
            }
            for envelope in envelopes
        ],
    )


def message_headers(envelope) -> dict:
    """The Nameko context headers consumers read as worker_ctx.data."""
    headers = {
        f"nameko.{TENANT_KEY}": envelope["tenant_id"],
        f"nameko.{USER_KEY}": envelope["actor"],
        f"nameko.{ROLE_KEY}": "system",
    }
    return {key: value for key, value in headers.items() if value is not None}


class PublishNotConfirmed(Exception):
    """The broker refused (nack) or did not confirm a batch in time: it will be sent again."""


class ConfirmedPublisher:
    """Publishes a batch in confirm mode and waits once for the broker's acks covering all of it:
    one round trip per batch instead of one per message, and still nothing is marked published
    before RabbitMQ has taken responsibility for it."""

    confirm_timeout = 30.0

    def __init__(self, amqp_uri, exchange, on_return):
        """`exchange`: a kombu Exchange, declared here; None for the default exchange (routing key =
        a queue's name: straight to one consumer)."""
        self.connection = Connection(amqp_uri, connect_timeout=5)
        self.connection.ensure_connection(max_retries=1)
        self.channel = self.connection.channel()
        if exchange is not None:
            exchange(self.channel).declare()
        self.exchange_name = exchange.name if exchange is not None else ""
        self.channel.confirm_select()
        self.channel.events["basic_ack"].add(self._on_ack)
        self.channel.events["basic_nack"].add(self._on_nack)
        self.channel.events["basic_return"].add(lambda exc, exchange, key, message: on_return(key))
        self.last_tag = 0
        self.unconfirmed = set()
        self.refused = False

    def _on_ack(self, tag, multiple):
        if multiple:
            self.unconfirmed = {t for t in self.unconfirmed if t > tag}
        else:
            self.unconfirmed.discard(tag)

    def _on_nack(self, tag, multiple, *rest):
        self.refused = True
        self._on_ack(tag, multiple)

    def publish_batch(self, items):
        """items: (routing key, JSON text, envelope dict)."""
        self.refused = False
        for routing_key, body, envelope in items:
            message = amqp.Message(
                body,
                content_type="application/json",
                content_encoding="utf-8",
                delivery_mode=2,
                message_id=envelope["event_id"],
                application_headers=message_headers(envelope),
            )
            self.channel.basic_publish(message, exchange=self.exchange_name, routing_key=routing_key, mandatory=True)
            self.last_tag += 1
            self.unconfirmed.add(self.last_tag)
        deadline = time.monotonic() + self.confirm_timeout
        while self.unconfirmed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PublishNotConfirmed(f"{len(self.unconfirmed)} event(s) not confirmed in time")
            self._drain(remaining)
        if self.refused:
            raise PublishNotConfirmed("the broker refused part of the batch")

    def _drain(self, remaining):
        try:
            self.connection.drain_events(timeout=min(remaining, 1.0))
        except TimeoutError:
            pass

    def close(self):
        try:
            self.connection.release()
        except Exception:  # noqa: BLE001 - already broken
            pass


class OutboxRelay:
    """Publishes a service's outbox; `run_forever` is spawned as a green thread."""

    # Published rows are kept this long for inspection, then purged.
    retention_seconds = 24 * 3600
    # Idempotency records outlive every redelivery path (retries end within about 80 minutes);
    # an event replayed from a dead-letter queue after this long would be applied again.
    processed_retention_seconds = 30 * 24 * 3600

    def __init__(self, database, amqp_uri, *, batch_size=500, idle_seconds=0.2):
        self.database = database
        self.service = database.service
        self.amqp_uri = amqp_uri
        self.batch_size = batch_size
        self.idle_seconds = idle_seconds
        self.exchange = get_event_exchange(self.service, {})  # declared exactly as Nameko does
        self._producer = None
        self._running = False
        self._last_purge = 0.0
        self._wakeup = eventlet.queue.LightQueue(maxsize=1)
        self.unroutable = 0

    def wake(self):
        """Called after a commit that added events, so they go out without waiting for the poll."""
        try:
            self._wakeup.put_nowait(True)
        except eventlet.queue.Full:
            pass

    def _wait(self, seconds):
        try:
            self._wakeup.get(timeout=seconds)
        except eventlet.queue.Empty:
            pass

    # -- broker ------------------------------------------------------------------------------
    def _ensure_producer(self):
        if self._producer is None:
            self._producer = ConfirmedPublisher(self.amqp_uri, self.exchange, on_return=self._on_return)
        return self._producer

    def _on_return(self, routing_key):
        # No queue is bound for this event type yet: nobody has subscribed. Counted, not retried.
        self.unroutable += 1
        metrics.EVENTS_UNROUTABLE.labels(self.service, routing_key).inc()

    def _drop_producer(self):
        if self._producer is not None:
            self._producer.close()
        self._producer = None

    # -- one batch -----------------------------------------------------------------------------
    def relay_once(self) -> int:
        """Publish up to batch_size committed events; returns how many were published."""
        with self.database.engine.begin() as connection:
            query = (
                select(OutboxEvent.id, OutboxEvent.event_type, OutboxEvent.envelope)
                .where(OutboxEvent.published_at.is_(None))
                .order_by(OutboxEvent.id)
                .limit(self.batch_size)
            )
            if self.database.is_postgresql:
                query = query.with_for_update(skip_locked=True)
            rows = connection.execute(query).all()
            if not rows:
                return 0
            producer = self._ensure_producer()
            producer.publish_batch((row.event_type, row.envelope, json.loads(row.envelope)) for row in rows)
            connection.execute(
                update(OutboxEvent).where(OutboxEvent.id.in_([r.id for r in rows])).values(published_at=utc_now())
            )
        for row in rows:
            metrics.EVENTS_PUBLISHED.labels(self.service, row.event_type).inc()
        return len(rows)

    def purge_published(self):
        now = utc_now()
        with self.database.engine.begin() as connection:
            connection.execute(
                delete(OutboxEvent).where(OutboxEvent.published_at < now - timedelta(seconds=self.retention_seconds))
            )
            connection.execute(
                delete(ProcessedEvent).where(
                    ProcessedEvent.processed_at < now - timedelta(seconds=self.processed_retention_seconds)
                )
            )
            connection.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < now - IDEMPOTENCY_KEPT))

    def backlog(self):
        with self.database.engine.connect() as connection:
            count, oldest = connection.execute(
                select(func.count(), func.min(OutboxEvent.created_at)).where(OutboxEvent.published_at.is_(None))
            ).one()
        return count, oldest

    def drain(self, timeout=10.0) -> int:
        """Publish everything committed so far (used at shutdown and by tools)."""
        total, deadline = 0, time.monotonic() + timeout
        while time.monotonic() < deadline:
            published = self.relay_once()
            total += published
            if published == 0:
                break
        return total

    # -- loop ------------------------------------------------------------------------------------
    def run_forever(self):
        self._running = True
        failures = 0
        while self._running:
            try:
                published = self.relay_once()
                failures = 0
            except Exception as exc:  # noqa: BLE001 - broker or database away: wait, keep rows
                failures += 1
                self._drop_producer()
                delay = min(30.0, 0.5 * 2 ** min(failures, 6))
                log.warning("outbox relay of %s: %s; retrying in %.1fs", self.service, exc, delay)
                eventlet.sleep(delay)
                continue
            if time.monotonic() - self._last_purge > 600:
                self._last_purge = time.monotonic()
                try:
                    self.purge_published()
                except Exception as exc:  # noqa: BLE001
                    log.warning("outbox purge of %s failed: %s", self.service, exc)
            if published == 0:
                self._wait(self.idle_seconds)
            elif published < self.batch_size:
                eventlet.sleep(0)

    def stop(self):
        self._running = False
        self._drop_producer()
