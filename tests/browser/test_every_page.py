"""Every page a persona reaches from the menu, in a real browser: accessible (no serious or critical
axe-core violation), fitting its width (no sideways scroll, no text out of its box), right to left
in Arabic; and the main pages usable with the keyboard alone.

The crawl signs each persona in once and reads, in French then in Arabic, on a desktop, the pages of
its menu (the links of `nav.menu`, the inbox and account links of the header, the entries of
/settings) and, following the links of their content, one page of each kind (one objective, one
audit, one form to add a nonconformity...), and for the quality manager and the auditor the pages of
that item too (its form, its checklist, its report); on a phone, each persona's home page and one
list page. Every failure is collected, and each persona's test fails once at the end with the whole
list: path, persona, language, viewport, what is wrong.

axe-core is slow (about a second a page, and there are some 400 pages): a page whose content
(`main`) is exactly one axe already read in the same language and width, for another persona, is not
read by axe again; each persona's first page is always read, its header and menu with it. The
layout (overflow) and the direction are checked on every page."""

import hashlib
import re
import time
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.browser.conftest import DESKTOP, PHONE, overflowing, serious_violations

ROLES = ("quality_manager", "director", "process_owner", "auditor", "staff", "ministry", "admin")
LANGUAGES = ("fr", "ar")
# A list page of each persona, read on a phone as well as its home page.
PHONE_LIST = {
    "quality_manager": "/objectives",
    "director": "/audits",
    "process_owner": "/processes",
    "auditor": "/nonconformities",
    "staff": "/actions",
    "ministry": "/ministry/catalogue",
    "admin": "/people?council=fes-meknes",
}
# How many pages each persona's crawl finds at least, all told (its menu, then one item of each list).
MENU_AT_LEAST = {role: 20 for role in ROLES} | {"ministry": 6, "admin": 8}
MENU = "nav.menu a[href], header a.inbox[href], header .tools a[href='/account']"
# Where a persona's menu leads to lists of lists: the platform admin's people are a council's.
MORE_MENU = {"admin": ["/people?council=fes-meknes"]}
# How far from the menu the crawl goes: an item of each list (or a form to add one); for the quality
# manager and the auditor, the pages of that item too (its form, its checklist, its report...).
DEPTH = {"quality_manager": 2, "auditor": 2}
NOT_PAGES = re.compile(r"^/(api/|language/|sign-out|home$|static/)")
AN_ID = re.compile(r"^([0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}|[A-Z][A-Z0-9_]+|\d+)$")
KEPT_QUERY = {"council"}  # the platform admin's pages of one council are pages of their own
NO_OVERFLOW = {"page_scrolls_sideways": False, "elements": []}


def signed_in(open_as, role, language=None, viewport=DESKTOP):
    """open_as(role), checked: the person is past the sign-in form and its second step."""
    page = open_as(role, language=language, viewport=viewport)
    assert urlsplit(page.url).path not in ("/sign-in", "/account/two-factor"), f"{role} could not sign in"
    return page


# --- the crawl ----------------------------------------------------------------------------------


def kind(href):
    """The page a link leads to, whatever item it shows: /objectives/{} for every objective."""
    parts = urlsplit(href)
    segments = parts.path.split("/")
    path = "/".join(
        "{}" if AN_ID.match(segment) or (index and segments[index - 1] == "councils") else segment
        for index, segment in enumerate(segments)
    )
    kept = sorted({name for name, _value in parse_qsl(parts.query) if name in KEPT_QUERY})
    return path + ("?" + "&".join(kept) if kept else "")


def links(page, selector):
    """The pages the links of `selector` lead to, in order: no download, no other site, no action."""
    hrefs = page.eval_on_selector_all(
        selector, "els => els.filter(e => !e.hasAttribute('download')).map(e => e.getAttribute('href'))"
    )
    return [href for href in hrefs if href.startswith("/") and not href.startswith("//") and not NOT_PAGES.match(href)]


class Crawl:
    """The failures found, as (path, persona, language, viewport, what), and the contents axe read."""

    def __init__(self, read_by_axe):
        self.failures = []
        self.read_by_axe = read_by_axe
        self.pages = self.axe_runs = 0

    def check(self, page, href, role, language, viewport, whole=False, linked_from="the menu"):
        """Loads `href`; adds what is wrong with it to the failures. False if it is no page."""
        where = (href, role, language, viewport)
        response = page.goto(href)
        self.pages += 1
        if response is None or response.status >= 400:
            self.failures.append((*where, f"HTTP {response.status if response else '?'}, linked from {linked_from}"))
            return False
        direction = page.get_attribute("html", "dir")
        if direction != ("rtl" if language == "ar" else "ltr"):
            self.failures.append((*where, f'<html dir="{direction}">'))
        content = re.sub(
            r'name="csrf_token" value="[^"]*"', "", page.evaluate("document.querySelector('main').outerHTML")
        )
        fingerprint = (language, viewport, hashlib.sha256(content.encode()).digest())
        if whole or fingerprint not in self.read_by_axe:
            self.read_by_axe.add(fingerprint)
            self.axe_runs += 1
            for violation in serious_violations(page):
                self.failures.append((*where, f"axe {violation}"))
        fitting = overflowing(page)
        if fitting != NO_OVERFLOW:
            self.failures.append((*where, f"overflow {fitting}"))
        return True

    def menu_and_beyond(self, page, role, language):
        """Reads every page of the persona's menu and one page of each kind their content links to;
        returns the paths read."""
        page.set_viewport_size(DESKTOP)
        page.goto("/home")
        queue, seen = [], set()
        for href in [urlsplit(page.url).path, *links(page, MENU), *MORE_MENU.get(role, [])]:
            if kind(href) not in seen:
                seen.add(kind(href))
                queue.append((href, 0, "the menu"))
        read = []
        while queue:
            href, depth, linked_from = queue.pop(0)
            if not self.check(page, href, role, language, "desktop", whole=not read, linked_from=linked_from):
                continue
            read.append(href)
            deeper = 0 if href == "/settings" else depth + 1  # the settings' entries are the menu's
            if deeper > DEPTH.get(role, 1):
                continue
            for link in links(page, "main a[href]"):
                if kind(link) not in seen:
                    seen.add(kind(link))
                    queue.append((link, deeper, href))
        return read


@pytest.fixture(scope="module")
def crawled():
    """What axe read, shared by the personas' crawls."""
    return set()


@pytest.mark.timeout(600)  # the quality manager's crawl, some 90 pages, takes 2 to 3 minutes on a busy machine
@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_persona_is_accessible_and_fits_in_french_and_arabic(open_as, crawled, role):
    crawl, read = Crawl(crawled), {}
    started = time.monotonic()
    page = signed_in(open_as, role)
    for language in LANGUAGES:
        page.goto(f"/language/{language}?next=/home")
        read[language] = crawl.menu_and_beyond(page, role, language)
        page.set_viewport_size(PHONE)
        for index, href in enumerate(("/home", PHONE_LIST[role])):
            crawl.check(page, href, role, language, "phone", whole=index == 0)
    print(f"\n{role}: {crawl.pages} pages read, {crawl.axe_runs} by axe, in {time.monotonic() - started:.0f} s")
    for language, hrefs in read.items():
        print(f"{language} ({len(hrefs)}): {' '.join(hrefs)}")
    assert min(len(hrefs) for hrefs in read.values()) >= MENU_AT_LEAST[role], f"the crawl found {role}'s menu"
    assert crawl.failures == [], "\n".join(" · ".join(map(str, failure)) for failure in crawl.failures)


# --- the keyboard -------------------------------------------------------------------------------

# Marks the tab stops of `main` in the order Tab should reach them (the document's: no page sets a
# positive tabindex), one per group of radio buttons; returns what they are.
MARK_TAB_STOPS = """() => {
  const stops = [];
  const radios = new Set();
  const candidates = document.querySelectorAll(
    'main a[href], main button, main input, main select, main textarea, main summary, main [tabindex]');
  for (const el of candidates) {
    if (el.disabled || el.type === 'hidden' || el.tabIndex < 0 || el === document.querySelector('main')) continue;
    if (!el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') continue;
    const closed = el.closest('details:not([open])');
    if (closed && !(el.tagName === 'SUMMARY' && el.parentElement === closed)) continue;
    if (el.type === 'radio' && el.name) {
      const group = [...document.getElementsByName(el.name)].filter(r => r.form === el.form);
      const stop = group.find(r => r.checked) || group[0];
      if (el !== stop || radios.has(el.name)) continue;
      radios.add(el.name);
    }
    el.dataset.tabStop = stops.length;
    const name = el.id || el.getAttribute('href') || el.textContent.trim();
    stops.push(el.tagName.toLowerCase() + ' ' + name.slice(0, 50));
  }
  return stops;
}"""
FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    stop: el.dataset.tabStop === undefined ? null : Number(el.dataset.tabStop),
    in_main: !!el.closest('main'),
    is_main: el.id === 'main',
    fields_inside: ['date', 'time', 'datetime-local', 'month', 'week'].includes(el.type),
    skip: el.classList.contains('skip'),
    outlined: (style.outlineStyle !== 'none' && style.outlineWidth !== '0px') || style.boxShadow !== 'none',
    in_view: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
      && box.top < innerHeight && box.left < innerWidth,
    what: el.tagName.toLowerCase() + ' ' + (el.id || el.getAttribute('href') || el.textContent.trim()).slice(0, 50),
  };
}"""
KEYBOARD_PAGES = ("/dashboard", "/objectives", "/objectives/new")


def tab_through_main(page, path):
    """What goes wrong tabbing through `path` from its top: the skip link first, then main, then
    each tab stop of main in order, each visibly focused and in view, and out of main at the end."""
    problems = []
    page.goto(path)
    stops = page.evaluate(MARK_TAB_STOPS)
    page.keyboard.press("Tab")
    first = page.evaluate(FOCUSED)
    if not (first["skip"] and first["in_view"] and first["outlined"]):
        problems.append(f"{path}: the first Tab reaches {first}, not the visible skip link")
    page.keyboard.press("Enter")
    if not page.evaluate(FOCUSED)["is_main"]:
        problems.append(f"{path}: the skip link leaves the focus on {page.evaluate(FOCUSED)['what']}, not main")
    reached, stays = [], 0
    for _ in range(3 * len(stops) + 2):
        page.keyboard.press("Tab")
        now = page.evaluate(FOCUSED)
        if not now["in_main"]:
            break
        if reached and now["stop"] == reached[-1]:
            stays += 1  # a date's day, month and year are stops of their own, in one element
            if not now["fields_inside"] or stays > 3:
                problems.append(f"{path}: the focus stays on {now['what']} (a trap)")
                break
            continue
        stays = 0
        reached.append(now["stop"])
        if not now["outlined"]:
            problems.append(f"{path}: {now['what']} shows no focus outline")
        if not now["in_view"]:
            problems.append(f"{path}: {now['what']} is focused out of view")
    else:
        problems.append(f"{path}: the focus never leaves main")
    if reached != list(range(len(stops))):
        got = [stops[stop] if stop is not None else "(not a tab stop)" for stop in reached]
        problems.append(f"{path}: Tab reaches {got}, expected {stops}")
    return stops, problems


def test_the_skip_link_and_tab_reach_everything_in_main_in_order(open_as):
    page = open_as("quality_manager")
    problems, counted = [], {}
    for path in KEYBOARD_PAGES:
        stops, found = tab_through_main(page, path)
        counted[path] = len(stops)
        problems += found
    assert all(counted.values()), counted  # each page has links, buttons or fields to reach
    assert problems == [], "\n".join(problems)
