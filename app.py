"""Application factory: create_app() is a short list of named steps."""

import logging

from flask import Flask

from core.extensions import babel, csrf, db, login_manager, migrate
from core.settings import INSTANCE_DIR, Settings, load_settings


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or load_settings()
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.config.from_mapping(settings.flask_config())
    configure_logging(app)
    register_models()
    register_extensions(app)
    register_reactions()
    register_schedule(app)
    register_blueprints(app)
    register_console(app)
    register_security(app)
    register_commands(app)
    return app


def configure_logging(app: Flask) -> None:
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")


def register_models() -> None:
    # Importing every model module gives Alembic and relationships the whole schema.
    import admin.models  # noqa: F401
    import audit.models  # noqa: F401
    import bot.models  # noqa: F401
    import bot.richmenu  # noqa: F401
    import campaigns.models  # noqa: F401
    import catalog.models  # noqa: F401
    import conversations.models  # noqa: F401
    import core.events  # noqa: F401
    import coupons.models  # noqa: F401
    import insights.models  # noqa: F401
    import line.models  # noqa: F401
    import line.texts  # noqa: F401
    import members.cards  # noqa: F401
    import members.models  # noqa: F401
    import pos.models  # noqa: F401
    import purchases.models  # noqa: F401


def register_reactions() -> None:
    """Who reacts to which domain event, and what the sender asks at send time: packages
    below never call up; they publish events and these subscribe."""
    from bot.upgrades import wire_upgrades
    from campaigns.broadcast_sending import wire_broadcasts
    from campaigns.triggers import wire_follow_ups
    from insights.jobs import wire_dashboard_failures

    wire_follow_ups()  # purchases, rank-ups, restocks -> follow-ups; their send-time rules
    wire_upgrades()  # member.upgraded -> the chat's full-member menu and congratulation
    wire_broadcasts()  # broadcasts count in the follow-ups' daily promotional cap
    wire_dashboard_failures()  # a failed dashboard refresh -> its run and an alert


def register_schedule(app: Flask) -> None:
    """The periodic jobs `flask scheduler` runs (schedule.py)."""
    from schedule import SCHEDULE

    app.extensions["periodic_jobs"] = SCHEDULE


def register_extensions(app: Flask) -> None:
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/migrations"),
                     render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "ログインしてください。"
    csrf.init_app(app)
    # The console speaks Japanese, or English for a console user who picks it; business time.
    from admin.locale import console_locale

    babel.init_app(app, default_locale="ja", locale_selector=console_locale,
                   default_timezone=app.config["SETTINGS"].business_timezone)
    from core import sqlite

    sqlite.enable_wal_on_connect(app)


def register_blueprints(app: Flask) -> None:
    from admin.auth import bp as auth_bp
    from admin.locale import bp as locale_bp
    from bot.webhook import bp as bot_bp
    from campaigns.views import bp as campaigns_bp
    from core.health import bp as health_bp
    from coupons.views import bp as coupons_bp
    from members.views import bp as members_bp
    from pos.api import bp as pos_api_bp
    from pos.cashier import bp as cashier_bp
    from purchases.history import bp as purchases_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(locale_bp)
    app.register_blueprint(bot_bp)
    csrf.exempt(bot_bp)  # LINE signs its webhooks; there is no browser session to forge
    app.register_blueprint(members_bp)
    app.register_blueprint(purchases_bp)
    app.register_blueprint(coupons_bp)
    app.register_blueprint(campaigns_bp)
    app.register_blueprint(pos_api_bp)
    csrf.exempt(pos_api_bp)  # register API keys, not cookies, authenticate it
    app.register_blueprint(cashier_bp)


def register_console(app: Flask) -> None:
    from admin import change_log, display, labels
    from admin.console import build_console
    from admin.errors import register_console_errors
    from admin.locale import console_locale
    from admin.views import require_sign_in_for_console

    require_sign_in_for_console(app)
    register_console_errors(app)
    build_console().init_app(app)
    change_log.listen()  # console pages that are not model views record their changes too
    # In every console template: ¥1,234, JST moments, stored values in Japanese.
    app.jinja_env.globals.update(fmt=display, enum_label=labels.enum_label,
                                 code_label=labels.code_label, flow_label=labels.flow_label,
                                 console_language=console_locale)


def register_security(app: Flask) -> None:
    """Security headers on every answer and sign-in limits; after every view is registered,
    since some views get options of their own."""
    from admin.auth import throttle_sign_in
    from core import security

    throttle_sign_in(app, security.init_rate_limiter(app))
    talisman = security.init_security_headers(app)
    security.allow_inline_scripts_under(app, talisman, "/admin/")  # Flask-Admin's handlers
    # Load balancers check health over plain HTTP: no redirect to HTTPS there.
    security.use_view_options(app, talisman, "health.healthz", force_https=False)


def register_commands(app: Flask) -> None:
    from admin.cli import users_cli
    from bot.richmenu import richmenu_cli
    from catalog.cli import catalog_cli
    from core.cli import scheduler_command, worker_command
    from demo.seed import demo_cli
    from exports.cli import export_command
    from insights.cli import insights_cli
    from pos.cli import pos_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(richmenu_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(pos_cli)
    app.cli.add_command(catalog_cli)
    app.cli.add_command(insights_cli)
    app.cli.add_command(export_command)
