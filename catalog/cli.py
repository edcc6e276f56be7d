"""`flask catalog import-products FILE` and `flask catalog import-stock FILE`."""

import click
from flask.cli import AppGroup

from catalog import imports
from core.extensions import db

catalog_cli = AppGroup("catalog", help="Products and stock.")


def _finish(report) -> None:
    db.session.commit()
    click.echo(f"created {report.created}, updated {report.updated}, errors {len(report.errors)}")
    for error in report.errors:
        click.echo(f"  {error}", err=True)


@catalog_cli.command("import-products")
@click.argument("file", type=click.File(encoding="utf-8-sig"))
def import_products_command(file):
    """Create or update products from a CSV (sku,jan,name,category,price,...)."""
    _finish(imports.import_products(text=file.read()))


@catalog_cli.command("import-stock")
@click.argument("file", type=click.File(encoding="utf-8-sig"))
def import_stock_command(file):
    """Set stock counts from a CSV (store_code,sku,quantity); records stock events."""
    _finish(imports.import_stock(text=file.read()))
