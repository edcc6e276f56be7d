"""A broadcast to 1M members end to end on ONE worker: PostgreSQL + Redis, a linesim started
here with its multicast rate limit lifted, and one real `flask worker` subprocess (RQ's
SimpleWorker: jobs run in the worker process itself, so its RSS is the job's).

1. seeds N followed members (default 1,000,000) whose LINE ids linesim knows (bulk-added);
2. sends a broadcast to a segment of all of them (freeze + batch formation + multicast +
   ledger) and reports recipients/hour (goal >= 120M/h) and the worker's peak RSS (VmHWM,
   goal <= 300 MB); linesim counts every user got it exactly once;
3. sends one push per member through line.ledger.push_once + line.sending (as follow-ups do)
   to a sample (default 5,000) and reports the broadcast's speed over it (goal >= 20x);
4. chaos: a broadcast to a fifth of them (rank gold), the worker SIGKILLed 3 times
   mid-campaign and restarted; linesim then counts each recipient exactly once, none missing.

Needs a PostgreSQL database it may wipe, e.g.
  psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE bench_fanout'
  DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_fanout \
  REDIS_URL=redis://127.0.0.1:6379/5 .venv/bin/python -m bench.campaign_fanout [members] [sample]
BENCH_REUSE=1 keeps members of an earlier run (broadcast rows are cleared).
"""

import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from types import SimpleNamespace

from bench.serve import ROOT, _redis, _reset_database

MEMBERS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
SAMPLE = int(sys.argv[2]) if len(sys.argv) > 2 else 5_000
GOAL_PER_HOUR, GOAL_RATIO, GOAL_RSS_MB = 120_000_000, 20, 300
CHAOS_KILLS_AT = (0.2, 0.45, 0.7)  # share of the chaos broadcast's batches sent
TOKEN = "bench-token"  # noqa: S105 - a channel token only linesim knows
BENCH_USER = SimpleNamespace(id=None, email="bench@example.com", role="admin")  # a console user

EVERYONE = {"match": "all", "groups": [{"match": "all", "conditions": [
    {"field": "follow_status", "op": "is", "value": "followed"}]}]}
GOLD = {"match": "all", "groups": [{"match": "all", "conditions": [
    {"field": "rank", "op": "is", "value": "gold"}]}]}

# Every fifth member is gold (the chaos audience); all are followed light members.
SEED = """
INSERT INTO members (line_user_id, member_number, membership, rank, follow_status, display_name,
                     card_secret, points_balance, joined_at, updated_at)
SELECT 'U' || md5(i::text), lpad(i::text, 13, '0'), 'light',
       CASE WHEN i % 5 = 0 THEN 'gold' ELSE 'regular' END, 'followed', '会員' || i,
       'JBSWY3DPEHPK3PXP', 0, now(), now()
FROM generate_series(1, {members}) i
"""


def line_user_id(n: int) -> str:
    return "U" + hashlib.md5(str(n).encode()).hexdigest()  # noqa: S324 - an id, not a secret


def main() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        print("campaign_fanout: needs DATABASE_URL of a PostgreSQL database it may wipe; skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        redis_url, embedded = _redis(tmp)
        env = {**os.environ, "FLASK_APP": "app.py", "REDIS_URL": redis_url,
               "SECRET_KEY": "bench-" + "k" * 40, "LINE_CHANNEL_SECRET": "bench-secret",
               "LINE_CHANNEL_ACCESS_TOKEN": TOKEN, "QUIET_HOURS": "off",
               "BROADCAST_APPROVAL_ABOVE": str(10 * MEMBERS), "LOG_LEVEL": "WARNING"}
        sys.path.insert(0, str(ROOT))
        from tests.support.linesim_server import start_linesim

        with start_linesim(channel_token=TOKEN, monthly_quota=None) as sim:
            env["LINE_API_BASE_URL"] = sim.base_url
            os.environ.update(env)
            try:
                run(env, sim.base_url)
            finally:
                if embedded is not None:
                    embedded.shutdown()


def run(env: dict, base_url: str) -> None:
    from app import create_app
    from core.extensions import db
    from tests.support.linesim_client import LinesimClient

    figures = {"members": MEMBERS, "sample": SAMPLE}
    sim = LinesimClient(base_url)
    sim.configure(rate_limits={"general": 1_000_000, "multicast": 1_000_000})
    app = create_app()
    with app.app_context():
        figures["seed_s"] = seed(db, env)
    started = time.perf_counter()
    for start in range(1, MEMBERS + 1, 100_000):
        sim.add_friends([line_user_id(n) for n in range(start, min(start + 100_000,
                                                                     MEMBERS + 1))])
    figures["linesim_friends_s"] = round(time.perf_counter() - started, 1)
    print(f"linesim: {MEMBERS:,} friends in {figures['linesim_friends_s']} s", flush=True)
    with app.app_context():
        figures.update(broadcast_run(db, env, sim))
        figures.update(naive_run(db, env, sim, figures["recipients_per_hour"]))
        figures.update(chaos_run(db, env, sim))
    print(json.dumps(figures, ensure_ascii=False, indent=1))


def seed(db, env: dict) -> float:
    from sqlalchemy import text

    started = time.perf_counter()
    if os.environ.get("BENCH_REUSE") == "1" and db.session.scalar(
            text("SELECT count(*) FROM members")) == MEMBERS:
        db.session.execute(text("TRUNCATE broadcast_recipients, multicast_batches, "
                                "broadcast_variants, broadcasts, segments, deliveries CASCADE"))
        db.session.commit()
        print("members kept from an earlier run; broadcasts cleared", flush=True)
        return 0.0
    db.session.remove()
    db.engine.dispose()
    _reset_database(env)
    with db.engine.connect() as conn:
        conn.execute(text(SEED.format(members=MEMBERS)))
        conn.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE members"))
    elapsed = round(time.perf_counter() - started, 1)
    print(f"seeded {MEMBERS:,} members in {elapsed} s", flush=True)
    return elapsed


# --- the worker -------------------------------------------------------------------------------

def start_worker(env: dict) -> subprocess.Popen:
    """`flask worker` (SimpleWorker: jobs in-process) on the campaign and follow-up queues."""
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "worker", "--queue", "campaigns", "--queue",
         "followups"], cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=open(os.path.join(tempfile.gettempdir(),  # noqa: SIM115
                                                            "fanout-worker.log"), "a"))


def stop_worker(worker: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the most resident memory the process has had so far."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


# --- 2. the broadcast to everyone --------------------------------------------------------------

def new_broadcast(db, name: str, definition: dict, tag: str) -> int:
    from campaigns import broadcasts
    from campaigns.models import Segment

    segment = Segment(name=name, definition=definition)
    db.session.add(segment)
    db.session.commit()
    broadcast = broadcasts.create_draft(
        name=name, segment_id=segment.id, created_by=None,
        variants=[[{"type": "text", "text": f"冬のセール開始 {tag}"}]])
    broadcasts.confirm(broadcast.id, BENCH_USER)  # queues start_broadcast
    return broadcast.id


def broadcast_state(db, broadcast_id: int):
    from sqlalchemy import text

    db.session.commit()  # a fresh snapshot
    return db.session.execute(text(
        "SELECT status, recipients_total, started_at, finished_at FROM broadcasts WHERE id = :i"),
        {"i": broadcast_id}).one()


class Tick:
    """What `flask scheduler` would do meanwhile, at its interval: e.g. the reconciler finds
    work whose job Redis lost (another process may flush Redis: the product copes)."""

    def __init__(self, seconds: float, job):
        self.seconds, self.job, self.last = seconds, job, time.monotonic()

    def __call__(self) -> None:
        from core.extensions import db

        if time.monotonic() - self.last >= self.seconds:
            self.job()
            db.session.commit()
            self.last = time.monotonic()


def broadcast_run(db, env: dict, sim) -> dict:
    from campaigns import segments
    from campaigns.broadcast_sending import reconcile_broadcasts

    started = time.perf_counter()
    reach = segments.counts(EVERYONE)["reachable"]
    segment_s = time.perf_counter() - started
    tag = f"main-{uuid.uuid4().hex[:12]}"
    broadcast_id = new_broadcast(db, "全員へのセール", EVERYONE, tag)
    worker = start_worker(env)
    frozen_at_wall = None
    peak = 0.0
    tick = Tick(60, reconcile_broadcasts)
    try:
        while True:
            tick()
            peak = max(peak, peak_rss_mb(worker.pid))
            state = broadcast_state(db, broadcast_id)
            if frozen_at_wall is None and state.recipients_total:
                frozen_at_wall = time.time()
            if state.status in ("completed", "cancelled", "paused"):
                break
            if worker.poll() is not None:
                raise SystemExit("the worker died; see /tmp/fanout-worker.log")
            time.sleep(0.2)
        peak = max(peak, peak_rss_mb(worker.pid))
    finally:
        stop_worker(worker)
    total = state.recipients_total
    elapsed = (state.finished_at - state.started_at).total_seconds()
    freeze_s = frozen_at_wall - state.started_at.timestamp() if frozen_at_wall else None
    per_hour = total / elapsed * 3600
    counted = sim.tally(tag)
    print(f"broadcast to {total:,} ({state.status}): {elapsed:.1f} s end to end, "
          f"{per_hour / 1e6:.1f}M recipients/hour (goal {GOAL_PER_HOUR / 1e6:.0f}M) "
          f"[{'ok' if per_hour >= GOAL_PER_HOUR else 'BELOW'}]; worker peak RSS {peak:.0f} MB "
          f"(goal {GOAL_RSS_MB}) [{'ok' if peak <= GOAL_RSS_MB else 'ABOVE'}]", flush=True)
    print(f"  segment count {segment_s:.2f} s (reachable {reach:,}), freeze ~{freeze_s:.1f} s, "
          f"batches+multicast {elapsed - (freeze_s or 0):.1f} s; at linesim: {counted}",
          flush=True)
    return {"status": state.status, "recipients": total, "segment_count_s": round(segment_s, 2),
            "freeze_s": round(freeze_s or 0, 1), "send_s": round(elapsed - (freeze_s or 0), 1),
            "end_to_end_s": round(elapsed, 1), "recipients_per_hour": round(per_hour),
            "worker_peak_rss_mb": round(peak), "linesim_main": counted}


# --- 3. one push per member -------------------------------------------------------------------

def naive_run(db, env: dict, sim, broadcast_per_hour: float) -> dict:
    """The follow-ups' way: one ledger row and one push job per member, committed one by one
    (push_once queues the send after each commit); the same single worker sends them."""
    from sqlalchemy import func, select

    from line import ledger
    from line.models import Delivery
    from line.sending import release_due_deliveries
    from members.models import Member

    tag = f"naive-{uuid.uuid4().hex[:12]}"
    members = db.session.scalars(select(Member.id).where(Member.rank != "gold")
                                 .order_by(Member.id).limit(SAMPLE)).all()
    worker = start_worker(env)
    try:
        time.sleep(3)  # let it start, so its start-up is not counted
        started = time.perf_counter()
        for member_id in members:
            ledger.push_once(member_id=member_id, flow="bench_naive", promotional=True,
                             key=f"{tag}:member:{member_id}",
                             messages=[{"type": "text", "text": f"お知らせ {tag}"}])
            db.session.commit()
        tick = Tick(30, release_due_deliveries)
        while True:
            tick()
            done = db.session.scalar(select(func.count(Delivery.id)).where(
                Delivery.flow == "bench_naive", Delivery.status != "pending",
                Delivery.status != "sending", Delivery.delivery_key.startswith(tag)))
            db.session.commit()
            if done >= len(members):
                break
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
    finally:
        stop_worker(worker)
    per_hour = len(members) / elapsed * 3600
    ratio = broadcast_per_hour / per_hour
    counted = sim.tally(tag)
    print(f"naive pushes: {len(members):,} in {elapsed:.1f} s = {per_hour / 1e6:.2f}M/hour; "
          f"broadcast is {ratio:.0f}x that (goal {GOAL_RATIO}x) "
          f"[{'ok' if ratio >= GOAL_RATIO else 'BELOW'}]; at linesim: {counted}", flush=True)
    return {"naive_sample": len(members), "naive_s": round(elapsed, 1),
            "naive_per_hour": round(per_hour), "ratio": round(ratio, 1),
            "linesim_naive": counted}


# --- 4. chaos ---------------------------------------------------------------------------------

def chaos_run(db, env: dict, sim) -> dict:
    from sqlalchemy import func, select

    from campaigns.broadcast_sending import reconcile_broadcasts
    from line.models import MulticastBatch
    from members.models import Member

    gold = [line_user_id(n) for n in range(5, MEMBERS + 1, 5)]
    tag = f"chaos-{uuid.uuid4().hex[:12]}"
    broadcast_id = new_broadcast(db, "ゴールド会員へのセール", GOLD, tag)
    expected_batches = -(-len(gold) // 500)
    worker, kills, started = start_worker(env), [], time.perf_counter()
    tick = Tick(3, reconcile_broadcasts)  # more often than the scheduler: a shorter run
    try:
        while True:
            state = broadcast_state(db, broadcast_id)
            if state.status in ("completed", "cancelled"):
                break
            sent = db.session.scalar(select(func.count(MulticastBatch.id)).where(
                MulticastBatch.source == f"broadcast:{broadcast_id}",
                MulticastBatch.status == "sent"))
            db.session.commit()
            if len(kills) < len(CHAOS_KILLS_AT) and \
                    sent >= CHAOS_KILLS_AT[len(kills)] * expected_batches:
                stop_worker(worker, signal.SIGKILL)
                kills.append(sent)
                worker = start_worker(env)
            tick()
            time.sleep(0.1)
    finally:
        stop_worker(worker)
    elapsed = time.perf_counter() - started
    counted = sim.tally(tag, gold)
    in_db = db.session.scalar(select(func.count(Member.id)).where(Member.rank == "gold"))
    exact = counted["once"] == len(gold) == state.recipients_total == in_db \
        and counted["none"] == counted["more"] == counted["outside"] == 0
    print(f"chaos: {len(gold):,} gold recipients, worker SIGKILLed after {kills} of "
          f"{expected_batches} batches sent, {elapsed:.1f} s; at linesim: {counted} "
          f"[{'exactly once' if exact else 'WRONG'}]", flush=True)
    return {"chaos_recipients": state.recipients_total, "chaos_kills_at_batches": kills,
            "chaos_s": round(elapsed, 1), "linesim_chaos": counted, "chaos_exact": exact}


if __name__ == "__main__":
    main()
