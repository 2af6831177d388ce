"""Quality objectives, their indicators and measurements (ISO 9001:2015 §6.2, §9.1), as plain Python.

An objective lives through one guard table of states:

    active --achieve--> achieved        active --abandon (reason required)--> abandoned
    achieved | abandoned --reopen--> active

Its *status* (on_track, at_risk, ...) is separate: it is computed from its indicators'
measurements (see status.py). No Nameko, no SQLAlchemy session, no I/O here.
"""

import math
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from jouda.services.objectives import status as rules
from jouda.shared import periods
from jouda.shared.errors import Conflict, NotFound, RoleNotAllowed, ValidationFailed, require_role
from jouda.shared.tenancy import TenantOwned

ACTIVE, ACHIEVED, ABANDONED = "active", "achieved", "abandoned"
STATES = (ACTIVE, ACHIEVED, ABANDONED)

QUALITY_MANAGER, PROCESS_OWNER = "quality_manager", "process_owner"
EDITORS = frozenset({QUALITY_MANAGER})
REPORTERS = frozenset({QUALITY_MANAGER, PROCESS_OWNER})  # and each indicator's own owner
PERCENT_UNITS = frozenset({"%", "percent", "pourcentage"})


@dataclass(frozen=True)
class StateGuard:
    action: str
    roles: frozenset
    reason_required: bool = False


STATE_GUARDS = {
    (ACTIVE, ACHIEVED): StateGuard("achieve", EDITORS),
    (ACTIVE, ABANDONED): StateGuard("abandon", EDITORS, reason_required=True),
    (ACHIEVED, ACTIVE): StateGuard("reopen", EDITORS),
    (ABANDONED, ACTIVE): StateGuard("reopen", EDITORS),
}


class StateChangeNotAllowed(Conflict):
    code = "state_change_not_allowed"


class MeasurementExists(Conflict):
    code = "measurement_exists"


class ObjectiveNotFound(NotFound):
    code = "objective_not_found"


class IndicatorNotFound(NotFound):
    code = "indicator_not_found"


def _new_id():
    return str(uuid.uuid4())


class Orientation(TenantOwned):
    """A strategic orientation of the council's published policy (copied from policy.published)."""

    def __init__(self, tenant_id, code, title, policy_version, current=True):
        self.tenant_id, self.code, self.title = tenant_id, code, title
        self.policy_version, self.current = policy_version, current


class Objective(TenantOwned):
    FIELDS = ("title", "description", "orientation_code", "owner_id", "resources", "due_date", "evaluation_method")

    def __init__(self, tenant_id, data, created_by, now):
        self.id = _new_id()
        self.tenant_id = tenant_id
        for name in self.FIELDS:
            setattr(self, name, data.get(name))
        self.state = ACTIVE
        self.abandon_reason = None
        self.status = rules.NO_DATA
        self.created_by = created_by
        self.created_at = self.updated_at = now


class Indicator(TenantOwned):
    FIELDS = (
        "name",
        "unit",
        "direction",
        "baseline",
        "target",
        "amber_threshold",
        "frequency",
        "owner_id",
        "catalogue_code",
        "start_period",
    )
    POSITION = ("status", "latest_period", "latest_value", "trend")  # computed from its measurements

    def __init__(self, objective, data, now):
        self.id = _new_id()
        self.tenant_id = objective.tenant_id
        self.objective_id = objective.id
        for name in self.FIELDS:
            setattr(self, name, data.get(name))
        self.status = rules.NO_DATA
        self.latest_period = None
        self.latest_value = None
        self.trend = None
        self.created_at = self.updated_at = now

    @property
    def target_met(self):
        return rules.target_met(self.latest_value, self.target, self.direction)

    def period(self, text) -> periods.Period:
        return periods.parse(text, self.frequency)


class Measurement(TenantOwned):
    def __init__(self, indicator, period, value, comment, evidence_url, recorded_by, now):
        self.id = _new_id()
        self.tenant_id = indicator.tenant_id
        self.indicator_id = indicator.id
        self.period = str(period)
        self.period_start = period.start
        self.value = value
        self.comment = comment
        self.evidence_url = evidence_url
        self.recorded_by = recorded_by
        self.recorded_at = self.updated_at = now
        self.corrections = 0


class MeasurementCorrection(TenantOwned):
    """The value a correction replaced, and who replaced it when (the measurement's history)."""

    def __init__(self, measurement, corrected_by, now, reason):
        self.id = _new_id()
        self.tenant_id = measurement.tenant_id
        self.measurement_id = measurement.id
        self.previous_value = measurement.value
        self.previous_comment = measurement.comment
        self.previous_evidence_url = measurement.evidence_url
        self.previous_recorded_by = measurement.recorded_by
        self.corrected_by = corrected_by
        self.corrected_at = now
        self.reason = reason


class MissingMeasurement(TenantOwned):
    """A period reported late, noticed once (indicator.measurement_missing)."""

    def __init__(self, indicator, period, noticed_on):
        self.tenant_id = indicator.tenant_id
        self.indicator_id = indicator.id
        self.period = str(period)
        self.noticed_on = noticed_on


class ReportingSettings(TenantOwned):
    def __init__(self, tenant_id, grace_days=periods.DEFAULT_GRACE_DAYS):
        self.tenant_id, self.grace_days = tenant_id, grace_days


class CatalogueIndicator:
    """A national indicator that councils map theirs to: the service's copy of the ministry's catalogue
    (not tenant-owned), fed by its events."""

    def __init__(self, code, name_fr, name_ar, unit, direction, created_by, now):
        self.code, self.name_fr, self.name_ar = code, name_fr, name_ar
        self.unit, self.direction = unit, direction
        self.created_by, self.created_at = created_by, now


# --- rules --------------------------------------------------------------------------------------


def check_orientation(code, orientations):
    """`orientations`: codes of the council's published policy."""
    if not orientations:
        raise StateChangeNotAllowed(
            "This council has no published quality policy yet: objectives follow from its strategic "
            "orientations, so publish the policy first.",
            {"orientation_code": ["No published policy."]},
        )
    if code not in orientations:
        raise ValidationFailed(
            f"{code!r} is not a strategic orientation of the published policy.",
            {"orientation_code": [f"One of {', '.join(sorted(orientations))}."]},
        )


def check_owner(user_id, active_users, field="owner_id"):
    if user_id not in active_users:
        raise ValidationFailed(
            f"{user_id!r} is not an active user of this council.", {field: ["An active user of this council."]}
        )


def create_objective(tenant_id, data, actor, role, now, *, orientations, active_users):
    require_role(role, EDITORS, "set quality objectives")
    check_orientation(data["orientation_code"], orientations)
    check_owner(data["owner_id"], active_users)
    return Objective(tenant_id, data, actor, now)


def edit_objective(objective, changes, role, now, *, orientations, active_users):
    """Field changes and, through `state`, the life cycle. Returns the names of what changed."""
    require_role(role, EDITORS, "change quality objectives")
    changes = dict(changes)
    target = changes.pop("state", objective.state)
    reason = changes.pop("abandon_reason", None)
    # Every check first: a refused edit leaves the objective exactly as it was.
    if objective.state != ACTIVE and changes:
        raise StateChangeNotAllowed(
            f"This objective is {objective.state}; reopen it (state: active) before changing it.",
            {"state": objective.state},
        )
    if "orientation_code" in changes and changes["orientation_code"] != objective.orientation_code:
        check_orientation(changes["orientation_code"], orientations)
    if "owner_id" in changes and changes["owner_id"] != objective.owner_id:
        check_owner(changes["owner_id"], active_users)
    if reason is not None and target != ABANDONED:
        raise ValidationFailed(
            "A reason goes with abandoning an objective (state: abandoned).",
            {"abandon_reason": ["Only with state abandoned."]},
        )
    guard = state_guard(objective, target, role, reason) if target != objective.state else None
    changed = [name for name, value in changes.items() if getattr(objective, name) != value]
    for name in changed:
        setattr(objective, name, changes[name])
    if guard is not None:
        objective.state = target
        objective.abandon_reason = reason.strip() if target == ABANDONED else None
        changed.append("state")
    elif target == ABANDONED and reason is not None and reason.strip() != objective.abandon_reason:
        objective.abandon_reason = reason.strip()  # a better-worded reason for an abandoned objective
        changed.append("abandon_reason")
    if changed:
        objective.updated_at = now
    return changed


def state_guard(objective, target, role, reason=None) -> StateGuard:
    """The guard of moving `objective` to `target`, once every condition of it holds."""
    guard = STATE_GUARDS.get((objective.state, target))
    if guard is None:
        raise StateChangeNotAllowed(
            f"An objective that is {objective.state} cannot become {target}.",
            {"state": objective.state, "requested": target},
        )
    require_role(role, guard.roles, f"{guard.action} an objective")
    if guard.reason_required and not (reason or "").strip():
        raise ValidationFailed(
            "Say why the objective is abandoned: abandon_reason is required.",
            {"abandon_reason": ["Required when abandoning."]},
        )
    return guard


def add_indicator(objective, data, role, now, *, active_users, catalogue_entry, today: date):
    require_role(role, EDITORS, "define indicators")
    if objective.state != ACTIVE:
        raise StateChangeNotAllowed(
            f"This objective is {objective.state}; indicators are added to active objectives.",
            {"state": objective.state},
        )
    problem = rules.thresholds_problem(data["baseline"], data["target"], data["amber_threshold"], data["direction"])
    if problem:
        raise ValidationFailed(problem[1], {problem[0]: [problem[1]]})
    check_owner(data["owner_id"], active_users)
    code = data.get("catalogue_code")
    if code is not None:
        check_catalogue_mapping(data, catalogue_entry)
    data = dict(data)
    start = data.get("start_period")
    data["start_period"] = str(
        periods.parse(start, data["frequency"]) if start is not None else periods.containing(today, data["frequency"])
    )
    check_value(data["unit"], data["baseline"], "baseline")
    check_value(data["unit"], data["target"], "target")
    return Indicator(objective, data, now)


def check_catalogue_mapping(data, entry):
    code = data["catalogue_code"]
    if entry is None:
        raise ValidationFailed(
            f"{code!r} is not in the national indicator catalogue.",
            {"catalogue_code": ["A code of GET /api/v1/ministry/catalogue."]},
        )
    mismatched = {
        name: [f"The national indicator {code} is in {getattr(entry, name)!r}."]
        for name in ("unit", "direction")
        if data[name] != getattr(entry, name)
    }
    if mismatched:
        raise ValidationFailed(
            f"An indicator mapped to {code} must have its unit and direction, so that regions can be compared.",
            mismatched,
        )


def check_value(unit, value, field="value"):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValidationFailed("The value must be a number.", {field: ["A number."]})
    if unit in PERCENT_UNITS and not 0 <= value <= 100:
        raise ValidationFailed("A percentage lies between 0 and 100.", {field: ["From 0 to 100."]})


def require_reporter(indicator, actor, role):
    if role not in REPORTERS and actor != indicator.owner_id:
        raise RoleNotAllowed(
            f"Your role ({role}) cannot report this indicator: its owner, a process owner or the quality manager can.",
            {"role": role},
        )


def record_measurement(objective, indicator, data, existing, actor, role, now: datetime, today: date):
    """A new measurement, or with `correction` a new value for a recorded period.

    Returns (measurement, correction or None)."""
    require_reporter(indicator, actor, role)
    if objective.state != ACTIVE:
        raise StateChangeNotAllowed(
            f"This indicator's objective is {objective.state}; reopen it (state: active) to record measurements.",
            {"state": objective.state},
        )
    period = indicator.period(data["period"])
    if period.start > today:
        raise ValidationFailed(
            f"{period} has not started yet; measurements are recorded for past or current periods.",
            {"period": ["Not in the future."]},
        )
    if period < periods.parse(indicator.start_period, indicator.frequency):
        raise ValidationFailed(
            f"This indicator is reported from {indicator.start_period}.",
            {"period": [f"From {indicator.start_period}."]},
        )
    check_value(indicator.unit, data["value"])
    if existing is None:
        if data.get("correction"):
            raise ValidationFailed(
                f"There is no value for {period} to correct; record it without correction.",
                {"correction": ["Nothing to correct."]},
            )
        return Measurement(
            indicator, period, data["value"], data.get("comment"), data.get("evidence_url"), actor, now
        ), None
    if not data.get("correction"):
        raise MeasurementExists(
            f"{period} already has a value ({existing.value:g}). To replace it, send it again with "
            '"correction": true and a reason; the previous value is kept in the history.',
            {"period": str(period), "value": existing.value},
        )
    reason = (data.get("reason") or "").strip() or None
    if not reason:
        raise ValidationFailed(
            "Say why the value is corrected: reason is required.", {"reason": ["Required with correction."]}
        )
    correction = MeasurementCorrection(existing, actor, now, reason)
    existing.value = data["value"]
    existing.comment = data.get("comment")
    existing.evidence_url = data.get("evidence_url")
    existing.recorded_by = actor
    existing.updated_at = now
    existing.corrections += 1
    return existing, correction


def refresh_indicator(indicator, latest_values, now):
    """`latest_values`: (period text, value) of its most recent measurements, oldest first."""
    if latest_values:
        indicator.latest_period, indicator.latest_value = latest_values[-1]
    else:
        indicator.latest_period = indicator.latest_value = None
    indicator.status = rules.indicator_status(
        indicator.latest_value,
        baseline=indicator.baseline,
        target=indicator.target,
        amber_threshold=indicator.amber_threshold,
        direction=indicator.direction,
    )
    indicator.trend = rules.trend([value for _, value in latest_values], indicator.direction)
    indicator.updated_at = now


def refresh_objective(objective, indicators):
    """Recompute the objective's status; returns the previous status if it changed, else None."""
    new = rules.objective_status((i.status, i.target_met) for i in indicators)
    if new == objective.status:
        return None
    old, objective.status = objective.status, new
    return old
