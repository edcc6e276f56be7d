"""Segments (配信対象): a definition of conditions in AND / OR groups, checked, then compiled to
one SQL query over members (the conditions themselves are in campaigns.segment_fields).

{"match": "all"|"any", "groups": [{"match": "all"|"any", "conditions": [
    {"field": "membership", "op": "is", "value": "light"},
    {"field": "bought_at_store", "op": "within_days", "value": {"store": 3, "days": 30}}]}]}
"""

from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError

from campaigns.models import Broadcast, Segment
from campaigns.segment_fields import FIELDS, Param, Window, combine, reachable
from catalog.models import Product, Store
from core.clock import utcnow
from core.extensions import db
from coupons.models import CouponDefinition
from members.models import Member

MATCHES = {"all": "すべて満たす", "any": "いずれかを満たす"}
MAX_GROUPS, MAX_CONDITIONS = 10, 20
MAX_NAME = 100


class InvalidSegment(ValueError):
    """A definition (or name) that cannot be used; `errors` maps where to a Japanese message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


# --- checking ----------------------------------------------------------------------------------

def check_definition(definition: dict) -> dict:
    """The definition in its normal form (ints as ints, known keys only), or InvalidSegment."""
    errors: dict[str, str] = {}
    if not isinstance(definition, dict):
        raise InvalidSegment({"definition": "条件の形式が正しくありません。"})
    match = _check_match(definition.get("match", "all"), "match", "全体の", errors)
    groups = definition.get("groups")
    if not isinstance(groups, list) or not groups:
        errors["groups"] = "条件を1つ以上追加してください。"
        groups = []
    elif len(groups) > MAX_GROUPS:
        errors["groups"] = f"グループは{MAX_GROUPS}個までです。"
    checked = [_check_group(group, index, errors) for index, group in enumerate(groups)]
    if errors:
        raise InvalidSegment(errors)
    return {"match": match, "groups": checked}


def _check_match(value, where, label, errors):
    if value not in MATCHES:
        errors[where] = f"{label}条件の組み合わせは「すべて」か「いずれか」を選んでください。"
    return value


def _check_group(group, index, errors) -> dict:
    where, label = f"groups.{index}", f"グループ{index + 1}"
    if not isinstance(group, dict):
        errors[where] = f"{label}の形式が正しくありません。"
        return {}
    match = _check_match(group.get("match", "all"), f"{where}.match", f"{label}の", errors)
    conditions = group.get("conditions")
    if not isinstance(conditions, list) or not conditions:
        errors[where] = f"{label}に条件を1つ以上追加してください。"
        return {"match": match, "conditions": []}
    if len(conditions) > MAX_CONDITIONS:
        errors[where] = f"{label}の条件は{MAX_CONDITIONS}個までです。"
    return {"match": match, "conditions": [
        _check_condition(condition, f"{where}.conditions.{n}", f"{label}・条件{n + 1}", errors)
        for n, condition in enumerate(conditions)]}


def _check_condition(condition, where, label, errors) -> dict:
    if not isinstance(condition, dict):
        errors[where] = f"{label}：形式が正しくありません。"
        return {}
    field = FIELDS.get(condition.get("field"))
    if field is None:
        errors[where] = f"{label}：項目を選んでください（不明な項目です）。"
        return {}
    op = field.op(condition.get("op"))
    if op is None:
        errors[where] = f"{label}：「{field.label}」の比べ方を選んでください。"
        return {}
    raw = condition.get("value")
    if len(op.params) > 1 and not isinstance(raw, dict):
        raw = {}
    raws = raw if len(op.params) > 1 else {op.params[0].name: raw}
    values, problems = {}, []
    for param in op.params:
        value, problem = _check_value(param, raws.get(param.name))
        values[param.name] = value
        if problem:
            problems.append(problem)
    if problems:
        errors[where] = f"{label}：「{field.label}」の" + "、".join(problems)
    value = values if len(op.params) > 1 else values[op.params[0].name]
    return {"field": field.key, "op": op.key, "value": value}


def _check_value(param: Param, raw):
    """(normal value, None) or (None, what is wrong in Japanese)."""
    checker = _VALUE_CHECKS[param.kind]
    try:
        value = checker(param, raw)
    except (TypeError, ValueError):
        value = None
    if value is None:
        return None, _problem(param)
    return value, None


def _problem(param: Param) -> str:
    if param.kind == "int":
        upper = f"{param.maximum:,}以下の" if param.maximum is not None else ""
        return f"{param.label}には{param.minimum}以上{upper}整数を入力してください。"
    if param.kind == "date":
        return f"{param.label}には日付（例：2026-11-24）を入力してください。"
    return f"{param.label}を一覧から選んでください。"


def _as_int(raw) -> int:
    if isinstance(raw, bool) or raw is None:
        raise TypeError
    if isinstance(raw, str):
        raw = raw.strip()
        if not raw.isascii() or not raw.lstrip("-").isdigit():
            raise ValueError
    if isinstance(raw, float) and not raw.is_integer():
        raise ValueError
    return int(raw)


def _int(param, raw):
    value = _as_int(raw)
    if value < param.minimum or (param.maximum is not None and value > param.maximum):
        return None
    return value


def _choice(param, raw):
    return raw if raw in {value for value, _ in param.choices} else None


def _date(param, raw):
    return date.fromisoformat(raw).isoformat() if isinstance(raw, str) and len(raw) == 10 else None


def _row_id(model):
    def check(param, raw):
        key = _as_int(raw)
        return key if 0 < key < 2**31 and db.session.get(model, key) is not None else None
    return check


def _category(param, raw):
    if not isinstance(raw, str) or not raw or len(raw) > 100:
        return None
    found = db.session.scalar(select(Product.id).where(Product.category == raw).limit(1))
    return raw if found is not None else None


def _flow(param, raw):
    from campaigns.flows import FLOWS

    return raw if isinstance(raw, str) and raw in FLOWS else None


_VALUE_CHECKS = {"int": _int, "choice": _choice, "date": _date, "store": _row_id(Store),
                 "product": _row_id(Product), "coupon": _row_id(CouponDefinition),
                 "broadcast": _row_id(Broadcast), "category": _category, "flow": _flow}


# --- compiling and counting --------------------------------------------------------------------

def _condition(definition: dict):
    """The checked definition as one SQL boolean over Member."""
    window = Window(utcnow())
    groups = [combine(group["match"], [
        FIELDS[c["field"]].compile(c["op"], c["value"], window) for c in group["conditions"]])
        for group in definition["groups"]]
    return combine(definition["match"], groups)


def matching(definition: dict):
    """SELECT of the ids of every member the conditions match (reachable or not)."""
    return select(Member.id).where(_condition(check_definition(definition)))


def audience(definition: dict, *, promotional: bool):
    """SELECT of the ids of the matching members a message can reach."""
    return matching(definition).where(reachable(promotional=promotional))


def counts(definition: dict, *, promotional: bool = True) -> dict:
    """{"matching": n, "reachable": n}, in one query."""
    can_reach = case((reachable(promotional=promotional), 1), else_=0)
    query = (select(func.count(Member.id), func.coalesce(func.sum(can_reach), 0))
             .where(_condition(check_definition(definition))))
    matched, reached = db.session.execute(query).one()
    return {"matching": matched, "reachable": int(reached)}


def sample(definition: dict, limit: int = 20) -> list[Member]:
    """A few matching members, newest first, to show who the conditions pick."""
    return list(db.session.scalars(
        select(Member).where(_condition(check_definition(definition)))
        .order_by(Member.id.desc()).limit(limit)))


# --- saved segments ----------------------------------------------------------------------------

def save(*, name: str, definition: dict, user_id: int | None = None,
         segment_id: int | None = None) -> Segment:
    """Create or update a saved segment; InvalidSegment (nothing written) if anything is off."""
    errors = {}
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME or "\x00" in name:
        errors["name"] = f"名前を{MAX_NAME}文字以内で入力してください。"
    try:
        definition = check_definition(definition)
    except InvalidSegment as exc:
        errors.update(exc.errors)
    if "name" not in errors and _name_taken(name, segment_id):
        errors["name"] = "同じ名前の配信対象がすでにあります。"
    if errors:
        raise InvalidSegment(errors)
    segment = db.session.get(Segment, segment_id) if segment_id else Segment(created_by_id=user_id)
    if segment is None:
        raise InvalidSegment({"segment": "この配信対象は見つかりません。"})
    segment.name, segment.definition = name, definition
    db.session.add(segment)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise InvalidSegment({"name": "同じ名前の配信対象がすでにあります。"}) from None
    return segment


def _name_taken(name: str, segment_id: int | None) -> bool:
    query = select(Segment.id).where(Segment.name == name)
    if segment_id:
        query = query.where(Segment.id != segment_id)
    return db.session.scalar(query.limit(1)) is not None


def delete(segment_id: int) -> bool:
    segment = db.session.get(Segment, segment_id)
    if segment is not None:
        db.session.delete(segment)
    return segment is not None
