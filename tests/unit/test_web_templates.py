"""The pages' templates keep the Content-Security-Policy's promise (no inline script or style, nothing
loaded from another host) and their declarations are sound."""

import re
from pathlib import Path

import pytest

from jouda.services.gateway import web
from jouda.shared.manifest import load
from jouda.shared.web.i18n import web_folders

# Every HTML Jouda serves: the pages' templates and the documents (the printable audit report).
DOCUMENTS = sorted(Path(__file__).resolve().parents[2].glob("services/*/report_templates/*.html"))
TEMPLATES = sorted(path for folder in web_folders() for path in Path(folder).rglob("*.html")) + DOCUMENTS
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
ELSEWHERE = re.compile(r"""(src|href|action)\s*=\s*["']?(https?:)?//""", re.I)


@pytest.mark.parametrize("path", TEMPLATES, ids=[p.name for p in TEMPLATES])
def test_a_template_has_no_inline_script_or_style_and_loads_nothing_from_elsewhere(path):
    text = path.read_text()
    assert not INLINE_SCRIPT.search(text), "an inline <script>"
    assert not STYLE.search(text), "a <style> element or style= attribute"
    assert not HANDLER.search(text), "an on...= event handler"
    assert not ELSEWHERE.search(text), "a resource of another host"


def test_pages_have_unique_names_and_paths_and_their_views_exist():
    pages = web.pages()
    assert len({page.name for page in pages}) == len(pages)
    assert len({page.path for page in pages}) == len(pages)
    for page in pages:
        assert callable(load(page.view)), page.name
        assert page.public or page.roles, page.name
        assert not page.path.startswith("/api/"), "pages and the API never share a path"


def test_every_role_has_a_home_page_in_its_menu():
    from jouda.services.gateway.pages import HOME_OF

    for role, path in HOME_OF.items():
        assert path in {entry for entry, _ in web.navigation(role)}, (role, path)


def test_every_link_a_notification_carries_leads_to_a_page():
    """A notice's link (the inbox's and the e-mail's) is a page of the web app, for every service."""
    from werkzeug.routing import Map, Rule

    from jouda import platform

    pages = Map([Rule(page.rule) for page in web.pages()] + [Rule("/")])  # "/": a browser goes home from it
    adapter = pages.bind("jouda.example")
    for manifest in platform.manifests():
        routes = manifest.notice_routes()
        for route in routes.routes.values() if routes else ():
            if route.link:
                example = route.link.replace("{", "").replace("}", "")
                adapter.match(example if example.startswith("/") else "/" + example)  # raises if no page


@pytest.mark.parametrize(
    "offset,shown",
    [(None, (0, 100)), ("100", (100, 200)), ("200", (200, 250)), ("250", (0, 100)), ("-5", (0, 100)), ("x", (0, 100))],
)
def test_a_whole_list_is_shown_a_window_at_a_time(offset, shown):
    rows = list(range(250))
    listing = web.window(rows, offset)
    assert (listing["items"][0], listing["items"][-1] + 1) == shown
    assert (listing["limit"], listing["total"]) == (web.WINDOW, 250)


class _Page:
    @staticmethod
    def url(path, **query):
        return web.PageContext.url(None, path, **query)


def test_the_pager_keeps_the_lists_parameters_and_says_where_one_is():
    pager = web.environment("fr").from_string(
        '{% from "macros.html" import pager %}{{ pager(page, "/ministry", listing, query) }}'
    )
    middle = pager.render(page=_Page, listing=web.window(list(range(250)), "100"), query={"sort": "objectives"})
    assert "101 à 200 sur 250" in middle
    assert 'href="/ministry?sort=objectives">Précédent' in middle  # the first window has no offset
    assert 'href="/ministry?offset=200&amp;sort=objectives">Suivant' in middle
    assert "Suivant" not in pager.render(page=_Page, listing=web.window(list(range(250)), "200"), query={})
    assert pager.render(page=_Page, listing=web.window(list(range(30)), None), query={}).strip() == ""
