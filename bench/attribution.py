"""Broadcast and follow-up results (campaigns.attribution) on PostgreSQL at scale: 300k members,
2M purchases over 120 days, one broadcast to all of them (A 45 % / B 45 % / holdout 10 %, in
batches of 500 sent over an hour, a coupon for a fifth), and 500k follow-up deliveries; then
the results page's query, the 効果比較 page's queries, cold then warm. Target: 2 s each.

Needs DATABASE_URL pointing at a PostgreSQL database it may wipe, e.g.
  psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE bench_attr'
  DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_attr \
    .venv/bin/python -m bench.attribution
Optional: [members] [purchases] [deliveries] (defaults 300000 2000000 500000); BENCH_REUSE=1
keeps the data of an earlier run.
"""

import os
import statistics
import sys
import time
from datetime import timedelta

from bench.serve import _reset_database, postgres_bench

MEMBERS = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
PURCHASES = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000_000
DELIVERIES = int(sys.argv[3]) if len(sys.argv) > 3 else 500_000
TARGET_SECONDS = 2.0
FLOWS = ["welcome", "receipt", "after_purchase", "f2", "restock", "warranty", "rank_nudge",
         "rank_up", "winback", "upgrade_prompt"]

GENERATE = [
    "SELECT setseed(0.42)",
    """INSERT INTO stores (code, name, kind, accepts_static_code) VALUES
       ('S001', '本店', 'shop', true), ('WEB', 'オンライン', 'online', true)""",
    """INSERT INTO members (line_user_id, member_number, membership, rank, follow_status,
                            display_name, card_secret, points_balance, joined_at, updated_at)
       SELECT 'U' || md5(i::text), lpad(i::text, 13, '0'), 'light', 'regular', 'followed',
              '会員' || i, 'JBSWY3DPEHPK3PXP', 0, now() - interval '400 days', now()
       FROM generate_series(1, {members}) i""",
    """INSERT INTO purchases (channel, store_id, receipt_number, member_id, purchased_at, total,
                              coupon_discount, status, created_at)
       SELECT CASE WHEN s = 2 THEN 'online' ELSE 'store' END, s, 'B' || i,
              1 + (random() * ({members} - 1))::int, now() - random() * interval '120 days',
              300 * (3 + (random() * 97)::int), 0,
              CASE WHEN random() < 0.95 THEN 'completed' ELSE 'returned' END, now()
       FROM generate_series(1, {purchases}) i,
            LATERAL (SELECT CASE WHEN random() < 0.3 THEN 2 ELSE 1 END AS s, i AS x) st""",
    """INSERT INTO broadcasts (name, status, promotional, holdout_percent, over_quota,
                               attribution_days, recipients_total, created_at, frozen_at,
                               started_at, finished_at)
       VALUES ('冬のセール', 'completed', true, 10, 'stop', 7, {members}, now(),
               now() - interval '30 days 1 hour', now() - interval '30 days',
               now() - interval '29 days 23 hours')""",
    """INSERT INTO broadcast_variants (broadcast_id, label, content, clicks)
       SELECT 1, l, '[{{"type": "text", "text": "セール"}}]', 0 FROM unnest(ARRAY['A', 'B']) l""",
    """INSERT INTO coupon_definitions (code, name, purpose, discount_type, discount_value,
                                       minimum_spend, valid_days, reinstate_on_return, active,
                                       created_at)
       VALUES ('WINTER', '冬の500円引き', 'general', 'amount', 500, 0, 30, true, true, now())""",
    """INSERT INTO multicast_batches (source, retry_key, "to", messages, promotional, status,
                                      attempts, created_at, sent_at)
       SELECT 'broadcast:1', md5('batch' || k), '[]', '[]', true, 'sent', 1, now(),
              now() - interval '30 days' + k * interval '5 seconds'
       FROM generate_series(1, {members} / 500 + 1) k""",
    """INSERT INTO issued_coupons (definition_id, member_id, code, issue_key, issued_at,
                                   expires_at, redeemed_at)
       SELECT 1, i, 'C' || i, 'broadcast:1:member:' || i, now() - interval '30 days',
              now(), CASE WHEN random() < 0.1 THEN now() - interval '27 days' END
       FROM generate_series(1, {members}) i WHERE i % 5 = 1""",
    """INSERT INTO broadcast_recipients (broadcast_id, member_id, variant_id, holdout, status,
                                         batch_id, issued_coupon_id)
       SELECT 1, i, CASE WHEN i % 10 = 0 THEN NULL ELSE 1 + i % 2 END, i % 10 = 0,
              CASE WHEN i % 10 = 0 THEN 'held_out' ELSE 'batched' END,
              CASE WHEN i % 10 = 0 THEN NULL ELSE 1 + i / 500 END,
              CASE WHEN i % 5 = 1 THEN (SELECT id FROM issued_coupons c WHERE c.member_id = i)
              END
       FROM generate_series(1, {members}) i""",
    """INSERT INTO deliveries (delivery_key, member_id, flow, retry_key, channel, promotional,
                               status, attempts, attempts_not_accepted, created_at, sent_at)
       SELECT 'bench:' || i, 1 + (random() * ({members} - 1))::int,
              (ARRAY{flows})[1 + i % {flow_count}], md5('d' || i), 'push', true, 'sent', 1, 0,
              now(), now() - random() * interval '60 days'
       FROM generate_series(1, {deliveries}) i""",
]


def generate(db) -> None:
    from sqlalchemy import text

    sizes = {"members": MEMBERS, "purchases": PURCHASES, "deliveries": DELIVERIES,
             "flows": "[" + ", ".join(f"'{f}'" for f in FLOWS) + "]", "flow_count": len(FLOWS)}
    with db.engine.connect() as conn:
        for statement in GENERATE:
            started = time.perf_counter()
            conn.execute(text(statement.format(**sizes)))
            conn.commit()
            label = " ".join(statement.split()[:3])
            print(f"  {label:<50} {time.perf_counter() - started:6.1f} s", flush=True)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def timed(name: str, call) -> None:
    runs, answer = [], None
    for _ in range(3):
        started = time.perf_counter()
        answer = call()
        runs.append(time.perf_counter() - started)
    verdict = "ok" if statistics.median(runs) <= TARGET_SECONDS else "SLOW"
    print(f"  {name}: first {runs[0]:.3f} s, median {statistics.median(runs):.3f} s "
          f"[{verdict}]\n    {answer}", flush=True)


def time_results() -> None:
    from campaigns import attribution
    from core.clock import utcnow

    def broadcast():
        results = attribution.broadcast_results(1)
        return "; ".join(f"{g.label} {g.recipients:,}人 購入者{g.sales_in('all').purchasers:,} "
                         f"¥{g.sales_in('all').revenue:,}" for g in results.groups)

    def flows():
        rows = attribution.flow_results(utcnow() - timedelta(days=30), utcnow())
        return f"{len(rows)} flows, {sum(g.delivered for g in rows):,} deliveries"

    def effects():
        started = attribution.broadcasts_started(utcnow() - timedelta(days=31), utcnow())
        totals = attribution.broadcast_totals([b.id for b in started])
        return {b: g["sent"].sales_in("all").revenue for b, g in totals.items()}

    timed("results page (broadcast_results)", broadcast)
    timed("効果比較: flows over 30 days (flow_results)", flows)
    timed("効果比較: broadcasts over 31 days (broadcast_totals)", effects)


def main() -> None:
    with postgres_bench("attribution") as env:
        if env is not None:
            run(env)


def run(env: dict) -> None:
    from app import create_app
    from core.extensions import db

    app = create_app()
    with app.app_context():
        if not already_generated(db):
            db.session.remove()
            db.engine.dispose()
            _reset_database(env)
            generate(db)
        time_results()


def already_generated(db) -> bool:
    from sqlalchemy import text

    return os.environ.get("BENCH_REUSE") == "1" and db.session.scalar(
        text("SELECT count(*) FROM broadcast_recipients")) == MEMBERS


if __name__ == "__main__":
    main()
