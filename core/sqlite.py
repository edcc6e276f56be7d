"""SQLite tuning for the embedded default.

- WAL lets the web and the worker read while one of them writes.
- pysqlite opens a transaction only at the first write, which suits SQLite's single writer.
  But when that first write is inside a SAVEPOINT (`begin_nested()`), SQLite makes the savepoint
  the outermost transaction and its RELEASE commits everything: so a real transaction is begun
  (taking the write lock, waiting its turn) just before such a savepoint.
"""

from flask import Flask
from sqlalchemy import event


def enable_wal_on_connect(app: Flask) -> None:
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    from core.extensions import db

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "savepoint")
    def _begin_before_first_savepoint(connection, name):
        if not connection.connection.dbapi_connection.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
