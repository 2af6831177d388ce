"""The delivery log: sending what is due (e-mail over SMTP, signed webhook calls), recording each outcome,
and reading the log."""

import logging
from contextlib import contextmanager
from datetime import timedelta

from jouda.services.notifications import channels, domain
from jouda.services.notifications.metrics import DELIVERIES, DELIVERY_LATENCY
from jouda.services.notifications.repository import NotificationsRepository
from jouda.services.notifications.schemas import DeliverySchema
from jouda.shared.clock import as_utc, utc_now
from jouda.shared.errors import CommitUnconfirmed, ValidationFailed, database_outages
from jouda.shared.schema_fields import check_choice, check_page
from jouda.shared.unit_of_work import EVERY_COUNCIL, UnitOfWork

log = logging.getLogger(__name__)

DISPATCH_BATCH = 25  # deliveries claimed at once
# A claimed delivery is not due again before this (JOUDA_DELIVERY_LEASE_SECONDS): a dispatcher that
# dies between sending and recording the outcome leaves it to be tried once more after the lease.
CLAIM_LEASE = timedelta(minutes=5)


def dispatch(
    database,
    mailer,
    now,
    *,
    retry_base_seconds,
    allow_private,
    resolve,
    unrecorded,
    limit=DISPATCH_BATCH,
    lease=CLAIM_LEASE,
):
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
    with UnitOfWork(database, EVERY_COUNCIL) as uow:
        due = [
            delivery
            for delivery in NotificationsRepository(uow.session).due_deliveries(now, limit)
            if domain.claim(delivery, now, lease)
        ]
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
                with UnitOfWork(database, EVERY_COUNCIL) as uow:
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
        message = channels.email_message(
            mailer.mail_from,
            payload["to"],
            payload.get("name"),
            payload["subject"],
            payload["text"],
            payload["html"],
            delivery_id=delivery.id,
        )
    except Exception as exc:  # noqa: BLE001 - it will never build: this one fails, the others go on
        log.error("e-mail %s cannot be built: %s", delivery.id, exc)
        _failed(
            delivery,
            f"the message cannot be built: {type(exc).__name__}: {exc}",
            now,
            retry_base_seconds,
            permanent=True,
        )
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


def list_deliveries(uow, status=None, channel=None, limit=50, offset=0):
    check_choice("status", status, domain.DELIVERY_STATUSES)
    check_choice("channel", channel, (domain.EMAIL, domain.WEBHOOK))
    check_page(limit, offset)
    items, total = NotificationsRepository(uow.session).deliveries(
        status=status, channel=channel, limit=limit, offset=offset
    )
    return {"items": DeliverySchema(many=True).dump(items), "total": total, "limit": limit, "offset": offset}
