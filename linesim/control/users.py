"""Control API for simulated users: create them and make them act in the chat."""

from flask import Blueprint, request, url_for

from linesim import actions
from linesim.api.common import current_sim
from linesim.errors import LineError
from linesim.state import USER_ID_PATTERN

blueprint = Blueprint("control_users", __name__, url_prefix="/_sim")
PROFILE_FIELDS = {"pictureUrl": "picture_url", "statusMessage": "status_message",
                  "language": "language"}


def _user(user_id):
    user = current_sim().state.users.get(user_id)
    if user is None:
        raise LineError(404, f"no simulated user {user_id}")
    return user


def _json():
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


@blueprint.post("/users")
def create_user():
    body = _json()
    if not isinstance(body.get("displayName"), str) or not body["displayName"]:
        raise LineError(400, "displayName is required")
    user_id = body.get("userId")
    if user_id is not None and not USER_ID_PATTERN.fullmatch(user_id):
        raise LineError(400, "userId must be 'U' followed by 32 lowercase hex digits")
    profile = {field: body[key] for key, field in PROFILE_FIELDS.items() if key in body}
    try:
        user = current_sim().state.add_user(body["displayName"], user_id, **profile)
    except ValueError as exists:
        raise LineError(409, str(exists)) from None
    return user.to_json(), 201


@blueprint.post("/users/bulk")
def create_friends():
    """{"userIds": [...]}: many users who are friends already, no webhook (load runs)."""
    user_ids = _json().get("userIds")
    if not isinstance(user_ids, list) or not all(
            isinstance(u, str) and USER_ID_PATTERN.fullmatch(u) for u in user_ids):
        raise LineError(400, "userIds must be a list of 'U' + 32 lowercase hex digits")
    try:
        added = current_sim().state.add_friends(list(dict.fromkeys(user_ids)))
    except ValueError as exists:
        raise LineError(409, str(exists)) from None
    return {"added": added}, 201


@blueprint.post("/deliveries/tally")
def tally_deliveries():
    """{"tag": "...", "userIds": [...] (optional)}: users who got a message containing the tag
    in exactly one request ("once"), none, more than one; "outside": others who got it."""
    body = _json()
    tag, user_ids = body.get("tag"), body.get("userIds")
    if not isinstance(tag, str) or not tag:
        raise LineError(400, "tag is required")
    if user_ids is not None and not isinstance(user_ids, list):
        raise LineError(400, "userIds must be a list")
    return current_sim().state.tally(tag, user_ids)


@blueprint.get("/users")
def list_users():
    users = current_sim().state.all_users()
    return {"users": [user.to_json() for user in users]}


@blueprint.get("/users/<user_id>")
def get_user(user_id):
    return _user(user_id).to_json()


@blueprint.post("/users/<user_id>/follow")
def follow(user_id):
    return actions.follow(current_sim(), _user(user_id))


@blueprint.post("/users/<user_id>/block")
def block(user_id):
    return actions.block(current_sim(), _user(user_id))


@blueprint.post("/users/<user_id>/text")
def send_text(user_id):
    return actions.send_text(current_sim(), _user(user_id), _json().get("text"))


@blueprint.post("/users/<user_id>/postback")
def postback(user_id):
    body = _json()
    return actions.postback(current_sim(), _user(user_id), body.get("data"),
                            body.get("params"), body.get("displayText"))


@blueprint.post("/users/<user_id>/action")
def perform_action(user_id):
    """Tap a button or quick-reply chip: the chat screen posts the LINE action object."""
    action = _json().get("action")
    if not isinstance(action, dict):
        raise LineError(400, "action object is required")
    return actions.perform_action(current_sim(), _user(user_id), action)


@blueprint.post("/users/<user_id>/richmenu-tap")
def tap_rich_menu(user_id):
    return actions.tap_rich_menu(current_sim(), _user(user_id), _json().get("area"))


@blueprint.get("/users/<user_id>/inbox")
def inbox(user_id):
    user = _user(user_id)
    args = request.args
    found = current_sim().state.inbox(user, minimum=args.get("min", 0, type=int),
                                      timeout=args.get("timeout", 0.0, type=float),
                                      after=args.get("after", 0, type=int))
    return {"messages": found}


@blueprint.get("/users/<user_id>/timeline")
def timeline(user_id):
    """Both sides of the conversation, for the chat screen."""
    user = _user(user_id)
    found = current_sim().state.timeline(user, after=request.args.get("after", 0, type=int),
                                         timeout=request.args.get("timeout", 0.0, type=float))
    return {"items": found, "user": user.to_json()}


@blueprint.get("/richmenu/<user_id>")
def rich_menu_of(user_id):
    menu = current_sim().rich_menus.applying_to(user_id)
    if menu is None:
        raise LineError(404, "no rich menu applies to this user")
    image_url = url_for("control_admin.rich_menu_image", menu_id=menu["richMenuId"],
                        _external=True)
    return {**menu, "imageUrl": image_url}
