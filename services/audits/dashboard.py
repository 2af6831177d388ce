"""The council's improvement dashboard: audits done and planned this year, open nonconformities by
severity, process and age, overdue actions, first-time effectiveness and the mean time to close."""

from datetime import date

from jouda.services.audits import nonconformities as nc
from jouda.services.audits.repository import AuditsRepository
from jouda.services.audits.schemas import AuditDashboardSchema
from jouda.shared.clock import DISPLAY_ZONE, local_today
from jouda.shared.errors import ValidationFailed
from jouda.shared.vocabulary import AUDIT_STATES, CANCELLED, CLOSED, REPORTED, SEVERITIES

AGE_BUCKETS = ((30, "0-30"), (90, "31-90"), (180, "91-180"), (None, "181+"))  # days open


def age_bucket(days):
    return next(label for limit, label in AGE_BUCKETS if limit is None or days <= limit)


def rate(part, whole, digits=4):
    return round(part / whole, digits) if whole else None


def figures(audits, items, actions, processes, today: date):
    """Plain figures from plain rows (the dashboard and the tests share it)."""
    by_state = {state: 0 for state in AUDIT_STATES}
    for audit in audits:
        by_state[audit.state] += 1
    open_items = [item for item in items if item.is_open]
    by_process = {}
    for item in open_items:
        by_process[item.process_id] = by_process.get(item.process_id, 0) + 1
    by_age = {label: 0 for _, label in AGE_BUCKETS}
    for item in open_items:
        by_age[age_bucket((today - item.opened_at.astimezone(DISPLAY_ZONE).date()).days)] += 1
    closed = [item for item in items if item.state == CLOSED]
    verified = [item for item in closed if item.first_time_effective is not None]
    days = [(item.closed_at - item.opened_at).total_seconds() / 86400 for item in closed if item.closed_at]
    references = {item.id: item.reference for item in items}
    return {
        "audits_planned": sum(count for state, count in by_state.items() if state != CANCELLED),
        "audits_done": by_state[REPORTED] + by_state[CLOSED],
        "audits_by_state": by_state,
        "open_nonconformities": len(open_items),
        "open_by_severity": {severity: sum(1 for i in open_items if i.severity == severity) for severity in SEVERITIES},
        "open_by_process": [
            {
                "process_id": process_id,
                "code": processes[process_id].code if process_id in processes else None,
                "name": processes[process_id].name if process_id in processes else None,
                "open": count,
            }
            for process_id, count in sorted(by_process.items(), key=lambda pair: (-pair[1], pair[0]))
        ],
        "open_by_age": by_age,
        "overdue_actions": [
            {
                "action_id": action.id,
                "title": action.title,
                "owner_id": action.owner_id,
                "due_date": action.due_date.isoformat(),
                "days_overdue": (today - action.due_date).days,
                "nonconformity_id": action.nonconformity_id,
                "nonconformity": references.get(action.nonconformity_id),
            }
            for action in sorted(actions, key=lambda a: (a.due_date, a.id))
            if nc.overdue(action, today)
        ],
        "first_time_effectiveness_rate": rate(sum(1 for i in verified if i.first_time_effective), len(verified)),
        "mean_days_to_close": round(sum(days) / len(days), 1) if days else None,
        "as_of": today,
    }


def dashboard(uow, year=None, *, today: date | None = None):
    today = today or local_today()
    year = today.year if year is None else year
    if not 2000 <= year <= 2100:
        raise ValidationFailed("Unknown year.", {"year": ["From 2000 to 2100."]})
    repo = AuditsRepository(uow.session)
    found = figures(repo.audits(year=year), repo.nonconformities(), repo.actions(), repo.processes_by_id(), today)
    return AuditDashboardSchema().dump({"year": year, **found})
