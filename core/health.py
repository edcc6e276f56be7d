"""/healthz: can this process reach its database and Redis? 200 if both, else 503."""

import logging

from flask import Blueprint, jsonify
from rq import Worker
from sqlalchemy import text

from core import jobs
from core.extensions import db
from core.maintenance import HEARTBEAT_KEY

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz():
    checks = {"database": _database_ok(), "redis": _redis_ok()}
    body = {"status": "ok" if all(checks.values()) else "unavailable", **_as_words(checks)}
    if checks["redis"]:
        connection = jobs.connection()
        body["workers"] = len(Worker.all(connection=connection))
        last = connection.get(HEARTBEAT_KEY)
        body["last_job_run_at"] = last.decode() if last else None
    return jsonify(body), 200 if all(checks.values()) else 503


def _as_words(checks: dict) -> dict:
    return {name: "ok" if ok else "unreachable" for name, ok in checks.items()}


def _database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # any driver error means "not reachable" to a load balancer
        log.exception("database health check failed")
        db.session.rollback()
        return False


def _redis_ok() -> bool:
    try:
        return bool(jobs.connection().ping())
    except Exception:
        log.exception("redis health check failed")
        return False
