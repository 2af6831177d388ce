"""Queries of the notifications service. Tenant filtering is applied centrally (shared.tenancy)."""

from sqlalchemy import delete, func, or_, select, update

from jouda.services.notifications import domain, models
from jouda.shared.db import upsert


class NotificationsRepository:
    def __init__(self, session):
        self.session = session

    def add(self, *objects):
        self.session.add_all(objects)

    # --- people ---------------------------------------------------------------------------------
    def recipient(self, user_id):
        return self.session.get(domain.Recipient, user_id)

    def recipients(self, user_ids):
        if not user_ids:
            return {}
        return {
            r.user_id: r
            for r in self.session.scalars(select(domain.Recipient).where(domain.Recipient.user_id.in_(user_ids)))
        }

    def people(self, roles=None, user_ids=()):
        """The council's active people by id: all of them, or those of `roles` and those named in
        `user_ids`."""
        query = select(domain.Recipient).where(domain.Recipient.active.is_(True))
        if roles is not None:
            query = query.where(or_(domain.Recipient.role.in_(roles), domain.Recipient.user_id.in_(list(user_ids))))
        return {person.user_id: person for person in self.session.scalars(query)}

    def council(self, tenant_id):
        return self.session.get(domain.Council, tenant_id)

    def locked_council(self, tenant_id):
        """The council's row, locked until the transaction ends (created, named by its code, if its
        gateway.tenant_created has not arrived yet): what counts a council's things and then adds
        one (webhooks under their cap) holds it, so two requests cannot both pass the count."""
        statement = upsert(self.session, models.councils).values(
            tenant_id=tenant_id, name=tenant_id, escalation_days=domain.DEFAULT_ESCALATION_DAYS
        )
        self.session.execute(statement.on_conflict_do_nothing(index_elements=["tenant_id"]))
        return self.session.scalars(
            select(domain.Council).where(domain.Council.tenant_id == tenant_id).with_for_update()
        ).one()

    def preferences(self, user_ids, *, lock=False):
        if not user_ids:
            return {}
        query = select(domain.Preferences).where(domain.Preferences.user_id.in_(user_ids))
        if lock:
            query = query.with_for_update(skip_locked=True)
        return {p.user_id: p for p in self.session.scalars(query)}

    # --- the inbox --------------------------------------------------------------------------------
    def inbox(self, user_id, *, unread_only, limit, offset):
        where = [domain.Notification.user_id == user_id, domain.Notification.in_inbox.is_(True)]
        if unread_only:
            where.append(domain.Notification.read_at.is_(None))
        total = self.session.scalar(select(func.count()).select_from(domain.Notification).where(*where))
        items = self.session.scalars(
            select(domain.Notification)
            .where(*where)
            .order_by(domain.Notification.created_at.desc(), domain.Notification.id)
            .limit(limit)
            .offset(offset)
        ).all()
        return items, total

    def unread_count(self, user_id):
        return self.session.scalar(
            select(func.count())
            .select_from(domain.Notification)
            .where(
                domain.Notification.user_id == user_id,
                domain.Notification.in_inbox.is_(True),
                domain.Notification.read_at.is_(None),
            )
        )

    def notification(self, notification_id, user_id):
        found = self.session.scalars(
            select(domain.Notification).where(
                domain.Notification.id == str(notification_id),
                domain.Notification.user_id == user_id,
                domain.Notification.in_inbox.is_(True),
            )
        ).first()
        if found is None:
            raise domain.NotificationNotFound(f"No notification {notification_id}.", {"id": str(notification_id)})
        return found

    def mark_all_read(self, user_id, now):
        return self.session.execute(
            update(domain.Notification)
            .where(
                domain.Notification.user_id == user_id,
                domain.Notification.in_inbox.is_(True),
                domain.Notification.read_at.is_(None),
            )
            .values(read_at=now)
        ).rowcount

    def councils_awaiting_digest(self):
        return self.session.scalars(
            select(domain.Notification.tenant_id)
            .distinct()
            .where(domain.Notification.email_state == domain.EMAIL_IN_DIGEST)
        ).all()

    def awaiting_digest(self):
        return self.session.scalars(
            select(domain.Notification)
            .where(domain.Notification.email_state == domain.EMAIL_IN_DIGEST)
            .order_by(domain.Notification.user_id, domain.Notification.created_at)
        ).all()

    # --- deliveries and webhooks --------------------------------------------------------------------
    def due_deliveries(self, now, limit):
        """Due deliveries of every council (a system session); rows another dispatcher holds are skipped."""
        return self.session.scalars(
            select(domain.Delivery)
            .where(
                domain.Delivery.status.in_((domain.PENDING, domain.RETRYING)), domain.Delivery.next_attempt_at <= now
            )
            .order_by(domain.Delivery.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()

    @staticmethod
    def record_outcome(connection, delivery):
        """Writes an attempt's outcome on a delivery claimed (and loaded) earlier."""
        connection.execute(
            update(models.deliveries)
            .where(models.deliveries.c.id == delivery.id)
            .values(
                status=delivery.status,
                attempts=delivery.attempts,
                last_error=delivery.last_error,
                next_attempt_at=delivery.next_attempt_at,
                sent_at=delivery.sent_at,
            )
        )

    def deliveries(self, *, status=None, channel=None, limit, offset):
        where = []
        if status is not None:
            where.append(domain.Delivery.status == status)
        if channel is not None:
            where.append(domain.Delivery.channel == channel)
        total = self.session.scalar(select(func.count()).select_from(domain.Delivery).where(*where))
        items = self.session.scalars(
            select(domain.Delivery)
            .where(*where)
            .order_by(domain.Delivery.created_at.desc(), domain.Delivery.id)
            .limit(limit)
            .offset(offset)
        ).all()
        return items, total

    def webhooks(self, *, active_only=False):
        query = select(domain.Webhook).order_by(domain.Webhook.created_at)
        if active_only:
            query = query.where(domain.Webhook.active.is_(True))
        return self.session.scalars(query).all()

    def webhook(self, webhook_id, *, for_update=False):
        query = select(domain.Webhook).where(domain.Webhook.id == str(webhook_id))
        if for_update:
            query = query.with_for_update()
        found = self.session.scalars(query).first()
        if found is None:
            raise domain.WebhookNotFound(f"No webhook {webhook_id}.", {"id": str(webhook_id)})
        return found

    # --- reminders ----------------------------------------------------------------------------------
    def tracked_item(self, kind, ref_id, *, for_update=False):
        query = select(domain.TrackedItem).where(
            domain.TrackedItem.kind == kind, domain.TrackedItem.ref_id == str(ref_id)
        )
        return self.session.scalars(query.with_for_update() if for_update else query).first()

    def add_tracked_item(self, item) -> bool:
        """Insert unless the council already tracks this item; True when this call inserted it."""
        values = {column.key: getattr(item, column.key) for column in models.tracked_items.columns}
        statement = (
            upsert(self.session, models.tracked_items)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["tenant_id", "kind", "ref_id"])
        )
        return self.session.execute(statement).rowcount == 1

    def open_items(self, up_to):
        return self.session.scalars(
            select(domain.TrackedItem)
            .where(domain.TrackedItem.handled.is_(False), domain.TrackedItem.due_date <= up_to)
            .with_for_update(skip_locked=True)
        ).all()

    def councils_with_open_items(self, up_to):
        return self.session.scalars(
            select(domain.TrackedItem.tenant_id)
            .distinct()
            .where(domain.TrackedItem.handled.is_(False), domain.TrackedItem.due_date <= up_to)
            .order_by(domain.TrackedItem.tenant_id)
        ).all()

    def sent_marks(self, item_ids):
        found = {}
        if item_ids:
            for item_id, mark in self.session.execute(
                select(domain.ReminderSent.item_id, domain.ReminderSent.mark).where(
                    domain.ReminderSent.item_id.in_(item_ids)
                )
            ):
                found.setdefault(item_id, set()).add(mark)
        return found

    def forget_reminders(self, item_id):
        self.session.execute(delete(domain.ReminderSent).where(domain.ReminderSent.item_id == item_id))
