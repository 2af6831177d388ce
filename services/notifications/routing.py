"""Who must know what, as the services declare it (their manifests' notices, shared/notices.py): a
route per event type, from type to recipients in the event's council, and the kinds of deadline
they announce. This service subscribes to every routed type and to every announcing service's
deadlines; it names no service itself."""

from functools import lru_cache

from jouda import platform
from jouda.shared.notices import Notices, Route  # noqa: F401 - the declarations' vocabulary

# Notices the service writes itself (timers, webhook health): templates of its own, not subscriptions.
REMINDER_DUE_SOON, REMINDER_OVERDUE, REMINDER_ESCALATED = "reminder.due_soon", "reminder.overdue", "reminder.escalated"
WEBHOOK_DISABLED, DIGEST = "webhook.disabled", "digest"
OWN_NOTICES = (REMINDER_DUE_SOON, REMINDER_OVERDUE, REMINDER_ESCALATED, WEBHOOK_DISABLED)
OWN = "notifications"


@lru_cache(maxsize=1)
def declared() -> dict:
    """service -> its Notices, for every service that declares some."""
    return {manifest.name: manifest.notice_routes() for manifest in platform.manifests() if manifest.notices}


@lru_cache(maxsize=1)
def routes() -> dict:
    """event type -> Route."""
    return {event_type: route for notices in declared().values() for event_type, route in notices.routes.items()}


def route_of(event_type) -> Route:
    return routes()[event_type]


def kinds():
    """Every kind of notification a person may choose channels for (not an account's own e-mails)."""
    return (*(event_type for event_type, route in routes().items() if route.address is None), *OWN_NOTICES)


@lru_cache(maxsize=1)
def deadline_kinds() -> dict:
    return {kind: declared_kind for notices in declared().values() for kind, declared_kind in notices.deadlines.items()}


def deadline_kind(kind):
    return deadline_kinds().get(kind)


def deadline_publishers():
    """The services that announce deadlines: this service listens to their deadline.* events."""
    return sorted(service for service, notices in declared().items() if notices.deadlines)


def template_package(kind) -> str:
    """Where the words of a kind of notification are: the declaring service's templates, or ours."""
    for service, notices in declared().items():
        if kind in notices.routes:
            return platform.manifest(service).package
    return platform.manifest(OWN).package


def labels_of(kind, language, values) -> dict:
    """The words templates show for the codes in `values`: `{<field>_label}` for each field the service
    declaring `kind` gave labels for, and `{item_kind_label}` for a deadline's kind."""
    found = {}
    notices = next((n for n in declared().values() if kind in n.routes), None)
    for name, words in notices.labels.items() if notices is not None else ():
        if name in values:
            found[f"{name}_label"] = words.get(language, {}).get(values[name], values[name])
    if "item_kind" in values:
        deadline = deadline_kind(values["item_kind"])
        found["item_kind_label"] = (
            deadline.labels.get(language, values["item_kind"]) if deadline else values["item_kind"]
        )
    return found


def items_of(route, payload):
    """The payloads a routed event is notified as: each item of its list, or the event's own
    payload (an event of a version without the list, still queued at an upgrade, is one item)."""
    if route.items is not None and route.items in payload:
        return payload[route.items]
    return [payload]


def recipients(route, payload, staff):
    """User ids the event goes to. `staff`: (user_id, role, active) of the council."""
    if route.when is not None and not route.when(payload):
        return []
    active = [(user_id, role) for user_id, role, is_active in staff if is_active]
    chosen = {user_id for user_id, role in active if route.everyone or role in route.roles}
    known = {user_id for user_id, _ in active}
    chosen |= {user_id for user_id in named_users(route, payload) if user_id in known}
    return sorted(chosen)


def named_users(route, payload):
    """The user ids the route's payload fields hold: one id (an owner) or a list of them (auditees)."""
    for name in route.payload_users:
        value = payload.get(name)
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):
            yield from (user_id for user_id in value if isinstance(user_id, str))
