"""Creating notifications: each in its person's language, on the channels they chose, its e-mail
queued in the delivery log (alone, grouped with others of the same run, or held for the digest)."""

from types import SimpleNamespace

from jouda.services.notifications import domain, routing, templates
from jouda.services.notifications.metrics import NOTIFICATIONS_CREATED
from jouda.services.notifications.repository import NotificationsRepository
from jouda.shared.clock import local_today, utc_now


class Notifier:
    """Creates notifications, in each person's language and on the channels they chose.

    `grouped`: what one person receives from this unit of work (a timer's run, a list event)
    reaches them as one e-mail listing it all, while each item keeps its own inbox entry."""

    def __init__(self, uow, public_url, *, grouped=False):
        self.uow, self.public_url, self.grouped = uow, public_url, grouped
        self.repo = NotificationsRepository(uow.session)
        council = self.repo.council(uow.tenant_id) if uow.tenant_id is not None else None
        self.council = council.name if council is not None else uow.tenant_id
        self.created = 0
        self._emails = {}  # user id -> [(person, rendered, notification)] waiting for done()

    def notify(self, user_ids, kind, source_id, values, *, mandatory, link, occurred_at, people=None, choices=None):
        """`people`, `choices`: the recipients and their preferences by id, when the caller has loaded
        them already (for a whole batch)."""
        people = self.repo.recipients(user_ids) if people is None else people
        choices = self.repo.preferences(user_ids) if choices is None else choices
        now = utc_now()
        url = self.public_url + link
        for user_id in user_ids:
            person = people.get(user_id)
            if person is None or not person.active:
                continue
            preferences = choices.get(user_id)
            channels = domain.channels_for(preferences, kind, mandatory)
            if not channels:
                continue
            language = preferences.language if preferences is not None and preferences.language else person.language
            rendered = templates.render(
                kind,
                language,
                {**values, "recipient_name": person.name or person.email, "council": self.council, "link": url},
            )
            notification = domain.Notification(
                self.uow.tenant_id, user_id, source_id, kind, mandatory, rendered, link, occurred_at, now
            )
            notification.in_inbox = domain.INBOX in channels
            self.repo.add(notification)
            self.created += 1
            if domain.EMAIL in channels:
                if preferences is not None and preferences.digest:
                    notification.email_state = domain.EMAIL_IN_DIGEST
                else:
                    notification.email_state = domain.EMAIL_QUEUED
                    self._emails.setdefault(user_id, []).append((person, rendered, notification))
                    if not self.grouped:
                        self._queue_emails(user_id, language)

    def _queue_emails(self, user_id, language):
        waiting = self._emails.pop(user_id)
        person, rendered, notification = waiting[0]
        now = utc_now()
        if len(waiting) == 1:
            self.repo.add(
                email_delivery(self.uow.tenant_id, person, rendered, notification.occurred_at, now, notification.id)
            )
            return
        summary = templates.render(
            routing.DIGEST,
            language,
            {
                "recipient_name": person.name or person.email,
                "council": self.council,
                "link": self.public_url + "/",
                "count": len(waiting),
                "date": local_today().isoformat(),
                "items": templates.listing([r.subject for _, r, _ in waiting], language),
            },
        )
        self.repo.add(
            email_delivery(self.uow.tenant_id, person, summary, min(n.occurred_at for _, _, n in waiting), now)
        )

    def write_to(self, address, kind, values, occurred_at):
        """An e-mail to an address of the event's, in the language it gives: a person who may not be
        known here yet, or may not sign in (an invitation, a password reset)."""
        person = SimpleNamespace(email=address, name=values.get("name"))
        rendered = templates.render(
            kind, values.get("language"), {**values, "recipient_name": person.name or address, "council": self.council}
        )
        tenant_id = self.uow.tenant_id or domain.NO_COUNCIL
        self.repo.add(email_delivery(tenant_id, person, rendered, occurred_at, utc_now()))

    def queue_grouped(self):
        """Queues the e-mails held back for grouping; returns how many notifications were created."""
        for user_id, waiting in list(self._emails.items()):
            self._queue_emails(user_id, waiting[0][1].language)
        return self.created

    def done(self):
        """Everything created, committed."""
        self.queue_grouped()
        self.uow.commit()
        if self.created:
            NOTIFICATIONS_CREATED.labels(self.uow.tenant_id).inc(self.created)


def staff_of(people):
    """(user_id, role, active) of each person, as the routing table reads them."""
    return [(person.user_id, person.role, person.active) for person in people.values()]


def email_delivery(tenant_id, person, rendered, occurred_at, now, notification_id=None):
    return domain.Delivery(
        tenant_id,
        domain.EMAIL,
        person.email,
        {
            "to": person.email,
            "name": person.name,
            "subject": rendered.subject,
            "text": rendered.text,
            "html": rendered.html,
            "language": rendered.language,
        },
        occurred_at,
        now,
        notification_id,
    )
