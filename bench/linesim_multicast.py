"""Measure linesim's multicast throughput: 500 recipients, 1 message per request.

    python bench/linesim_multicast.py [--url http://127.0.0.1:8081] [--seconds 10]

Without --url a linesim subprocess is started. Load comes from several client processes,
each with a few keep-alive connections, so the client's own GIL is not the bottleneck.
"""

import argparse
import http.client
import json
import multiprocessing
import os
import statistics
import sys
import threading
import time
import uuid
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.support.linesim_client import LinesimClient  # noqa: E402
from tests.support.linesim_server import start_linesim  # noqa: E402

TOKEN = "linesim-bench-token"  # noqa: S105 - a channel token only linesim knows
RECIPIENTS = 500


def prepare(base_url):
    """500 friends, no rate limit or quota in the way, and a token to send with."""
    client = LinesimClient(base_url)
    client.reset()
    client.configure(channel_tokens=[TOKEN], monthly_quota=None, webhook_url=None,
                     rate_limits={"multicast": 1_000_000})
    user_ids = []
    for index in range(RECIPIENTS):
        user = client.add_user(f"bench {index}")
        client.follow(user["userId"])
        user_ids.append(user["userId"])
    return user_ids


def _connection_loop(base_url, body, stop_at, latencies, failures):
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    while time.monotonic() < stop_at:
        headers["X-Line-Retry-Key"] = str(uuid.uuid4())
        started = time.perf_counter()
        connection.request("POST", "/v2/bot/message/multicast", body, headers)
        response = connection.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        if response.status != 200:
            failures.append(response.status)
    connection.close()


def _worker(base_url, body, stop_at, connections, results):
    latencies, failures = [], []
    threads = [threading.Thread(target=_connection_loop,
                                args=(base_url, body, stop_at, latencies, failures))
               for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put((latencies, failures))


def run(base_url, seconds, processes, connections):
    user_ids = prepare(base_url)
    body = json.dumps({"to": user_ids, "messages": [{"type": "text", "text": "セール開始"}]})
    results = multiprocessing.Queue()
    started = time.monotonic()
    stop_at = started + seconds
    workers = [multiprocessing.Process(target=_worker,
                                       args=(base_url, body.encode(), stop_at, connections,
                                             results))
               for _ in range(processes)]
    for worker in workers:
        worker.start()
    latencies, failures = [], []
    for _ in workers:
        got_latencies, got_failures = results.get()
        latencies += got_latencies
        failures += got_failures
    elapsed = time.monotonic() - started
    for worker in workers:
        worker.join()
    report(latencies, failures, elapsed, LinesimClient(base_url).counters())


def report(latencies, failures, elapsed, counters):
    latencies.sort()
    count = len(latencies)
    p99 = latencies[min(count - 1, int(count * 0.99))]
    print(f"requests:        {count} in {elapsed:.1f} s ({len(failures)} non-200)")
    print(f"requests/s:      {count / elapsed:.0f}")
    print(f"recipients/s:    {count * RECIPIENTS / elapsed:.0f}")
    print(f"latency p50:     {statistics.median(latencies) * 1e3:.1f} ms")
    print(f"latency p99:     {p99 * 1e3:.1f} ms")
    print(f"delivered:       {counters['messages_delivered']}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", help="a running linesim; default: start one")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--connections", type=int, default=4, help="per process")
    args = parser.parse_args()
    if args.url:
        run(args.url, args.seconds, args.processes, args.connections)
        return
    with start_linesim() as server:
        run(server.base_url, args.seconds, args.processes, args.connections)


if __name__ == "__main__":
    main()
