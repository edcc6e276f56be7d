"""Build the Flask app: Messaging API, control API and chat screen on one host."""

import uuid

from flask import Flask

from linesim.api import account, messages, richmenu
from linesim.api.common import json_response
from linesim.chat import views as chat_views
from linesim.control import admin, users
from linesim.errors import LineError
from linesim.sim import Sim
from linesim.spec import messaging_schemas


def create_app(config=None):
    app = Flask(__name__)
    app.json.ensure_ascii = False
    app.extensions["linesim"] = Sim(config)
    register_blueprints(app)
    register_errorhandlers(app)
    warm_up_validators()
    return app


def register_blueprints(app):
    for module in (messages, account, richmenu, admin, users, chat_views):
        app.register_blueprint(module.blueprint)


def register_errorhandlers(app):
    @app.errorhandler(LineError)
    def line_error(error):
        return json_response(error.status, error.body(), error.headers)

    @app.errorhandler(404)
    def not_found(_error):
        return json_response(404, {"message": "Not found"}, _request_id())

    @app.errorhandler(405)
    def method_not_allowed(_error):
        return json_response(405, {"message": "Method not allowed"}, _request_id())


def _request_id():
    return {"x-line-request-id": str(uuid.uuid4())}


def warm_up_validators():
    """Compile the hot schemas at start-up, not on the first (timed) request."""
    schemas = messaging_schemas()
    empty = {"messages": [{"type": "text", "text": "x"}], "to": "x"}
    for name in ("PushMessageRequest", "MulticastRequest", "ReplyMessageRequest"):
        schemas.errors(name, empty)
