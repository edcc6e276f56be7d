"""`make bench`: every benchmark in turn, each printing its own figures."""

import importlib
import sys

BENCHMARKS = ["linesim_multicast", "webhook_follow", "followups", "pos_scan", "daily_sweep"]


def main() -> None:
    for name in list(sys.argv[1:]) or BENCHMARKS:
        print(f"== {name}", flush=True)
        sys.argv = [f"bench.{name}"]  # each reads its own optional arguments at import
        importlib.import_module(f"bench.{name}").main()


if __name__ == "__main__":
    main()
