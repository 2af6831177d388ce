"""The platform administrator's councils over HTTP (/api/v1/admin/tenants), with the rules of the
`jouda tenant` commands (services/gateway/directory.py): list, add one of the twelve regions or any
slug with a name, rename, deactivate and reactivate (a deactivated council's people are refused)."""

from sqlalchemy import func, select

from jouda.services.gateway import directory, security_log
from jouda.services.gateway.models import Tenant, User
from jouda.shared.errors import NotFound, ValidationFailed
from jouda.shared.unit_of_work import EVERY_COUNCIL, UnitOfWork


class CouncilNotFound(NotFound):
    code = "tenant_not_found"


def shown(tenant, people=None) -> dict:
    found = {
        "code": tenant.code,
        "name": tenant.name,
        "active": tenant.active,
        "managers_need_two_factor": tenant.managers_need_two_factor,
        "created_at": tenant.created_at.isoformat(),
    }
    if people is not None:
        found["people"] = people
    return found


def listed(database):
    with UnitOfWork(database, EVERY_COUNCIL) as uow:
        counts = dict(
            uow.session.execute(
                select(User.tenant_id, func.count()).where(User.tenant_id.is_not(None)).group_by(User.tenant_id)
            ).all()
        )
        tenants = uow.session.scalars(select(Tenant).order_by(Tenant.code)).all()
        return {"items": [shown(tenant, counts.get(tenant.code, 0)) for tenant in tenants]}


def add(database, principal, data, client):
    tenant = directory.add_tenant(database, data.get("code"), data.get("name"), actor=principal.user_id)
    with UnitOfWork(database, EVERY_COUNCIL) as uow:
        security_log.record(
            uow.session,
            "tenant_added",
            tenant_id=tenant.code,
            actor_id=principal.user_id,
            client=client,
            name=tenant.name,
        )
        uow.commit()
    return shown(tenant, 0)


def change(database, principal, code, data, client):
    """Renames (announced as gateway.tenant_updated), deactivates or reactivates a council."""
    unknown = sorted(set(data) - {"name", "active"}) if isinstance(data, dict) else ["body"]
    if unknown:
        raise ValidationFailed("Only name and active can change.", {name: ["Unknown field."] for name in unknown})
    with UnitOfWork(database, EVERY_COUNCIL, actor=principal.user_id) as uow:
        tenant = uow.session.get(Tenant, code)
        if tenant is None:
            raise CouncilNotFound(f"No council {code}.", {"code": code})
        if "name" in data:
            name = data["name"]
            if not isinstance(name, str) or not name.strip() or len(name) > 200:
                raise ValidationFailed("A council's name has 1 to 200 characters.", {"name": ["1 to 200 characters."]})
            if name.strip() != tenant.name:
                tenant.name = name.strip()
                uow.emit("gateway.tenant_updated", {"code": code, "name": tenant.name}, tenant_id=code)
                security_log.record(
                    uow.session,
                    "tenant_renamed",
                    tenant_id=code,
                    actor_id=principal.user_id,
                    client=client,
                    name=tenant.name,
                )
        if "active" in data:
            if not isinstance(data["active"], bool):
                raise ValidationFailed("active is true or false.", {"active": ["A boolean."]})
            if data["active"] != tenant.active:
                tenant.active = data["active"]
                security_log.record(
                    uow.session,
                    "tenant_reactivated" if tenant.active else "tenant_deactivated",
                    tenant_id=code,
                    actor_id=principal.user_id,
                    client=client,
                    active=tenant.active,
                )
        uow.commit()
        return shown(tenant)
