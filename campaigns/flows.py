"""The follow-up flows, declared as data: what triggers each, its defaults, and the builder
that writes its message at send time (returning None when the reason to send has gone)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from campaigns import alerts
from campaigns.flow_params import InvalidParam, check_param, describe
from campaigns.models import FlowSetting
from core.extensions import db
from line import gates, sending


@dataclass(frozen=True)
class Flow:
    key: str
    name: str  # shown in the console
    promotional: bool  # counts against the daily cap
    defaults: dict = field(default_factory=dict)
    build: Callable | None = None  # (delivery, member, params) -> list[dict] | None
    # An answer to the shopper's own action (e.g. a receipt) goes out at once, even at night.
    quiet_hours: bool = True
    # Until a marketer switches it in the console (e.g. surveys: off until chosen).
    enabled_by_default: bool = True


FLOWS: dict[str, Flow] = {}


def register(flow: Flow) -> Flow:
    FLOWS[flow.key] = flow
    return flow


class InvalidSetting(ValueError):
    """Parameters that cannot be saved; `errors` maps each bad key to a Japanese message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


def params_for(flow_key: str) -> dict:
    """The flow's defaults overlaid with what the marketer set in the console.

    A stored value that is not valid (e.g. saved before settings were checked) gives way to
    its default, and an alert says so: one bad value must not stop this flow's messages,
    nor any other's planned alongside them (the receipt)."""
    defaults = FLOWS[flow_key].defaults
    setting = _setting(flow_key)
    stored = setting.params if setting and isinstance(setting.params, dict) else {}
    params = dict(defaults)
    for key, value in stored.items():
        if key not in defaults:
            continue
        try:
            params[key] = check_param(key, defaults[key], value)
        except InvalidParam as exc:
            alerts.bad_setting(flow_name=FLOWS[flow_key].name, problem=str(exc),
                               default=f"{describe(key).label} = {defaults[key]}")
    return params


def is_enabled(flow_key: str) -> bool:
    setting = _setting(flow_key)
    if setting is not None:
        return setting.enabled
    flow = FLOWS.get(flow_key)
    return flow.enabled_by_default if flow else True


def _setting(flow_key: str) -> FlowSetting | None:
    return db.session.scalar(select(FlowSetting).where(FlowSetting.flow == flow_key))


def check_params(flow_key: str, params: dict) -> dict:
    """The parameters, checked against the flow's defaults (type and range); InvalidSetting
    names every bad or unknown one."""
    defaults, checked, errors = FLOWS[flow_key].defaults, {}, {}
    for key, value in params.items():
        try:
            if key not in defaults:
                raise InvalidParam(f"「{key}」はこのフォローアップの設定ではありません。")
            checked[key] = check_param(key, defaults[key], value)
        except InvalidParam as exc:
            errors[key] = str(exc)
    if errors:
        raise InvalidSetting(errors)
    return checked


def save_setting(*, flow_key: str, enabled: bool, params: dict) -> FlowSetting:
    """Store a marketer's choice, checked first (InvalidSetting stores nothing). Caller commits."""
    checked = check_params(flow_key, params)
    setting = _setting(flow_key) or FlowSetting(flow=flow_key)
    setting.enabled, setting.params = enabled, checked
    db.session.add(setting)
    return setting


def at_send_time(delivery, now: datetime) -> sending.Skip | sending.Defer | None:
    """The flow's rules when its row comes due (line.sending asks): switched off, quiet hours,
    and its message, written now from what is true now."""
    flow = FLOWS[delivery.flow]
    if not is_enabled(flow.key):
        return sending.Skip("flow switched off")
    if flow.quiet_hours and (morning := gates.quiet_hours_end(now)) is not None:
        return sending.Defer(morning, "quiet hours")
    if delivery.messages is None:
        built = flow.build(delivery, delivery.member, params_for(flow.key))
        if not built:
            return sending.Skip("no longer relevant")
        delivery.messages = built  # fixed now: every retry sends exactly this
    return None
