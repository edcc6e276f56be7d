"""`flask pos ...`: register API keys and online order imports from the command line."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from catalog.models import Store
from core.extensions import db
from pos import keys, online
from pos.models import Register

pos_cli = AppGroup("pos", help="Registers and online orders.")


def _register(store_code: str, register_code: str) -> Register:
    register = db.session.scalar(select(Register).join(Store).where(
        Store.code == store_code, Register.code == register_code))
    if register is None:
        raise click.ClickException(f"no register {store_code}/{register_code}")
    return register


@pos_cli.command("issue-key")
@click.argument("store_code")
@click.argument("register_code")
def issue_key_command(store_code, register_code):
    """Issue a new API key for a register (printed once; the old key stops working)."""
    key = keys.issue_api_key(register=_register(store_code, register_code))
    db.session.commit()
    click.echo(key)


@pos_cli.command("revoke-key")
@click.argument("store_code")
@click.argument("register_code")
def revoke_key_command(store_code, register_code):
    """Revoke a register's API key."""
    keys.revoke_api_key(register=_register(store_code, register_code))
    db.session.commit()
    click.echo("revoked")


@pos_cli.command("import-orders")
@click.argument("file", type=click.File(encoding="utf-8-sig"))
@click.option("--notify", is_flag=True,
              help="Send shoppers the receipts and follow-ups still timely for these orders "
                   "(default: history is imported silently).")
def import_orders_command(file, notify):
    """Import online orders from a CSV (one row per order line; idempotent by order_id)."""
    report = online.import_orders_csv(text=file.read(), notify=notify)
    click.echo(f"created {report.created}, unchanged {report.unchanged}, "
               f"errors {len(report.errors)}")
    for error in report.errors:
        click.echo(f"  {error}", err=True)
