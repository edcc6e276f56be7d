"""Signed webhook delivery to the product, with a log for redelivery and duplicates."""

import base64
import copy
import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def signature(channel_secret, body):
    """X-Line-Signature: base64(HMAC-SHA256(channel secret, raw body bytes))."""
    digest = hmac.new(channel_secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def encode_body(destination, events):
    payload = {"destination": destination, "events": events}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def post_signed(url, secret, body, timeout_s):
    """POST like LINE does; returns {status, error, ms} and never raises."""
    started = time.perf_counter()
    status, error = None, None
    # The URL comes from config and is checked to be http(s) by `Config.update`.
    request = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "LineBotWebhook/2.0",
        "X-Line-Signature": signature(secret, body),
    })
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as failure:
        status, error = failure.code, f"HTTP {failure.code}"
    except (OSError, ValueError) as failure:
        error = f"{type(failure).__name__}: {failure}"
    return {"status": status, "error": error, "ms": round((time.perf_counter() - started) * 1e3, 2)}


def succeeded(result):
    return result["status"] is not None and 200 <= result["status"] < 300


class Webhooks:
    def __init__(self, config):
        self.config = config
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.deliveries = []
            self.sent_bodies = {}

    def deliver(self, event):
        """Send one new event now; the product's answer is returned to the control caller."""
        body = encode_body(self.config.bot_user_id, [event])
        with self.lock:
            self.sent_bodies[event["webhookEventId"]] = (event, body)
        return self._send(event, body)

    def redeliver(self, event_id):
        """Send a recorded event again, flagged as LINE flags redeliveries."""
        event = copy.deepcopy(self._original(event_id)[0])
        event["deliveryContext"]["isRedelivery"] = True
        return self._send(event, encode_body(self.config.bot_user_id, [event]))

    def duplicate(self, event_id, copies):
        """The byte-identical original body `copies` times at once (at-least-once delivery)."""
        event, body = self._original(event_id)
        with ThreadPoolExecutor(max_workers=max(1, min(copies, 32))) as pool:
            results = list(pool.map(lambda _: self._send(event, body), range(copies)))
        return [result["status"] for result in results]

    def _original(self, event_id):
        with self.lock:
            found = self.sent_bodies.get(event_id)
        if found is None:
            raise KeyError(event_id)
        return found

    def _send(self, event, body):
        url, secret = self.config.webhook_url, self.config.channel_secret
        if url:
            result = post_signed(url, secret, body, self.config.webhook_timeout_s)
        else:
            result = {"status": None, "error": "no webhook URL configured", "ms": 0.0}
        with self.lock:
            self.deliveries.append({
                "webhookEventId": event["webhookEventId"], "status": result["status"],
                "error": result["error"], "ms": result["ms"],
                "isRedelivery": event["deliveryContext"]["isRedelivery"], "body": body,
            })
        return result

    def log(self):
        with self.lock:
            entries = list(self.deliveries)
        return [dict(entry, body=json.loads(entry["body"])) for entry in entries]
