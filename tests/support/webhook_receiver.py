"""A real HTTP endpoint for webhooks: an eventlet WSGI server on loopback that records every POST
(raw body and headers), checks its X-Jouda-Signature with the secret the test gives it, and
answers with the status the test chose for that path."""

import hashlib
import hmac
import json

import eventlet
from eventlet import wsgi


class WebhookReceiver:
    def __init__(self):
        self.received = []  # every request, in arrival order
        self.secrets = {}  # path -> signing secret
        self.statuses = {}  # path -> HTTP status to answer (200 when not said)
        self._listener = self._server = None
        self.port = None

    def start(self):
        self._listener = eventlet.listen(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._server = eventlet.spawn(wsgi.server, self._listener, self._app, log_output=False)
        return self

    def stop(self):
        if self._server is not None:
            self._server.kill()
        if self._listener is not None:
            self._listener.close()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def expect(self, path, secret, status=200):
        self.secrets[path], self.statuses[path] = secret, status

    def requests(self, path):
        return [r for r in self.received if r["path"] == path]

    @staticmethod
    def expected_signature(secret, body):
        return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()

    def _app(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        path = environ.get("PATH_INFO", "")
        headers = {
            key[5:].replace("_", "-").title(): value for key, value in environ.items() if key.startswith("HTTP_")
        }
        headers["Content-Type"] = environ.get("CONTENT_TYPE", "")
        secret = self.secrets.get(path)
        signature = headers.get("X-Jouda-Signature", "")
        verified = secret is not None and hmac.compare_digest(signature, self.expected_signature(secret, body))
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        self.received.append(
            {
                "method": environ["REQUEST_METHOD"],
                "path": path,
                "headers": headers,
                "body": body,
                "json": parsed,
                "verified": verified,
            }
        )
        status = self.statuses.get(path, 200)
        start_response(f"{status} {'OK' if status < 400 else 'Error'}", [("Content-Type", "text/plain")])
        return [b"ok" if status < 400 else b"boom"]
