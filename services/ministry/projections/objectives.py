"""Objectives, indicators and what was reported, from the objectives service's events."""

from jouda.services.ministry import domain, positions
from jouda.shared.clock import not_older
from jouda.shared.events.envelope import occurred_at
from jouda.shared.vocabulary import ACTIVE


def apply_objective(session, event):
    """objective.created / objective.updated: the objective and its indicators' definitions."""
    payload, at = event["payload"], occurred_at(event)
    objective = positions.objective(session, event["tenant_id"], payload["objective_id"])
    if not_older(at, objective.as_of):
        objective.orientation_code, objective.state, objective.as_of = payload["orientation_code"], payload["state"], at
    if not_older(at, objective.status_as_of):
        objective.status, objective.status_as_of = payload["status"], at
    for snapshot in payload["indicators"]:
        indicator = positions.indicator(session, event["tenant_id"], snapshot["indicator_id"])
        if not_older(at, indicator.as_of):
            domain.take(indicator, snapshot, active=payload["state"] == ACTIVE, at=at)
        domain.reported(indicator, snapshot.get("reported_periods", ()))  # a snapshot's, the periods so far


def apply_status_changed(session, event):
    payload, at = event["payload"], occurred_at(event)
    objective = positions.objective(session, event["tenant_id"], payload["objective_id"])
    if objective.orientation_code is None:
        objective.orientation_code = payload["orientation_code"]
    if not_older(at, objective.status_as_of):
        objective.status, objective.status_as_of = payload["new_status"], at


def apply_measurement(session, event):
    payload, at = event["payload"], occurred_at(event)
    indicator = positions.indicator(session, event["tenant_id"], payload["indicator_id"])
    domain.reported(indicator, (payload["period"],))
    if not_older(at, indicator.as_of):
        # A measurement is only ever accepted on an active objective: as the newest event, it says so.
        domain.take(indicator, payload["indicator"], active=True, at=at)


def apply_reporting_settings(session, event):
    positions.council(session, event["tenant_id"]).grace_days = event["payload"]["grace_days"]


APPLIERS = {
    "objective.created": apply_objective,
    "objective.updated": apply_objective,
    "objective.snapshot": apply_objective,
    "objective.status_changed": apply_status_changed,
    "indicator.measurement_recorded": apply_measurement,
    "reporting.settings_changed": apply_reporting_settings,
}
REFRESHES = frozenset(
    {
        "objective.created",
        "objective.updated",
        "objective.snapshot",
        "indicator.measurement_recorded",
        "reporting.settings_changed",
    }
)
