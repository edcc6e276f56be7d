from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from core.settings import ROOT

MIGRATIONS = str(ROOT / "migrations")
V1_TABLES = {"members", "consents", "point_entries", "stores", "registers", "products", "stock",
             "purchases", "purchase_lines", "coupon_definitions", "issued_coupons",
             "webhook_events", "deliveries", "console_users"}


def _tables(db):
    return set(inspect(db.engine).get_table_names())


def test_migrations_downgrade_to_nothing_and_upgrade_back(db):
    assert _tables(db) >= V1_TABLES
    downgrade(directory=MIGRATIONS, revision="base")
    assert not (V1_TABLES & _tables(db))
    upgrade(directory=MIGRATIONS)
    assert _tables(db) >= V1_TABLES


def test_models_and_migrations_agree(db):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []
