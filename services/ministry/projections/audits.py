"""Audits and nonconformities, from the audits service's events: figures only (no title, reference,
comment or person). Every audit.* and nonconformity.* event carries the whole record as it stands,
so the newest one applied says it all."""

from datetime import datetime

from jouda.services.ministry import domain, positions
from jouda.shared.clock import as_utc, not_older
from jouda.shared.events.envelope import occurred_at


def apply_audit(session, event):
    """audit.planned / updated / prepared / started / reported / closed / cancelled / snapshot."""
    payload, at = event["payload"], occurred_at(event)
    audit = positions.audit(session, event["tenant_id"], payload["audit_id"])
    if not_older(at, audit.as_of):
        domain.take_audit(audit, payload, at=at)


def apply_nonconformity(session, event):
    """nonconformity.opened / status_changed / closed / snapshot."""
    payload, at = event["payload"], occurred_at(event)
    nonconformity = positions.nonconformity(session, event["tenant_id"], payload["nonconformity_id"])
    if not_older(at, nonconformity.as_of):
        domain.take_nonconformity(
            nonconformity,
            payload,
            opened_at=_moment(payload["opened_at"]),
            closed_at=_moment(payload["closed_at"]),
            at=at,
        )


def _moment(text):
    return None if text is None else as_utc(datetime.fromisoformat(text))


APPLIERS = {
    "audit.planned": apply_audit,
    "audit.updated": apply_audit,
    "audit.prepared": apply_audit,
    "audit.started": apply_audit,
    "audit.reported": apply_audit,
    "audit.closed": apply_audit,
    "audit.cancelled": apply_audit,
    "audit.snapshot": apply_audit,
    "nonconformity.opened": apply_nonconformity,
    "nonconformity.status_changed": apply_nonconformity,
    "nonconformity.closed": apply_nonconformity,
    "nonconformity.snapshot": apply_nonconformity,
}
REFRESHES = frozenset()
