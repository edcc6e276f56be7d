"""The spec validator dispatches on `type` the way the OpenAPI discriminators say."""

from linesim.spec import messaging_schemas, property_path, webhook_schemas


def push(*messages):
    return {"to": "U" + "0" * 32, "messages": list(messages)}


def test_valid_text_message_has_no_errors():
    message = {"type": "text", "text": "a"}
    assert messaging_schemas().errors("PushMessageRequest", push(message)) == []


def test_subtype_required_fields_are_enforced_through_the_discriminator():
    errors = messaging_schemas().errors("PushMessageRequest", push({"type": "image"}))
    assert {error["property"] for error in errors} == {
        "messages[0].originalContentUrl", "messages[0].previewImageUrl"}


def test_message_without_type_is_rejected():
    errors = messaging_schemas().errors("PushMessageRequest", push({"text": "a"}))
    assert errors == [{"message": "must be specified", "property": "messages[0].type"}]


def test_nested_quick_reply_action_is_dispatched():
    message = {"type": "text", "text": "a", "quickReply": {"items": [
        {"type": "action", "action": {"type": "postback", "data": "x" * 301}}]}}
    errors = messaging_schemas().errors("PushMessageRequest", push(message))
    assert errors[0]["property"] == "messages[0].quickReply.items[0].action.data"


def test_webhook_event_dispatch_requires_follow_detail():
    event = {"type": "follow", "timestamp": 1, "mode": "active", "webhookEventId": "x",
             "deliveryContext": {"isRedelivery": False}, "replyToken": "t"}
    body = {"destination": "U" + "a" * 32, "events": [event]}
    errors = webhook_schemas().errors("CallbackRequest", body)
    assert errors == [{"message": "must be specified", "property": "events[0].follow"}]


def test_property_path_matches_line_notation():
    assert property_path(["messages", 0, "contents", "body"]) == "messages[0].contents.body"
