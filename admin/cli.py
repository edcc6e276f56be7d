"""`flask users create`: console users from the command line (the first admin starts here)."""

import click
from flask.cli import AppGroup

from admin import users
from admin.models import Role
from core.extensions import db

users_cli = AppGroup("users", help="Console users.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.ADMIN.value)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              envvar="CONSOLE_PASSWORD", help="At least 12 characters (or $CONSOLE_PASSWORD).")
@click.option("--store-id", type=int, default=None, help="A cashier's store.")
def create_user(email, role, password, store_id):
    """Create a console user."""
    try:
        users.create(email=email, password=password, role=Role(role), store_id=store_id)
    except users.ConsoleUserError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"created {role} {email}")
