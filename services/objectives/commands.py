"""Use cases of the objectives service. Each takes an open unit of work, applies the domain,
queues its events and commits; the RPC entrypoints, the timers and the demo seed go through here."""

from datetime import date

from jouda.services.objectives import domain, status as rules
from jouda.services.objectives.metrics import MEASUREMENTS_MISSING, MEASUREMENTS_RECORDED
from jouda.services.objectives.notices import OBJECTIVE
from jouda.services.objectives.repository import ObjectivesRepository
from jouda.services.objectives.schemas import (
    CorrectionSchema,
    DashboardIndicatorSchema,
    IndicatorDetailSchema,
    IndicatorInputSchema,
    IndicatorSchema,
    MeasurementInputSchema,
    MeasurementSchema,
    ObjectiveChangesSchema,
    ObjectiveInputSchema,
    ObjectiveSchema,
    ObjectiveSummarySchema,
    ReportingSettingsSchema,
)
from jouda.shared import periods
from jouda.shared.clock import local_today, utc_now
from jouda.shared.events.contracts import DEADLINE_CLEARED, DEADLINE_SET
from jouda.shared.schema_fields import check_choice, check_page, load_or_raise
from jouda.shared.vocabulary import OBJECTIVE_BUCKETS


# --- events -----------------------------------------------------------------------------------------


def indicator_snapshot(indicator):
    return {
        "indicator_id": indicator.id,
        **{name: getattr(indicator, name) for name in domain.Indicator.FIELDS},
        **{name: getattr(indicator, name) for name in domain.Indicator.POSITION},
    }


def objective_payload(objective, indicators, changed=None):
    payload = {
        "objective_id": objective.id,
        "title": objective.title,
        "orientation_code": objective.orientation_code,
        "owner_id": objective.owner_id,
        "due_date": objective.due_date,
        "state": objective.state,
        "abandon_reason": objective.abandon_reason,
        "status": objective.status,
        "indicators": [indicator_snapshot(i) for i in indicators],
    }
    if changed is not None:
        payload["changed"] = changed
    return payload


def _emit_status_change(uow, objective, old_status, indicator_id=None):
    uow.emit(
        "objective.status_changed",
        {
            "objective_id": objective.id,
            "title": objective.title,
            "orientation_code": objective.orientation_code,
            "owner_id": objective.owner_id,
            "old_status": old_status,
            "new_status": objective.status,
            "indicator_id": indicator_id,
        },
    )


def objective_deadline(objective):
    """An active objective's due date, for reminders and escalation; none once achieved or abandoned."""
    if objective.state == domain.ACTIVE:
        return DEADLINE_SET, {
            "kind": OBJECTIVE,
            "ref_id": objective.id,
            "title": objective.title,
            "due_date": objective.due_date,
            "owner_id": objective.owner_id,
            "link": f"/objectives/{objective.id}",
        }
    return DEADLINE_CLEARED, {"kind": OBJECTIVE, "ref_id": objective.id}


def _dump_objective(objective, indicators):
    objective.indicators = indicators  # shown with the objective, not a mapped relationship
    return ObjectiveSchema().dump(objective)


# --- objectives ------------------------------------------------------------------------------------


def create_objective(uow, data):
    data = load_or_raise(ObjectiveInputSchema(), data)
    repo = ObjectivesRepository(uow.session)
    objective = domain.create_objective(
        uow.tenant_id,
        data,
        uow.actor,
        uow.role,
        utc_now(),
        orientations={o.code for o in repo.current_orientations()},
        active_users=repo.active_users(),
    )
    repo.add(objective)
    uow.emit("objective.created", objective_payload(objective, []))
    uow.emit(*objective_deadline(objective))
    uow.commit()
    return _dump_objective(objective, [])


def update_objective(uow, objective_id, data):
    changes = load_or_raise(ObjectiveChangesSchema(), data)
    repo = ObjectivesRepository(uow.session)
    objective = repo.objective(objective_id, for_update=True)
    changed = domain.edit_objective(
        objective,
        changes,
        uow.role,
        utc_now(),
        orientations={o.code for o in repo.current_orientations()},
        active_users=repo.active_users(),
    )
    indicators = repo.indicators_of(objective.id)
    if changed:
        uow.emit("objective.updated", objective_payload(objective, indicators, changed))
        uow.emit(*objective_deadline(objective))
    uow.commit()
    return _dump_objective(objective, indicators)


def get_objective(uow, objective_id):
    repo = ObjectivesRepository(uow.session)
    objective = repo.objective(objective_id)
    return _dump_objective(objective, repo.indicators_of(objective.id))


def list_objectives(uow, orientation=None, state=None, status=None, limit=50, offset=0):
    check_choice("state", state, domain.STATES)
    check_choice("status", status, rules.OBJECTIVE_STATUSES)
    check_page(limit, offset)
    items, total = ObjectivesRepository(uow.session).objectives(
        orientation=orientation, state=state, status=status, limit=limit, offset=offset
    )
    return {"items": ObjectiveSummarySchema(many=True).dump(items), "total": total, "limit": limit, "offset": offset}


# --- indicators and measurements -------------------------------------------------------------------


def add_indicator(uow, objective_id, data):
    data = load_or_raise(IndicatorInputSchema(), data)
    repo = ObjectivesRepository(uow.session)
    objective = repo.objective(objective_id, for_update=True)
    indicator = domain.add_indicator(
        objective,
        data,
        uow.role,
        utc_now(),
        active_users=repo.active_users(),
        catalogue_entry=repo.catalogue_entry(data["catalogue_code"]),
        today=local_today(),
    )
    repo.add(indicator)
    uow.session.flush()
    indicators = repo.indicators_of(objective.id)
    old_status = domain.refresh_objective(objective, indicators)
    objective.updated_at = indicator.created_at
    uow.emit("objective.updated", objective_payload(objective, indicators, ["indicators"]))
    if old_status is not None:
        _emit_status_change(uow, objective, old_status, indicator.id)
    uow.commit()
    return IndicatorSchema().dump(indicator)


def get_indicator(uow, indicator_id):
    repo = ObjectivesRepository(uow.session)
    indicator = repo.indicator(indicator_id)
    indicator.recent = [
        {"period": period, "value": value} for period, value in repo.latest_values(indicator.id, count=RECENT_VALUES)
    ]
    return IndicatorDetailSchema().dump(indicator)


def record_measurement(uow, indicator_id, data, *, today: date | None = None):
    data = load_or_raise(MeasurementInputSchema(), data)
    repo = ObjectivesRepository(uow.session)
    # The objective row is the lock: measurements of its indicators, racing, recompute its status in turn.
    objective = repo.objective_of_indicator(indicator_id, for_update=True)
    indicators = repo.indicators_of(objective.id)
    indicator = next(i for i in indicators if i.id == str(indicator_id))
    domain.require_reporter(indicator, uow.actor, uow.role)
    existing = repo.measurement(indicator.id, str(indicator.period(data["period"])), for_update=True)
    previous_value = existing.value if existing is not None else None
    now = utc_now()
    measurement, correction = domain.record_measurement(
        objective, indicator, data, existing, uow.actor, uow.role, now, today or local_today()
    )
    if correction is None:
        repo.add(measurement)
    else:
        repo.add(correction)
    uow.session.flush()
    domain.refresh_indicator(indicator, repo.latest_values(indicator.id), now)
    old_status = domain.refresh_objective(objective, indicators)
    uow.emit(
        "indicator.measurement_recorded",
        {
            "measurement_id": measurement.id,
            "objective_id": objective.id,
            "indicator_id": indicator.id,
            "period": measurement.period,
            "value": measurement.value,
            "correction": correction is not None,
            "previous_value": previous_value,
            "indicator": indicator_snapshot(indicator),
        },
    )
    if old_status is not None:
        objective.updated_at = now
        _emit_status_change(uow, objective, old_status, indicator.id)
    uow.commit()
    MEASUREMENTS_RECORDED.labels(uow.tenant_id, "new" if correction is None else "correction").inc()
    return _dump_measurement(measurement, repo.corrections([measurement.id]) if correction is not None else {})


def _dump_measurement(measurement, corrections):
    result = MeasurementSchema(exclude=("corrections",)).dump(measurement)
    result["corrections"] = CorrectionSchema(many=True).dump(corrections.get(measurement.id, []))
    return result


def list_measurements(uow, indicator_id, limit=50, offset=0):
    check_page(limit, offset)
    repo = ObjectivesRepository(uow.session)
    indicator = repo.indicator(indicator_id)
    items, total = repo.measurements(indicator.id, limit=limit, offset=offset)
    corrections = repo.corrections([m.id for m in items])
    return {
        "items": [_dump_measurement(m, corrections) for m in items],
        "total": total,
        "limit": limit,
        "offset": offset,
    }


# --- the council's dashboard and settings ------------------------------------------------------------


def dashboard(uow, *, today: date | None = None):
    today = today or local_today()
    repo = ObjectivesRepository(uow.session)
    grace = repo.grace_days(uow.tenant_id)
    orientations = repo.all_orientations()
    by_orientation = {}
    totals = {name: 0 for name in OBJECTIVE_BUCKETS}
    for objective in repo.all_objectives():
        bucket = objective.status if objective.state == domain.ACTIVE else objective.state
        row = by_orientation.setdefault(objective.orientation_code, {name: 0 for name in OBJECTIVE_BUCKETS})
        row[bucket] += 1
        totals[bucket] += 1
    active = repo.active_indicators()
    reported = repo.reported_periods([indicator.id for indicator, _ in active])
    late, due_count, reported_count = [], 0, 0
    for indicator, objective in active:
        done = reported.get(indicator.id, set())
        due = periods.due_periods(indicator.frequency, indicator.start_period, today, grace)
        due_count += len(due)
        for period in due:
            if str(period) in done:
                reported_count += 1
            else:
                late.append(
                    {
                        "indicator_id": indicator.id,
                        "indicator": indicator.name,
                        "objective_id": objective.id,
                        "objective": objective.title,
                        "owner_id": indicator.owner_id,
                        "period": str(period),
                        "period_end": period.end.isoformat(),
                        "days_late": (today - period.end).days - grace,
                    }
                )
    codes = sorted(set(by_orientation) | {code for code, o in orientations.items() if o.current})
    return {
        "orientations": [
            {
                "code": code,
                "title": orientations[code].title if code in orientations else None,
                "current": bool(code in orientations and orientations[code].current),
                "objectives": sum(by_orientation.get(code, {}).values()),
                "objectives_by_status": by_orientation.get(code, {n: 0 for n in OBJECTIVE_BUCKETS}),
            }
            for code in codes
        ],
        "objectives_by_status": totals,
        "reporting": {
            "reported_periods": reported_count,
            "due_periods": due_count,
            "completeness": periods.completeness_rate(reported_count, due_count),
            "grace_days": grace,
            "as_of": today.isoformat(),
        },
        "late_measurements": sorted(late, key=lambda item: (item["period_end"], item["indicator"])),
        "indicators": _with_recent_values(repo, active),
    }


RECENT_VALUES = 12  # the values an indicator's trend chart shows


def _with_recent_values(repo, active):
    recent = repo.recent_values([indicator.id for indicator, _ in active], RECENT_VALUES)
    shown = []
    for indicator, objective in active:
        indicator.recent = [{"period": period, "value": value} for period, value in recent.get(indicator.id, [])]
        indicator.objective_title = objective.title
        shown.append(indicator)
    return DashboardIndicatorSchema(many=True).dump(shown)


def reporting_settings(uow):
    return {"grace_days": ObjectivesRepository(uow.session).grace_days(uow.tenant_id)}


def set_reporting_settings(uow, data):
    domain.require_role(uow.role, domain.EDITORS, "change the reporting settings")
    data = load_or_raise(ReportingSettingsSchema(), data)
    settings = uow.session.get(domain.ReportingSettings, uow.tenant_id)
    if settings is None:
        uow.session.add(domain.ReportingSettings(uow.tenant_id, data["grace_days"]))
    else:
        settings.grace_days = data["grace_days"]
    uow.emit("reporting.settings_changed", data)  # the ministry works out completeness with it too
    uow.commit()
    return data


# --- events received -------------------------------------------------------------------------------


def apply_policy_published(uow, event):
    """The orientations objectives are set under: the published policy's."""
    payload = event["payload"]
    repo = ObjectivesRepository(uow.session)
    known = repo.all_orientations()
    if all(o.policy_version <= payload["version"] for o in known.values()):  # not an older version arriving late
        repo.retire_orientations()
        for item in payload["orientations"]:
            orientation = known.get(item["code"])
            if orientation is None:
                repo.add(domain.Orientation(uow.tenant_id, item["code"], item["title"], payload["version"]))
            else:
                orientation.title, orientation.policy_version, orientation.current = (
                    item["title"],
                    payload["version"],
                    True,
                )
    uow.commit()


def apply_catalogue_entry(uow, event):
    """The service's copy of the national catalogue, which indicators are mapped against."""
    repo = ObjectivesRepository(uow.session)
    entry = repo.catalogue_entry(event["payload"]["code"])
    if entry is None:
        repo.add(domain.CatalogueIndicator(**event["payload"], created_by=event["actor"], now=utc_now()))
    else:
        for name, value in event["payload"].items():
            setattr(entry, name, value)
    uow.commit()


# --- timers: council by council, one transaction each, so that a national run holds no long locks ---


def councils_with_active_indicators(uow):
    return ObjectivesRepository(uow.session).councils_with_active_indicators()


def notice_missing_measurements(uow, today: date):
    """In one council: every indicator and due period without a value, noticed once, announced in
    one indicator.measurement_missing event (the run's whole list)."""
    repo = ObjectivesRepository(uow.session)
    grace = repo.grace_days(uow.tenant_id)
    active = repo.active_indicators(skip_locked=True)
    reported = repo.reported_periods([indicator.id for indicator, _ in active])
    noticed = repo.noticed_missing()
    items = []
    for indicator, objective in active:
        for period in periods.late_periods(
            indicator.frequency, indicator.start_period, reported.get(indicator.id, set()), today, grace
        ):
            if (indicator.id, str(period)) in noticed:
                continue
            repo.add(domain.MissingMeasurement(indicator, period, today))
            items.append(
                {
                    "objective_id": objective.id,
                    "indicator_id": indicator.id,
                    "name": indicator.name,
                    "owner_id": indicator.owner_id,
                    "catalogue_code": indicator.catalogue_code,
                    "period": str(period),
                    "period_end": period.end,
                    "days_late": (today - period.end).days - grace,
                }
            )
    if items:
        uow.emit("indicator.measurement_missing", {"items": items})
    uow.commit()
    if items:
        MEASUREMENTS_MISSING.labels(uow.tenant_id).inc(len(items))
    return len(items)
