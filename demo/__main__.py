"""Start web + worker + scheduler + the local LINE platform on embedded defaults.

One process (this one) owns the embedded Redis server and the children; Ctrl-C stops all.
"""

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from core import redis as redis_conn
from core.settings import INSTANCE_DIR, ROOT

WEB_PORT = int(os.environ.get("DEMO_WEB_PORT", "5000"))
LINESIM_PORT = int(os.environ.get("DEMO_LINESIM_PORT", "8081"))
HAS_LINESIM = (ROOT / "linesim" / "__main__.py").exists()


def main() -> int:
    redis = redis_conn.connect("")  # this process owns the embedded server for the demo's life
    env = demo_environment(f"unix://{redis.socket_file}")
    run_once(["flask", "db", "upgrade"], env)
    run_once(["flask", "demo", "seed"], env)
    children = start_children(env)
    try:
        wait_until_up(f"http://127.0.0.1:{WEB_PORT}/healthz")
        if HAS_LINESIM:
            # linesim keeps its state in memory: the rich menus are created on every start.
            wait_until_up(f"http://127.0.0.1:{LINESIM_PORT}/_sim/config")
            run_once(["flask", "richmenu", "setup"], env)
        print_urls()
        print_timing(env)
        return supervise(children)
    finally:
        stop(children)
        redis_conn.shutdown_embedded()
        print("Demo stopped.", flush=True)


def demo_environment(redis_url: str) -> dict:
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "FLASK_APP": "app.py",
        "REDIS_URL": redis_url,
        "SECRET_KEY": persistent_secret("secret_key"),
        "LINE_CHANNEL_SECRET": persistent_secret("line_channel_secret", 16),
        "LINE_CHANNEL_ACCESS_TOKEN": persistent_secret("line_channel_access_token"),
        "LINE_API_BASE_URL": f"http://127.0.0.1:{LINESIM_PORT}",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{WEB_PORT}",
        "CONSOLE_PASSWORD": persistent_secret("demo_admin_password", 8),
        "PYTHONUNBUFFERED": "1",
        # Follow-ups an hour after a purchase arrive a minute later in the demo.
        "DEMO_TIME_SCALE": os.environ.get("DEMO_TIME_SCALE", "60"),
        # A demo shows the flows at any hour: nothing waits for 09:00 (QUIET_HOURS=on keeps it).
        "QUIET_HOURS": os.environ.get("QUIET_HOURS", "off"),
    }


def persistent_secret(name: str, nbytes: int = 32) -> str:
    """A random secret kept under instance/, so sessions and cards survive a demo restart."""
    path = INSTANCE_DIR / name
    if not path.exists():
        path.write_text(secrets.token_hex(nbytes))
        path.chmod(0o600)
    return path.read_text().strip()


def run_once(args: list[str], env: dict) -> None:
    subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, check=True)


def start_children(env: dict) -> list[subprocess.Popen]:
    commands = {
        "web": [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{WEB_PORT}",
                "--workers", "2", "--threads", "4", "--access-logfile", "-", "app:create_app()"],
        "worker": [sys.executable, "-m", "flask", "worker"],
        "scheduler": [sys.executable, "-m", "flask", "scheduler"],
    }
    if HAS_LINESIM:
        commands["linesim"] = [
            sys.executable, "-m", "linesim", "--port", str(LINESIM_PORT),
            "--webhook-url", f"http://127.0.0.1:{WEB_PORT}/callback",
            "--channel-secret", env["LINE_CHANNEL_SECRET"],
            "--channel-token", env["LINE_CHANNEL_ACCESS_TOKEN"]]
    # Own process groups: Ctrl-C reaches this supervisor, which stops the children in order.
    return [subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
            for cmd in commands.values()]


def wait_until_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 (loopback)
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {seconds:.0f}s")


def print_urls() -> None:
    password = (INSTANCE_DIR / "demo_admin_password").read_text().strip()
    web = f"http://127.0.0.1:{WEB_PORT}"
    lines = [
        "",
        "Demo is running. Ctrl-C stops everything.",
        f"  Console     {web}/admin/   (admin@example.com / {password})",
        f"  Health      {web}/healthz",
    ]
    if HAS_LINESIM:
        lines.append(f"  LINE chat   http://127.0.0.1:{LINESIM_PORT}/   (local LINE platform)")
    print("\n".join(lines) + "\n", flush=True)


def print_timing(env: dict) -> None:
    """Say how the demo bends time, so nobody mistakes it for the production behaviour."""
    scale = float(env["DEMO_TIME_SCALE"])
    if scale != 1:
        print(f"  Follow-up delays are {scale:g} times shorter than in production "
              f"(DEMO_TIME_SCALE={env['DEMO_TIME_SCALE']}).", flush=True)
    if env["QUIET_HOURS"].strip().lower() == "off":
        print("  Quiet hours are OFF in this demo: follow-ups go out at any hour, also between "
              "21:00 and 09:00 (QUIET_HOURS=on keeps them; production always keeps them).\n",
              flush=True)


def supervise(children: list[subprocess.Popen]) -> int:
    stop_requested = []
    signal.signal(signal.SIGTERM, lambda *_: stop_requested.append(True))
    try:
        while not stop_requested:
            for child in children:
                if child.poll() is not None:
                    print(f"{' '.join(child.args[:4])} exited with {child.returncode}", flush=True)
                    return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    return 0


def stop(children: list[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    for child in children:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)


if __name__ == "__main__":
    os.chdir(Path(__file__).resolve().parent.parent)
    sys.exit(main())
