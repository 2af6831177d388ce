"""The security log: who signed in or failed to, lock-outs, password changes and resets, invitations,
role changes, (de)activations, tokens created and revoked; with the actor, the person concerned, the
time, the client's address and user agent. Never a password or a secret.

Append-only: written here, read by GET /api/v1/security-log, never changed by anyone through Jouda
(the runtime database role may not UPDATE or DELETE it). Kept: nothing here removes an entry."""

from dataclasses import dataclass

from sqlalchemy import func, select

from jouda.services.gateway.models import SecurityLogEntry
from jouda.shared.clock import utc_now

EVENTS = (
    "sign_in",
    "sign_in_failed",
    "locked_out",
    "sign_out",
    "password_changed",
    "password_reset_requested",
    "password_reset",
    "two_factor_enabled",
    "two_factor_disabled",
    "recovery_code_used",
    "invitation_sent",
    "invitation_revoked",
    "invitation_accepted",
    "role_changed",
    "deactivated",
    "reactivated",
    "token_created",
    "token_revoked",
    "tenant_added",
    "tenant_renamed",
    "tenant_deactivated",
    "tenant_reactivated",
    "tenant_setting_changed",
)
COLUMNS = ("at", "event", "tenant", "actor_id", "subject_id", "subject_email", "address", "user_agent", "details")


@dataclass(frozen=True)
class Client:
    """Where a request came from, as the log keeps it."""

    address: str | None = None
    user_agent: str | None = None


def record(session, event, *, tenant_id, actor_id=None, subject=None, subject_email=None, client=Client(), **details):
    """Adds an entry to the session's transaction. `subject`: the user concerned (its id and e-mail)."""
    if event not in EVENTS:
        raise ValueError(f"unknown security event {event!r}")
    session.add(
        SecurityLogEntry(
            tenant_id=tenant_id,
            at=utc_now(),
            event=event,
            actor_id=actor_id,
            subject_id=subject.id if subject is not None else None,
            subject_email=subject.email if subject is not None else subject_email,
            address=client.address,
            user_agent=(client.user_agent or "")[:300] or None,
            details=details,
        )
    )


def entries(session, *, tenant=None, event=None, subject_id=None, since=None, until=None, limit, offset):
    """Newest first; the session's scope decides which councils' entries are visible."""
    where = []
    if tenant is not None:
        where.append(SecurityLogEntry.tenant_id == tenant)
    if event is not None:
        where.append(SecurityLogEntry.event == event)
    if subject_id is not None:
        where.append(SecurityLogEntry.subject_id == subject_id)
    if since is not None:
        where.append(SecurityLogEntry.at >= since)
    if until is not None:
        where.append(SecurityLogEntry.at < until)
    total = session.scalar(select(func.count()).select_from(SecurityLogEntry).where(*where))
    rows = session.scalars(
        select(SecurityLogEntry)
        .where(*where)
        .order_by(SecurityLogEntry.at.desc(), SecurityLogEntry.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [as_row(row) for row in rows], total


def as_row(entry):
    return {
        "at": entry.at.isoformat(),
        "event": entry.event,
        "tenant": entry.tenant_id,
        "actor_id": entry.actor_id,
        "subject_id": entry.subject_id,
        "subject_email": entry.subject_email,
        "address": entry.address,
        "user_agent": entry.user_agent,
        "details": entry.details,
    }
