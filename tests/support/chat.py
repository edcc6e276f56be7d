"""Chat transcripts against the local LINE platform: a shopper acts in LINE, the product's
webhook receives it over HTTP, the worker runs the jobs, and we read what the phone received.
"""

import contextvars
from urllib.parse import urlsplit

import pytest
from rq import SimpleWorker

from core import jobs
from tests.support.linesim_client import LinesimClient

LINE_RATE_LIMITS = {"general": 2000, "multicast": 200, "narrowcast": 60, "broadcast": 60}


class Worker:
    """Runs queued jobs to completion, as `flask worker --burst` would, in this process."""

    def __init__(self, app):
        self.app = app

    def drain(self) -> None:
        contextvars.Context().run(self._drain)

    def call(self, job, *args):
        """Run one job function as the worker would (own app context and session)."""
        return contextvars.Context().run(self._call, job, *args)

    def _call(self, job, *args):
        with self.app.app_context():
            return job(*args)

    def _drain(self) -> None:
        with self.app.app_context():
            queues = [jobs.queue(name) for name in jobs.QUEUES]
            SimpleWorker(queues, connection=jobs.connection()).work(
                burst=True, with_scheduler=False, logging_level="WARNING")


class Shopper:
    """One simulated LINE user. Each action returns the bot's messages it caused."""

    def __init__(self, sim: LinesimClient, worker: Worker, user: dict):
        self.sim, self.worker, self.user = sim, worker, user
        self.user_id = user["userId"]
        self._seen = 0

    def _act(self, result: dict) -> list[dict]:
        assert result["delivery"]["status"] == 200, result["delivery"]
        self.worker.drain()
        return self.new_messages()

    def new_messages(self) -> list[dict]:
        received = self.sim.inbox(self.user_id, after=self._seen)
        if received:
            self._seen = received[-1]["seq"]
        return [item["message"] for item in received]

    def adds_friend(self) -> list[dict]:
        return self._act(self.sim.follow(self.user_id))

    def blocks(self) -> list[dict]:
        return self._act(self.sim.block(self.user_id))

    def says(self, text: str) -> list[dict]:
        return self._act(self.sim.send_text(self.user_id, text))

    def taps(self, data: str) -> list[dict]:
        return self._act(self.sim.postback(self.user_id, data))


def texts(messages: list[dict]) -> list[str]:
    return [m["text"] for m in messages if m["type"] == "text"]


def fetch(client, url: str):
    """GET a PUBLIC_BASE_URL link through the test client (same app, no network)."""
    parts = urlsplit(url)
    return client.get(parts.path + (f"?{parts.query}" if parts.query else ""))


def _nodes(node):
    """Every dict inside a Flex structure, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


def flex_texts(message: dict) -> list[str]:
    """Every text inside a Flex message, in document order."""
    return [n["text"] for n in _nodes(message.get("contents")) if n.get("type") == "text"]


def image_urls(message: dict) -> list[str]:
    return [n["url"] for n in _nodes(message.get("contents")) if n.get("type") == "image"]


def actions(message: dict) -> list[dict]:
    """Button actions of a Flex message and its quick replies."""
    found = [n["action"] for n in _nodes(message.get("contents")) if n.get("type") == "button"]
    return found + [item["action"] for item in message.get("quickReply", {}).get("items", [])]


@pytest.fixture
def worker(app, redis):
    return Worker(app)


@pytest.fixture
def linesim(linesim_process, live_server, session):
    sim = LinesimClient(linesim_process.base_url)
    sim.reset()  # keeps config, so put back what tests may change
    sim.configure(webhook_url=f"{live_server.url}/callback", monthly_quota=30000,
                  rate_limits=LINE_RATE_LIMITS)
    return sim


@pytest.fixture
def shopper(linesim, worker):
    """A new simulated LINE user (not yet a friend); call shopper("名前") for more."""

    def new(display_name="山田花子"):
        return Shopper(linesim, worker, linesim.add_user(display_name))

    return new
