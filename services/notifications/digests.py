"""Daily digests: one e-mail a day for the people who chose it, with what would have been separate ones."""

from datetime import date

from jouda.services.notifications import domain, routing, templates
from jouda.services.notifications.notifier import email_delivery
from jouda.services.notifications.repository import NotificationsRepository
from jouda.shared.clock import utc_now


def councils_awaiting_digest(uow):
    return NotificationsRepository(uow.session).councils_awaiting_digest()


def send_digests(uow, today: date, public_url):
    """Once a day per person who chose it: one e-mail with what would have been separate ones.
    One council per unit of work; the people's preferences are locked (another replica's run
    skips them), and each records the day its digest left."""
    repo = NotificationsRepository(uow.session)
    waiting = {}
    for notification in repo.awaiting_digest():
        waiting.setdefault((notification.tenant_id, notification.user_id), []).append(notification)
    choices = repo.preferences([user_id for _, user_id in waiting], lock=True)
    people = repo.recipients([user_id for _, user_id in waiting])
    now, sent = utc_now(), 0
    for (tenant_id, user_id), notifications in waiting.items():
        preferences, person = choices.get(user_id), people.get(user_id)
        if preferences is None or person is None or preferences.last_digest_on == today:
            continue
        if not person.active:
            for notification in notifications:
                notification.email_state = domain.NO_EMAIL
            continue
        language = preferences.language or person.language
        items = templates.listing([n.subject for n in notifications], language)
        council = repo.council(tenant_id)
        rendered = templates.render(
            routing.DIGEST,
            language,
            {
                "recipient_name": person.name or person.email,
                "council": council.name if council else tenant_id,
                "link": public_url + "/",
                "count": len(notifications),
                "date": today.isoformat(),
                "items": items,
            },
        )
        repo.add(email_delivery(tenant_id, person, rendered, min(n.occurred_at for n in notifications), now))
        for notification in notifications:
            notification.email_state = domain.EMAIL_DIGESTED
        preferences.last_digest_on = today
        sent += 1
    uow.commit()
    return sent
