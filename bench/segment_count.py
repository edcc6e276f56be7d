"""The console's live count of a segment (campaigns.segments.counts) on PostgreSQL at scale:
1M members and 10M purchase lines (3.4M purchases over two years, 21 stores, 2,000 products),
generated with set-based SQL (generate_series), then the per-member purchase summary built
(purchases.stats.refresh_all, the daily job: its time is reported), then a few realistic segments
counted (matching and reachable in one query each), cold then warm. Target: 2 s each.
Counted three times: just after the refresh; after a sale (R, F, M then ranked in the query over
the summary); and after midnight before the daily refresh (every row's 365-day window a day old,
corrected from the purchases).

Needs DATABASE_URL pointing at a PostgreSQL database it may wipe, e.g.
  psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE bench_seg'
  DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_seg \
    .venv/bin/python -m bench.segment_count
Optional: [members] [purchases] (defaults 1000000 3400000); BENCH_REUSE=1 keeps the data of an
earlier run; BENCH_EXPLAIN=1 prints each plan (EXPLAIN ANALYZE).
"""

import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta

from bench.serve import ROOT, _reset_database, postgres_bench

MEMBERS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
PURCHASES = int(sys.argv[2]) if len(sys.argv) > 2 else 3_400_000
LINES_PER_PURCHASE = 3  # about 10M lines
TARGET_SECONDS = 2.0

# One statement per table; random() is seeded, so every run builds the same shop.
GENERATE = [
    "SELECT setseed(0.42)",
    """INSERT INTO stores (code, name, kind, accepts_static_code)
       SELECT 'S' || lpad(i::text, 3, '0'), '店舗' || i,
              CASE WHEN i = 21 THEN 'online' ELSE 'shop' END, true FROM generate_series(1, 21) i""",
    """INSERT INTO products (sku, name, category, price, warranty_months, active, created_at)
       SELECT 'SKU' || i, '商品' || i, 'cat-' || (i % 20), 500 + (i % 50) * 300, 0, true, now()
       FROM generate_series(1, 2000) i""",
    """INSERT INTO members (line_user_id, member_number, membership, rank, follow_status,
                            display_name, card_secret, birthday, points_balance, joined_at,
                            withdrawn_at, updated_at)
       SELECT CASE WHEN r.f < 0.03 THEN NULL ELSE 'U' || md5(i::text) END,
              lpad(i::text, 13, '0'),
              CASE WHEN r.m < 0.3 THEN 'full' ELSE 'light' END,
              CASE WHEN r.k < 0.8 THEN 'regular' WHEN r.k < 0.95 THEN 'silver' ELSE 'gold' END,
              CASE WHEN r.f < 0.03 THEN 'withdrawn' WHEN r.f < 0.15 THEN 'blocked'
                   ELSE 'followed' END,
              '会員' || i, 'JBSWY3DPEHPK3PXP',
              date '1960-01-01' + (r.b * 16000)::int, (r.p * 5000)::int,
              now() - r.j * interval '1000 days',
              CASE WHEN r.f < 0.03 THEN now() END, now()
       FROM generate_series(1, {members}) i,
            LATERAL (SELECT random() m, random() k, random() f, random() b, random() p,
                            random() j, i AS x) r""",
    """INSERT INTO consents (member_id, kind, text_version, granted, recorded_at)
       SELECT id, 'marketing', '2026-11', random() < 0.7, joined_at FROM members
       WHERE membership = 'full'""",
    # Skewed towards low member ids (regulars buy often); about 40% of members never buy.
    """INSERT INTO purchases (channel, store_id, receipt_number, member_id, purchased_at, total,
                              coupon_discount, status, created_at)
       SELECT CASE WHEN s = 21 THEN 'online' ELSE 'store' END, s, 'B' || i,
              1 + (power(random(), 2) * ({members} * 0.6 - 1))::int,
              now() - random() * interval '730 days', 300 * (3 + (random() * 97)::int), 0,
              CASE WHEN random() < 0.95 THEN 'completed' ELSE 'returned' END, now()
       FROM generate_series(1, {purchases}) i,
            LATERAL (SELECT 1 + (random() * 20)::int AS s, i AS x) st""",
    """INSERT INTO purchase_lines (purchase_id, product_id, quantity, unit_price, discount,
                                   line_total, member_id, purchased_at, completed)
       SELECT p.id, 1 + ((p.id * 7 + n * 131 + (random() * 400)::int) % 2000), 1,
              p.total / {lines}, 0, p.total / {lines}, p.member_id, p.purchased_at,
              p.status = 'completed'
       FROM purchases p, generate_series(1, {lines}) n""",
]


def segments_to_time(store_id: int) -> dict[str, dict]:
    def definition(*groups, match="all"):
        return {"match": match, "groups": [
            {"match": group_match, "conditions": [
                {"field": f, "op": o, "value": v} for f, o, v in conditions]}
            for group_match, *conditions in groups]}

    return {
        "ライト会員・店舗S001で30日以内に購入・その後14日以上来店なし": definition(
            ("all", ("membership", "is", "light"),
             ("bought_at_store", "within_days", {"store": store_id, "days": 30}),
             ("days_since_last_purchase", "gte", 14))),
        "RFM R>=4 かつ M>=4（優良顧客）の本会員": definition(
            ("all", ("membership", "is", "full"), ("rfm_r", "gte", 4), ("rfm_m", "gte", 4))),
        "カテゴリcat-3を90日以内 または 商品SKU7を30日以内に購入・年間1万円以上": definition(
            ("any", ("bought_category", "within_days", {"category": "cat-3", "days": 90}),
             ("bought_product", "within_days", {"product": 7, "days": 30})),
            ("all", ("spend", "gte", {"days": 365, "amount": 10000}))),
        "カテゴリcat-7を30日以内に購入・90日で1万円以上": definition(
            ("all", ("bought_category", "within_days", {"category": "cat-7", "days": 30}),
             ("spend", "gte", {"days": 90, "amount": 10000}))),
        "休眠：年3回以上購入・60日以上購入なし・ゴールド/シルバー": definition(
            ("all", ("purchase_count", "gte", {"days": 365, "count": 3}),
             ("days_since_last_purchase", "gte", 60), ("rank", "is_not", "regular"))),
    }


def generate(db) -> None:
    """Load with the secondary indexes of the big tables dropped and rebuilt after (a sorted
    build beats 10M random inserts into B-trees), and foreign-key triggers off for the load."""
    from sqlalchemy import text

    sizes = {"members": MEMBERS, "purchases": PURCHASES, "lines": LINES_PER_PURCHASE}
    with db.engine.connect() as conn:
        conn.execute(text("SET session_replication_role = replica"))
        conn.execute(text("SET maintenance_work_mem = '512MB'"))
        indexes = conn.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
            "('members', 'purchases', 'purchase_lines') AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint)")).all()
        for name, _ in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
        for statement in GENERATE:
            _timed(conn, " ".join(statement.split()[:3]), statement.format(**sizes))
        for name, definition in indexes:
            _timed(conn, f"CREATE INDEX {name}", definition)
        conn.execute(text("RESET session_replication_role"))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))  # visibility map for index-only scans, statistics


def _timed(conn, label: str, statement: str) -> None:
    from sqlalchemy import text

    started = time.perf_counter()
    conn.execute(text(statement))
    conn.commit()
    print(f"  {label:<50} {time.perf_counter() - started:6.1f} s", flush=True)


def already_generated(db) -> bool:
    from sqlalchemy import text

    return os.environ.get("BENCH_REUSE") == "1" and db.session.scalar(
        text("SELECT count(*) FROM members")) == MEMBERS


def build_stats(db) -> None:
    from sqlalchemy import text

    from purchases import stats

    started = time.perf_counter()
    rows = stats.refresh_all()
    db.session.commit()
    print(f"  member_stats refresh_all: {rows:,} rows in {time.perf_counter() - started:.1f} s",
          flush=True)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE member_stats"))


def after_a_sale(db) -> None:
    """One member's row rewritten as a sale does: the stored R, F, M are no longer today's."""
    from sqlalchemy import select

    from purchases import stats
    from purchases.models import MemberStats

    stats.refresh_member(db.session.scalar(select(MemberStats.member_id).limit(1)))
    db.session.commit()


def time_counts(db) -> dict[str, list[float]]:
    from sqlalchemy import select

    from campaigns import segments
    from catalog.models import Store

    store_id = db.session.scalar(select(Store.id).where(Store.code == "S001"))
    timings = {}
    for name, definition in segments_to_time(store_id).items():
        runs, answer = [], None
        for _ in range(3):
            started = time.perf_counter()
            answer = segments.counts(definition)
            runs.append(time.perf_counter() - started)
        timings[name] = runs
        verdict = "ok" if statistics.median(runs) <= TARGET_SECONDS else "SLOW"
        print(f"  {name}\n    該当 {answer['matching']:,} 人・配信可能 {answer['reachable']:,} 人  "
              f"first {runs[0]:.3f} s, median {statistics.median(runs):.3f} s  [{verdict}]",
              flush=True)
        if os.environ.get("BENCH_EXPLAIN") == "1":
            explain(db, definition)
    return timings


def explain(db, definition) -> None:
    from sqlalchemy import text

    from campaigns import segments

    query = segments.matching(definition)
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    # The product's own compiled query (literal values it chose), explained as is.
    plan = db.session.execute(text("EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM ("  # noqa: S608
                                   + sql + ") q")).scalars()
    print("\n".join("      " + line for line in plan))


def main() -> None:
    with postgres_bench("segment_count") as env:
        if env is not None:
            run(env)


def run(env: dict) -> None:
    from app import create_app
    from core import clock as core_clock
    from core.extensions import db

    app = create_app()
    with app.app_context():
        if not already_generated(db):
            db.session.remove()
            db.engine.dispose()
            _reset_database(env)
            print(f"generating {MEMBERS:,} members, {PURCHASES:,} purchases, "
                  f"{PURCHASES * LINES_PER_PURCHASE:,} lines", flush=True)
            generate(db)
        else:
            _upgrade(env)  # the summary's table may be newer than the data
        print("per-member purchase summary:", flush=True)
        build_stats(db)
        print("segment counts (matching + reachable, one query each), just refreshed:",
              flush=True)
        time_counts(db)
        after_a_sale(db)
        print("after a sale (R, F, M ranked in the query):", flush=True)
        time_counts(db)
        _at(core_clock.utcnow() + timedelta(days=1))
        print("the next day before the daily refresh (365-day windows corrected):", flush=True)
        time_counts(db)
        _at(None)


def _at(moment) -> None:
    from core import clock as core_clock

    core_clock.set_now_source(None if moment is None else lambda: moment)


def _upgrade(env: dict) -> None:
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)


if __name__ == "__main__":
    main()
