"""Each council's objectives as they stand (their indicators, the periods reported, the deadlines)
and its reporting settings, for `jouda resync`."""

from sqlalchemy import select

from jouda.services.objectives import domain
from jouda.services.objectives.commands import indicator_snapshot, objective_deadline, objective_payload
from jouda.services.objectives.repository import ObjectivesRepository


def snapshot(database, tenant=None):
    with database.transaction(all_tenants=True) as session:
        councils = sorted(set(session.scalars(select(domain.Objective.tenant_id)))) if tenant is None else [tenant]
    for council in councils:
        with database.transaction(council) as session:
            repo = ObjectivesRepository(session)
            yield "reporting.settings_changed", council, {"grace_days": repo.grace_days(council)}
            reported = repo.reported_periods()
            for objective in repo.all_objectives():
                indicators = [
                    {**indicator_snapshot(indicator), "reported_periods": sorted(reported.get(indicator.id, ()))}
                    for indicator in repo.indicators_of(objective.id)
                ]
                yield "objective.snapshot", council, {**objective_payload(objective, []), "indicators": indicators}
                event_type, payload = objective_deadline(objective)
                yield event_type, council, payload
