"""`python -m linesim --host 127.0.0.1 --port 8081 [...]`"""

import argparse
import os
import sys

from linesim.app import create_app
from linesim.config import config_from_environment
from linesim.server import serve


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="linesim", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("LINESIM_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("LINESIM_PORT", 8081)))
    parser.add_argument("--webhook-url")
    parser.add_argument("--channel-secret")
    parser.add_argument("--channel-token")
    parser.add_argument("--monthly-quota", type=int)
    return parser.parse_args(argv)


def build_config(args):
    config = config_from_environment()
    if args.webhook_url:
        config.webhook_url = args.webhook_url
    if args.channel_secret:
        config.channel_secret = args.channel_secret
    if args.channel_token:
        config.channel_tokens = [args.channel_token]
    if args.monthly_quota is not None:
        config.monthly_quota = args.monthly_quota
    config.check()
    return config


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    app = create_app(build_config(args))
    serve(app, args.host, args.port, on_ready=lambda line: print(line, flush=True))


if __name__ == "__main__":
    main()
