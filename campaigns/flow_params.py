"""The follow-up parameters a marketer may set: what each means, its type (that of the flow's
default) and its sensible range. Checked when saved and again when used."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Param:
    label: str  # shown in the console and in error messages
    low: int = 0
    high: int = 1_000_000
    may_be_empty: bool = False  # a list that may have no items (e.g. no store: every store)
    max_items: int = 10


PARAMS = {
    "delay_minutes": Param("購入から送るまで（分）", 0, 7 * 24 * 60),
    "products": Param("おすすめ商品の数", 1, 10),  # one bubble each; LINE allows 12
    "delay_days": Param("購入から送るまで（日）", 0, 90),
    "days_before": Param("保証終了の何日前に送るか", 1, 365),
    "within_yen": Param("ランクアップまであと何円で送るか", 1, 1_000_000),
    "stages": Param("最後の購入から何日後に送るか（カンマ区切り）", 1, 3650),
    "with_coupon": Param("クーポンを付ける"),
    "after_purchases": Param("何回購入したら送るか", 1, 100),
    "after_days": Param("登録から何日後に送るか", 1, 3650),
    "stores": Param("対象の店舗ID（空欄はすべての店舗）", 1, 2**31 - 1, may_be_empty=True,
                    max_items=500),
    "ask_nps": Param("おすすめ度（0〜10）も聞く"),
}


class InvalidParam(ValueError):
    """A parameter value that cannot be used; the message is for the marketer."""


def describe(key: str) -> Param:
    return PARAMS.get(key) or Param(key)


def check_param(key: str, default, value):
    """`value` if it is a valid setting for `key` (same type as `default`, within range);
    InvalidParam with a Japanese message otherwise."""
    if isinstance(default, bool):
        return _boolean(key, value)
    if isinstance(default, int):
        return _integer(key, value)
    if isinstance(default, list):
        return _integer_list(key, value)
    raise InvalidParam(f"「{describe(key).label}」は変更できません。")


def _boolean(key: str, value) -> bool:
    if not isinstance(value, bool):
        raise InvalidParam(f"「{describe(key).label}」は「はい」か「いいえ」で指定してください。")
    return value


def _integer(key: str, value) -> int:
    param = describe(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidParam(f"「{param.label}」は整数で入力してください。")
    if not param.low <= value <= param.high:
        raise InvalidParam(
            f"「{param.label}」は{param.low:,}〜{param.high:,}の範囲で入力してください。")
    return value


def _integer_list(key: str, value) -> list[int]:
    param = describe(key)
    if param.may_be_empty and value == []:
        return []
    if not isinstance(value, list) or not value or len(value) > param.max_items:
        raise InvalidParam(
            f"「{param.label}」は1〜{param.max_items}個の整数をカンマ区切りで入力してください。")
    numbers = [_integer(key, item) for item in value]
    if len(set(numbers)) != len(numbers):
        raise InvalidParam(f"「{param.label}」に同じ値が重複しています。")
    return sorted(numbers)
