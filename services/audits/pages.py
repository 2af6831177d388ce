"""The audits' pages: the process map, the audit programme, audits with their checklists and reports
(the nonconformities' and actions' pages are in treatment_pages.py).

Who may take which step is read from the domain's guard tables, so a page offers exactly the steps
the service would accept; the service checks again when the step is sent."""

from datetime import date

from jouda.services.audits import domain, treatment_pages
from jouda.services.gateway.web import N_, ROLE_NAMES
from jouda.shared.pages import COUNCIL_ROLES, Refused, WebPage, form_list, form_text
from jouda.shared.schema_fields import MAX_PAGE

QUALITY_MANAGER = frozenset({"quality_manager"})
READERS = COUNCIL_ROLES - {"staff"}  # who sees the audit dashboard
FORM = ("GET", "POST")


def _page(name, path, view, **options):
    return WebPage(name, path, f"jouda.services.audits.pages:{view}", **options)


# --- words shown for the service's values --------------------------------------------------------

LABELS = {
    "process_types": {
        "management": N_("Management process"),
        "operational": N_("Operational process"),
        "support": N_("Support process"),
    },
    "audit_types": {
        "internal": N_("Internal audit"),
        "certification": N_("Certification audit"),
        "surveillance": N_("Surveillance audit"),
        "supplier": N_("Supplier audit"),
    },
    "audit_states": {
        "planned": N_("Planned"),
        "prepared": N_("Prepared"),
        "in_progress": N_("In progress"),
        "reported": N_("Reported"),
        "closed": N_("Closed"),
        "cancelled": N_("Cancelled"),
    },
    "programme_states": {
        "draft": N_("Draft"),
        "approved": N_("Approved"),
        "in_force": N_("In force"),
    },
    "results": {
        "not_assessed": N_("Not assessed"),
        "conforming": N_("Conforming"),
        "major_nc": N_("Major nonconformity"),
        "minor_nc": N_("Minor nonconformity"),
        "observation": N_("Observation (a point to watch)"),
        "improvement_opportunity": N_("Opportunity for improvement"),
        "good_practice": N_("Good practice"),
        "not_applicable": N_("Not applicable"),
    },
    "severities": {"major": N_("Major"), "minor": N_("Minor")},
    "audit_steps": {
        "submit": N_("Send the plan to the auditees"),
        "start": N_("Start the audit"),
        "report": N_("Issue the report"),
        "close": N_("Close the audit"),
        "cancel": N_("Cancel the audit"),
    },
    "programme_steps": {
        "approve": N_("Approve the programme"),
        "send_back": N_("Send it back to draft"),
        "put_in_force": N_("Put the programme in force"),
    },
    "moves": {  # a history line's step
        "create": N_("Drawn up"),
        "plan": N_("Planned"),
        "approve": N_("Approved"),
        "send_back": N_("Sent back to draft"),
        "put_in_force": N_("Put in force"),
        "submit": N_("Plan sent to the auditees"),
        "start": N_("Started"),
        "report": N_("Report issued"),
        "close": N_("Closed"),
        "cancel": N_("Cancelled"),
    },
    "ages": {
        "0-30": N_("0 to 30 days"),
        "31-90": N_("31 to 90 days"),
        "91-180": N_("91 to 180 days"),
        "181+": N_("Over 180 days"),
    },
}

# What a refused step's details say, in the reader's language (the service's keys).
STEP_PROBLEMS = {
    "lead_auditor_id": N_("Name the lead auditor."),
    "auditee_ids": N_("Name at least one auditee: the plan is sent to them."),
    "process_ids": N_("Name the audited processes."),
    "planned_start": N_("Set the audit's start and end dates."),
    "checklist": N_("Prepare the checklist (from the ISO catalogue, a previous audit, or your own questions)."),
    "summary": N_("Write the report's summary first."),
    "not_assessed": N_("Checklist lines not assessed yet (mark a line not applicable if need be):"),
    "without_finding": N_("Nonconformity lines without their finding:"),
    "without_process": N_("Nonconformity lines without the process they concern:"),
}

NONCONFORMING = frozenset(domain.NONCONFORMING)


def _render(page, template, **values):
    def options(table):
        """[(value, its label in the reader's language)] of a table of LABELS, for a select."""
        return [(value, page._(label)) for value, label in table.items()]

    return page.render(template, labels=LABELS, step_problems=STEP_PROBLEMS, options=options, **values)


# --- what several pages need ----------------------------------------------------------------------


def _people(page):
    """The council's people who may be named on a process or an audit (invited ones too, as the
    service counts them): the quality manager may list them; others are not shown the list."""
    if page.user.role != "quality_manager":
        return []
    found = page.call("list_people", query={"limit": MAX_PAGE})["items"]
    return [person for person in found if person["status"] != "deactivated"]


def _names(page, *shown, people=()):
    """user id -> the name to show (page.names_of), the person asking being "You"."""
    return page.names_of(*shown, people=people) | {page.user.user_id: page._("You")}


def _details(refused):
    """A refusal's details (an impartiality conflict names people), or None."""
    return refused.details if refused is not None else None


def _choices_of(page, people, roles=None):
    """[(id, "name (role)")] of the people, of some roles only if given."""
    return [
        (
            person["id"],
            f"{person['name'] or person['email']} ({page._(ROLE_NAMES.get(person['role'], person['role']))})",
        )
        for person in sorted(people, key=lambda p: (p["name"] or p["email"]).lower())
        if roles is None or person["role"] in roles
    ]


def _processes(page):
    """process id -> process, retired ones too (an old audit names them)."""
    found = page.call("list_processes", query={"include_retired": "true", "limit": MAX_PAGE})["items"]
    return {process["id"]: process for process in found}


def _clause_choices(page):
    """[(clause, "clause — title")] of the ISO 9001:2015 catalogue, titles in French or Arabic."""
    column = "title_ar" if page.language == "ar" else "title_fr"
    return [(entry["clause"], f"{entry['clause']} — {entry[column]}") for entry in page.call("iso_clauses")["items"]]


def _integer(text):
    """A typed whole number as the API takes it; anything else is sent as typed, for the API to refuse."""
    text = (text or "").strip()
    return int(text) if text.isdigit() else text


def _steps(guards, state, role, is_lead=False):
    """The steps of a guard table the role (or the audit's lead auditor, `is_lead`) may take from `state`."""
    return [
        action
        for action, guard in guards.items()
        if state in guard.sources and (role in guard.roles or (is_lead and guard.lead_may))
    ]


def _conflicts(page, refused, names, processes):
    """An impartiality refusal's conflicts, as a reader sees them: who, which process, why."""
    if refused is None or refused.code != "impartiality_conflict":
        return []
    shown = []
    for conflict in refused.details.get("conflicts", []):
        process = processes.get(conflict.get("process_id"))
        shown.append(
            {
                "who": names.get(conflict.get("user_id")) or conflict.get("user_id"),
                "process": f"{process['code']} — {process['name']}" if process else "—",
                "reason": _reason(page, conflict.get("reason") or ""),
            }
        )
    return shown


def _reason(page, reason):
    if reason == "owns the audited process":
        return page._("owns the audited process")
    if reason == "is also an auditee":
        return page._("is also an auditee")
    if reason.startswith("owned the audited process until "):
        return page._("owned the audited process until %(date)s", date=reason.rsplit(" ", 1)[-1])
    return reason


def _may_conduct(page, audit):
    """The quality manager or one of the audit's own auditors (they fill its checklist and report)."""
    auditors = [audit["lead_auditor_id"], *audit["team_ids"]]
    return page.user.role == "quality_manager" or page.user.user_id in auditors


def _is_lead(page, audit):
    return page.user.user_id == audit["lead_auditor_id"]


# --- processes ----------------------------------------------------------------------------------------


def processes(page):
    found = page.call("list_processes", query={"include_retired": "true", "limit": MAX_PAGE})["items"]
    return _render(page, "audits/processes.html", processes=found, names=_names(page, found))


def _process_body(form):
    return {
        "code": (form.get("code") or "").strip(),
        "name": form.get("name", ""),
        "type": form.get("type", ""),
        "owner_id": form.get("owner_id", ""),
        "clauses": form_list(form, "clauses"),
        "description": form.get("description", ""),
    }


def process_new(page):
    refused = None
    if page.posted:
        try:
            created = page.call("create_process", _process_body(page.form))
            return page.redirect(f"/processes/{created['id']}", notice="created")
        except Refused as error:
            refused = error
    values = _process_body(page.form) if page.posted else {"type": "operational", "clauses": []}
    return _render(
        page,
        "audits/process_new.html",
        values=values,
        people=_choices_of(page, _people(page)),
        clauses=_clause_choices(page),
        refused=refused,
    )


def process(page):
    process_id = page.path["id"]
    refused = None
    if page.posted:
        body = _process_body(page.form) | {"active": page.form.get("status") != "retired"}
        try:
            page.call("update_process", body, id=process_id)
            return page.redirect(f"/processes/{process_id}", notice="saved")
        except Refused as error:
            refused = error
    found = page.call("get_process", id=process_id)
    people = _people(page)
    editing = page.user.role == "quality_manager"
    if page.posted:
        values = _process_body(page.form) | {"status": page.form.get("status", "active")}
    else:
        values = found | {"status": "active" if found["active"] else "retired"}
    return _render(
        page,
        "audits/process.html",
        process=found,
        values=values,
        names=_names(page, found, people=people),
        people=_choices_of(page, people),
        clauses=_clause_choices(page) if editing else [],
        editing=editing,
        refused=refused,
    )


# --- the audit programme ------------------------------------------------------------------------------


def programmes(page):
    refused = None
    if page.posted:
        try:
            created = page.call(
                "create_programme", {"year": _integer(page.form.get("year")), "title": page.form.get("title", "")}
            )
            return page.redirect(f"/programmes/{created['id']}", notice="created")
        except Refused as error:
            refused = error
    found = page.call("list_programmes")["items"]
    values = page.form if page.posted else {"year": str(date.today().year), "title": ""}
    return _render(page, "audits/programmes.html", programmes=found, values=values, refused=refused)


def programme(page):
    programme_id = page.path["id"]
    refused = None
    if page.posted:
        action = page.form.get("action", "")
        try:
            page.call(
                "transition_programme",
                {"comment": form_text(page.form, "comment")},
                id=programme_id,
                action=action.replace("_", "-"),
            )
            return page.redirect(f"/programmes/{programme_id}", notice="done")
        except Refused as error:
            refused = error
    found = page.call("get_programme", id=programme_id)
    steps = _steps(domain.PROGRAMME_GUARDS, found["state"], page.user.role)
    return _render(
        page,
        "audits/programme.html",
        programme=found,
        steps=steps,
        comment_required={a for a in steps if domain.PROGRAMME_GUARDS[a].comment_required},
        names=_names(page, found),
        processes=_processes(page),
        refused=refused,
    )


# --- audits -------------------------------------------------------------------------------------------


def audits(page):
    state = page.args.get("state") or None
    year = page.args.get("year", "").strip()
    query = {"state": state if state in LABELS["audit_states"] else None, "limit": MAX_PAGE}
    if year.isdigit():
        query["year"] = int(year)
    mine = []
    if page.user.role in domain.AUDITOR_ROLES:
        mine = page.call("list_audits", query=query | {"mine": "true"})["items"]
    listed = page.call("list_audits", query=query)
    mine_ids = {audit["id"] for audit in mine}
    return _render(
        page,
        "audits/audits.html",
        mine=mine,
        others=[audit for audit in listed["items"] if audit["id"] not in mine_ids],
        total=listed["total"],
        filters={"state": query["state"] or "", "year": year},
        names=_names(page, mine, listed),
        processes=_processes(page),
        dashboard=page.user.role in READERS,
    )


def _plan_body(form, *, with_programme=True):
    body = {
        "title": form.get("title", ""),
        "type": form.get("type") or "internal",
        "process_ids": form_list(form, "process_ids"),
        "clauses": form_list(form, "clauses"),
        "criteria": form.get("criteria", ""),
        "objectives": form.get("objectives", ""),
        "lead_auditor_id": form_text(form, "lead_auditor_id"),
        "team_ids": form_list(form, "team_ids"),
        "auditee_ids": form_list(form, "auditee_ids"),
        "planned_month": (form.get("planned_month") or "").strip(),
        "planned_start": form_text(form, "planned_start"),
        "planned_end": form_text(form, "planned_end"),
        "impartiality_justification": form_text(form, "impartiality_justification"),
    }
    if with_programme:
        body["programme_id"] = form_text(form, "programme_id")
    return body


def _plan_form(page, template, values, refused, **more):
    people = _people(page)
    processes_by_id = _processes(page)
    names = _names(page, more.get("audit"), _details(refused), people=people)
    return _render(
        page,
        template,
        values=values,
        refused=refused,
        conflicts=_conflicts(page, refused, names, processes_by_id),
        process_choices=[(p["id"], f"{p['code']} — {p['name']}") for p in processes_by_id.values() if p["active"]],
        clauses=_clause_choices(page),
        auditors=_choices_of(page, people, domain.AUDITOR_ROLES),
        people=_choices_of(page, people),
        **more,
    )


def audit_new(page):
    refused = None
    if page.posted:
        try:
            created = page.call("plan_audit", _plan_body(page.form))
            return page.redirect(f"/audits/{created['id']}", notice="created")
        except Refused as error:
            refused = error
    if page.posted:
        values = _plan_body(page.form)
    else:
        values = {"type": "internal", "programme_id": page.args.get("programme_id", ""), "process_ids": []}
    found = page.call("list_programmes")["items"]
    return _plan_form(
        page,
        "audits/audit_new.html",
        values,
        refused,
        programmes=[(p["id"], f"{p['year']} — {p['title']}") for p in found],
    )


def audit_edit(page):
    audit_id = page.path["id"]
    refused = None
    if page.posted:
        try:
            page.call("update_audit", _plan_body(page.form, with_programme=False), id=audit_id)
            return page.redirect(f"/audits/{audit_id}", notice="saved")
        except Refused as error:
            refused = error
    audit = page.call("get_audit", id=audit_id)
    if page.posted:
        values = _plan_body(page.form, with_programme=False)
    else:
        values = dict(audit, impartiality_justification=None)
    return _plan_form(
        page,
        "audits/audit_edit.html",
        values,
        refused,
        audit=audit,
        editable=audit["state"] in domain.EDITABLE_PLAN,
    )


def audit(page):
    audit_id = page.path["id"]
    refused = None
    if page.posted:
        action = page.form.get("action", "")
        try:
            if page.form.get("impartiality_justification") is not None:  # the quality manager answers a refusal
                page.call(
                    "update_audit",
                    {"impartiality_justification": form_text(page.form, "impartiality_justification")},
                    id=audit_id,
                )
            page.call(
                "transition_audit",
                {"comment": form_text(page.form, "comment")},
                id=audit_id,
                action=action.replace("_", "-"),
            )
            return page.redirect(f"/audits/{audit_id}", notice="done")
        except Refused as error:
            refused = error
    found = page.call("get_audit", id=audit_id)
    names = _names(page, found, _details(refused))
    processes_by_id = _processes(page)
    steps = _steps(domain.AUDIT_GUARDS, found["state"], page.user.role, is_lead=_is_lead(page, found))
    return _render(
        page,
        "audits/audit.html",
        audit=found,
        steps=steps,
        names=names,
        processes=processes_by_id,
        refused=refused,
        refused_action=page.form.get("action") if refused else None,
        conflicts=_conflicts(page, refused, names, processes_by_id),
        plan_editable=page.user.role == "quality_manager" and found["state"] in domain.EDITABLE_PLAN,
        conducts=_may_conduct(page, found),
    )


# --- the checklist --------------------------------------------------------------------------------------


def checklist(page):
    audit_id = page.path["id"]
    refused = None
    audit = page.call("get_audit", id=audit_id)
    action = page.form.get("action", "save") if page.posted else None
    if page.posted:
        try:
            _change_checklist(page, audit, action)
            return page.redirect(f"/audits/{audit_id}/checklist", notice="saved")
        except Refused as error:
            refused = error
    found = page.call("get_checklist", id=audit_id)
    conducts = _may_conduct(page, audit)
    processes_by_id = _processes(page)
    return _render(
        page,
        "audits/checklist.html",
        audit=audit,
        checklist=found,
        refused=refused,
        typed=action == "save",
        conducts=conducts,
        questions_open=conducts and audit["state"] in domain.QUESTIONS_OPEN,
        results_open=conducts and audit["state"] in domain.RESULTS_OPEN,
        clauses=_clause_choices(page),
        audit_processes=[
            (process_id, f"{processes_by_id[process_id]['code']} — {processes_by_id[process_id]['name']}")
            for process_id in audit["process_ids"]
            if process_id in processes_by_id
        ],
        line_choices=[(line["id"], f"{line['position']}. {line['question'][:90]}") for line in found["lines"]],
    )


def _change_checklist(page, audit, action):
    audit_id = audit["id"]
    if action == "catalogue":
        body = {
            "source": "catalogue",
            "clauses": form_list(page.form, "clauses"),
            "language": "ar" if page.language == "ar" else "fr",
        }
        page.call("start_checklist_from", body, id=audit_id)
    elif action == "previous":
        page.call("start_checklist_from", {"source": "previous_audit"}, id=audit_id)
    elif action == "remove":
        line_id = (page.form.get("line_id") or "").strip()
        if not line_id:
            raise Refused(422, "validation_failed", "", {"line_id": [page._("Choose the question to remove.")]})
        page.call("remove_checklist_line", id=audit_id, line_id=line_id)
    else:
        body = _checklist_body(page, audit)
        try:
            page.call("save_checklist", body, id=audit_id)
        except Refused as error:
            raise _beside_lines(error, body) from None


def _checklist_body(page, audit):
    """Every line of the form (`line` holds their ids, `line-<id>-<field>` their values) as the API
    takes them, and the new question if one was typed. A nonconformity without its finding is
    refused here, beside its line, before anything is saved."""
    form = page.form
    lines, problems = [], {}
    if audit["state"] in domain.RESULTS_OPEN:
        several = len(audit["process_ids"]) > 1
        for line_id in form.getlist("line"):
            prefix = f"line-{line_id}-"
            line = {"id": line_id, "result": form.get(prefix + "result") or domain.NOT_ASSESSED}
            for name in ("evidence", "references", "note", "finding"):
                line[name] = form_text(form, prefix + name)
            if several:
                line["process_id"] = form_text(form, prefix + "process_id")
            if line["result"] in NONCONFORMING and not line["finding"]:
                problems[prefix + "finding"] = [page._("A nonconformity needs its finding: what was found, and why.")]
            lines.append(line)
    added = []
    question = form_text(form, "new-question")
    if question or form_text(form, "new-clause"):
        added.append({"question": question or "", "clause": form_text(form, "new-clause")})
    if problems:
        raise Refused(422, "validation_failed", page._("Nothing was saved yet."), problems)
    return {"lines": lines, "add": added}


def _beside_lines(refused, body):
    """The API's field errors (`lines.<index>.<field>`) named as the form's fields, to show beside them."""
    if refused.code != "validation_failed":
        return refused
    beside = {}
    for key, messages in refused.field_errors.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "lines" and parts[1].isdigit() and int(parts[1]) < len(body["lines"]):
            beside[f"line-{body['lines'][int(parts[1])]['id']}-{parts[2]}"] = messages
        elif len(parts) == 3 and parts[0] == "add":
            beside[f"new-{parts[2]}"] = messages
        else:
            beside[key] = messages
    return Refused(refused.status, refused.code, refused.message, beside)


# --- the report -----------------------------------------------------------------------------------------


def report(page):
    audit_id = page.path["id"]
    refused = None
    action = page.form.get("action", "write") if page.posted else None
    if page.posted:
        try:
            if action == "report":
                page.call("transition_audit", {}, id=audit_id, action="report")
                return page.redirect(f"/audits/{audit_id}", notice="done")
            body = {name: page.form.get(name, "") for name in ("summary", "strengths", "conclusions")}
            page.call("write_report", body, id=audit_id)
            return page.redirect(f"/audits/{audit_id}/report", notice="saved")
        except Refused as error:
            refused = error
    found = page.call("get_audit", id=audit_id)
    typed = page.posted and action == "write"
    values = page.form if typed else {name: found[name] or "" for name in ("summary", "strengths", "conclusions")}
    names = _names(page, found, _details(refused))
    processes_by_id = _processes(page)
    conducts = _may_conduct(page, found)
    return _render(
        page,
        "audits/report.html",
        audit=found,
        values=values,
        refused=refused,
        conflicts=_conflicts(page, refused, names, processes_by_id),
        writing=conducts and found["state"] == "in_progress",
        may_report=found["state"] == "in_progress" and (page.user.role == "quality_manager" or _is_lead(page, found)),
    )


# --- settings and dashboard -----------------------------------------------------------------------------


def audit_settings(page):
    refused = None
    if page.posted:
        try:
            body = {"effectiveness_delay_days": _integer(page.form.get("effectiveness_delay_days"))}
            page.call("set_audit_settings", body)
            return page.redirect("/settings/audits", notice="saved")
        except Refused as error:
            refused = error
    found = page.call("audit_settings")
    value = page.form.get("effectiveness_delay_days", "") if page.posted else found["effectiveness_delay_days"]
    return _render(
        page,
        "audits/settings.html",
        settings=found,
        value=value,
        editing=page.user.role == "quality_manager",
        refused=refused,
    )


def audit_dashboard(page):
    year = (page.args.get("year") or "").strip()
    figures = page.call("audit_dashboard", query={"year": int(year) if year.isdigit() else None})

    def rows(counts, table):
        return [(page._(table.get(key, key)), count) for key, count in counts.items()]

    return _render(
        page,
        "audits/dashboard.html",
        figures=figures,
        by_state=rows(figures["audits_by_state"], LABELS["audit_states"]),
        by_severity=rows(figures["open_by_severity"], LABELS["severities"]),
        by_age=rows(figures["open_by_age"], LABELS["ages"]),
        by_process=[(item["code"] or "—", item["open"]) for item in figures["open_by_process"]],
    )


AUDIT_PAGES = (
    _page("processes", "/processes", "processes", nav=N_("Processes"), nav_order=30),
    _page("process_new", "/processes/new", "process_new", roles=QUALITY_MANAGER, methods=FORM),
    _page("process", "/processes/{id}", "process", methods=FORM),
    _page("programmes", "/programmes", "programmes", methods=FORM, nav=N_("Audit programme"), nav_order=35),
    _page("programme", "/programmes/{id}", "programme", methods=FORM),
    _page("audits", "/audits", "audits", nav=N_("Audits"), nav_order=40),
    _page("audit_new", "/audits/new", "audit_new", roles=QUALITY_MANAGER, methods=FORM),
    _page("audit_dashboard", "/audits/dashboard", "audit_dashboard", roles=READERS),
    _page("audit", "/audits/{id}", "audit", methods=FORM),
    _page("audit_edit", "/audits/{id}/edit", "audit_edit", roles=QUALITY_MANAGER, methods=FORM),
    _page("audit_checklist", "/audits/{id}/checklist", "checklist", methods=FORM),
    _page("audit_report", "/audits/{id}/report", "report", methods=FORM),
    _page(
        "audit_settings",
        "/settings/audits",
        "audit_settings",
        methods=FORM,
        nav=N_("Audit settings"),
        group="settings",
    ),
)

PAGES = AUDIT_PAGES + treatment_pages.PAGES
