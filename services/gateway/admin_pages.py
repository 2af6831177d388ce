"""The pages of a council's administration (its people, security log and settings) and of the
platform's (councils).

A council's quality manager acts on their own council; a platform admin names the council with
`?council=CODE` (the operations' `tenant`), chosen on the page from the list of councils."""

from jouda.services.gateway.regions import REGIONS
from jouda.services.gateway.web import N_, ROLE_NAMES
from jouda.shared.schema_fields import MAX_PAGE
from jouda.shared.pages import Refused, WebPage, form_text
from jouda.shared.vocabulary import ADMIN, COUNCIL_ROLES, LANGUAGES, QUALITY_MANAGER
from jouda.shared.web.i18n import NAMES

PEOPLE_MANAGERS = frozenset({QUALITY_MANAGER, ADMIN})
ADMINS = frozenset({ADMIN})
PAGE_SIZE = 50

STATUS_NAMES = {
    "invited": N_("Invited"),
    "active": N_("Active"),
    "deactivated": N_("Deactivated"),
}

EVENT_NAMES = {
    "sign_in": N_("Signed in"),
    "sign_in_failed": N_("Sign-in failed"),
    "locked_out": N_("Locked out"),
    "sign_out": N_("Signed out"),
    "password_changed": N_("Password changed"),
    "password_reset_requested": N_("Password reset asked for"),
    "password_reset": N_("Password reset"),
    "two_factor_enabled": N_("Two-step sign-in turned on"),
    "two_factor_disabled": N_("Two-step sign-in turned off"),
    "recovery_code_used": N_("Recovery code used"),
    "invitation_sent": N_("Invitation sent"),
    "invitation_revoked": N_("Invitation withdrawn"),
    "invitation_accepted": N_("Invitation accepted"),
    "role_changed": N_("Role changed"),
    "deactivated": N_("Person deactivated"),
    "reactivated": N_("Person reactivated"),
    "token_created": N_("Access token created"),
    "token_revoked": N_("Access token revoked"),
    "tenant_added": N_("Council added"),
    "tenant_renamed": N_("Council renamed"),
    "tenant_deactivated": N_("Council deactivated"),
    "tenant_reactivated": N_("Council reactivated"),
    "tenant_setting_changed": N_("Security settings changed"),
}

PERSON_STEPS = {  # the person page's buttons: the operation each one calls
    "deactivate": "deactivate_person",
    "reactivate": "reactivate_person",
    "resend": "resend_invitation",
    "revoke": "revoke_invitation",
}


def _page(name, path, view, **options):
    return WebPage(name, path, f"jouda.services.gateway.admin_pages:{view}", **options)


PAGES = (
    _page(
        "people",
        "/people",
        "people",
        roles=PEOPLE_MANAGERS,
        methods=("GET", "POST"),
        nav=N_("People"),
        nav_order=80,
    ),
    _page("person", "/people/{id}", "person", roles=PEOPLE_MANAGERS, methods=("GET", "POST")),
    _page(
        "security_log",
        "/security-log",
        "security_log_page",
        roles=PEOPLE_MANAGERS,
        group="settings",
        nav=N_("Security log"),
    ),
    _page(
        "security_settings",
        "/settings/security",
        "security_settings",
        roles=PEOPLE_MANAGERS,
        methods=("GET", "POST"),
        group="settings",
        nav=N_("Security settings"),
    ),
    _page(
        "councils",
        "/admin/councils",
        "councils",
        roles=ADMINS,
        methods=("GET", "POST"),
        nav=N_("Councils"),
        nav_order=10,
    ),
    _page("council", "/admin/councils/{code}", "council", roles=ADMINS, methods=("GET", "POST")),
)


# --- which council ------------------------------------------------------------------------------


def _is_admin(page):
    return page.user.role == ADMIN


def _chosen_council(page):
    """The council an admin named (None for a council's quality manager: always their own)."""
    if not _is_admin(page):
        return None
    return (page.form.get("council") or page.args.get("council") or "").strip() or None


def _tenant_query(page):
    council = _chosen_council(page)
    return {"tenant": council} if council else None


def _council_choices(page):
    """(code, name) of every council, for an admin's choice; nothing for a quality manager."""
    if not _is_admin(page):
        return []
    return [(item["code"], f"{item['name']} ({item['code']})") for item in page.call("list_tenants")["items"]]


def _offset(page):
    text = (page.args.get("offset") or "0").strip()
    return int(text) if text.isdigit() else 0


def _pager(page, listed):
    """Where the previous and next pages of a list are, when it is longer than a page."""
    total, offset = listed["total"], listed["offset"]
    if total <= PAGE_SIZE and offset == 0:
        return None
    kept = {key: value for key, value in page.args.items() if key not in ("offset", "notice")}

    def at(start):
        return page.url(page.request.path, **kept, offset=start)

    return {
        "first": offset + 1,
        "last": min(offset + PAGE_SIZE, total),
        "total": total,
        "previous": at(max(offset - PAGE_SIZE, 0)) if offset > 0 else None,
        "next": at(offset + PAGE_SIZE) if offset + PAGE_SIZE < total else None,
    }


def _options(labels, page):
    return [(value, page._(label)) for value, label in labels.items()]


# --- a council's people -------------------------------------------------------------------------


def people(page):
    council = _chosen_council(page)
    councils = _council_choices(page)
    refused = None
    if page.posted:
        body = {
            "email": (page.form.get("email") or "").strip(),
            "name": form_text(page.form, "name"),
            "role": page.form.get("role", ""),
            "language": page.form.get("language", "fr"),
        }
        if council:
            body["tenant"] = council
        try:
            page.call("invite_person", body)
            return page.redirect(page.url("/people", council=council), notice="created")
        except Refused as error:
            refused = error
    listed = None
    if council or not _is_admin(page):
        query = {"limit": PAGE_SIZE, "offset": _offset(page), **(_tenant_query(page) or {})}
        listed = page.call("list_people", query=query)
    return page.render(
        "gateway/admin/people.html",
        council=council,
        councils=councils,
        listed=listed,
        refused=refused,
        values=page.form,
        role_options=[(role, page._(_role_name(role))) for role in COUNCIL_ROLES],
        language_options=_language_options(),
        status_names=STATUS_NAMES,
        paging=_pager(page, listed) if listed else None,
    )


def _role_name(role):
    return ROLE_NAMES.get(role, role)


def _language_options():
    return [(code, NAMES[code]) for code in LANGUAGES]


def _find_person(page, person_id):
    """The person of the council with this id; another council's reads as a missing one (404)."""
    offset = 0
    while True:
        query = {"limit": MAX_PAGE, "offset": offset, **(_tenant_query(page) or {})}
        listed = page.call("list_people", query=query)
        for item in listed["items"]:
            if item["id"] == person_id:
                return item
        offset += MAX_PAGE
        if offset >= listed["total"] or not listed["items"]:
            raise Refused(404, "not_found", "")


def person(page):
    person_id = page.path["id"]
    council = _chosen_council(page)
    refused, refused_form = None, None
    if page.posted:
        action = page.form.get("action", "")
        try:
            if action == "role":
                page.call("change_person", {"role": page.form.get("role", "")}, query=_tenant_query(page), id=person_id)
            elif action in PERSON_STEPS:
                page.call(PERSON_STEPS[action], query=_tenant_query(page), id=person_id)
            else:
                raise Refused(400, "validation_failed", page._("Unknown step."), {"action": [action]})
            return page.redirect(page.url(f"/people/{person_id}", council=council), notice="saved")
        except Refused as error:
            refused, refused_form = error, action
    found = _find_person(page, person_id)
    return page.render(
        "gateway/admin/person.html",
        person=found,
        council=council,
        refused=refused,
        refused_form=refused_form,
        role_options=[(role, page._(_role_name(role))) for role in COUNCIL_ROLES],
        status_names=STATUS_NAMES,
    )


# --- the security log and settings --------------------------------------------------------------


def security_log_page(page):
    council = _chosen_council(page)
    filters = {
        "event": (page.args.get("event") or "").strip(),
        "since": (page.args.get("since") or "").strip(),
        "until": (page.args.get("until") or "").strip(),
    }
    query = {
        "event": filters["event"] or None,
        "since": f"{filters['since']}T00:00:00+00:00" if filters["since"] else None,
        "until": f"{filters['until']}T23:59:59+00:00" if filters["until"] else None,
        "limit": PAGE_SIZE,
        "offset": _offset(page),
        **(_tenant_query(page) or {}),
    }
    refused, listed = None, {"items": [], "total": 0, "limit": PAGE_SIZE, "offset": 0}
    try:
        listed = page.call("security_log", query=query)
    except Refused as error:
        if error.code != "validation_failed":
            raise
        refused = error
    return page.render(
        "gateway/admin/security_log.html",
        council=council,
        councils=_council_choices(page),
        filters=filters,
        listed=listed,
        refused=refused,
        who=_names_of_people(page, council),
        event_names=EVENT_NAMES,
        event_options=_options(EVENT_NAMES, page),
        paging=_pager(page, listed),
    )


def _names_of_people(page, council):
    """{person id: name or e-mail} of the council's people, to say who acted (an admin sees ids
    unless they chose a council)."""
    if _is_admin(page) and not council:
        return {}
    query = {"limit": MAX_PAGE, **(_tenant_query(page) or {})}
    try:
        items = page.call("list_people", query=query)["items"]
    except Refused:
        return {}
    return {item["id"]: item["name"] or item["email"] for item in items}


def security_settings(page):
    council = _chosen_council(page)
    refused = None
    if page.posted and (council or not _is_admin(page)):
        wanted = page.form.get("managers_need_two_factor")
        body = {"managers_need_two_factor": {"yes": True, "no": False}.get(wanted, wanted)}
        try:
            page.call("set_security_settings", body, query=_tenant_query(page))
            return page.redirect(page.url("/settings/security", council=council), notice="saved")
        except Refused as error:
            refused = error
    current = None
    if council or not _is_admin(page):
        current = page.call("security_settings", query=_tenant_query(page))
    return page.render(
        "gateway/admin/security_settings.html",
        council=council,
        councils=_council_choices(page),
        current=current,
        refused=refused,
    )


# --- the platform's councils --------------------------------------------------------------------


def councils(page):
    refused = None
    if page.posted:
        code = (page.form.get("code") or "").strip().lower()
        try:
            page.call("add_tenant", {"code": code, "name": form_text(page.form, "name")})
            return page.redirect(f"/admin/councils/{code}", notice="created")
        except Refused as error:
            refused = error
    items = page.call("list_tenants")["items"]
    taken = {item["code"] for item in items}
    return page.render(
        "gateway/admin/councils.html",
        councils=items,
        regions=[(code, name) for code, name in REGIONS.items() if code not in taken],
        refused=refused,
        values=page.form,
    )


def _find_council(page, code):
    for item in page.call("list_tenants")["items"]:
        if item["code"] == code:
            return item
    raise Refused(404, "not_found", "")


def _rename(page, code):
    """The rename form's field is `new_name` (the page's invitation form has a `name` of its own)."""
    try:
        page.call("change_tenant", {"name": (page.form.get("new_name") or "").strip()}, code=code)
    except Refused as error:
        details = {"new_name" if key == "name" else key: value for key, value in error.details.items()}
        raise Refused(error.status, error.code, error.message, details) from error


def council(page):
    code = page.path["code"]
    refused, refused_form = None, None
    if page.posted:
        action = page.form.get("action", "")
        try:
            if action == "rename":
                _rename(page, code)
            elif action in ("deactivate", "reactivate"):
                page.call("change_tenant", {"active": action == "reactivate"}, code=code)
            elif action == "invite":
                page.call(
                    "invite_person",
                    {
                        "email": (page.form.get("email") or "").strip(),
                        "name": form_text(page.form, "name"),
                        "role": QUALITY_MANAGER,
                        "language": page.form.get("language", "fr"),
                        "tenant": code,
                    },
                )
                return page.redirect(page.url("/people", council=code), notice="sent")
            else:
                raise Refused(400, "validation_failed", page._("Unknown step."), {"action": [action]})
            return page.redirect(f"/admin/councils/{code}", notice="saved")
        except Refused as error:
            refused, refused_form = error, action
    return page.render(
        "gateway/admin/council.html",
        council=_find_council(page, code),
        refused=refused,
        refused_form=refused_form,
        values=page.form,
        language_options=_language_options(),
    )
