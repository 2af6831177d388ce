"""The outside world of notifications (services/notifications/channels.py): e-mail messages, the
Mailer's URL and its maildir and SMTP sending, webhook signatures, and webhook posts.

tests/conftest.py monkey-patches eventlet, so the local servers here are green: an eventlet.wsgi
server for webhooks and a tiny SMTP responder, each spawned as a greenthread on 127.0.0.1."""

import base64
import email
import email.policy
import hashlib
import hmac
import json
import mailbox
import socket

import eventlet
import eventlet.wsgi
import pytest

from jouda.services.notifications import channels
from jouda.services.notifications.channels import DeliveryFailed, Mailer

FROM = "Jouda <no-reply@jouda.local>"
ENVELOPE = {
    "event_id": "2f8b3c4e-7d1a-4f0e-9b2a-5c6d7e8f9a0b",
    "type": "policy.published",
    "version": 1,
    "tenant_id": "fes-meknes",
    "occurred_at": "2026-11-21T09:00:00+00:00",
    "actor": "u-qm",
    "payload": {"title": "سياسة الجودة", "version": 3},
}


def closed_port():
    """A port nothing listens on (bound, then released)."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def parsed(message):
    return email.message_from_bytes(bytes(message), policy=email.policy.default)


# --- signatures ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "secret,body",
    [
        ("s3cret", b'{"a":1}'),
        ("", b""),
        ("clé-ünïcode", "سياسة".encode()),
        ("x" * 64, b"\x00\xff" * 100),
    ],
)
def test_signature_is_the_hmac_sha256_of_the_body(secret, body):
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert channels.signature(secret, body) == expected


def test_the_signature_depends_on_secret_and_body():
    assert channels.signature("a", b"body") != channels.signature("b", b"body")
    assert channels.signature("a", b"body") != channels.signature("a", b"body ")


# --- e-mail messages -------------------------------------------------------------------------------------


def test_email_message_has_text_and_html_alternatives():
    message = channels.email_message(
        FROM,
        "salma@fes.test",
        "Salma Benali",
        "Sujet",
        "Bonjour.",
        "<p>Bonjour.</p>",
        message_id_domain="jouda.example",
    )
    assert message["From"] == FROM
    assert message["To"] == "Salma Benali <salma@fes.test>"
    assert message["Subject"] == "Sujet"
    assert message["Message-ID"].endswith("@jouda.example>")
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(("plain",)).get_content().strip() == "Bonjour."
    assert message.get_body(("html",)).get_content().strip() == "<p>Bonjour.</p>"


def test_a_delivery_s_message_is_named_after_it_so_a_second_attempt_is_the_same_message():
    first, second = (
        channels.email_message(FROM, "salma@fes.test", None, "s", "t", "<p>t</p>", delivery_id="d-1") for _ in range(2)
    )
    assert first["Message-ID"] == second["Message-ID"] == "<d-1@jouda.local>"


def test_email_message_without_a_name():
    message = channels.email_message(FROM, "salma@fes.test", None, "Sujet", "t", "<p>t</p>")
    assert message["To"] == "salma@fes.test"
    assert message["Message-ID"].endswith("@jouda.local>")


def test_arabic_names_and_subjects_survive_the_round_trip():
    message = channels.email_message(
        FROM,
        "salma@fes.test",
        "سلمى بنعلي",
        "نشر سياسة الجودة",
        "السلام عليكم",
        '<html lang="ar" dir="rtl"><p>السلام عليكم</p></html>',
    )
    back = parsed(message)
    assert back["Subject"] == "نشر سياسة الجودة"
    assert back["To"].addresses[0].display_name == "سلمى بنعلي"
    assert back["To"].addresses[0].addr_spec == "salma@fes.test"
    assert back.get_body(("plain",)).get_content().strip() == "السلام عليكم"
    assert 'dir="rtl"' in back.get_body(("html",)).get_content()


# --- the Mailer's URL -----------------------------------------------------------------------------------------


def test_smtp_url_with_credentials_and_starttls():
    mailer = Mailer("smtp://user:pass@mail.example.org:2525?starttls=true", "/unused")
    assert (mailer.scheme, mailer.host, mailer.port) == ("smtp", "mail.example.org", 2525)
    assert (mailer.user, mailer.password, mailer.starttls, mailer.path) == ("user", "pass", True, None)
    assert mailer.mail_from == FROM


@pytest.mark.parametrize(
    "query,starttls",
    [
        ("", False),
        ("?starttls=false", False),
        ("?starttls=true", True),
        ("?starttls=TRUE", True),
        ("?starttls=1", True),
        ("?starttls=yes", True),
        ("?starttls=no", False),
        ("?other=1", False),
    ],
)
def test_starttls_flag(query, starttls):
    assert Mailer(f"smtp://mail.example.org{query}", "/unused").starttls is starttls


def test_percent_encoded_credentials_are_decoded():
    mailer = Mailer("smtp://jouda%40fes.ma:p%40ss%3Aw%2Frd@mail.example.org:587", "/unused")
    assert (mailer.user, mailer.password) == ("jouda@fes.ma", "p@ss:w/rd")


def test_smtp_without_credentials_or_port():
    mailer = Mailer("smtp://mail.example.org", "/unused")
    assert (mailer.host, mailer.port, mailer.user, mailer.password, mailer.starttls) == (
        "mail.example.org",
        None,
        None,
        None,
        False,
    )


def test_smtps_url():
    mailer = Mailer("smtps://relay:secret@smtp.example.org", "/unused", mail_from="Conseil <qualite@fes.ma>")
    assert (mailer.scheme, mailer.host, mailer.port, mailer.user, mailer.password) == (
        "smtps",
        "smtp.example.org",
        None,
        "relay",
        "secret",
    )
    assert mailer.mail_from == "Conseil <qualite@fes.ma>"


def test_maildir_url():
    mailer = Mailer("maildir:///var/lib/jouda/mail%20box", "/unused")
    assert (mailer.scheme, mailer.path, mailer.host) == ("maildir", "/var/lib/jouda/mail box", None)


def test_no_url_means_a_maildir_under_the_default_folder(tmp_path):
    mailer = Mailer(None, tmp_path / "mail")
    assert mailer.url == f"maildir://{(tmp_path / 'mail').resolve()}"
    assert (mailer.scheme, mailer.path) == ("maildir", str((tmp_path / "mail").resolve()))
    assert Mailer("", tmp_path / "mail").url == mailer.url


@pytest.mark.parametrize(
    "url",
    [
        "http://mail.example.org",
        "https://mail.example.org",
        "ftp://x",
        "smtp+tls://x",
        "mail.example.org:25",
        "file:///tmp/mail",
    ],
)
def test_other_schemes_are_refused(url):
    with pytest.raises(ValueError, match="smtp://, smtps:// or maildir://"):
        Mailer(url, "/unused")


# --- maildir delivery -----------------------------------------------------------------------------------------


def test_maildir_delivery_writes_a_readable_multipart_message(tmp_path):
    folder = tmp_path / "mail"
    with Mailer(None, folder) as mailer:
        mailer.send(
            channels.email_message(
                mailer.mail_from,
                "salma@fes.test",
                "Salma",
                "Politique publiée",
                "Bonjour Salma,\n\nLa politique est publiée.",
                '<html lang="fr" dir="ltr"><p>Bonjour Salma,</p></html>',
            )
        )
        long_arabic_subject = "نشر سياسة الجودة الجديدة: Politique qualité 2026 (الإصدار 2)"
        mailer.send(
            channels.email_message(
                mailer.mail_from,
                "karim@fes.test",
                "كريم",
                long_arabic_subject,
                "السلام عليكم",
                '<html lang="ar" dir="rtl"><p>السلام عليكم</p></html>',
            )
        )
    box = mailbox.Maildir(folder, create=False)
    messages = sorted((parsed(box.get_bytes(key)) for key in box.keys()), key=lambda m: m["To"].addresses[0].addr_spec)
    assert [str(m["To"].addresses[0].addr_spec) for m in messages] == ["karim@fes.test", "salma@fes.test"]
    arabic, french = messages
    assert french["Subject"] == "Politique publiée" and french["From"] == FROM
    assert french.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in french.iter_parts()] == ["text/plain", "text/html"]
    assert french.get_body(("plain",)).get_content().startswith("Bonjour Salma,")
    assert 'lang="fr"' in french.get_body(("html",)).get_content()
    assert arabic["Subject"] == "نشر سياسة الجودة الجديدة: Politique qualité 2026 (الإصدار 2)"  # long: folded
    assert 'dir="rtl"' in arabic.get_body(("html",)).get_content()


def test_a_maildir_in_an_existing_empty_folder(tmp_path):
    folder = tmp_path / "volume"
    folder.mkdir()  # the mount point exists, empty
    Mailer(f"maildir://{folder}", "/unused").send(
        channels.email_message(FROM, "salma@fes.test", None, "s", "t", "<p>t</p>")
    )
    assert len(mailbox.Maildir(folder, create=False)) == 1


def test_an_unwritable_maildir_is_a_delivery_failure(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the maildir should be")
    mailer = Mailer(f"maildir://{blocker}", "/unused")
    with pytest.raises(DeliveryFailed, match="cannot write to the maildir"):
        mailer.send(channels.email_message(FROM, "salma@fes.test", None, "s", "t", "<p>t</p>"))


# --- SMTP delivery ------------------------------------------------------------------------------------------


class FakeSMTP:
    """Just enough ESMTP (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, QUIT) to receive what the Mailer sends."""

    def __init__(self, refuse_recipients=()):
        self.refuse_recipients = set(refuse_recipients)
        self.connections, self.logins, self.messages, self.quits = 0, [], [], 0
        self.listener = eventlet.listen(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = eventlet.spawn(self._serve)

    def close(self):
        self.thread.kill()
        self.listener.close()

    def _serve(self):
        while True:
            connection, _ = self.listener.accept()
            self.connections += 1
            eventlet.spawn(self._session, connection)

    def _session(self, connection):
        stream = connection.makefile("rwb")

        def say(*lines):
            stream.write(b"".join(line.encode() + b"\r\n" for line in lines))
            stream.flush()

        say("220 fake.smtp ESMTP")
        recipients = []
        try:
            while True:
                line = stream.readline()
                if not line:
                    return
                command = line.decode().rstrip("\r\n")
                verb = command.split(" ", 1)[0].upper()
                if verb == "EHLO":
                    say("250-fake.smtp", "250-AUTH PLAIN", "250 8BITMIME")
                elif verb == "AUTH":
                    _, user, password = base64.b64decode(command.split(" ")[2]).decode().split("\0")
                    self.logins.append((user, password))
                    say("235 2.7.0 Authentication successful")
                elif verb == "MAIL":
                    recipients = []
                    say("250 OK")
                elif verb == "RCPT":
                    address = command.split(":", 1)[1].strip().strip("<>")
                    if address in self.refuse_recipients:
                        say("550 5.1.1 No such user")
                    else:
                        recipients.append(address)
                        say("250 OK")
                elif verb == "DATA":
                    say("354 End data with <CR><LF>.<CR><LF>")
                    data = []
                    while (chunk := stream.readline()) != b".\r\n":
                        data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                    self.messages.append(
                        (recipients, email.message_from_bytes(b"".join(data), policy=email.policy.default))
                    )
                    say("250 OK queued")
                elif verb in ("RSET", "NOOP"):
                    say("250 OK")
                elif verb == "QUIT":
                    self.quits += 1
                    say("221 Bye")
                    return
                else:
                    say("502 Command not implemented")
        finally:
            connection.close()


@pytest.fixture
def smtp_server():
    server = FakeSMTP(refuse_recipients={"nobody@fes.test"})
    yield server
    server.close()


def test_smtp_batch_uses_one_connection_and_logs_in(smtp_server):
    url = f"smtp://jouda%40fes.ma:p%40ss@127.0.0.1:{smtp_server.port}"
    with Mailer(url, "/unused") as mailer:
        for address in ("salma@fes.test", "karim@fes.test"):
            mailer.send(channels.email_message(mailer.mail_from, address, None, "تذكير", "السلام عليكم", "<p>x</p>"))
    eventlet.sleep(0.05)
    assert smtp_server.connections == 1 and smtp_server.quits == 1
    assert smtp_server.logins == [("jouda@fes.ma", "p@ss")]
    assert [recipients for recipients, _ in smtp_server.messages] == [["salma@fes.test"], ["karim@fes.test"]]
    message = smtp_server.messages[0][1]
    assert message["Subject"] == "تذكير"
    assert message.get_body(("plain",)).get_content().strip() == "السلام عليكم"


def test_a_refused_recipient_fails_that_message_only(smtp_server):
    mailer = Mailer(f"smtp://127.0.0.1:{smtp_server.port}", "/unused")
    with mailer:
        with pytest.raises(DeliveryFailed, match=f"SMTP 127.0.0.1:{smtp_server.port} refused it") as refused:
            mailer.send(channels.email_message(FROM, "nobody@fes.test", None, "s", "t", "<p>t</p>"))
        assert refused.value.server_down is False  # the server is up: the next message is tried
        assert mailer._smtp is not None
        mailer.send(channels.email_message(FROM, "salma@fes.test", None, "s", "t", "<p>t</p>"))  # same connection
    eventlet.sleep(0.05)
    assert smtp_server.connections == 1
    assert smtp_server.logins == []  # no credentials in the URL: no AUTH
    assert [recipients for recipients, _ in smtp_server.messages] == [["salma@fes.test"]]


def test_smtp_to_a_closed_port_is_a_delivery_failure():
    port = closed_port()
    mailer = Mailer(f"smtp://127.0.0.1:{port}", "/unused")
    with pytest.raises(DeliveryFailed, match=f"SMTP 127.0.0.1:{port}: .*(?i:refused)"):
        mailer.send(channels.email_message(FROM, "salma@fes.test", None, "s", "t", "<p>t</p>"))
    mailer.close()  # nothing to close: no error


# --- webhooks --------------------------------------------------------------------------------------------------


class WebhookReceiver:
    """An eventlet.wsgi server answering each path as told (default 200) and recording requests."""

    def __init__(self):
        self.requests, self.answers, self.delay = [], {}, 0
        self.listener = eventlet.listen(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = eventlet.spawn(eventlet.wsgi.server, self.listener, self.app, log_output=False)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def app(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        headers = {
            key[5:].replace("_", "-").title(): value for key, value in environ.items() if key.startswith("HTTP_")
        }
        headers["Content-Type"] = environ.get("CONTENT_TYPE")
        self.requests.append(
            {"method": environ["REQUEST_METHOD"], "path": environ["PATH_INFO"], "headers": headers, "body": body}
        )
        if self.delay:
            eventlet.sleep(self.delay)
        status, extra = self.answers.get(environ["PATH_INFO"], ("200 OK", []))
        start_response(status, [("Content-Type", "text/plain"), *extra])
        return [b"ok"]

    def close(self):
        self.thread.kill()
        self.listener.close()


@pytest.fixture
def receiver():
    server = WebhookReceiver()
    yield server
    server.close()


@pytest.mark.parametrize("status", ["200 OK", "201 Created", "202 Accepted", "204 No Content"])
def test_a_2xx_answer_is_a_delivery(receiver, status):
    receiver.answers["/hook"] = (status, [])
    assert channels.post_webhook(receiver.url("/hook"), "s3cret", ENVELOPE, "127.0.0.1") is None
    assert len(receiver.requests) == 1


def test_the_post_is_signed_json(receiver):
    channels.post_webhook(receiver.url("/hook"), "s3cret", ENVELOPE, "127.0.0.1")
    request = receiver.requests[0]
    assert (request["method"], request["path"]) == ("POST", "/hook")
    assert json.loads(request["body"]) == ENVELOPE
    assert "سياسة الجودة".encode() in request["body"]  # UTF-8, not \\u escapes
    headers = request["headers"]
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Jouda-Event"] == "policy.published"
    assert headers["User-Agent"] == "Jouda-Webhooks/1"
    expected = "sha256=" + hmac.new(b"s3cret", request["body"], hashlib.sha256).hexdigest()
    assert headers["X-Jouda-Signature"] == expected


@pytest.mark.parametrize(
    "status,code",
    [
        ("500 Internal Server Error", 500),
        ("503 Service Unavailable", 503),
        ("404 Not Found", 404),
        ("401 Unauthorized", 401),
        ("410 Gone", 410),
    ],
)
def test_an_error_answer_is_a_delivery_failure(receiver, status, code):
    receiver.answers["/hook"] = (status, [])
    with pytest.raises(DeliveryFailed, match=f"^HTTP {code}$"):
        channels.post_webhook(receiver.url("/hook"), "s3cret", ENVELOPE, "127.0.0.1")


@pytest.mark.parametrize(
    "status,code",
    [
        ("301 Moved Permanently", 301),
        ("302 Found", 302),
        ("303 See Other", 303),
        ("307 Temporary Redirect", 307),
        ("308 Permanent Redirect", 308),
    ],
)
def test_redirects_are_not_followed(receiver, status, code):
    receiver.answers["/moved"] = (status, [("Location", receiver.url("/elsewhere"))])
    with pytest.raises(DeliveryFailed, match=f"HTTP {code}"):
        channels.post_webhook(receiver.url("/moved"), "s3cret", ENVELOPE, "127.0.0.1")
    assert [request["path"] for request in receiver.requests] == ["/moved"]


def test_a_closed_port_is_a_delivery_failure():
    with pytest.raises(DeliveryFailed, match="(?i)refused"):
        channels.post_webhook(f"http://127.0.0.1:{closed_port()}/hook", "s3cret", ENVELOPE, "127.0.0.1")


def test_a_slow_receiver_times_out(receiver, monkeypatch):
    monkeypatch.setattr(channels, "WEBHOOK_TIMEOUT_SECONDS", 0.2)
    receiver.delay = 1.0
    with pytest.raises(DeliveryFailed, match="timed out"):
        channels.post_webhook(receiver.url("/hook"), "s3cret", ENVELOPE, "127.0.0.1")


def test_an_event_without_a_type_is_posted_with_an_empty_event_header(receiver):
    channels.post_webhook(receiver.url("/hook"), "s3cret", {"payload": {}}, "127.0.0.1")
    assert receiver.requests[0]["headers"].get("X-Jouda-Event", "") == ""


def test_the_post_goes_to_the_address_that_was_checked_not_to_a_new_lookup(receiver):
    # The host name is not looked up again: a name rebound to another address between the check
    # and the call cannot redirect it. (No resolver here knows this name.)
    channels.post_webhook(
        f"http://hooks.rebinding.example:{receiver.port}/hook?council=fes", "s3cret", ENVELOPE, "127.0.0.1"
    )
    request = receiver.requests[0]
    assert request["path"] == "/hook" and request["headers"]["Host"] == f"hooks.rebinding.example:{receiver.port}"


def test_an_event_type_is_one_line_in_its_header(receiver):
    channels.post_webhook(receiver.url("/hook"), "s3cret", {**ENVELOPE, "type": "policy.\npublished"}, "127.0.0.1")
    assert receiver.requests[0]["headers"]["X-Jouda-Event"] == "policy. published"


def test_resolve_answers_address_literals_without_dns():
    assert channels.resolve("127.0.0.1") == ["127.0.0.1"]
    assert channels.resolve("::1") == ["::1"]
