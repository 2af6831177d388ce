"""One unit of work: a session of an explicit scope whose commit also writes the outbox rows and,
for an event handler, the processed-event record — all in one transaction."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from jouda.shared import idempotency
from jouda.shared.errors import CommitUnconfirmed, database_outages
from jouda.shared.events.catalogue import build_event
from jouda.shared.clock import utc_now
from jouda.shared.outbox import ProcessedEvent, add_events


OUTAGES = database_outages()


@dataclass(frozen=True)
class Scope:
    """Whose rows a unit of work sees, said once, when it is opened: one council's (a request or an
    event of that council, or a system job working council by council), the platform's (a caller of
    no council, the ministry: no council's rows at all), or every council's (a system job finding
    which councils have work)."""

    tenant_id: str | None = None
    every_council: bool = False
    platform: bool = False

    @classmethod
    def council(cls, tenant_id):
        """`None`: a caller without a council, refused at its first query on a council's table."""
        return cls(tenant_id)


PLATFORM = Scope(platform=True)
EVERY_COUNCIL = Scope(every_council=True)


class DuplicateEvent(Exception):
    """This consumer already applied this event; the redelivery has no second effect."""


class UnitOfWork:
    """`received`: the events an event handler applies in this unit of work (all of one tenant).
    Those this consumer already applied are left out of `fresh_events`; if none is left,
    entering raises DuplicateEvent. commit() records the fresh ones as processed."""

    def __init__(
        self,
        database,
        scope,
        *,
        actor="system",
        role=None,
        received=(),
        consumer=None,
        on_commit=None,
        idempotent=None,
        on_recorded=None,
    ):
        """`scope`: a Scope, or a council's code for Scope.council(code)."""
        scope = scope if isinstance(scope, Scope) else Scope.council(scope)
        self.database = database
        self.scope, self.tenant_id = scope, scope.tenant_id
        self.actor = actor
        self.role = role
        self.session = database.session(scope.tenant_id, all_tenants=scope.every_council, platform=scope.platform)
        self._emitted = []
        self._received = list(received)
        self.fresh_events = []
        self._consumer = consumer
        self._on_commit = on_commit
        # A request sent with an Idempotency-Key: answered as before if already made (see
        # shared/idempotency.py), else its key is recorded with the change.
        self._idempotent, self._on_recorded = idempotent, on_recorded

    def __enter__(self):
        self.session.begin()
        # A generated key (the gateway's, for a POST sent without one) is new unless the broker
        # delivered its request twice; then the key's primary key refuses the second commit
        # (see commit), so it is not looked up first.
        if self._idempotent is not None and self._idempotent.answer_kept:
            try:
                idempotency.check(self.session, self._idempotent)
            except Exception:
                self.__exit__(None, None, None)
                raise
        if self._received:
            ids = [event["event_id"] for event in self._received]
            done = set(
                self.session.scalars(
                    select(ProcessedEvent.event_id).where(
                        ProcessedEvent.consumer == self._consumer, ProcessedEvent.event_id.in_(ids)
                    )
                )
            )
            self.fresh_events = [event for event in self._received if event["event_id"] not in done]
            if not self.fresh_events:
                self.session.rollback()
                raise DuplicateEvent(", ".join(ids))
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if self.session.in_transaction():
                self.session.rollback()
        except OUTAGES:
            if exc_type is None:
                raise  # otherwise the error that ended the unit of work is the one to report
        finally:
            self.session.close()

    def emit(self, event_type, payload, *, tenant_id=None, occurred_at: datetime | None = None):
        """Queue an event; it is written to the outbox by commit(), with the change."""
        envelope = build_event(event_type, tenant_id or self.tenant_id, self.actor, payload, occurred_at=occurred_at)
        self._emitted.append(envelope)
        return envelope

    def commit(self):
        add_events(self.session, self._emitted)
        if self._idempotent is not None:
            idempotency.record(self.session, self._idempotent)
        if self.fresh_events:
            now = utc_now()
            self.session.execute(
                ProcessedEvent.__table__.insert(),
                [
                    {"consumer": self._consumer, "event_id": event["event_id"], "processed_at": now}
                    for event in self.fresh_events
                ],
            )
        try:
            self.session.commit()
        except OUTAGES as error:
            # Lost during COMMIT itself: PostgreSQL may have committed; the caller must not be told
            # that nothing changed.
            raise CommitUnconfirmed() from error
        except IntegrityError:
            # A concurrent delivery of the same event, or the twin of a request sent with the same
            # Idempotency-Key, committed first: this one changes nothing.
            self.session.rollback()
            if self.fresh_events and self._any_processed():
                raise DuplicateEvent(", ".join(e["event_id"] for e in self.fresh_events)) from None
            if self._idempotent is not None:
                idempotency.answer_of_twin(self.database, self._idempotent)
            raise
        if self._idempotent is not None and self._on_recorded is not None:
            self._on_recorded(self._idempotent)
        emitted, self._emitted = self._emitted, []
        if emitted and self._on_commit:
            self._on_commit()
        return emitted

    def _any_processed(self):
        with self.database.session(all_tenants=True) as session:
            return session.scalar(
                select(
                    exists().where(
                        ProcessedEvent.consumer == self._consumer,
                        ProcessedEvent.event_id.in_([e["event_id"] for e in self.fresh_events]),
                    )
                )
            )
