"""Start linesim as a subprocess on a free port, for tests, demos and benchmarks."""

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request

READY_PREFIX = "linesim listening on "
CONFIG_FLAGS = {"webhook_url": "--webhook-url", "channel_secret": "--channel-secret",
                "channel_token": "--channel-token", "monthly_quota": "--monthly-quota"}


def free_port(host="127.0.0.1"):
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class LinesimProcess:
    """A running `python -m linesim`; stop it with `.stop()` or use it as a context manager."""

    def __init__(self, process, base_url):
        self.process = process
        self.base_url = base_url

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()


def start_linesim(host="127.0.0.1", port=None, timeout=20.0, **config):
    """Start linesim with CLI `config` (webhook_url, channel_secret, channel_token,
    monthly_quota) and wait until it answers; anything else is set through /_sim/config."""
    port = port or free_port(host)
    command = [sys.executable, "-m", "linesim", "--host", host, "--port", str(port)]
    extra = {}
    for key, value in config.items():
        if key in CONFIG_FLAGS and value is not None:
            command += [CONFIG_FLAGS[key], str(value)]
        else:
            extra[key] = value
    process = subprocess.Popen(command, cwd=_repo_root(), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    base_url = f"http://{host}:{port}"
    _wait_until_ready(process, timeout)
    threading.Thread(target=_drain, args=(process.stdout,), daemon=True).start()
    running = LinesimProcess(process, base_url)
    if extra:
        from tests.support.linesim_client import LinesimClient

        LinesimClient(base_url).configure(**extra)
    return running


def _repo_root():
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _wait_until_ready(process, timeout):
    deadline = time.monotonic() + timeout
    output = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            raise RuntimeError("linesim exited before it was ready:\n" + "".join(output))
        output.append(line)
        if line.startswith(READY_PREFIX):
            _check_answers(line[len(READY_PREFIX):].strip())
            return
    process.kill()
    raise RuntimeError("linesim did not start in time:\n" + "".join(output))


def _check_answers(base_url):
    # base_url is the loopback address linesim just printed.
    with urllib.request.urlopen(base_url + "/_sim/config", timeout=5) as response:  # noqa: S310
        response.read()


def _drain(stream):
    """Keep reading the child's output so a full pipe never blocks it."""
    for _line in stream:
        pass
