"""The notifications service's web pages: a person's inbox and preferences, the council's escalation
setting, and (quality managers) its webhooks and delivery log. Each calls the service's operations
(services/notifications/http.py) through the page."""

from jouda.services.gateway.web import N_
from jouda.services.notifications import domain, routing
from jouda.shared.pages import COUNCIL_ROLES, Refused, WebPage, form_list, form_text
from jouda.shared.vocabulary import DIRECTOR, LANGUAGES, QUALITY_MANAGER
from jouda.shared.web.i18n import NAMES

MANAGERS = frozenset({QUALITY_MANAGER})
INBOX_PAGE_SIZE = 20
DELIVERIES_PAGE_SIZE = 50


def _page(name, path, view, **options):
    return WebPage(name, path, f"jouda.services.notifications.pages:{view}", **options)


PAGES = (
    _page("inbox", "/inbox", "inbox", roles=COUNCIL_ROLES, methods=("GET", "POST")),
    _page(
        "preferences",
        "/preferences",
        "preferences",
        roles=COUNCIL_ROLES,
        methods=("GET", "POST"),
        group="settings",
        nav=N_("Notification preferences"),
        nav_order=40,
    ),
    _page(
        "notification_settings",
        "/settings/notifications",
        "notification_settings",
        roles=COUNCIL_ROLES,
        methods=("GET", "POST"),
        group="settings",
        nav=N_("Notification settings"),
        nav_order=41,
    ),
    _page(
        "webhooks",
        "/webhooks",
        "webhooks",
        roles=MANAGERS,
        methods=("GET", "POST"),
        group="settings",
        nav=N_("Webhooks"),
        nav_order=42,
    ),
    _page("webhook_deliveries", "/webhooks/deliveries", "deliveries", roles=MANAGERS),
)

KIND_LABELS = {
    "policy.submitted": N_("Quality policy submitted for approval"),
    "policy.approved": N_("Quality policy approved"),
    "policy.changes_requested": N_("Quality policy sent back for changes"),
    "policy.published": N_("New quality policy published"),
    "policy.review_due": N_("Quality policy review due"),
    "objective.status_changed": N_("Objective status changed"),
    "indicator.measurement_missing": N_("Indicator measurement missing"),
    "audit.prepared": N_("Audit prepared"),
    "audit.updated": N_("Audit changed"),
    "action.assigned": N_("Corrective action assigned to you"),
    "nonconformity.opened": N_("Nonconformity opened"),
    "nonconformity.recurrence_detected": N_("Recurring nonconformity detected"),
    "effectiveness.verified": N_("Effectiveness of corrective actions verified"),
    routing.REMINDER_DUE_SOON: N_("Deadline approaching"),
    routing.REMINDER_OVERDUE: N_("Deadline passed"),
    routing.REMINDER_ESCALATED: N_("Overdue item escalated"),
    routing.WEBHOOK_DISABLED: N_("Webhook switched off"),
}
CHANNEL_LABELS = {domain.INBOX: N_("Inbox"), domain.EMAIL: N_("E-mail"), domain.WEBHOOK: N_("Webhook")}
DELIVERY_STATUS_LABELS = {
    domain.PENDING: N_("Pending"),
    domain.SENT: N_("Sent"),
    domain.FAILED: N_("Failed"),
    domain.RETRYING: N_("Retrying"),
}
# Who the service's own notices can reach (the routed kinds say it in their routes).
OWN_NOTICE_ROLES = {
    routing.REMINDER_ESCALATED: frozenset({QUALITY_MANAGER, DIRECTOR}),
    routing.WEBHOOK_DISABLED: MANAGERS,
}
MANDATORY_OWN_NOTICES = frozenset({routing.REMINDER_OVERDUE, routing.REMINDER_ESCALATED, routing.WEBHOOK_DISABLED})


def _number(text, default=0):
    text = (text or "").strip()
    return int(text) if text.isdigit() else default


def _pages_of(listing):
    """The offsets of the previous and next pages of a listing ({items, total, limit, offset})."""
    limit, offset, total = listing["limit"], listing["offset"], listing["total"]
    previous = max(offset - limit, 0) if offset > 0 else None
    following = offset + limit if offset + limit < total else None
    return previous, following


# --- the inbox ------------------------------------------------------------------------------------


def inbox(page):
    unread_only = page.args.get("unread") == "1" or page.form.get("unread") == "1"
    offset = _number(page.args.get("offset") or page.form.get("offset"))
    if page.posted:
        if page.form.get("action") == "read_all":
            page.call("mark_all_read")
        else:
            page.call("mark_read", id=page.form.get("id", ""))
        back = page.url("/inbox", offset=offset or None, unread="1" if unread_only else None)
        return page.redirect(back, notice="done")
    listing = page.call(
        "inbox", query={"unread": "true" if unread_only else None, "limit": INBOX_PAGE_SIZE, "offset": offset}
    )
    for notification in listing["items"]:
        notification["href"] = _local_link(notification.get("link"))
        notification["paragraphs"] = [part for part in (notification.get("body") or "").split("\n\n") if part.strip()]
    newer, older = _pages_of(listing)
    return page.render(
        "notifications/inbox.html",
        listing=listing,
        unread_only=unread_only,
        offset=offset,
        newer=newer,
        older=older,
    )


def _local_link(link):
    """A notification points to a page of this site: only a path is made a link."""
    if link and link.startswith("/") and not link.startswith("//"):
        return link
    return None


# --- a person's preferences ---------------------------------------------------------------------------


def reaches(kind, role):
    """Whether a notification of `kind` can reach a person of `role` (the others are not offered)."""
    route = routing.routes().get(kind)
    if route is None:
        return role in OWN_NOTICE_ROLES.get(kind, COUNCIL_ROLES)
    return route.everyone or bool(route.payload_users) or role in route.roles


def is_mandatory(kind):
    route = routing.routes().get(kind)
    return route.mandatory if route is not None else kind in MANDATORY_OWN_NOTICES


def preferences(page):
    refused = None
    current = page.call("preferences")
    kinds = [kind for kind in routing.kinds() if reaches(kind, page.user.role)]
    if page.posted:
        chosen = _preferences_typed(page.form, kinds, current)
        try:
            page.call("set_preferences", chosen)
            return page.redirect("/preferences", notice="saved")
        except Refused as error:
            refused, current = error, chosen
    rows = [
        {
            "kind": kind,
            "label": KIND_LABELS.get(kind, kind),
            "mandatory": is_mandatory(kind),
            "channels": current.get("channels", {}).get(kind, list(domain.USER_CHANNELS)),
        }
        for kind in kinds
    ]
    return page.render(
        "notifications/preferences.html",
        rows=rows,
        channels=domain.USER_CHANNELS,
        channel_labels=CHANNEL_LABELS,
        language_options=[(code, NAMES.get(code, code)) for code in LANGUAGES],
        current=current,
        refused=refused,
    )


def _preferences_typed(form, kinds, current):
    """The preferences as the form has them; the kinds not offered keep what they were."""
    channels = dict(current.get("channels") or {})
    for kind in kinds:
        channels[kind] = [channel for channel in domain.USER_CHANNELS if channel in form_list(form, f"channel.{kind}")]
    return {"channels": channels, "language": form_text(form, "language"), "digest": form.get("digest") == "1"}


# --- the council's settings ---------------------------------------------------------------------------


def notification_settings(page):
    refused = None
    if page.posted:
        typed = (page.form.get("escalation_days") or "").strip()
        try:
            page.call("set_council_settings", {"escalation_days": int(typed) if typed.isdigit() else typed})
            return page.redirect("/settings/notifications", notice="saved")
        except Refused as error:
            refused = error
    settings = page.call("council_settings")
    return page.render(
        "notifications/settings.html",
        settings=settings,
        can_change=page.user.role in MANAGERS,
        refused=refused,
    )


# --- webhooks -----------------------------------------------------------------------------------------


def webhooks(page):
    refused, created = None, None
    if page.posted and page.form.get("delete"):
        page.call("delete_webhook", id=page.form["delete"])
        return page.redirect("/webhooks", notice="deleted")
    # Listed before registering: the secret is shown in this answer only, so there is no redirect.
    registered = page.call("list_webhooks")["items"]
    if page.posted:
        try:
            created = page.call("add_webhook", {"url": (page.form.get("url") or "").strip()})
            registered.append(created)
        except Refused as error:
            refused = error
    return page.render(
        "notifications/webhooks.html",
        webhooks=registered,
        created=created,
        refused=refused,
        max_webhooks=domain.MAX_WEBHOOKS,
        failures_to_disable=domain.WEBHOOK_FAILURES_TO_DISABLE,
    )


def deliveries(page):
    status = page.args.get("status") if page.args.get("status") in domain.DELIVERY_STATUSES else None
    channel = page.args.get("channel") if page.args.get("channel") in (domain.EMAIL, domain.WEBHOOK) else None
    offset = _number(page.args.get("offset"))
    listing = page.call(
        "list_deliveries",
        query={"status": status, "channel": channel, "limit": DELIVERIES_PAGE_SIZE, "offset": offset},
    )
    previous, following = _pages_of(listing)
    # A webhook's delivery names the webhook by its id: shown as its address while it exists.
    addresses = {webhook["id"]: webhook["url"] for webhook in page.call("list_webhooks")["items"]}
    for delivery in listing["items"]:
        delivery["recipient"] = addresses.get(delivery["target"], delivery["target"])
    return page.render(
        "notifications/deliveries.html",
        listing=listing,
        status=status,
        channel=channel,
        previous=previous,
        following=following,
        status_labels=DELIVERY_STATUS_LABELS,
        channel_labels=CHANNEL_LABELS,
        status_options=[(code, page._(label)) for code, label in DELIVERY_STATUS_LABELS.items()],
        channel_options=[(code, page._(CHANNEL_LABELS[code])) for code in (domain.EMAIL, domain.WEBHOOK)],
    )
