"""Processes, the audit programme and audits (ISO 9001:2015 §4.4, §9.2), as plain Python.

A yearly programme moves through one guard table:

    draft --approve (director)--> approved --put_in_force--> in_force
    approved --send_back (director, comment required)--> draft

An audit moves through another:

    planned --submit (checklist ready, plan sent to the auditees)--> prepared --start--> in_progress
    in_progress --report (every line assessed, every nonconformity line with its finding)--> reported
    reported --close (director or quality manager)--> closed
    planned | prepared --cancel (reason required)--> cancelled

Every move is kept as a Transition (actor, role, time, comment). Impartiality (§9.2.2 c) is a rule
of its own: an auditor never audits a process they own or owned in the last twelve months, the lead
auditor is never an auditee, unless the quality manager overrides it in writing.
No Nameko, no SQLAlchemy session, no I/O here."""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from jouda.services.audits.clauses import check_clauses
from jouda.shared.clock import as_utc
from jouda.shared.errors import Conflict, NotFound, RoleNotAllowed, ValidationFailed, require_role
from jouda.shared.tenancy import TenantOwned
from jouda.shared.vocabulary import (
    AUDITOR,
    CANCELLED,
    CLOSED,
    DIRECTOR,
    IN_PROGRESS,
    PLANNED,
    PREPARED,
    QUALITY_MANAGER,
    REPORTED,
)

EDITORS = frozenset({QUALITY_MANAGER})
DECIDERS = frozenset({QUALITY_MANAGER, DIRECTOR})
AUDITOR_ROLES = frozenset({AUDITOR, QUALITY_MANAGER})  # who may sit on an audit team
IMPARTIALITY_MONTHS = 12
OWNERSHIP_LOOKBACK = timedelta(days=365)

# --- results of a checklist line ------------------------------------------------------------------
CONFORMING, MAJOR_NC, MINOR_NC = "conforming", "major_nc", "minor_nc"
OBSERVATION, IMPROVEMENT, GOOD_PRACTICE = "observation", "improvement_opportunity", "good_practice"
NOT_APPLICABLE, NOT_ASSESSED = "not_applicable", "not_assessed"
RESULTS = (CONFORMING, MAJOR_NC, MINOR_NC, OBSERVATION, IMPROVEMENT, GOOD_PRACTICE, NOT_APPLICABLE, NOT_ASSESSED)
NONCONFORMING = {MAJOR_NC: "major", MINOR_NC: "minor"}  # a line's result -> the nonconformity's severity
MAX_LINES = 300

# --- the programme ---------------------------------------------------------------------------------
DRAFT, APPROVED, IN_FORCE = "draft", "approved", "in_force"
PROGRAMME_STATES = (DRAFT, APPROVED, IN_FORCE)


@dataclass(frozen=True)
class Guard:
    sources: tuple
    target: str
    roles: frozenset
    event_type: str | None = None
    comment_required: bool = False
    lead_may: bool = False  # the audit's own lead auditor may take this step too


PROGRAMME_GUARDS = {
    "approve": Guard((DRAFT,), APPROVED, frozenset({DIRECTOR})),
    "send_back": Guard((APPROVED,), DRAFT, frozenset({DIRECTOR}), comment_required=True),
    "put_in_force": Guard((APPROVED,), IN_FORCE, EDITORS),
}

AUDIT_GUARDS = {
    "submit": Guard((PLANNED,), PREPARED, EDITORS, "audit.prepared", lead_may=True),
    "start": Guard((PREPARED,), IN_PROGRESS, EDITORS, "audit.started", lead_may=True),
    "report": Guard((IN_PROGRESS,), REPORTED, EDITORS, "audit.reported", lead_may=True),
    "close": Guard((REPORTED,), CLOSED, DECIDERS, "audit.closed"),
    "cancel": Guard((PLANNED, PREPARED), CANCELLED, EDITORS, "audit.cancelled", comment_required=True),
}
STILL_IMPARTIAL = ("submit", "start", "report")  # steps that check the team again
EDITABLE_PLAN = (PLANNED, PREPARED)  # the plan (scope, team, dates) changes until the audit starts
QUESTIONS_OPEN = (PLANNED, PREPARED, IN_PROGRESS)  # lines may be added or removed
RESULTS_OPEN = (IN_PROGRESS,)  # lines are assessed once the audit has started


class TransitionNotAllowed(Conflict):
    code = "transition_not_allowed"


class ImpartialityConflict(Conflict):
    code = "impartiality_conflict"


class ProcessCodeExists(Conflict):
    code = "process_code_exists"


class ProgrammeExists(Conflict):
    code = "programme_exists"


class ProcessNotFound(NotFound):
    code = "process_not_found"


class ProgrammeNotFound(NotFound):
    code = "programme_not_found"


class AuditNotFound(NotFound):
    code = "audit_not_found"


def new_id():
    return str(uuid.uuid4())


# --- entities ------------------------------------------------------------------------------------------


class Process(TenantOwned):
    FIELDS = ("code", "name", "type", "owner_id", "clauses", "description")

    def __init__(self, tenant_id, data, now):
        self.id = new_id()
        self.tenant_id = tenant_id
        for name in self.FIELDS:
            setattr(self, name, data.get(name))
        self.clauses = list(data.get("clauses") or [])
        self.description = data.get("description") or ""
        self.active = True
        self.created_at = self.updated_at = now


class ProcessOwnership(TenantOwned):
    """Who owned a process from when until when: impartiality looks twelve months back."""

    def __init__(self, process, owner_id, since):
        self.id = new_id()
        self.tenant_id = process.tenant_id
        self.process_id = process.id
        self.owner_id = owner_id
        self.since = since
        self.until = None


class Programme(TenantOwned):
    def __init__(self, tenant_id, year, title, created_by, now):
        self.id = new_id()
        self.tenant_id = tenant_id
        self.year = year
        self.title = title
        self.state = DRAFT
        self.created_by = created_by
        self.created_at = self.updated_at = now


class Audit(TenantOwned):
    PLAN_FIELDS = (
        "title",
        "type",
        "process_ids",
        "clauses",
        "criteria",
        "objectives",
        "lead_auditor_id",
        "team_ids",
        "auditee_ids",
        "planned_month",
        "planned_start",
        "planned_end",
    )
    REPORT_FIELDS = ("summary", "strengths", "conclusions")

    def __init__(self, tenant_id, reference, programme_id, data, created_by, now):
        self.id = new_id()
        self.tenant_id = tenant_id
        self.reference = reference
        self.programme_id = programme_id
        for name in self.PLAN_FIELDS:
            setattr(self, name, data.get(name))
        for name in ("process_ids", "clauses", "team_ids", "auditee_ids"):
            setattr(self, name, list(data.get(name) or []))
        self.criteria = data.get("criteria") or ""
        self.objectives = data.get("objectives") or ""
        self.state = PLANNED
        self.cancel_reason = None
        self.impartiality_conflicts = []
        self.impartiality_justification = None
        self.impartiality_overridden_by = None
        self.summary = self.strengths = self.conclusions = None
        self.reported_at = self.closed_at = None
        self.created_by = created_by
        self.created_at = self.updated_at = now

    @property
    def year(self):
        return int(self.planned_month[:4])

    @property
    def auditors(self):
        """The lead auditor and the team, each once."""
        found = [self.lead_auditor_id] if self.lead_auditor_id else []
        return found + [member for member in self.team_ids if member not in found]


class ChecklistLine(TenantOwned):
    ASSESSMENT = ("result", "evidence", "references", "note", "finding", "process_id")

    def __init__(self, audit, position, question, clause=None, previous=None):
        self.id = new_id()
        self.tenant_id = audit.tenant_id
        self.audit_id = audit.id
        self.position = position
        self.clause = clause
        self.question = question
        self.result = NOT_ASSESSED
        self.evidence = self.references = self.note = self.finding = None
        self.previous_result = previous.result if previous is not None else None
        self.previous_evidence = previous.evidence if previous is not None else None
        self.process_id = audit.process_ids[0] if len(audit.process_ids) == 1 else None
        self.nonconformity_id = None


class Transition(TenantOwned):
    """One move of a programme, an audit, a nonconformity or an action: who, as what, when, why."""

    def __init__(self, subject_kind, subject, action, source, target, actor, role, at, comment=None):
        self.id = new_id()
        self.tenant_id = subject.tenant_id
        self.subject_kind = subject_kind
        self.subject_id = subject.id
        self.action = action
        self.from_state = source
        self.to_state = target
        self.actor = actor
        self.role = role
        self.comment = comment
        self.at = at


class AuditSettings(TenantOwned):
    DEFAULT_EFFECTIVENESS_DAYS = 30

    def __init__(self, tenant_id, effectiveness_delay_days=DEFAULT_EFFECTIVENESS_DAYS):
        self.tenant_id, self.effectiveness_delay_days = tenant_id, effectiveness_delay_days


# --- shared rules ----------------------------------------------------------------------------------


def clean(text):
    return (text or "").strip() or None


def check_people(user_ids, people, field, *, roles=None, what="an active user of this council"):
    """`people`: user id -> role of the council's active users."""
    unknown = [user_id for user_id in user_ids if user_id not in people or (roles and people[user_id] not in roles)]
    if unknown:
        raise ValidationFailed(f"{', '.join(unknown)}: not {what}.", {field: [f"Each one {what}."]})


def move(subject_kind, subject, guard, action, actor, role, now, comment=None):
    source = subject.state
    subject.state = guard.target
    subject.updated_at = now
    return Transition(subject_kind, subject, action, source, guard.target, actor, role, now, comment)


def guard_of(guards, action):
    guard = guards.get(action)
    if guard is None:
        raise ValidationFailed(f"Unknown action {action!r}.", {"action": sorted(guards)})
    return guard


def require_source(guard, action, subject, what):
    """Checked after the role: someone who may never take the step is told so (403), not why not now."""
    if subject.state not in guard.sources:
        raise TransitionNotAllowed(
            f"Cannot {action.replace('_', ' ')} this {what}: it is {subject.state}, and this step needs it "
            f"{' or '.join(guard.sources)}.",
            {"state": subject.state, "required_state": list(guard.sources)},
        )


def require_comment(guard, comment, field="comment"):
    comment = clean(comment)
    if guard.comment_required and not comment:
        raise ValidationFailed("Say why, in words: a comment is required for this step.", {field: ["Required."]})
    return comment


# --- processes -----------------------------------------------------------------------------------------


def create_process(tenant_id, data, role, now, *, existing_codes, people):
    require_role(role, EDITORS, "map the council's processes")
    if data["code"] in existing_codes:
        raise ProcessCodeExists(f"The process code {data['code']} is already used.", {"code": data["code"]})
    check_people([data["owner_id"]], people, "owner_id")
    check_clauses(data.get("clauses") or [])
    process = Process(tenant_id, data, now)
    return process, ProcessOwnership(process, process.owner_id, now)


def edit_process(process, changes, role, now, *, existing_codes, people, ownership):
    """Field changes, retirement (active: false) and a new owner (the old ownership ends now).
    Returns (names changed, the new ownership or None)."""
    require_role(role, EDITORS, "change the council's processes")
    if "code" in changes and changes["code"] != process.code and changes["code"] in existing_codes:
        raise ProcessCodeExists(f"The process code {changes['code']} is already used.", {"code": changes["code"]})
    if "owner_id" in changes and changes["owner_id"] != process.owner_id:
        check_people([changes["owner_id"]], people, "owner_id")
    if "clauses" in changes:
        check_clauses(changes["clauses"])
    changed = [name for name, value in changes.items() if getattr(process, name) != value]
    new_ownership = None
    if "owner_id" in changed:
        if ownership is not None:
            ownership.until = now
        new_ownership = ProcessOwnership(process, changes["owner_id"], now)
    for name in changed:
        setattr(process, name, changes[name])
    if changed:
        process.updated_at = now
    return changed, new_ownership


# --- the programme ---------------------------------------------------------------------------------------


def create_programme(tenant_id, year, title, actor, role, now, *, existing):
    require_role(role, EDITORS, "draw up the audit programme")
    if existing is not None:
        raise ProgrammeExists(
            f"The council already has a {year} audit programme; add audits to it.", {"programme_id": existing.id}
        )
    return Programme(tenant_id, year, title, actor, now)


def programme_transition(programme, action, actor, role, now, comment=None):
    guard = guard_of(PROGRAMME_GUARDS, action)
    require_role(role, guard.roles, f"{action.replace('_', ' ')} an audit programme")
    require_source(guard, action, programme, "programme")
    return move("programme", programme, guard, action, actor, role, now, require_comment(guard, comment))


# --- audits ----------------------------------------------------------------------------------------------


def check_plan(data, *, processes, people, programme=None):
    """The audit's scope and people: its processes exist and are active, its clauses are in the
    catalogue, its team sits on audits, everyone named is an active member of the council."""
    for process_id in data.get("process_ids", ()):
        process = processes.get(process_id)
        if process is None or not process.active:
            raise ValidationFailed(
                f"{process_id} is not an active process of this council.",
                {"process_ids": ["Ids of active processes (GET /api/v1/processes)."]},
            )
    check_clauses(data.get("clauses") or [])
    if data.get("lead_auditor_id"):
        check_people([data["lead_auditor_id"]], people, "lead_auditor_id", roles=AUDITOR_ROLES, what="an auditor")
    check_people(data.get("team_ids") or [], people, "team_ids", roles=AUDITOR_ROLES, what="an auditor")
    check_people(data.get("auditee_ids") or [], people, "auditee_ids")
    start, end = data.get("planned_start"), data.get("planned_end")
    if start and end and end < start:
        raise ValidationFailed(
            "The audit cannot end before it starts.", {"planned_end": ["On or after planned_start."]}
        )
    if programme is not None and data.get("planned_month") and int(data["planned_month"][:4]) != programme.year:
        raise ValidationFailed(
            f"This programme is the {programme.year} one: plan the audit in {programme.year}.",
            {"planned_month": [f"A month of {programme.year}."]},
        )


def impartiality_conflicts(audit, ownerships, now):
    """Who may not audit what, and why: `ownerships` are the ProcessOwnership rows of the audit's
    processes. An empty list: the audit is impartial."""
    since = now - OWNERSHIP_LOOKBACK
    found = []
    for auditor in audit.auditors:
        for ownership in ownerships:
            if ownership.owner_id != auditor or ownership.process_id not in audit.process_ids:
                continue
            if ownership.until is None:
                reason = "owns the audited process"
            elif as_utc(ownership.until) >= since:
                reason = f"owned the audited process until {ownership.until.date().isoformat()}"
            else:
                continue
            found.append({"user_id": auditor, "process_id": ownership.process_id, "reason": reason})
    if audit.lead_auditor_id and audit.lead_auditor_id in audit.auditee_ids:
        found.append({"user_id": audit.lead_auditor_id, "process_id": None, "reason": "is also an auditee"})
    unique = []
    for conflict in found:
        if conflict not in unique:
            unique.append(conflict)
    return unique


def unjustified(conflicts, audit):
    """The conflicts the audit's written justification does not cover (each auditor and process once)."""
    covered = {(c["user_id"], c["process_id"]) for c in audit.impartiality_conflicts or ()}
    if not audit.impartiality_justification:
        covered = set()
    return [c for c in conflicts if (c["user_id"], c["process_id"]) not in covered]


def partial(conflicts, doing):
    words = "; ".join(f"{c['user_id']} {c['reason']}" for c in conflicts)
    return ImpartialityConflict(
        f"The audit team is not impartial (ISO 9001 §9.2.2 c): {words}. Change the team, or, as quality "
        f"manager, send impartiality_justification {doing}; it is kept and shown in the report.",
        {"conflicts": conflicts},
    )


def settle_impartiality(audit, conflicts, justification, actor, role):
    """Refuses a partial audit (409, who and why), unless the quality manager justifies it in writing;
    the justification is kept and shown in the report. A justification covers the conflicts it was
    written for: a new one needs words of its own."""
    justification = clean(justification)
    if not conflicts:
        audit.impartiality_conflicts, audit.impartiality_justification = [], None
        audit.impartiality_overridden_by = None
        return
    if justification is None:
        new = unjustified(conflicts, audit)
        if new:
            raise partial(new, "to proceed")
        audit.impartiality_conflicts = conflicts  # the same people and processes, as they stand now
        return
    if role != QUALITY_MANAGER:
        raise partial(conflicts, "to proceed")
    audit.impartiality_conflicts = conflicts
    audit.impartiality_justification = justification
    audit.impartiality_overridden_by = actor


def check_still_impartial(audit, conflicts):
    """At each step until the report: a process's owner may have changed since the audit was planned."""
    new = unjustified(conflicts, audit)
    if new:
        raise partial(new, "(PATCH /api/v1/audits/{id})")


def plan_audit(tenant_id, reference, programme, data, actor, role, now, *, processes, people, ownerships):
    require_role(role, EDITORS, "plan audits")
    check_plan(data, processes=processes, people=people, programme=programme)
    audit = Audit(tenant_id, reference, programme.id if programme is not None else None, data, actor, now)
    settle_impartiality(
        audit, impartiality_conflicts(audit, ownerships, now), data.get("impartiality_justification"), actor, role
    )
    return audit


def edit_plan(audit, changes, actor, role, now, *, processes, people, ownerships, programme=None):
    require_role(role, EDITORS, "change an audit's plan")
    if audit.state not in EDITABLE_PLAN:
        raise TransitionNotAllowed(
            f"This audit is {audit.state}; its plan changes only while it is planned or prepared.",
            {"state": audit.state},
        )
    changes = dict(changes)
    justification = changes.pop("impartiality_justification", None)
    merged = {name: getattr(audit, name) for name in Audit.PLAN_FIELDS} | changes
    check_plan(merged, processes=processes, people=people, programme=programme)
    changed = [name for name, value in changes.items() if getattr(audit, name) != value]
    before = {name: getattr(audit, name) for name in changed}
    for name in changed:
        setattr(audit, name, changes[name])
    try:
        settle_impartiality(
            audit,
            impartiality_conflicts(audit, ownerships, now),
            justification,
            actor,
            role,
        )
    except ImpartialityConflict:
        for name, value in before.items():  # a refused change leaves the audit exactly as it was
            setattr(audit, name, value)
        raise
    if changed or justification:
        audit.updated_at = now
    return changed


def may_conduct(audit, actor, role):
    """The quality manager, or one of the audit's own auditors."""
    return role == QUALITY_MANAGER or actor in audit.auditors


def require_conductor(audit, actor, role, doing):
    if not may_conduct(audit, actor, role):
        raise RoleNotAllowed(f"Only the quality manager or this audit's own auditors can {doing}.", {"role": role})


def audit_transition(audit, action, lines, actor, role, now, comment=None, *, conflicts=()):
    """Move an audit once every condition of the step holds (`conflicts`: its impartiality as the
    processes' owners stand now). Returns the Transition."""
    guard = guard_of(AUDIT_GUARDS, action)
    if not (role in guard.roles or (guard.lead_may and actor == audit.lead_auditor_id)):
        raise RoleNotAllowed(
            f"Your role ({role}) cannot {action.replace('_', ' ')} an audit"
            + (": the quality manager or the audit's lead auditor can." if guard.lead_may else "."),
            {"role": role},
        )
    require_source(guard, action, audit, "audit")
    comment = require_comment(guard, comment)
    if action in STILL_IMPARTIAL:
        check_still_impartial(audit, conflicts)
    if action == "submit":
        check_ready_to_prepare(audit, lines)
    elif action == "report":
        check_ready_to_report(audit, lines)
    transition = move("audit", audit, guard, action, actor, role, now, comment)
    if action == "cancel":
        audit.cancel_reason = comment
    elif action == "report":
        audit.reported_at = now
    elif action == "close":
        audit.closed_at = now
    return transition


def check_ready_to_prepare(audit, lines):
    missing = {}
    if not audit.lead_auditor_id:
        missing["lead_auditor_id"] = ["Name the lead auditor."]
    if not audit.auditee_ids:
        missing["auditee_ids"] = ["Name at least one auditee: the plan is sent to them."]
    if not audit.process_ids:
        missing["process_ids"] = ["Name the audited process(es)."]
    if not (audit.planned_start and audit.planned_end):
        missing["planned_start"] = ["Set the audit's dates."]
    if not lines:
        missing["checklist"] = [
            "Prepare the checklist (from the clause catalogue, a previous audit, or your questions)."
        ]
    if missing:
        raise TransitionNotAllowed("The audit is not ready to be sent to the auditees.", missing)


def check_ready_to_report(audit, lines):
    unassessed = [line.position for line in lines if line.result == NOT_ASSESSED]
    without_finding = [line.position for line in lines if line.result in NONCONFORMING and not clean(line.finding)]
    problems = {}
    if unassessed:
        problems["not_assessed"] = unassessed
    if without_finding:
        problems["without_finding"] = without_finding
    if not lines:
        problems["checklist"] = ["An audit reports on its checklist: it has no line."]
    if len(audit.process_ids) > 1:
        unplaced = [
            line.position for line in lines if line.result in NONCONFORMING and line.process_id not in audit.process_ids
        ]
        if unplaced:
            problems["without_process"] = unplaced  # which of the audited processes the finding concerns
    if not clean(audit.summary):
        problems["summary"] = ["Write the report's summary first (PUT /api/v1/audits/{id}/report)."]
    if problems:
        raise TransitionNotAllowed(
            "The report cannot be issued yet: assess every checklist line (or mark it not applicable), give every "
            "nonconformity line its finding (and, in an audit of several processes, its process_id), and write "
            "the summary.",
            problems,
        )


def write_report(audit, data, actor, role, now):
    require_conductor(audit, actor, role, "write the audit report")
    if audit.state != IN_PROGRESS:
        raise TransitionNotAllowed(
            f"This audit is {audit.state}; its report is written while it is in progress.", {"state": audit.state}
        )
    for name in Audit.REPORT_FIELDS:
        if name in data:
            setattr(audit, name, data[name])
    audit.updated_at = now


# --- the checklist ------------------------------------------------------------------------------------


def check_questions_open(audit):
    if audit.state not in QUESTIONS_OPEN:
        raise TransitionNotAllowed(f"This audit is {audit.state}; its checklist is closed.", {"state": audit.state})


def add_lines(audit, existing_count, questions, actor, role):
    """New lines after the existing ones: `questions` are (question, clause, previous line or None)."""
    require_conductor(audit, actor, role, "prepare the checklist")
    check_questions_open(audit)
    check_clauses([clause for _, clause, _ in questions if clause], field="add")
    if existing_count + len(questions) > MAX_LINES:
        raise ValidationFailed(
            f"A checklist holds at most {MAX_LINES} lines.", {"lines": [f"At most {MAX_LINES} in all."]}
        )
    return [
        ChecklistLine(audit, existing_count + index + 1, question, clause, previous)
        for index, (question, clause, previous) in enumerate(questions)
    ]


def save_lines(audit, lines, changes, actor, role):
    """Assess or reword lines: `changes` are {id, and any of question, clause, result, evidence,
    references, note, finding}. Every change is checked before any is applied."""
    require_conductor(audit, actor, role, "fill in the checklist")
    check_questions_open(audit)
    by_id = {line.id: line for line in lines}
    unknown = [change["id"] for change in changes if change["id"] not in by_id]
    if unknown:
        raise ValidationFailed(
            "Some lines are not lines of this audit's checklist.", {"lines": [f"Unknown line {i}." for i in unknown]}
        )
    if len({change["id"] for change in changes}) != len(changes):
        raise ValidationFailed("A line appears twice in the same save.", {"lines": ["Each line once."]})
    assessing = [change for change in changes if set(change) & set(ChecklistLine.ASSESSMENT)]
    if assessing and audit.state not in RESULTS_OPEN:
        raise TransitionNotAllowed(
            f"This audit is {audit.state}; lines are assessed once it has started (POST .../start).",
            {"state": audit.state},
        )
    check_clauses([change["clause"] for change in changes if change.get("clause")], field="lines")
    strays = [change["id"] for change in changes if change.get("process_id") not in (None, *audit.process_ids)]
    if strays:
        raise ValidationFailed(
            "A line's process is one of the audited processes.", {"lines": [f"Line {i}: process_id." for i in strays]}
        )
    for change in changes:
        line = by_id[change["id"]]
        for name, value in change.items():
            if name != "id":
                setattr(line, name, value)
    return [by_id[change["id"]] for change in changes]


def remove_line(audit, lines, line_id, actor, role):
    require_conductor(audit, actor, role, "change the checklist")
    check_questions_open(audit)
    ordered = sorted(lines, key=lambda line: line.position)
    gone = next((line for line in ordered if line.id == line_id), None)
    if gone is None:
        raise ValidationFailed("No such line in this audit's checklist.", {"line_id": [str(line_id)]})
    for line in ordered:
        if line.position > gone.position:
            line.position -= 1
    return gone


def process_of(audit, line):
    """The audited process a line's finding concerns: the audit's only one, or the line's."""
    return audit.process_ids[0] if len(audit.process_ids) == 1 else line.process_id


def nonconformity_lines(lines):
    return [line for line in sorted(lines, key=lambda line: line.position) if line.result in NONCONFORMING]


def findings_by_clause(lines):
    """The report's findings: every line that is not plainly conforming or not applicable, by clause."""
    found = {}
    for line in sorted(lines, key=lambda line: (line.clause or "~", line.position)):
        if line.result in (CONFORMING, NOT_APPLICABLE, NOT_ASSESSED):
            continue
        found.setdefault(line.clause or "", []).append(line)
    return found


def tally(lines):
    counts = {result: 0 for result in RESULTS}
    for line in lines:
        counts[line.result] += 1
    return counts
