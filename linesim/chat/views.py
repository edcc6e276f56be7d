"""The chat screen: a phone-like LINE chat per simulated user, served as static files."""

from flask import Blueprint, render_template

from linesim.api.common import current_sim
from linesim.errors import LineError

blueprint = Blueprint("chat", __name__, template_folder="templates", static_folder="static",
                      static_url_path="/_chat/static")


@blueprint.get("/")
def index():
    users = current_sim().state.all_users()
    return render_template("index.html", users=users)


@blueprint.get("/chat/<user_id>")
def chat(user_id):
    sim = current_sim()
    user = sim.state.users.get(user_id)
    if user is None:
        raise LineError(404, f"no simulated user {user_id}")
    return render_template("chat.html", user=user, account_name=sim.config.bot_display_name)
