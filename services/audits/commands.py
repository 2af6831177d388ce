"""Use cases of processes, programmes, audits, checklists and reports. Each takes an open unit of
work, applies the domain, queues its events and commits; the RPC entrypoints and the demo seed
both go through here. Nonconformities and actions are in treatment.py."""

from jouda.services.audits import clauses, domain, treatment
from jouda.services.audits.repository import AuditsRepository
from jouda.services.audits.schemas import (
    AuditChangesSchema,
    AuditPlanSchema,
    AuditSchema,
    AuditSettingsSchema,
    AuditSummarySchema,
    ChecklistSaveSchema,
    ChecklistSourceSchema,
    CommentSchema,
    LineSchema,
    NonconformitySummarySchema,
    ProcessChangesSchema,
    ProcessInputSchema,
    ProcessSchema,
    ProgrammeInputSchema,
    ProgrammeSchema,
    ReportInputSchema,
    MoveSchema,
)
from jouda.shared.clock import utc_now
from jouda.shared.errors import ValidationFailed
from jouda.shared.schema_fields import check_choice, check_page, load_or_raise
from jouda.shared.vocabulary import AUDIT_STATES, PROCESS_TYPES


def page(items, total, limit, offset, schema):
    return {"items": schema(many=True).dump(items), "total": total, "limit": limit, "offset": offset}


# --- processes -------------------------------------------------------------------------------------------


def process_payload(process, changed=None):
    payload = {
        "process_id": process.id,
        "code": process.code,
        "name": process.name,
        "type": process.type,
        "owner_id": process.owner_id,
        "clauses": list(process.clauses),
        "active": process.active,
    }
    if changed is not None:
        payload["changed"] = changed
    return payload


def create_process(uow, data):
    data = load_or_raise(ProcessInputSchema(), data)
    repo = AuditsRepository(uow.session)
    process, ownership = domain.create_process(
        uow.tenant_id, data, uow.role, utc_now(), existing_codes=repo.process_codes(), people=repo.people()
    )
    repo.add(process)
    uow.session.flush()
    repo.add(ownership)
    uow.emit("process.created", process_payload(process))
    uow.commit()
    return ProcessSchema().dump(process)


def update_process(uow, process_id, data):
    changes = load_or_raise(ProcessChangesSchema(), data)
    repo = AuditsRepository(uow.session)
    process = repo.process(process_id, for_update=True)
    changed, ownership = domain.edit_process(
        process,
        changes,
        uow.role,
        utc_now(),
        existing_codes=repo.process_codes(),
        people=repo.people(),
        ownership=repo.current_ownership(process.id),
    )
    if ownership is not None:
        repo.add(ownership)
    if changed:
        uow.emit("process.updated", process_payload(process, changed))
    uow.commit()
    return ProcessSchema().dump(process)


def get_process(uow, process_id):
    return ProcessSchema().dump(AuditsRepository(uow.session).process(process_id))


def list_processes(uow, type_=None, active=None, limit=50, offset=0):
    check_choice("type", type_, PROCESS_TYPES)
    check_page(limit, offset)
    items, total = AuditsRepository(uow.session).processes(type_=type_, active=active, limit=limit, offset=offset)
    return page(items, total, limit, offset, ProcessSchema)


def iso_clauses(uow=None):
    return {"items": list(clauses.catalogue().values())}


# --- the programme ------------------------------------------------------------------------------------------


def _dump_programme(repo, programme):
    programme.audits = repo.audits(programme_id=programme.id)
    programme.history = repo.history(programme.id)
    return ProgrammeSchema().dump(programme)


def create_programme(uow, data):
    data = load_or_raise(ProgrammeInputSchema(), data)
    repo = AuditsRepository(uow.session)
    programme = domain.create_programme(
        uow.tenant_id,
        data["year"],
        data["title"],
        uow.actor,
        uow.role,
        utc_now(),
        existing=repo.programme_of_year(data["year"]),
    )
    repo.add(programme)
    uow.session.flush()
    repo.add(
        domain.Transition(
            "programme", programme, "create", None, domain.DRAFT, uow.actor, uow.role, programme.created_at
        )
    )
    uow.commit()
    return _dump_programme(repo, programme)


def get_programme(uow, programme_id):
    repo = AuditsRepository(uow.session)
    return _dump_programme(repo, repo.programme(programme_id))


def list_programmes(uow):
    repo = AuditsRepository(uow.session)
    return {"items": [_dump_programme(repo, programme) for programme in repo.programmes()]}


def programme_transition(uow, programme_id, action, data):
    comment = load_or_raise(CommentSchema(), data or {})["comment"]
    repo = AuditsRepository(uow.session)
    programme = repo.programme(programme_id, for_update=True)
    repo.add(domain.programme_transition(programme, action, uow.actor, uow.role, utc_now(), comment))
    uow.commit()
    return _dump_programme(repo, programme)


# --- audits -------------------------------------------------------------------------------------------------


def audit_payload(audit, comment=None):
    return {
        "audit_id": audit.id,
        "reference": audit.reference,
        "title": audit.title,
        "type": audit.type,
        "programme_id": audit.programme_id,
        "year": audit.year,
        "planned_month": audit.planned_month,
        "planned_start": audit.planned_start,
        "planned_end": audit.planned_end,
        "process_ids": list(audit.process_ids),
        "clauses": list(audit.clauses),
        "lead_auditor_id": audit.lead_auditor_id,
        "team_ids": list(audit.team_ids),
        "auditee_ids": list(audit.auditee_ids),
        "state": audit.state,
        "comment": comment,
    }


def _dump_audit(repo, audit):
    audit.history = repo.history(audit.id)
    return AuditSchema().dump(audit)


def _plan_context(repo, data):
    """What a plan is checked against: the processes it names, the council's people, the ownerships."""
    processes = repo.processes_by_id(data.get("process_ids") or ())
    return {
        "processes": processes,
        "people": repo.people(),
        "ownerships": repo.ownerships([p for p in data.get("process_ids") or () if p in processes]),
    }


def plan_audit(uow, data):
    data = load_or_raise(AuditPlanSchema(), data)
    repo = AuditsRepository(uow.session)
    now = utc_now()
    programme = repo.programme(data["programme_id"]) if data.get("programme_id") else None
    audit = domain.plan_audit(
        uow.tenant_id,
        repo.next_reference(uow.tenant_id, "AUD", int(data["planned_month"][:4])),
        programme,
        data,
        uow.actor,
        uow.role,
        now,
        **_plan_context(repo, data),
    )
    repo.add(audit)
    uow.session.flush()
    repo.add(domain.Transition("audit", audit, "plan", None, domain.PLANNED, uow.actor, uow.role, now))
    uow.emit("audit.planned", audit_payload(audit))
    uow.commit()
    return _dump_audit(repo, audit)


def update_audit(uow, audit_id, data):
    changes = load_or_raise(AuditChangesSchema(), data)
    repo = AuditsRepository(uow.session)
    audit = repo.audit(audit_id, for_update=True)
    now = utc_now()
    merged = {"process_ids": changes.get("process_ids", audit.process_ids)}
    programme = repo.programme(audit.programme_id) if audit.programme_id else None
    changed = domain.edit_plan(
        audit, changes, uow.actor, uow.role, now, programme=programme, **_plan_context(repo, merged)
    )
    if changed:
        uow.emit("audit.updated", {**audit_payload(audit), "changed": sorted(changed)})
    uow.commit()
    return _dump_audit(repo, audit)


def get_audit(uow, audit_id):
    repo = AuditsRepository(uow.session)
    return _dump_audit(repo, repo.audit(audit_id))


def list_audits(uow, state=None, year=None, programme_id=None, mine=False, limit=50, offset=0):
    check_choice("state", state, AUDIT_STATES)
    check_page(limit, offset)
    if year is not None and not 2000 <= year <= 2100:
        raise ValidationFailed("Unknown year.", {"year": ["From 2000 to 2100."]})
    items, total = AuditsRepository(uow.session).audits(
        state=state,
        year=year,
        programme_id=programme_id,
        auditor=uow.actor if mine else None,
        limit=limit,
        offset=offset,
    )
    return page(items, total, limit, offset, AuditSummarySchema)


def audit_transition(uow, audit_id, action, data, *, now=None):
    comment = load_or_raise(CommentSchema(), data or {})["comment"]
    repo = AuditsRepository(uow.session)
    audit = repo.audit(audit_id, for_update=True)
    lines = repo.lines(audit.id, for_update=True)
    now = now or utc_now()
    conflicts = domain.impartiality_conflicts(audit, repo.ownerships(audit.process_ids), now)
    repo.add(domain.audit_transition(audit, action, lines, uow.actor, uow.role, now, comment, conflicts=conflicts))
    guard = domain.AUDIT_GUARDS[action]
    if action == "report":
        raised = treatment.raise_from_report(uow, repo, audit, lines, now)
        uow.emit(
            guard.event_type,
            {**audit_payload(audit, comment), "results": domain.tally(lines), "nonconformities": len(raised)},
        )
    else:
        uow.emit(guard.event_type, audit_payload(audit, comment))
    uow.commit()
    return _dump_audit(repo, audit)


# --- the checklist --------------------------------------------------------------------------------------------


def _checklist(audit, lines):
    return {
        "audit_id": audit.id,
        "state": audit.state,
        "lines": LineSchema(many=True).dump(lines),
        "results": domain.tally(lines),
    }


def get_checklist(uow, audit_id):
    repo = AuditsRepository(uow.session)
    audit = repo.audit(audit_id)
    return _checklist(audit, repo.lines(audit.id))


def save_checklist(uow, audit_id, data):
    data = load_or_raise(ChecklistSaveSchema(), data)
    repo = AuditsRepository(uow.session)
    audit = repo.audit(audit_id, for_update=True)  # the audit row is the checklist's lock
    lines = list(repo.lines(audit.id))
    domain.save_lines(audit, lines, data["lines"], uow.actor, uow.role)
    if data["add"]:
        added = domain.add_lines(
            audit, len(lines), [(item["question"], item["clause"], None) for item in data["add"]], uow.actor, uow.role
        )
        repo.add(*added)
        lines += added
    audit.updated_at = utc_now()
    uow.commit()
    return _checklist(audit, sorted(lines, key=lambda line: line.position))


def start_checklist_from(uow, audit_id, data):
    """Lines from the clause catalogue (in the language asked), or the previous audit's questions with
    last time's results beside them."""
    data = load_or_raise(ChecklistSourceSchema(), data)
    repo = AuditsRepository(uow.session)
    audit = repo.audit(audit_id, for_update=True)
    lines = list(repo.lines(audit.id))
    if data["source"] == "catalogue":
        wanted = data["clauses"] or audit.clauses
        if not wanted:
            raise ValidationFailed(
                "Name the clauses to audit (here or in the audit's scope).", {"clauses": ["At least one clause."]}
            )
        clauses.check_clauses(wanted)
        questions = [(clauses.question(clause, data["language"]), clause, None) for clause in clauses.covered(wanted)]
    else:
        previous = repo.previous_audit(audit)
        if previous is None:
            raise ValidationFailed(
                "No earlier audit of these processes has been reported: start from the clause catalogue.",
                {"source": ["No previous audit."]},
            )
        questions = [(line.question, line.clause, line) for line in repo.lines(previous.id)]
    added = domain.add_lines(audit, len(lines), questions, uow.actor, uow.role)
    repo.add(*added)
    audit.updated_at = utc_now()
    uow.commit()
    return _checklist(audit, lines + added)


def remove_checklist_line(uow, audit_id, line_id):
    repo = AuditsRepository(uow.session)
    audit = repo.audit(audit_id, for_update=True)
    lines = repo.lines(audit.id)
    uow.session.delete(domain.remove_line(audit, lines, str(line_id), uow.actor, uow.role))
    uow.session.flush()
    uow.commit()
    return _checklist(audit, repo.lines(audit.id))


# --- the report --------------------------------------------------------------------------------------------


def write_report(uow, audit_id, data):
    data = load_or_raise(ReportInputSchema(), data)
    repo = AuditsRepository(uow.session)
    audit = repo.audit(audit_id, for_update=True)
    domain.write_report(audit, data, uow.actor, uow.role, utc_now())
    uow.commit()
    return report(uow, audit_id)


def report(uow, audit_id, language="fr"):
    """The audit report: the plan, summary, strengths, findings by clause, conclusions, the
    nonconformities it raised, and any impartiality override with its justification."""
    if language not in ("fr", "ar"):
        raise ValidationFailed("Unknown language.", {"lang": ["fr or ar."]})
    repo = AuditsRepository(uow.session)
    audit = repo.audit(audit_id)
    lines = repo.lines(audit.id)
    processes = repo.processes_by_id(audit.process_ids)
    raised = repo.nonconformities(audit_id=audit.id)
    return {
        "audit": _dump_audit(repo, audit),
        "language": language,
        "processes": [
            {"id": p.id, "code": p.code, "name": p.name} for p in sorted(processes.values(), key=lambda p: p.code)
        ],
        "results": domain.tally(lines),
        "findings": [
            {
                "clause": clause,
                "title": clauses.title(clause, language) if clause else None,
                "lines": LineSchema(many=True).dump(found),
            }
            for clause, found in domain.findings_by_clause(lines).items()
        ],
        "lines": len(lines),
        "nonconformities": NonconformitySummarySchema(many=True).dump(raised),
        "impartiality": {
            "conflicts": audit.impartiality_conflicts,
            "justification": audit.impartiality_justification,
            "overridden_by": audit.impartiality_overridden_by,
        },
    }


def history(uow, subject_id):
    return {"items": MoveSchema(many=True).dump(AuditsRepository(uow.session).history(str(subject_id)))}


# --- settings -------------------------------------------------------------------------------------------------


def audit_settings(uow):
    return {"effectiveness_delay_days": AuditsRepository(uow.session).effectiveness_delay(uow.tenant_id)}


def set_audit_settings(uow, data):
    domain.require_role(uow.role, domain.EDITORS, "change the audit settings")
    data = load_or_raise(AuditSettingsSchema(), data)
    settings = uow.session.get(domain.AuditSettings, uow.tenant_id)
    if settings is None:
        uow.session.add(domain.AuditSettings(uow.tenant_id, data["effectiveness_delay_days"]))
    else:
        settings.effectiveness_delay_days = data["effectiveness_delay_days"]
    uow.commit()
    return data
