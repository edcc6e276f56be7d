"""Follow-up sends on ONE worker process: N due deliveries in the ledger, released to the queue,
drained by `flask worker --burst` pushing to the local LINE platform over HTTP.

Reports deliveries/s (wall time of the worker, minus its measured start-up) and checks that
every message arrived exactly once.
Run: .venv/bin/python -m bench.followups [count]   (DATABASE_URL/REDIS_URL optional)
"""

import json
import os
import subprocess
import sys
import tempfile
import time

from bench.serve import ROOT, _redis, _reset_database, free_port

COUNT = int(sys.argv[1]) if len(sys.argv) > 1 else 3000


def start_linesim(env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "linesim", "--port", str(port), "--channel-secret",
         env["LINE_CHANNEL_SECRET"], "--channel-token", env["LINE_CHANNEL_ACCESS_TOKEN"]],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    process.stdout.readline()  # "linesim listening on ..."
    return process, f"http://127.0.0.1:{port}"


def seed(env: dict, count: int) -> list[str]:
    """Members who are LINE friends, and one due delivery each."""
    code = f"""
import json, uuid
from app import create_app
from core.extensions import db
from core.clock import utcnow
from members.models import Member
from members.numbers import new_member_number
from members.cards import new_card_secret
from campaigns.models import Delivery
app = create_app()
with app.app_context():
    users = []
    for n in range({count}):
        user_id = "U" + uuid.uuid4().hex
        users.append(user_id)
        member = Member(line_user_id=user_id, member_number=new_member_number(),
                        display_name=f"会員{{n}}", card_secret=new_card_secret())
        db.session.add(member)
        db.session.flush()
        db.session.add(Delivery(delivery_key=f"bench:{{n}}", member_id=member.id, flow="notice",
                                retry_key=str(uuid.uuid4()), send_after=utcnow(),
                                messages=[{{"type": "text", "text": f"お知らせ {{n}}"}}]))
    db.session.commit()
    print(json.dumps(users))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def make_friends(base_url: str, users: list[str]) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.support.linesim_client import LinesimClient

    sim = LinesimClient(base_url)
    sim.configure(rate_limits={"general": 1_000_000, "multicast": 1_000_000,
                               "narrowcast": 1_000_000, "broadcast": 1_000_000},
                  monthly_quota=10_000_000)
    for user_id in users:
        sim.add_user("bench", userId=user_id)
        sim.follow(user_id)  # no webhook configured: the friendship is all we need


def flask(env: dict, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        redis_url, embedded = _redis(tmp)
        env = {**os.environ, "FLASK_APP": "app.py", "REDIS_URL": redis_url,
               "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.db",
               "SECRET_KEY": "bench-" + "k" * 40, "LINE_CHANNEL_SECRET": "bench-secret",
               "LINE_CHANNEL_ACCESS_TOKEN": "bench-token"}
        linesim, base_url = start_linesim(env)
        env["LINE_API_BASE_URL"] = base_url
        try:
            _reset_database(env)
            make_friends(base_url, seed(env, COUNT))
            startup = flask(env, "worker", "--burst", "--queue", "followups")  # empty queue
            release = ("from app import create_app\nfrom line.sending import "
                       "release_due_deliveries\nwith create_app().app_context(): "
                       "print(release_due_deliveries())")
            subprocess.run([sys.executable, "-c", release], cwd=ROOT, env=env, check=True)
            elapsed = flask(env, "worker", "--burst", "--queue", "followups")
            report(base_url, COUNT, elapsed, startup, env)
        finally:
            linesim.terminate()
            if embedded is not None:
                embedded.shutdown()


def report(base_url: str, count: int, elapsed: float, startup: float, env: dict) -> None:
    from tests.support.linesim_client import LinesimClient

    counters = LinesimClient(base_url).counters()
    working = max(elapsed - startup, 1e-9)
    print(json.dumps({"database": env["DATABASE_URL"].split("://")[0], "deliveries": count,
                      "worker_seconds": round(elapsed, 2), "startup_seconds": round(startup, 2),
                      "deliveries_per_s": round(count / working),
                      "line_counters": counters}, ensure_ascii=False))


if __name__ == "__main__":
    main()
