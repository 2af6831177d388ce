"""A council's webhooks: registering (a checked address, under a cap), listing, deleting, and telling the
quality managers when one is switched off after failing."""

from jouda.services.notifications import domain, routing
from jouda.services.notifications.notifier import Notifier
from jouda.services.notifications.repository import NotificationsRepository
from jouda.services.notifications.schemas import RegisteredWebhookSchema, WebhookInputSchema, WebhookSchema
from jouda.shared.clock import utc_now
from jouda.shared.schema_fields import load_or_raise
from jouda.shared.vocabulary import QUALITY_MANAGER


def add_webhook(uow, data, *, allow_private, resolve):
    data = load_or_raise(WebhookInputSchema(), data)
    domain.check_webhook_url(data["url"], resolve, allow_private)
    repo = NotificationsRepository(uow.session)
    repo.locked_council(uow.tenant_id)  # concurrent registrations count in turn
    if len(repo.webhooks()) >= domain.MAX_WEBHOOKS:
        raise domain.TooManyWebhooks(f"A council has at most {domain.MAX_WEBHOOKS} webhooks; delete one first.")
    webhook = domain.Webhook(uow.tenant_id, data["url"], uow.actor, utc_now())
    repo.add(webhook)
    uow.commit()
    return RegisteredWebhookSchema().dump(webhook)


def list_webhooks(uow):
    return {"items": WebhookSchema(many=True).dump(NotificationsRepository(uow.session).webhooks())}


def delete_webhook(uow, webhook_id):
    repo = NotificationsRepository(uow.session)
    uow.session.delete(repo.webhook(webhook_id, for_update=True))
    uow.commit()
    return {"deleted": str(webhook_id)}


def notify_webhook_disabled(uow, webhook_id, public_url):
    """The quality managers learn that their webhook was switched off, and why."""
    repo = NotificationsRepository(uow.session)
    webhook = repo.webhook(webhook_id)
    notifier = Notifier(uow, public_url)
    managers = sorted(repo.people((QUALITY_MANAGER,)))
    notifier.notify(
        managers,
        routing.WEBHOOK_DISABLED,
        f"{webhook.id}:disabled:{webhook.disabled_at.isoformat()}",
        {"url": webhook.url, "failures": webhook.consecutive_failures, "last_error": webhook.last_error or ""},
        mandatory=True,
        link="/webhooks",
        occurred_at=utc_now(),
    )
    notifier.done()
