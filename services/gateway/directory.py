"""Tenants, users and bearer tokens: the platform's identity, owned by the gateway.

Tokens are random and stored only as SHA-256 hashes; revoking one takes effect on the next
request. Every change to a tenant or a user is announced through the outbox
(gateway.tenant_created, gateway.user_created, gateway.user_updated) so the other services
keep what they need of it (the policy service: who is active, for the acknowledgement rate).
"""

import base64
import hashlib
import re
import secrets
import uuid
import zlib
from dataclasses import dataclass

from sqlalchemy import func, or_, select, true, update

from jouda.services.gateway.models import Tenant, Token, User
from jouda.shared.errors import Conflict, NotFound, ValidationFailed
from jouda.shared.vocabulary import COUNCIL_ROLES, ROLES
from jouda.shared.clock import utc_now
from jouda.shared.unit_of_work import EVERY_COUNCIL, UnitOfWork

TENANT_CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LANGUAGES = ("fr", "ar")
TOKEN_PREFIX = "jd_"


@dataclass(frozen=True)
class Principal:
    user_id: str
    email: str
    name: str | None
    role: str
    tenant_id: str | None
    language: str
    session: object = None  # the web session, for a person signed in with a cookie (None: a bearer token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# A token is `jd_`, 43 random URL-safe characters and a 6-character checksum of them: a guess that
# fails the checksum is refused without looking anything up. Tokens made before the checksum
# (the 43 characters alone) are still looked up.
TOKEN_SHAPE = re.compile(r"jd_([A-Za-z0-9_-]{43})([A-Za-z0-9_-]{6})?")


def _checksum(random_part: str) -> str:
    return base64.urlsafe_b64encode(zlib.crc32(random_part.encode()).to_bytes(4, "big")).decode()[:6]


def new_token() -> str:
    random_part = secrets.token_urlsafe(32)
    return TOKEN_PREFIX + random_part + _checksum(random_part)


def could_be_valid(token: str) -> bool:
    """The shape (and checksum) of a token Jouda made: False means no lookup can find it."""
    match = TOKEN_SHAPE.fullmatch(token or "")
    return bool(match) and (match.group(2) is None or match.group(2) == _checksum(match.group(1)))


def user_payload(user) -> dict:
    """What the other services are told of a person (gateway.user_*)."""
    return {
        "user_id": user.id,
        "role": user.role,
        "active": user.active,
        "language": user.language,
        "email": user.email,
        "name": user.name,
    }


def add_tenant(database, code, name=None, *, actor="admin"):
    """A council: one of the twelve regions (its name from the catalogue), or any slug with a name."""
    from jouda.services.gateway.regions import REGIONS

    code = (code or "").strip().lower() if isinstance(code, str) else ""
    if not TENANT_CODE.match(code) or len(code) > 64:
        raise ValidationFailed("A tenant code is a lowercase slug such as 'fes-meknes'.", {"code": [code]})
    name = name if name is not None else REGIONS.get(code)
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise ValidationFailed(
            f"{code} is not one of the twelve regions (`jouda tenant regions`): give its name, 1 to 200 "
            'characters (--name with `jouda tenant add`, "name" over HTTP).',
            {"name": ["Required."]},
        )
    with UnitOfWork(database, EVERY_COUNCIL, actor=actor) as uow:
        if uow.session.get(Tenant, code) is not None:
            raise Conflict(f"Tenant {code} already exists.", {"code": code})
        tenant = Tenant(code=code, name=name.strip())
        uow.session.add(tenant)
        uow.emit("gateway.tenant_created", {"code": code, "name": tenant.name}, tenant_id=code)
        uow.commit()
    return tenant


def list_tenants(database):
    with database.transaction(all_tenants=True) as session:
        return session.scalars(select(Tenant).order_by(Tenant.code)).all()


def add_user(database, email, role, *, tenant=None, name=None, language="fr", actor="admin"):
    email = (email or "").strip().lower()
    if not EMAIL.match(email):
        raise ValidationFailed(f"{email!r} is not an e-mail address.", {"email": [email]})
    if role not in ROLES:
        raise ValidationFailed(f"Unknown role {role!r}; use one of {', '.join(ROLES)}.", {"role": [role]})
    if language not in LANGUAGES:
        raise ValidationFailed("Language is fr or ar.", {"language": [language]})
    if role in COUNCIL_ROLES and not tenant:
        raise ValidationFailed(f"A {role} belongs to a council: give --tenant CODE.", {"tenant": ["Required."]})
    if role not in COUNCIL_ROLES and tenant:
        raise ValidationFailed(f"A {role} works across councils and has no tenant.", {"tenant": [tenant]})
    with UnitOfWork(database, EVERY_COUNCIL, actor=actor) as uow:
        if tenant and uow.session.get(Tenant, tenant) is None:
            raise NotFound(f"No tenant {tenant}; add it first with `jouda tenant add`.", {"tenant": tenant})
        if uow.session.scalars(
            select(User).where(
                User.email == email, User.tenant_id.is_(tenant) if tenant is None else User.tenant_id == tenant
            )
        ).first():
            raise Conflict(f"{email} already exists" + (f" in {tenant}." if tenant else "."), {"email": email})
        user = User(
            id=str(uuid.uuid4()), email=email, name=name, role=role, tenant_id=tenant, language=language, active=True
        )
        uow.session.add(user)
        uow.emit("gateway.user_created", user_payload(user), tenant_id=tenant)
        uow.commit()
    return user


def set_active(session, user, active):
    """Deactivating also revokes every token of the person and ends every session: reactivating
    them later must not bring back a token or a session that may have leaked in between."""
    from jouda.services.gateway.sessions import end_all  # sessions reads hash_token from this module

    user.active = active
    if not active:
        session.execute(
            update(Token).where(Token.user_id == user.id, Token.revoked_at.is_(None)).values(revoked_at=utc_now())
        )
        end_all(session, user.id)


def set_user_active(database, email, active, *, tenant=None, actor="admin"):
    with UnitOfWork(database, EVERY_COUNCIL, actor=actor) as uow:
        user = _find_user(uow.session, email, tenant)
        set_active(uow.session, user, active)
        uow.emit("gateway.user_updated", user_payload(user), tenant_id=user.tenant_id)
        uow.commit()
    return user


def list_users(database, tenant=None):
    with database.transaction(all_tenants=True) as session:
        query = select(User).order_by(User.tenant_id, User.email)
        if tenant:
            query = query.where(User.tenant_id == tenant)
        return session.scalars(query).all()


def _find_user(session, email, tenant):
    email = (email or "").strip().lower()
    query = select(User).where(User.email == email)
    if tenant:
        query = query.where(User.tenant_id == tenant)
    users = session.scalars(query).all()
    if not users:
        raise NotFound(f"No user {email}" + (f" in {tenant}." if tenant else "."), {"email": email})
    if len(users) > 1:
        tenants = ", ".join(sorted(u.tenant_id or "-" for u in users))
        raise Conflict(
            f"{email} exists in several councils ({tenants}); choose one with --tenant.", {"tenants": tenants}
        )
    return users[0]


def create_token(database, email, *, tenant=None) -> str:
    """A new bearer token for the user; only its hash is kept."""
    token = new_token()
    with database.transaction(all_tenants=True) as session:
        user = _find_user(session, email, tenant)
        if not user.active:
            raise Conflict(f"{user.email} is deactivated; reactivate the user first.")
        session.add(Token(id=str(uuid.uuid4()), token_hash=hash_token(token), user_id=user.id))
    return token


def revoke_token(database, token=None, *, email=None, tenant=None) -> int:
    """Revoke one token, or every token of a user; returns how many were revoked."""
    with database.transaction(all_tenants=True) as session:
        if token:
            tokens = session.scalars(select(Token).where(Token.token_hash == hash_token(token))).all()
        else:
            user = _find_user(session, email, tenant)
            tokens = session.scalars(select(Token).where(Token.user_id == user.id)).all()
        live = [t for t in tokens if t.revoked_at is None]
        for item in live:
            item.revoked_at = utc_now()
    if token and not tokens:
        raise NotFound("No such token.")
    return len(live)


AUTH_QUERY = (
    select(User.id, User.email, User.name, User.role, User.tenant_id, User.language)
    .join(Token, Token.user_id == User.id)
    .outerjoin(Tenant, Tenant.code == User.tenant_id)
    .where(
        Token.revoked_at.is_(None),
        or_(Token.expires_at.is_(None), Token.expires_at > func.now()),
        User.active.is_(True),
        func.coalesce(Tenant.active, true()),  # a deactivated council's people are refused
    )
)


def authenticate(connection, token: str) -> Principal | None:
    """One indexed lookup for a token that could be valid; the gateway caches a hit for
    JOUDA_AUTH_CACHE_SECONDS."""
    if not could_be_valid(token):
        return None
    row = connection.execute(AUTH_QUERY.where(Token.token_hash == hash_token(token))).first()
    return Principal(*row) if row else None
