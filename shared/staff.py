"""A service's copy of its tenants' people, fed by gateway.user_created / user_updated events (and
user_snapshot, when `jouda resync` brings a consumer up to date).

Only what rules need: who exists, their role, whether they are active. No names, no e-mails.
Each service maps its own class to its own `staff` table (`map_staff`)."""

from sqlalchemy import Boolean, Column, DateTime, Index, String, Table, select

from jouda.shared.clock import not_older
from jouda.shared.consumer import checked, event_handler
from jouda.shared.vocabulary import COUNCIL_ROLES
from jouda.shared.events.envelope import occurred_at
from jouda.shared.tenancy import TenantOwned, tenant_column


class StaffMember(TenantOwned):
    def __init__(self, user_id, tenant_id, role, active, as_of):
        self.user_id, self.tenant_id, self.role, self.active, self.as_of = user_id, tenant_id, role, active, as_of


def map_staff(mapper_registry):
    """A StaffMember class of this service, mapped to its `staff` table."""
    table = Table(
        "staff",
        mapper_registry.metadata,
        Column("user_id", String(64), primary_key=True),
        tenant_column(),
        Column("role", String(30), nullable=False),
        Column("active", Boolean, nullable=False),
        Column("as_of", DateTime(timezone=True), nullable=False),  # time of the event last applied
        Index("ix_staff_tenant_active", "tenant_id", "active"),
    )
    cls = type("StaffMember", (StaffMember,), {})
    mapper_registry.map_imperatively(cls, table)
    return cls


def create_staff_table(op, sa):
    """The migration of map_staff's table."""
    op.create_table(
        "staff",
        sa.Column("user_id", sa.String(64), primary_key=True),
        tenant_column(),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_staff_tenant_active", "staff", ["tenant_id", "active"])


def record_staff_member(session, staff_class, tenant_id, event):
    """Apply a gateway.user_* event. Events may arrive out of order (one waits in a retry queue
    while a later one is applied): each change is stamped with its event's time and an older
    one never overwrites a newer. Platform users (ministry, admin) are not council staff."""
    payload = event["payload"]
    as_of = occurred_at(event)
    member = session.get(staff_class, payload["user_id"])
    if member is None:
        if payload["role"] in COUNCIL_ROLES:
            session.add(staff_class(payload["user_id"], tenant_id, payload["role"], payload["active"], as_of))
    elif not_older(as_of, member.as_of):
        member.role, member.active, member.as_of = payload["role"], payload["active"], as_of


def active_user_ids(session, staff_class):
    return set(session.scalars(select(staff_class.user_id).where(staff_class.active.is_(True))))


class StaffDirectory:
    """Mixed into a service class that has `uow` and `staff_class`: keeps its staff table
    up to date from the gateway's user events."""

    @event_handler("gateway", "gateway.user_created", consumer="{service}.on_user_created")
    def on_user_created(self, event):
        self._record_staff_member(event)

    @event_handler("gateway", "gateway.user_updated", consumer="{service}.on_user_updated")
    def on_user_updated(self, event):
        self._record_staff_member(event)

    @event_handler("gateway", "gateway.user_snapshot", consumer="{service}.on_user_snapshot")
    def on_user_snapshot(self, event):
        self._record_staff_member(event)

    def _record_staff_member(self, event):
        with self.uow.for_event(checked(event)) as uow:
            apply_user_event(uow, self.staff_class, event)


def apply_user_event(uow, staff_class, event):
    record_staff_member(uow.session, staff_class, uow.tenant_id, event)
    uow.commit()
