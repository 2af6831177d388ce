"""The ministry's pages: every council at a glance, one national indicator across councils, audits and
ISO clauses nationally, and the national indicator catalogue. Figures only: the ministry's read model
holds no personal data."""

from jouda.services.gateway.web import N_
from jouda.shared.clock import local_today
from jouda.shared.pages import Refused, WebPage, form_text
from jouda.shared.vocabulary import DIRECTIONS, MINISTRY

MINISTRY_ONLY = frozenset({MINISTRY})


def _page(name, path, view, **options):
    return WebPage(name, path, f"jouda.services.ministry.pages:{view}", roles=MINISTRY_ONLY, **options)


PAGES = (
    _page("ministry_overview", "/ministry", "overview", nav=N_("National overview"), nav_order=10),
    _page("ministry_indicator", "/ministry/indicators/{code}", "indicator"),
    _page("ministry_audits", "/ministry/audits", "audits", nav=N_("Audits nationally"), nav_order=20),
    _page("ministry_clauses", "/ministry/clauses", "clauses", nav=N_("ISO clauses"), nav_order=30),
    _page(
        "ministry_catalogue",
        "/ministry/catalogue",
        "catalogue",
        methods=("GET", "POST"),
        nav=N_("Indicator catalogue"),
        nav_order=40,
    ),
)

STATUS_NAMES = {
    "on_track": N_("On track"),
    "at_risk": N_("At risk"),
    "off_track": N_("Off track"),
    "no_data": N_("No data"),
    "achieved": N_("Achieved"),
    "abandoned": N_("Abandoned"),
}
TREND_NAMES = {"improving": N_("Improving"), "worsening": N_("Worsening"), "stable": N_("Stable")}
DIRECTION_NAMES = {"increase": N_("Higher is better"), "decrease": N_("Lower is better")}
# The API's field messages, so that a refused form speaks the page's language.
FIELD_MESSAGES = (
    N_("Missing data for required field."),
    N_("Capital letters, digits and '_' (2 to 40)."),
    N_("Length must be between 1 and 300."),
    N_("Length must be between 1 and 30."),
    N_("Must be one of: increase, decrease."),
    N_("A whole number from 2000 to 2100."),
)
CATALOGUE_FIELDS = ("code", "name_fr", "name_ar", "unit", "direction")
AUDIT_TOTALS = ("audits_planned", "audits_done", "open_nonconformities", "open_major", "open_minor", "recurrences")


# --- the national overview ----------------------------------------------------------------------


def _objectives(status):
    return lambda row: row["objectives_by_status"][status]


# The overview's columns, each sortable: (the `sort` word, its heading, the value sorted by).
OVERVIEW_COLUMNS = (
    ("name", N_("Council"), lambda row: (row["name"] or row["tenant"]).casefold()),
    ("reporting_completeness", N_("Reporting completeness"), lambda row: row["reporting_completeness"]),
    ("objectives", N_("Objectives"), lambda row: row["objectives"]),
    *((status, label, _objectives(status)) for status, label in STATUS_NAMES.items()),
    ("acknowledgement_rate", N_("Policy acknowledged"), lambda row: row["acknowledgement_rate"]),
    ("policy_version", N_("Quality policy"), lambda row: row["policy_version"]),
)
SORT_KEYS = {word: key for word, _label, key in OVERVIEW_COLUMNS}


def sorted_rows(rows, key, descending=False):
    """Rows by `key`, stable, rows without a value last whichever the order."""
    present = [row for row in rows if key(row) is not None]
    missing = [row for row in rows if key(row) is None]
    return sorted(present, key=key, reverse=descending) + missing


def _search(page):
    """What was typed to find a council (`?q=`), trimmed."""
    return (page.args.get("q") or "").strip()


def matching(rows, typed):
    """The councils whose name or code holds what was typed (whatever its case), all if nothing was."""
    wanted = typed.casefold()
    return [row for row in rows if wanted in f"{row['name'] or ''} {row['tenant']}".casefold()] if wanted else rows


def overview(page):
    sort = page.args.get("sort") if page.args.get("sort") in SORT_KEYS else "name"
    order = "desc" if page.args.get("order") == "desc" else "asc"
    search = _search(page)
    rows = page.call("ministry_overview")["items"]
    return page.render(
        "ministry/overview.html",
        listing=page.window(sorted_rows(matching(rows, search), SORT_KEYS[sort], descending=order == "desc")),
        search=search,
        columns=[(word, label) for word, label, _key in OVERVIEW_COLUMNS],
        sort=sort,
        order=order,
        statuses=STATUS_NAMES,
        totals=_totals(rows),
    )


def _totals(rows):
    return {
        "councils": len(rows),
        "policies": sum(1 for row in rows if row["policy_published"]),
        "objectives": sum(row["objectives"] for row in rows),
        **{status: sum(row["objectives_by_status"][status] for row in rows) for status in STATUS_NAMES},
    }


# --- one national indicator ---------------------------------------------------------------------


def indicator(page):
    found = page.call("ministry_indicator", code=page.path["code"])
    rows = found["items"]
    entry = found["indicator"]
    search = _search(page)
    listing = page.window(matching(rows, search))
    shown = listing["items"]
    chart = [(row["name"] or row["tenant"], row["latest_value"]) for row in shown if row["latest_value"] is not None]
    return page.render(
        "ministry/indicator.html",
        entry=entry,
        name=entry["name_ar"] if page.language == "ar" else entry["name_fr"],
        name_language="ar" if page.language == "ar" else "fr",
        listing=listing,
        search=search,
        councils=len({row["tenant"] for row in rows}),
        chart=chart,
        chart_unit="%" if entry["unit"] == "%" else f" {entry['unit']}",
        statuses=STATUS_NAMES,
        trends=TREND_NAMES,
        directions=DIRECTION_NAMES,
    )


# --- audits and clauses nationally --------------------------------------------------------------


def audits(page):
    this_year = local_today().year
    year = (page.args.get("year") or "").strip() or str(this_year)
    refused, rows = None, []
    try:
        rows = page.call("ministry_audits", query={"year": year})["items"]
    except Refused as error:
        if error.code != "validation_failed":
            raise
        refused = _translated(page, error)
    years = [str(each) for each in range(this_year + 1, this_year - 9, -1)]
    if year not in years and not refused:
        years = sorted([*years, year], reverse=True)
    search = _search(page)
    return page.render(
        "ministry/audits.html",
        listing=page.window(matching(rows, search)),
        search=search,
        year=year,
        years=[(each, each) for each in years],
        refused=refused,
        totals={name: sum(row[name] for row in rows) for name in AUDIT_TOTALS},
    )


def clauses(page):
    rows = page.call("ministry_clauses")["items"]
    title = "title_ar" if page.language == "ar" else "title_fr"
    return page.render(
        "ministry/clauses.html",
        rows=rows,
        title_key=title,
        title_language="ar" if page.language == "ar" else "fr",
        chart=[(row["clause"], row["nonconformities"]) for row in rows[:10] if row["nonconformities"]],
    )


# --- the national catalogue ---------------------------------------------------------------------


def catalogue(page):
    refused = None
    if page.posted:
        body = {name: value for name in CATALOGUE_FIELDS if (value := form_text(page.form, name)) is not None}
        try:
            page.call("add_catalogue_entry", body)
            return page.redirect("/ministry/catalogue", notice="created")
        except Refused as error:
            refused = _translated(page, error)
    return page.render(
        "ministry/catalogue.html",
        entries=page.call("ministry_catalogue")["items"],
        refused=refused,
        values=page.form,
        directions=[(direction, page._(DIRECTION_NAMES[direction])) for direction in DIRECTIONS],
        direction_names=DIRECTION_NAMES,
    )


def _translated(page, error):
    """A refusal as the page shows it: its field messages in the page's language; a code already in
    the catalogue shown beside the code field."""
    if error.code == "catalogue_code_exists":
        message = page._("This code is already in the national catalogue.")
        return Refused(error.status, "validation_failed", message, {"code": [message]})
    if error.code != "validation_failed":
        return error
    fields = {name: [page._(message) for message in messages] for name, messages in error.field_errors.items()}
    return Refused(error.status, error.code, page._("Some fields are invalid."), fields)
