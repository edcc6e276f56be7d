"""Webhook acknowledgement: signed follow events POSTed to /callback, as LINE sends them.

Measures events/s and latency of the 200 (signature check, event ledger insert, job enqueue),
side by side for one event per request and for five (LINE batches events).
Run: .venv/bin/python -m bench.webhook_follow [seconds]   (DATABASE_URL/REDIS_URL optional)
"""

import base64
import hashlib
import hmac
import http.client
import json
import sys
import threading
import time
import uuid

from bench.serve import percentile, product

CLIENTS = 8
SECRET = b"bench-secret"


def follow_body(events_per_request: int) -> tuple[bytes, str]:
    events = [{"type": "follow", "mode": "active", "timestamp": int(time.time() * 1000),
               "webhookEventId": uuid.uuid4().hex[:26].upper(),
               "deliveryContext": {"isRedelivery": False}, "replyToken": uuid.uuid4().hex,
               "source": {"type": "user", "userId": "U" + uuid.uuid4().hex},
               "follow": {"isUnblocked": False}} for _ in range(events_per_request)]
    raw = json.dumps({"destination": "U" + "0" * 32, "events": events}).encode()
    signature = base64.b64encode(hmac.new(SECRET, raw, hashlib.sha256).digest()).decode()
    return raw, signature


def run_clients(base_url: str, seconds: float, events_per_request: int) -> dict:
    host, port = base_url.removeprefix("http://").split(":")
    latencies, errors, stop_at = [], [], time.monotonic() + seconds
    bodies = [follow_body(events_per_request) for _ in range(int(seconds * 2500 / CLIENTS) + 50)]
    lock = threading.Lock()

    def client(offset: int):
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        mine = []
        for raw, signature in bodies[offset::CLIENTS]:
            if time.monotonic() > stop_at:
                break
            started = time.perf_counter()
            connection.request("POST", "/callback", raw, {"X-Line-Signature": signature,
                                                          "Content-Type": "application/json"})
            answer = connection.getresponse()
            answer.read()
            mine.append(time.perf_counter() - started)
            if answer.status != 200:
                errors.append(answer.status)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    return {"events_per_request": events_per_request, "requests": len(latencies),
            "events_per_s": round(len(latencies) * events_per_request / elapsed),
            "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 1), "errors": len(errors)}


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 8
    with product() as (base_url, env):
        print(f"database: {env['DATABASE_URL'].split('://')[0]}, clients: {CLIENTS}")
        for per_request in (1, 5):
            print(json.dumps(run_clients(base_url, seconds, per_request)))


if __name__ == "__main__":
    main()
