"""The ministry's pages, driven as a browser without JavaScript: the national overview (sorted on the
server, its CSV download), the national catalogue's form, audits and clauses nationally, who may open
them, and Arabic. The ministry signs in with two steps: the person enrols an authenticator app first."""

import csv
import io
import re
import time
import uuid
from html import unescape

import pyotp
import pytest

from jouda.services.gateway import directory
from jouda.shared.clock import local_today
from tests.integration.conftest import eventually
from tests.integration.test_objectives import indicator_body, months_back, ready_objective
from tests.support.pages import PASSWORD, PageBrowser, give_password

pytestmark = pytest.mark.integration

SECRET = re.compile(r'<code class="secret" id="secret">([^<]+)</code>')
URI = re.compile(r'name="uri" value="([^"]*)"')
CSV_LINK = re.compile(r'href="([^"]*format=csv)"')


def signed_in_ministry(settings, gateway_db, language="en"):
    """A ministry person's browser, signed in and enrolled in two-step sign-in, in `language`."""
    email = f"marsad-{uuid.uuid4().hex[:10]}@ministere.test"
    user = directory.add_user(gateway_db, email, "ministry")
    give_password(gateway_db, user.id)
    browser = PageBrowser(settings.http_port, language)
    landed = browser.sign_in(email)
    assert landed.status == 200 and 'name="action" value="start"' in landed.text, landed
    started = browser.post("/account/two-factor", {"action": "start"})
    secret = SECRET.search(started.text).group(1)
    uri = unescape(URI.search(started.text).group(1))
    confirmed = browser.post(
        "/account/two-factor", {"action": "confirm", "code": pyotp.TOTP(secret).now(), "secret": secret, "uri": uri}
    )
    assert confirmed.status == 200 and "<li><code>" in confirmed.text, confirmed  # the recovery codes
    # Signed in again with the second step (the next time step's code: a code counts once), so the
    # session is one opened with both steps.
    browser.post("/sign-out", {})
    code = pyotp.TOTP(secret).at(time.time() + 30)
    again = browser.post("/sign-in", {"email": email, "password": PASSWORD, "code": code}, token=False)
    assert again.status == 200 and "Two-step sign-in" not in again.text, again
    browser.get(f"/language/{language}")  # the page's language, whatever the person's own
    return browser


@pytest.fixture(scope="module")
def ministry(settings, platform, gateway_db):
    return signed_in_ministry(settings, gateway_db)


def add_councils(gateway_db, tenant_code, *suffixes):
    """Councils named so that they sort in the order of `suffixes`; their (code, name)."""
    councils = []
    for suffix in suffixes:
        code = f"{tenant_code}-{suffix}"
        directory.add_tenant(gateway_db, code, f"Conseil {code}")
        councils.append((code, f"Conseil {code}"))
    return councils


def test_the_overview_lists_every_council_and_sorts_them_on_the_server(ministry, gateway_db, tenant_code):
    (_, first), (_, second), (_, other) = add_councils(gateway_db, tenant_code, "sort-a", "sort-b", "other")
    # The session's many councils fill more than one window of the overview: these are found by search.
    search = f"{tenant_code}-sort-"
    ascending = eventually(
        lambda: (page := ministry.get(f"/ministry?sort=name&order=asc&q={search}")).has(first, second) and page,
        message="both councils on the overview",
    )
    assert ascending.status == 200 and other not in ascending.text
    assert ascending.text.index(first) < ascending.text.index(second)
    assert 'aria-sort="ascending"' in ascending.text
    # The sorted column's heading now offers the other order, for the same search.
    assert f'href="/ministry?sort=name&amp;order=desc&amp;q={search}"' in ascending.text
    descending = ministry.get(f"/ministry?sort=name&order=desc&q={search}")
    assert descending.text.index(second) < descending.text.index(first)
    assert 'aria-sort="descending"' in descending.text
    # A numeric column sorts too (councils without a value last), and an unknown one falls back to the name.
    assert ministry.get("/ministry?sort=reporting_completeness&order=desc").status == 200
    assert ministry.get("/ministry?sort=nothing").has('aria-sort="ascending"')
    assert ministry.get("/ministry?q=no-such-council").has("No council matches.")


def test_the_overview_csv_link_downloads_the_councils(ministry, gateway_db, tenant_code):
    [(code, name)] = add_councils(gateway_db, tenant_code, "csv")
    page = eventually(lambda: (found := ministry.get(f"/ministry?q={code}")).has(name) and found)
    link = unescape(CSV_LINK.search(page.text).group(1))
    assert link == "/api/v1/ministry/overview?format=csv"
    download = ministry.request("GET", link, headers={"Accept": "text/csv"})
    assert download.status == 200 and download.headers["Content-Type"].startswith("text/csv")
    rows = {row["tenant"]: row for row in csv.DictReader(io.StringIO(download.text.lstrip("\ufeff")))}
    assert rows[code]["name"] == name


def test_the_catalogue_form_adds_an_entry_and_refuses_a_code_already_there(
    ministry, client, ministry_token, tenant_code
):
    code = "P_" + tenant_code.upper().replace("-", "_")[:30]
    entry = {
        "code": code,
        "name_fr": "Taux d'accueil",
        "name_ar": "نسبة الاستقبال",
        "unit": "%",
        "direction": "increase",
    }
    added = ministry.post("/ministry/catalogue", entry)
    assert added.status == 200 and added.has("Created.", f'href="/ministry/indicators/{code}"')
    stored = {e["code"]: e for e in client.as_(ministry_token).get("/api/v1/ministry/catalogue").json()["items"]}
    assert stored[code]["name_ar"] == "نسبة الاستقبال" and stored[code]["direction"] == "increase"
    twice = ministry.post("/ministry/catalogue", {**entry, "name_fr": "Un autre nom tapé"})
    assert twice.status == 200
    assert twice.has("This code is already in the national catalogue.", 'id="code-error"')
    assert twice.has('value="Un autre nom tapé"', f'value="{code}"', "نسبة الاستقبال")
    # Blank fields: each refused beside itself, what was typed kept.
    blank = ministry.post(
        "/ministry/catalogue", {"code": "lower case", "name_fr": "Gardé", "unit": "", "direction": ""}
    )
    assert blank.has(
        'id="code-error"', 'id="unit-error"', 'id="direction-error"', 'value="Gardé"', 'value="lower case"'
    )
    # The entry's own page compares the councils on it (none has mapped an indicator to it yet).
    national = ministry.get(f"/ministry/indicators/{code}")
    assert national.status == 200 and national.has("Taux d'accueil", "No council has an indicator mapped")


def test_an_unknown_national_indicator_is_the_404_page(ministry):
    assert ministry.get("/ministry/indicators/NO_SUCH_CODE").status == 404


def test_audits_and_clauses_nationally(ministry, gateway_db, tenant_code):
    [(code, name)] = add_councils(gateway_db, tenant_code, "audits")
    this_year = str(local_today().year)
    audits = eventually(lambda: (page := ministry.get(f"/ministry/audits?q={code}")).has(name) and page)
    assert audits.has(
        f'<option value="{this_year}" selected>', f"/api/v1/ministry/audits?year={this_year}&amp;format=csv"
    )
    assert ministry.get(f"/ministry/audits?year=2019&q={code}").has('<option value="2019" selected>', name)
    wrong = ministry.get("/ministry/audits?year=1066")
    assert wrong.status == 200 and wrong.has('id="year-error"', 'role="alert"')
    clauses = ministry.get("/ministry/clauses")
    assert clauses.status == 200 and clauses.has("/api/v1/ministry/clauses?format=csv")


def test_a_council_person_may_not_open_the_ministry_pages(council, pages_as):
    manager = pages_as(council, "quality_manager")
    for path in ("/ministry", "/ministry/catalogue", "/ministry/audits"):
        assert manager.get(path).status == 403
    assert manager.post("/ministry/catalogue", {"code": "NOPE_X"}).status == 403


def test_the_overview_in_arabic_is_right_to_left(settings, platform, gateway_db):
    arabic = signed_in_ministry(settings, gateway_db, language="ar")
    page = arabic.get("/ministry")
    assert page.status == 200 and 'dir="rtl"' in page.text and 'lang="ar"' in page.text


def test_a_national_indicator_compares_the_councils_values(ministry, client, council):
    objective = ready_objective(client, council)
    manager = client.as_(council.tokens["quality_manager"])
    indicator = manager.post(
        f"/api/v1/objectives/{objective['id']}/indicators", indicator_body(council, catalogue_code="SATISFACTION")
    ).json()
    owner = client.as_(council.tokens["process_owner"])
    period = months_back(2)[0]
    assert (
        owner.post(f"/api/v1/indicators/{indicator['id']}/measurements", {"period": period, "value": 85}).status == 201
    )
    name = f"Conseil {council.code}"
    page = eventually(
        lambda: (
            (found := ministry.get(f"/ministry/indicators/SATISFACTION?q={council.code}")).has(name, period) and found
        ),
        message="the council's value on the national indicator",
    )
    assert page.has('<svg class="chart"', "85 %", "On track", "/api/v1/ministry/indicators/SATISFACTION?format=csv")
    assert ministry.get("/ministry/catalogue").has('href="/ministry/indicators/SATISFACTION"')
