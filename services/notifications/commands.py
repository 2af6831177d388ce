"""Use cases of the notifications service: applying events (who is who, what happened), the
inbox and preferences, webhooks, the delivery log, and the timers' work (deliveries, digests,
reminders). Each takes an open unit of work, applies the domain and commits."""
import logging
from contextlib import contextmanager
from datetime import date, timedelta

from jouda.services.notifications import channels, domain, routing, templates
from jouda.services.notifications.metrics import DELIVERIES, DELIVERY_LATENCY, NOTIFICATIONS_CREATED
from jouda.services.notifications.repository import NotificationsRepository
from jouda.services.notifications.schemas import (CouncilSettingsSchema, DeliverySchema, NotificationSchema,
                                                  PreferencesSchema, WebhookInputSchema, WebhookSchema)
from jouda.shared.clock import as_utc, local_today, not_older, utc_now
from jouda.shared.events.envelope import occurred_at
from jouda.shared.errors import CommitUnconfirmed, ValidationFailed, database_outages, require_role
from jouda.shared.events.catalogue import COUNCIL_ROLES
from jouda.shared.schema_fields import check_choice, check_page, load_or_raise
from jouda.shared.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

QUALITY_MANAGERS = frozenset({routing.QUALITY_MANAGER})
# Reminders before a due date, by kind of item (the policy service announces a review 30 days ahead).
REMINDER_DAYS = {"objective": (30, 7, 1), "policy_review": (7, 1)}


# --- who is who -------------------------------------------------------------------------------------

def record_recipient(uow, event):
    """gateway.user_created / user_updated (v2): contact details, role, language, active.
    Events can arrive out of order: an older one never overwrites a newer."""
    payload, as_of = event["payload"], occurred_at(event)
    if payload["role"] not in COUNCIL_ROLES or "email" not in payload:
        uow.commit()  # platform users, or a v1 event without contact details
        return
    repo = NotificationsRepository(uow.session)
    recipient = repo.recipient(payload["user_id"])
    if recipient is None:
        repo.add(domain.Recipient(payload["user_id"], uow.tenant_id, payload["role"], payload["active"],
                                  payload["email"], payload["name"], payload["language"], as_of))
    elif not_older(as_of, recipient.as_of):
        recipient.role, recipient.active, recipient.email = payload["role"], payload["active"], payload["email"]
        recipient.name, recipient.language, recipient.as_of = payload["name"], payload["language"], as_of
    uow.commit()


def record_council(uow, event):
    NotificationsRepository(uow.session).locked_council(event["payload"]["code"]).name = event["payload"]["name"]
    uow.commit()


# --- what happened ------------------------------------------------------------------------------------

class Notifier:
    """Creates notifications, in each person's language and on the channels they chose.

    `grouped`: what one person receives from this unit of work (a timer's run, a list event)
    reaches them as one e-mail listing it all, while each item keeps its own inbox entry."""

    def __init__(self, uow, public_url, *, grouped=False):
        self.uow, self.public_url, self.grouped = uow, public_url, grouped
        self.repo = NotificationsRepository(uow.session)
        council = self.repo.council(uow.tenant_id)
        self.council = council.name if council is not None else uow.tenant_id
        self.created = 0
        self._emails = {}  # user id -> [(person, rendered, notification)] waiting for done()

    def notify(self, user_ids, kind, source_id, values, *, mandatory, link, occurred_at, people=None):
        """`people`: the recipients by id when the caller has loaded them already."""
        people = self.repo.recipients(user_ids) if people is None else people
        choices = self.repo.preferences(user_ids)
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
            language = (preferences.language if preferences is not None and preferences.language
                        else person.language)
            rendered = templates.render(kind, language, {**values, "recipient_name": person.name or person.email,
                                                         "council": self.council, "link": url})
            notification = domain.Notification(self.uow.tenant_id, user_id, source_id, kind, mandatory, rendered,
                                               link, occurred_at, now)
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
            self.repo.add(email_delivery(self.uow.tenant_id, person, rendered, notification.occurred_at, now,
                                         notification.id))
            return
        summary = templates.render(routing.DIGEST, language, {
            "recipient_name": person.name or person.email, "council": self.council, "link": self.public_url + "/",
            "count": len(waiting), "date": local_today().isoformat(),
            "items": templates.listing([r.subject for _, r, _ in waiting], language)})
        self.repo.add(email_delivery(self.uow.tenant_id, person, summary,
                                     min(n.occurred_at for _, _, n in waiting), now))

    def done(self):
        for user_id, waiting in list(self._emails.items()):
            self._queue_emails(user_id, waiting[0][1].language)
        self.uow.commit()
        if self.created:
            NOTIFICATIONS_CREATED.labels(self.uow.tenant_id).inc(self.created)


def staff_of(people):
    """(user_id, role, active) of each person, as the routing table reads them."""
    return [(person.user_id, person.role, person.active) for person in people.values()]


def email_delivery(tenant_id, person, rendered, occurred_at, now, notification_id=None):
    return domain.Delivery(tenant_id, domain.EMAIL, person.email, {
        "to": person.email, "name": person.name, "subject": rendered.subject, "text": rendered.text,
        "html": rendered.html, "language": rendered.language}, occurred_at, now, notification_id)


def on_event(uow, event, public_url):
    """A routed event: its notifications (one per item of a list event, their e-mails grouped per
    person), its webhook deliveries, and what reminders follow."""
    event_type, payload = event["type"], event["payload"]
    route = routing.ROUTES[event_type]
    occurred = occurred_at(event)
    items = routing.items_of(route, payload)
    notifier = Notifier(uow, public_url, grouped=len(items) > 1)
    named = [item[name] for item in items for name in route.payload_users if isinstance(item.get(name), str)]
    people = notifier.repo.people(None if route.everyone else route.roles, named)
    for index, item in enumerate(items):
        source_id = event["event_id"] if item is payload else f"{event['event_id']}:{index}"
        user_ids = routing.recipients(route, item, staff_of(people))
        notifier.notify(user_ids, event_type, source_id, item, mandatory=route.mandatory,
                        link=route.link.format_map(item), occurred_at=occurred, people=people)
    now = utc_now()
    for webhook in notifier.repo.webhooks(active_only=True):
        notifier.repo.add(domain.Delivery(uow.tenant_id, domain.WEBHOOK, webhook.id, {"envelope": event},
                                          occurred, now))
    if event_type == "policy.published":
        track(uow, "policy_review", payload["policy_id"], payload["title"], payload["next_review_date"], None,
              occurred, reset=True)
    notifier.done()


def on_objective(uow, event):
    """objective.created / updated: its due date, owner and state, for reminders."""
    payload = event["payload"]
    item = track(uow, "objective", payload["objective_id"], payload["title"], payload["due_date"],
                 payload["owner_id"], occurred_at(event))
    if item is not None:
        item.handled = payload["state"] != "active"
    uow.commit()


def track(uow, kind, ref_id, title, due_date, owner_id, as_of, *, reset=False):
    """The tracked item, created or brought up to date unless the event is older than it."""
    repo = NotificationsRepository(uow.session)
    due = date.fromisoformat(due_date) if isinstance(due_date, str) else due_date
    # One upsert, then the row locked: an objective's created and updated events may be applied at
    # the same moment by two workers, and the second must update the first's row, not fail on it.
    created = domain.TrackedItem(uow.tenant_id, kind, str(ref_id), title, due, owner_id, as_of)
    if repo.add_tracked_item(created):
        return repo.tracked_item(kind, ref_id)
    item = repo.tracked_item(kind, ref_id, for_update=True)
    if not not_older(as_of, item.as_of):
        return None
    if reset or item.due_date != due:  # a new review cycle, or a new deadline: reminders start again
        repo.forget_reminders(item.id)
        item.handled = False
    item.title, item.due_date, item.owner_id, item.as_of = title, due, owner_id, as_of
    return item


# --- the inbox and preferences ------------------------------------------------------------------------

def inbox(uow, unread_only=False, limit=50, offset=0):
    check_page(limit, offset)
    items, total = NotificationsRepository(uow.session).inbox(uow.actor, unread_only=unread_only,
                                                              limit=limit, offset=offset)
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
    unknown = sorted(set(data.get("channels", {})) - set(routing.KINDS))
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
    require_role(uow.role, QUALITY_MANAGERS, "change when overdue items are escalated")
    data = load_or_raise(CouncilSettingsSchema(), data)
    repo = NotificationsRepository(uow.session)
    repo.locked_council(uow.tenant_id).escalation_days = data["escalation_days"]
    uow.commit()
    return data


# --- webhooks and the delivery log --------------------------------------------------------------------

def add_webhook(uow, data, *, allow_private, resolve):
    require_role(uow.role, QUALITY_MANAGERS, "register webhooks")
    data = load_or_raise(WebhookInputSchema(), data)
    domain.check_webhook_url(data["url"], resolve, allow_private)
    repo = NotificationsRepository(uow.session)
    repo.locked_council(uow.tenant_id)  # concurrent registrations count in turn
    if len(repo.webhooks()) >= domain.MAX_WEBHOOKS:
        raise domain.TooManyWebhooks(f"A council has at most {domain.MAX_WEBHOOKS} webhooks; delete one first.")
    webhook = domain.Webhook(uow.tenant_id, data["url"], uow.actor, utc_now())
    repo.add(webhook)
    uow.commit()
    return WebhookSchema(with_secret=True).dump(webhook)


def list_webhooks(uow):
    require_role(uow.role, QUALITY_MANAGERS, "see the webhooks")
    return {"items": WebhookSchema(many=True).dump(NotificationsRepository(uow.session).webhooks())}


def delete_webhook(uow, webhook_id):
    require_role(uow.role, QUALITY_MANAGERS, "delete webhooks")
    repo = NotificationsRepository(uow.session)
    uow.session.delete(repo.webhook(webhook_id, for_update=True))
    uow.commit()
    return {"deleted": str(webhook_id)}


def list_deliveries(uow, status=None, channel=None, limit=50, offset=0):
    require_role(uow.role, QUALITY_MANAGERS, "see the delivery log")
    check_choice("status", status, domain.DELIVERY_STATUSES)
    check_choice("channel", channel, (domain.EMAIL, domain.WEBHOOK))
    check_page(limit, offset)
    items, total = NotificationsRepository(uow.session).deliveries(status=status, channel=channel, limit=limit,
                                                                   offset=offset)
    return {"items": DeliverySchema(many=True).dump(items), "total": total, "limit": limit, "offset": offset}


# --- timers -------------------------------------------------------------------------------------------

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
        rendered = templates.render(routing.DIGEST, language, {
            "recipient_name": person.name or person.email, "council": council.name if council else tenant_id,
            "link": public_url + "/",
            "count": len(notifications), "date": today.isoformat(), "items": items})
        repo.add(email_delivery(tenant_id, person, rendered, min(n.occurred_at for n in notifications), now))
        for notification in notifications:
            notification.email_state = domain.EMAIL_DIGESTED
        preferences.last_digest_on = today
        sent += 1
    uow.commit()
    return sent


def _horizon(today):
    return date.fromordinal(today.toordinal() + max(max(days) for days in REMINDER_DAYS.values()))


def councils_with_open_items(uow, today: date):
    return NotificationsRepository(uow.session).councils_with_open_items(_horizon(today))


def send_reminders(uow, today: date, public_url):
    """Reminders before due dates, overdue notices and escalations, each once (one council)."""
    repo = NotificationsRepository(uow.session)
    council = repo.council(uow.tenant_id)
    escalation_days = council.escalation_days if council is not None else domain.DEFAULT_ESCALATION_DAYS
    items = repo.open_items(_horizon(today))
    sent_marks = repo.sent_marks([item.id for item in items])
    people = repo.people()
    staff = staff_of(people)
    notifier = Notifier(uow, public_url, grouped=True)
    for item in items:
        marks = sent_marks.get(item.id, set())
        skipped = {f"{domain.DUE_SOON}_{d}" for d in domain.REMINDER_DAYS if d not in REMINDER_DAYS[item.kind]}
        for mark, kind, days in domain.reminders_due(item, today, marks | skipped, escalation_days):
            to = _reminder_recipients(item, mark, staff)
            owner = notifier.repo.recipient(item.owner_id) if item.owner_id else None
            values = {"item_title": item.title, "item_kind": item.kind, "due_date": item.due_date.isoformat(),
                      "days_left": days, "days_overdue": days,
                      "owner_name": (owner.name or owner.email) if owner else notifier.council}
            # Keyed by the due date too: a new deadline starts its reminders again.
            notifier.notify(to, kind, f"{item.id}:{mark}:{item.due_date.isoformat()}", values,
                            mandatory=not mark.startswith(domain.DUE_SOON),
                            link=_item_link(item), occurred_at=utc_now(), people=people)
            repo.add(domain.ReminderSent(item, mark, today))
    notifier.done()
    return notifier.created


def _reminder_recipients(item, mark, staff):
    by_role = {}
    for user_id, role, active in staff:
        if active:
            by_role.setdefault(role, []).append(user_id)
    if mark == domain.ESCALATED_QM:
        return sorted(by_role.get(routing.QUALITY_MANAGER, []))
    if mark == domain.ESCALATED_DIRECTOR:
        return sorted(by_role.get(routing.DIRECTOR, []))
    active = {user_id for user_id, _, is_active in staff if is_active}
    if item.owner_id in active:
        return [item.owner_id]
    return sorted(by_role.get(routing.QUALITY_MANAGER, []))


def _item_link(item):
    return f"/objectives/{item.ref_id}" if item.kind == "objective" else "/policies/current"


# --- the dispatcher -------------------------------------------------------------------------------------

DISPATCH_BATCH = 25  # deliveries claimed at once
# A claimed delivery is not due again before this (JOUDA_DELIVERY_LEASE_SECONDS): a dispatcher that
# dies between sending and recording the outcome leaves it to be tried once more after the lease.
CLAIM_LEASE = timedelta(minutes=5)


def dispatch(database, mailer, now, *, retry_base_seconds, allow_private, resolve, unrecorded,
             limit=DISPATCH_BATCH, lease=CLAIM_LEASE):
    """Sends the due deliveries of every council and records each outcome.

    The batch is claimed in one short transaction; then each delivery is sent and its outcome
    committed on its own, so a delivery that cannot be built or sent fails alone (its reason in
    the delivery log) and what was sent before it stays recorded as sent.

    `unrecorded`: the caller's list of attempts made whose outcome the database did not take (it
    went away). They are written first, before anything new is claimed: were they claimed again
    once their lease ran out, what was sent would go out twice. A database error ends the round.
    Returns (how many were attempted, the webhooks this round switched off). The mailer's SMTP
    connection is the caller's to keep open between rounds and to close."""
    if unrecorded:
        with database.system_connection() as connection:
            while unrecorded:
                NotificationsRepository.record_outcome(connection, unrecorded[0])
                unrecorded.pop(0)
    with UnitOfWork(database, None, all_tenants=True) as uow:
        due = [delivery for delivery in NotificationsRepository(uow.session).due_deliveries(now, limit)
               if domain.claim(delivery, now, lease)]
        uow.commit()
    disabled, smtp_down = [], None
    # An outcome lost in a crash of the database server itself means one more attempt of that
    # delivery after the lease, as a dispatcher's own crash does: not worth a disk flush per e-mail.
    with database.system_connection(flush_each_commit=False) as connection:
        for delivery in due:
            if delivery.channel == domain.EMAIL:
                if smtp_down is not None:  # the server was unreachable this round already: no new attempt
                    _failed(delivery, smtp_down, now, retry_base_seconds)
                else:
                    smtp_down = _send_email(delivery, mailer, now, retry_base_seconds)
                with _kept_if_unwritten(delivery, unrecorded):
                    NotificationsRepository.record_outcome(connection, delivery)  # committed: autocommit
            else:
                with UnitOfWork(database, None, all_tenants=True) as uow:
                    repo = NotificationsRepository(uow.session)
                    webhook = _send_webhook(repo, delivery, now, retry_base_seconds, allow_private, resolve)
                    NotificationsRepository.record_outcome(uow.session, delivery)
                    with _kept_if_unwritten(delivery, unrecorded):
                        uow.commit()
                if webhook is not None:
                    disabled.append(webhook)
    return len(due), [(w.tenant_id, w.id) for w in disabled]


@contextmanager
def _kept_if_unwritten(delivery, unrecorded):
    """The attempt is made: if its outcome cannot be written now, it is kept to be written first
    next round (the claimed deliveries not tried yet simply come back after their lease)."""
    try:
        yield
    except (*database_outages(), CommitUnconfirmed):
        unrecorded.append(delivery)
        log.warning("the outcome of delivery %s waits for the database (%d waiting)", delivery.id, len(unrecorded))
        raise


def _send_email(delivery, mailer, now, retry_base_seconds):
    payload = delivery.payload
    try:
        message = channels.email_message(mailer.mail_from, payload["to"], payload.get("name"), payload["subject"],
                                         payload["text"], payload["html"])
    except Exception as exc:  # noqa: BLE001 - it will never build: this one fails, the others go on
        log.error("e-mail %s cannot be built: %s", delivery.id, exc)
        _failed(delivery, f"the message cannot be built: {type(exc).__name__}: {exc}", now, retry_base_seconds,
                permanent=True)
        return None
    try:
        mailer.send(message)
    except channels.DeliveryFailed as error:
        log.warning("e-mail not sent%s: %s", "" if error.permanent else ", will retry", error)
        _failed(delivery, error, now, retry_base_seconds, permanent=error.permanent)
        return error if error.server_down else None
    except Exception as exc:  # noqa: BLE001 - unexpected: retried later like any failed attempt
        log.exception("e-mail %s failed unexpectedly", delivery.id)
        _failed(delivery, f"{type(exc).__name__}: {exc}", now, retry_base_seconds)
        return None
    _sent(delivery)
    return None


def _send_webhook(repo, delivery, now, retry_base_seconds, allow_private, resolve):
    try:
        webhook = repo.webhook(delivery.target, for_update=True)
    except domain.WebhookNotFound:
        _failed(delivery, "the webhook was deleted", now, retry_base_seconds, permanent=True)
        return None
    if not webhook.active:
        _failed(delivery, "the webhook is disabled", now, retry_base_seconds, permanent=True)
        return None
    try:
        # Checked again (the address may have changed since), and sent to the very address checked.
        addresses = domain.check_webhook_url(webhook.url, resolve, allow_private)
        channels.post_webhook(webhook.url, webhook.secret, delivery.payload["envelope"], addresses[0])
    except (channels.DeliveryFailed, ValidationFailed) as error:
        message = getattr(error, "message", None) or str(error)
        _failed(delivery, message, now, retry_base_seconds)
        return webhook if domain.webhook_result(webhook, False, message, now) else None
    domain.webhook_result(webhook, True)
    _sent(delivery)
    return None


def _sent(delivery):
    now = utc_now()  # when this one left, not when the round began
    domain.delivered(delivery, now)
    DELIVERIES.labels(delivery.tenant_id, delivery.channel, "sent").inc()
    DELIVERY_LATENCY.labels(delivery.channel).observe(max(0.0, (now - as_utc(delivery.occurred_at)).total_seconds()))


def _failed(delivery, error, now, retry_base_seconds, *, permanent=False):
    max_attempts = delivery.attempts if permanent else domain.MAX_ATTEMPTS[delivery.channel]
    given_up = domain.attempt_failed(delivery, error, now, retry_base_seconds, max_attempts)
    DELIVERIES.labels(delivery.tenant_id, delivery.channel, "failed" if given_up else "retrying").inc()


def notify_webhook_disabled(uow, webhook_id, public_url):
    """The quality managers learn that their webhook was switched off, and why."""
    repo = NotificationsRepository(uow.session)
    webhook = repo.webhook(webhook_id)
    notifier = Notifier(uow, public_url)
    managers = sorted(repo.people((routing.QUALITY_MANAGER,)))
    notifier.notify(managers, routing.WEBHOOK_DISABLED, f"{webhook.id}:disabled:{webhook.disabled_at.isoformat()}",
                    {"url": webhook.url, "failures": webhook.consecutive_failures,
                     "last_error": webhook.last_error or ""},
                    mandatory=True, link="/webhooks", occurred_at=utc_now())
    notifier.done()
