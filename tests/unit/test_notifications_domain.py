"""Notifications as plain Python (services/notifications/domain.py): channels per preference, the
delivery guard table and its retries, webhooks' health, the webhook URL check, and reminders
with escalation. No broker, no database, no network (the resolver is a fake)."""

from datetime import date, datetime, timedelta, timezone

import pytest

from jouda.services.notifications import domain
from jouda.services.notifications.domain import (
    DELIVERY_GUARDS,
    EMAIL,
    FAILED,
    INBOX,
    MAX_RETRY_DELAY_SECONDS,
    PENDING,
    RETRYING,
    SENT,
    WEBHOOK_FAILURES_TO_DISABLE,
)
from jouda.shared.errors import Conflict, ValidationFailed

TENANT = "fes-meknes"
NOW = datetime(2026, 11, 21, 10, 30, tzinfo=timezone.utc)
LATER = NOW + timedelta(minutes=5)
BOTH = {INBOX, EMAIL}
LEASE = timedelta(minutes=5)


def preferences(channels):
    chosen = domain.Preferences("u-1", TENANT)
    chosen.channels = channels
    return chosen


def delivery(status=PENDING, attempts=0):
    made = domain.Delivery(TENANT, EMAIL, "salma@fes.test", {"to": "salma@fes.test"}, NOW, NOW)
    made.status, made.attempts = status, attempts
    return made


def webhook():
    return domain.Webhook(TENANT, "https://hooks.example.org/jouda", "u-qm", NOW)


# --- channels_for --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "chosen,kind,mandatory,expected",
    [
        pytest.param(None, "policy.approved", False, BOTH, id="no-preferences-both"),
        pytest.param({}, "policy.approved", False, BOTH, id="nothing-chosen-both"),
        pytest.param({"policy.submitted": ["inbox"]}, "policy.approved", False, BOTH, id="another-kind-chosen-both"),
        pytest.param({"policy.approved": ["inbox"]}, "policy.approved", False, {INBOX}, id="inbox-only"),
        pytest.param({"policy.approved": ["email"]}, "policy.approved", False, {EMAIL}, id="email-only"),
        pytest.param({"policy.approved": ["inbox", "email"]}, "policy.approved", False, BOTH, id="both-chosen"),
        pytest.param({"policy.approved": []}, "policy.approved", False, set(), id="nothing-for-this-kind"),
        pytest.param(None, "policy.published", True, BOTH, id="mandatory-no-preferences"),
        pytest.param({"policy.published": []}, "policy.published", True, {INBOX}, id="mandatory-adds-inbox"),
        pytest.param({"policy.published": ["email"]}, "policy.published", True, BOTH, id="mandatory-email-and-inbox"),
        pytest.param({"policy.published": ["inbox"]}, "policy.published", True, {INBOX}, id="mandatory-inbox-only"),
    ],
)
def test_channels_for(chosen, kind, mandatory, expected):
    prefs = None if chosen is None else preferences(chosen)
    assert domain.channels_for(prefs, kind, mandatory) == expected


def test_channels_for_copes_with_null_channels():
    prefs = domain.Preferences("u-1", TENANT)
    prefs.channels = None
    assert domain.channels_for(prefs, "policy.approved", False) == BOTH


def test_channels_for_does_not_change_the_preferences():
    prefs = preferences({"policy.published": ["email"]})
    domain.channels_for(prefs, "policy.published", True)
    assert prefs.channels == {"policy.published": ["email"]}


def test_new_preferences_are_empty():
    prefs = domain.Preferences("u-1", TENANT)
    assert (prefs.channels, prefs.language, prefs.digest, prefs.last_digest_on) == ({}, None, False, None)


# --- the delivery guard table ------------------------------------------------------------------------------


def test_a_new_delivery_is_pending_and_due_now():
    made = delivery()
    assert (made.status, made.attempts, made.last_error, made.sent_at) == (PENDING, 0, None, None)
    assert made.next_attempt_at == NOW and made.notification_id is None


def test_the_guard_table():
    assert {action: (set(step.source), step.target) for action, step in DELIVERY_GUARDS.items()} == {
        "claim": ({PENDING, RETRYING}, None),
        "sent": ({PENDING, RETRYING}, SENT),
        "retry": ({PENDING, RETRYING}, RETRYING),
        "give_up": ({PENDING, RETRYING}, FAILED),
    }


def attempted(made, now=NOW):
    """A dispatcher's claim: the attempt is counted before anything is sent."""
    assert domain.claim(made, now, LEASE) is True
    return made


@pytest.mark.parametrize("status", [PENDING, RETRYING])
def test_a_claim_counts_the_attempt_and_leases_the_delivery(status):
    made = delivery(status, attempts=2)
    assert domain.claim(made, NOW, LEASE) is True
    assert (made.status, made.attempts, made.next_attempt_at) == (status, 3, NOW + LEASE)


@pytest.mark.parametrize("status", [SENT, FAILED])
def test_a_finished_delivery_cannot_be_claimed(status):
    made = delivery(status, attempts=1)
    with pytest.raises(Conflict):
        domain.claim(made, NOW, LEASE)
    assert (made.status, made.attempts) == (status, 1)


def test_a_delivery_whose_last_attempt_never_reported_is_given_up_not_tried_again():
    # The dispatcher that claimed the last attempt died before recording it: one more try would
    # be one beyond the last.
    made = delivery(RETRYING, attempts=domain.MAX_EMAIL_ATTEMPTS)
    made.last_error = "SMTP down"
    assert domain.claim(made, NOW, LEASE) is False
    assert (made.status, made.attempts, made.last_error) == (FAILED, domain.MAX_EMAIL_ATTEMPTS, "SMTP down")


@pytest.mark.parametrize("status,allowed", [(PENDING, True), (RETRYING, True), (SENT, False), (FAILED, False)])
def test_delivered(status, allowed):
    made = delivery(status, attempts=2)
    made.last_error = "SMTP down"
    if not allowed:
        with pytest.raises(Conflict) as caught:
            domain.delivered(made, LATER)
        assert caught.value.details == {"status": status}
        assert (made.status, made.attempts, made.sent_at, made.last_error) == (status, 2, None, "SMTP down")
        return
    domain.delivered(made, LATER)
    assert (made.status, made.attempts, made.sent_at, made.last_error) == (SENT, 2, LATER, None)


@pytest.mark.parametrize("status,allowed", [(PENDING, True), (RETRYING, True), (SENT, False), (FAILED, False)])
def test_attempt_failed_from_each_status(status, allowed):
    made = delivery(status, attempts=1)
    if not allowed:
        with pytest.raises(Conflict):
            domain.attempt_failed(made, "boom", LATER, 5, 30)
        assert made.status == status
        return
    assert domain.attempt_failed(made, "boom", LATER, 5, 30) is False
    assert (made.status, made.attempts, made.last_error) == (RETRYING, 1, "boom")


@pytest.mark.parametrize("status", [SENT, FAILED])
def test_a_refused_failure_changes_nothing(status):
    # The guard is checked before the error is recorded.
    made = delivery(status, attempts=1)
    with pytest.raises(Conflict):
        domain.attempt_failed(made, "late failure report", LATER, 5, 30)
    assert (made.status, made.attempts, made.last_error) == (status, 1, None)


@pytest.mark.parametrize(
    "base,attempts,delay_seconds",
    [
        pytest.param(5, 1, 5, id="first-retry-after-base"),
        pytest.param(5, 2, 10, id="doubles"),
        pytest.param(5, 3, 20, id="doubles-again"),
        pytest.param(5, 10, 2560, id="tenth"),
        pytest.param(5, 11, MAX_RETRY_DELAY_SECONDS, id="capped-at-an-hour"),
        pytest.param(5, 29, MAX_RETRY_DELAY_SECONDS, id="stays-capped"),
        pytest.param(60, 6, 1920, id="base-60-sixth"),
        pytest.param(60, 7, MAX_RETRY_DELAY_SECONDS, id="base-60-capped"),
        pytest.param(0.5, 1, 0.5, id="fractional-base"),
    ],
)
def test_retries_wait_longer_each_time(base, attempts, delay_seconds):
    assert domain.retry_delay(attempts, base) == timedelta(seconds=delay_seconds)
    made = attempted(delivery(RETRYING, attempts=attempts - 1))
    assert domain.attempt_failed(made, "refused", NOW, base, 100) is False
    assert made.attempts == attempts
    assert made.next_attempt_at == NOW + timedelta(seconds=delay_seconds)


def test_retry_delay_of_zero_attempts_is_the_base():
    assert domain.retry_delay(0, 5) == timedelta(seconds=5)


@pytest.mark.parametrize("max_attempts", [1, 8, 30])
def test_gives_up_at_the_last_attempt(max_attempts):
    made = delivery()
    outcomes = [
        domain.attempt_failed(attempted(made), f"failure {n}", NOW + timedelta(hours=n), 5, max_attempts)
        for n in range(1, max_attempts + 1)
    ]
    assert outcomes == [False] * (max_attempts - 1) + [True]
    assert (made.status, made.attempts, made.last_error) == (FAILED, max_attempts, f"failure {max_attempts}")
    with pytest.raises(Conflict):  # given up: nothing more
        domain.delivered(made, LATER)


def test_giving_up_leaves_the_next_attempt_alone():
    made = attempted(delivery(RETRYING, attempts=domain.MAX_WEBHOOK_ATTEMPTS - 1))
    made.next_attempt_at = NOW
    assert domain.attempt_failed(made, "HTTP 500", LATER, 5, domain.MAX_WEBHOOK_ATTEMPTS) is True
    assert (made.status, made.next_attempt_at) == (FAILED, NOW)


def test_a_long_error_is_cut():
    made = attempted(delivery())
    domain.attempt_failed(made, "x" * 5000, NOW, 5, 30)
    assert made.last_error == "x" * 1000


def test_an_exception_is_recorded_as_its_text():
    made = attempted(delivery())
    domain.attempt_failed(made, OSError("connection refused"), NOW, 5, 30)
    assert made.last_error == "connection refused"


def test_a_delivery_sent_after_retries_clears_its_error():
    made = delivery()
    domain.attempt_failed(attempted(made), "down", NOW, 5, 30)
    domain.attempt_failed(attempted(made), "down again", NOW, 5, 30)
    domain.delivered(attempted(made), LATER)
    assert (made.status, made.attempts, made.last_error, made.sent_at) == (SENT, 3, None, LATER)


def outage_survived(max_attempts, base_seconds):
    """How long deliveries keep being retried: the delays after each failure but the last."""
    return sum((domain.retry_delay(n, base_seconds) for n in range(1, max_attempts)), timedelta())


def test_webhook_retries_span_a_few_minutes():
    assert outage_survived(domain.MAX_WEBHOOK_ATTEMPTS, 5) == timedelta(seconds=5 * (2**7 - 1))


def test_the_e_mail_retries_outlast_a_day_of_outage():
    # With the default base (5 s) the delays reach the hour cap after 10 attempts; 30 attempts (the
    # first version) covered only about 20 h 25 min.
    from jouda.shared.config import Settings

    assert outage_survived(domain.MAX_EMAIL_ATTEMPTS, Settings().delivery_retry_base_seconds) > timedelta(days=1)


# --- webhooks' health --------------------------------------------------------------------------------------


def test_a_new_webhook():
    hook = webhook()
    assert (hook.active, hook.consecutive_failures, hook.disabled_at, hook.last_error) == (True, 0, None, None)
    assert len(hook.secret) >= 32 and hook.secret != webhook().secret


def test_webhook_disabled_after_consecutive_failures_once():
    hook = webhook()
    moments = [NOW + timedelta(minutes=n) for n in range(WEBHOOK_FAILURES_TO_DISABLE + 2)]
    outcomes = [domain.webhook_result(hook, False, f"HTTP 50{n}", moment) for n, moment in enumerate(moments)]
    assert outcomes == [False] * (WEBHOOK_FAILURES_TO_DISABLE - 1) + [True, False, False]
    assert hook.active is False
    assert hook.disabled_at == moments[WEBHOOK_FAILURES_TO_DISABLE - 1]  # when it was switched off, not later
    assert hook.consecutive_failures == WEBHOOK_FAILURES_TO_DISABLE + 2
    assert hook.last_error == f"HTTP 50{len(moments) - 1}"


def test_a_success_resets_the_count():
    hook = webhook()
    for _ in range(WEBHOOK_FAILURES_TO_DISABLE - 1):
        assert domain.webhook_result(hook, False, "timeout", NOW) is False
    assert domain.webhook_result(hook, True) is False
    assert (hook.consecutive_failures, hook.last_error, hook.active) == (0, None, True)
    for _ in range(WEBHOOK_FAILURES_TO_DISABLE - 1):
        assert domain.webhook_result(hook, False, "timeout", NOW) is False
    assert hook.active is True
    assert domain.webhook_result(hook, False, "timeout", NOW) is True


def test_a_success_does_not_bring_a_disabled_webhook_back():
    # Switched off means registered again by a quality manager (the notice says so).
    hook = webhook()
    for _ in range(WEBHOOK_FAILURES_TO_DISABLE):
        domain.webhook_result(hook, False, "HTTP 500", NOW)
    domain.webhook_result(hook, True)
    assert (hook.active, hook.disabled_at, hook.consecutive_failures) == (False, NOW, 0)


def test_a_webhook_error_is_cut():
    hook = webhook()
    domain.webhook_result(hook, False, "e" * 3000, NOW)
    assert hook.last_error == "e" * 1000


# --- the webhook URL check -----------------------------------------------------------------------------------

DNS = {
    "hooks.example.org": ["93.184.215.14"],
    "dual.example.org": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    "localhost": ["127.0.0.1", "::1"],
    "intranet.council.ma": ["10.1.2.3"],
    "nas.council.ma": ["192.168.1.20"],
    "docker.council.ma": ["172.17.0.2"],
    "metadata.cloud": ["169.254.169.254"],
    "v6-private.example": ["fd12:3456::1"],
    "v6-link-local.example": ["fe80::1"],
    "mixed.example.org": ["93.184.215.14", "10.0.0.5"],  # one private answer is enough to refuse
    "zero.example": ["0.0.0.0"],
    "multicast.example": ["224.0.0.251"],
    "mapped.example": ["::ffff:127.0.0.1"],
}


def resolve(host):
    """A fake resolver: the table above, and address literals as the real one answers them."""
    if host[0].isdigit() or ":" in host:
        return [host]
    if host not in DNS:
        raise OSError(f"[Errno -2] Name or service not known: {host}")
    return DNS[host]


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.org/jouda",
        "http://hooks.example.org:8080/in?council=fes",
        "https://dual.example.org/",
        "HTTPS://hooks.example.org/upper-case-scheme",
        "https://93.184.215.14/by-address",
    ],
)
def test_public_urls_are_allowed_and_their_checked_addresses_returned(url):
    host = url.split("//")[1].split("/")[0].split(":")[0].lower()
    assert domain.check_webhook_url(url, resolve) == resolve(host)


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("ftp://hooks.example.org/in", id="ftp"),
        pytest.param("file:///etc/passwd", id="file"),
        pytest.param("gopher://hooks.example.org/", id="gopher"),
        pytest.param("hooks.example.org/in", id="no-scheme"),
        pytest.param("https://", id="no-host"),
        pytest.param("http:///path-only", id="empty-host"),
        pytest.param("", id="empty"),
        pytest.param(None, id="none"),
    ],
)
def test_only_http_urls_naming_a_host(url):
    with pytest.raises(ValidationFailed) as caught:
        domain.check_webhook_url(url, resolve)
    assert list(caught.value.details) == ["url"]


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("http://localhost:8000/hook", id="loopback-name"),
        pytest.param("http://127.0.0.1/hook", id="loopback-v4"),
        pytest.param("http://[::1]/hook", id="loopback-v6"),
        pytest.param("https://intranet.council.ma/hook", id="private-10"),
        pytest.param("https://nas.council.ma/hook", id="private-192-168"),
        pytest.param("https://docker.council.ma/hook", id="private-172-16"),
        pytest.param("http://metadata.cloud/latest/meta-data", id="link-local-metadata"),
        pytest.param("http://169.254.169.254/latest/meta-data", id="link-local-address"),
        pytest.param("https://v6-private.example/", id="unique-local-v6"),
        pytest.param("https://v6-link-local.example/", id="link-local-v6"),
        pytest.param("https://mixed.example.org/", id="any-private-answer"),
        pytest.param("http://zero.example/", id="unspecified"),
        pytest.param("http://multicast.example/", id="multicast"),
        pytest.param("http://mapped.example/", id="ipv4-mapped-loopback"),
    ],
)
def test_loopback_private_and_link_local_are_refused(url):
    with pytest.raises(ValidationFailed) as caught:
        domain.check_webhook_url(url, resolve)
    assert list(caught.value.details) == ["url"]
    assert "not a public address" in caught.value.details["url"][0]


@pytest.mark.parametrize(
    "address",
    [
        pytest.param("::127.0.0.1", id="ipv4-compatible-loopback"),
        pytest.param("::8.8.8.8", id="ipv4-compatible-deprecated"),
        pytest.param("::ffff:10.0.0.1", id="ipv4-mapped-private"),
        pytest.param("64:ff9b::7f00:1", id="nat64-loopback"),
        pytest.param("64:ff9b::a00:1", id="nat64-private"),
        pytest.param("64:ff9b:1::a9fe:a9fe", id="local-nat64-metadata"),
        pytest.param("2002:7f00:1::", id="6to4-loopback"),
        pytest.param("2002:a9fe:a9fe::1", id="6to4-metadata"),
        pytest.param("2001:0:4136:e378:8000:63bf:3fff:fdd2", id="teredo"),
    ],
)
def test_ipv6_forms_embedding_a_private_ipv4_address_are_refused(address):
    with pytest.raises(ValidationFailed) as caught:
        domain.check_webhook_url(f"http://[{address}]/hook", resolve)
    assert "not a public address" in caught.value.details["url"][0]


def test_an_ipv6_form_embedding_a_public_ipv4_address_is_allowed():
    assert domain.check_webhook_url("http://[64:ff9b::808:808]/hook", resolve) == ["64:ff9b::808:808"]


@pytest.mark.parametrize(
    "url,problem",
    [
        pytest.param("https://hooks.example.org:0/hook", "Port 1 to 65535.", id="port-0"),
        pytest.param("https://hooks.example.org:65536/hook", "Port 1 to 65535.", id="port-65536"),
        pytest.param("https://hooks.example.org:99999999/hook", "Port 1 to 65535.", id="port-huge"),
        pytest.param("https://user:secret@hooks.example.org/hook", "No user:password@ part.", id="user-and-password"),
        pytest.param("https://user@hooks.example.org/hook", "No user:password@ part.", id="user-only"),
        pytest.param("https://@hooks.example.org/hook", "No user:password@ part.", id="empty-user"),
    ],
)
def test_ports_and_credentials_in_the_url_are_refused(url, problem):
    with pytest.raises(ValidationFailed) as caught:
        domain.check_webhook_url(url, resolve)
    assert caught.value.details == {"url": [problem]}


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "10.0.0.1", "169.254.169.254"])
def test_address_literals_are_checked_too(address):
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(ValidationFailed):
        domain.check_webhook_url(f"http://{host}/hook", resolve)


@pytest.mark.parametrize(
    "address", ["100.100.100.200", "100.64.0.1", "192.0.2.10", "198.51.100.7", "203.0.113.9", "198.18.0.1", "240.0.0.1"]
)
def test_shared_documentation_and_benchmark_space_is_refused(address):
    # 100.64.0.0/10 (carrier-grade NAT) is neither private nor global: Alibaba Cloud's metadata
    # service is 100.100.100.200. Only globally routable addresses are accepted.
    with pytest.raises(ValidationFailed):
        domain.check_webhook_url(f"http://{address}/latest/meta-data", resolve)


@pytest.mark.parametrize(
    "url,addresses",
    [
        ("http://localhost:8000/hook", ["127.0.0.1", "::1"]),
        ("https://intranet.council.ma/", ["10.1.2.3"]),
        ("http://[::1]/", ["::1"]),
    ],
)
def test_the_administrator_may_allow_private_addresses(url, addresses):
    assert domain.check_webhook_url(url, resolve, allow_private=True) == addresses


def test_allow_private_still_refuses_credentials_and_bad_ports():
    for url in ("http://user:pw@localhost/", "http://localhost:0/"):
        with pytest.raises(ValidationFailed):
            domain.check_webhook_url(url, resolve, allow_private=True)


def test_allow_private_still_wants_http():
    with pytest.raises(ValidationFailed):
        domain.check_webhook_url("ftp://localhost/", resolve, allow_private=True)


def test_an_unresolvable_host_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        domain.check_webhook_url("https://nowhere.invalid/hook", resolve)
    assert caught.value.details == {"url": ["Unknown host."]}
    assert "nowhere.invalid" in caught.value.message


def test_the_host_is_what_gets_resolved():
    asked = []

    def recording(host):
        asked.append(host)
        return ["93.184.215.14"]

    domain.check_webhook_url("https://Hooks.Example.org:8443/path?q=1#frag", recording)
    assert asked == ["hooks.example.org"]


# --- reminders and escalation ---------------------------------------------------------------------------------

DUE = date(2026, 12, 31)


def item(due_date=DUE, handled=False):
    made = domain.TrackedItem(
        TENANT, "objective", "obj-1", "Réduire les délais", due_date, "u-owner", "/objectives/obj-1", NOW
    )
    made.handled = handled
    return made


def day(offset):
    """`offset` days after the due date (negative: before)."""
    return DUE + timedelta(days=offset)


Q, D = domain.ESCALATED_QM, domain.ESCALATED_DIRECTOR
SOON30, SOON7, SOON1 = "due_soon_30", "due_soon_7", "due_soon_1"


@pytest.mark.parametrize(
    "offset,sent,escalation_days,expected",
    [
        pytest.param(-45, set(), 7, [], id="too-early"),
        pytest.param(-31, set(), 7, [], id="day-before-the-30-mark"),
        pytest.param(-30, set(), 7, [(SOON30, "reminder.due_soon", 30)], id="30-days"),
        pytest.param(-20, set(), 7, [(SOON30, "reminder.due_soon", 20)], id="30-mark-missed-sent-late"),
        pytest.param(-20, {SOON30}, 7, [], id="30-mark-once"),
        pytest.param(-8, {SOON30}, 7, [], id="between-30-and-7"),
        pytest.param(-7, {SOON30}, 7, [(SOON7, "reminder.due_soon", 7)], id="7-days"),
        pytest.param(-5, set(), 7, [(SOON7, "reminder.due_soon", 5)], id="created-late-nearest-mark-only"),
        pytest.param(-3, {SOON30, SOON7}, 7, [], id="7-mark-once"),
        pytest.param(-1, {SOON30, SOON7}, 7, [(SOON1, "reminder.due_soon", 1)], id="1-day"),
        pytest.param(-1, set(), 7, [(SOON1, "reminder.due_soon", 1)], id="1-day-nothing-before"),
        pytest.param(0, {SOON30, SOON7}, 7, [(SOON1, "reminder.due_soon", 0)], id="due-today"),
        pytest.param(0, {SOON30, SOON7, SOON1}, 7, [], id="due-today-already-reminded"),
        pytest.param(1, {SOON30, SOON7, SOON1}, 7, [(domain.OVERDUE, "reminder.overdue", 1)], id="overdue"),
        pytest.param(3, {SOON1, domain.OVERDUE}, 7, [], id="overdue-once"),
        pytest.param(6, {domain.OVERDUE}, 7, [], id="before-escalation"),
        pytest.param(7, {domain.OVERDUE}, 7, [(Q, "reminder.escalated", 7)], id="escalated-to-qm"),
        pytest.param(
            7,
            set(),
            7,
            [(domain.OVERDUE, "reminder.overdue", 7), (Q, "reminder.escalated", 7)],
            id="late-start-overdue-and-qm",
        ),
        pytest.param(10, {domain.OVERDUE, Q}, 7, [], id="qm-once"),
        pytest.param(13, {domain.OVERDUE, Q}, 7, [], id="before-director"),
        pytest.param(14, {domain.OVERDUE, Q}, 7, [(D, "reminder.escalated", 14)], id="escalated-to-director"),
        pytest.param(
            14,
            set(),
            7,
            [(domain.OVERDUE, "reminder.overdue", 14), (Q, "reminder.escalated", 14), (D, "reminder.escalated", 14)],
            id="everything-at-once",
        ),
        pytest.param(60, {domain.OVERDUE, Q, D}, 7, [], id="all-sent"),
        pytest.param(3, {domain.OVERDUE}, 3, [(Q, "reminder.escalated", 3)], id="short-escalation-qm"),
        pytest.param(6, {domain.OVERDUE, Q}, 3, [(D, "reminder.escalated", 6)], id="short-escalation-director"),
    ],
)
def test_reminders_due(offset, sent, escalation_days, expected):
    assert domain.reminders_due(item(), day(offset), sent, escalation_days) == expected


@pytest.mark.parametrize("offset", [-30, -7, -1, 0, 1, 7, 14, 100])
def test_handled_items_get_nothing(offset):
    assert domain.reminders_due(item(handled=True), day(offset), set(), 7) == []


@pytest.mark.parametrize("offset", [-30, 0, 14])
def test_items_without_a_due_date_get_nothing(offset):
    assert domain.reminders_due(item(due_date=None), day(offset), set(), 7) == []


@pytest.mark.parametrize("escalation_days", [1, 3, 7, 10])
def test_a_daily_run_sends_each_reminder_once(escalation_days):
    """The timer runs every day: what each mark's first day is, and that nothing comes twice."""
    sent, calendar = set(), []
    for offset in range(-60, 3 * escalation_days + 10):
        for mark, kind, days in domain.reminders_due(item(), day(offset), sent, escalation_days):
            calendar.append((offset, mark, kind, days))
            sent.add(mark)
    assert calendar == [
        (-30, SOON30, "reminder.due_soon", 30),
        (-7, SOON7, "reminder.due_soon", 7),
        (-1, SOON1, "reminder.due_soon", 1),
        (1, domain.OVERDUE, "reminder.overdue", 1),
        (escalation_days, Q, "reminder.escalated", escalation_days),  # with the overdue notice when 1
        (2 * escalation_days, D, "reminder.escalated", 2 * escalation_days),
    ]


@pytest.mark.parametrize(
    "offset,sent,expected",
    [
        pytest.param(-30, set(), [], id="no-30-mark"),
        pytest.param(-7, set(), [(SOON7, "reminder.due_soon", 7)], id="7-days"),
        pytest.param(-1, {SOON7}, [(SOON1, "reminder.due_soon", 1)], id="1-day"),
        pytest.param(1, {SOON7, SOON1}, [(domain.OVERDUE, "reminder.overdue", 1)], id="overdue-as-usual"),
    ],
)
def test_a_kind_may_declare_its_own_reminder_days(offset, sent, expected):
    # The policy's review is reminded 7 and 1 days ahead only (services/policy/notices.py).
    assert domain.reminders_due(item(), day(offset), sent, 7, reminder_days=(7, 1)) == expected


def test_a_run_skipping_days_sends_only_the_nearest_mark():
    # The service was down from 35 days to 5 days before the due date: one reminder, the 7-day one.
    sent = {mark for mark, _, _ in domain.reminders_due(item(), day(-35), set(), 7)}
    assert sent == set()
    assert domain.reminders_due(item(), day(-5), sent, 7) == [(SOON7, "reminder.due_soon", 5)]
