"""The gateway's own data: tenants, users and their tokens (the identity of the platform), and
the read model of each tenant's current policy, fed by policy.published events."""

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import declarative_base

from jouda.shared.clock import utc_now
from jouda.shared.tenancy import TenantOwned, register_models

Base = declarative_base()


class Tenant(Base):
    __tablename__ = "tenants"
    code = Column(String(64), primary_key=True)
    name = Column(String(200), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)


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
    __table_args__ = (Index("uq_users_email_tenant", "email", "tenant_id", unique=True),)


class Token(Base):
    __tablename__ = "tokens"
    id = Column(String(36), primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    user_id = Column(String(36), ForeignKey("users.id"), nullable=False, index=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)
    revoked_at = Column(DateTime(timezone=True))


class CurrentPolicy(Base, TenantOwned):
    __tablename__ = "current_policies"
    tenant_id = Column(String(64), primary_key=True)
    version_id = Column(String(36), nullable=False)
    published_at = Column(String(40), nullable=False)  # ISO 8601 UTC: orders redeliveries
    document = Column(Text, nullable=False)  # the JSON answered by GET /api/v1/policies/current


register_models("gateway", Base.registry)
