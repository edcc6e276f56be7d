"""Where each dashboard figure leads: the member (or purchase) list filtered to the members
behind it, and, where the figure maps onto segment conditions, the segment builder filled in
with them (配信対象として保存)."""

import json
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from flask import current_app, url_for

from admin.dashboard_sections_dates import month_bounds


@dataclass(frozen=True)
class Link:
    members: str | None = None  # the filtered list
    segment: str | None = None  # the segment builder with the conditions


def _condition(field, op, value) -> dict:
    return {"field": field, "op": op, "value": value}


class Links:
    def __init__(self, *, current: str, today: date, parameters: dict):
        self.current, self.today, self.p = current, today, parameters
        self._filters = {endpoint: _filter_args(endpoint) for endpoint in ("member", "purchase")}

    # -- member states -----------------------------------------------------------------------
    def state(self, key: str, period: str | None) -> Link:
        """Light / full / blocked / withdrawn now; for past months, who had joined by then."""
        if period not in (None, self.current):
            return self._joined_before(period)
        membership = {"light": "light", "full": "full"}.get(key)
        status = {"blocked": "blocked", "withdrawn": "withdrawn"}.get(key, "followed")
        members = [("membership", "EnumEquals", membership)] if membership else []
        conditions = [_condition("membership", "is", membership)] if membership else []
        conditions.append(_condition("follow_status", "is", status))
        return Link(self._list("member", members + [("follow_status", "EnumEquals", status)]),
                    None if key == "withdrawn" else self._segment(key, conditions))

    def rank(self, key: str, period: str) -> Link:
        if period != self.current:
            return self._joined_before(period)
        return Link(self._list("member", [("rank", "EnumEquals", key)]),
                    self._segment(f"ランク {key}", [_condition("rank", "is", key)]))

    def rfm(self, key: str, period: str) -> Link:
        """The RFM group now, as segment conditions (days since the last purchase, purchases
        over ten years standing in for purchases so far)."""
        if period != self.current:
            return self._joined_before(period)
        p = self.p
        since = {"loyal": (None, p["active_days"]), "stable": (None, p["active_days"]),
                 "new": (None, p["active_days"]),
                 "at_risk": (p["active_days"] + 1, p["at_risk_days"]),
                 "dormant": (p["at_risk_days"] + 1, p["dormant_days"]),
                 "lost": (p["dormant_days"] + 1, None)}[key]
        conditions = []
        if since[0] is not None:
            conditions.append(_condition("days_since_last_purchase", "gte", since[0]))
        if since[1] is not None:
            conditions.append(_condition("days_since_last_purchase", "lte", since[1]))
        count = {"loyal": (p["loyal_purchases"], None),
                 "stable": (p["stable_purchases"], p["loyal_purchases"] - 1),
                 "new": (None, p["stable_purchases"] - 1)}.get(key, (None, None))
        for op, n in zip(("gte", "lte"), count, strict=True):
            if n is not None:
                conditions.append(_condition("purchase_count", op, {"days": 3650, "count": n}))
        return Link(None, self._segment(f"RFM {key}", conditions))

    # -- cohorts -----------------------------------------------------------------------------
    def joined(self, period: str, *, purchased=False, upgraded=False) -> Link:
        start, end = month_bounds(period)
        members = [("joined_at", "DateTimeBetweenFilter", _between(start, end))]
        conditions = [_condition("joined", "after", start.isoformat()),
                      _condition("joined", "before", end.isoformat())]
        if upgraded:
            members.append(("membership", "EnumEquals", "full"))
            conditions.append(_condition("membership", "is", "full"))
        if purchased:
            conditions.append(_condition("purchase_history", "is", "ever"))
        return Link(None if purchased else self._list("member", members),
                    self._segment(f"{period} 登録", conditions))

    def first_purchase(self, period: str) -> Link:
        start, end = month_bounds(period)
        return Link(None, self._segment(f"{period} 初回購入", [
            _condition("first_purchase", "after", start.isoformat()),
            _condition("first_purchase", "before", end.isoformat())]))

    def purchases(self, period: str) -> Link:
        start, end = month_bounds(period)
        return Link(self._list("purchase", [
            ("purchased_at", "DateTimeBetweenFilter", _between(start, end)),
            ("status", "EnumEquals", "completed")]))

    def message(self, key: str, period: str) -> Link:
        kind, ident = key.split(":", 1)
        if kind == "broadcast":
            return Link(None, self._segment("一斉配信の受信者", [
                _condition("broadcast", "received", int(ident))]))
        days = {"last30": 30, "last90": 90}.get(period)
        if days is None:  # a month: from its first day until today
            days = (self.today - month_bounds(period)[0]).days + 1
        return Link(None, self._segment("フォローアップの受信者", [
            _condition("follow_up", "received", {"flow": ident, "days": min(days, 3650)})]))

    # -- building ----------------------------------------------------------------------------
    def _joined_before(self, period: str) -> Link:
        end = month_bounds(period)[1]
        return Link(self._list("member", [("joined_at", "DateTimeSmallerFilter",
                                           f"{end.isoformat()} 00:00:00")]),
                    self._segment(f"{period}末までに登録", [
                        _condition("joined", "before", end.isoformat())]))

    def _list(self, endpoint: str, filters: list[tuple[str, str, str]]) -> str | None:
        args = {}
        for n, (column, kind, value) in enumerate(filters):
            arg = self._filters[endpoint].get((column, kind))
            if arg is None:
                return None
            args[f"flt{n}_{arg}"] = value
        return url_for(f"{endpoint}.index_view") + "?" + urlencode(args)

    def _segment(self, name: str, conditions: list[dict]) -> str:
        definition = {"match": "all", "groups": [{"match": "all", "conditions": conditions}]}
        return url_for("segments.new", name=name, definition=json.dumps(definition,
                                                                         ensure_ascii=False))


def _between(start: date, end: date) -> str:
    last = end - timedelta(days=1)
    return f"{start.isoformat()} 00:00:00 to {last.isoformat()} 23:59:59"


def _filter_args(endpoint: str) -> dict[tuple[str, str], str]:
    """(column, filter class) -> the list view's URL argument for that filter."""
    for console in current_app.extensions.get("admin", []):
        for view in console._views:
            if view.endpoint == endpoint and getattr(view, "_filter_args", None):
                return {(getattr(flt.column, "key", None), type(flt).__name__): arg
                        for arg, (_, flt) in view._filter_args.items()}
    return {}
