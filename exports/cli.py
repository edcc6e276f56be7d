"""`flask export DATASET --format csv|jsonl --out FILE`: a dataset, or `all` as one zip."""

import os

import click

from exports.datasets import ALL, DATASETS, FORMATS
from exports.service import BadExportRequest, plan_export


@click.command("export")
@click.argument("dataset", type=click.Choice([*DATASETS, ALL]))
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="csv",
              show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), required=True,
              help="The file to write (`all` writes a zip).")
@click.option("--pseudonymise", is_flag=True,
              help="Member numbers as keyed hashes; names, contacts and LINE ids left out.")
def export_command(dataset, fmt, out, pseudonymise):
    """Export the shop's data, streamed (the rows are never all in memory)."""
    try:
        export = plan_export(user=None, role=None, dataset=dataset, fmt=fmt,
                             pseudonymise=pseudonymise)
    except BadExportRequest as exc:
        raise click.ClickException(str(exc)) from exc
    partial = f"{out}.partial"
    with open(partial, "wb") as file:
        for chunk in export.chunks():
            file.write(chunk)
    os.replace(partial, out)  # a file at `out` is always a finished export
    click.echo(f"{export.rows} rows -> {out}")
