"""Follow-up settings: typed and checked when saved, robust when used, and failures shown to
marketers in 配信アラート."""

import pytest

from campaigns import flows
from campaigns.models import FlowSetting
from core import jobs
from line.models import CampaignAlert, Delivery
from tests.factories import csrf_token_from


@jobs.job("followups")
def explode(number):
    raise RuntimeError(f"boom {number}")


@jobs.job("maintenance")
def explode_quietly():
    raise RuntimeError("not a follow-up")


@pytest.fixture
def flows_page(client, login):
    """Post a flow's settings form as a marketer; returns the answer."""
    login(role="marketer")
    token = csrf_token_from(client.get("/admin/flows/").get_data(as_text=True))

    def post(flow_key, **fields):
        data = {f"{flow_key}-{name}": value for name, value in fields.items()}
        return client.post(f"/admin/flows/{flow_key}", data={"csrf_token": token, **data})

    return post


def test_a_typo_is_refused_with_a_japanese_message_and_changes_nothing(flows_page, session):
    answer = flows_page("after_purchase", enabled="y", delay_minutes="sixty", products="5")

    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "整数で入力してください。" in html and "保存できませんでした" in html
    assert "保存しました" not in html
    assert session.query(FlowSetting).count() == 0
    assert flows.params_for("after_purchase") == {"delay_minutes": 60, "products": 5}


@pytest.mark.parametrize("flow_key, fields, message", [
    ("after_purchase", {"delay_minutes": "60", "products": "100"}, "1〜10の範囲"),
    ("after_purchase", {"delay_minutes": "-5", "products": "3"}, "0〜10,080の範囲"),
    ("winback", {"stages": "30, abc"}, "整数をカンマ区切りで入力してください。"),
    ("winback", {"stages": ""}, "1〜10個の整数"),
    ("winback", {"stages": "30, 30"}, "重複"),
])
def test_values_out_of_range_are_refused(flows_page, session, flow_key, fields, message):
    answer = flows_page(flow_key, enabled="y", **fields)
    assert message in answer.get_data(as_text=True)
    assert session.query(FlowSetting).count() == 0


def test_valid_settings_are_saved_as_numbers_lists_and_switches(flows_page, client):
    saved = flows_page("after_purchase", delay_minutes="30", products="3")
    assert saved.status_code == 302
    assert "保存しました" in client.get(saved.location).get_data(as_text=True)
    assert flows.is_enabled("after_purchase") is False
    assert flows.params_for("after_purchase") == {"delay_minutes": 30, "products": 3}

    flows_page("winback", enabled="y", stages="180、30")
    assert flows.params_for("winback") == {"stages": [30, 180], "with_coupon": False}


def test_the_form_shows_the_current_values(flows_page, client):
    flows_page("winback", enabled="y", stages="45, 120", with_coupon="y")
    html = client.get("/admin/flows/").get_data(as_text=True)
    assert 'name="winback-stages"' in html and 'value="45, 120"' in html


@pytest.mark.parametrize("params", [{"delay_minutes": "sixty"}, {"delay_minutes": True},
                                    {"products": 0}, {"nope": 1}])
def test_the_domain_refuses_bad_values_whoever_saves_them(session, params):
    with pytest.raises(flows.InvalidSetting):
        flows.save_setting(flow_key="after_purchase", enabled=True, params=params)
    session.rollback()
    assert session.query(FlowSetting).count() == 0


def test_a_bad_stored_setting_falls_back_to_its_default_and_the_receipt_still_goes(
        member_of, buy, follow_ups, session, clock, client, login):
    session.add(FlowSetting(flow="after_purchase", params={"delay_minutes": "sixty"}))
    session.commit()  # stored before settings were checked
    hanako, member = member_of()

    buy(member, "TEE")
    follow_ups()

    assert "+30 pt" in hanako.new_messages()[0]["text"]
    planned = session.query(Delivery).filter_by(flow="after_purchase").one()
    assert (planned.send_after - clock.now).total_seconds() == 60 * 60  # the default
    alert = session.query(CampaignAlert).filter_by(kind="setting").one()
    assert "店舗購入後のおすすめ" in alert.message

    buy(member, "CAP")
    follow_ups()
    assert session.query(CampaignAlert).filter_by(kind="setting").count() == 1  # said once

    login(role="marketer")
    html = client.get("/admin/campaignalert/").get_data(as_text=True)
    assert "設定エラー" in html and "店舗購入後のおすすめ" in html


def test_a_follow_up_job_that_fails_in_the_worker_is_shown_as_an_alert(
        worker, session, client, login):
    explode.enqueue(7)
    explode_quietly.enqueue()
    worker.drain()

    alert = session.query(CampaignAlert).one()
    assert alert.kind == "job_failed"
    assert "explode(7,)" in alert.message and "boom 7" in alert.message

    login(role="marketer")
    html = client.get("/admin/campaignalert/").get_data(as_text=True)
    assert "ジョブ失敗" in html and "boom 7" in html
