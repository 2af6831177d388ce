"""The gateway's own data: tenants, users, their passwords, sessions, tokens and one-time links (the
identity of the platform), the security log, and the read model of each tenant's current policy,
fed by policy.published events."""

from sqlalchemy import JSON, BigInteger, Boolean, Column, DateTime, ForeignKey, Identity, Index, Integer, String, Text
from sqlalchemy.orm import declarative_base

from jouda.shared.clock import utc_now
from jouda.shared.tenancy import TenantOwned, register_models

Base = declarative_base()


class Tenant(Base):
    __tablename__ = "tenants"
    code = Column(String(64), primary_key=True)
    name = Column(String(200), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)
    active = Column(Boolean, nullable=False, default=True)
    managers_need_two_factor = Column(Boolean, nullable=False, default=False)  # its quality managers' sign-in


class User(Base):
    """Identity is looked up before a tenant is known (token -> user -> tenant), so this table is
    not tenant-scoped; every read of it goes through services/gateway/directory.py."""

    __tablename__ = "users"
    id = Column(String(36), primary_key=True)
    email = Column(String(254), nullable=False)
    name = Column(String(200))
    role = Column(String(30), nullable=False)
    tenant_id = Column(String(64), ForeignKey("tenants.code"))
    language = Column(String(2), nullable=False, default="fr")
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)
    password_hash = Column(String(200))  # Argon2id; none for a person invited who has not accepted yet
    password_changed_at = Column(DateTime(timezone=True))
    totp_secret = Column(String(64))  # set at enrolment, in use once totp_enabled_at is
    totp_enabled_at = Column(DateTime(timezone=True))
    totp_last_step = Column(BigInteger)  # the time step of the last code accepted: a code is good once
    __table_args__ = (Index("uq_users_email_tenant", "email", "tenant_id", unique=True),)


class Token(Base):
    """A bearer token: an operator's (from `jouda token create`) or a person's own, named and expiring."""

    __tablename__ = "tokens"
    id = Column(String(36), primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    user_id = Column(String(36), ForeignKey("users.id"), nullable=False, index=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)
    revoked_at = Column(DateTime(timezone=True))
    name = Column(String(100))
    expires_at = Column(DateTime(timezone=True))


class WebSession(Base):
    """A signed-in browser: only the hash of its cookie is kept, and of its CSRF token."""

    __tablename__ = "sessions"
    id_hash = Column(String(64), primary_key=True)
    user_id = Column(String(36), ForeignKey("users.id"), nullable=False)
    csrf_hash = Column(String(64), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False)
    last_seen_at = Column(DateTime(timezone=True), nullable=False)
    ended_at = Column(DateTime(timezone=True))
    needs_two_factor_enrolment = Column(Boolean, nullable=False, default=False)  # may only enrol, then go on
    address = Column(String(64))
    user_agent = Column(String(300))


class RecoveryCode(Base):
    __tablename__ = "recovery_codes"
    id = Column(String(36), primary_key=True)
    user_id = Column(String(36), ForeignKey("users.id"), nullable=False, index=True)
    code_hash = Column(String(64), nullable=False)
    used_at = Column(DateTime(timezone=True))


class OneTimeLink(Base):
    """An invitation's or a password reset's link: only its hash is kept; good once, until it expires,
    is revoked, or a newer one of the same purpose replaces it."""

    __tablename__ = "one_time_links"
    id_hash = Column(String(64), primary_key=True)
    user_id = Column(String(36), ForeignKey("users.id"), nullable=False)
    purpose = Column(String(20), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False)
    expires_at = Column(DateTime(timezone=True), nullable=False)
    used_at = Column(DateTime(timezone=True))
    revoked_at = Column(DateTime(timezone=True))


class SignInFailure(Base):
    __tablename__ = "sign_in_failures"
    id = Column(BigInteger().with_variant(Integer, "sqlite"), Identity(), primary_key=True)
    key = Column(String(300), nullable=False)
    at = Column(DateTime(timezone=True), nullable=False)


class SecurityLogEntry(Base):
    """Append-only: the runtime database role may insert and read these rows, never change them. A
    platform user's entries have no council; a council's are read within its scope (and its rows
    guarded by row-level security), so the reader names the council it reads."""

    __tablename__ = "security_log"
    id = Column(BigInteger().with_variant(Integer, "sqlite"), Identity(), primary_key=True)
    tenant_id = Column(String(64))
    at = Column(DateTime(timezone=True), nullable=False)
    event = Column(String(40), nullable=False)
    actor_id = Column(String(36))
    subject_id = Column(String(36))
    subject_email = Column(String(254))
    address = Column(String(64))
    user_agent = Column(String(300))
    details = Column(JSON, nullable=False)


class CurrentPolicy(Base, TenantOwned):
    __tablename__ = "current_policies"
    tenant_id = Column(String(64), primary_key=True)
    version_id = Column(String(36), nullable=False)
    published_at = Column(String(40), nullable=False)  # ISO 8601 UTC: orders redeliveries
    document = Column(Text, nullable=False)  # the JSON answered by GET /api/v1/policies/current


register_models("gateway", Base.registry)
