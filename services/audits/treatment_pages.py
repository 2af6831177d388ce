"""The pages of nonconformities and actions, through their whole life cycle (ISO 9001:2015 §10.2):
the list and the register, reporting one, treating one step by step (containment, analysis, actions,
the plan's approval, implementation, the effectiveness check), one's own actions and the council's
action plan, and the objectives gone off track offered as nonconformities.

Which steps a page offers follows the guard table (nonconformities.py); the operations check again."""

from jouda.services.audits import nonconformities as nc
from jouda.services.gateway.web import N_, ROLE_NAMES
from jouda.shared.clock import local_today
from jouda.shared.pages import Refused, WebPage, form_text
from jouda.shared.schema_fields import MAX_PAGE
from jouda.shared.vocabulary import COUNCIL_ROLES, MAJOR, QUALITY_MANAGER, STAFF

COUNCIL = frozenset(COUNCIL_ROLES)
READERS = COUNCIL - {STAFF}  # the register and the action plan
MANAGER = frozenset({QUALITY_MANAGER})
PAGE_SIZE = 50
WHYS = 5  # the five whys' fields


def _page(name, path, view, **options):
    return WebPage(name, path, f"jouda.services.audits.treatment_pages:{view}", **options)


PAGES = (
    _page("nonconformities", "/nonconformities", "nonconformities", nav=N_("Nonconformities"), nav_order=50),
    _page("nonconformity_new", "/nonconformities/new", "report_nonconformity", methods=("GET", "POST")),
    _page("nonconformity_register", "/nonconformities/register", "register", roles=READERS),
    _page(
        "nonconformity_suggestions",
        "/nonconformities/suggestions",
        "suggestions",
        roles=MANAGER,
        methods=("GET", "POST"),
    ),
    _page("nonconformity", "/nonconformities/{id}", "nonconformity", methods=("GET", "POST")),
    _page("actions", "/actions", "actions", methods=("GET", "POST"), nav=N_("Actions"), nav_order=55),
)

STATES = {
    "open": N_("Open"),
    "contained": N_("Contained"),
    "analysed": N_("Analysed"),
    "action_planned": N_("Actions planned"),
    "implemented": N_("Implemented"),
    "effectiveness_check": N_("Effectiveness check"),
    "closed": N_("Closed"),
    "rejected": N_("Rejected"),
}
ACTION_STATES = {
    "open": N_("To do"),
    "in_progress": N_("In progress"),
    "done": N_("Done"),
    "cancelled": N_("Cancelled"),
}
SEVERITIES = {"major": N_("Major"), "minor": N_("Minor")}
SOURCES = {
    "internal_audit": N_("Internal audit"),
    "external_audit": N_("External audit"),
    "citizen_complaint": N_("Citizen complaint"),
    "objective": N_("Objective off track"),
    "management_review": N_("Management review"),
    "staff_report": N_("Staff report"),
}
ACTION_TYPES = {
    "correction": N_("Correction"),
    "corrective": N_("Corrective action"),
    "preventive": N_("Preventive action"),
    "improvement": N_("Improvement"),
}
METHODS = {"five_whys": N_("Five whys"), "cause_category": N_("Cause category")}
CAUSE_CATEGORIES = {
    "people": N_("Manpower"),
    "method": N_("Method"),
    "equipment": N_("Equipment"),
    "material": N_("Material"),
    "measurement": N_("Measurement"),
    "environment": N_("Environment"),
}
STEPS = {  # the history's moves, of a nonconformity and of an action
    "open": N_("Raised"),
    "contain": N_("Contained"),
    "analyse": N_("Analysed"),
    "plan": N_("Actions planned"),
    "approve_plan": N_("Plan approved"),
    "implement": N_("Implemented"),
    "schedule_check": N_("Check scheduled"),
    "verify": N_("Effectiveness verified"),
    "reject": N_("Rejected"),
    "assign": N_("Assigned"),
    "start": N_("Started"),
    "complete": N_("Completed"),
    "cancel": N_("Cancelled"),
}
INDICATOR_STATUSES = {
    "on_track": N_("On track"),
    "at_risk": N_("At risk"),
    "off_track": N_("Off track"),
    "no_data": N_("No data"),
}
PROPOSALS = {"effective": N_("Effective"), "not_effective": N_("Not effective")}
LABELS = {
    "state": STATES,
    "action_state": ACTION_STATES,
    "severity": SEVERITIES,
    "source": SOURCES,
    "action_type": ACTION_TYPES,
    "method": METHODS,
    "cause": CAUSE_CATEGORIES,
    "step": STEPS,
    "indicator": INDICATOR_STATUSES,
    "proposal": PROPOSALS,
}

# Each step's form names its fields apart from the other forms of the page (one id per field): the
# API's field names -> the form's, so that a refusal shows beside the field that was typed.
FORM_FIELDS = {
    "analyse": {"whys": "why_1"},
    "add_action": {"type": "action_type", "title": "action_title"},
    "verify": {"comment": "verify_comment"},
    "reject": {"comment": "reject_comment"},
    "approve_plan": {"comment": "approve_comment"},
}


class FormRefusal:
    """A refusal shown beside the form that was sent, its fields named as that form names them."""

    def __init__(self, refused, renamed=None, form=None):
        self.status, self.code, self.message, self.details = refused.status, refused.code, refused.message, {}
        renamed = renamed or {}
        self.field_errors = {renamed.get(name, name): errors for name, errors in refused.field_errors.items()}
        self.form = form  # which form of the page was sent (a step, an action's id)


def _options(labels, page):
    return [(value, page._(label)) for value, label in labels.items()]


def _offset(page):
    text = (page.args.get("offset") or "0").strip()
    return int(text) if text.isdigit() else 0


def _choice(page, name, labels):
    value = page.args.get(name) or None
    return value if value in labels else None


def _processes(page, include_retired=True):
    return page.every_item("list_processes", {"include_retired": "true" if include_retired else None})


def _process_names(page):
    return {process["id"]: f"{process['code']} {process['name']}" for process in _processes(page)}


def _people(page):
    """The council's people, for the quality manager (the only role that may list them)."""
    if page.user.role != QUALITY_MANAGER:
        return []
    return page.every_item("list_people")


def _clause_options(page):
    title = "title_ar" if page.language == "ar" else "title_fr"
    return [(entry["clause"], f"{entry['clause']} {entry[title]}") for entry in page.call("iso_clauses")["items"]]


def _paging(page, listed, **query):
    first, total = listed["offset"], listed["total"]
    if total <= listed["limit"] and first == 0:
        return None
    previous = page.url(page.request.path, offset=max(first - listed["limit"], 0), **query) if first else None
    after = first + len(listed["items"])
    following = page.url(page.request.path, offset=after, **query) if after < total else None
    return {"first": first + 1 if total else 0, "last": after, "total": total, "previous": previous, "next": following}


# --- the list ---------------------------------------------------------------------------------------


def nonconformities(page):
    state, severity = _choice(page, "state", STATES), _choice(page, "severity", SEVERITIES)
    listed = page.call(
        "list_nonconformities",
        query={"state": state, "severity": severity, "limit": PAGE_SIZE, "offset": _offset(page)},
    )
    return page.render(
        "audits/treatment/list.html",
        listed=listed,
        paging=_paging(page, listed, state=state, severity=severity),
        state=state,
        severity=severity,
        state_options=_options(STATES, page),
        severity_options=_options(SEVERITIES, page),
        processes=_process_names(page),
        labels=LABELS,
        may_read_register=page.user.role in READERS,
        may_see_suggestions=page.user.role in MANAGER,
    )


# --- reporting one ----------------------------------------------------------------------------------


def sources_of(role):
    """The sources a role may record by hand (the suggestions page raises the objectives' ones)."""
    allowed = nc.SOURCES_BY_ROLE.get(role, (nc.STAFF_SOURCE,))
    return [source for source in SOURCES if source != "objective" and (allowed is None or source in allowed)]


def _suggestion(page, suggestion_id):
    if not suggestion_id or page.user.role not in MANAGER:
        return None
    for suggestion in page.call("suggestions")["items"]:
        if suggestion["id"] == suggestion_id:
            return suggestion
    raise Refused(404, "not_found", "")


def report_nonconformity(page):
    suggestion = _suggestion(page, page.args.get("suggestion") or page.form.get("suggestion_id"))
    sources = sources_of(page.user.role)
    refused = None
    if page.posted:
        body = {
            "process_id": page.form.get("process_id", ""),
            "clause": page.form.get("clause", ""),
            "severity": page.form.get("severity", ""),
            "title": page.form.get("title", ""),
            "description": page.form.get("description", ""),
            "evidence": page.form.get("evidence", ""),
            "source": page.form.get("source", "") if len(sources) > 1 else sources[0],
            "source_ref": form_text(page.form, "source_ref"),
        }
        if suggestion is not None:
            body["source"], body["suggestion_id"] = "objective", suggestion["id"]
        try:
            created = page.call("open_nonconformity", body)
            return page.redirect(f"/nonconformities/{created['id']}", notice="created")
        except Refused as error:
            refused = error
    values = dict(page.form.items()) if page.posted else {"title": suggestion["title"] if suggestion else ""}
    return page.render(
        "audits/treatment/new.html",
        refused=refused,
        values=values,
        suggestion=suggestion,
        process_options=[(p["id"], f"{p['code']} {p['name']}") for p in _processes(page, include_retired=False)],
        clause_options=_clause_options(page),
        severity_options=_options(SEVERITIES, page),
        source_options=[(source, page._(SOURCES[source])) for source in sources],
    )


# --- one nonconformity ------------------------------------------------------------------------------


def nonconformity(page):
    item_id = page.path["id"]
    refused = None
    if page.posted:
        step = page.form.get("step", "")
        try:
            if page.form.get("action_id"):
                _action_step(page)
            elif step == "add_action":
                page.call("add_action", _action_body(page), id=item_id)
            else:
                page.call("transition_nonconformity", _step_body(page, step), id=item_id, action=_word(step))
            return page.redirect(f"/nonconformities/{item_id}", notice="saved")
        except Refused as error:
            form = page.form.get("action_id") or step
            refused = FormRefusal(error, FORM_FIELDS.get(step, {}), form=form)
    item = page.call("get_nonconformity", id=item_id)
    process = page.call("get_process", id=item["process_id"])
    people = _people(page)
    steps = allowed_steps(page, item, process["owner_id"])
    return page.render(
        "audits/treatment/nonconformity.html",
        item=item,
        process=process,
        recurrence=_recurrence(page, item),
        steps=steps,
        refused=refused,
        values=page.form,
        names=page.names_of(item, process, people=people),
        labels=LABELS,
        whys=WHYS,
        method_options=_options(METHODS, page),
        cause_options=_options(CAUSE_CATEGORIES, page),
        type_options=_options(ACTION_TYPES, page),
        owner_options=_owner_options(page, people),
        verifier_options=_verifier_options(page, people, item) if "schedule_check" in steps else [],
        indicator_options=_indicator_options(page) if "schedule_check" in steps else [],
        may_move=lambda action: _action_steps(page, action),
    )


def _word(step):
    """A step's word in the URL (approve_plan -> approve-plan); an unknown one is refused by the API."""
    return step.replace("_", "-") or "-"


def _step_body(page, step):
    form = page.form
    if step == "contain":
        body = {"containment": form_text(form, "containment")}
    elif step == "analyse":
        method = form.get("method") or None
        body = {"root_cause": form_text(form, "root_cause"), "method": method}
        if method == nc.FIVE_WHYS:
            body["whys"] = [text for i in range(1, WHYS + 1) if (text := form_text(form, f"why_{i}"))]
        elif method == nc.CAUSE_CATEGORY:
            body["cause_category"] = form.get("cause_category") or None
    elif step == "schedule_check":
        body = {
            "check_due_on": form_text(form, "check_due_on"),
            "verifier_id": form_text(form, "verifier_id"),
            "indicator_id": form_text(form, "indicator_id"),
        }
    elif step == "verify":
        body = {"effective": form.get("effective") == "yes", "comment": form_text(form, "verify_comment")}
    elif step == "reject":
        body = {"comment": form_text(form, "reject_comment")}
    elif step == "approve_plan":
        body = {"comment": form_text(form, "approve_comment")}
    else:
        body = {}
    return {name: value for name, value in body.items() if value is not None}


def _action_body(page):
    return {
        "type": page.form.get("action_type", ""),
        "title": page.form.get("action_title", ""),
        "owner_id": page.form.get("owner_id", ""),
        "due_date": page.form.get("due_date", ""),
    }


def allowed_steps(page, item, process_owner):
    """The steps of the guard table the signed-in person may take where the nonconformity stands."""
    me, role, state = page.user.user_id, page.user.role, item["state"]
    allowed = []
    for step, guard in nc.NONCONFORMITY_GUARDS.items():
        if state not in guard.sources or guard.only.get(state) not in (None, item["severity"]):
            continue
        if step == "verify":
            may = me == item.get("verifier_id")
        else:
            may = nc.may_treat(item, guard, me, role, process_owner)
        if step == "approve_plan":
            may = may and item["severity"] == MAJOR and not item.get("plan_approved_at")
        if may:
            allowed.append(step)
    if state in nc.ACTIONS_EDITABLE and (role == QUALITY_MANAGER or me == process_owner):
        allowed.append("add_action")
    return allowed


def _recurrence(page, item):
    if not item.get("recurrence_of"):
        return None
    try:
        return page.call("get_nonconformity", id=item["recurrence_of"])
    except Refused:
        return None


def _owner_options(page, people):
    """Who may own an action: the quality manager names any active member; others, themselves."""
    if page.user.role == QUALITY_MANAGER:
        return [(p["id"], _person_label(p, page)) for p in people if p["status"] != "deactivated"]
    return [(page.user.user_id, page.user.name or page.user.email)]


def _verifier_options(page, people, item):
    """Active members who owned none of its actions, in any cycle (the API refuses the others)."""
    owners = {action["owner_id"] for action in item["actions"]}
    return [(p["id"], _person_label(p, page)) for p in people if p["status"] == "active" and p["id"] not in owners]


def _person_label(person, page):
    return f"{person.get('name') or person['email']} ({page._(ROLE_NAMES.get(person['role'], person['role']))})"


def _indicator_options(page):
    """The council's indicators, by objective, for a check that follows one (optional)."""
    options = []
    for summary in page.call("list_objectives", query={"state": "active", "limit": MAX_PAGE})["items"]:
        objective = page.call("get_objective", id=summary["id"])
        options += [(i["id"], f"{objective['title']} — {i['name']}") for i in objective.get("indicators", [])]
    return options


# --- actions ----------------------------------------------------------------------------------------


def _action_steps(page, action):
    """The steps the signed-in person may take with an action: its owner starts and completes it,
    the quality manager takes any."""
    if action["state"] not in ("open", "in_progress"):
        return []
    manager = page.user.role in nc.ACTION_GUARDS["start"].roles
    owner = action["owner_id"] == page.user.user_id
    return [
        step
        for step, guard in nc.ACTION_GUARDS.items()
        if action["state"] in guard.sources and (manager or (owner and step in nc.OWNER_ACTIONS))
    ]


def _action_step(page):
    step = page.form.get("action_step", "")
    body = {"note": form_text(page.form, "note"), "comment": form_text(page.form, "comment")}
    page.call(
        "transition_action",
        {name: value for name, value in body.items() if value is not None},
        id=page.form["action_id"],
        step=step or "-",
    )


def actions(page):
    refused = None
    if page.posted:
        try:
            _action_step(page)
            return page.redirect("/actions", notice="saved")
        except Refused as error:
            refused = FormRefusal(error, form=page.form.get("action_id"))
    mine = page.every_item("list_actions", {"mine": "true"})
    plan = page.call("action_plan")["items"] if page.user.role in READERS else None
    if plan is None:
        references = {
            n["id"]: n["reference"] for n in page.call("list_nonconformities", query={"limit": MAX_PAGE})["items"]
        }
    else:
        references = {row["nonconformity_id"]: row["nonconformity"] for row in plan}
    return page.render(
        "audits/treatment/actions.html",
        mine=mine,
        plan=plan,
        references=references,
        refused=refused,
        values=page.form,
        names=page.names_of(mine, plan),
        labels=LABELS,
        may_move=lambda action: _action_steps(page, action),
    )


# --- the register ----------------------------------------------------------------------------------


def register(page):
    rows = page.call("nonconformity_register")["items"]
    references = {row["id"]: row["reference"] for row in rows}
    return page.render(
        "audits/treatment/register.html", rows=rows, references=references, labels=LABELS, today=local_today()
    )


# --- objectives gone off track ------------------------------------------------------------------------


def suggestions(page):
    refused = None
    if page.posted:
        try:
            page.call("dismiss_suggestion", id=page.form.get("dismiss", "") or "-")
            return page.redirect("/nonconformities/suggestions", notice="done")
        except Refused as error:
            refused = error
    return page.render(
        "audits/treatment/suggestions.html", suggestions=page.call("suggestions")["items"], refused=refused
    )
