"""The dashboard on PostgreSQL at scale: 1M members and 10M purchase lines (the shop of
bench.segment_count, generated the same way, plus upgrades, blocks and 300k follow-up
deliveries), then the nightly refresh (insights.jobs.refresh_dashboard: its time, and how many
figures it stored) and the console's home page opened by a signed-in marketer, cold (a new
app and connection pool) and warm, with and without a filter. Target: the page in 2 s.

Needs DATABASE_URL pointing at a PostgreSQL database it may wipe, e.g.
  psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE bench_dash'
  DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_dash \\
    .venv/bin/python -m bench.dashboard
Optional: [members] [purchases] as bench.segment_count; BENCH_REUSE=1 keeps the data of an
earlier run (of this benchmark or of bench.segment_count on the same database).
"""

import re
import statistics
import time

from bench import segment_count
from bench.serve import _reset_database, postgres_bench

TARGET_SECONDS = 2.0
PASSWORD = "bench marketer password 0123"  # noqa: S105 (a benchmark's own database)
PAGES = {"home": "/admin/", "online": "/admin/?channel=online&period=last90",
         "store S001": "/admin/?store=1"}
# What the members table lacks for the funnels, and what the messages section shows.
EXTRA = [
    """UPDATE members SET upgraded_at = joined_at + (id % 60) * interval '1 day'
       WHERE membership = 'full'""",
    """UPDATE members SET blocked_at = joined_at + (id % 300) * interval '1 day'
       WHERE follow_status = 'blocked'""",
    """INSERT INTO deliveries (delivery_key, member_id, flow, retry_key, channel, promotional,
                              status, attempts, attempts_not_accepted, created_at, sent_at,
                              clicked_at)
       SELECT 'bench:' || i, 1 + (i::bigint * 7919) % {members},
              (ARRAY['after_purchase', 'f2', 'winback', 'rank_nudge'])[1 + i % 4],
              md5(i::text), 'push', true, 'sent', 1, 0, t, t,
              CASE WHEN i % 9 = 0 THEN t + interval '1 hour' END
       FROM generate_series(1, 300000) i,
            LATERAL (SELECT now() - random() * interval '120 days' AS t, i AS x) r""",
]


def main() -> None:
    with postgres_bench("dashboard") as env:
        if env is not None:
            run(env)


def run(env: dict) -> None:
    from app import create_app
    from core.extensions import db

    app = create_app()
    with app.app_context():
        if not segment_count.already_generated(db):
            db.session.remove()
            db.engine.dispose()
            _reset_database(env)
            print(f"generating {segment_count.MEMBERS:,} members, "
                  f"{segment_count.PURCHASES:,} purchases", flush=True)
            segment_count.generate(db)
            _extra(db)
        else:
            segment_count._upgrade(env)
        refresh_seconds, stored = _refresh(db)
        email = _marketer(db)
    print(f"refresh (the nightly job): {refresh_seconds:.1f} s, {stored:,} figures", flush=True)
    _time_pages(email)


def _extra(db) -> None:
    from sqlalchemy import text

    with db.engine.connect() as conn:
        for statement in EXTRA:
            segment_count._timed(conn, " ".join(statement.split()[:3]),
                                 statement.format(members=segment_count.MEMBERS))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE members"))
        conn.execute(text("VACUUM ANALYZE deliveries"))


def _refresh(db) -> tuple[float, int]:
    from insights import jobs, service

    run = service.request_run(trigger="cli")
    db.session.commit()
    run_id = run.id
    started = time.perf_counter()
    stored = jobs.refresh_dashboard(run_id)
    return time.perf_counter() - started, stored


def _marketer(db) -> str:
    from sqlalchemy import select

    from admin import users
    from admin.models import ConsoleUser, Role

    email = "bench-marketer@example.com"
    if db.session.scalar(select(ConsoleUser.id).where(ConsoleUser.email == email)) is None:
        users.create(email=email, password=PASSWORD, role=Role.MARKETER)
        db.session.commit()
    return email


def _time_pages(email: str) -> None:
    """A new app (cold: new connection pool, nothing cached), then each page 5 times (warm)."""
    from app import create_app

    app = create_app()
    with app.app_context():
        client = app.test_client()
        _sign_in(client, email)
        print("dashboard page (GET, a signed-in marketer):", flush=True)
        for name, url in PAGES.items():
            runs, size = [], 0
            for _ in range(6):
                started = time.perf_counter()
                answer = client.get(url)
                runs.append(time.perf_counter() - started)
                assert answer.status_code == 200, answer.status_code
                size = len(answer.data)
            warm = statistics.median(runs[1:])
            verdict = "ok" if max(runs[0], warm) <= TARGET_SECONDS else "SLOW"
            print(f"  {name:<12} cold {runs[0]:.3f} s, warm median {warm:.3f} s, "
                  f"{size / 1024:.0f} KiB  [{verdict}]", flush=True)


def _sign_in(client, email: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"email": email, "password": PASSWORD,
                                         "csrf_token": token})
    assert answer.status_code == 302, "sign-in failed"


if __name__ == "__main__":
    main()
