"""A small JSON client for driving the gateway over real HTTP."""

import http.client
import json


class Response:
    def __init__(self, status, body, headers):
        self.status, self.body, self.headers = status, body, headers

    def json(self):
        return json.loads(self.body)

    @property
    def error_code(self):
        return self.json()["error"]["code"]

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


class Client:
    def __init__(self, port, token=None):
        self.port, self.token = port, token

    def as_(self, token):
        return Client(self.port, token)

    def request(self, method, path, body=None, *, raw=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = dict(headers or {})
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        payload = raw
        if body is not None:
            payload = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        try:
            connection.request(method, path, body=payload, headers=sent)
            reply = connection.getresponse()
            return Response(reply.status, reply.read().decode(), dict(reply.getheaders()))
        finally:
            connection.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)


class Browser(Client):
    """A client that signs in as a browser does: keeps the session cookie the gateway sets, and sends
    the CSRF token it was given with every state-changing request (unless told not to)."""

    def __init__(self, port, origin=None):
        super().__init__(port)
        self.cookie, self.csrf, self.origin = None, None, origin

    def request(self, method, path, body=None, *, raw=None, headers=None, csrf=True):
        sent = dict(headers or {})
        if self.cookie:
            sent["Cookie"] = f"jouda_session={self.cookie}"
        if csrf and self.csrf and method not in ("GET", "HEAD", "OPTIONS"):
            sent.setdefault("X-CSRF-Token", self.csrf)
        if self.origin:
            sent.setdefault("Origin", self.origin)
        reply = super().request(method, path, body, raw=raw, headers=sent)
        set_cookie = reply.headers.get("Set-Cookie", "")
        if set_cookie.startswith("jouda_session="):
            self.cookie = set_cookie.split(";", 1)[0].split("=", 1)[1] or None
        if reply.status == 200 and reply.body.startswith("{") and '"csrf_token"' in reply.body:
            self.csrf = reply.json()["csrf_token"]
        return reply

    def sign_in(self, email, password, **extra):
        return self.post("/api/v1/auth/sign-in", {"email": email, "password": password, **extra})
