"""Transcripts: free text reaches the staff inbox, with the bot's short answer."""

from conversations import auto_replies
from conversations.models import Thread, ThreadMessage
from members.models import Member
from tests.support.chat import texts


def _member(shopper, name="山田花子"):
    hanako = shopper(name)
    hanako.adds_friend()
    return hanako


def _thread(session):
    session.expire_all()
    return session.query(Thread).one()


def test_a_free_question_lands_in_the_inbox_and_the_shopper_is_told_staff_will_answer(
        shopper, session, clock):
    hanako = _member(shopper)

    answer = texts(hanako.says("紺のジャケットのMサイズは渋谷店にありますか？"))

    assert answer == ["メッセージありがとうございます。スタッフが確認して、"
                      "このトークでお返事しますので少々お待ちください。"]
    thread = _thread(session)
    assert thread.unread_count == 1
    [message] = thread.messages
    assert message.direction == "in"
    assert message.body == "紺のジャケットのMサイズは渋谷店にありますか？"


def test_several_lines_in_a_row_get_one_acknowledgement(shopper, session, clock):
    hanako = _member(shopper)
    assert len(hanako.says("こんにちは")) == 1
    clock.advance(minutes=2)
    assert hanako.says("イヤホンが壊れました") == []
    assert _thread(session).unread_count == 2


def test_commands_still_answer_and_do_not_reach_the_inbox(shopper, session, clock):
    hanako = _member(shopper)
    assert texts(hanako.says("クーポン")) == ["いまお使いいただけるクーポンはありません。"]
    assert session.query(ThreadMessage).count() == 0


def test_a_keyword_auto_reply_answers_before_the_inbox(shopper, session, clock):
    auto_replies.save(keyword="駐車場", answer="提携駐車場は2時間無料です。")
    session.commit()
    hanako = _member(shopper)

    assert texts(hanako.says("駐車場はありますか")) == ["提携駐車場は2時間無料です。"]
    thread = _thread(session)
    assert thread.unread_count == 0
    assert [(m.direction, m.body) for m in thread.messages] == [
        ("in", "駐車場はありますか"), ("out", "提携駐車場は2時間無料です。")]


def test_a_redelivered_message_is_stored_once(shopper, linesim, session, worker, clock):
    hanako = _member(shopper)
    event_id = linesim.send_text(hanako.user_id, "サイズ交換できますか")["event"]["webhookEventId"]
    worker.drain()
    hanako.new_messages()
    assert linesim.redeliver(event_id)["status"] == 200
    worker.drain()
    assert session.query(ThreadMessage).filter_by(direction="in").count() == 1
    assert hanako.new_messages() == []


def test_outside_business_hours_the_shopper_hears_when_staff_answer_once_per_night(
        shopper, session, clock):
    clock.set_tokyo(2026, 11, 24, 21, 30)
    hanako = _member(shopper)

    first = texts(hanako.says("返品したいです"))
    clock.advance(minutes=30)
    second = hanako.says("レシートはあります")
    clock.set_tokyo(2026, 11, 25, 22, 0)  # the next night: a new closed period
    third = texts(hanako.says("まだですか"))

    notice = ("メッセージありがとうございます。ただいま営業時間外のため、"
              "明日10:00から順番にお返事します。")
    assert first == [notice]
    assert second == []
    assert third == [notice]


def test_early_in_the_morning_staff_answer_from_today(shopper, session, clock):
    clock.set_tokyo(2026, 11, 24, 7, 0)
    hanako = _member(shopper)
    assert texts(hanako.says("何時に開きますか")) == [
        "メッセージありがとうございます。ただいま営業時間外のため、"
        "10:00から順番にお返事します。"]
    assert session.query(Member).count() == 1


def test_a_product_lookup_shows_the_loading_animation_while_it_is_worked_out(
        shopper, linesim, make, clock):
    make.product(sku="JKT-NAVY-M", name="紺ジャケット M")
    hanako = _member(shopper)

    [answer] = hanako.says("商品 JKT-NAVY-M")

    assert answer["altText"] == "紺ジャケット Mは在庫切れです"
    [loading] = linesim.calls(path_prefix="/v2/bot/chat/loading/start")
    assert (loading["status"], loading["body"]) == (202, {"chatId": hanako.user_id,
                                                          "loadingSeconds": 5})


def test_the_segment_builder_offers_the_survey_condition(client, login):
    login("marketer")
    page = client.get("/admin/segments/new").get_data(as_text=True)
    assert '"survey_rating"' in page
