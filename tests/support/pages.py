"""Driving the web app's pages over real HTTP as a browser without JavaScript would: cookies kept,
forms posted with the form token the page carries, redirects followed by hand."""

import http.client
import re
import uuid
from html import unescape
from urllib.parse import urlencode

from sqlalchemy import update

from jouda.services.gateway import passwords
from jouda.services.gateway.models import User
from jouda.shared.unit_of_work import EVERY_COUNCIL, UnitOfWork

PASSWORD = "correct horse battery staple 2026"
FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')


class Page:
    def __init__(self, status, text, headers):
        self.status, self.text, self.headers = status, text, headers

    @property
    def location(self):
        return self.headers.get("Location")

    def has(self, *fragments):
        return all(unescape(fragment) in unescape(self.text) for fragment in fragments)

    @property
    def form_token(self):
        found = FORM_TOKEN.search(self.text)
        return found.group(1) if found else None

    def __repr__(self):
        main = self.text.split("<main", 1)[-1][:600]
        return f"<{self.status} {self.location or ''} {main!r}>"


class PageBrowser:
    def __init__(self, port, language="en"):
        # The page's language chosen as the switch does (it wins over the person's own).
        self.port, self.cookies, self.language = port, {"jouda_lang": language}, language

    def request(self, method, path, fields=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"Accept": "text/html", "Accept-Language": self.language, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urlencode(fields, doseq=True).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=sent)
            reply = connection.getresponse()
            text = reply.read().decode()
            for name, value in reply.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    content = rest.split(";", 1)[0]
                    if "Max-Age=0" in value or not content:
                        self.cookies.pop(key, None)
                    else:
                        self.cookies[key] = content
            return Page(reply.status, text, dict(reply.getheaders()))
        finally:
            connection.close()

    def get(self, path, follow=True):
        page = self.request("GET", path)
        while follow and page.status in (302, 303) and page.location:
            page = self.request("GET", page.location)
        return page

    def post(self, path, fields, follow=True, token=True):
        """Posts a form as the page would: with the form token and an idempotency key of its own."""
        fields = dict(fields)
        if token:
            fields.setdefault("csrf_token", self.cookies.get("jouda_form", ""))
        fields.setdefault("idempotency_key", uuid.uuid4().hex)
        page = self.request("POST", path, fields)
        while follow and page.status in (302, 303) and page.location:
            page = self.request("GET", page.location)
        return page

    def sign_in(self, email, password=PASSWORD, follow=True):
        return self.post("/sign-in", {"email": email, "password": password}, token=False, follow=follow)


def give_password(gateway_db, user_id, password=PASSWORD):
    with UnitOfWork(gateway_db, EVERY_COUNCIL) as uow:
        uow.session.execute(
            update(User).where(User.id == user_id).values(password_hash=passwords.hash_password(password))
        )
        uow.commit()
