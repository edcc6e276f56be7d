"""The console in a real browser, under its content security policy: Flask-Admin's own scripts
and inline handlers run, and nothing is blocked."""

import pytest

from tests.factories import PASSWORD
from tests.support.browser import sign_in

pytestmark = pytest.mark.browser


def test_console_pages_run_their_scripts_without_policy_violations(browser, live_server, make):
    make.product(sku="SKU-CSP", name="ポリシー確認")
    admin = make.console_user(role="admin")
    page = browser.new_page()
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    sign_in(page, live_server.url, admin.email, PASSWORD, lands_on="/admin/")
    page.goto(f"{live_server.url}/admin/product/")
    page.get_by_text("SKU-CSP").wait_for()
    page.locator("form.icon button").first.click()  # delete: an inline confirm() handler

    assert dialogs, "the delete confirmation (an inline handler) did not run"
    assert page.evaluate("typeof window.jQuery") == "function"  # Flask-Admin's scripts ran
    page.get_by_text("SKU-CSP").wait_for()  # dismissed: still there
    assert violations == []
    page.close()
