"""The frame of every page in a real browser: signing in with the keyboard alone, the strict
Content-Security-Policy holding (no script or style refused), and the sign-in page accessible in
every language, on a desktop and a phone."""

import pytest

from tests.browser.conftest import DESKTOP, PEOPLE, PHONE, overflowing, serious_violations


def test_a_person_signs_in_with_the_keyboard_alone(chromium, base_url):
    context = chromium.new_context(base_url=base_url, viewport=DESKTOP)
    page = context.new_page()
    page.goto("/sign-in")
    page.keyboard.press("Tab")  # the first stop is the link past the menu
    assert page.evaluate("document.activeElement.className") == "skip"
    page.locator("#f-email").focus()
    page.keyboard.type(PEOPLE["staff"])
    page.keyboard.press("Tab")
    page.keyboard.type("demo-staff-2026")
    page.keyboard.press("Enter")
    page.wait_for_url("**/policy")
    assert page.locator("h1").count() == 1
    context.close()


def test_no_script_or_style_of_a_page_is_refused_by_the_content_security_policy(open_as):
    page = open_as("quality_manager")
    refused = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.goto("/account")
    page.reload()
    assert page.evaluate("getComputedStyle(document.querySelector('header.top')).display") == "flex", "the CSS applies"
    assert not refused


@pytest.mark.parametrize("language", ["fr", "ar", "en"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_sign_in_page_is_accessible_and_fits(chromium, base_url, language, viewport):
    context = chromium.new_context(base_url=base_url, viewport=viewport)
    page = context.new_page()
    page.goto(f"/language/{language}?next=/sign-in")
    assert page.get_attribute("html", "dir") == ("rtl" if language == "ar" else "ltr")
    assert serious_violations(page) == []
    assert overflowing(page) == {"page_scrolls_sideways": False, "elements": []}
    context.close()


def test_the_secret_of_an_e_mails_link_fills_the_form_and_leaves_the_address_bar(chromium, base_url):
    context = chromium.new_context(base_url=base_url, viewport=DESKTOP)
    page = context.new_page()
    page.goto("/invitation#Secret_of-the-link-0123456789")
    assert page.input_value("#f-token") == "Secret_of-the-link-0123456789"
    assert "#" not in page.url and "Secret" not in page.url
    context.close()
