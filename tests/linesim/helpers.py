"""Test constants and raw HTTP calls to linesim, for requests the SDK would refuse to build."""

import json
import urllib.error
import urllib.request

CHANNEL_SECRET = "linesim-test-secret-0123456789ab"
CHANNEL_TOKEN = "linesim-test-token"


class Answer:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)


def call_line(base_url, method, path, body=None, token=CHANNEL_TOKEN, headers=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base_url + path, data=data, method=method)  # noqa: S310
    request.add_header("Content-Type", "application/json")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return Answer(response.status, response.headers, response.read())
    except urllib.error.HTTPError as failure:
        return Answer(failure.code, failure.headers, failure.read())


def push_text(base_url, to, text="こんにちは", **kwargs):
    body = {"to": to, "messages": [{"type": "text", "text": text}]}
    return call_line(base_url, "POST", "/v2/bot/message/push", body, **kwargs)
