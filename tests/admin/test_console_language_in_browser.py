"""The navbar's language button in a real browser: Japanese first, English after a click, on
the same page, and the delete confirmation (Flask-Admin's text) follows the choice."""

import pytest

from tests.factories import PASSWORD
from tests.support.browser import sign_in

pytestmark = pytest.mark.browser


def test_a_console_user_switches_the_console_to_english_and_back(browser, live_server, make):
    make.product(sku="SKU-LANG", name="言語確認")
    admin = make.console_user(role="admin")
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, live_server.url, admin.email, PASSWORD, lands_on="/admin/")
    page.goto(f"{live_server.url}/admin/product/")
    page.get_by_role("link", name="作成").wait_for()
    page.locator("form.icon button").first.click()
    assert dialogs == ["このレコードを削除してもよろしいですか。"]

    page.get_by_role("button", name="English").click()
    page.wait_for_url(f"{live_server.url}/admin/product/")
    page.get_by_role("link", name="Create").wait_for()
    page.locator("form.icon button").first.click()
    assert dialogs[-1] == "Are you sure you want to delete this record?"
    assert page.get_by_text("商品名").count() == 1  # the shop's own words stay

    page.get_by_role("button", name="日本語").click()
    page.get_by_role("link", name="作成").wait_for()
    page.close()
