"""Signing in and out, changing and resetting a password.

Failures are counted in the database per account and per client address (every gateway replica sees
the same counts): past SLOW_AFTER in the window each failed answer waits a second, and past the
allowance the account or the address gets 429 with Retry-After, and the account's owner is told by
e-mail. A wrong address and a wrong password get the same answer after the same work (one Argon2
verification), so the answers do not tell which addresses exist."""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

import eventlet
from sqlalchemy import delete, func, select

from jouda.services.gateway import links, passwords, security_log, sessions, two_factor
from jouda.services.gateway.metrics import LOCKOUTS, SIGN_INS
from jouda.services.gateway.models import SignInFailure, Tenant, User
from jouda.shared.clock import as_utc, utc_now
from jouda.shared.errors import DomainError, ValidationFailed
from jouda.shared.unit_of_work import EVERY_COUNCIL, UnitOfWork

SLOW_AFTER = 3  # failures in the window after which each failed answer waits a second
SLOWED_BY_SECONDS = 1.0
RESET_LINK_LIFETIME = timedelta(hours=1)


class SignInRefused(DomainError):
    """The same answer for an unknown address and a wrong password."""

    code = "invalid_credentials"
    status = 401

    def __init__(self):
        super().__init__("This e-mail address and password do not match an account.")


class SecondFactorNeeded(DomainError):
    code = "two_factor_required"
    status = 401

    def __init__(self):
        super().__init__("Give the 6-digit code of your authenticator app (or one of your recovery codes).")


class TooManyAttempts(DomainError):
    code = "too_many_attempts"
    status = 429

    def __init__(self, wait):
        super().__init__(f"Too many failed sign-ins; try again in {wait} seconds.", {"retry_after_seconds": wait})
        self.retry_after = wait


class CouncilNeeded(DomainError):
    code = "council_required"
    status = 422


@dataclass(frozen=True)
class Policy:
    """The settings sign-in follows (from shared/config.py)."""

    failures_allowed: int  # per account
    address_failures_allowed: int  # per client address
    window: timedelta
    allow_demo_passwords: bool


def normalised(email) -> str:
    return (email or "").strip().lower()


def _keys(email, tenant, client):
    """The throttle's keys: the account's (hashed: fixed length, and no address kept in the clear
    for failures) and the client address's."""
    account = hashlib.sha256(f"{normalised(email)}|{tenant or ''}".encode()).hexdigest()
    return (f"account:{account}", f"address:{client.address or '-'}")


def wait_seconds(session, keys, policy) -> int:
    """Seconds before these keys (an account's, an address's) may try again: 0 unless one has used
    up its allowance."""
    since = utc_now() - policy.window
    worst = 0
    for key, allowed in zip(keys, (policy.failures_allowed, policy.address_failures_allowed)):
        times = session.scalars(
            select(SignInFailure.at)
            .where(SignInFailure.key == key, SignInFailure.at > since)
            .order_by(SignInFailure.at.desc())
            .limit(allowed)
        ).all()
        if len(times) >= allowed:
            left = (as_utc(times[-1]) + policy.window - utc_now()).total_seconds()
            worst = max(worst, int(left + 0.999))
    return worst


def _failures(session, key, policy) -> int:
    return session.scalar(
        select(func.count())
        .select_from(SignInFailure)
        .where(SignInFailure.key == key, SignInFailure.at > utc_now() - policy.window)
    )


def _candidates(session, email, tenant):
    query = select(User).where(User.email == normalised(email))
    if tenant:
        query = query.where(User.tenant_id == tenant)
    return session.scalars(query).all()


def sign_in(database, policy, *, email, password, tenant=None, code=None, recovery_code=None, client):
    """Opens a session: (sessions.Opened, the user). Raises SignInRefused, SecondFactorNeeded,
    TooManyAttempts, CouncilNeeded."""
    keys = _keys(email, tenant, client)
    with UnitOfWork(database, EVERY_COUNCIL) as uow:
        wait = wait_seconds(uow.session, keys, policy)
        if wait:
            SIGN_INS.labels("throttled").inc()
            raise TooManyAttempts(wait)
        found = _candidates(uow.session, email, tenant)
        user = found[0] if found else None
        council = uow.session.get(Tenant, user.tenant_id) if user is not None and user.tenant_id else None
        usable = (
            user is not None
            and user.active
            and (council is None or council.active)
            and (policy.allow_demo_passwords or not passwords.DEMO_PASSWORD.match(password or ""))
        )
        right = passwords.verify(user.password_hash if usable else None, password or "")
        if right and len(found) > 1:
            raise CouncilNeeded(
                "This address belongs to several councils: say which one.",
                {"councils": sorted(u.tenant_id or "-" for u in found)},
            )
        given = two_factor.accepted(uow.session, user, code, recovery_code) if right and user.totp_enabled_at else None
        if right and user.totp_enabled_at and given is None and not (code or recovery_code):
            raise SecondFactorNeeded()  # the password was right: not counted as a failure
        if not right or (user.totp_enabled_at and given is None):
            failures = _failed(uow, keys, user if user is not None and user.active else None, email, client, policy)
            uow.commit()
            SIGN_INS.labels("failed").inc()
            if failures >= SLOW_AFTER:
                eventlet.sleep(SLOWED_BY_SECONDS)
            raise SignInRefused()
        if passwords.needs_rehash(user.password_hash):
            user.password_hash = passwords.hash_password(password)
        uow.session.execute(delete(SignInFailure).where(SignInFailure.key == keys[0]))
        opened = open_signed_in(uow.session, user, council, client, second_factor=given)
        if given == "recovery_code":
            security_log.record(
                uow.session, "recovery_code_used", tenant_id=user.tenant_id, subject=user, client=client
            )
        uow.commit()
    SIGN_INS.labels("success").inc()
    return opened, user


def open_signed_in(session, user, council, client, *, second_factor=None):
    """A session for `user`, who has just proved who they are, and its line in the security log."""
    opened = sessions.open_session(
        session,
        user,
        needs_two_factor_enrolment=two_factor.required(user, council) and user.totp_enabled_at is None,
        client=client,
    )
    security_log.record(
        session,
        "sign_in",
        tenant_id=user.tenant_id,
        actor_id=user.id,
        subject=user,
        client=client,
        second_factor=second_factor,
    )
    return opened


def _failed(uow, keys, user, email, client, policy) -> int:
    """Records the failure; returns the account key's failures in the window, this one included."""
    now = utc_now()
    uow.session.add_all([SignInFailure(key=key, at=now) for key in keys])
    security_log.record(
        uow.session,
        "sign_in_failed",
        tenant_id=user.tenant_id if user else None,
        subject=user,
        subject_email=None if user else normalised(email)[:254],
        client=client,
    )
    uow.session.flush()
    failures = _failures(uow.session, keys[0], policy)
    if user is not None and failures == policy.failures_allowed:
        # Locked out from now: once per window, told to the account's owner (an unknown address has none).
        LOCKOUTS.inc()
        security_log.record(uow.session, "locked_out", tenant_id=user.tenant_id, subject=user, client=client)
        uow.emit(
            "gateway.account_locked",
            {**_addressee(user), "minutes": int(policy.window.total_seconds() // 60), "address": client.address},
            tenant_id=user.tenant_id,
        )
    return failures


def _addressee(user) -> dict:
    return {"user_id": user.id, "email": user.email, "name": user.name, "language": user.language}


def sign_out(database, cookie, principal, client):
    with UnitOfWork(database, EVERY_COUNCIL) as uow:
        if sessions.end(uow.session, cookie):
            security_log.record(
                uow.session,
                "sign_out",
                tenant_id=principal.tenant_id,
                actor_id=principal.user_id,
                subject_email=principal.email,
                client=client,
            )
        uow.commit()


def set_password(uow, user, new_password, *, event, actor_id, client, keep_session=None):
    """A new password (it must pass the rule): every other session of the person ends."""
    council = uow.session.get(Tenant, user.tenant_id) if user.tenant_id else None
    passwords.check_new_password(
        new_password,
        user.language,
        passwords.personal_words(user.email, user.name, user.tenant_id, council.name if council else None),
    )
    user.password_hash, user.password_changed_at = passwords.hash_password(new_password), utc_now()
    ended = sessions.end_all(uow.session, user.id, keep=keep_session)
    security_log.record(
        uow.session,
        event,
        tenant_id=user.tenant_id,
        actor_id=actor_id,
        subject=user,
        client=client,
        sessions_ended=ended,
    )


def change_password(database, principal, current, new, client):
    with UnitOfWork(database, EVERY_COUNCIL) as uow:
        user = uow.session.get(User, principal.user_id)
        if not passwords.verify(user.password_hash, current or ""):
            raise ValidationFailed("Your current password is not this one.", {"current_password": ["Wrong password."]})
        set_password(
            uow,
            user,
            new,
            event="password_changed",
            actor_id=user.id,
            client=client,
            keep_session=principal.session.id_hash if principal.session is not None else None,
        )
        uow.commit()


def request_reset(database, public_url, *, email, tenant=None, client):
    """Answered 202 whatever the address: a link goes out only when it is a person's who may sign in."""
    with UnitOfWork(database, EVERY_COUNCIL) as uow:
        found = [user for user in _candidates(uow.session, email, tenant) if user.active]
        for user in found[:1] if len(found) == 1 else ():
            secret = links.issue(uow.session, user, links.PASSWORD_RESET, RESET_LINK_LIFETIME)
            uow.emit(
                "gateway.password_reset_requested",
                {
                    **_addressee(user),
                    "link": links.url(public_url, links.PASSWORD_RESET, secret),
                    "minutes": int(RESET_LINK_LIFETIME.total_seconds() // 60),
                },
                tenant_id=user.tenant_id,
            )
            security_log.record(
                uow.session, "password_reset_requested", tenant_id=user.tenant_id, subject=user, client=client
            )
        uow.commit()


def confirm_reset(database, *, secret, password, client):
    with UnitOfWork(database, EVERY_COUNCIL) as uow:
        user = links.redeem(uow.session, secret, links.PASSWORD_RESET)
        set_password(uow, user, password, event="password_reset", actor_id=user.id, client=client)
        links.revoke(uow.session, user, links.PASSWORD_RESET)
        uow.commit()
