"""Sessions of people signed in with their password: an opaque random id in an HttpOnly cookie, of
which only the hash is kept, with a CSRF token of its own. A session ends when its person signs
out, after JOUDA_SESSION_IDLE_MINUTES without a request, JOUDA_SESSION_MAX_HOURS after it began,
when the password changes, and when the person is deactivated. A gateway keeps a session it has
looked up (one indexed lookup) as long as it keeps a token, and looks it up again whenever its idle
clock needs writing (services/gateway/api.py)."""

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, select, update

from jouda.services.gateway.directory import hash_token
from jouda.services.gateway.models import Tenant, User, WebSession
from jouda.shared.clock import as_utc, utc_now

COOKIE = "jouda_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
TOUCH_EVERY = timedelta(seconds=60)  # last_seen_at is written at most this often


@dataclass(frozen=True)
class Opened:
    cookie_value: str  # goes to the browser once, in Set-Cookie
    csrf_token: str  # goes to the web app once, in the answer's body
    needs_two_factor_enrolment: bool


def open_session(session, user, *, needs_two_factor_enrolment, client) -> Opened:
    cookie, csrf, now = secrets.token_urlsafe(32), secrets.token_urlsafe(32), utc_now()
    session.add(
        WebSession(
            id_hash=hash_token(cookie),
            user_id=user.id,
            csrf_hash=hash_token(csrf),
            created_at=now,
            last_seen_at=now,
            needs_two_factor_enrolment=needs_two_factor_enrolment,
            address=client.address,
            user_agent=(client.user_agent or "")[:300] or None,
        )
    )
    return Opened(cookie, csrf, needs_two_factor_enrolment)


def lookup(session, cookie_value, *, idle: timedelta, longest: timedelta):
    """(web session, user) of a live session, or None. Touches last_seen_at now and then (in the
    caller's transaction)."""
    if not cookie_value or len(cookie_value) > 100:
        return None
    row = session.execute(
        select(WebSession, User)
        .join(User, User.id == WebSession.user_id)
        .outerjoin(Tenant, Tenant.code == User.tenant_id)
        .where(
            WebSession.id_hash == hash_token(cookie_value),
            WebSession.ended_at.is_(None),
            User.active.is_(True),
            func.coalesce(Tenant.active, True).is_(True),
        )
    ).first()
    if row is None:
        return None
    web_session, user = row
    if not live(web_session, idle=idle, longest=longest):
        return None
    now = utc_now()
    if now - as_utc(web_session.last_seen_at) > TOUCH_EVERY:
        web_session.last_seen_at = now
    return web_session, user


def live(web_session, *, idle: timedelta, longest: timedelta) -> bool:
    """Neither idle too long nor open too long."""
    now = utc_now()
    return now - as_utc(web_session.last_seen_at) <= idle and now - as_utc(web_session.created_at) <= longest


def recently_seen(web_session, *, longest: timedelta) -> bool:
    """What a cache may answer for without the database: seen (and written so) within TOUCH_EVERY,
    so idle time goes on being counted, and not open too long."""
    now = utc_now()
    return now - as_utc(web_session.last_seen_at) <= TOUCH_EVERY and now - as_utc(web_session.created_at) <= longest


def csrf_refusal(web_session, request, allowed_origins) -> str | None:
    """Why a state-changing request made with a session cookie is refused, or None: it must carry
    the session's CSRF token, and come from an allowed origin when the browser says where from."""
    if request.method in SAFE_METHODS:
        return None
    origin = request.headers.get("Origin")
    if origin is not None and origin not in allowed_origins:
        return f"This request comes from {origin!r}, which may not act on Jouda with your session."
    token = request.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(hash_token(token), web_session.csrf_hash):
        return f"A request made with your session must carry its CSRF token in the {CSRF_HEADER} header."
    return None


def origin_of(url) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def end(session, cookie_value) -> bool:
    result = session.execute(
        update(WebSession)
        .where(WebSession.id_hash == hash_token(cookie_value or ""), WebSession.ended_at.is_(None))
        .values(ended_at=utc_now())
    )
    return bool(result.rowcount)


def end_all(session, user_id, *, keep=None) -> int:
    """Ends every live session of the person (but `keep`, the id hash of the one asking)."""
    statement = update(WebSession).where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
    if keep:
        statement = statement.where(WebSession.id_hash != keep)
    return session.execute(statement.values(ended_at=utc_now())).rowcount


def enrolled(session, id_hash):
    """The session (by the hash its row is kept under) may go on: its person has enrolled the second
    factor it had to."""
    session.execute(update(WebSession).where(WebSession.id_hash == id_hash).values(needs_two_factor_enrolment=False))


def live_count(session, idle: timedelta) -> int:
    return session.scalar(
        select(func.count())
        .select_from(WebSession)
        .where(WebSession.ended_at.is_(None), WebSession.last_seen_at > utc_now() - idle - TOUCH_EVERY)
    )


def cookie_header(value, *, secure, max_age_seconds) -> str:
    attributes = [f"{COOKIE}={value}", "Path=/", "HttpOnly", "SameSite=Lax", f"Max-Age={max_age_seconds}"]
    if secure:
        attributes.append("Secure")
    return "; ".join(attributes)


def clearing_cookie_header(*, secure) -> str:
    return cookie_header("", secure=secure, max_age_seconds=0)
