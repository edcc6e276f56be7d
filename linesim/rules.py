"""LINE's per-channel rules with memory: reply tokens, retry keys and rate limits."""

import re
import secrets
import threading
import time

from linesim.errors import INVALID_REPLY_TOKEN, RATE_LIMITED, RETRY_KEY_ACCEPTED, LineError

REPLY_TOKEN_TTL_S = 60
RETRY_KEY_TTL_S = 24 * 3600
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
PER_HOUR_CLASSES = frozenset({"narrowcast", "broadcast"})


class ReplyTokens:
    """Single-use tokens, valid for a minute after the event that carried them."""

    def __init__(self, clock):
        self.clock = clock
        self.lock = threading.Lock()
        self.tokens = {}

    def issue(self, user_id):
        token = secrets.token_hex(16)
        with self.lock:
            self.tokens[token] = (user_id, self.clock.now())
        return token

    def redeem(self, token):
        """The user the token answers; a second use or a late use is LINE's 400."""
        with self.lock:
            found = self.tokens.pop(token, None)
        if found is None or self.clock.now() - found[1] > REPLY_TOKEN_TTL_S:
            raise LineError(400, INVALID_REPLY_TOKEN)
        return found[0]

    def reset(self):
        with self.lock:
            self.tokens.clear()


class RetryKeys:
    """Accepted `X-Line-Retry-Key`s; a key is held while its request runs, kept if it succeeds."""

    def __init__(self, clock):
        self.clock = clock
        self.lock = threading.Lock()
        self.keys = {}

    @staticmethod
    def check_format(key):
        if not UUID.match(key):
            raise LineError(400, "The value for the 'X-Line-Retry-Key' header is invalid")

    def claim(self, key, request_id):
        """Reserve `key` for this request or raise the 409 naming the first request."""
        now = self.clock.now()
        with self.lock:
            held = self.keys.get(key)
            if held is not None and now - held[1] < RETRY_KEY_TTL_S:
                raise LineError(409, RETRY_KEY_ACCEPTED,
                                headers={"x-line-accepted-request-id": held[0]},
                                extra=held[2])
            self.keys[key] = (request_id, now, {})

    def accept(self, key, extra):
        """Keep the key; `extra` (push's sentMessages) is repeated in later 409 bodies."""
        with self.lock:
            request_id, at, _ = self.keys[key]
            self.keys[key] = (request_id, at, extra)

    def release(self, key):
        with self.lock:
            self.keys.pop(key, None)

    def reset(self):
        with self.lock:
            self.keys.clear()


class TokenBucket:
    def __init__(self, capacity, window_s):
        self.capacity = float(capacity)
        self.refill_per_s = capacity / window_s
        self.level = float(capacity)
        self.stamp = time.monotonic()

    def take(self):
        now = time.monotonic()
        self.level = min(self.capacity, self.level + (now - self.stamp) * self.refill_per_s)
        self.stamp = now
        if self.level < 1:
            return False
        self.level -= 1
        return True


class RateLimiter:
    """One bucket per endpoint, sized by its class (`general`, `multicast`, ...) in config."""

    def __init__(self, config):
        self.config = config
        self.lock = threading.Lock()
        self.buckets = {}

    def hit(self, limit_class, endpoint):
        rate = self.config.rate_limits[limit_class]
        window = 3600 if limit_class in PER_HOUR_CLASSES else 1
        with self.lock:
            bucket = self.buckets.get(endpoint)
            if bucket is None or bucket.capacity != rate:
                bucket = self.buckets[endpoint] = TokenBucket(rate, window)
            allowed = bucket.take()
        if not allowed:
            raise LineError(429, RATE_LIMITED)

    def reset(self):
        with self.lock:
            self.buckets.clear()
