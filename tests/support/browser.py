"""Real headless Chromium (Debian's, never a downloaded browser) for page tests."""

import os

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        # Browser pages must be tested in a real browser: a missing one is a failure, not a pass.
        pytest.fail(f"{CHROMIUM} is not installed: run `make test` as root, or "
                    "`apt-get install chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def phone(browser):
    """A phone-sized page."""
    context = browser.new_context(viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, locale="ja-JP")
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, base_url: str, email: str, password: str, lands_on: str) -> None:
    """Sign a console user in through the real login form and wait for their first page."""
    page.goto(f"{base_url}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}{lands_on}")
