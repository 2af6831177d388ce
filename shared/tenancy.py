"""Tenant isolation, enforced centrally.

The tenant is decided once, at the gateway, and travels as Nameko context data under
TENANT_KEY. Inside a service every session is opened for exactly one tenant (or, for
system jobs such as timers and the metrics collector, explicitly for all tenants):

- ORM level: every SELECT/UPDATE/DELETE on a TenantOwned entity gets a `tenant_id = :tenant`
  criterion (do_orm_execute + with_loader_criteria), and new rows are stamped with the
  session's tenant before flush;
- PostgreSQL level: row-level security on each tenant-owned table compares `tenant_id` with a
  transaction-local setting written when the transaction begins, so a query that escapes the
  ORM (or a forgotten filter) still cannot see another council's rows.
"""

from sqlalchemy import Column, String, event, inspect
from sqlalchemy.orm import Session, with_loader_criteria

from jouda.shared.errors import TenantRequired

TENANT_KEY = "tenant_id"
USER_KEY = "user_id"
ROLE_KEY = "user_role"

SERVICE_KEY = "service"  # session.info: the service whose database the session is on

RLS_TENANT_SETTING = "jouda.tenant_id"
RLS_ALL_TENANTS_SETTING = "jouda.all_tenants"
RUNTIME_ROLE = "jouda_app"


def tenant_column(primary_key=False):
    """The column every tenant-owned table carries (the tenant's code)."""
    return Column("tenant_id", String(64), nullable=False, primary_key=primary_key)


class TenantOwned:
    """Marker base for mapped classes whose rows belong to one tenant (column `tenant_id`)."""


class TenantMismatch(Exception):
    pass


def tenant_of(session: Session):
    return session.info.get(TENANT_KEY)


def is_all_tenants(session: Session) -> bool:
    return bool(session.info.get("all_tenants"))


def scope_session(session: Session, tenant_id: str | None, *, all_tenants=False, platform=False) -> Session:
    """`platform`: a caller with no tenant (the ministry) who sees no tenant-owned row at all."""
    if not all_tenants and not platform and not tenant_id:
        raise TenantRequired("This operation needs a council (tenant) context.")
    session.info[TENANT_KEY] = tenant_id
    session.info["all_tenants"] = all_tenants
    return session


_SERVICE_REGISTRIES = {}


def register_models(service: str, mapper_registry):
    """Called by a service's models module: its sessions then filter only its own classes."""
    _SERVICE_REGISTRIES[service] = mapper_registry


def tenant_owned_classes_for(service):
    """The TenantOwned classes a session of `service` can query. Read from the service's registry
    at each call, so a class mapped late is never missed; every class known when the service did
    not register its models."""
    mapper_registry = _SERVICE_REGISTRIES.get(service)
    if mapper_registry is None:
        return tenant_owned_classes()
    return [mapper.class_ for mapper in mapper_registry.mappers if issubclass(mapper.class_, TenantOwned)]


def tenant_owned_classes():
    """Every mapped class that is TenantOwned (domain classes mapped imperatively included)."""
    found, pending = [], list(TenantOwned.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if inspect(cls, raiseerr=False) is not None:
            found.append(cls)
    return found


@event.listens_for(Session, "do_orm_execute")
def _add_tenant_criteria(state):
    session = state.session
    if "all_tenants" not in session.info:
        return  # a session not opened through scope_session (migrations, admin tools)
    if is_all_tenants(session) or not (state.is_select or state.is_update or state.is_delete):
        return
    tenant_id = tenant_of(session)
    # A plain expression per class: the tenant is a bound parameter, never part of a cache key.
    # Only the session's own service's classes: a service never queries another's tables, and
    # each class costs its criterion on every statement.
    state.statement = state.statement.options(
        *(
            with_loader_criteria(cls, cls.tenant_id == tenant_id, include_aliases=True)
            for cls in tenant_owned_classes_for(session.info.get(SERVICE_KEY))
        )
    )


@event.listens_for(Session, "before_flush")
def _stamp_new_rows(session, flush_context, instances):
    if "all_tenants" not in session.info:
        return
    tenant_id = tenant_of(session)
    for obj in session.new:
        if not isinstance(obj, TenantOwned):
            continue
        if obj.tenant_id is None:
            if tenant_id is None:
                raise TenantRequired("A new row needs a tenant.")
            obj.tenant_id = tenant_id
        elif tenant_id is not None and obj.tenant_id != tenant_id:
            raise TenantMismatch(f"row for tenant {obj.tenant_id!r} in a {tenant_id!r} session")


@event.listens_for(Session, "after_begin")
def _set_rls_context(session, transaction, connection):
    if connection.dialect.name != "postgresql" or "all_tenants" not in session.info:
        return
    connection.exec_driver_sql(
        "SELECT set_config(%(t)s, %(tv)s, true), set_config(%(a)s, %(av)s, true)",
        {
            "t": RLS_TENANT_SETTING,
            "tv": tenant_of(session) or "",
            "a": RLS_ALL_TENANTS_SETTING,
            "av": "on" if is_all_tenants(session) else "off",
        },
    )


# --- migration helpers (PostgreSQL only; SQLite relies on the ORM criteria) -----------------


def enable_row_level_security(op, table: str):
    """Called from a migration after creating a tenant-owned table."""
    if op.get_bind().dialect.name != "postgresql":
        return
    condition = (
        f"tenant_id = current_setting('{RLS_TENANT_SETTING}', true) "
        f"OR current_setting('{RLS_ALL_TENANTS_SETTING}', true) = 'on'"
    )
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY tenant_isolation ON {table} USING ({condition}) WITH CHECK ({condition})")
