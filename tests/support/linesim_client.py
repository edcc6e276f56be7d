"""A thin client for linesim's `/_sim` control API, used by the product's tests and demos."""

import json
import urllib.error
import urllib.parse
import urllib.request


class LinesimError(RuntimeError):
    def __init__(self, status, body):
        super().__init__(f"linesim answered {status}: {body}")
        self.status = status
        self.body = body


class LinesimClient:
    def __init__(self, base_url, timeout=30.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _call(self, method, path, body=None, query=None, timeout=None):
        url = f"{self.base_url}/_sim{path}"
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        data = None if body is None else json.dumps(body).encode()
        # base_url is the http(s) address of a linesim the caller started.
        request = urllib.request.Request(url, data=data, method=method,  # noqa: S310
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(  # noqa: S310
                    request, timeout=timeout or self.timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as failure:
            raise LinesimError(failure.code, failure.read().decode()) from None

    def reset(self):
        return self._call("POST", "/reset")

    def config(self):
        return self._call("GET", "/config")

    def configure(self, **changes):
        return self._call("POST", "/config", changes)

    def add_user(self, display_name, **profile):
        """`profile`: userId, pictureUrl, statusMessage, language."""
        return self._call("POST", "/users", {"displayName": display_name, **profile})

    def add_friends(self, user_ids):
        """Many users at once, already friends (no webhook): for load runs."""
        return self._call("POST", "/users/bulk", {"userIds": list(user_ids)})["added"]

    def tally(self, tag, user_ids=None):
        """Users who got a message containing `tag` once / none / more; "outside": others."""
        body = {"tag": tag} if user_ids is None else {"tag": tag, "userIds": list(user_ids)}
        return self._call("POST", "/deliveries/tally", body, timeout=600)

    def users(self):
        return self._call("GET", "/users")["users"]

    def user(self, user_id):
        return self._call("GET", f"/users/{user_id}")

    def follow(self, user_id):
        return self._call("POST", f"/users/{user_id}/follow")

    def block(self, user_id):
        return self._call("POST", f"/users/{user_id}/block")

    def send_text(self, user_id, text):
        return self._call("POST", f"/users/{user_id}/text", {"text": text})

    def postback(self, user_id, data, params=None):
        body = {"data": data} if params is None else {"data": data, "params": params}
        return self._call("POST", f"/users/{user_id}/postback", body)

    def perform_action(self, user_id, action):
        """Tap a button or chip carrying a LINE action object (message, postback, uri)."""
        return self._call("POST", f"/users/{user_id}/action", {"action": action})

    def tap_rich_menu(self, user_id, area):
        return self._call("POST", f"/users/{user_id}/richmenu-tap", {"area": area})

    def inbox(self, user_id, min=0, timeout=0, after=0):  # noqa: A002 - mirrors the query
        query = {"min": min, "timeout": timeout, "after": after}
        found = self._call("GET", f"/users/{user_id}/inbox", query=query,
                           timeout=self.timeout + timeout)
        return found["messages"]

    def calls(self, path_prefix=None, limit=None):
        query = {"path_prefix": path_prefix, "limit": limit}
        return self._call("GET", "/calls", query=query)["calls"]

    def counters(self):
        return self._call("GET", "/counters")

    def set_faults(self, **faults):
        return self._call("POST", "/faults", faults)

    def clear_faults(self):
        return self._call("DELETE", "/faults")

    def webhooks(self):
        return self._call("GET", "/webhooks")["deliveries"]

    def redeliver(self, event_id):
        return self._call("POST", f"/webhooks/{event_id}/redeliver")

    def duplicate(self, event_id, copies):
        return self._call("POST", f"/webhooks/{event_id}/duplicate", {"copies": copies})

    def advance_clock(self, seconds):
        return self._call("POST", "/clock", {"advance_seconds": seconds})

    def set_clock(self, moment):
        """Put the platform's clock at `moment` (an aware datetime); it runs on from there."""
        return self._call("POST", "/clock", {"at": moment.timestamp()})

    def rich_menu_of(self, user_id):
        """The rich menu that applies to the user, or None when none does."""
        try:
            return self._call("GET", f"/richmenu/{user_id}")
        except LinesimError as failure:
            if failure.status == 404:
                return None
            raise
