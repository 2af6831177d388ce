"""A person's inbox and preferences, and the council's escalation setting."""

from jouda.services.notifications import domain, routing
from jouda.services.notifications.repository import NotificationsRepository
from jouda.services.notifications.schemas import CouncilSettingsSchema, NotificationSchema, PreferencesSchema
from jouda.shared.clock import utc_now
from jouda.shared.errors import ValidationFailed
from jouda.shared.schema_fields import check_page, load_or_raise


def inbox(uow, unread_only=False, limit=50, offset=0):
    check_page(limit, offset)
    items, total = NotificationsRepository(uow.session).inbox(
        uow.actor, unread_only=unread_only, limit=limit, offset=offset
    )
    return {"items": NotificationSchema(many=True).dump(items), "total": total, "limit": limit, "offset": offset}


def unread_count(uow):
    return {"unread": NotificationsRepository(uow.session).unread_count(uow.actor)}


def mark_read(uow, notification_id):
    notification = NotificationsRepository(uow.session).notification(notification_id, uow.actor)
    if notification.read_at is None:
        notification.read_at = utc_now()
    uow.commit()
    return NotificationSchema().dump(notification)


def mark_all_read(uow):
    count = NotificationsRepository(uow.session).mark_all_read(uow.actor, utc_now())
    uow.commit()
    return {"marked": count}


def preferences(uow):
    found = NotificationsRepository(uow.session).preferences([uow.actor]).get(uow.actor)
    return PreferencesSchema().dump(found or domain.Preferences(uow.actor, uow.tenant_id))


def set_preferences(uow, data):
    data = load_or_raise(PreferencesSchema(), data)
    unknown = sorted(set(data.get("channels", {})) - set(routing.kinds()))
    if unknown:
        raise ValidationFailed("Unknown kinds of notification.", {"channels": {k: ["Unknown."] for k in unknown}})
    repo = NotificationsRepository(uow.session)
    found = repo.preferences([uow.actor]).get(uow.actor)
    if found is None:
        found = domain.Preferences(uow.actor, uow.tenant_id)
        repo.add(found)
    for name, value in data.items():
        setattr(found, name, value)
    uow.commit()
    return PreferencesSchema().dump(found)


def council_settings(uow):
    council = NotificationsRepository(uow.session).council(uow.tenant_id)
    return {"escalation_days": council.escalation_days if council else domain.DEFAULT_ESCALATION_DAYS}


def set_council_settings(uow, data):
    data = load_or_raise(CouncilSettingsSchema(), data)
    repo = NotificationsRepository(uow.session)
    repo.locked_council(uow.tenant_id).escalation_days = data["escalation_days"]
    uow.commit()
    return data
