"""The outside world of notifications: e-mail over SMTP (or into a maildir) and signed webhooks.

Each sender raises DeliveryFailed with a message an operator can act on; the dispatcher records
it in the delivery log and retries later."""

import hashlib
import hmac
import http.client
import json
import mailbox
import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from jouda.shared.text import one_line

SIGNATURE_HEADER = "X-Jouda-Signature"
EVENT_HEADER = "X-Jouda-Event"
SMTP_TIMEOUT_SECONDS = 10
WEBHOOK_TIMEOUT_SECONDS = 5


class DeliveryFailed(Exception):
    """`server_down`: the server could not be reached or dropped the connection (every e-mail
    would fail now), as opposed to this one message or address being refused."""

    def __init__(self, message, *, server_down=False, permanent=False):
        super().__init__(message)
        self.server_down, self.permanent = server_down, permanent


def email_message(
    mail_from, to_address, to_name, subject, text, html, message_id_domain="jouda.local", delivery_id=None
):
    """Every header value that can hold people's text (a name, a title in the subject) is folded
    to one line: a line break there would otherwise make the message impossible to build.

    `delivery_id` names the message (its Message-ID): a second attempt of one delivery is the same
    message, which a mail program can recognise. SMTP hands a message over with the server's
    answer to its last line; a sender stopped after that line and before the answer cannot know
    whether the server kept it, so a delivery whose outcome was never recorded is tried again."""
    message = EmailMessage()
    message["From"] = one_line(mail_from)
    message["To"] = formataddr((one_line(to_name), one_line(to_address)))
    message["Subject"] = one_line(subject)
    message["Message-ID"] = (
        f"<{delivery_id}@{message_id_domain}>" if delivery_id else make_msgid(domain=message_id_domain)
    )
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


class Mailer:
    """Sends with one SMTP connection per batch (`with mailer:`), or writes into a maildir."""

    def __init__(self, smtp_url, default_maildir: Path, mail_from="Jouda <no-reply@jouda.local>"):
        self.mail_from = mail_from
        self.url = smtp_url or f"maildir://{Path(default_maildir).resolve()}"
        parts = urlsplit(self.url)
        self.scheme = parts.scheme
        if self.scheme not in ("smtp", "smtps", "maildir"):
            raise ValueError(f"JOUDA_SMTP_URL must be smtp://, smtps:// or maildir://, not {self.url!r}")
        self.host, self.port = parts.hostname, parts.port
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.starttls = parse_qs(parts.query).get("starttls", ["false"])[0].lower() in ("1", "true", "yes")
        self.path = unquote(parts.path) if self.scheme == "maildir" else None
        self._smtp = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError, RuntimeError):
                pass
            self._smtp = None

    def send(self, message):
        if self.scheme == "maildir":
            try:
                for folder in ("tmp", "new", "cur"):  # a freshly mounted, empty volume has none of them
                    Path(self.path, folder).mkdir(parents=True, exist_ok=True)
                mailbox.Maildir(self.path, create=True).add(message)
            except OSError as exc:
                raise DeliveryFailed(f"cannot write to the maildir {self.path}: {exc}") from None
            return
        try:
            self._connection().send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            # 5xx: this address will not take mail (no such mailbox); 4xx: try again later.
            permanent = all(code >= 500 for code, _ in exc.recipients.values())
            raise DeliveryFailed(f"SMTP {self.host}:{self.port} refused it: {exc}", permanent=permanent) from None
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            raise DeliveryFailed(f"SMTP {self.host}:{self.port} refused it: {exc}") from None
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise DeliveryFailed(f"SMTP {self.host}:{self.port}: {exc}", server_down=True) from None

    def _connection(self):
        if self._smtp is None:
            if self.scheme == "smtps":
                smtp = smtplib.SMTP_SSL(
                    self.host, self.port or 465, timeout=SMTP_TIMEOUT_SECONDS, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(self.host, self.port or 25, timeout=SMTP_TIMEOUT_SECONDS)
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password or "")
            self._smtp = smtp
        return self._smtp


def signature(secret: str, body: bytes) -> str:
    """What a receiver recomputes: `sha256=` and the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the address that was checked, with the certificate verified for the URL's host name."""

    def __init__(self, address, port, server_hostname, **kwargs):
        super().__init__(address, port, context=ssl.create_default_context(), **kwargs)
        self.server_hostname = server_hostname

    def connect(self):
        http.client.HTTPConnection.connect(self)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.server_hostname)


def post_webhook(url, secret, envelope, address):
    """POSTs the signed envelope to `url`, connecting to `address` (one the URL's check accepted),
    never to what the host name resolves to now. A redirect is a failure: the call is answered
    where it was registered."""
    parts = urlsplit(url)
    body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()
    https = parts.scheme.lower() == "https"
    port = parts.port or (443 if https else 80)
    if https:
        connection = _PinnedHTTPSConnection(address, port, parts.hostname, timeout=WEBHOOK_TIMEOUT_SECONDS)
    else:
        connection = http.client.HTTPConnection(address, port, timeout=WEBHOOK_TIMEOUT_SECONDS)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(
            "POST",
            target,
            body=body,
            headers={
                "Host": parts.netloc,
                "Content-Type": "application/json",
                SIGNATURE_HEADER: signature(secret, body),
                EVENT_HEADER: one_line(envelope.get("type", "")),
                "User-Agent": "Jouda-Webhooks/1",
            },
        )
        reply = connection.getresponse()
        reply.read()
        if not 200 <= reply.status < 300:
            raise DeliveryFailed(f"HTTP {reply.status}")
    except (http.client.HTTPException, OSError) as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from None
    finally:
        connection.close()


def resolve(host):
    return sorted({info[4][0] for info in socket.getaddrinfo(host, None)})
