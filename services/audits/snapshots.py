"""Each council's processes, audits, nonconformities and unfinished actions as they stand, for
`jouda resync`: the ministry's read model and the notifications' deadlines catch up from them."""

from sqlalchemy import select

from jouda.services.audits import domain
from jouda.services.audits.commands import audit_payload, process_payload
from jouda.services.audits.repository import AuditsRepository
from jouda.services.audits.treatment import action_deadline, check_deadline, nonconformity_payload


def snapshot(database, tenant=None):
    with database.transaction(all_tenants=True) as session:
        councils = sorted(set(session.scalars(select(domain.Process.tenant_id)))) if tenant is None else [tenant]
    for council in councils:
        with database.transaction(council) as session:
            repo = AuditsRepository(session)
            for process in repo.processes():
                yield "process.snapshot", council, process_payload(process)
            for audit in repo.audits():
                yield "audit.snapshot", council, audit_payload(audit)
            items = {item.id: item for item in repo.nonconformities()}
            for item in items.values():
                yield "nonconformity.snapshot", council, nonconformity_payload(item)
                event_type, payload = check_deadline(item)
                yield event_type, council, payload
            for action in repo.actions():
                event_type, payload = action_deadline(action, items[action.nonconformity_id])
                yield event_type, council, payload
