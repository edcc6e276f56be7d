"""Users, their inboxes and the API call log, all in memory behind one lock.

One `Record` is stored per accepted send and only a reference to it is appended to each
recipient's inbox, so a 500-recipient multicast costs 500 list appends, not 500 dicts.
"""

import contextlib
import datetime
import os
import re
import secrets
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field

from linesim.errors import MONTHLY_LIMIT, LineError

NEW, FRIEND, BLOCKED = "new", "friend", "blocked"
CALL_LOG_SIZE = 5000
USER_ID_PATTERN = re.compile(r"U[0-9a-f]{32}")


class Clock:
    """Wall time plus an offset tests can advance, so expiry needs no real sleeping.

    Like the product, it starts at TEST_CLOCK_AT (shifted from the real moment recorded in
    TEST_CLOCK_STARTED) when a test run sets it, so webhook timestamps and token expiry agree
    with the product's clock."""

    def __init__(self):
        self.base_offset = _test_clock_offset(os.environ)
        self.offset = 0.0

    def now(self):
        return time.time() + self.base_offset + self.offset


def _test_clock_offset(environ):
    raw = environ.get("TEST_CLOCK_AT", "").strip()
    if not raw:
        return 0.0
    moment = datetime.datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        raise SystemExit("TEST_CLOCK_AT needs an offset, e.g. 2026-11-24T21:30:00+09:00")
    started = float(environ.setdefault("TEST_CLOCK_STARTED", repr(time.time())))
    return moment.timestamp() - started


def new_user_id():
    return "U" + secrets.token_hex(16)


@dataclass(slots=True)  # slots: a million bulk-added users stay a few hundred bytes each
class User:
    user_id: str
    display_name: str
    picture_url: str | None = None
    status_message: str | None = None
    language: str | None = None
    state: str = NEW
    inbox: list = field(default_factory=list)
    said: list = field(default_factory=list)

    def to_json(self):
        data = {"userId": self.user_id, "displayName": self.display_name, "state": self.state}
        for key, value in (("pictureUrl", self.picture_url), ("statusMessage", self.status_message),
                           ("language", self.language)):
            if value is not None:
                data[key] = value
        return data


@dataclass(slots=True)
class Record:
    """One accepted send; its messages get consecutive sequence numbers from `first_seq`."""

    first_seq: int
    at: float
    endpoint: str
    retry_key: str | None
    request_id: str
    messages: list

    def entries(self, after):
        for index, message in enumerate(self.messages):
            seq = self.first_seq + index
            if seq > after:
                yield {"seq": seq, "at": self.at, "endpoint": self.endpoint,
                       "retryKey": self.retry_key, "requestId": self.request_id,
                       "message": message}


class State:
    def __init__(self, clock):
        self.clock = clock
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.in_flight = 0  # not reset: requests being served finish after a reset
        self.reset()

    def reset(self):
        with self.lock:
            self.users = {}
            self.next_seq = 1
            self.calls = deque(maxlen=CALL_LOG_SIZE)
            self.call_counts = Counter()
            self.delivered = 0
            self.dropped = 0
            self.quota_used = 0
            self.narrowcasts = {}
            self.changed.notify_all()

    def add_user(self, display_name, user_id=None, **profile):
        user = User(user_id=user_id or new_user_id(), display_name=display_name, **profile)
        with self.lock:
            if user.user_id in self.users:
                raise ValueError(f"user {user.user_id} already exists")
            self.users[user.user_id] = user
        return user

    def add_friends(self, user_ids, display_name="bulk"):
        """Many users at once who are already friends (no follow webhook): for load runs.
        Refuses the whole list if one id exists already. Returns how many were added."""
        with self.lock:
            clash = next((u for u in user_ids if u in self.users), None)
            if clash is not None:
                raise ValueError(f"user {clash} already exists")
            for user_id in user_ids:
                self.users[user_id] = User(user_id=user_id, display_name=display_name,
                                           state=FRIEND)
        return len(user_ids)

    def tally(self, tag, user_ids=None):
        """How many users got a message whose text contains `tag` in exactly one accepted
        request, in none, or in more than one: among `user_ids` (and how many others got it),
        or among all users. Counted per request (a record), not per speech bubble."""
        with self.lock:
            wanted = set(user_ids) if user_ids is not None else None
            counts = {"users": 0, "none": 0, "once": 0, "more": 0, "outside": 0}
            marked = {}  # id(record) -> carries the tag, computed once per shared record
            for user in self.users.values():
                got = 0
                for record in user.inbox:
                    key = id(record)
                    if key not in marked:
                        marked[key] = any(tag in (m.get("text") or "") for m in record.messages)
                    got += marked[key]
                if wanted is not None and user.user_id not in wanted:
                    counts["outside"] += got > 0
                    continue
                counts["users"] += 1
                counts["none" if got == 0 else "once" if got == 1 else "more"] += 1
            return counts

    def all_users(self):
        with self.lock:
            return list(self.users.values())

    def friends(self):
        with self.lock:
            return [user for user in self.users.values() if user.state == FRIEND]

    def take_seq(self, count):
        seq = self.next_seq
        self.next_seq += count
        return seq

    def deliver(self, endpoint, user_ids, messages, request_id, retry_key=None, quota=None):
        """Append one record to every friend's inbox; others are dropped, as LINE drops them.

        `quota` is the monthly limit for endpoints that count against it (not reply).
        Returns (delivered, dropped) recipient counts.
        """
        with self.lock:
            users = self.users
            friends = [u for u in map(users.get, user_ids) if u is not None and u.state == FRIEND]
            if quota is not None and self.quota_used + len(friends) > quota:
                raise LineError(429, MONTHLY_LIMIT)
            record = Record(self.take_seq(len(messages)), self.clock.now(), endpoint,
                            retry_key, request_id, messages)
            for user in friends:
                user.inbox.append(record)
            dropped = len(user_ids) - len(friends)
            self.delivered += len(friends) * len(messages)
            self.dropped += dropped * len(messages)
            if quota is not None:
                self.quota_used += len(friends)
            self.changed.notify_all()
        return len(friends), dropped

    def note_user_said(self, user, text):
        """Keep what the user 'typed' so the chat screen can show both sides."""
        with self.lock:
            user.said.append({"seq": self.take_seq(1), "at": self.clock.now(), "text": text})
            self.changed.notify_all()

    def inbox(self, user, minimum=0, timeout=0.0, after=0):
        """Messages after `after`, waiting up to `timeout` s until at least `minimum` are there."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                found = self._entries(user, after)
                remaining = deadline - time.monotonic()
                if len(found) >= minimum or remaining <= 0:
                    return found
                self.changed.wait(remaining)

    def timeline(self, user, after=0, timeout=0.0):
        """Both sides of the chat after `after`, waiting up to `timeout` s for anything new."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                said = [dict(item, side="user") for item in user.said if item["seq"] > after]
                found = [dict(item, side="bot") for item in self._entries(user, after)] + said
                remaining = deadline - time.monotonic()
                if found or remaining <= 0:
                    return sorted(found, key=lambda item: item["seq"])
                self.changed.wait(remaining)

    @staticmethod
    def _entries(user, after):
        found = []
        for record in reversed(user.inbox):
            if record.first_seq + len(record.messages) - 1 <= after:
                break
            found.extend(reversed(list(record.entries(after))))
        found.reverse()
        return found

    def log_call(self, method, path, status, request_id, retry_key, accepted_id, body):
        """Raw body bytes are kept and decoded only when the log is read."""
        with self.lock:
            self.calls.append((self.clock.now(), method, path, status, retry_key, request_id,
                               accepted_id, body))
            self.call_counts[(path_family(path), status)] += 1

    def counters(self):
        with self.lock:
            per_endpoint = {}
            for (family, status), count in self.call_counts.items():
                per_endpoint.setdefault(family, {})[str(status)] = count
            return {"calls": per_endpoint, "messages_delivered": self.delivered,
                    "messages_dropped": self.dropped, "quota_used": self.quota_used,
                    "in_flight": self.in_flight}

    @contextlib.contextmanager
    def serving(self):
        """Count a Messaging API request while it is being served."""
        with self.lock:
            self.in_flight += 1
        try:
            yield
        finally:
            with self.lock:
                self.in_flight -= 1


def path_family(path):
    """Group paths carrying ids (`/v2/bot/profile/U123`) under one counter name."""
    parts = path.split("/")
    return "/".join(part if not _looks_like_id(part) else "{id}" for part in parts)


def _looks_like_id(part):
    return part.startswith(("U", "richmenu-")) and len(part) >= 33
