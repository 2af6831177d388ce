"""Browser tests: headless Chromium (Debian's, driven by Playwright) on Jouda as `make run` starts it,
with the demo's people and their demo passwords. Run apart from the rest of the suite (`make test`
runs them after it, with --confcutdir=tests/browser), because the suite's process is patched by
eventlet and Playwright's is not."""

import os
import re
import shutil
import time

import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

from tests.browser.stack import running_stack

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 360, "height": 740}
PEOPLE = {
    "quality_manager": "qualite@fes-meknes.example",
    "director": "dgs@fes-meknes.example",
    "process_owner": "processus@fes-meknes.example",
    "auditor": "audit@fes-meknes.example",
    "staff": "agent1@fes-meknes.example",
    "ministry": "observatoire@ministere.example",
    "admin": "admin@jouda.example",
}
SERIOUS = ("serious", "critical")


def chromium_path():
    found = os.environ.get("JOUDA_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("Chromium is needed for the browser tests: apt-get install chromium (scripts/ensure-chromium).")
    return found


@pytest.fixture(scope="session")
def base_url():
    """A stack of the tests' own; JOUDA_BROWSER_URL points them at one already running instead (a
    `make run` of the demo, while writing a test)."""
    if os.environ.get("JOUDA_BROWSER_URL"):
        yield os.environ["JOUDA_BROWSER_URL"]
        return
    with running_stack() as url:
        yield url


@pytest.fixture(scope="session")
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def enrolled():
    """The authenticator secrets of the people who enrolled during the session (ministry, admin)."""
    return {}


@pytest.fixture
def open_as(chromium, base_url, enrolled):
    """open_as(role, language=None, viewport=DESKTOP): a page of a new browser signed in as the demo's
    person of that role, through the sign-in form."""
    contexts = []

    def signed_in(role, language=None, viewport=DESKTOP):
        context = chromium.new_context(base_url=base_url, viewport=viewport, locale="fr-FR")
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        sign_in(page, role, enrolled, language)
        return page

    yield signed_in
    for context in contexts:
        context.close()


def sign_in(page, role, enrolled, language=None):
    """Signs the demo's person of `role` in through the form (the second step too, enrolling first if
    their role must and they have not yet this session)."""
    page.goto(f"/language/{language}?next=/sign-in" if language else "/sign-in")
    page.fill("#f-email", PEOPLE[role])
    page.fill("#f-password", f"demo-{role}-2026")
    page.press("#f-password", "Enter")
    page.wait_for_load_state()
    if page.locator("#f-code").count():  # enrolled earlier in the session: the second step
        page.fill("#f-code", unused_code(enrolled, role))
        page.press("#f-code", "Enter")
        page.wait_for_load_state()
    elif page.url.endswith("/account/two-factor"):
        enrol(page, role, enrolled)


def unused_code(enrolled, role):
    """The authenticator's code now, or the next one if this one was used (a code counts once)."""
    totp = pyotp.TOTP(enrolled[role])
    while totp.now() == enrolled.get((role, "used")):
        time.sleep(1)
    enrolled[(role, "used")] = totp.now()
    return enrolled[(role, "used")]


def enrol(page, role, enrolled):
    page.get_by_role("button", name=re.compile("authenticator|تطبيق|authentification", re.I)).click()
    secret = page.locator("#secret").inner_text().strip()
    enrolled[role] = secret
    page.fill("#f-code", unused_code(enrolled, role))
    page.press("#f-code", "Enter")
    page.wait_for_load_state()
    page.goto("/home")


def serious_violations(page):
    """axe-core's serious and critical violations of the page as it is: [(rule, impact, where)]."""
    results = Axe().run(page)
    return [
        (violation["id"], violation["impact"], [node["target"] for node in violation["nodes"]][:3])
        for violation in results.response["violations"]
        if violation["impact"] in SERIOUS
    ]


def overflowing(page):
    """Elements whose text runs out of their box, and whether the page scrolls sideways."""
    return page.evaluate(
        """() => {
        const wide = document.documentElement.scrollWidth > window.innerWidth + 1;
        const out = [];
        for (const el of document.querySelectorAll('main *')) {
          const style = getComputedStyle(el);
          if (style.overflowX !== 'visible' || el.closest('.table-wrap, svg')) continue;
          if (el.scrollWidth > el.clientWidth + 2 && el.clientWidth > 0 && style.display !== 'inline') {
            out.push(el.tagName + '.' + el.className + ': ' + (el.textContent || '').trim().slice(0, 40));
          }
        }
        return {page_scrolls_sideways: wide, elements: out.slice(0, 5)};
    }"""
    )
