"""Who is who: profiles, followers, the bot itself, quota, link tokens, loading indicator."""

import secrets

from flask import Blueprint, request

from linesim.api.common import line_api
from linesim.errors import NOT_FOUND, LineError, one_invalid_property
from linesim.state import FRIEND

blueprint = Blueprint("account", __name__)
FOLLOWERS_DEFAULT_LIMIT, FOLLOWERS_MAX_LIMIT = 300, 1000


def _friend(sim, user_id):
    """LINE shows profiles only of users who are friends and have not blocked the account."""
    user = sim.state.users.get(user_id)
    if user is None or user.state != FRIEND:
        raise LineError(404, NOT_FOUND)
    return user


@line_api(blueprint, "/v2/bot/profile/{userId}", "GET", body=False)
def get_profile(call):
    profile = _friend(call.sim, call.params["userId"]).to_json()
    profile.pop("state")
    return 200, profile


@line_api(blueprint, "/v2/bot/followers/ids", "GET", body=False)
def get_followers(call):
    limit = _followers_limit(request.args.get("limit"))
    start = _followers_start(request.args.get("start"))
    ids = [user.user_id for user in call.sim.state.friends()]
    page = {"userIds": ids[start:start + limit]}
    if start + limit < len(ids):
        page["next"] = f"linesim-{start + limit}"
    return 200, page


def _followers_limit(raw):
    if raw is None:
        return FOLLOWERS_DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= FOLLOWERS_MAX_LIMIT:
        raise one_invalid_property("limit", f"must be between 1 and {FOLLOWERS_MAX_LIMIT}")
    return int(raw)


def _followers_start(raw):
    if raw is None:
        return 0
    offset = raw.removeprefix("linesim-")
    if not offset.isdigit():
        raise one_invalid_property("start", "invalid continuation token")
    return int(offset)


@line_api(blueprint, "/v2/bot/info", "GET", body=False)
def get_bot_info(call):
    config = call.sim.config
    return 200, {"userId": config.bot_user_id, "basicId": "@linesim",
                 "displayName": config.bot_display_name, "chatMode": "bot",
                 "markAsReadMode": "auto"}


@line_api(blueprint, "/v2/bot/message/quota", "GET", body=False)
def get_message_quota(call):
    limit = call.sim.config.monthly_quota
    return 200, ({"type": "none"} if limit is None else {"type": "limited", "value": limit})


@line_api(blueprint, "/v2/bot/message/quota/consumption", "GET", body=False)
def get_message_quota_consumption(call):
    return 200, {"totalUsage": call.sim.state.quota_used}


@line_api(blueprint, "/v2/bot/user/{userId}/linkToken", "POST", body=False)
def issue_link_token(call):
    _friend(call.sim, call.params["userId"])
    return 200, {"linkToken": secrets.token_urlsafe(24)}


@line_api(blueprint, "/v2/bot/chat/loading/start", "POST")
def show_loading_animation(call):
    seconds = call.body.get("loadingSeconds", 20)
    if seconds % 5:
        raise one_invalid_property("loadingSeconds", "must be a multiple of 5")
    _friend(call.sim, call.body["chatId"])
    return 202, {}
