"""Message texts marketers edit: each has its own placeholders, shown on the page; a text with
any other placeholder is refused (the shopper would get "{foo}" as it is)."""

import html

import pytest

from core.settings import ROOT
from line.texts import DEFAULTS, PLACEHOLDERS, TemplateError, check_placeholders, render
from tests.factories import csrf_token_from


@pytest.mark.parametrize("key", sorted(DEFAULTS))
def test_every_default_text_uses_only_its_own_placeholders(key):
    check_placeholders(key=key, body=DEFAULTS[key])


def test_the_placeholders_belong_to_known_texts():
    assert set(PLACEHOLDERS) <= set(DEFAULTS)


def test_an_unknown_placeholder_is_refused_naming_the_allowed_ones():
    with pytest.raises(TemplateError) as refused:
        check_placeholders(key="receipt", body="{name}さん、{total}円のお買い上げです。{foo}")
    assert str(refused.value) == (
        "{foo}、{name} はこの文面では使えません。この文面で使えるのは "
        "{display_name}、{place}、{total}、{earned}、{balance} です。")
    with pytest.raises(TemplateError, match="この文面では差し込み項目は使えません。"):
        check_placeholders(key="help", body="{display_name}さん、ご用件をどうぞ")


def _page(client) -> str:
    return html.unescape(client.get("/admin/message_templates/").get_data(as_text=True))


def test_the_console_refuses_a_text_with_an_unknown_placeholder_and_says_why(
        client, login, session):
    login(role="marketer")
    token = csrf_token_from(_page(client))

    answer = client.post("/admin/message_templates/welcome", follow_redirects=True,
                         data={"body": "{name}さん、ようこそ！", "csrf_token": token})

    shown = html.unescape(answer.get_data(as_text=True))
    assert ("友だち追加のあいさつ：保存できませんでした。{name} はこの文面では使えません。"
            "この文面で使えるのは {display_name} です。") in shown
    assert render("welcome", display_name="花子") == DEFAULTS["welcome"].replace(
        "{display_name}", "花子")  # nothing was stored


def test_the_page_shows_the_real_placeholders_of_each_text(client, login):
    login(role="marketer")
    page = _page(client)
    assert "{表示名}" not in page
    assert "{display_name}（LINEの表示名）のような波かっこの部分" in page
    assert "差し込み項目：{display_name}、{place}、{total}、{earned}、{balance}" in (
        page.replace("<code>", "").replace("</code>", ""))


def test_the_readme_names_the_real_placeholders():
    readme = (ROOT / "README.md").read_text()
    assert "placeholders are `{name}`" not in readme
    assert "`{display_name}`" in readme
