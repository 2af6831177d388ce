"""People sign in, on the running platform: invitations and their e-mail read from the SMTP server,
passwords, the second factor, sessions and their CSRF token, resets, throttling and lock-outs, each
council running its people, personal tokens, the platform's councils and the security log."""

import dataclasses
import re
import uuid
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from jouda.runner import Runner
from jouda.services.gateway import directory, passwords, sessions
from jouda.services.gateway.models import User
from jouda.shared.clock import utc_now
from jouda.shared.events.catalogue import validate_event
from tests.integration.conftest import eventually
from tests.support.http import Browser, Client
from tests.support.infrastructure import free_port

pytestmark = pytest.mark.integration

STRONG = "Tajine au citron, trois olives noires!"
OTHER_STRONG = "Vingt chameaux dorment sous la lune rouge"


@pytest.fixture(autouse=True)
def running(platform):
    """Every test here talks to the running platform, whichever runs first."""


def e_mail_text(smtp, address, subject_part):
    found = [m for m in smtp.messages(to=address) if subject_part in m["Subject"]]
    assert found, f"no e-mail to {address} about {subject_part!r}"
    return found[-1].get_body(("plain",)).get_content()


def link_secret(body):
    return re.search(r"#([A-Za-z0-9_-]{20,})", body).group(1)


def with_password(gateway_db, user_id, password=STRONG):
    """A person of the council fixture (made by the CLI's directory, without a password) gets one."""
    hashed = passwords.hash_password(password)
    with gateway_db.transaction(all_tenants=True) as session:
        session.get(User, user_id).password_hash = hashed
    return password


def email_of(gateway_db, user_id):
    with gateway_db.transaction(all_tenants=True) as session:
        return session.get(User, user_id).email


def log_entries(gateway_db, council, event):
    with gateway_db.transaction(all_tenants=True) as session:
        return session.execute(
            text("SELECT subject_email, details FROM security_log WHERE tenant_id = :t AND event = :e ORDER BY id"),
            {"t": council, "e": event},
        ).all()


def people_count(gateway_db, council):
    with gateway_db.transaction(all_tenants=True) as session:
        return session.execute(text("SELECT count(*) FROM users WHERE tenant_id = :t"), {"t": council}).scalar()


# --- invitation -> accept -> sign-in with a second factor -> sign-out ------------------------------------


def test_an_invited_person_chooses_a_password_enrols_a_second_factor_and_signs_in_with_it(
    client, settings, council, smtp, gateway_db
):
    manager = client.as_(council.tokens["quality_manager"])
    address = f"nadia-{uuid.uuid4().hex[:6]}@{council.code}.example"
    invited = manager.post("/api/v1/users", {"email": address, "name": "Nadia", "role": "auditor", "language": "ar"})
    assert invited.status == 201, invited
    assert invited.json()["status"] == "invited"
    body = eventually(lambda: smtp.messages(to=address) and e_mail_text(smtp, address, "جودة"), timeout=20)
    assert "مدقق داخلي" in body  # the role in words, in her language
    secret = link_secret(body)

    browser = Browser(settings.http_port)
    weak = browser.post("/api/v1/auth/invitations/accept", {"token": secret, "password": "nadia2026"})
    assert (weak.status, weak.error_code) == (422, "validation_failed")
    assert "12" in weak.json()["error"]["message"] and "حرف" in weak.json()["error"]["message"]  # in Arabic
    guessable = browser.post("/api/v1/auth/invitations/accept", {"token": secret, "password": "nadia" + council.code})
    assert guessable.status == 422 and "اسمك" in guessable.json()["error"]["message"]  # her name, her council
    accepted = browser.post("/api/v1/auth/invitations/accept", {"token": secret, "password": STRONG})
    assert accepted.status == 200, accepted
    cookie = accepted.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert browser.get("/api/v1/me").json()["email"] == address
    again = Browser(settings.http_port).post("/api/v1/auth/invitations/accept", {"token": secret, "password": STRONG})
    assert (again.status, again.error_code, again.json()["error"]["details"]["reason"]) == (
        410,
        "link_not_valid",
        "used",
    )

    enrolment = browser.post("/api/v1/me/two-factor")
    assert enrolment.status == 200 and enrolment.json()["otpauth_uri"].startswith("otpauth://totp/")
    totp = pyotp.TOTP(enrolment.json()["secret"])
    codes = browser.post("/api/v1/me/two-factor/confirm", {"code": totp.now()}).json()["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert browser.post("/api/v1/auth/sign-out").status == 200
    assert browser.get("/api/v1/me").status == 401  # the session has ended

    later = Browser(settings.http_port)
    needed = later.sign_in(address, STRONG)
    assert (needed.status, needed.error_code) == (401, "two_factor_required")
    code = totp.at(utc_now() + timedelta(seconds=30))  # the next step's code: the enrolment used this step's
    assert later.sign_in(address, STRONG, code=code).status == 200
    replayed = Browser(settings.http_port).sign_in(address, STRONG, code=code)
    assert (replayed.status, replayed.error_code) == (401, "invalid_credentials")  # a code is good once
    assert Browser(settings.http_port).sign_in(address, STRONG, recovery_code=codes[0]).status == 200
    assert Browser(settings.http_port).sign_in(address, STRONG, recovery_code=codes[0]).status == 401

    events = [entry.subject_email for entry in log_entries(gateway_db, council.code, "sign_in")]
    assert events.count(address) == 3  # at the acceptance, with the code, with the recovery code
    assert log_entries(gateway_db, council.code, "invitation_sent")[0].subject_email == address


def test_an_invitation_can_be_sent_again_and_withdrawn(client, council, smtp, event_tap):
    manager = client.as_(council.tokens["quality_manager"])
    address = f"omar-{uuid.uuid4().hex[:6]}@{council.code}.example"
    person = manager.post("/api/v1/users", {"email": address, "role": "staff"}).json()
    first = link_secret(eventually(lambda: smtp.messages(to=address) and e_mail_text(smtp, address, "Invitation")))
    assert manager.post(f"/api/v1/users/{person['id']}/invitation").status == 200
    second = eventually(lambda: len(smtp.messages(to=address)) == 2 and link_secret(e_mail_text(smtp, address, "Inv")))
    assert second != first
    replaced = client.post("/api/v1/auth/invitations/accept", {"token": first, "password": STRONG})
    assert (replaced.status, replaced.json()["error"]["details"]["reason"]) == (410, "revoked")
    assert manager.request("DELETE", f"/api/v1/users/{person['id']}/invitation").status == 200
    withdrawn = client.post("/api/v1/auth/invitations/accept", {"token": second, "password": STRONG})
    assert (withdrawn.status, withdrawn.json()["error"]["details"]["reason"]) == (410, "revoked")
    sent = [e for e in event_tap.events("gateway.invitation_sent", council.code) if e["payload"]["email"] == address]
    assert len(sent) == 2 and all(validate_event(event) for event in sent)  # as its contract says


# --- passwords ------------------------------------------------------------------------------------------


def test_a_password_reset_link_works_once_ends_every_session_and_tells_nothing_of_unknown_addresses(
    client, settings, council, smtp, gateway_db, event_tap
):
    person_id = council.users["director"]
    address = email_of(gateway_db, person_id)
    with_password(gateway_db, person_id)
    signed_in = Browser(settings.http_port)
    assert signed_in.sign_in(address, STRONG).status == 200

    unknown = client.post("/api/v1/auth/password-reset", {"email": f"nobody@{council.code}.example"})
    known = client.post("/api/v1/auth/password-reset", {"email": address})
    assert unknown.status == known.status == 202 and unknown.body == known.body
    [asked] = eventually(lambda: event_tap.events("gateway.password_reset_requested", council.code))
    assert validate_event(asked) and asked["payload"]["email"] == address  # none for the unknown address
    first = link_secret(eventually(lambda: smtp.messages(to=address) and e_mail_text(smtp, address, "mot de passe")))
    client.post("/api/v1/auth/password-reset", {"email": address})
    newest = eventually(lambda: len(smtp.messages(to=address)) == 2 and link_secret(e_mail_text(smtp, address, "mot")))
    assert smtp.messages(to=f"nobody@{council.code}.example") == []
    stale = client.post("/api/v1/auth/password-reset/confirm", {"token": first, "password": OTHER_STRONG})
    assert (stale.status, stale.json()["error"]["details"]["reason"]) == (410, "revoked")  # a newer link replaced it

    done = client.post("/api/v1/auth/password-reset/confirm", {"token": newest, "password": OTHER_STRONG})
    assert done.status == 200, done
    assert signed_in.get("/api/v1/me").status == 401  # the sessions opened before the reset have ended
    assert Browser(settings.http_port).sign_in(address, STRONG).status == 401
    assert Browser(settings.http_port).sign_in(address, OTHER_STRONG).status == 200
    used = client.post("/api/v1/auth/password-reset/confirm", {"token": newest, "password": STRONG})
    assert (used.status, used.json()["error"]["details"]["reason"]) == (410, "used")


def test_a_person_of_no_council_gets_their_password_reset_e_mail(client, settings, gateway_db, smtp):
    # The ministry's and the administrators' own e-mails failed in the notifications service: their
    # delivery row had no council, which a delivery must name.
    address = f"analyste-{uuid.uuid4().hex[:8]}@ministere.test"
    person = directory.add_user(gateway_db, address, "ministry")
    with_password(gateway_db, person.id)
    assert client.post("/api/v1/auth/password-reset", {"email": address}).status == 202
    secret = link_secret(eventually(lambda: smtp.messages(to=address) and e_mail_text(smtp, address, "mot de passe")))
    done = client.post("/api/v1/auth/password-reset/confirm", {"token": secret, "password": OTHER_STRONG})
    assert done.status == 200, done
    assert Browser(settings.http_port).sign_in(address, OTHER_STRONG).status == 200


def test_a_wrong_address_and_a_wrong_password_are_answered_alike_after_the_same_work(
    settings, council, gateway_db, monkeypatch
):
    address = email_of(gateway_db, council.users["process_owner"])
    with_password(gateway_db, council.users["process_owner"])
    verified, real = [], passwords._off_the_loop
    monkeypatch.setattr(passwords, "_off_the_loop", lambda work, *args: verified.append(work) or real(work, *args))
    wrong_password = Browser(settings.http_port).sign_in(address, "not the password at all, sorry")
    after_one = len(verified)
    wrong_address = Browser(settings.http_port).sign_in(f"x{address}", "not the password at all, sorry")
    assert wrong_password.status == wrong_address.status == 401
    assert wrong_password.body == wrong_address.body
    assert verified == [passwords.HASHER.verify] * 2 and after_one == 1  # one Argon2 verification each


def test_the_longest_address_and_council_a_sign_in_may_name_get_a_plain_refusal(settings, council):
    # The throttle's key held both in the clear, and outgrew its column: a 500.
    address = "a" * 240 + "@fes.example"
    answer = Browser(settings.http_port).sign_in(address, "not the password at all", tenant="t" * 64)
    assert (answer.status, answer.error_code) == (401, "invalid_credentials")


def test_a_person_changes_their_password_and_their_other_sessions_end(settings, council, gateway_db):
    address = email_of(gateway_db, council.users["auditor"])
    with_password(gateway_db, council.users["auditor"])
    here, elsewhere = Browser(settings.http_port), Browser(settings.http_port)
    assert here.sign_in(address, STRONG).status == elsewhere.sign_in(address, STRONG).status == 200
    wrong = here.request("PUT", "/api/v1/me/password", {"current_password": "nope", "new_password": OTHER_STRONG})
    assert wrong.status == 422
    changed = here.request("PUT", "/api/v1/me/password", {"current_password": STRONG, "new_password": OTHER_STRONG})
    assert changed.status == 200, changed
    assert here.get("/api/v1/me").status == 200 and elsewhere.get("/api/v1/me").status == 401
    demo = here.request(
        "PUT", "/api/v1/me/password", {"current_password": OTHER_STRONG, "new_password": "demo-auditor-2026"}
    )
    assert demo.status == 422  # only the seed sets a demo password


# --- sessions ---------------------------------------------------------------------------------------------


def test_a_state_changing_request_with_a_session_needs_its_csrf_token_and_an_allowed_origin(
    settings, council, gateway_db
):
    address = email_of(gateway_db, council.users["quality_manager"])
    with_password(gateway_db, council.users["quality_manager"])
    browser = Browser(settings.http_port)
    assert browser.sign_in(address, STRONG).status == 200
    body = {"email": f"csrf-{uuid.uuid4().hex[:6]}@{council.code}.example", "role": "staff"}
    before = people_count(gateway_db, council.code)
    forged = browser.post("/api/v1/users", body, csrf=False)
    assert (forged.status, forged.error_code) == (403, "csrf_refused")
    wrong = browser.post("/api/v1/users", body, headers={"X-CSRF-Token": "guessed"})
    assert (wrong.status, wrong.error_code) == (403, "csrf_refused")
    elsewhere = browser.post("/api/v1/users", body, headers={"Origin": "https://evil.example"})
    assert (elsewhere.status, elsewhere.error_code) == (403, "csrf_refused")
    assert people_count(gateway_db, council.code) == before  # nothing written
    assert browser.get("/api/v1/users").status == 200  # a read needs no token
    allowed = browser.post("/api/v1/users", body, headers={"Origin": sessions.origin_of(settings.public_url)})
    assert allowed.status == 201
    # A bearer-token request is not a browser's: no CSRF token asked.
    assert Client(settings.http_port, council.tokens["quality_manager"]).get("/api/v1/users").status == 200


def test_a_session_ends_after_its_idle_time_and_after_its_longest(settings, council, gateway_db, monkeypatch):
    address = email_of(gateway_db, council.users["staff"])
    with_password(gateway_db, council.users["staff"])
    browser = Browser(settings.http_port)
    assert browser.sign_in(address, STRONG).status == 200
    now = utc_now()
    # The tests' clock, where the gateway (in this process) reads the time for sessions.
    monkeypatch.setattr(sessions, "utc_now", lambda: now + timedelta(minutes=settings.session_idle_minutes - 1))
    assert browser.get("/api/v1/me").status == 200  # within the idle time: it goes on (and is touched)
    monkeypatch.setattr(sessions, "utc_now", lambda: now + timedelta(minutes=2 * settings.session_idle_minutes - 1))
    assert browser.get("/api/v1/me").status == 200  # idle time counted from the last request
    monkeypatch.setattr(sessions, "utc_now", lambda: now + timedelta(minutes=3 * settings.session_idle_minutes))
    ended = browser.get("/api/v1/me")
    assert (ended.status, ended.error_code) == (401, "session_ended")

    other = Browser(settings.http_port)
    monkeypatch.setattr(sessions, "utc_now", utc_now)
    assert other.sign_in(address, STRONG).status == 200
    began, step = utc_now(), timedelta(minutes=settings.session_idle_minutes * 2 / 3)
    moment = began
    while moment + step < began + timedelta(hours=settings.session_max_hours):  # never idle for long
        moment += step
        monkeypatch.setattr(sessions, "utc_now", lambda moment=moment: moment)
        assert other.get("/api/v1/me").status == 200, moment - began
    monkeypatch.setattr(sessions, "utc_now", lambda: began + timedelta(hours=settings.session_max_hours, minutes=1))
    assert other.get("/api/v1/me").status == 401  # the longest a session lasts, however busy


def test_deactivation_ends_a_live_session_and_the_persons_tokens_at_once(client, settings, council, gateway_db):
    person = council.users["process_owner"]
    address = email_of(gateway_db, person)
    with_password(gateway_db, person)
    browser = Browser(settings.http_port)
    assert browser.sign_in(address, STRONG).status == 200
    personal = browser.post("/api/v1/me/tokens", {"name": "tableur", "expires_in_days": 30}).json()["token"]
    program = client.as_(personal)
    assert program.get("/api/v1/me").status == 200  # now in the gateway's cache of authenticated tokens
    manager = client.as_(council.tokens["quality_manager"])
    assert manager.post(f"/api/v1/users/{person}/deactivate").json()["status"] == "deactivated"
    assert browser.get("/api/v1/me").status == 401
    assert program.get("/api/v1/me").status == 401  # not kept alive by the cache
    assert Browser(settings.http_port).sign_in(address, STRONG).status == 401
    assert manager.post(f"/api/v1/users/{person}/reactivate").json()["status"] == "active"
    assert Browser(settings.http_port).sign_in(address, STRONG).status == 200
    assert program.get("/api/v1/me").status == 401  # its tokens stay revoked


def test_an_operators_deactivation_ends_the_persons_sessions_too(settings, council, gateway_db):
    # `jouda user deactivate` revoked the tokens only: reactivated, the person's old session came back.
    person = council.users["auditor"]
    address = email_of(gateway_db, person)
    with_password(gateway_db, person)
    browser = Browser(settings.http_port)
    assert browser.sign_in(address, STRONG).status == 200
    directory.set_user_active(gateway_db, address, False, tenant=council.code)
    directory.set_user_active(gateway_db, address, True, tenant=council.code)
    ended = browser.get("/api/v1/me")
    assert (ended.status, ended.error_code) == (401, "session_ended")


# --- throttling ----------------------------------------------------------------------------------------------


def test_failures_for_one_account_slow_down_then_lock_it_and_its_owner_is_told(
    settings, council, smtp, gateway_db, event_tap
):
    person = council.users["auditor"]
    address = email_of(gateway_db, person)
    with_password(gateway_db, person)
    answers = [Browser(settings.http_port).sign_in(address, f"wrong guess number {n}!") for n in range(5)]
    assert [answer.status for answer in answers] == [401] * 5
    locked = Browser(settings.http_port).sign_in(address, STRONG)  # even the right password, now
    assert (locked.status, locked.error_code) == (429, "too_many_attempts")
    assert 0 < int(locked.headers["Retry-After"]) <= settings.sign_in_failure_window_seconds
    told = eventually(lambda: smtp.messages(to=address) and e_mail_text(smtp, address, "bloqué"), timeout=20)
    assert "127.0.0.1" in told
    assert [entry.subject_email for entry in log_entries(gateway_db, council.code, "locked_out")] == [address]
    [locked_event] = event_tap.events("gateway.account_locked", council.code)
    assert validate_event(locked_event) and locked_event["payload"]["email"] == address
    other = email_of(gateway_db, council.users["director"])  # another account is not locked
    with_password(gateway_db, council.users["director"])
    assert Browser(settings.http_port).sign_in(other, STRONG).status == 200


def test_failures_from_one_address_get_429_on_a_gateway_that_allows_few(platform, settings, council, gateway_db):
    forget_the_address(gateway_db)  # the other tests' failures from this address do not count here
    port = free_port()
    own = Runner(
        ["gateway"],
        dataclasses.replace(settings, http_port=port, metrics_port=free_port(), sign_in_address_failures_allowed=3),
    )
    own.start()
    try:
        for n in range(3):  # three accounts, one address
            assert Browser(port).sign_in(f"guess{n}@{council.code}.example", "wrong wrong wrong").status == 401
        refused = Browser(port).sign_in(f"guess9@{council.code}.example", "wrong wrong wrong")
        assert (refused.status, refused.error_code) == (429, "too_many_attempts") and refused.headers["Retry-After"]
    finally:
        own.stop()
        forget_the_address(gateway_db)  # the other tests share this address


def forget_the_address(gateway_db):
    with gateway_db.transaction(all_tenants=True) as session:
        session.execute(text("DELETE FROM sign_in_failures WHERE key = 'address:127.0.0.1'"))


# --- a council's people ---------------------------------------------------------------------------------------


def test_a_quality_manager_runs_the_councils_people_within_the_rules(client, council, other_council, gateway_db):
    manager = client.as_(council.tokens["quality_manager"])
    staff_id, manager_id = council.users["staff"], council.users["quality_manager"]
    listed = manager.get("/api/v1/users?role=staff&status=active").json()
    assert listed["total"] == 0  # the fixture's people have no password yet: invited, in effect
    assert manager.get("/api/v1/users?role=staff").json()["total"] == 2
    before = people_count(gateway_db, council.code)
    for body in (
        {"email": "x@y.example", "role": "admin"},
        {"email": "x@y.example", "role": "ministry"},
        {"email": "not an address", "role": "staff"},
        {"email": "x@y.example", "role": "staff", "lang": "fr"},
        {"email": "x@y.example", "role": "staff", "language": "en"},
    ):
        refused = manager.post("/api/v1/users", body)
        assert (refused.status, refused.error_code) == (422, "validation_failed"), body
    assert people_count(gateway_db, council.code) == before
    assert manager.patch(f"/api/v1/users/{staff_id}", {"role": "admin"}).status == 422
    assert manager.patch(f"/api/v1/users/{staff_id}", {"role": "process_owner"}).json()["role"] == "process_owner"
    last = manager.post(f"/api/v1/users/{manager_id}/deactivate")
    assert (last.status, last.json()["error"]["details"]["reason"]) == (409, "last_quality_manager")
    assert manager.patch(f"/api/v1/users/{manager_id}", {"role": "staff"}).status == 409
    for path in (f"/api/v1/users/{other_council.users['staff']}", f"/api/v1/users/{uuid.uuid4()}"):
        assert manager.patch(path, {"role": "auditor"}).status == 404  # another council's person: not found
        for action in ("/deactivate", "/reactivate", "/invitation"):
            assert manager.post(path + action).status == 404, action
        assert manager.request("DELETE", path + "/invitation").status == 404
    with gateway_db.transaction(all_tenants=True) as session:
        untouched = session.get(User, other_council.users["staff"])
        assert (untouched.role, untouched.active) == ("staff", True)
    director = client.as_(council.tokens["director"])
    assert director.get("/api/v1/users").status == 403
    assert people_count(gateway_db, council.code) == before


def test_anyone_of_a_council_reads_its_peoples_names_and_no_one_elses(
    client, council, other_council, ministry_token, admin_token
):
    mine, theirs = council.users["process_owner"], other_council.users["process_owner"]
    asked = f"/api/v1/user-names?ids={mine},{theirs},{council.users['director']},not-a-person"
    for role in ("staff", "auditor", "director"):
        answer = client.as_(council.tokens[role]).get(asked)
        assert answer.status == 200, answer
        named = {person["id"]: person["name"] for person in answer.json()["items"]}
        assert named == {
            mine: f"process_owner2@{council.code}.example",
            council.users["director"]: named[council.users["director"]],
        }
    assert client.as_(ministry_token).get(asked).status == 403
    assert client.as_(admin_token).get(asked).status == 422  # which council?
    assert len(client.as_(admin_token).get(f"{asked}&tenant={other_council.code}").json()["items"]) == 1
    too_many = ",".join(str(number) for number in range(201))
    refused = client.as_(council.tokens["staff"]).get(f"/api/v1/user-names?ids={too_many}")
    assert (refused.status, refused.error_code) == (422, "validation_failed")


def test_a_platform_admin_runs_any_councils_people_and_the_councils(
    client, admin_token, council, tenant_code, event_tap
):
    admin = client.as_(admin_token)
    assert admin.get("/api/v1/users").status == 422  # which council?
    assert admin.get(f"/api/v1/users?tenant={council.code}").json()["total"] == 6
    invited = admin.post(
        "/api/v1/users", {"email": f"a@{council.code}.example", "role": "quality_manager", "tenant": council.code}
    )
    assert invited.status == 201 and invited.json()["tenant"] == council.code
    region = admin.post("/api/v1/admin/tenants", {"code": "oriental"})
    assert region.status in (201, 409)  # the region's name comes from the catalogue (409: a test ran before)
    unnamed = admin.post("/api/v1/admin/tenants", {"code": f"{tenant_code}-commune"})
    assert (unnamed.status, unnamed.error_code) == (422, "validation_failed")
    added = admin.post("/api/v1/admin/tenants", {"code": f"{tenant_code}-commune", "name": "Commune"})
    assert added.status == 201 and added.json()["people"] == 0
    renamed = admin.patch(f"/api/v1/admin/tenants/{council.code}", {"name": "Conseil renommé"})
    assert renamed.json()["name"] == "Conseil renommé"
    [told] = eventually(lambda: event_tap.events("gateway.tenant_updated", council.code))
    assert validate_event(told) and told["payload"] == {"code": council.code, "name": "Conseil renommé"}
    staff = client.as_(council.tokens["staff"])
    assert admin.patch(f"/api/v1/admin/tenants/{council.code}", {"active": False}).json()["active"] is False
    assert staff.get("/api/v1/me").status == 401  # a deactivated council's people are refused
    assert admin.patch(f"/api/v1/admin/tenants/{council.code}", {"active": True}).json()["active"] is True
    assert staff.get("/api/v1/me").status == 200
    manager = client.as_(council.tokens["quality_manager"])
    assert manager.get("/api/v1/admin/tenants").status == 403


# --- personal access tokens -----------------------------------------------------------------------------------


def test_personal_tokens_are_shown_once_listed_without_their_secret_and_revoked(settings, council, gateway_db):
    address = email_of(gateway_db, council.users["director"])
    with_password(gateway_db, council.users["director"])
    browser = Browser(settings.http_port)
    assert browser.sign_in(address, STRONG).status == 200
    for body in (
        {"name": ""},
        {"name": "x", "expires_in_days": 0},
        {"name": "x", "expires_in_days": 400},
        {"name": "x", "expires_in_days": "30"},
    ):
        assert browser.post("/api/v1/me/tokens", body).status == 422, body
    created = browser.post("/api/v1/me/tokens", {"name": "export hebdo", "expires_in_days": 7})
    assert created.status == 201
    secret = created.json()["token"]
    assert Client(settings.http_port, secret).get("/api/v1/me").json()["email"] == address
    listed = browser.get("/api/v1/me/tokens").json()["items"]
    assert [item["name"] for item in listed] == ["export hebdo"] and "token" not in listed[0]
    assert browser.request("DELETE", f"/api/v1/me/tokens/{created.json()['id']}").json()["live"] is False
    assert Client(settings.http_port, secret).get("/api/v1/me").status == 401
    assert browser.request("DELETE", f"/api/v1/me/tokens/{uuid.uuid4()}").status == 404


# --- the security log --------------------------------------------------------------------------------------


def test_the_security_log_is_read_by_council_and_never_changed(
    client, admin_token, council, other_council, gateway_db, settings
):
    manager = client.as_(council.tokens["quality_manager"])
    manager.post("/api/v1/users", {"email": f"log-{uuid.uuid4().hex[:6]}@{council.code}.example", "role": "staff"})
    client.as_(other_council.tokens["quality_manager"]).post(
        "/api/v1/users", {"email": f"log@{other_council.code}.example", "role": "staff"}
    )
    mine = manager.get("/api/v1/security-log?event=invitation_sent").json()
    assert mine["total"] >= 1 and {item["tenant"] for item in mine["items"]} == {council.code}
    every = client.as_(admin_token).get("/api/v1/security-log?event=invitation_sent&limit=200").json()
    assert {council.code, other_council.code} <= {item["tenant"] for item in every["items"]}
    as_csv = manager.get("/api/v1/security-log?format=csv")
    assert as_csv.headers["Content-Type"].startswith("text/csv") and "invitation_sent" in as_csv.body
    assert manager.get("/api/v1/security-log?since=yesterday").status == 422
    for method in ("PUT", "PATCH", "DELETE"):
        assert manager.request(method, "/api/v1/security-log").status == 405
    assert client.as_(council.tokens["staff"]).get("/api/v1/security-log").status == 403
    with gateway_db.transaction(council.code) as session:  # as the services run: the runtime role
        with pytest.raises(ProgrammingError, match="permission denied"):
            session.execute(text("UPDATE security_log SET event = 'sign_in' WHERE tenant_id = :t"), {"t": council.code})
    with gateway_db.transaction(council.code) as session:
        with pytest.raises(ProgrammingError, match="permission denied"):
            session.execute(text("DELETE FROM security_log WHERE tenant_id = :t"), {"t": council.code})


def test_every_answer_carries_a_content_security_policy_and_no_cors(client, council):
    for reply in (
        client.get("/api/v1/me"),
        client.as_(council.tokens["staff"]).get("/api/v1/me"),
        client.post("/api/v1/auth/sign-in", {"email": "a@b.example", "password": "x"}),
    ):
        assert "script-src 'self'" in reply.headers["Content-Security-Policy"]
        assert reply.headers["Referrer-Policy"] == "same-origin"  # a form's Origin is sent, to this site only
        assert not any(name.lower().startswith("access-control-") for name in reply.headers)


def test_the_metrics_count_sign_ins_and_sessions_without_user_ids(client, settings, council, gateway_db):
    from tests.integration.test_metrics_and_cli import sample, scrape

    address = email_of(gateway_db, council.users["staff"])
    with_password(gateway_db, council.users["staff"])
    assert Browser(settings.http_port).sign_in(address, STRONG).status == 200
    text_ = scrape(settings)
    assert sample(text_, "jouda_sign_ins_total", outcome="success") >= 1
    assert sample(text_, "jouda_active_sessions") >= 1
    assert council.users["staff"] not in text_ and address not in text_
