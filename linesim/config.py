"""Simulator configuration: what a LINE channel would be set up with, plus sim switches."""

import os
from dataclasses import asdict, dataclass, field

# Well-known defaults of a simulator, never real credentials.
DEFAULT_SECRET = "0123456789abcdef0123456789abcdef"  # noqa: S105
DEFAULT_TOKEN = "linesim-channel-access-token"  # noqa: S105
DEFAULT_BOT_USER_ID = "U" + "b0" * 16

# LINE's documented per-channel limits; narrowcast and broadcast are per hour.
DEFAULT_RATE_LIMITS = {"general": 2000, "multicast": 200, "narrowcast": 60, "broadcast": 60}


@dataclass
class Config:
    webhook_url: str | None = None
    channel_secret: str = DEFAULT_SECRET
    channel_tokens: list = field(default_factory=lambda: [DEFAULT_TOKEN])
    bot_user_id: str = DEFAULT_BOT_USER_ID
    bot_display_name: str = "linesim shop"
    # The JP "standard" plan; the free plan would be 200.
    monthly_quota: int | None = 30000
    rate_limits: dict = field(default_factory=lambda: dict(DEFAULT_RATE_LIMITS))
    # Demos and tests serve images from localhost, which LINE (https only) could never fetch.
    allow_http_loopback: bool = True
    webhook_timeout_s: float = 10.0

    def to_json(self):
        return asdict(self)

    def update(self, changes):
        """Apply a partial update from the control API; unknown keys are an error."""
        unknown = set(changes) - set(self.to_json())
        if unknown:
            raise ValueError(f"unknown config keys: {sorted(unknown)}")
        for key, value in changes.items():
            if key == "rate_limits":
                value = {**self.rate_limits, **value}
            setattr(self, key, value)
        self.check()

    def check(self):
        """Refuse settings LINE's console would refuse; webhooks go over http(s) only."""
        if self.webhook_url is not None and not self.webhook_url.startswith(
                ("http://", "https://")):
            raise ValueError("webhook_url must be an http(s) URL")
        if not self.channel_tokens or not all(isinstance(t, str) for t in self.channel_tokens):
            raise ValueError("channel_tokens must be a non-empty list of strings")


def config_from_environment():
    config = Config()
    env = os.environ
    if env.get("LINESIM_WEBHOOK_URL"):
        config.webhook_url = env["LINESIM_WEBHOOK_URL"]
    if env.get("LINESIM_CHANNEL_SECRET"):
        config.channel_secret = env["LINESIM_CHANNEL_SECRET"]
    if env.get("LINESIM_CHANNEL_TOKEN"):
        config.channel_tokens = [env["LINESIM_CHANNEL_TOKEN"]]
    if env.get("LINESIM_MONTHLY_QUOTA"):
        config.monthly_quota = int(env["LINESIM_MONTHLY_QUOTA"])
    config.check()
    return config
