"""LINE's sending rules, each answered with LINE's status and error shape."""

import uuid

from tests.linesim.helpers import call_line, push_text

MULTICAST = "/v2/bot/message/multicast"
PUSH = "/v2/bot/message/push"


def text(body="hello"):
    return {"type": "text", "text": body}


def test_spec_violation_is_400_with_details_naming_the_property(sim, base_url, friend):
    body = {"to": friend["userId"], "messages": [{"type": "text"}]}
    answer = call_line(base_url, "POST", PUSH, body)
    assert answer.status == 400
    assert answer.json() == {"message": "The request body has 1 error(s)",
                             "details": [{"message": "must be specified",
                                          "property": "messages[0].text"}]}
    assert answer.headers["x-line-request-id"]


def test_unknown_message_type_is_rejected(sim, base_url, friend):
    body = {"to": friend["userId"], "messages": [{"type": "hologram", "text": "x"}]}
    answer = call_line(base_url, "POST", PUSH, body)
    assert answer.status == 400
    assert answer.json()["details"][0]["property"] == "messages[0].type"


def test_unknown_action_type_deep_in_flex_is_rejected(sim, base_url, friend):
    bubble = {"type": "bubble", "body": {"type": "box", "layout": "vertical", "contents": [
        {"type": "button", "action": {"type": "teleport", "label": "go"}}]}}
    body = {"to": friend["userId"], "messages": [{"type": "flex", "altText": "a",
                                                  "contents": bubble}]}
    answer = call_line(base_url, "POST", PUSH, body)
    assert answer.status == 400
    assert answer.json()["details"][0]["property"] == \
        "messages[0].contents.body.contents[0].action.type"


def test_missing_or_wrong_token_is_401(sim, base_url, friend):
    expected = {"message": "Authentication failed. Confirm that the access token in the "
                           "authorization header is valid."}
    for token in (None, "not-the-token"):
        answer = push_text(base_url, friend["userId"], token=token)
        assert answer.status == 401
        assert answer.json() == expected


def test_multicast_to_501_users_is_400(sim, base_url):
    ids = ["U" + f"{index:032x}" for index in range(501)]
    answer = call_line(base_url, "POST", MULTICAST, {"to": ids, "messages": [text()]})
    assert answer.status == 400
    assert answer.json()["details"] == [{"message": "Size must be between 1 and 500",
                                         "property": "to"}]


def test_six_messages_is_400(sim, base_url, friend):
    answer = call_line(base_url, "POST", PUSH, {"to": friend["userId"], "messages": [text()] * 6})
    assert answer.status == 400
    assert answer.json()["details"] == [{"message": "Size must be between 1 and 5",
                                         "property": "messages"}]


def test_retry_key_must_be_a_uuid(sim, base_url, friend):
    answer = push_text(base_url, friend["userId"], headers={"X-Line-Retry-Key": "abc-123"})
    assert answer.status == 400
    assert "X-Line-Retry-Key" in answer.json()["message"]


def test_repeated_retry_key_is_409_naming_the_accepted_request(sim, base_url, friend):
    key = str(uuid.uuid4())
    first = push_text(base_url, friend["userId"], headers={"X-Line-Retry-Key": key})
    second = push_text(base_url, friend["userId"], headers={"X-Line-Retry-Key": key})
    assert first.status == 200
    assert second.status == 409
    assert second.json()["message"] == "The retry key is already accepted"
    assert second.headers["x-line-accepted-request-id"] == first.headers["x-line-request-id"]
    assert len(sim.inbox(friend["userId"])) == 1


def test_retry_key_of_a_rejected_request_can_be_used_again(sim, base_url, friend):
    key = str(uuid.uuid4())
    rejected = call_line(base_url, "POST", PUSH, {"to": friend["userId"], "messages": []},
                         headers={"X-Line-Retry-Key": key})
    accepted = push_text(base_url, friend["userId"], headers={"X-Line-Retry-Key": key})
    assert (rejected.status, accepted.status) == (400, 200)


def test_rate_limit_answers_429(sim, base_url, friend):
    sim.configure(rate_limits={"general": 3})
    statuses = [push_text(base_url, friend["userId"]).status for _ in range(8)]
    assert statuses[:3] == [200, 200, 200]
    assert 429 in statuses
    limited = push_text(base_url, friend["userId"])
    assert limited.json() == {"message": "The API rate limit has been exceeded. Try again later."}


def test_monthly_quota_answers_429_and_replies_do_not_count(sim, base_url):
    users = [sim.add_user(f"user {index}")["userId"] for index in range(3)]
    for user_id in users:
        sim.follow(user_id)
    sim.configure(monthly_quota=4)
    assert call_line(base_url, "POST", MULTICAST, {"to": users, "messages": [text()]}).status == 200
    over = call_line(base_url, "POST", MULTICAST, {"to": users[:2], "messages": [text()]})
    assert over.status == 429
    assert over.json() == {"message": "You have reached your monthly limit."}
    assert sim.counters()["quota_used"] == 3


def test_message_to_blocked_user_is_accepted_but_dropped(sim, base_url, friend):
    sim.block(friend["userId"])
    stranger = sim.add_user("never followed")
    assert push_text(base_url, friend["userId"]).status == 200
    assert push_text(base_url, stranger["userId"]).status == 200
    assert sim.inbox(friend["userId"]) == []
    assert sim.counters()["messages_dropped"] == 2


def test_media_must_be_https_except_loopback_when_allowed(sim, base_url, friend):
    def push_image(url):
        image = {"type": "image", "originalContentUrl": url, "previewImageUrl": url}
        return call_line(base_url, "POST", PUSH, {"to": friend["userId"], "messages": [image]})

    assert push_image("https://cdn.example.com/a.png").status == 200
    assert push_image("http://127.0.0.1:5000/card.png").status == 200
    refused = push_image("http://cdn.example.com/a.png")
    assert refused.status == 400
    assert refused.json()["details"][0]["property"] == "messages[0].originalContentUrl"
    sim.configure(allow_http_loopback=False)
    assert push_image("http://127.0.0.1:5000/card.png").status == 400


def test_flex_limits_alt_text_and_carousel_size(sim, base_url, friend):
    bubble = {"type": "bubble", "body": {"type": "box", "layout": "vertical",
                                         "contents": [{"type": "text", "text": "hi"}]}}
    long_alt = {"type": "flex", "altText": "x" * 1501, "contents": bubble}
    big_carousel = {"type": "flex", "altText": "a",
                    "contents": {"type": "carousel", "contents": [bubble] * 13}}
    for message, prop in ((long_alt, "messages[0].altText"),
                          (big_carousel, "messages[0].contents.contents")):
        answer = call_line(base_url, "POST", PUSH, {"to": friend["userId"], "messages": [message]})
        assert answer.status == 400
        assert answer.json()["details"][0]["property"] == prop


def test_oversized_bubble_is_rejected(sim, base_url, friend):
    texts = [{"type": "text", "text": "x" * 1000} for _ in range(31)]
    bubble = {"type": "bubble", "body": {"type": "box", "layout": "vertical", "contents": texts}}
    message = {"type": "flex", "altText": "big", "contents": bubble}
    answer = call_line(base_url, "POST", PUSH, {"to": friend["userId"], "messages": [message]})
    assert answer.status == 400
    assert answer.json()["details"][0]["property"] == "messages[0].contents"


def test_validate_endpoint_checks_messages_without_sending(sim, base_url, friend):
    good = call_line(base_url, "POST", "/v2/bot/message/validate/push", {"messages": [text()]})
    bad = call_line(base_url, "POST", "/v2/bot/message/validate/push",
                    {"messages": [{"type": "text", "text": ""}]})
    assert (good.status, bad.status) == (200, 400)
    assert sim.inbox(friend["userId"]) == []
