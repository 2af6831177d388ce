"""The ministry's views: every council at once, read in a couple of statements whatever their number."""

from sqlalchemy import case, func, select

from jouda.services.ministry.domain import OBJECTIVE_COLUMNS, CouncilPosition, IndicatorPosition, ObjectivePosition
from jouda.shared.clock import shown
from jouda.shared.periods import completeness_rate
from jouda.shared.vocabulary import ACTIVE


def overview(session):
    """One row per council: its policy, acknowledgement rate, objectives by status, completeness."""
    # A declared state (achieved, abandoned) outranks the computed status.
    bucket = case((ObjectivePosition.state == ACTIVE, ObjectivePosition.status), else_=ObjectivePosition.state)
    counts = {}
    for tenant_id, name, count in session.execute(
        select(ObjectivePosition.tenant_id, bucket, func.count()).group_by(ObjectivePosition.tenant_id, bucket)
    ):
        counts.setdefault(tenant_id, {})[name] = count
    # Plain rows, built straight into the JSON-ready shape of OverviewRowSchema: this view is read
    # for every council at once, and ORM entities or a schema dump would cost more than the SQL.
    rows = []
    none = {}
    for tenant_id, name, version, published_at, rate, reported, due, as_of in session.execute(
        select(
            CouncilPosition.tenant_id,
            CouncilPosition.name,
            CouncilPosition.policy_version,
            CouncilPosition.policy_published_at,
            CouncilPosition.acknowledgement_rate,
            CouncilPosition.reported_periods,
            CouncilPosition.due_periods,
            CouncilPosition.completeness_as_of,
        ).order_by(CouncilPosition.tenant_id)
    ):
        found = counts.get(tenant_id, none)
        by_status = {name: found.get(name, 0) for name in OBJECTIVE_COLUMNS}
        rows.append(
            {
                "tenant": tenant_id,
                "name": name,
                "policy_published": version is not None,
                "policy_version": version,
                "policy_published_at": shown(published_at),
                "acknowledgement_rate": rate,
                "objectives": sum(by_status.values()),
                "objectives_by_status": by_status,
                "reported_periods": reported,
                "due_periods": due,
                "reporting_completeness": completeness_rate(reported, due),
                "completeness_as_of": as_of.isoformat() if as_of is not None else None,
            }
        )
    return rows


def national_indicator(session, code):
    """Each council's position on one catalogue indicator (active indicators mapped to it), in the
    JSON-ready shape of NationalIndicatorRowSchema."""
    rows = session.execute(
        select(
            IndicatorPosition.tenant_id.label("tenant"),
            CouncilPosition.name,
            IndicatorPosition.indicator_id,
            IndicatorPosition.latest_period,
            IndicatorPosition.latest_value,
            IndicatorPosition.baseline,
            IndicatorPosition.target,
            IndicatorPosition.unit,
            IndicatorPosition.status,
            IndicatorPosition.trend,
        )
        .outerjoin(CouncilPosition, CouncilPosition.tenant_id == IndicatorPosition.tenant_id)
        .where(IndicatorPosition.catalogue_code == code, IndicatorPosition.active.is_(True))
        .order_by(IndicatorPosition.tenant_id, IndicatorPosition.indicator_id)
    )
    return [row._asdict() for row in rows]
