"""Use cases of nonconformities and their actions: raised by an audit report or by hand, treated
through their guard table to a verified closure, the actions' deadlines announced, recurrences
told. Each takes an open unit of work, applies the domain, queues its events and commits."""

from datetime import date

from jouda.services.audits import domain, nonconformities as nc
from jouda.services.audits.indicators import suggestion_for, take_status
from jouda.services.audits.notices import ACTION, EFFECTIVENESS_CHECK
from jouda.services.audits.repository import AuditsRepository
from jouda.services.audits.schemas import (
    ActionInputSchema,
    ActionSchema,
    ActionStepSchema,
    NonconformityInputSchema,
    NonconformitySchema,
    NonconformityStepSchema,
    NonconformitySummarySchema,
    SuggestionSchema,
)
from jouda.shared.clock import DISPLAY_ZONE, local_today, utc_now
from jouda.shared.errors import ValidationFailed
from jouda.shared.events.contracts import DEADLINE_CLEARED, DEADLINE_SET
from jouda.shared.events.envelope import occurred_at
from jouda.shared.schema_fields import check_choice, check_page, load_or_raise
from jouda.shared.vocabulary import ACTION_STATES, CLOSED, NONCONFORMITY_STATES, SEVERITIES

INTERNAL_AUDIT = "internal_audit"


def local_year(moment):
    """References are numbered by the councils' year (a nonconformity of 00:30 on 1 January is the new year's)."""
    return moment.astimezone(DISPLAY_ZONE).year


# --- events ----------------------------------------------------------------------------------------------


def nonconformity_payload(item):
    return {
        "nonconformity_id": item.id,
        "reference": item.reference,
        "title": item.title,
        "process_id": item.process_id,
        "clause": item.clause,
        "severity": item.severity,
        "source": item.source,
        "audit_id": item.audit_id,
        "state": item.state,
        "opened_at": item.opened_at,
        "closed_at": item.closed_at,
        "recurrence_of": item.recurrence_of,
        "verifications": item.verifications,
        "first_time_effective": item.first_time_effective,
    }


def action_payload(action, nonconformity):
    return {
        "action_id": action.id,
        "nonconformity_id": nonconformity.id,
        "nonconformity_reference": nonconformity.reference,
        "type": action.type,
        "title": action.title,
        "owner_id": action.owner_id,
        "due_date": action.due_date,
        "state": action.state,
        "done_on": action.done_on,
    }


def action_deadline(action, nonconformity):
    """An unfinished action's due date, for reminders, overdue notices and escalation."""
    if action.state in (nc.OPEN, nc.IN_PROGRESS):
        return DEADLINE_SET, {
            "kind": ACTION,
            "ref_id": action.id,
            "title": f"{nonconformity.reference} — {action.title}"[:300],
            "due_date": action.due_date,
            "owner_id": action.owner_id,
            "link": f"/nonconformities/{nonconformity.id}",
        }
    return DEADLINE_CLEARED, {"kind": ACTION, "ref_id": action.id}


def check_deadline(nonconformity):
    """The scheduled effectiveness check, owed by its verifier."""
    if nonconformity.state == nc.EFFECTIVENESS_CHECK:
        return DEADLINE_SET, {
            "kind": EFFECTIVENESS_CHECK,
            "ref_id": nonconformity.id,
            "title": f"{nonconformity.reference} — {nonconformity.title}"[:300],
            "due_date": nonconformity.check_due_on,
            "owner_id": nonconformity.verifier_id,
            "link": f"/nonconformities/{nonconformity.id}",
        }
    return DEADLINE_CLEARED, {"kind": EFFECTIVENESS_CHECK, "ref_id": nonconformity.id}


def _opened(uow, repo, item):
    uow.emit("nonconformity.opened", nonconformity_payload(item))
    if item.recurrence_of is not None:
        previous = repo.nonconformity(item.recurrence_of)
        uow.emit(
            "nonconformity.recurrence_detected",
            {
                "nonconformity_id": item.id,
                "reference": item.reference,
                "title": item.title,
                "process_id": item.process_id,
                "process": repo.process(item.process_id).name,
                "clause": item.clause,
                "recurrence_of": previous.id,
                "previous_reference": previous.reference,
            },
        )


def _dump(repo, item, *, today=None):
    actions = repo.actions_of(item.id)
    today = today or local_today()
    for action in actions:
        action.overdue = nc.overdue(action, today)
    item.actions = actions
    item.history = repo.history(item.id)
    item.effectiveness_proposal = nc.effectiveness_proposal(item, repo.indicator_status(item.indicator_id))
    return NonconformitySchema().dump(item)


# --- raising ----------------------------------------------------------------------------------------------


def open_nonconformity(uow, data, *, now=None):
    data = load_or_raise(NonconformityInputSchema(), data)
    repo = AuditsRepository(uow.session)
    now = now or utc_now()
    nc.check_source(uow.role, "objective" if data.get("suggestion_id") else data["source"])
    suggestion = _pending(repo, data.pop("suggestion_id"))
    if suggestion is not None:  # raised from an objective gone off track
        data["source"], data["source_ref"] = "objective", data.get("source_ref") or suggestion.objective_id
    process = repo.processes_by_id([data["process_id"]]).get(data["process_id"])
    item = nc.raise_nonconformity(
        uow.tenant_id,
        repo.next_reference(uow.tenant_id, "NC", local_year(now)),
        data,
        uow.actor,
        uow.role,
        now,
        process=process,
        earlier=repo.same_process_and_clause(data["process_id"], data["clause"]),
    )
    repo.add(item)
    uow.session.flush()
    repo.add(domain.Transition("nonconformity", item, "open", None, nc.OPEN, uow.actor, uow.role, now))
    if suggestion is not None:
        suggestion.nonconformity_id = item.id
    _opened(uow, repo, item)
    uow.commit()
    return _dump(repo, item)


def _pending(repo, suggestion_id):
    if suggestion_id is None:
        return None
    suggestion = repo.suggestion(suggestion_id, for_update=True)  # used once, however many ask at once
    if suggestion is None or suggestion.nonconformity_id is not None or suggestion.dismissed:
        raise ValidationFailed(
            "That suggestion is not pending (GET /api/v1/nonconformity-suggestions lists those that are).",
            {"suggestion_id": [str(suggestion_id)]},
        )
    return suggestion


def raise_from_report(uow, repo, audit, lines, now):
    """A nonconformity for every major or minor line of a report being issued, on the process it
    concerns (a line names its clause; without one, the audit's first clause)."""
    raised = []
    for line in domain.nonconformity_lines(lines):
        clause = line.clause or (audit.clauses[0] if audit.clauses else None)
        if clause is None:
            raise ValidationFailed(
                f"Line {line.position} is a nonconformity without a clause: give it its ISO clause.",
                {"lines": [line.id]},
            )
        process_id = domain.process_of(audit, line)
        data = {
            "process_id": process_id,
            "clause": clause,
            "severity": domain.NONCONFORMING[line.result],
            "title": line.question[:200],
            "description": line.finding,
            "evidence": "\n".join(part for part in (line.evidence, line.references) if part),
            "source": INTERNAL_AUDIT,
            "source_ref": audit.reference,
            "audit_id": audit.id,
            "line_id": line.id,
        }
        item = nc.raise_nonconformity(
            audit.tenant_id,
            repo.next_reference(audit.tenant_id, "NC", local_year(now)),
            data,
            uow.actor,
            uow.role,
            now,
            process=repo.process(process_id),
            earlier=repo.same_process_and_clause(data["process_id"], clause),
        )
        repo.add(item)
        uow.session.flush()
        repo.add(
            domain.Transition("nonconformity", item, "open", None, nc.OPEN, uow.actor, uow.role, now, audit.reference)
        )
        line.nonconformity_id = item.id
        _opened(uow, repo, item)
        raised.append(item)
    return raised


# --- reading ------------------------------------------------------------------------------------------------


def get_nonconformity(uow, nonconformity_id):
    repo = AuditsRepository(uow.session)
    return _dump(repo, repo.nonconformity(nonconformity_id))


def list_nonconformities(uow, state=None, severity=None, process_id=None, limit=50, offset=0):
    check_choice("state", state, NONCONFORMITY_STATES)
    check_choice("severity", severity, SEVERITIES)
    check_page(limit, offset)
    items, total = AuditsRepository(uow.session).nonconformities(
        state=state, severity=severity, process_id=process_id, limit=limit, offset=offset
    )
    return {
        "items": NonconformitySummarySchema(many=True).dump(items),
        "total": total,
        "limit": limit,
        "offset": offset,
    }


def register(uow):
    """Every nonconformity of the council with its treatment, for the register (CSV, XLSX)."""
    repo = AuditsRepository(uow.session)
    processes = repo.processes_by_id()
    rows = []
    for item in repo.nonconformities():
        process = processes.get(item.process_id)
        rows.append(
            {
                **NonconformitySummarySchema().dump(item),
                "process": f"{process.code} {process.name}" if process else None,
                "description": item.description,
                "containment": item.containment,
                "root_cause": item.root_cause,
                "verifications": item.verifications,
                "first_time_effective": item.first_time_effective,
            }
        )
    return {"items": rows}


def action_plan(uow, *, today: date | None = None):
    """Every action of the council with its nonconformity, for the action plan (CSV, XLSX)."""
    repo = AuditsRepository(uow.session)
    today = today or local_today()
    by_id = {item.id: item for item in repo.nonconformities()}
    rows = []
    for action in repo.actions():
        item = by_id[action.nonconformity_id]
        action.overdue = nc.overdue(action, today)
        rows.append(
            {
                **ActionSchema().dump(action),
                "nonconformity": item.reference,
                "nonconformity_title": item.title,
                "severity": item.severity,
            }
        )
    return {"items": rows}


def list_actions(uow, state=None, mine=False, limit=50, offset=0, *, today: date | None = None):
    check_choice("state", state, ACTION_STATES)
    check_page(limit, offset)
    items, total = AuditsRepository(uow.session).actions(
        owner_id=uow.actor if mine else None, state=state, limit=limit, offset=offset
    )
    today = today or local_today()
    for action in items:
        action.overdue = nc.overdue(action, today)
    return {"items": ActionSchema(many=True).dump(items), "total": total, "limit": limit, "offset": offset}


def dismiss_suggestion(uow, suggestion_id):
    """The quality manager judges an objective off track is no nonconformity: the offer goes; a later
    slide of the same objective is offered again."""
    domain.require_role(uow.role, domain.EDITORS, "dismiss a suggested nonconformity")
    repo = AuditsRepository(uow.session)
    suggestion = repo.suggestion(suggestion_id, for_update=True)
    if suggestion is None:
        raise nc.SuggestionNotFound(f"No suggestion {suggestion_id}.", {"id": str(suggestion_id)})
    _pending(repo, suggestion.id)
    suggestion.dismissed = True
    uow.commit()
    return SuggestionSchema().dump(suggestion)


def suggestions(uow):
    return {"items": SuggestionSchema(many=True).dump(AuditsRepository(uow.session).pending_suggestions())}


# --- treating --------------------------------------------------------------------------------------------------


def nonconformity_transition(uow, nonconformity_id, action, data, *, today: date | None = None, now=None):
    data = load_or_raise(NonconformityStepSchema(), data or {})
    repo = AuditsRepository(uow.session)
    item = repo.nonconformity(nonconformity_id, for_update=True)
    process = repo.process(item.process_id)
    actions = repo.actions_of(item.id)
    now, today = now or utc_now(), today or local_today()
    old_state = item.state
    step = nc.transition(
        item,
        action,
        data,
        uow.actor,
        uow.role,
        now,
        process_owner=process.owner_id,
        actions=actions,
        delay_days=repo.effectiveness_delay(uow.tenant_id),
        people=repo.people(),
        today=today,
    )
    if (
        action == "schedule_check"
        and item.indicator_id is not None
        and repo.indicator_status(item.indicator_id) is None
    ):
        raise ValidationFailed(
            "No indicator of this council has that id (GET /api/v1/objectives lists them with their indicators).",
            {"indicator_id": [item.indicator_id]},
        )
    repo.add(step)
    if action == "reject":  # its unfinished actions go with it, and their reminders stop
        moves = nc.cancel_with(item, actions, uow.actor, uow.role, now)
        repo.add(*moves)
        cancelled = {move.subject_id for move in moves}
        for action_item in actions:
            if action_item.id in cancelled:
                uow.emit(*action_deadline(action_item, item))
    uow.emit(
        "nonconformity.status_changed",
        {**nonconformity_payload(item), "action": action, "old_state": old_state, "comment": step.comment},
    )
    if action in ("schedule_check", "verify"):
        uow.emit(*check_deadline(item))
    if action == "verify":
        uow.emit(
            "effectiveness.verified",
            {
                "nonconformity_id": item.id,
                "reference": item.reference,
                "title": item.title,
                "effective": item.state == CLOSED,
                "first_time": item.verifications == 1,
                "verifier_id": uow.actor,
                "indicator_id": item.indicator_id,
                "comment": step.comment,
            },
        )
    if item.state == CLOSED:
        uow.emit("nonconformity.closed", nonconformity_payload(item))
    uow.commit()
    return _dump(repo, item, today=today)


def add_action(uow, nonconformity_id, data):
    data = load_or_raise(ActionInputSchema(), data)
    repo = AuditsRepository(uow.session)
    item = repo.nonconformity(nonconformity_id, for_update=True)
    process = repo.process(item.process_id)
    action = nc.add_action(
        item, data, uow.actor, uow.role, utc_now(), process_owner=process.owner_id, people=repo.people()
    )
    repo.add(action)
    uow.session.flush()
    repo.add(domain.Transition("action", action, "assign", None, nc.OPEN, uow.actor, uow.role, action.created_at))
    uow.emit("action.assigned", action_payload(action, item))
    uow.emit(*action_deadline(action, item))
    uow.commit()
    action.overdue = nc.overdue(action, local_today())
    return ActionSchema().dump(action)


def action_transition(uow, action_id, step, data, *, today: date | None = None, now=None):
    data = load_or_raise(ActionStepSchema(), data or {})
    repo = AuditsRepository(uow.session)
    # The nonconformity first, then the action: the order every use case locks them in.
    item = repo.nonconformity(repo.action(action_id).nonconformity_id, for_update=True)
    action = repo.action(action_id, for_update=True)
    today = today or local_today()
    repo.add(nc.action_transition(action, item, step, data, uow.actor, uow.role, now or utc_now(), today))
    if step == "complete":
        uow.emit("action.completed", action_payload(action, item))
    if step != "start":
        uow.emit(*action_deadline(action, item))
    uow.commit()
    action.overdue = nc.overdue(action, today)
    return ActionSchema().dump(action)


# --- what the objectives service announces --------------------------------------------------------------------


def apply_indicators(uow, event):
    """objective.created / updated / snapshot and indicator.measurement_recorded: indicators' status."""
    payload, at = event["payload"], occurred_at(event)
    repo = AuditsRepository(uow.session)
    snapshots = payload["indicators"] if "indicators" in payload else [payload["indicator"]]
    objective_id = str(payload["objective_id"])
    for snapshot in snapshots:
        take_status(repo.locked_indicator_status(uow.tenant_id, objective_id, snapshot, at), snapshot, at)
    uow.commit()


def apply_objective_status(uow, event):
    """An objective gone off track is offered to the quality manager as a possible nonconformity."""
    repo = AuditsRepository(uow.session)
    payload = event["payload"]
    offered = suggestion_for(
        uow.tenant_id, payload, repo.pending_suggestion(str(payload["objective_id"])), occurred_at(event)
    )
    if offered is not None:
        repo.add(offered)
    uow.commit()
