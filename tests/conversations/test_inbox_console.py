"""Staff answer from the console: a free reply while the shopper's reply token is fresh, else a
push; through the delivery ledger with a retry key, once; bad input sends nothing."""

import re
from dataclasses import replace

from conversations import hours
from conversations.models import Thread, ThreadMessage
from core.clock import utcnow
from line.models import Delivery
from line.sending import release_due_deliveries
from members.models import Member
from purchases.models import Channel, Purchase
from tests.factories import csrf_token_from
from tests.support.chat import texts
from tests.support.linesim_server import free_port

PUSH, REPLY = "/v2/bot/message/push", "/v2/bot/message/reply"


def _asks(shopper, question="紺のジャケットのMサイズはありますか？"):
    hanako = shopper("山田花子")
    hanako.adds_friend()
    hanako.says(question)
    return hanako


def _thread(session) -> Thread:
    session.expire_all()
    return session.query(Thread).one()


def _form(client, thread_id):
    page = client.get(f"/admin/inbox/{thread_id}").get_data(as_text=True)
    key = re.search(r'name="form_key"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="form_key"',
                    page)
    return {"csrf_token": csrf_token_from(page), "form_key": key.group(1) or key.group(2)}


def _answer(client, thread_id, body, form=None):
    form = form or _form(client, thread_id)
    return client.post(f"/admin/inbox/{thread_id}/answer", data={**form, "body": body})


def _staff_mode(client, thread_id, on=True):
    page = client.get(f"/admin/inbox/{thread_id}").get_data(as_text=True)
    return client.post(f"/admin/inbox/{thread_id}/staff-mode",
                       data={"csrf_token": csrf_token_from(page), "on": "1" if on else "0"})


def test_the_inbox_lists_threads_newest_first_with_unread_counts(
        client, login, shopper, session, clock):
    _asks(shopper)
    clock.advance(minutes=1)
    taro = shopper("佐藤太郎")
    taro.adds_friend()
    taro.says("返品できますか")
    taro.says("レシートはあります")
    login("marketer")

    page = client.get("/admin/inbox/").get_data(as_text=True)

    assert page.index("佐藤太郎") < page.index("山田花子")
    assert re.findall(r'data-testid="unread">(\d+)<', page) == ["2", "1"]


def test_an_answer_after_the_acknowledgement_goes_as_a_push_once_with_a_retry_key(
        client, login, shopper, session, linesim, worker, clock):
    hanako = _asks(shopper)  # the bot's acknowledgement used the reply token
    hanako.new_messages()
    staff = login("marketer")
    thread = _thread(session)
    form = _form(client, thread.id)

    answered = _answer(client, thread.id, "Mサイズは渋谷店に2点ございます。", form)
    again = _answer(client, thread.id, "Mサイズは渋谷店に2点ございます。", form)  # double submit
    worker.drain()

    assert answered.status_code == again.status_code == 302
    assert texts(hanako.new_messages()) == ["Mサイズは渋谷店に2点ございます。"]
    [push] = linesim.calls(path_prefix=PUSH)
    delivery = session.query(Delivery).filter_by(flow="staff_answer").one()
    assert (delivery.channel, delivery.status, push["retryKey"]) == (
        "push", "sent", delivery.retry_key)
    out = session.query(ThreadMessage).filter_by(direction="out").one()
    assert (out.channel, out.author, out.delivery_id) == ("push", staff.email, delivery.id)
    assert _thread(session).unread_count == 0
    page = client.get(f"/admin/inbox/{thread.id}").get_data(as_text=True)
    assert "プッシュ（月間の通数にカウント）" in page and "送信済み" in page


def test_in_staff_mode_the_bot_is_quiet_and_an_answer_within_the_minute_is_a_free_reply(
        client, login, shopper, session, linesim, worker, clock):
    hanako = shopper("山田花子")
    hanako.adds_friend()
    hanako.says("こんにちは")
    login("marketer")
    thread_id = _thread(session).id
    assert _staff_mode(client, thread_id).status_code == 302

    assert hanako.says("イヤホンが壊れました") == []  # the bot stays quiet
    [loading] = linesim.calls(path_prefix="/v2/bot/chat/loading/start")
    assert loading["body"] == {"chatId": hanako.user_id, "loadingSeconds": 60}
    clock.advance(seconds=30)
    _answer(client, thread_id, "ご不便をおかけしています。保証書はお持ちですか？")
    worker.drain()

    assert texts(hanako.new_messages()) == ["ご不便をおかけしています。保証書はお持ちですか？"]
    assert linesim.calls(path_prefix=PUSH) == []
    out = session.query(ThreadMessage).filter_by(direction="out").one()
    assert out.channel == "reply" and out.delivery.status == "sent"

    clock.advance(minutes=2)  # that token is used; the next answer is a push
    _answer(client, thread_id, "店頭での交換も承ります。")
    worker.drain()
    assert texts(hanako.new_messages()) == ["店頭での交換も承ります。"]
    assert len(linesim.calls(path_prefix=PUSH)) == 1

    _staff_mode(client, thread_id, on=False)  # back to the bot
    clock.advance(minutes=30)
    assert texts(hanako.says("ありがとう")) == [
        "メッセージありがとうございます。スタッフが確認して、"
        "このトークでお返事しますので少々お待ちください。"]


def test_a_stale_token_in_staff_mode_means_a_push(client, login, shopper, session, linesim,
                                                  worker, clock):
    hanako = shopper()
    hanako.adds_friend()
    hanako.says("こんにちは")
    login("admin")
    thread_id = _thread(session).id
    _staff_mode(client, thread_id)
    hanako.says("在庫はありますか")
    clock.advance(minutes=5)

    _answer(client, thread_id, "ございます。")
    worker.drain()

    assert texts(hanako.new_messages()) == ["ございます。"]
    assert linesim.calls(path_prefix=REPLY)[-1]["body"]["messages"][0]["text"] != "ございます。"
    assert len(linesim.calls(path_prefix=PUSH)) == 1


def _refused(client, thread_id, body):
    answer = _answer(client, thread_id, body)
    return answer.status_code, answer.get_data(as_text=True)


def test_bad_answers_get_a_clear_message_and_send_nothing(client, login, shopper, session,
                                                          linesim, worker, clock):
    hanako = _asks(shopper)
    login("marketer")
    thread_id = _thread(session).id
    sent_before = len(linesim.calls(path_prefix="/v2/bot/message"))

    empty = _refused(client, thread_id, "   ")
    too_long = _refused(client, thread_id, "あ" * 5001)
    worker.drain()

    assert empty[0] == 400 and "返信を入力してください。" in empty[1]
    assert too_long[0] == 400
    assert "返信は5,000文字以内で入力してください（現在 5,001 文字）" in too_long[1]
    assert "あ" * 5001 in too_long[1]  # the text is kept for editing

    hanako.blocks()
    assert 'data-testid="cannot-message"' in client.get(f"/admin/inbox/{thread_id}").get_data(
        as_text=True)
    blocked = _refused(client, thread_id, "お返事です")
    worker.drain()
    assert blocked[0] == 400
    assert ("この会員はLINEアカウントをブロックしているか退会済みのため、送信できません。"
            in blocked[1])
    assert session.query(ThreadMessage).filter_by(direction="out").count() == 0
    assert session.query(Delivery).filter_by(flow="staff_answer").count() == 0
    assert len(linesim.calls(path_prefix="/v2/bot/message")) == sent_before


def test_an_answer_of_exactly_5000_characters_is_sent(client, login, shopper, session, worker,
                                                      clock):
    hanako = _asks(shopper)
    hanako.new_messages()
    login("marketer")
    assert _answer(client, _thread(session).id, "あ" * 5000).status_code == 302
    worker.drain()
    assert texts(hanako.new_messages()) == ["あ" * 5000]


def test_the_card_beside_the_thread_shows_rank_points_purchases_and_coupons(
        client, login, shopper, session, make, clock):
    _asks(shopper)
    member = session.query(Member).one()
    member.points_balance = 1234
    store = make.store(name="渋谷店")
    session.add(Purchase(channel=Channel.STORE, store_id=store.id, receipt_number="R-9",
                         member_id=member.id, purchased_at=utcnow(), total=12_800))
    session.commit()
    login("marketer")

    page = client.get(f"/admin/inbox/{_thread(session).id}").get_data(as_text=True)

    assert "レギュラー" in page and "1,234 pt" in page
    assert "渋谷店 ¥12,800" in page


def _regular_of_a_store(shopper, session, make):
    _asks(shopper)
    member = session.query(Member).one()
    mine, other = make.store(name="渋谷店"), make.store(name="新宿店")
    session.add(Purchase(channel=Channel.STORE, store_id=mine.id, receipt_number="R-1",
                         member_id=member.id, purchased_at=utcnow(), total=1000))
    session.commit()
    return _thread(session).id, mine, other


def _allow_cashiers(session):
    hours.save(opens_at=hours.current().opens_at, closes_at=hours.current().closes_at,
               staff_mode_minutes=60, cashiers_may_answer=True)
    session.commit()


def test_cashiers_answer_their_stores_regulars_only_when_the_shop_allows_it(
        client, login, shopper, session, make, clock):
    thread_id, mine, _ = _regular_of_a_store(shopper, session, make)
    login("cashier", store_id=mine.id)

    assert client.get("/admin/inbox/").status_code == 403  # not allowed by default
    _allow_cashiers(session)
    assert "山田花子" in client.get("/admin/inbox/").get_data(as_text=True)
    assert client.get(f"/admin/inbox/{thread_id}").status_code == 200


def test_cashiers_of_another_store_neither_see_nor_open_the_thread(
        client, login, shopper, session, make, clock):
    thread_id, _, other = _regular_of_a_store(shopper, session, make)
    _allow_cashiers(session)
    login("cashier", store_id=other.id)

    assert "山田花子" not in client.get("/admin/inbox/").get_data(as_text=True)
    assert client.get(f"/admin/inbox/{thread_id}").status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    assert client.get("/admin/inbox/").status_code == 302


def test_a_reply_that_cannot_be_queued_goes_as_a_push_once_redis_is_back(
        app, monkeypatch, client, login, shopper, session, linesim, worker, clock):
    hanako = shopper()
    hanako.adds_friend()
    hanako.says("こんにちは")
    login("marketer")
    thread_id = _thread(session).id
    _staff_mode(client, thread_id)
    hanako.says("取り置きできますか")
    form = _form(client, thread_id)

    dead = replace(app.config["SETTINGS"], redis_url=f"redis://127.0.0.1:{free_port()}/0")
    with monkeypatch.context() as patch:
        patch.setitem(app.config, "SETTINGS", dead)
        answered = _answer(client, thread_id, "3日間お取り置きできます。", form)

    assert answered.status_code == 302
    out = session.query(ThreadMessage).filter_by(direction="out").one()
    assert out.channel == "push"
    worker.call(release_due_deliveries)
    worker.drain()
    assert texts(hanako.new_messages()) == ["3日間お取り置きできます。"]
    assert linesim.calls(path_prefix=REPLY)[-1]["body"]["messages"][0]["text"] != (
        "3日間お取り置きできます。")
    assert [d.status for d in session.query(Delivery).filter_by(flow="staff_answer")
            .order_by(Delivery.id)] == ["failed", "sent"]
