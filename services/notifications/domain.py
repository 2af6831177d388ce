"""Notifications as plain Python: who gets what on which channel, the delivery log's life cycle,
webhooks' health, and reminders with escalation. No Nameko, no SQLAlchemy session, no I/O.

A delivery moves through one guard table:

    pending | retrying --claim--> (same status, leased: attempts + 1, not due again before the lease ends)
    pending | retrying --sent--> sent
    pending | retrying --failed attempt--> retrying (later) or failed

An attempt is counted when a dispatcher claims the delivery, before anything is sent, so a
dispatcher that dies in the middle of an attempt cannot make a delivery go out again and again:
after the lease it is tried once more, and no attempt beyond the last is ever made.
"""

import ipaddress
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from jouda.shared.errors import Conflict, NotFound, ValidationFailed
from jouda.shared.tenancy import TenantOwned

INBOX, EMAIL, WEBHOOK = "inbox", "email", "webhook"
USER_CHANNELS = (INBOX, EMAIL)
PENDING, SENT, FAILED, RETRYING = "pending", "sent", "failed", "retrying"
DELIVERY_STATUSES = (PENDING, SENT, FAILED, RETRYING)
MAX_EMAIL_ATTEMPTS = 36  # with the delay doubling up to an hour (from 5 s): 26 hours of outage
MAX_WEBHOOK_ATTEMPTS = 8
WEBHOOK_FAILURES_TO_DISABLE = 5  # consecutive failed deliveries before a webhook is switched off
MAX_RETRY_DELAY_SECONDS = 3600
REMINDER_DAYS = (30, 7, 1)
DEFAULT_ESCALATION_DAYS = 7
MAX_WEBHOOKS = 10
# Whose deliveries belong to no council: a ministry analyst's or an administrator's own e-mails (a
# password reset). Never a council's code, which starts with a letter or a digit.
NO_COUNCIL = "-"

# email_state of a notification: how its e-mail is handled
NO_EMAIL, EMAIL_QUEUED, EMAIL_IN_DIGEST, EMAIL_DIGESTED = "none", "queued", "digest", "digested"


class NotificationNotFound(NotFound):
    code = "notification_not_found"


class WebhookNotFound(NotFound):
    code = "webhook_not_found"


class TooManyWebhooks(Conflict):
    code = "too_many_webhooks"


def _new_id():
    return str(uuid.uuid4())


class Recipient(TenantOwned):
    """A council's user as notifications need them (fed by gateway.user_* v2 events)."""

    def __init__(self, user_id, tenant_id, role, active, email, name, language, as_of):
        self.user_id, self.tenant_id, self.role, self.active = user_id, tenant_id, role, active
        self.email, self.name, self.language, self.as_of = email, name, language, as_of


class Council(TenantOwned):
    def __init__(self, tenant_id, name):
        self.tenant_id, self.name = tenant_id, name
        self.escalation_days = DEFAULT_ESCALATION_DAYS


class Preferences(TenantOwned):
    """A user's choices: channels per kind of notification (both when not said), the language
    (their account's when not said), and a daily digest instead of one e-mail per notification."""

    def __init__(self, user_id, tenant_id):
        self.user_id, self.tenant_id = user_id, tenant_id
        self.channels = {}
        self.language = None
        self.digest = False
        self.last_digest_on = None


class Notification(TenantOwned):
    def __init__(self, tenant_id, user_id, source_id, kind, mandatory, rendered, link, occurred_at, now):
        self.id = _new_id()
        self.tenant_id, self.user_id = tenant_id, user_id
        self.source_id = source_id  # the event id (or the reminder's key): one notification per user
        self.kind, self.mandatory = kind, mandatory
        self.language, self.subject, self.body = rendered.language, rendered.subject, rendered.text
        self.link = link
        self.in_inbox = True
        self.email_state = NO_EMAIL
        self.occurred_at, self.created_at = occurred_at, now
        self.read_at = None


class Delivery(TenantOwned):
    def __init__(self, tenant_id, channel, target, payload, occurred_at, now, notification_id=None):
        self.id = _new_id()
        self.tenant_id, self.channel, self.target, self.payload = tenant_id, channel, target, payload
        self.notification_id = notification_id
        self.status, self.attempts, self.last_error = PENDING, 0, None
        self.occurred_at, self.created_at, self.next_attempt_at, self.sent_at = occurred_at, now, now, None


class Webhook(TenantOwned):
    def __init__(self, tenant_id, url, created_by, now):
        self.id = _new_id()
        self.tenant_id, self.url, self.created_by, self.created_at = tenant_id, url, created_by, now
        self.secret = secrets.token_urlsafe(32)
        self.active, self.consecutive_failures, self.disabled_at, self.last_error = True, 0, None, None


class TrackedItem(TenantOwned):
    """Something with a due date that reminders follow, as a service announced it (deadline.set):
    an objective, the policy's review, a corrective action."""

    def __init__(self, tenant_id, kind, ref_id, title, due_date, owner_id, link, as_of):
        self.id = _new_id()
        self.tenant_id, self.kind, self.ref_id = tenant_id, kind, ref_id
        self.title, self.due_date, self.owner_id, self.link, self.as_of = title, due_date, owner_id, link, as_of
        self.handled = False


class ReminderSent(TenantOwned):
    def __init__(self, item, mark, sent_on):
        self.tenant_id, self.item_id, self.mark, self.sent_on = item.tenant_id, item.id, mark, sent_on


# --- rules --------------------------------------------------------------------------------------


def channels_for(preferences, kind, mandatory):
    """The user channels a notification of `kind` takes: inbox always when mandatory."""
    chosen = set(USER_CHANNELS)
    if preferences is not None and kind in (preferences.channels or {}):
        chosen = set(preferences.channels[kind])
    if mandatory:
        chosen.add(INBOX)
    return chosen


def retry_delay(attempts, base_seconds):
    return timedelta(seconds=min(base_seconds * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY_SECONDS))


@dataclass(frozen=True)
class DeliveryStep:
    source: tuple
    target: str


DELIVERY_GUARDS = {
    "claim": DeliveryStep((PENDING, RETRYING), None),  # None: the status stays as it is
    "sent": DeliveryStep((PENDING, RETRYING), SENT),
    "retry": DeliveryStep((PENDING, RETRYING), RETRYING),
    "give_up": DeliveryStep((PENDING, RETRYING), FAILED),
}
MAX_ATTEMPTS = {EMAIL: MAX_EMAIL_ATTEMPTS, WEBHOOK: MAX_WEBHOOK_ATTEMPTS}


def claim(delivery, now: datetime, lease: timedelta) -> bool:
    """A dispatcher takes the delivery for one attempt. Returns False (and gives the delivery up)
    when its attempts are spent: the last one was claimed by a dispatcher that never reported."""
    if delivery.attempts >= MAX_ATTEMPTS[delivery.channel]:
        attempt_failed(delivery, delivery.last_error or "the last attempt did not report its outcome", now, 0, 0)
        return False
    _step(delivery, "claim")
    delivery.attempts += 1
    delivery.next_attempt_at = now + lease
    return True


def delivered(delivery, now: datetime):
    _step(delivery, "sent")  # checked before anything else changes
    delivery.sent_at, delivery.last_error = now, None


def attempt_failed(delivery, error, now: datetime, base_seconds, max_attempts):
    """The claimed attempt failed. Returns True when the delivery is given up."""
    action = "give_up" if delivery.attempts >= max_attempts else "retry"
    _step(delivery, action)
    delivery.last_error = str(error)[:1000]
    if action == "retry":
        delivery.next_attempt_at = now + retry_delay(delivery.attempts, base_seconds)
    return action == "give_up"


def _step(delivery, action):
    """Checks the guard table, then moves: a refused step changes nothing."""
    guard = DELIVERY_GUARDS[action]
    if delivery.status not in guard.source:
        raise Conflict(f"A {delivery.status} delivery cannot be {action}.", {"status": delivery.status})
    if guard.target is not None:
        delivery.status = guard.target


def webhook_result(webhook, ok, error=None, now=None):
    """Returns True when this failure switches the webhook off."""
    if ok:
        webhook.consecutive_failures, webhook.last_error = 0, None
        return False
    webhook.consecutive_failures += 1
    webhook.last_error = str(error)[:1000]
    if webhook.active and webhook.consecutive_failures >= WEBHOOK_FAILURES_TO_DISABLE:
        webhook.active, webhook.disabled_at = False, now
        return True
    return False


# IPv6 forms that carry an IPv4 address: the IPv4 inside must be public too. (IPv4-mapped,
# 6to4 and Teredo addresses are unpacked by the ipaddress module itself.)
NAT64_PREFIXES = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated: never a public destination


def is_public_address(address) -> bool:
    """Globally routable, not multicast, and so is any IPv4 address an IPv6 form embeds."""
    ip = ipaddress.ip_address(address)
    candidates = [ip]
    if ip.version == 6:
        if ip in IPV4_COMPATIBLE:
            return False
        candidates += [embedded for embedded in (ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())) if embedded]
        candidates += [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) for prefix in NAT64_PREFIXES if ip in prefix]
    return all(candidate.is_global and not candidate.is_multicast for candidate in candidates)


def check_webhook_url(url, resolve, allow_private=False):
    """Only http(s) to a host and port, without a user or password (the signature authenticates
    Jouda), whose every address is public (globally routable, IPv6 forms embedding an IPv4 address
    included) unless the platform's administrator allowed private ones. `resolve(host) -> [ip text]`.

    Returns the addresses checked: the sender connects to one of them and never looks the host up
    again, so a name that resolves elsewhere a moment later (DNS rebinding) cannot redirect it."""
    parts = urlsplit(url or "")
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValidationFailed(
            "A webhook URL starts with http:// or https:// and names a host.", {"url": ["An http(s) URL."]}
        )
    if "@" in parts.netloc:
        raise ValidationFailed(
            "A webhook URL carries no user name or password: Jouda signs every call instead.",
            {"url": ["No user:password@ part."]},
        )
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port is not None and not 1 <= port <= 65535:
        raise ValidationFailed("A webhook URL's port is a number from 1 to 65535.", {"url": ["Port 1 to 65535."]})
    try:
        addresses = resolve(parts.hostname)
    except OSError:
        raise ValidationFailed(f"The host {parts.hostname!r} cannot be resolved.", {"url": ["Unknown host."]}) from None
    if not addresses:
        raise ValidationFailed(f"The host {parts.hostname!r} has no address.", {"url": ["Unknown host."]})
    if not allow_private:
        for address in addresses:
            if not is_public_address(address):
                raise ValidationFailed(
                    "Webhooks may not target loopback or private addresses.",
                    {"url": [f"{parts.hostname} is {address}, not a public address."]},
                )
    return list(addresses)


# --- reminders and escalation ------------------------------------------------------------------------

DUE_SOON, OVERDUE, ESCALATED_QM, ESCALATED_DIRECTOR = "due_soon", "overdue", "escalated_qm", "escalated_director"


def reminders_due(item, today: date, sent_marks, escalation_days, reminder_days=REMINDER_DAYS):
    """The reminders to send now for `item`, each once: [(mark, kind, days)].

    Before the due date, the nearest of `reminder_days` (30, 7 and 1 by default) that has been
    reached (the larger ones are then moot); after it, overdue once, then escalation to the quality
    managers after `escalation_days`, and to the director after twice that."""
    if item.handled or item.due_date is None:
        return []
    days_left = (item.due_date - today).days
    due = []
    if days_left >= 0:
        reached = [days for days in reminder_days if days_left <= days]
        if reached:  # the nearest reached; a farther one missed (item created late) is moot
            mark = f"{DUE_SOON}_{min(reached)}"
            if mark not in sent_marks:
                due.append((mark, "reminder.due_soon", days_left))
        return due
    overdue = -days_left
    if OVERDUE not in sent_marks:
        due.append((OVERDUE, "reminder.overdue", overdue))
    if overdue >= escalation_days and ESCALATED_QM not in sent_marks:
        due.append((ESCALATED_QM, "reminder.escalated", overdue))
    if overdue >= 2 * escalation_days and ESCALATED_DIRECTOR not in sent_marks:
        due.append((ESCALATED_DIRECTOR, "reminder.escalated", overdue))
    return due
