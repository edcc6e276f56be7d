"""The official line-bot-sdk talks to linesim unchanged, as the product will."""

import uuid

import pytest
from linebot.v3.messaging import (
    ApiException,
    MessagingApi,
    MessagingApiBlob,
    MulticastRequest,
    PostbackAction,
    PushMessageRequest,
    ReplyMessageRequest,
    RichMenuArea,
    RichMenuBounds,
    RichMenuRequest,
    RichMenuSize,
    TextMessage,
)

from tests.linesim.images import png


def test_push_with_retry_key_then_conflict(line_api_client, sim, friend):
    api = MessagingApi(line_api_client)
    request = PushMessageRequest(to=friend["userId"], messages=[TextMessage(text="ようこそ")])
    key = str(uuid.uuid4())
    sent = api.push_message(request, x_line_retry_key=key)
    assert len(sent.sent_messages) == 1
    with pytest.raises(ApiException) as conflict:
        api.push_message(request, x_line_retry_key=key)
    assert conflict.value.status == 409
    [message] = sim.inbox(friend["userId"])
    assert message["retryKey"] == key and message["message"]["text"] == "ようこそ"


def test_multicast_reaches_friends_only(line_api_client, sim, friend):
    blocked = sim.add_user("blocked")
    sim.follow(blocked["userId"])
    sim.block(blocked["userId"])
    api = MessagingApi(line_api_client)
    api.multicast(MulticastRequest(to=[friend["userId"], blocked["userId"]],
                                   messages=[TextMessage(text="セール")]))
    assert [item["endpoint"] for item in sim.inbox(friend["userId"])] == ["multicast"]
    assert sim.inbox(blocked["userId"]) == []
    counters = sim.counters()
    assert (counters["messages_delivered"], counters["messages_dropped"]) == (1, 1)


def test_reply_to_a_text_event(line_api_client, sim, friend):
    token = sim.send_text(friend["userId"], "会員証")["event"]["replyToken"]
    MessagingApi(line_api_client).reply_message(
        ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="こちらです")]))
    assert sim.inbox(friend["userId"], min=1, timeout=2)[0]["message"]["text"] == "こちらです"


def test_profile_of_friend_and_404_after_block(line_api_client, sim, friend):
    api = MessagingApi(line_api_client)
    profile = api.get_profile(friend["userId"])
    assert (profile.display_name, profile.language) == ("山田 太郎", "ja")
    sim.block(friend["userId"])
    with pytest.raises(ApiException) as missing:
        api.get_profile(friend["userId"])
    assert missing.value.status == 404


def test_quota_and_consumption(line_api_client, sim, friend):
    api = MessagingApi(line_api_client)
    api.push_message(PushMessageRequest(to=friend["userId"], messages=[TextMessage(text="a")]))
    quota = api.get_message_quota()
    assert (quota.type.value, quota.value) == ("limited", 30000)
    assert api.get_message_quota_consumption().total_usage == 1


def test_followers_are_paged(line_api_client, sim):
    for index in range(5):
        sim.follow(sim.add_user(f"fan {index}")["userId"])
    api = MessagingApi(line_api_client)
    first = api.get_followers(limit=3)
    second = api.get_followers(start=first.next, limit=3)
    assert len(first.user_ids) == 3 and len(second.user_ids) == 2 and second.next is None


def test_rich_menu_create_upload_link_and_tap(line_api_client, sim, friend, receiver):
    api, blob = MessagingApi(line_api_client), MessagingApiBlob(line_api_client)
    area = RichMenuArea(bounds=RichMenuBounds(x=0, y=0, width=1250, height=843),
                        action=PostbackAction(label="card", data="action=card"))
    menu = RichMenuRequest(size=RichMenuSize(width=2500, height=843), selected=True,
                           name="main", chatBarText="メニュー", areas=[area])
    menu_id = api.create_rich_menu(menu).rich_menu_id
    blob.set_rich_menu_image(menu_id, body=png(2500, 843), _headers={"Content-Type": "image/png"})
    api.link_rich_menu_id_to_user(friend["userId"], menu_id)
    assert api.get_rich_menu_id_of_user(friend["userId"]).rich_menu_id == menu_id
    assert sim.rich_menu_of(friend["userId"])["imageUrl"].endswith(menu_id)
    tapped = sim.tap_rich_menu(friend["userId"], 0)
    assert tapped["event"]["postback"]["data"] == "action=card"


def test_rich_menu_image_rules(line_api_client, sim):
    api, blob = MessagingApi(line_api_client), MessagingApiBlob(line_api_client)
    menu = RichMenuRequest(size=RichMenuSize(width=2500, height=843), selected=False,
                           name="m", chatBarText="menu", areas=[])
    menu_id = api.create_rich_menu(menu).rich_menu_id
    with pytest.raises(ApiException) as too_narrow:
        blob.set_rich_menu_image(menu_id, body=png(700, 300),
                                 _headers={"Content-Type": "image/png"})
    assert too_narrow.value.status == 400
    with pytest.raises(ApiException) as unlinkable:
        api.set_default_rich_menu(menu_id)
    assert unlinkable.value.status == 400


def test_rich_menu_size_rules(line_api_client, sim):
    too_square = RichMenuRequest(size=RichMenuSize(width=1000, height=1000), selected=False,
                                 name="m", chatBarText="menu", areas=[])
    with pytest.raises(ApiException) as refused:
        MessagingApi(line_api_client).create_rich_menu(too_square)
    assert refused.value.status == 400
