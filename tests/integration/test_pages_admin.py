"""The administration pages on the real stack: a council's people (invite, change a role, deactivate,
reactivate), its security log, and the platform admin's councils (onboard, rename, first quality
manager); who may open them, another council's person, and the Arabic layout."""

import json
import time
import uuid
from html import unescape

import pyotp
import pytest
from jouda.services.gateway import directory
from tests.support.pages import PASSWORD, PageBrowser, give_password

pytestmark = pytest.mark.integration


def email_of(gateway_db, user_id):
    with gateway_db.transaction(all_tenants=True) as session:
        return session.get(directory.User, user_id).email


def person_in(client, council, user_id):
    people = client.as_(council.tokens["quality_manager"]).get("/api/v1/users?limit=200").json()["items"]
    return next(person for person in people if person["id"] == user_id)


def in_english(browser):
    """The person's own language (French) would win: English chosen on the page, as the tests read it."""
    browser.get("/language/en")
    return browser


def admin_browser(settings, gateway_db):
    """A platform admin signed in through the pages, with two-step sign-in enrolled as the role must."""
    admin = directory.add_user(gateway_db, f"admin-{uuid.uuid4().hex[:8]}@jouda.test", "admin")
    give_password(gateway_db, admin.id)
    browser = in_english(PageBrowser(settings.http_port))
    assert browser.sign_in(admin.email).has("Set up an authenticator app")
    started = browser.post("/account/two-factor", {"action": "start"})
    secret = started.text.split('id="secret">', 1)[1].split("<", 1)[0]
    uri = unescape(started.text.split('name="uri" value="', 1)[1].split('"', 1)[0])
    totp = pyotp.TOTP(secret)
    done = browser.post("/account/two-factor", {"action": "confirm", "code": totp.now(), "secret": secret, "uri": uri})
    assert done.has("recovery codes"), done
    # Signed in again with a second step (the next time step's code: each code is accepted once).
    enrolled = in_english(PageBrowser(settings.http_port))
    fields = {"email": admin.email, "password": PASSWORD, "code": totp.at(time.time() + 30)}
    assert enrolled.post("/sign-in", fields, token=False).has("<h1>Councils</h1>")
    return enrolled


def test_a_quality_manager_invites_a_person_and_a_wrong_address_keeps_what_was_typed(client, council, pages_as):
    browser = in_english(pages_as(council, "quality_manager"))
    listed = browser.get("/people")
    assert listed.status == 200 and listed.has("<h1>People</h1>", f"@{council.code}.example")

    wrong = browser.post("/people", {"email": "not-an-address", "name": "Samira Idrissi", "role": "auditor"})
    assert wrong.status == 200 and wrong.has(
        "Not an e-mail address.", 'value="Samira Idrissi"', 'value="not-an-address"'
    )
    assert wrong.has('<option value="auditor" selected>'), "the role chosen is kept"

    address = f"samira@{council.code}.example"
    sent = browser.post("/people", {"email": address, "name": "Samira Idrissi", "role": "auditor", "language": "ar"})
    assert sent.has("Created.", address)
    invited = client.as_(council.tokens["quality_manager"]).get("/api/v1/users?status=invited").json()["items"]
    assert [(p["role"], p["language"]) for p in invited if p["email"] == address] == [("auditor", "ar")]


def test_a_quality_manager_changes_a_role_then_deactivates_and_reactivates_the_person(
    client, council, pages_as, gateway_db
):
    browser = in_english(pages_as(council, "quality_manager"))
    staff = council.users["staff"]
    shown = browser.get(f"/people/{staff}")
    assert shown.status == 200 and shown.has(email_of(gateway_db, staff), "data-confirm=")

    assert browser.post(f"/people/{staff}", {"action": "role", "role": "process_owner"}).has("Saved.", "Process owner")
    assert person_in(client, council, staff)["role"] == "process_owner"

    before = person_in(client, council, staff)["status"]
    deactivated = browser.post(f"/people/{staff}", {"action": "deactivate"})
    assert deactivated.has("Deactivated", "Reactivate")
    assert person_in(client, council, staff)["status"] == "deactivated"

    browser.post(f"/people/{staff}", {"action": "reactivate"})
    assert person_in(client, council, staff)["status"] == before != "deactivated"


def test_the_last_quality_manager_cannot_be_deactivated_and_the_page_says_why(council, pages_as):
    browser = in_english(pages_as(council, "quality_manager"))
    refused = browser.post(f"/people/{council.users['quality_manager']}", {"action": "deactivate"})
    assert refused.status == 200 and refused.has('class="refused"', "last active quality manager")


def test_the_security_log_shows_the_quality_managers_own_sign_in(council, pages_as, gateway_db):
    browser = in_english(pages_as(council, "quality_manager"))
    address = email_of(gateway_db, council.users["quality_manager"])
    log = browser.get("/security-log?event=sign_in")
    assert log.status == 200 and log.has("<h1>Security log</h1>", "Signed in", address)
    assert browser.get("/security-log?since=not-a-day").has('class="refused"'), "a wrong filter is said, not a crash"


def test_an_admin_onboards_a_council_renames_it_and_invites_its_first_quality_manager(settings, gateway_db):
    browser = admin_browser(settings, gateway_db)
    code = f"c-{uuid.uuid4().hex[:10]}"
    refused = browser.post("/admin/councils", {"code": "Not A Slug!", "name": "Conseil essai"})
    assert refused.has('class="refused"', 'value="Conseil essai"')

    created = browser.post("/admin/councils", {"code": code, "name": "Conseil essai"})
    assert created.has("Created.", "<h1>Conseil essai</h1>", "Invite its first quality manager")

    renamed = browser.post(f"/admin/councils/{code}", {"action": "rename", "new_name": "Conseil régional d'essai"})
    assert renamed.has("Saved.")
    tenants = browser.request("GET", "/api/v1/admin/tenants", headers={"Accept": "application/json"})
    found = [t for t in json.loads(tenants.text)["items"] if t["code"] == code]
    assert found and found[0]["name"] == "Conseil régional d'essai" and found[0]["active"] is True

    manager = f"qualite@{code}.example"
    invited = browser.post(f"/admin/councils/{code}", {"action": "invite", "email": manager, "language": "fr"})
    assert invited.has("Sent.", manager, "Quality manager")
    assert browser.get(f"/people?council={code}").has(manager)


def test_staff_may_not_open_the_people_page(council, pages_as):
    assert pages_as(council, "staff").get("/people").status == 403


def test_another_councils_person_is_not_found(council, other_council, pages_as):
    browser = in_english(pages_as(council, "quality_manager"))
    stranger = browser.get(f"/people/{other_council.users['staff']}")
    assert stranger.status == 404 and stranger.has('class="refused"')


def test_the_people_page_reads_right_to_left_in_arabic(council, pages_as):
    browser = pages_as(council, "quality_manager")
    browser.get("/language/ar")
    page = browser.get("/people")
    assert page.status == 200 and page.has('lang="ar" dir="rtl"')
