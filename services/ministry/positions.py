"""Where the ministry's positions are kept: each council's row, its lock, its completeness."""

from sqlalchemy import select

from jouda.services.ministry import models
from jouda.services.ministry.domain import (
    AuditPosition,
    CouncilPosition,
    IndicatorPosition,
    NonconformityPosition,
    ObjectivePosition,
)
from jouda.shared import periods
from jouda.shared.db import upsert


def council(session, tenant_id) -> CouncilPosition:
    """The council's position, created if need be, and locked until the transaction ends.

    Every change to a council's read model takes this lock first, so concurrent batches (one
    per event type) apply in turn: no lost update, no race to create a row, no deadlock."""
    session.execute(
        upsert(session, models.councils)
        .values(tenant_id=tenant_id, reported_periods=0, due_periods=0, grace_days=periods.DEFAULT_GRACE_DAYS)
        .on_conflict_do_nothing()
    )
    return session.get(CouncilPosition, tenant_id, with_for_update=True, populate_existing=True)


def _position(session, cls, key, tenant_id):
    """The position of `key`, added when its first event arrives (the council's lock is held)."""
    position = session.get(cls, key)
    if position is None:
        position = cls(key, tenant_id)
        session.add(position)
    return position


def objective(session, tenant_id, objective_id) -> ObjectivePosition:
    return _position(session, ObjectivePosition, objective_id, tenant_id)


def indicator(session, tenant_id, indicator_id) -> IndicatorPosition:
    return _position(session, IndicatorPosition, indicator_id, tenant_id)


def audit(session, tenant_id, audit_id) -> AuditPosition:
    return _position(session, AuditPosition, audit_id, tenant_id)


def nonconformity(session, tenant_id, nonconformity_id) -> NonconformityPosition:
    return _position(session, NonconformityPosition, nonconformity_id, tenant_id)


def refresh_completeness(session, tenant_id, today):
    """Reporting completeness of a council's active indicators, as of `today`."""
    position = council(session, tenant_id)  # the lock first: a batch committing meanwhile is not overwritten
    rows = session.execute(
        select(IndicatorPosition.frequency, IndicatorPosition.start_period, IndicatorPosition.reported_periods).where(
            IndicatorPosition.tenant_id == tenant_id, IndicatorPosition.active.is_(True)
        )
    ).all()
    reported, due = periods.completeness(((f, s, set(r)) for f, s, r in rows), today, position.grace_days)
    position.reported_periods, position.due_periods, position.completeness_as_of = reported, due, today


def stale_councils(session, today):
    """Councils whose completeness was last worked out before today (periods fall due as days pass)."""
    return session.scalars(
        select(CouncilPosition.tenant_id).where(
            (CouncilPosition.completeness_as_of.is_(None)) | (CouncilPosition.completeness_as_of < today)
        )
    ).all()
