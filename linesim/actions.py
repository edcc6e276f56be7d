"""What a simulated user can do in the LINE app; each action becomes one webhook event."""

from linesim import events
from linesim.errors import LineError
from linesim.state import BLOCKED, FRIEND


def _send(sim, event):
    return {"event": event, "delivery": sim.webhooks.deliver(event)}


def _require_friend(user):
    if user.state != FRIEND:
        raise LineError(409, f"user {user.user_id} is not a friend of the account ({user.state})")


def follow(sim, user):
    """Add the account as a friend; after a block this is LINE's unblock follow event."""
    with sim.state.lock:
        if user.state == FRIEND:
            raise LineError(409, "already a friend")
        was_blocked = user.state == BLOCKED
        user.state = FRIEND
    token = sim.reply_tokens.issue(user.user_id)
    return _send(sim, events.follow_event(user.user_id, sim.clock.now(), token, was_blocked))


def block(sim, user):
    with sim.state.lock:
        _require_friend(user)
        user.state = BLOCKED
    return _send(sim, events.unfollow_event(user.user_id, sim.clock.now()))


def send_text(sim, user, text):
    _require_friend(user)
    if not isinstance(text, str) or not text:
        raise LineError(400, "text must be a non-empty string")
    sim.state.note_user_said(user, text)
    token = sim.reply_tokens.issue(user.user_id)
    return _send(sim, events.text_event(user.user_id, sim.clock.now(), token, text))


def postback(sim, user, data, params=None, display_text=None):
    _require_friend(user)
    if not isinstance(data, str):
        raise LineError(400, "data must be a string")
    if display_text:
        sim.state.note_user_said(user, display_text)
    token = sim.reply_tokens.issue(user.user_id)
    event = events.postback_event(user.user_id, sim.clock.now(), token, data, params)
    return _send(sim, event)


def perform_action(sim, user, action):
    """Tap a button, chip or rich menu area: message/postback send events, uri is opened."""
    kind = action.get("type")
    if kind == "message":
        return send_text(sim, user, action["text"])
    if kind == "postback":
        shown = action.get("displayText") or action.get("text")
        return postback(sim, user, action["data"], display_text=shown)
    if kind == "uri":
        return {"event": None, "delivery": None, "uri": action["uri"]}
    raise LineError(400, f"linesim does not simulate '{kind}' actions")


def tap_rich_menu(sim, user, area_index):
    menu = sim.rich_menus.applying_to(user.user_id)
    if menu is None:
        raise LineError(404, "no rich menu applies to this user")
    areas = menu["areas"]
    if not isinstance(area_index, int) or not 0 <= area_index < len(areas):
        raise LineError(400, f"area must be an index below {len(areas)}")
    return perform_action(sim, user, areas[area_index]["action"])
