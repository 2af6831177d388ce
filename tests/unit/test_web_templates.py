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
