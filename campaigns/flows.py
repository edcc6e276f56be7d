"""The follow-up flows, declared as data: what triggers each, its defaults, and the builder
that writes its message at send time (returning None when the reason to send has gone)."""

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from campaigns.models import FlowSetting
from core.extensions import db


@dataclass(frozen=True)
class Flow:
    key: str
    name: str  # shown in the console
    promotional: bool  # counts against the daily cap
    defaults: dict = field(default_factory=dict)
    build: Callable | None = None  # (delivery, member, params) -> list[dict] | None
    # An answer to the shopper's own action (e.g. a receipt) goes out at once, even at night.
    quiet_hours: bool = True


FLOWS: dict[str, Flow] = {}


def register(flow: Flow) -> Flow:
    FLOWS[flow.key] = flow
    return flow


def params_for(flow_key: str) -> dict:
    """The flow's defaults overlaid with what the marketer set in the console."""
    setting = _setting(flow_key)
    return {**FLOWS[flow_key].defaults, **(setting.params if setting else {})}


def is_enabled(flow_key: str) -> bool:
    setting = _setting(flow_key)
    return setting.enabled if setting else True


def _setting(flow_key: str) -> FlowSetting | None:
    return db.session.scalar(select(FlowSetting).where(FlowSetting.flow == flow_key))


def save_setting(*, flow_key: str, enabled: bool, params: dict) -> FlowSetting:
    """Store a marketer's choice; unknown parameters are refused. Caller commits."""
    unknown = set(params) - set(FLOWS[flow_key].defaults)
    if unknown:
        raise ValueError(f"unknown parameters for {flow_key}: {sorted(unknown)}")
    setting = _setting(flow_key) or FlowSetting(flow=flow_key)
    setting.enabled, setting.params = enabled, params
    db.session.add(setting)
    return setting
