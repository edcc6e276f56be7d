"""Exporting members (with their latest consents) at 1M members on PostgreSQL: time and peak
memory of the streamed export (`flask export members`, server-side cursor, rows written a batch
at a time) against a naive export that loads every row first, on samples, side by side.

Each export runs in a process of its own, so its peak RSS is its own (os.wait4).

Needs DATABASE_URL pointing at a PostgreSQL database it may wipe, e.g.
  psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE bench_export'
  DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_export \\
    .venv/bin/python -m bench.export_members
Optional: [members] (default 1000000); BENCH_REUSE=1 keeps the data of an earlier run.
"""

import os
import subprocess
import sys
import tempfile
import time

from bench.serve import ROOT, _reset_database, postgres_bench

MEMBERS = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1_000_000
SAMPLES = (100_000, 250_000)

GENERATE = [
    "SELECT setseed(0.42)",
    """INSERT INTO members (line_user_id, member_number, membership, rank, follow_status,
                            display_name, full_name, email, card_secret, points_balance,
                            joined_at, upgraded_at, updated_at)
       SELECT 'U' || md5(i::text), lpad(i::text, 13, '0'),
              CASE WHEN r.m < 0.3 THEN 'full' ELSE 'light' END,
              CASE WHEN r.k < 0.8 THEN 'regular' WHEN r.k < 0.95 THEN 'silver' ELSE 'gold' END,
              CASE WHEN r.f < 0.15 THEN 'blocked' ELSE 'followed' END,
              '会員' || i, CASE WHEN r.m < 0.3 THEN '山田 太郎' || i END,
              CASE WHEN r.m < 0.3 THEN 'member' || i || '@example.com' END,
              'JBSWY3DPEHPK3PXP', (r.p * 5000)::int, now() - r.j * interval '1000 days',
              CASE WHEN r.m < 0.3 THEN now() - r.j * interval '500 days' END, now()
       FROM generate_series(1, {members}) i,
            LATERAL (SELECT random() m, random() k, random() f, random() p, random() j,
                            i AS x) r""",
    """INSERT INTO consents (member_id, kind, text_version, granted, recorded_at)
       SELECT id, kind, '2026-11', kind <> 'marketing' OR random() < 0.7, upgraded_at
       FROM members, unnest(ARRAY['terms', 'privacy', 'marketing']) kind
       WHERE membership = 'full'""",
]


def generate(db) -> None:
    from sqlalchemy import text

    with db.engine.connect() as conn:
        for statement in GENERATE:
            started = time.perf_counter()
            conn.execute(text(statement.format(members=MEMBERS)))
            conn.commit()
            print(f"  {' '.join(statement.split()[:3]):<40} "
                  f"{time.perf_counter() - started:6.1f} s", flush=True)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def child(mode: str, limit: int, out: str) -> None:
    """One export in this process: streamed (the product's) or naive (every row loaded first)."""
    from app import create_app
    from core.extensions import db
    from exports.datasets import MEMBERS as DATASET
    from exports.formats import csv_chunks
    from exports.service import rows
    from members.records import members_for_export

    with create_app().app_context(), open(out, "wb") as file:
        if mode == "streamed":
            dataset = DATASET
            if limit:
                query = members_for_export().limit(limit)
                dataset = type(DATASET)(DATASET.key, DATASET.name, DATASET.columns,
                                        (type(DATASET.parts[0])(lambda: query),))
            chunks = csv_chunks(dataset.columns, rows(dataset, pseudonymised=False))
        else:
            loaded = [row._asdict() for row in
                      db.session.execute(members_for_export().limit(limit)).all()]
            chunks = csv_chunks(DATASET.columns, loaded)
        for chunk in chunks:
            file.write(chunk)


def measure(env: dict, args: list[str], out: str) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, bytes written) of one export in its own process."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{args} failed ({process.returncode})")
    return elapsed, usage.ru_maxrss / 1024, os.path.getsize(out)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4])
        return
    with postgres_bench("export_members") as env:
        if env is not None:
            run(env)


def run(env: dict) -> None:
    from sqlalchemy import text

    from app import create_app
    from core.extensions import db

    app = create_app()
    with app.app_context():
        reuse = os.environ.get("BENCH_REUSE") == "1" and db.session.scalar(
            text("SELECT count(*) FROM members")) == MEMBERS
        if not reuse:
            db.session.remove()
            db.engine.dispose()
            _reset_database(env)
            print(f"generating {MEMBERS:,} members (30% full, with 3 consents each)", flush=True)
            generate(db)
    with tempfile.TemporaryDirectory() as tmp:
        out = f"{tmp}/members.csv"
        print("export of members as CSV, each in its own process "
              "(time includes start-up, ~1 s):", flush=True)
        results = {}
        for size in SAMPLES:
            for mode in ("streamed", "naive"):
                args = ["-m", "bench.export_members", "child", mode, str(size), out]
                results[mode, size] = measure(env, args, out)
                _report(f"{mode} {size:,} rows", *results[mode, size])
        cli = ["-m", "flask", "export", "members", "--format", "csv", "--out", out]
        results["cli", MEMBERS] = measure(env, cli, out)
        _report(f"streamed {MEMBERS:,} rows (flask export)", *results["cli", MEMBERS])
        for size in SAMPLES:
            (ts, rs, _), (tn, rn, _) = results["streamed", size], results["naive", size]
            print(f"  {size:,} rows: naive / streamed  time {tn / ts:.2f}x, "
                  f"peak RSS {rn / rs:.2f}x", flush=True)


def _report(label: str, seconds: float, rss_mb: float, size: int) -> None:
    print(f"  {label:<40} {seconds:6.1f} s  peak RSS {rss_mb:7.1f} MB  "
          f"file {size / 1e6:7.1f} MB", flush=True)


if __name__ == "__main__":
    main()
