"""`flask insights refresh`: compute the dashboard now, in this process."""

import click
from flask.cli import AppGroup

from core.extensions import db
from insights import jobs, service

insights_cli = AppGroup("insights", help="ダッシュボードの集計")


@insights_cli.command("refresh")
def refresh_command():
    """Compute every dashboard figure now (as the nightly job does)."""
    run_id = service.request_run(trigger="cli").id
    db.session.commit()
    try:
        stored = jobs.refresh_dashboard(run_id)  # its session ends with it
    except Exception as error:
        raise click.ClickException(f"集計に失敗しました（実行 {run_id}）: {error}") from error
    click.echo(f"ダッシュボードを更新しました（実行 {run_id}、{stored} 件の数値）。")
