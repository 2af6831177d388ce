"""Deadlines any service announces (deadline.set / deadline.cleared, shared/events/contracts.py): the items
followed, and the reminders before their due date, the overdue notice and the escalation after it,
each once. The kinds, their names and reminder days are the announcing services' (their notices)."""

from datetime import date

from jouda.services.notifications import domain, routing
from jouda.services.notifications.notifier import Notifier, staff_of
from jouda.services.notifications.repository import NotificationsRepository
from jouda.shared.clock import not_older, utc_now
from jouda.shared.events.envelope import occurred_at
from jouda.shared.vocabulary import DIRECTOR, QUALITY_MANAGER


def on_deadline_set(uow, event):
    payload = event["payload"]
    track(
        uow,
        payload["kind"],
        payload["ref_id"],
        payload["title"],
        payload["due_date"],
        payload["owner_id"],
        payload["link"],
        occurred_at(event),
        reset=payload.get("restart", False),
    )
    uow.commit()


def on_deadline_cleared(uow, event):
    payload = event["payload"]
    item = NotificationsRepository(uow.session).tracked_item(payload["kind"], payload["ref_id"], for_update=True)
    if item is not None and not_older(occurred_at(event), item.as_of):
        item.handled, item.as_of = True, occurred_at(event)
    uow.commit()


def track(uow, kind, ref_id, title, due_date, owner_id, link, as_of, *, reset=False):
    """The tracked item, created or brought up to date unless the event is older than it; followed
    again (not handled) once set again."""
    repo = NotificationsRepository(uow.session)
    due = date.fromisoformat(due_date) if isinstance(due_date, str) else due_date
    # One upsert, then the row locked: two announcements applied at the same moment by two workers
    # must update one row, not fail on it.
    if repo.add_tracked_item(domain.TrackedItem(uow.tenant_id, kind, str(ref_id), title, due, owner_id, link, as_of)):
        return repo.tracked_item(kind, ref_id)
    item = repo.tracked_item(kind, ref_id, for_update=True)
    if not not_older(as_of, item.as_of):
        return None
    if reset or item.due_date != due:  # a new cycle, or a new deadline: reminders start again
        repo.forget_reminders(item.id)
    item.title, item.due_date, item.owner_id, item.link, item.as_of = title, due, owner_id, link, as_of
    item.handled = False
    return item


def _horizon(today):
    """The farthest due date a reminder may already concern."""
    farthest = max(
        (max(kind.reminder_days) for kind in routing.deadline_kinds().values()), default=max(domain.REMINDER_DAYS)
    )
    return date.fromordinal(today.toordinal() + farthest)


def councils_with_open_items(uow, today: date):
    return NotificationsRepository(uow.session).councils_with_open_items(_horizon(today))


def send_reminders(uow, today: date, public_url):
    """Reminders before due dates, overdue notices and escalations, each once (one council); what one
    person receives from a run reaches them as one e-mail."""
    repo = NotificationsRepository(uow.session)
    council = repo.council(uow.tenant_id)
    escalation_days = council.escalation_days if council is not None else domain.DEFAULT_ESCALATION_DAYS
    items = repo.open_items(_horizon(today))
    sent_marks = repo.sent_marks([item.id for item in items])
    people = repo.people()
    staff = staff_of(people)
    notifier = Notifier(uow, public_url, grouped=True)
    for item in items:
        kind = routing.deadline_kind(item.kind)
        reminder_days = kind.reminder_days if kind is not None else domain.REMINDER_DAYS
        for mark, notice, days in domain.reminders_due(
            item, today, sent_marks.get(item.id, set()), escalation_days, reminder_days
        ):
            owner = repo.recipient(item.owner_id) if item.owner_id else None
            values = {
                "item_title": item.title,
                "item_kind": item.kind,
                "due_date": item.due_date.isoformat(),
                "days_left": days,
                "days_overdue": days,
                "owner_name": (owner.name or owner.email) if owner else notifier.council,
            }
            # Keyed by the due date too: a new deadline starts its reminders again.
            notifier.notify(
                _reminder_recipients(item, mark, staff),
                notice,
                f"{item.id}:{mark}:{item.due_date.isoformat()}",
                values,
                mandatory=not mark.startswith(domain.DUE_SOON),
                link=item.link,
                occurred_at=utc_now(),
                people=people,
            )
            repo.add(domain.ReminderSent(item, mark, today))
    notifier.done()
    return notifier.created


def _reminder_recipients(item, mark, staff):
    by_role = {}
    for user_id, role, active in staff:
        if active:
            by_role.setdefault(role, []).append(user_id)
    if mark == domain.ESCALATED_QM:
        return sorted(by_role.get(QUALITY_MANAGER, []))
    if mark == domain.ESCALATED_DIRECTOR:
        return sorted(by_role.get(DIRECTOR, []))
    active = {user_id for user_id, _, is_active in staff if is_active}
    if item.owner_id in active:
        return [item.owner_id]
    return sorted(by_role.get(QUALITY_MANAGER, []))
