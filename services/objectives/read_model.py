"""The ministry's read model: one position per council, objective and indicator, built only from
events (policy.*, objective.*, indicator.*, gateway.tenant_created), never by reading another
service's data. It carries no personal data: no names, no e-mails, no user ids.

Events can arrive out of order (one may wait in a retry queue while a later one is applied), so
each position keeps the time of the event it reflects and an older event never overwrites it."""
from datetime import datetime

from sqlalchemy import case, func, inspect, select
from sqlalchemy.dialects import postgresql, sqlite

from jouda.services.objectives import domain, status as rules
from jouda.shared.clock import not_older, shown
from jouda.shared.events.envelope import occurred_at


KEPT_PERIODS = 36  # periods with a value kept per indicator: three years of monthly reports


class TenantPosition:
    def __init__(self, tenant_id):
        self.tenant_id = tenant_id
        self.name = None
        self.policy_version = self.policy_published_at = None
        self.acknowledgements = self.active_users = self.acknowledgement_rate = self.acknowledged_at = None
        self.reported_periods = self.due_periods = 0
        self.completeness_as_of = None


class ObjectivePosition:
    """`as_of` dates its state and orientation (objective.created/updated); `status_as_of` its
    status, which objective.status_changed also carries."""

    def __init__(self, objective_id, tenant_id):
        self.objective_id, self.tenant_id = objective_id, tenant_id
        self.state = domain.ACTIVE  # how every objective starts, until its own event says otherwise
        self.orientation_code = None
        self.as_of = self.status_as_of = None


class IndicatorPosition:
    def __init__(self, indicator_id, tenant_id):
        self.indicator_id, self.tenant_id, self.as_of = indicator_id, tenant_id, None
        self.active = None  # known from the objective's state
        self.reported_periods = []
        self.latest_period = self.latest_value = self.trend = None
        self.status = rules.NO_DATA


def tenant(session, tenant_id) -> TenantPosition:
    """The council's position, created if need be, and locked until the transaction ends.

    Every change to a council's read model takes this lock first, so concurrent batches (one
    per event type) apply in turn: no lost update, no race to create a row, no deadlock."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(inspect(TenantPosition).local_table)
                    .values(tenant_id=tenant_id, reported_periods=0, due_periods=0)
                    .on_conflict_do_nothing())
    return session.get(TenantPosition, tenant_id, with_for_update=True, populate_existing=True)


def apply_tenant_created(session, event):
    tenant(session, event["payload"]["code"]).name = event["payload"]["name"]


def apply_policy_published(session, event):
    payload, position = event["payload"], tenant(session, event["tenant_id"])
    if position.policy_version is None or payload["version"] >= position.policy_version:
        if payload["version"] != position.policy_version:  # a new version starts unacknowledged
            position.acknowledgements, position.acknowledgement_rate = 0, 0.0
            position.acknowledged_at = None
        position.policy_version = payload["version"]
        position.policy_published_at = datetime.fromisoformat(payload["published_at"])


def apply_policy_acknowledged(session, event):
    payload, position = event["payload"], tenant(session, event["tenant_id"])
    at = occurred_at(event)
    if position.policy_version is not None and payload["version"] < position.policy_version:
        return  # an acknowledgement of a version since superseded
    if not_older(at, position.acknowledged_at):
        position.acknowledgements = payload["acknowledgements"]
        position.active_users = payload["active_users"]
        position.acknowledgement_rate = payload["acknowledgement_rate"]
        position.acknowledged_at = at
        position.policy_version = max(position.policy_version or 0, payload["version"])


def apply_objective(session, event):
    """objective.created / objective.updated: the objective and its indicators' definitions."""
    payload, at = event["payload"], occurred_at(event)
    objective = _objective(session, event, payload["objective_id"])
    if not_older(at, objective.as_of):
        objective.orientation_code, objective.state, objective.as_of = payload["orientation_code"], payload["state"], at
    if not_older(at, objective.status_as_of):
        objective.status, objective.status_as_of = payload["status"], at
    for snapshot in payload["indicators"]:
        indicator = _indicator(session, event, snapshot["indicator_id"])
        if not_older(at, indicator.as_of):
            _take(indicator, snapshot, active=payload["state"] == domain.ACTIVE, at=at)


def apply_status_changed(session, event):
    payload, at = event["payload"], occurred_at(event)
    objective = _objective(session, event, payload["objective_id"])
    if objective.orientation_code is None:
        objective.orientation_code = payload["orientation_code"]
    if not_older(at, objective.status_as_of):
        objective.status, objective.status_as_of = payload["new_status"], at


def apply_measurement(session, event):
    payload, at = event["payload"], occurred_at(event)
    indicator = _indicator(session, event, payload["indicator_id"])
    if payload["period"] not in indicator.reported_periods:  # a set: order of arrival does not matter
        # Only the recent periods count (completeness looks back 12 months): the list stays short.
        indicator.reported_periods = sorted({*indicator.reported_periods, payload["period"]})[-KEPT_PERIODS:]
    if not_older(at, indicator.as_of):
        # A measurement is only ever accepted on an active objective: as the newest event, it says so.
        _take(indicator, payload["indicator"], active=True, at=at)


def _objective(session, event, objective_id):
    position = session.get(ObjectivePosition, objective_id)
    if position is None:
        position = ObjectivePosition(objective_id, event["tenant_id"])
        session.add(position)
    return position


def _indicator(session, event, indicator_id):
    position = session.get(IndicatorPosition, indicator_id)
    if position is None:
        position = IndicatorPosition(indicator_id, event["tenant_id"])
        session.add(position)
    return position


def _take(position, snapshot, *, active, at):
    """The indicator as a snapshot shows it: its definition and where it stands."""
    for name in ("catalogue_code", "unit", "direction", "frequency", "start_period", "baseline", "target",
                 "status", "latest_period", "latest_value", "trend"):
        setattr(position, name, snapshot[name])
    position.active = active
    position.as_of = at


def refresh_completeness(session, tenant_id, today, grace_days):
    """Reporting completeness of a council's active indicators, as of `today`."""
    position = tenant(session, tenant_id)  # the lock first: a batch committing meanwhile is not overwritten
    rows = session.execute(select(IndicatorPosition.frequency, IndicatorPosition.start_period,
                                  IndicatorPosition.reported_periods)
                           .where(IndicatorPosition.tenant_id == tenant_id,
                                  IndicatorPosition.active.is_(True))).all()
    reported, due = domain.completeness(((f, s, set(r)) for f, s, r in rows), today, grace_days)
    position.reported_periods, position.due_periods, position.completeness_as_of = reported, due, today


# --- the ministry's views ---------------------------------------------------------------------------

OBJECTIVE_COLUMNS = (*rules.OBJECTIVE_STATUSES, domain.ABANDONED)


def overview(session):
    """One row per council: its policy, acknowledgement rate, objectives by status, completeness."""
    # A declared state (achieved, abandoned) outranks the computed status.
    bucket = case((ObjectivePosition.state == domain.ACTIVE, ObjectivePosition.status),
                  else_=ObjectivePosition.state)
    counts = {}
    for tenant_id, name, count in session.execute(
            select(ObjectivePosition.tenant_id, bucket, func.count()).group_by(ObjectivePosition.tenant_id, bucket)):
        counts.setdefault(tenant_id, {})[name] = count
    # Plain rows, built straight into the JSON-ready shape of OverviewRowSchema: this view is read
    # for every council at once, and ORM entities or a schema dump would cost more than the SQL.
    rows = []
    none = {}
    for tenant_id, name, version, published_at, rate, reported, due, as_of in session.execute(
            select(TenantPosition.tenant_id, TenantPosition.name, TenantPosition.policy_version,
                   TenantPosition.policy_published_at, TenantPosition.acknowledgement_rate,
                   TenantPosition.reported_periods, TenantPosition.due_periods, TenantPosition.completeness_as_of)
            .order_by(TenantPosition.tenant_id)):
        found = counts.get(tenant_id, none)
        by_status = {name: found.get(name, 0) for name in OBJECTIVE_COLUMNS}
        rows.append({
            "tenant": tenant_id, "name": name, "policy_published": version is not None,
            "policy_version": version, "policy_published_at": shown(published_at),
            "acknowledgement_rate": rate, "objectives": sum(by_status.values()), "objectives_by_status": by_status,
            "reported_periods": reported, "due_periods": due,
            "reporting_completeness": domain.completeness_rate(reported, due),
            "completeness_as_of": as_of.isoformat() if as_of is not None else None,
        })
    return rows


def national_indicator(session, code):
    """Each council's position on one catalogue indicator (active indicators mapped to it), in the
    JSON-ready shape of NationalIndicatorRowSchema."""
    rows = session.execute(
        select(IndicatorPosition.tenant_id.label("tenant"), TenantPosition.name, IndicatorPosition.indicator_id,
               IndicatorPosition.latest_period, IndicatorPosition.latest_value, IndicatorPosition.baseline,
               IndicatorPosition.target, IndicatorPosition.unit, IndicatorPosition.status, IndicatorPosition.trend)
        .outerjoin(TenantPosition, TenantPosition.tenant_id == IndicatorPosition.tenant_id)
        .where(IndicatorPosition.catalogue_code == code, IndicatorPosition.active.is_(True))
        .order_by(IndicatorPosition.tenant_id, IndicatorPosition.indicator_id))
    return [row._asdict() for row in rows]
