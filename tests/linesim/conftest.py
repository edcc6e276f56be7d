"""Fixtures: one linesim process per session, a fake product webhook, a fresh sim per test."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from linebot.v3.messaging import ApiClient, Configuration

from tests.linesim.helpers import CHANNEL_SECRET, CHANNEL_TOKEN
from tests.support.linesim_client import LinesimClient
from tests.support.linesim_server import start_linesim

DEFAULT_RATE_LIMITS = {"general": 2000, "multicast": 200, "narrowcast": 60, "broadcast": 60}


class WebhookReceiver:
    """Stands in for the product's webhook: records what arrives, answers `status`."""

    def __init__(self):
        self.status = 200
        self.received = []
        self.arrived = threading.Condition()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.url = f"http://127.0.0.1:{self.server.server_port}/callback"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handler_class(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.arrived:
                    receiver.received.append({"headers": dict(self.headers), "body": body})
                    receiver.arrived.notify_all()
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                return None

        return Handler

    def wait_for(self, count, timeout=5.0):
        """The first `count` deliveries, waiting until they have all arrived."""
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)

    def events(self):
        return [json.loads(item["body"])["events"][0] for item in self.received]

    def clear(self):
        with self.arrived:
            self.received.clear()
        self.status = 200


@pytest.fixture(scope="session")
def linesim_process():
    with start_linesim(channel_secret=CHANNEL_SECRET, channel_token=CHANNEL_TOKEN) as process:
        yield process


@pytest.fixture(scope="session")
def receiver():
    found = WebhookReceiver()
    yield found
    found.server.shutdown()


@pytest.fixture
def sim(linesim_process, receiver):
    """A reset simulator with default LINE limits, delivering to the receiver."""
    client = LinesimClient(linesim_process.base_url)
    client.reset()
    client.configure(webhook_url=receiver.url, channel_secret=CHANNEL_SECRET,
                     channel_tokens=[CHANNEL_TOKEN], monthly_quota=30000,
                     rate_limits=DEFAULT_RATE_LIMITS, allow_http_loopback=True)
    receiver.clear()
    return client


@pytest.fixture
def base_url(linesim_process):
    return linesim_process.base_url


@pytest.fixture
def line_api_client(sim, base_url):
    """The official SDK, pointed at linesim exactly as the product points it."""
    configuration = Configuration(host=base_url, access_token=CHANNEL_TOKEN)
    with ApiClient(configuration) as client:
        yield client


@pytest.fixture
def friend(sim):
    user = sim.add_user("山田 太郎", language="ja")
    sim.follow(user["userId"])
    return user
