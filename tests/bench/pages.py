"""(l) the heaviest pages of the web app under 20 clients, each beside the JSON call that carries the
same data, by the same clients with the same session cookie in the same run: the council dashboard
(`/dashboard` beside GET /api/v1/dashboard) and the national overview (`/ministry` beside GET
/api/v1/ministry/overview on the national data set of (e)). A page costs its operation's call plus
the rendering (Jinja2, translations, the SVG charts) and the inbox's unread count; the goal is at most
1.5x its API call.

    python -m tests.bench.pages     # (l) alone, on the demo as `make run` seeds it (two councils)
"""

import json
import os
import urllib.request

import pyotp
from sqlalchemy import update

from jouda.services.gateway import passwords
from jouda.services.gateway.models import User
from jouda.shared.unit_of_work import EVERY_COUNCIL, UnitOfWork
from tests.bench.loadgen import run_load

CLIENTS = 20
SECONDS = float(os.environ.get("JOUDA_BENCH_SECONDS", "10"))
PASSWORD = "bench pages: a long passphrase 2026"


def _post(port, path, body, cookie=None, csrf=None):
    headers = {"Content-Type": "application/json"}
    if cookie:
        headers["Cookie"] = cookie
    if csrf:
        headers["X-CSRF-Token"] = csrf
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", json.dumps(body).encode(), headers)
    with urllib.request.urlopen(request, timeout=60) as answer:
        return answer.headers.get_all("Set-Cookie") or [], json.loads(answer.read() or b"null")


def session_cookie(port, gateway_db, email, tenant=None) -> str:
    """A session of `email` opened as the web app opens one (enrolling the second step if the role must)."""
    with UnitOfWork(gateway_db, EVERY_COUNCIL) as uow:
        uow.session.execute(
            update(User).where(User.email == email).values(password_hash=passwords.hash_password(PASSWORD))
        )
        uow.commit()
    cookies, answer = _post(port, "/api/v1/auth/sign-in", {"email": email, "password": PASSWORD, "tenant": tenant})
    cookie = next(c.split(";", 1)[0] for c in cookies if c.startswith("jouda_session="))
    if answer["two_factor_enrolment_required"]:
        _, enrolment = _post(port, "/api/v1/me/two-factor", {}, cookie, answer["csrf_token"])
        code = pyotp.TOTP(enrolment["secret"]).now()
        _post(port, "/api/v1/me/two-factor/confirm", {"code": code}, cookie, answer["csrf_token"])
    return cookie


def _checked(port, path, cookie, accept):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Cookie": cookie, "Accept": accept})
    with urllib.request.urlopen(request, timeout=60) as answer:
        assert answer.status == 200, (path, answer.status)


def measure(port, gateway_db, council, quality_manager_email):
    """{label: (page result, API result)}."""
    cases = (
        ("council dashboard", "/dashboard", "/api/v1/dashboard", quality_manager_email, council),
        ("national overview", "/ministry", "/api/v1/ministry/overview", "observatoire@ministere.example", None),
    )
    results = {}
    for label, page, api, email, tenant in cases:
        cookie = session_cookie(port, gateway_db, email, tenant)
        _checked(port, page, cookie, "text/html")
        _checked(port, api, cookie, "application/json")
        measured = []
        for path, accept in ((page, "text/html"), (api, "application/json")):
            measured.append(
                run_load(
                    f"http://127.0.0.1:{port}{path}",
                    clients=CLIENTS,
                    duration=SECONDS,
                    headers={"Cookie": cookie, "Accept": accept},
                )
            )
        results[label] = measured
    return results


def report(line, results):
    print(f"\n(l) web pages under {CLIENTS} clients beside their JSON call, same session (ms, lower is better)")
    for label, (page, api) in results.items():
        line(f"{label} page p50", page.p50_ms, api.p50_ms, "its JSON call", "ms", "goal <= 1.5x")
        line(f"{label} page p95", page.p95_ms, api.p95_ms, "its JSON call", "ms", "goal <= 1.5x")
        line(f"{label} pages/s", page.requests_per_second, api.requests_per_second, "its JSON call", "/s")
        kinds = "".join(f" {result.error_kinds}" for result in (page, api) if result.error_kinds)
        print(f"      errors: page {page.errors} of {page.requests}, JSON {api.errors} of {api.requests}{kinds}")


def main():
    """(l) on the demo: the Fès-Meknès dashboard and the overview of its councils."""
    from urllib.parse import urlsplit

    from jouda.shared.db import Database
    from tests.bench.__main__ import line
    from tests.browser.stack import running_stack

    details = {}
    with running_stack(details) as url:
        gateway_db = Database("gateway", details["database_url"], pool_size=1)
        try:
            results = measure(urlsplit(url).port, gateway_db, "fes-meknes", "qualite@fes-meknes.example")
        finally:
            gateway_db.dispose()
    report(line, results)


if __name__ == "__main__":
    main()
