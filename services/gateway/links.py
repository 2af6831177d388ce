"""One-time links: an invitation's (valid 7 days) and a password reset's (valid 1 hour). The secret
travels in the e-mail only; Jouda keeps its hash. A link is good once, until it expires, is revoked,
or a newer link of the same purpose for the same person replaces it."""

import secrets
from datetime import timedelta

from sqlalchemy import select, update

from jouda.services.gateway.directory import hash_token
from jouda.services.gateway.models import OneTimeLink, User
from jouda.shared.clock import as_utc, utc_now
from jouda.shared.errors import DomainError

INVITATION, PASSWORD_RESET = "invitation", "password_reset"
PATHS = {INVITATION: "/invitation", PASSWORD_RESET: "/password-reset"}  # where the web app takes the secret


class LinkNotValid(DomainError):
    code = "link_not_valid"
    status = 410


MESSAGES = {
    "expired": "This link has expired; ask for a new one.",
    "used": "This link has been used already; ask for a new one if you still need it.",
    "revoked": "This link is no longer valid: a newer one was sent, or it was withdrawn.",
    "unknown": "This link is not valid; check that it was copied whole, or ask for a new one.",
}


def issue(session, user, purpose, lifetime: timedelta) -> str:
    """A new link for `user`, replacing the unused ones of the same purpose; returns its secret."""
    now = utc_now()
    revoke(session, user, purpose)
    secret = secrets.token_urlsafe(32)
    session.add(
        OneTimeLink(
            id_hash=hash_token(secret), user_id=user.id, purpose=purpose, created_at=now, expires_at=now + lifetime
        )
    )
    return secret


def revoke(session, user, purpose) -> int:
    result = session.execute(
        update(OneTimeLink)
        .where(
            OneTimeLink.user_id == user.id,
            OneTimeLink.purpose == purpose,
            OneTimeLink.used_at.is_(None),
            OneTimeLink.revoked_at.is_(None),
        )
        .values(revoked_at=utc_now())
    )
    return result.rowcount


def redeem(session, secret, purpose) -> User:
    """The link's person, the link used up; LinkNotValid (410) says why it cannot be used."""
    link = session.scalars(
        select(OneTimeLink)
        .where(OneTimeLink.id_hash == hash_token(secret or ""), OneTimeLink.purpose == purpose)
        .with_for_update()
    ).first()
    reason = (
        "unknown"
        if link is None
        else "used"
        if link.used_at is not None
        else "revoked"
        if link.revoked_at is not None
        else "expired"
        if as_utc(link.expires_at) <= utc_now()
        else None
    )
    if reason:
        raise LinkNotValid(MESSAGES[reason], {"reason": reason})
    link.used_at = utc_now()
    return session.get(User, link.user_id)


def url(public_url, purpose, secret) -> str:
    return f"{public_url}{PATHS[purpose]}#{secret}"  # after '#': never sent to a server, nor in a Referer
