"""The policy service's web pages: the council's published policy (read and acknowledged by every
role), its versions, one version's life cycle, and the quality manager's editor."""

import re

from jouda.services.gateway.web import N_
from jouda.services.policy import domain
from jouda.services.policy.http import TRANSITIONS
from jouda.shared.pages import COUNCIL_ROLES, Refused, WebPage, form_text

EDITORS = frozenset(domain.EDITORS)
MANAGERS = frozenset({domain.QUALITY_MANAGER, domain.DIRECTOR})


def _page(name, path, view, **options):
    return WebPage(name, path, f"jouda.services.policy.pages:{view}", **options)


PAGES = (
    _page(
        "policy_current",
        "/policy",
        "current",
        roles=COUNCIL_ROLES,
        methods=("GET", "POST"),
        nav=N_("Quality policy"),
        nav_order=10,
    ),
    _page("policy_versions", "/policy/versions", "versions", roles=MANAGERS, nav=N_("Policy versions"), nav_order=11),
    _page("policy_new", "/policy/new", "new_policy", roles=EDITORS, methods=("GET", "POST")),
    _page("policy_version", "/policy/versions/{id}", "version", roles=COUNCIL_ROLES, methods=("GET", "POST")),
    _page("policy_edit", "/policy/versions/{id}/edit", "edit_version", roles=EDITORS, methods=("GET", "POST")),
)

STATUS_NAMES = {
    domain.DRAFT: N_("Draft"),
    domain.IN_REVIEW: N_("In review"),
    domain.APPROVED: N_("Approved"),
    domain.PUBLISHED: N_("Published"),
    domain.SUPERSEDED: N_("Superseded"),
}
ACTION_NAMES = {
    "create": N_("Written"),
    "revise": N_("Revision started"),
    "submit": N_("Submitted for review"),
    "approve": N_("Approved"),
    "request_changes": N_("Sent back for changes"),
    "publish": N_("Published"),
    "supersede": N_("Superseded"),
}
STEP_LABELS = {
    "submit": N_("Submit for review"),
    "approve": N_("Approve"),
    "request_changes": N_("Send back for changes"),
    "publish": N_("Publish"),
}
POLICY_LANGUAGES = {"fr": N_("French"), "ar": N_("Arabic")}
ORIENTATION_CODE = re.compile(r"^([A-Za-z0-9_.-]{1,20})\s*:\s*(.+)$")
HEADING = re.compile(r"^(#{1,6})(?=\s)")
FENCE = re.compile(r"^\s*(```|~~~)")


def _labels():
    return {"status_names": STATUS_NAMES, "action_names": ACTION_NAMES, "policy_languages": POLICY_LANGUAGES}


def _shown(version, top=2):
    """The version with its text's headings moved under the page's own: the page has one h1 (the
    policy's title), and the text's first level becomes h<top>, the levels below following it."""
    lines = (version.get("body") or "").splitlines()
    levels, fenced = [], False
    for line in lines:
        fenced = fenced != bool(FENCE.match(line))
        heading = None if fenced else HEADING.match(line)
        levels.append(len(heading.group(1)) if heading else None)
    found = [level for level in levels if level]
    if not found:
        return version
    shift = top - min(found)
    body = [line if level is None else "#" * min(6, level + shift) + line[level:] for line, level in zip(lines, levels)]
    return {**version, "body": "\n".join(body)}


# --- the published policy -----------------------------------------------------------------------


def current(page):
    refused = None
    if page.posted:
        try:
            page.call("acknowledge", id=page.form.get("version", ""))
            return page.redirect("/policy", notice="done")
        except Refused as error:
            if error.code != "already_acknowledged":  # acknowledged already: the page says so
                refused = error
    try:
        policy = page.call("current_policy")
    except Refused as error:
        if error.status != 404:
            raise
        return page.render("policy/current.html", policy=None, refused=refused, **_labels())
    mine = page.call("acknowledgement_summary", id=policy["id"])["acknowledged_by_you_at"]
    return page.render(
        "policy/current.html",
        policy=_shown(policy),
        approval=_approval(page, policy["id"]),
        acknowledged={"at": mine} if mine else None,
        refused=refused,
        **_labels(),
    )


def _approval(page, version_id):
    """The director's approval of the version (its last one), from its history."""
    transitions = page.call("history", id=version_id)["transitions"]
    approvals = [move for move in transitions if move["action"] == "approve"]
    return approvals[-1] if approvals else None


# --- the versions -------------------------------------------------------------------------------


def versions(page):
    found = page.call("list_versions", query={"limit": 200})
    published = next((v for v in found["items"] if v["status"] == domain.PUBLISHED), None)
    summary = page.call("acknowledgement_summary", id=published["id"]) if published else None
    return page.render(
        "policy/versions.html",
        versions=found["items"],
        total=found["total"],
        published=published,
        summary=summary,
        can_write=page.user.role in EDITORS and found["total"] == 0,
        **_labels(),
    )


def version(page):
    version_id = page.path["id"]
    refused = None
    if page.posted:
        try:
            if page.form.get("intent") == "revise":
                revision = page.call("create_revision", id=version_id)
                return page.redirect(f"/policy/versions/{revision['id']}/edit", notice="created")
            action = page.form.get("action", "")
            if action not in TRANSITIONS:
                raise Refused(400, "validation_failed", page._("Choose a step."), {})
            page.call("transition_policy", {"comment": form_text(page.form, "comment")}, id=version_id, action=action)
            return page.redirect(f"/policy/versions/{version_id}", notice="saved")
        except Refused as error:
            if error.status == 404:
                raise
            refused = error
    found = page.call("get_version", id=version_id)
    steps = _steps(found["status"], page.user.role)
    history = page.call("history", id=version_id)["transitions"]
    return page.render(
        "policy/version.html",
        version=_shown(found),
        history=history,
        names=page.names_of(history),
        steps=steps,
        step_labels=STEP_LABELS,
        comment_required=any(required for _word, _action, required in steps),
        can_edit=page.user.role in EDITORS and found["status"] == domain.DRAFT,
        can_revise=page.user.role in EDITORS and found["status"] == domain.PUBLISHED,
        comment=page.form.get("comment", "") if page.posted else "",
        refused=refused,
        **_labels(),
    )


def _steps(status, role):
    """(URL word, guard action, comment required) of the steps `role` may take from `status`."""
    steps = []
    for word, action in TRANSITIONS.items():
        guard = domain.GUARDS[action]
        if guard.source == status and role in guard.roles:
            steps.append((word, action, guard.comment_required))
    return steps


# --- the editor ---------------------------------------------------------------------------------


def new_policy(page):
    existing = page.call("list_versions", query={"limit": 1})["total"]
    if existing and not page.posted:
        return page.render("policy/edit.html", version=None, exists=True, values={}, **_labels())
    return _editor(page, None, lambda content: page.call("create_policy", content))


def edit_version(page):
    found = page.call("get_version", id=page.path["id"])
    if found["status"] != domain.DRAFT:
        raise Refused(409, "transition_not_allowed", page._("Only a draft can be edited."))
    return _editor(page, found, lambda content: page.call("update_draft", content, id=found["id"]))


def _editor(page, found, save):
    refused, preview = None, None
    if page.posted:
        values = dict(page.form.items())
        content = _content(page.form)
        if page.form.get("intent") == "preview":
            preview = _shown(content, top=3)
        else:
            try:
                saved = save(content)
                return page.redirect(f"/policy/versions/{saved['id']}", notice="saved")
            except Refused as error:
                refused = _per_field(page, error)
    else:
        values = _form_values(found) if found else {"language": "fr"}
    return page.render(
        "policy/edit.html",
        version=found,
        exists=False,
        values=values,
        preview=preview,
        refused=refused,
        language_options=[(code, page._(label)) for code, label in POLICY_LANGUAGES.items()],
        **_labels(),
    )


def _content(form):
    """The form as the API takes a policy's content."""
    return {
        "title": (form.get("title") or "").strip(),
        "body": form.get("body") or "",
        "language": form.get("language") or "fr",
        "orientations": _orientations(form.get("orientations") or ""),
        "commitments": _lines(form.get("commitments") or ""),
        "signatory": form_text(form, "signatory"),
        "effective_date": form_text(form, "effective_date"),
        "next_review_date": form_text(form, "next_review_date"),
    }


def _lines(text):
    return [line.strip() for line in text.splitlines() if line.strip()]


def _orientations(text):
    """One orientation a line: "OS1: title" chooses its code; a line without one is numbered OS<n>."""
    orientations = []
    for number, line in enumerate(_lines(text), start=1):
        coded = ORIENTATION_CODE.match(line)
        if coded:
            orientations.append({"code": coded.group(1), "title": coded.group(2).strip()})
        else:
            orientations.append({"code": f"OS{number}", "title": line})
    return orientations


def _form_values(found):
    return {
        "title": found["title"],
        "body": found["body"],
        "language": found["language"],
        "orientations": "\n".join(f"{o['code']}: {o['title']}" for o in found["orientations"]),
        "commitments": "\n".join(found["commitments"]),
        "signatory": found.get("signatory") or "",
        "effective_date": found.get("effective_date") or "",
        "next_review_date": found.get("next_review_date") or "",
    }


def _per_field(page, error):
    """The API names a bad orientation or commitment by its place in the list (orientations.2.title):
    the form has one field for the list, so its messages go there, with the line they are about."""
    if error.code != "validation_failed":
        return error
    details = {}
    for name, messages in error.field_errors.items():
        field, _, rest = name.partition(".")
        place = rest.split(".", 1)[0]
        if place.isdigit():
            messages = [page._("Line %(number)s: %(message)s", number=int(place) + 1, message=m) for m in messages]
        details.setdefault(field, []).extend(messages)
    return Refused(error.status, error.code, error.message, details)
