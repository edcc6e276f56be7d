"""The inbox and the survey in real browsers: a shopper asks a free question on the chat
screen, a staff member answers it from the console and the chat shows the answer once; a
second shopper rates a purchase with the quick-reply buttons and the console shows it."""

import pytest

from bot.models import WebhookEvent
from campaigns import flows
from members.models import Member
from tests.factories import PASSWORD
from tests.support.browser import sign_in
from tests.support.waiting import wait_until

pytestmark = pytest.mark.browser

QUESTION = "紺のジャケットのMサイズは渋谷店にありますか？"
ANSWER = "お問い合わせありがとうございます。Mサイズは渋谷店に2点ございます。"


def _events(session) -> int:
    return session.query(WebhookEvent).count()


def _processed(session, worker, count: int) -> None:
    """Wait until `count` events are stored and processed: the job is queued just after the
    webhook's commit, so the worker runs until nothing is left pending."""
    def settled():
        worker.drain()
        return session.query(WebhookEvent).filter(
            WebhookEvent.status.not_in(("pending", "processing"))).count() >= count

    wait_until(settled, what="the webhook events to be processed")


def _open_chat(browser, linesim, linesim_process, session, worker, name):
    user = linesim.add_user(name)
    chat = browser.new_page()
    chat.goto(f"{linesim_process.base_url}/chat/{user['userId']}")
    before = _events(session)
    chat.get_by_test_id("follow-button").click()
    _processed(session, worker, before + 1)
    chat.get_by_test_id("flex-image").first.wait_for()  # the member card
    return user, chat


def _acted(session, worker, act):
    before = _events(session)
    act()
    _processed(session, worker, before + 1)


def test_a_question_is_answered_from_the_inbox_once_and_a_rating_reaches_the_console(
        browser, linesim, linesim_process, live_server, worker, make, session, clock, buy,
        follow_ups):
    marketer = make.console_user(role="marketer")

    # A shopper writes a free question.
    _, chat = _open_chat(browser, linesim, linesim_process, session, worker, "山田花子")
    chat.get_by_test_id("text-input").fill(QUESTION)
    _acted(session, worker, lambda: chat.get_by_test_id("send-button").click())
    chat.get_by_test_id("bot-message").get_by_text("スタッフが確認して").wait_for()

    # Staff see it in the inbox and answer.
    console = browser.new_page()
    sign_in(console, live_server.url, marketer.email, PASSWORD, lands_on="/admin/")
    console.goto(f"{live_server.url}/admin/inbox/")
    thread = console.get_by_test_id("thread").filter(has_text="山田花子")
    assert thread.get_by_test_id("unread").inner_text() == "1"
    thread.click()
    console.get_by_test_id("message-in").get_by_text(QUESTION).wait_for()
    console.get_by_test_id("answer-body").fill(ANSWER)
    console.get_by_test_id("answer-submit").click()
    console.get_by_text("プッシュで送信しました（月間の通数にカウントされます）。").wait_for()
    worker.drain()

    # The answer appears in the chat, once.
    chat.get_by_test_id("bot-message").get_by_text(ANSWER).wait_for()
    console.reload()  # a reload of the answered page sends nothing again
    worker.drain()
    chat.reload()
    chat.get_by_test_id("bot-message").get_by_text(ANSWER).wait_for()
    assert chat.get_by_test_id("bot-message").get_by_text(ANSWER).count() == 1

    # A second shopper rates a purchase; the console shows it.
    flows.save_setting(flow_key="survey", enabled=True,
                       params={"delay_minutes": 120, "stores": [], "ask_nps": False})
    session.commit()
    taro_user, taro_chat = _open_chat(browser, linesim, linesim_process, session, worker,
                                      "佐藤太郎")
    taro = session.query(Member).filter_by(line_user_id=taro_user["userId"]).one()
    buy(taro, "TEE")
    clock.advance(minutes=121)
    follow_ups()
    rating = taro_chat.get_by_test_id("quick-reply").filter(has_text="4 満足")
    rating.wait_for()
    _acted(session, worker, rating.click)
    taro_chat.get_by_test_id("bot-message").get_by_text("ご回答ありがとうございます").wait_for()

    console.goto(f"{live_server.url}/admin/surveys/")
    results = console.get_by_test_id("survey-results")
    assert "渋谷店" in results.inner_text() and "4.0" in results.inner_text()
    for page in (chat, taro_chat, console):
        page.close()
