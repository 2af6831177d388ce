"""The councils and their people as they stand, for `jouda resync` (a consumer catching up)."""

from sqlalchemy import select

from jouda.services.gateway.directory import user_payload
from jouda.services.gateway.models import Tenant, User


def snapshot(database, tenant=None):
    with database.transaction(all_tenants=True) as session:
        councils = select(Tenant).order_by(Tenant.code)
        people = select(User).where(User.tenant_id.is_not(None)).order_by(User.tenant_id, User.email)
        if tenant is not None:
            councils, people = councils.where(Tenant.code == tenant), people.where(User.tenant_id == tenant)
        for council in session.scalars(councils):
            yield "gateway.tenant_snapshot", council.code, {"code": council.code, "name": council.name}
        for person in session.scalars(people):  # platform users (ministry, admin) belong to no council
            yield "gateway.user_snapshot", person.tenant_id, user_payload(person)
