"""Injected failures for Messaging API endpoints, so the product's retries can be tested."""

import random
import threading
import time

from linesim.errors import RATE_LIMITED, LineError

SERVER_ERROR = "Internal server error"


class Faults:
    FIELDS = ("latency_ms", "error_rate", "timeout_rate", "timeout_s", "burst_429", "path_prefix")

    def __init__(self):
        self.lock = threading.Lock()
        self.clear()

    def clear(self):
        with self.lock:
            self.latency_ms = 0
            self.error_rate = 0.0
            self.timeout_rate = 0.0
            self.timeout_s = 30.0
            self.burst_429 = 0
            self.path_prefix = ""  # only calls under this path (e.g. the reply endpoint) fail

    def set(self, changes):
        unknown = set(changes) - set(self.FIELDS)
        if unknown:
            raise ValueError(f"unknown fault keys: {sorted(unknown)}")
        with self.lock:
            for key, value in changes.items():
                setattr(self, key, value)
        return self.to_json()

    def to_json(self):
        return {name: getattr(self, name) for name in self.FIELDS}

    def apply(self, path=""):
        """Delay, then maybe fail, the request about to be served."""
        if not path.startswith(self.path_prefix):
            return
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        if self.timeout_rate and random.random() < self.timeout_rate:
            # The caller's client should give up first; if it waits, it gets a 500.
            time.sleep(self.timeout_s)
            raise LineError(500, SERVER_ERROR)
        if self.error_rate and random.random() < self.error_rate:
            raise LineError(500, SERVER_ERROR)
        if self._take_burst():
            raise LineError(429, RATE_LIMITED)

    def _take_burst(self):
        with self.lock:
            if self.burst_429 <= 0:
                return False
            self.burst_429 -= 1
            return True

    def active(self):
        return bool(self.latency_ms or self.error_rate or self.timeout_rate or self.burst_429)
