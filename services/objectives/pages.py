"""The objectives service's web pages: the council's dashboard, quality objectives with their
indicators, reporting a measurement (and correcting one), one's own indicators and the reporting
settings. Every figure comes from the objectives operations (services/objectives/http.py)."""

import math

from jouda.services.gateway.web import N_
from jouda.shared import periods
from jouda.shared.clock import local_today
from jouda.shared.pages import COUNCIL_ROLES, Refused, WebPage, form_text

EDITORS = frozenset({"quality_manager"})  # who sets objectives, indicators and settings (domain.EDITORS)
PEOPLE_READERS = frozenset({"quality_manager"})  # who may list the council's people (list_people)
LIST_SIZE = 50

STATUS_LABELS = {
    "on_track": N_("On track"),
    "at_risk": N_("At risk"),
    "off_track": N_("Off track"),
    "no_data": N_("No data"),
    "achieved": N_("Achieved"),
    "abandoned": N_("Abandoned"),
}
STATE_LABELS = {"active": N_("Active"), "achieved": N_("Achieved"), "abandoned": N_("Abandoned")}
TREND_LABELS = {"improving": N_("Improving"), "worsening": N_("Worsening"), "stable": N_("Steady")}
DIRECTION_LABELS = {"increase": N_("Higher is better"), "decrease": N_("Lower is better")}
FREQUENCY_LABELS = {
    "monthly": N_("Monthly"),
    "quarterly": N_("Quarterly"),
    "semiannual": N_("Half-yearly"),
    "annual": N_("Yearly"),
}
BUCKETS = ("on_track", "at_risk", "off_track", "no_data", "achieved", "abandoned")  # the dashboard's columns
TARGET_STATE = {"achieve": "achieved", "abandon": "abandoned", "reopen": "active"}  # a step's word: its state
OBJECTIVE_FIELDS = (
    "title",
    "description",
    "orientation_code",
    "owner_id",
    "resources",
    "due_date",
    "evaluation_method",
)
LABELS = {
    "statuses": STATUS_LABELS,
    "states": STATE_LABELS,
    "trends": TREND_LABELS,
    "directions": DIRECTION_LABELS,
    "frequencies": FREQUENCY_LABELS,
    "buckets": BUCKETS,
}


def _page(name, path, view, **options):
    return WebPage(name, path, f"jouda.services.objectives.pages:{view}", **options)


PAGES = (
    _page("dashboard", "/dashboard", "dashboard", roles=COUNCIL_ROLES, nav=N_("Dashboard"), nav_order=5),
    _page("my_indicators", "/my-indicators", "my_indicators", roles=frozenset({"process_owner"}),
          nav=N_("My indicators"), nav_order=15),
    _page("objectives", "/objectives", "objectives", roles=COUNCIL_ROLES, nav=N_("Objectives"), nav_order=20),
    _page("objective_new", "/objectives/new", "objective_new", roles=EDITORS, methods=("GET", "POST")),
    _page("objective", "/objectives/{id}", "objective", roles=COUNCIL_ROLES, methods=("GET", "POST")),
    _page("objective_edit", "/objectives/{id}/edit", "objective_edit", roles=EDITORS, methods=("GET", "POST")),
    _page("indicator_new", "/objectives/{id}/indicators/new", "indicator_new", roles=EDITORS, methods=("GET", "POST")),
    _page("indicator", "/indicators/{id}", "indicator", roles=COUNCIL_ROLES, methods=("GET", "POST")),
    _page("reporting_settings", "/settings/reporting", "reporting_settings", roles=COUNCIL_ROLES,
          methods=("GET", "POST"), nav=N_("Reporting settings"), group="settings"),
)  # fmt: skip


def _render(page, template, **values):
    def options(labels, leave_out=()):
        return [(value, page._(label)) for value, label in labels.items() if value not in leave_out]

    return page.render(
        f"objectives/{template}",
        **LABELS,
        state_options=options(STATE_LABELS),
        status_options=options(STATUS_LABELS, leave_out=("abandoned",)),  # abandoned is a state
        direction_options=options(DIRECTION_LABELS),
        frequency_options=options(FREQUENCY_LABELS),
        **values,
    )


# --- reading lists ------------------------------------------------------------------------------------


def _people(page):
    """The council's active people, for a quality manager's forms: [(id, label)]."""
    if page.user.role not in PEOPLE_READERS:
        return []
    people = page.every_item("list_people", {"status": "active"})
    return [(person["id"], person["name"] or person["email"]) for person in people]


# --- form values as the API takes them -----------------------------------------------------------------


def _number(text):
    """A number typed in a form ("12,5" as well as "12.5"); what cannot be read goes as typed, for the API
    to refuse beside its field."""
    typed = (text or "").strip()
    if not typed:
        return None
    try:
        value = float(typed.replace("\u00a0", "").replace(" ", "").replace(",", "."))
    except ValueError:
        return typed
    if not math.isfinite(value):
        return typed
    return int(value) if value.is_integer() else value


def _whole_number(text):
    typed = (text or "").strip()
    return int(typed) if typed.lstrip("-").isdigit() else typed


# --- the dashboard -------------------------------------------------------------------------------------


def dashboard(page):
    """The dashboard's one answer (figures, late reports, every active indicator with its recent values),
    and the names of the late reports' owners."""
    board = page.call("dashboard")
    names = page.names_of(board["late_measurements"])
    indicators = [
        ({"id": indicator["objective_id"], "title": indicator["objective_title"]}, _with_points(indicator))
        for indicator in board["indicators"]
    ]
    totals = board["objectives_by_status"]
    status_rows = [(page._(STATUS_LABELS[bucket]), totals.get(bucket, 0)) for bucket in BUCKETS]
    return _render(page, "dashboard.html", board=board, status_rows=status_rows, indicators=indicators, names=names)


def _with_points(indicator):
    """The indicator with its recent values as a line chart's points, oldest first."""
    return {**indicator, "points": [(value["period"], value["value"]) for value in indicator["recent"]]}


def my_indicators(page):
    board = page.call("dashboard")  # every active indicator, and the late reports
    grace = board["reporting"]["grace_days"]
    late = {}
    for item in board["late_measurements"]:
        late.setdefault(item["indicator_id"], []).append(item)
    rows = [
        {
            "objective": {"id": indicator["objective_id"], "title": indicator["objective_title"]},
            "indicator": indicator,
            "late": late.get(indicator["id"], []),
            "due": _due_in_grace(indicator, grace),
        }
        for indicator in board["indicators"]
        if indicator["owner_id"] == page.user.user_id
    ]
    return _render(page, "my_indicators.html", rows=rows)


def _due_in_grace(indicator, grace_days):
    """The period just ended whose report is due but not yet late, when nothing is reported for it yet."""
    today = local_today()
    frequency = indicator["frequency"]
    ended = periods.containing(today, frequency).previous()
    if (today - ended.end).days > grace_days or ended < periods.parse(indicator["start_period"], frequency):
        return None
    latest = indicator.get("latest_period")
    if latest and periods.parse(latest, frequency) >= ended:
        return None
    return str(ended)


# --- objectives ----------------------------------------------------------------------------------------


def objectives(page):
    state = page.args.get("state") or None
    status = page.args.get("status") or None
    orientation = page.args.get("orientation") or None
    offset = _whole_number(page.args.get("offset") or "0")
    offset = offset if isinstance(offset, int) and offset >= 0 else 0
    listed = page.call(
        "list_objectives",
        query={"orientation": orientation, "state": state, "status": status, "limit": LIST_SIZE, "offset": offset},
    )
    return _render(
        page,
        "objectives.html",
        listed=listed,
        state=state,
        status=status,
        orientation=orientation,
        names=page.names_of(listed),
        can_edit=page.user.role in EDITORS,
    )


def _orientations(page, keep=None):
    """[(code, "code: title")] of the published policy's orientations (as the objectives service knows
    them), and `keep` (an objective's own orientation) even if a newer policy dropped it."""
    board = page.call("dashboard")
    options = [
        (o["code"], f"{o['code']}: {o['title']}" if o["title"] else o["code"])
        for o in board["orientations"]
        if o["current"] or o["code"] == keep
    ]
    return options


def _objective_body(form):
    body = {name: (form.get(name) or "").strip() for name in OBJECTIVE_FIELDS}
    body["due_date"] = form_text(form, "due_date")
    return body


def objective_new(page):
    refused = None
    if page.posted:
        try:
            created = page.call("create_objective", _objective_body(page.form))
            return page.redirect(f"/objectives/{created['id']}", notice="created")
        except Refused as error:
            refused = error
    people = _people(page)
    values = page.form if page.posted else {}
    return _render(
        page,
        "objective_form.html",
        objective=None,
        values=values,
        orientations=_orientations(page),
        people=people,
        refused=refused,
    )


def objective_edit(page):
    objective = page.call("get_objective", id=page.path["id"])
    refused = None
    if page.posted:
        try:
            page.call("update_objective", _objective_body(page.form), id=objective["id"])
            return page.redirect(f"/objectives/{objective['id']}", notice="saved")
        except Refused as error:
            refused = error
    values = page.form if page.posted else {name: objective.get(name) or "" for name in OBJECTIVE_FIELDS}
    return _render(
        page,
        "objective_form.html",
        objective=objective,
        values=values,
        orientations=_orientations(page, keep=objective["orientation_code"]),
        people=_people(page),
        refused=refused,
    )


def objective(page):
    refused = None
    if page.posted:
        action = page.form.get("action", "")
        body = {"state": TARGET_STATE.get(action, action)}
        if action == "abandon":
            body["abandon_reason"] = page.form.get("abandon_reason", "")
        try:
            page.call("update_objective", body, id=page.path["id"])
            return page.redirect(f"/objectives/{page.path['id']}", notice="saved")
        except Refused as error:
            refused = error
    found = page.call("get_objective", id=page.path["id"])
    return _render(
        page,
        "objective.html",
        objective=found,
        names=page.names_of(found),
        can_edit=page.user.role in EDITORS,
        refused=refused,
    )


# --- indicators ----------------------------------------------------------------------------------------


def _catalogue(page):
    """[(code, "code: name")] of the national indicator catalogue; none when it cannot be read now."""
    try:
        entries = page.call("council_catalogue")["items"]
    except Refused:
        return []
    name = "name_ar" if page.language == "ar" else "name_fr"
    return [(entry["code"], f"{entry['code']}: {entry[name]} ({entry['unit']})") for entry in entries]


def _indicator_body(form):
    return {
        "name": (form.get("name") or "").strip(),
        "unit": (form.get("unit") or "").strip(),
        "direction": form.get("direction") or "",
        "baseline": _number(form.get("baseline")),
        "target": _number(form.get("target")),
        "amber_threshold": _number(form.get("amber_threshold")),
        "frequency": form.get("frequency") or "",
        "owner_id": form.get("owner_id") or "",
        "catalogue_code": form_text(form, "catalogue_code"),
        "start_period": form_text(form, "start_period"),
    }


def indicator_new(page):
    found = page.call("get_objective", id=page.path["id"])
    refused = None
    if page.posted:
        try:
            created = page.call("add_indicator", _indicator_body(page.form), id=found["id"])
            return page.redirect(f"/indicators/{created['id']}", notice="created")
        except Refused as error:
            refused = error
    return _render(
        page,
        "indicator_form.html",
        objective=found,
        values=page.form if page.posted else {"frequency": "monthly", "direction": "increase"},
        people=_people(page),
        catalogue=_catalogue(page),
        examples=periods.EXAMPLES,
        refused=refused,
    )


def _measurement_body(form):
    return {
        "period": (form.get("period") or "").strip(),
        "value": _number(form.get("value")),
        "comment": form_text(form, "comment"),
        "evidence_url": form_text(form, "evidence_url"),
        "correction": form.get("correction") == "yes",
        "reason": form_text(form, "reason"),
    }


def indicator(page):
    refused = None
    if page.posted:
        try:
            page.call("record_measurement", _measurement_body(page.form), id=page.path["id"])
            return page.redirect(f"/indicators/{page.path['id']}", notice="saved")
        except Refused as error:
            refused = error
    found = page.call("get_indicator", id=page.path["id"])
    measurements = page.call("list_measurements", query={"limit": 200}, id=found["id"])
    if page.posted:
        values = page.form
    else:
        correcting = page.args.get("correct")
        values = {
            "period": correcting or page.args.get("period") or _period_to_report(found),
            "correction": "yes" if correcting else "",
        }
    return _render(
        page,
        "indicator.html",
        indicator=_with_points(found),
        measurements=measurements,
        values=values,
        names=page.names_of(found, measurements),
        example=periods.EXAMPLES[found["frequency"]],
        refused=refused,
    )


def _period_to_report(indicator):
    """The period a report most likely is for: the one just ended, or the current one for a new indicator."""
    frequency = indicator["frequency"]
    current = periods.containing(local_today(), frequency)
    ended = current.previous()
    return str(ended if ended >= periods.parse(indicator["start_period"], frequency) else current)


# --- settings ------------------------------------------------------------------------------------------


def reporting_settings(page):
    refused = None
    if page.posted:
        try:
            page.call("set_reporting_settings", {"grace_days": _whole_number(page.form.get("grace_days"))})
            return page.redirect("/settings/reporting", notice="saved")
        except Refused as error:
            refused = error
    settings = page.call("reporting_settings")
    values = page.form if page.posted else settings
    return _render(
        page,
        "reporting_settings.html",
        settings=settings,
        values=values,
        can_edit=page.user.role in EDITORS,
        refused=refused,
    )
