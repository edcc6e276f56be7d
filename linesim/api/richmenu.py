"""Rich menu endpoints, including the blob ones LINE serves from api-data.line.me."""

from flask import Blueprint, Response, request

from linesim.api.common import line_api
from linesim.errors import invalid_body
from linesim.richmenus import rich_menu_errors

blueprint = Blueprint("richmenu", __name__)


@line_api(blueprint, "/v2/bot/richmenu", "POST")
def create_rich_menu(call):
    return 200, {"richMenuId": call.sim.rich_menus.create(call.body)}


@line_api(blueprint, "/v2/bot/richmenu/validate", "POST")
def validate_rich_menu(call):
    errors = rich_menu_errors(call.body)
    if errors:
        raise invalid_body(errors)
    return 200, {}


@line_api(blueprint, "/v2/bot/richmenu/{richMenuId}/content", "POST", body=False)
def set_rich_menu_image(call):
    call.sim.rich_menus.set_image(call.params["richMenuId"], request.mimetype, request.get_data())
    return 200, {}


@line_api(blueprint, "/v2/bot/richmenu/{richMenuId}/content", "GET", body=False)
def get_rich_menu_image(call):
    content_type, data = call.sim.rich_menus.image(call.params["richMenuId"])
    return Response(data, 200, mimetype=content_type)


@line_api(blueprint, "/v2/bot/richmenu/{richMenuId}", "GET", body=False)
def get_rich_menu(call):
    return 200, call.sim.rich_menus.get(call.params["richMenuId"])


@line_api(blueprint, "/v2/bot/richmenu/{richMenuId}", "DELETE", body=False)
def delete_rich_menu(call):
    call.sim.rich_menus.delete(call.params["richMenuId"])
    return 200, {}


@line_api(blueprint, "/v2/bot/richmenu/list", "GET", body=False)
def get_rich_menu_list(call):
    return 200, {"richmenus": call.sim.rich_menus.list()}


@line_api(blueprint, "/v2/bot/user/all/richmenu/{richMenuId}", "POST", body=False)
def set_default_rich_menu(call):
    call.sim.rich_menus.set_default(call.params["richMenuId"])
    return 200, {}


@line_api(blueprint, "/v2/bot/user/all/richmenu", "GET", body=False)
def get_default_rich_menu_id(call):
    return 200, {"richMenuId": call.sim.rich_menus.default()}


@line_api(blueprint, "/v2/bot/user/all/richmenu", "DELETE", body=False)
def cancel_default_rich_menu(call):
    call.sim.rich_menus.cancel_default()
    return 200, {}


@line_api(blueprint, "/v2/bot/user/{userId}/richmenu", "GET", body=False)
def get_rich_menu_id_of_user(call):
    return 200, {"richMenuId": call.sim.rich_menus.linked(call.params["userId"])}


@line_api(blueprint, "/v2/bot/user/{userId}/richmenu", "DELETE", body=False)
def unlink_rich_menu_id_from_user(call):
    call.sim.rich_menus.unlink([call.params["userId"]])
    return 200, {}


@line_api(blueprint, "/v2/bot/user/{userId}/richmenu/{richMenuId}", "POST", body=False)
def link_rich_menu_id_to_user(call):
    call.sim.rich_menus.link([call.params["userId"]], call.params["richMenuId"])
    return 200, {}


@line_api(blueprint, "/v2/bot/richmenu/bulk/link", "POST")
def link_rich_menu_id_to_users(call):
    call.sim.rich_menus.link(call.body["userIds"], call.body["richMenuId"])
    return 202, {}


@line_api(blueprint, "/v2/bot/richmenu/bulk/unlink", "POST")
def unlink_rich_menu_id_from_users(call):
    call.sim.rich_menus.unlink(call.body["userIds"])
    return 202, {}
