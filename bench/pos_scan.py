"""Register API: scan latency at 32 concurrent registers, and purchase throughput.

    .venv/bin/python -m bench.pos_scan [seconds-per-phase [gunicorn-workers threads]]
    (DATABASE_URL / REDIS_URL optional; REDIS_URL's database is flushed)

Serves the product with gunicorn on loopback (bench.serve), gives 32 registers their own API
keys, then runs three phases from 4 client processes x 8 threads (one thread per register):
paced scans (a scan every ~0.5 s per register, like a busy shop), saturated scans (no pause),
and saturated purchases (2 lines, static member number, unique receipts).
"""

import http.client
import json
import multiprocessing
import random
import statistics
import sys
import time

from bench.serve import percentile, product

REGISTERS, PROCESSES = 32, 4
CLIENT_START_SECONDS = 3.0
MEMBERS, PRODUCTS = 2000, 500


def seed(env: dict) -> tuple[list[str], list[str], list[str]]:
    """Stores, 32 keyed registers, members and products, written through the app's models."""
    from app import create_app
    from catalog.models import Product, Store
    from core.extensions import db
    from core.settings import load_settings
    from members.models import Member
    from members.numbers import new_member_number
    from pos import keys
    from pos.models import Register

    app = create_app(load_settings(env))
    with app.app_context():
        store = Store(code="BENCH", name="ベンチ店")
        db.session.add(store)
        db.session.flush()
        registers = [Register(store_id=store.id, code=f"R{n}") for n in range(REGISTERS)]
        db.session.add_all(registers)
        members = [Member(member_number=new_member_number(), card_secret="A" * 32,
                          display_name=f"会員{n}") for n in range(MEMBERS)]
        products = [Product(sku=f"B-{n:03d}", name=f"商品{n}", category="c", price=1000)
                    for n in range(PRODUCTS)]
        db.session.add_all(members + products)
        api_keys = [keys.issue_api_key(register=r) for r in registers]
        db.session.commit()
        return api_keys, [m.member_number for m in members], [p.sku for p in products]


def register_loop(args) -> tuple[list[float], int, int]:
    base_url, key, phase, numbers, skus, start_at, stop_at, tag = args
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    latencies, failures, n = [], 0, 0
    # Every client process is up (its start-up costs CPU) before anyone is measured.
    time.sleep(max(0.0, start_at - time.time()))
    while time.time() < stop_at:
        path, body = _request(phase, numbers, skus, f"{tag}-{n}")
        started = time.perf_counter()
        connection.request("POST", path, json.dumps(body).encode(), headers)  # one send()
        answer = connection.getresponse()
        answer.read()
        latencies.append(time.perf_counter() - started)
        failures += answer.status != 200
        n += 1
        if phase == "paced":
            time.sleep(random.uniform(0.25, 0.75))  # noqa: S311 - think time, not security
    return latencies, failures, n


def _request(phase: str, numbers: list[str], skus: list[str], receipt: str):
    if phase != "purchase":
        return "/api/v1/scan", {"code": random.choice(numbers)}
    lines = [{"sku": sku, "quantity": 1, "unit_price": 1000} for sku in random.sample(skus, 2)]
    return "/api/v1/purchases", {"receipt_number": receipt, "lines": lines, "total": 2000,
                                 "purchased_at": "2026-11-23T12:00:00+09:00",
                                 "member_number": random.choice(numbers)}


def _process(args) -> list:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(args)) as pool:
        return list(pool.map(register_loop, args))


def run_phase(base_url, api_keys, numbers, skus, phase, seconds) -> dict:
    start_at = time.time() + CLIENT_START_SECONDS
    stop_at = start_at + seconds
    jobs = [(base_url, key, phase, numbers, skus, start_at, stop_at, f"{phase}-{i}")
            for i, key in enumerate(api_keys)]
    groups = [jobs[i::PROCESSES] for i in range(PROCESSES)]
    with multiprocessing.get_context("spawn").Pool(PROCESSES) as pool:
        results = [r for group in pool.map(_process, groups) for r in group]
    latencies = [v for lat, _, _ in results for v in lat]
    return {"phase": phase, "requests": len(latencies), "per_s": len(latencies) / seconds,
            "failures": sum(f for _, f, _ in results),
            "p50_ms": 1000 * statistics.median(latencies),
            "p95_ms": 1000 * percentile(latencies, 0.95),
            "p99_ms": 1000 * percentile(latencies, 0.99)}


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10
    workers, threads = (int(v) for v in (sys.argv[2:4] if len(sys.argv) > 3 else (4, 8)))
    with product(workers=workers, threads=threads) as (base_url, env):
        api_keys, numbers, skus = seed(env)
        backend = env["DATABASE_URL"].split(":", 1)[0]
        print(f"backend {backend}, {REGISTERS} registers, {seconds:.0f} s per phase, "
              f"gunicorn {workers} workers x {threads} threads")
        run_phase(base_url, api_keys, numbers, skus, "saturated", 2)  # warm every worker up
        for phase in ("paced", "saturated", "purchase"):
            row = run_phase(base_url, api_keys, numbers, skus, phase, seconds)
            print(f"{row['phase']:>10}: {row['requests']:6d} req {row['per_s']:7.1f}/s  "
                  f"p50 {row['p50_ms']:6.1f} ms  p95 {row['p95_ms']:6.1f} ms  "
                  f"p99 {row['p99_ms']:6.1f} ms  failures {row['failures']}")


if __name__ == "__main__":
    main()
