"""The post-purchase survey: off by default; once on, a rating by quick-reply buttons, an
optional comment and NPS, tied to the purchase and its store, counted once; a low rating tells
staff in the inbox; the console shows results and a segment condition uses them."""

from datetime import timedelta

from campaigns import flows, segments
from conversations.models import SurveyAnswer, ThreadMessage
from line.models import Delivery
from tests.support.chat import texts


def _switch_on(session, **params):
    flows.save_setting(flow_key="survey", enabled=True,
                       params={"delay_minutes": 120, "stores": [], "ask_nps": False, **params})
    session.commit()


def _survey_arrives(person, follow_ups, clock, minutes=121):
    clock.advance(minutes=minutes)
    follow_ups()
    return [m for m in person.new_messages() if "満足度" in m.get("text", "")]


def _rating_buttons(message):
    return [(i["action"]["label"], i["action"]["data"]) for i in message["quickReply"]["items"]]


def test_the_survey_is_off_until_switched_on(member_of, buy, follow_ups, session, clock):
    person, member = member_of()
    buy(member, "TEE")
    assert _survey_arrives(person, follow_ups, clock) == []
    assert session.query(Delivery).filter_by(flow="survey").count() == 0


def test_a_rating_then_a_comment_are_tied_to_the_purchase_and_its_store(
        member_of, buy, follow_ups, session, clock, shop):
    _switch_on(session)
    person, member = member_of()
    purchase = buy(member, "TEE")

    assert _survey_arrives(person, follow_ups, clock, minutes=60) == []  # not before 2 hours
    [question] = _survey_arrives(person, follow_ups, clock, minutes=61)
    buttons = _rating_buttons(question)
    assert [label for label, _ in buttons] == ["5 とても満足", "4 満足", "3 ふつう", "2 不満",
                                               "1 とても不満"]
    assert "渋谷店でのお買い物はいかがでしたか" in question["text"]

    asked = person.taps(buttons[1][1])  # 4
    thanks = person.says("店員さんが親切でした")
    again = person.taps(buttons[0][1])  # a second tap changes nothing

    assert texts(asked)[0].startswith("ご回答ありがとうございます！よろしければ")
    assert texts(thanks) == ["ご協力ありがとうございました。いただいた声はお店づくりに活かします。"]
    assert texts(again) == ["このお買い物のアンケートにはすでにご回答いただいています。"
                            "ありがとうございました。"]
    answer = session.query(SurveyAnswer).one()
    assert (answer.purchase_id, answer.store_id, answer.rating, answer.comment) == (
        purchase.id, shop.id, 4, "店員さんが親切でした")
    assert session.query(ThreadMessage).count() == 0  # neither the comment nor a note for staff


def test_a_low_rating_leaves_a_note_for_staff_and_the_comment_follows_it(
        member_of, buy, follow_ups, session, clock):
    _switch_on(session)
    person, member = member_of()
    buy(member, "TEE")
    [question] = _survey_arrives(person, follow_ups, clock)

    person.taps(_rating_buttons(question)[4][1])  # 1
    person.says("レジで長く待ちました")

    notes = [m.body for m in session.query(ThreadMessage).filter_by(direction="note")]
    assert notes[0].startswith("アンケートで低い評価（★1）がありました：渋谷店")
    assert notes[1] == "低い評価へのコメント：レジで長く待ちました"


def test_the_comment_can_be_skipped_and_nps_asked(member_of, buy, follow_ups, session, clock):
    _switch_on(session, ask_nps=True)
    person, member = member_of()
    buy(member, "TEE")
    [question] = _survey_arrives(person, follow_ups, clock)

    [ask_comment] = person.taps(_rating_buttons(question)[0][1])
    [nps] = person.taps(ask_comment["quickReply"]["items"][0]["action"]["data"])  # スキップ
    assert [i["action"]["label"] for i in nps["quickReply"]["items"]] == [
        str(n) for n in range(11)]
    done = person.taps(nps["quickReply"]["items"][9]["action"]["data"])

    assert texts(done) == ["ご協力ありがとうございました。いただいた声はお店づくりに活かします。"]
    answer = session.query(SurveyAnswer).one()
    assert (answer.rating, answer.comment, answer.nps) == (5, None, 9)
    assert texts(person.says("ありがとう"))[0].startswith("メッセージありがとうございます")


def test_only_the_chosen_stores_purchases_are_surveyed(member_of, buy, follow_ups, session,
                                                        clock, make):
    other = make.store(name="新宿店")
    _switch_on(session, stores=[other.id])
    person, member = member_of()
    buy(member, "TEE")  # at 渋谷店
    assert _survey_arrives(person, follow_ups, clock) == []


def test_a_rating_of_someone_elses_purchase_is_ignored(member_of, buy, follow_ups, session,
                                                        clock):
    _switch_on(session)
    person, member = member_of()
    other_person, other = member_of("佐藤太郎")
    purchase = buy(other, "TEE")
    assert person.taps(f"action=survey_rating&purchase={purchase.id}&rating=1") == []
    assert session.query(SurveyAnswer).count() == 0


def test_the_segment_condition_finds_members_who_rated_low_recently(
        member_of, buy, follow_ups, session, clock):
    _switch_on(session)
    low, low_member = member_of()
    high, high_member = member_of("佐藤太郎")
    for person, member, button in ((low, low_member, 3), (high, high_member, 0)):  # 2 and 5
        buy(member, "TEE")
        [question] = _survey_arrives(person, follow_ups, clock)
        person.taps(_rating_buttons(question)[button][1])

    def rated(at_most, days):
        return segments.counts({"match": "all", "groups": [{"match": "all", "conditions": [
            {"field": "survey_rating", "op": "lte",
             "value": {"rating": at_most, "days": days}}]}]})["matching"]

    assert rated(2, 90) == 1
    assert rated(5, 90) == 2
    clock.advance(days=91)
    assert rated(5, 90) == 0


def test_the_console_shows_results_per_store_and_month_with_comments(
        member_of, buy, follow_ups, session, clock, client, login):
    _switch_on(session, ask_nps=True)
    person, member = member_of()
    buy(member, "TEE")
    [question] = _survey_arrives(person, follow_ups, clock)
    person.taps(_rating_buttons(question)[1][1])
    [nps] = person.says("試着室が広くてよかった")
    person.taps(nps["quickReply"]["items"][10]["action"]["data"])
    login("marketer")

    page = client.get("/admin/surveys/").get_data(as_text=True)

    assert "2026年11月" in page and "渋谷店" in page
    assert "<td>4.0</td>" in page and "<td>100</td>" in page  # average; NPS: one promoter
    assert "試着室が広くてよかった" in page


def test_the_console_saves_the_survey_setting_and_refuses_bad_values(client, login, session,
                                                                     shop):
    from tests.factories import csrf_token_from

    login("marketer")
    token = csrf_token_from(client.get("/admin/surveys/").get_data(as_text=True))
    saved = client.post("/admin/surveys/settings", data={
        "csrf_token": token, "enabled": "y", "delay_minutes": "90", "stores": [str(shop.id)]})
    bad = client.post("/admin/surveys/settings", data={
        "csrf_token": token, "enabled": "y", "delay_minutes": "-5"})
    worse = client.post("/admin/surveys/settings", data={
        "csrf_token": token, "enabled": "y", "delay_minutes": "二時間"})

    assert saved.status_code == 302
    assert bad.status_code == worse.status_code == 400
    assert "0〜10,080の範囲で入力してください" in bad.get_data(as_text=True)
    assert "整数で入力してください。" in worse.get_data(as_text=True)
    assert flows.is_enabled("survey")
    assert flows.params_for("survey") == {"delay_minutes": 90, "stores": [shop.id],
                                          "ask_nps": False}
    assert timedelta(minutes=flows.params_for("survey")["delay_minutes"]) == timedelta(hours=1.5)


def test_withdrawal_erases_the_thread_and_the_comments_but_keeps_the_rating(
        member_of, buy, follow_ups, session, clock):
    _switch_on(session)
    person, member = member_of()
    buy(member, "TEE")
    [question] = _survey_arrives(person, follow_ups, clock)
    person.taps(_rating_buttons(question)[3][1])  # 2: a note in the inbox
    person.says("待ち時間が長かった")
    person.says("ところで駐車場はありますか")
    assert session.query(ThreadMessage).count() == 3

    person.says("退会")
    person.taps("action=withdraw_confirm")

    session.expire_all()
    assert session.query(ThreadMessage).count() == 0
    answer = session.query(SurveyAnswer).one()
    assert (answer.rating, answer.comment) == (2, None)


def test_text_long_after_the_rating_is_a_message_for_staff_not_a_comment(
        member_of, buy, follow_ups, session, clock):
    _switch_on(session)
    person, member = member_of()
    buy(member, "TEE")
    [question] = _survey_arrives(person, follow_ups, clock)
    person.taps(_rating_buttons(question)[0][1])
    clock.advance(minutes=31)

    answer = texts(person.says("来週の入荷予定を教えてください"))

    assert answer[0].startswith("メッセージありがとうございます。スタッフが確認して")
    assert session.query(SurveyAnswer).one().comment is None
    assert [m.body for m in session.query(ThreadMessage)] == ["来週の入荷予定を教えてください"]


def test_a_purchase_returned_before_the_survey_is_due_is_not_surveyed(
        member_of, buy, follow_ups, session, clock, shop):
    from purchases.models import PurchaseStatus
    from purchases.returns import reverse_purchase

    _switch_on(session)
    person, member = member_of()
    purchase = buy(member, "TEE")
    clock.advance(minutes=30)
    reverse_purchase(store=shop, receipt_number=purchase.receipt_number,
                     status=PurchaseStatus.RETURNED)
    session.commit()

    assert _survey_arrives(person, follow_ups, clock, minutes=91) == []
    assert session.query(Delivery).filter_by(flow="survey").one().status == "skipped"
