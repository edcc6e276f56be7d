"""The simulator's whole state, one object shared by every request thread."""

from linesim.config import Config
from linesim.faults import Faults
from linesim.richmenus import RichMenus
from linesim.rules import RateLimiter, ReplyTokens, RetryKeys
from linesim.state import Clock, State
from linesim.webhooks import Webhooks


class Sim:
    def __init__(self, config=None):
        self.config = config or Config()
        self.clock = Clock()
        self.state = State(self.clock)
        self.reply_tokens = ReplyTokens(self.clock)
        self.retry_keys = RetryKeys(self.clock)
        self.rate_limiter = RateLimiter(self.config)
        self.faults = Faults()
        self.rich_menus = RichMenus()
        self.webhooks = Webhooks(self.config)

    def reset(self):
        """Forget everything that happened; keep the configuration."""
        self.clock.offset = 0.0
        self.state.reset()
        self.reply_tokens.reset()
        self.retry_keys.reset()
        self.rate_limiter.reset()
        self.faults.clear()
        self.rich_menus.reset()
        self.webhooks.reset()
