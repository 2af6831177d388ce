"""`make screenshots`: the README's pictures of the main pages, from the demo, in French and Arabic
(docs/screenshots/<page>-<language>.png, 1366x768), taken in headless Chromium on Jouda as `make run`
starts it."""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.browser.conftest import DESKTOP, chromium_path, sign_in
from tests.browser.stack import running_stack

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SHOTS = (  # (file name, role, path)
    ("policy", "staff", "/policy"),
    ("dashboard", "quality_manager", "/dashboard"),
    ("indicators", "process_owner", "/my-indicators"),
    ("audits", "auditor", "/audits"),
    ("nonconformities", "quality_manager", "/nonconformities"),
    ("ministry", "ministry", "/ministry"),
)
LANGUAGES = ("fr", "ar")


def take(base_url, chromium, out=OUT):
    out.mkdir(parents=True, exist_ok=True)
    enrolled = {}
    for name, role, path in SHOTS:
        for language in LANGUAGES:
            context = chromium.new_context(base_url=base_url, viewport=DESKTOP)
            page = context.new_page()
            sign_in(page, role, enrolled, language)
            page.goto(path)
            page.wait_for_load_state("networkidle")
            target = out / f"{name}-{language}.png"
            page.screenshot(path=str(target))
            print(f"  {target.relative_to(out.parents[1])}", flush=True)
            context.close()


def main():
    with running_stack() as base_url, sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=["--no-sandbox"])
        try:
            take(base_url, chromium)
        finally:
            chromium.close()


if __name__ == "__main__":
    sys.exit(main())
