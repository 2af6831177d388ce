"""Two-factor sign-in with time-based codes (TOTP, pyotp): enrolment shows a secret as an otpauth://
URI (for a QR code) and is confirmed with a first code, which also gives ten one-time recovery
codes (kept hashed). A code is accepted once: the time step of the last one used is kept.

Required for the platform roles (admin, ministry) and, when their council turns it on, for its
quality managers."""

import secrets
import uuid

import pyotp
from sqlalchemy import select

from jouda.services.gateway.directory import hash_token
from jouda.services.gateway.models import RecoveryCode
from jouda.shared.clock import utc_now
from jouda.shared.errors import Conflict, ValidationFailed
from jouda.shared.vocabulary import ADMIN, MINISTRY, QUALITY_MANAGER

ISSUER = "Jouda"
RECOVERY_CODES = 10
VALID_WINDOW = 1  # the step before and after the current one: clocks a little apart still agree


def required(user, tenant) -> bool:
    return user.role in (ADMIN, MINISTRY) or (
        user.role == QUALITY_MANAGER and tenant is not None and tenant.managers_need_two_factor
    )


def start_enrolment(user) -> dict:
    if user.totp_enabled_at is not None:
        raise Conflict("Two-factor sign-in is on already; turn it off first to enrol a new device.")
    user.totp_secret = pyotp.random_base32()
    uri = pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return {"secret": user.totp_secret, "otpauth_uri": uri}


def confirm_enrolment(session, user, code) -> list:
    """Turns two-factor sign-in on with a first good code; returns the recovery codes (shown once)."""
    if user.totp_secret is None or user.totp_enabled_at is not None:
        raise Conflict("Start the enrolment first (POST /api/v1/me/two-factor).")
    if not _code_accepted(user, code):
        raise ValidationFailed("This code is not the one your app shows now.", {"code": ["Not valid."]})
    user.totp_enabled_at = utc_now()
    return _new_recovery_codes(session, user)


def turn_off(session, user):
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = None, None, None
    for code in session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        session.delete(code)


def accepted(session, user, code=None, recovery_code=None) -> str | None:
    """How the second factor was given ("code" or "recovery_code"), or None if it was not."""
    if code and _code_accepted(user, code):
        return "code"
    if recovery_code:
        found = session.scalars(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == hash_token(_normalised(recovery_code)),
                RecoveryCode.used_at.is_(None),
            )
        ).first()
        if found is not None:
            found.used_at = utc_now()
            return "recovery_code"
    return None


def _code_accepted(user, code) -> bool:
    code = str(code or "").strip()
    if not (code.isdigit() and len(code) == 6) or user.totp_secret is None:
        return False
    totp, now = pyotp.TOTP(user.totp_secret), utc_now()
    current = totp.timecode(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False  # used already (or an older one): a code is good once
            user.totp_last_step = step
            return True
    return False


def _new_recovery_codes(session, user) -> list:
    codes = ["-".join(secrets.token_hex(3) for _ in range(2)) for _ in range(RECOVERY_CODES)]
    for code in codes:
        session.add(RecoveryCode(id=str(uuid.uuid4()), user_id=user.id, code_hash=hash_token(code)))
    return codes


def _normalised(code) -> str:
    return str(code).strip().lower().replace(" ", "")
