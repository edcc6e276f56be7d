"""A live HTTP server running the product in a thread, for tests that come in over the network
(webhooks from the local LINE platform, browsers)."""

import threading

import pytest
from werkzeug.serving import make_server


class LiveServer:
    def __init__(self, app, port=0):
        self._server = make_server("127.0.0.1", port, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_server(app, db, live_port):
    """The product at PUBLIC_BASE_URL, so LINE (linesim) and browsers can reach it."""
    server = LiveServer(app, live_port).start()
    yield server
    server.stop()
