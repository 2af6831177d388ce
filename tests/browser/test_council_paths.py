"""A council's main persona paths in a real browser, driven through the pages alone: the quality
policy revised, reviewed, published and acknowledged; a process owner's reports changing the quality
manager's dashboard; and the main pages laid out right to left in Arabic (and in French), accessible
and fitting on a desktop and a phone."""

import os
import re
import time
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PEOPLE, PHONE, overflowing, serious_violations

WAIT_SECONDS = 15  # read models follow events: how long a page may take to show a change
LANGUAGE_COOKIE = "jouda_lang"  # what the language switcher (/language/<code>) sets


@pytest.fixture(scope="module")
def people(chromium, base_url):
    """page_of(role, language="fr", viewport=DESKTOP): the page of a browser signed in as the demo's
    person of that role through the sign-in form, once for the module (a sign-in takes seconds on a
    busy machine), showing pages in `language` at `viewport` size."""
    pages, contexts = {}, []

    def page_of(role, language="fr", viewport=DESKTOP):
        if role not in pages:
            context = chromium.new_context(base_url=base_url, viewport=viewport, locale="fr-FR")
            contexts.append(context)
            page = context.new_page()
            page.on("dialog", lambda dialog: dialog.accept())
            page.goto("/sign-in")
            page.fill("#f-email", PEOPLE[role])
            page.fill("#f-password", f"demo-{role}-2026")
            page.press("#f-password", "Enter")
            page.wait_for_load_state()
            assert "/sign-in" not in page.url, f"{role} could not sign in"
            pages[role] = page
        page = pages[role]
        page.context.add_cookies([{"name": LANGUAGE_COOKIE, "value": language, "url": base_url}])
        page.set_viewport_size(viewport)
        return page

    yield page_of
    for context in contexts:
        context.close()


def status_of(page):
    """The version's status as its page shows it (French)."""
    return page.locator("dl.facts .state").inner_text().strip()


def reload_until(page, check, seconds=WAIT_SECONDS):
    """Reload the page until check(page) holds (a read model updated by events), for a bounded time."""
    deadline = time.monotonic() + seconds
    while True:
        if check(page):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
        page.reload()


# --- 1. the quality policy ------------------------------------------------------------------------


def test_a_revised_policy_is_reviewed_published_and_acknowledged(people, base_url):
    """The quality manager revises the published policy in the Markdown editor (a preview saves
    nothing), saves and submits it; the director cannot send it back without saying why (the page
    says so), then approves it; the quality manager publishes it; staff agent1 reads the new text on
    /policy and acknowledges it, and the quality manager's versions page counts the acknowledgement."""
    marker = f"Engagement de test {uuid.uuid4().hex[:10]}"
    manager = people("quality_manager")

    # The published version, and the step that starts a revision from it.
    manager.goto("/policy/versions")
    manager.locator("tbody tr", has=manager.locator(".state-published")).get_by_role("link").click()
    revise = manager.get_by_role("button", name=re.compile("^Réviser"))
    expect(revise).to_be_visible()
    revise.click()
    manager.wait_for_load_state()
    refused = manager.locator(".refused")
    assert not refused.count(), f"the revision was refused: {refused.inner_text()}"
    manager.wait_for_url(re.compile(r"/policy/versions/[0-9a-f-]+/edit(\?|$)"))
    version_id = re.search(r"/policy/versions/([0-9a-f-]+)/edit", manager.url).group(1)

    # The Markdown editor: a paragraph added at the end of the text, then previewed.
    body = manager.get_by_label("Texte de la politique")
    expect(body).not_to_have_value("")
    body.click()
    body.press("Control+End")
    manager.keyboard.type(f"\n\n## {marker}\n\n- **{marker}** : une ligne ajoutée par la révision.\n")
    manager.get_by_role("button", name="Aperçu", exact=True).click()
    preview = manager.locator("section.preview")
    expect(preview.get_by_role("heading", name="Aperçu (non enregistré)")).to_be_visible()
    expect(preview.get_by_role("heading", name=marker)).to_be_visible()  # the Markdown rendered
    expect(preview.locator("strong", has_text=marker)).to_be_visible()
    expect(manager.get_by_label("Texte de la politique")).to_have_value(re.compile(re.escape(marker)))
    saved = manager.request.get(f"{base_url}/api/v1/policies/{version_id}").json()
    assert marker not in saved["body"], "a preview saves nothing"

    # Saved, then submitted for review.
    manager.get_by_role("button", name="Enregistrer", exact=True).click()
    manager.wait_for_url(re.compile(rf"/policy/versions/{version_id}(\?|$)"))
    assert status_of(manager) == "Brouillon"
    expect(manager.locator("main .markdown")).to_contain_text(marker)
    assert marker in manager.request.get(f"{base_url}/api/v1/policies/{version_id}").json()["body"]
    manager.get_by_role("button", name="Soumettre pour revue").click()
    expect(manager.locator("dl.facts .state")).to_have_text("En revue")

    # The director: sending it back without saying why is refused, on the page, the form kept.
    director = people("director")
    director.goto(f"/policy/versions/{version_id}")
    comment = director.get_by_label("Commentaire")
    comment.fill("   ")
    director.get_by_role("button", name="Renvoyer pour modification").click()
    refusal = director.get_by_role("alert")
    expect(refusal).to_contain_text("Certains champs sont à corriger")
    field_error = director.locator(".field.invalid .field-error")
    expect(field_error).to_be_visible()
    expect(director.get_by_label("Commentaire")).to_have_attribute("aria-invalid", "true")
    expect(director.get_by_label("Commentaire")).to_have_value("   ")  # what was typed, kept
    assert status_of(director) == "En revue"
    # The why of the refusal, beside the field and in the box, ought to be in French too: checked at
    # the end, so that the rest of the path is still proved when it is not.
    english = [
        text for text in (refusal.inner_text(), field_error.inner_text()) if re.search(r"Say what|Required when", text)
    ]

    # ...then approves it, with a comment the history keeps.
    director.get_by_label("Commentaire").fill(f"Approuvée : {marker}")
    director.get_by_role("button", name="Approuver", exact=True).click()
    expect(director.locator("dl.facts .state")).to_have_text("Approuvée")
    expect(director.locator("table")).to_contain_text(f"Approuvée : {marker}")

    # The quality manager publishes it (the guard table gives publishing to the editors).
    manager.goto(f"/policy/versions/{version_id}")
    manager.get_by_role("button", name="Publier", exact=True).click()
    expect(manager.locator("dl.facts .state")).to_have_text("Publiée")
    number = manager.locator("dl.facts dd").first.inner_text().strip()

    # Staff agent1 reads the new text and acknowledges it.
    staff = people("staff")
    staff.goto("/policy")
    assert reload_until(staff, lambda page: marker in page.locator("main").inner_text()), "the new version on /policy"
    expect(staff.locator("dl.facts dd").first).to_have_text(number)
    acknowledge = staff.get_by_role("button", name="J'ai lu cette politique et j'y adhère")
    acknowledge.click()
    expect(staff.get_by_text(re.compile("Vous avez adhéré à cette politique le"))).to_be_visible()
    expect(acknowledge).to_have_count(0)

    # The quality manager's versions page counts it.
    manager.goto("/policy/versions")
    card = manager.locator(".card", has=manager.get_by_role("heading", name=f"Version n° {number}", exact=True))
    expect(card).to_be_visible()
    counted = re.search(r"(\d+) personnes actives sur (\d+) y ont adhéré", card.inner_text())
    assert counted, card.inner_text()
    assert int(counted.group(1)) >= 1  # agent1 (exactly 1 on a fresh demo)
    assert card.locator(".figure").inner_text().strip() != "0 %"

    assert english == [], "the refusal of a send-back without comment explains itself in English on a French page"


# --- 2. a process owner's reports and the dashboard -------------------------------------------------


def test_a_process_owner_reports_a_due_value_from_my_indicators(people):
    """processus@ opens /my-indicators, follows the link of a period whose report is due, reports a
    value (typed with a decimal comma) through the form; the indicator's page lists it, their list
    says the indicator is up to date, and the quality manager's dashboard shows it as its latest value."""
    owner = people("process_owner")
    owner.goto("/my-indicators")
    due = owner.locator("tbody tr").filter(has=owner.get_by_role("link", name=re.compile(r"^Renseigner \d")))
    assert due.count(), "no report awaited in /my-indicators: the demo leaves the period just ended to report"
    row = due.first
    indicator = row.locator("td").first.get_by_role("link").inner_text().strip()
    link = row.get_by_role("link", name=re.compile(r"^Renseigner \d"))
    period = link.inner_text().removeprefix("Renseigner ").strip()
    link.click()
    owner.wait_for_url(re.compile(r"/indicators/[0-9a-f-]+\?period="))
    expect(owner.get_by_role("heading", level=1)).to_have_text(indicator)
    expect(owner.get_by_label("Période")).to_have_value(period)  # the link chose the period

    owner.get_by_label(re.compile(r"^Valeur")).fill("97,5")
    owner.get_by_label("Commentaire").fill("Saisie du test de navigateur")
    owner.get_by_role("button", name="Enregistrer la valeur").click()
    owner.wait_for_url(re.compile(r"/indicators/[0-9a-f-]+(\?notice=|$)"))
    assert owner.locator(".refused").count() == 0
    measured = owner.locator("tbody tr", has=owner.locator("td", has_text=re.compile(rf"^{period}$")))
    expect(measured).to_contain_text("97,5")
    expect(owner.locator("dl.facts")).to_contain_text(f"({period})")

    owner.goto("/my-indicators")
    mine = owner.locator("tbody tr", has=owner.get_by_role("link", name=indicator, exact=True))
    expect(mine).to_contain_text("97,5")
    expect(mine.get_by_role("link", name=f"Renseigner {period}")).to_have_count(0)

    manager = people("quality_manager")
    manager.goto("/dashboard")
    card = manager.locator("section.card", has=manager.get_by_role("heading", name=indicator, exact=True))
    assert reload_until(manager, lambda page: f"({period})" in card.inner_text()), card.inner_text()
    expect(card).to_contain_text("97,5")


def test_the_late_report_reported_by_a_process_owner_leaves_the_dashboard(people):
    """The demo leaves one report late (an indicator of the quality manager's). The process owner,
    who may report any indicator, follows it from their dashboard and reports the period; the quality
    manager's dashboard then no longer lists it as late, and its reporting completeness rises."""
    manager = people("quality_manager")
    manager.goto("/dashboard")
    late_table = manager.locator("table", has=manager.get_by_role("columnheader", name="Jours de retard"))
    late_rows = late_table.locator("tbody tr").filter(has=manager.get_by_role("link"))
    if not late_rows.count():
        message = "no late report left on the dashboard: the demo leaves one late on purpose"
        if os.environ.get("JOUDA_BROWSER_URL"):
            pytest.skip(message + " (already reported on this shared stack)")
        pytest.fail(message)
    cells = late_rows.first.locator("td")
    indicator, period = cells.nth(0).inner_text().strip(), cells.nth(2).inner_text().strip()
    reported_before = completeness(manager)

    owner = people("process_owner")
    owner.goto("/dashboard")
    owner_late = owner.locator("table", has=owner.get_by_role("columnheader", name="Jours de retard"))
    row = owner_late.locator("tbody tr", has=owner.locator("td", has_text=re.compile(rf"^{period}$")))
    row.get_by_role("link", name=indicator, exact=True).click()
    owner.wait_for_url(re.compile(r"/indicators/[0-9a-f-]+(\?notice=|$)"))
    owner.get_by_label("Période").fill(period)
    owner.get_by_label(re.compile(r"^Valeur")).fill("42")
    owner.get_by_role("button", name="Enregistrer la valeur").click()
    expect(owner.locator("tbody tr", has=owner.locator("td", has_text=re.compile(rf"^{period}$")))).to_contain_text(
        "42"
    )
    assert owner.locator(".refused").count() == 0

    manager.reload()
    still_late = late_table.locator("tbody tr", has_text=indicator).filter(
        has=manager.locator("td", has_text=re.compile(rf"^{period}$"))
    )
    assert reload_until(manager, lambda page: still_late.count() == 0), "the late report is still listed"
    reported_after = completeness(manager)
    assert reported_after[0] == reported_before[0] + 1, (reported_before, reported_after)


def completeness(page):
    """(periods reported, periods due) as the dashboard's completeness card says them (French)."""
    card = page.locator(".card", has=page.get_by_role("heading", name="Complétude des saisies"))
    found = re.search(r"([\d\s\u202f\u00a0]+) périodes renseignées sur ([\d\s\u202f\u00a0]+)", card.inner_text())
    assert found, card.inner_text()
    return tuple(int(re.sub(r"\D", "", group)) for group in found.groups())


# --- 3. the main pages in Arabic and French ----------------------------------------------------------


@pytest.mark.parametrize("language", ["ar", "fr"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_main_council_pages_are_accessible_and_fit(people, language, viewport):
    """/policy (staff), /dashboard (quality manager), /my-indicators (process owner), /objectives and
    an indicator's page: right to left in Arabic, left to right in French, with no serious or
    critical axe violation and nothing running out of its box, on a desktop and on a phone."""
    manager = people("quality_manager", language, viewport)
    manager.goto("/dashboard")
    indicator = manager.locator("section.card h3 a").first.get_attribute("href")
    pages = [
        (people("staff", language, viewport), "/policy"),
        (manager, "/dashboard"),
        (people("process_owner", language, viewport), "/my-indicators"),
        (manager, "/objectives"),
        (manager, indicator),
    ]
    found = {}
    for page, path in pages:
        page.goto(path)
        problems = {}
        direction = page.get_attribute("html", "dir")
        if direction != ("rtl" if language == "ar" else "ltr"):
            problems["dir"] = direction
        if page.get_attribute("html", "lang") != language:
            problems["lang"] = page.get_attribute("html", "lang")
        if page.locator("h1").count() != 1:
            problems["h1"] = page.locator("h1").count()
        violations = serious_violations(page)
        if violations:
            problems["axe"] = violations
        overflow = overflowing(page)
        if overflow != {"page_scrolls_sideways": False, "elements": []}:
            problems["overflow"] = overflow
        if problems:
            found[path] = problems
    assert found == {}
