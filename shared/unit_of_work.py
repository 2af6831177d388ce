"""One unit of work: a tenant-scoped session whose commit also writes the outbox rows and,
for an event handler, the processed-event record — all in one transaction."""
from datetime import datetime

from sqlalchemy import Column, DateTime, PrimaryKeyConstraint, String, exists, select
from sqlalchemy.exc import IntegrityError

from jouda.shared.events.catalogue import build_event
from jouda.shared.events.envelope import utc_now
from jouda.shared.outbox import OutboxBase, add_events


class ProcessedEvent(OutboxBase):
    __tablename__ = "processed_events"
    consumer = Column(String(200), nullable=False)
    event_id = Column(String(36), nullable=False)
    processed_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)
    __table_args__ = (PrimaryKeyConstraint("consumer", "event_id"),)


class DuplicateEvent(Exception):
    """This consumer already applied this event; the redelivery has no second effect."""


class UnitOfWork:
    def __init__(self, database, tenant_id, *, actor="system", role=None, all_tenants=False,
                 event=None, consumer=None, on_commit=None):
        self.database = database
        self.tenant_id = tenant_id
        self.actor = actor
        self.role = role
        self.session = database.session(tenant_id, all_tenants=all_tenants)
        self._events = []
        self._event = event
        self._consumer = consumer
        self._on_commit = on_commit

    def __enter__(self):
        self.session.begin()
        if self._event is not None and self.session.scalar(select(exists().where(
                ProcessedEvent.consumer == self._consumer,
                ProcessedEvent.event_id == self._event["event_id"]))):
            self.session.rollback()
            raise DuplicateEvent(self._event["event_id"])
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if self.session.in_transaction():
                self.session.rollback()
        finally:
            self.session.close()

    def emit(self, event_type, payload, *, tenant_id=None, occurred_at: datetime | None = None):
        """Queue an event; it is written to the outbox by commit(), with the change."""
        envelope = build_event(event_type, tenant_id or self.tenant_id, self.actor, payload,
                               occurred_at=occurred_at)
        self._events.append(envelope)
        return envelope

    def commit(self):
        add_events(self.session, self._events)
        if self._event is not None:
            self.session.add(ProcessedEvent(consumer=self._consumer, event_id=self._event["event_id"]))
        try:
            self.session.commit()
        except IntegrityError:
            self.session.rollback()
            if self._event is not None and self._is_processed():
                raise DuplicateEvent(self._event["event_id"]) from None
            raise
        emitted, self._events = self._events, []
        if emitted and self._on_commit:
            self._on_commit()
        return emitted

    def _is_processed(self):
        with self.database.session(all_tenants=True) as session:
            return session.scalar(select(exists().where(
                ProcessedEvent.consumer == self._consumer,
                ProcessedEvent.event_id == self._event["event_id"])))
