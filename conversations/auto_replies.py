"""Keyword auto-replies (営業時間, 駐車場 …): the bot answers these itself, before a message
reaches staff. Edited in the console; checked when saved."""

import unicodedata

from sqlalchemy import select

from conversations.models import MAX_TEXT, AutoReply
from core.extensions import db

MAX_KEYWORD = 50


class InvalidAutoReply(ValueError):
    """An auto-reply that cannot be saved; `errors` maps each field to a Japanese message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


def normalise(text: str) -> str:
    """Full-width and case variants match alike (ＦＡＱ, faq)."""
    return unicodedata.normalize("NFKC", text or "").strip().lower()


def match(text: str) -> AutoReply | None:
    """The active auto-reply whose keyword the message contains (the longest keyword wins:
    「駐車場の料金」 over 「駐車場」)."""
    said = normalise(text)
    candidates = [reply for reply in db.session.scalars(
        select(AutoReply).where(AutoReply.active.is_(True))) if normalise(reply.keyword) in said]
    return max(candidates, key=lambda reply: len(reply.keyword), default=None)


def problems(*, keyword: str | None, answer: str | None, reply_id: int | None = None) -> dict:
    """What is wrong with these values, by field, in Japanese (empty: nothing)."""
    errors = {}
    keyword, answer = normalise(keyword or ""), (answer or "").strip()
    if not keyword:
        errors["keyword"] = "キーワードを入力してください。"
    elif len(keyword) > MAX_KEYWORD:
        errors["keyword"] = f"キーワードは{MAX_KEYWORD}文字以内で入力してください。"
    elif _taken(keyword, reply_id):
        errors["keyword"] = f"「{keyword}」の自動応答はすでにあります。"
    if not answer:
        errors["answer"] = "返信文を入力してください。"
    elif len(answer) > MAX_TEXT:
        errors["answer"] = (f"返信文は{MAX_TEXT:,}文字以内で入力してください"
                            f"（現在 {len(answer):,} 文字）。")
    return errors


def _taken(keyword: str, reply_id: int | None) -> bool:
    return any(normalise(row.keyword) == keyword and row.id != reply_id
               for row in db.session.scalars(select(AutoReply)))


def save(*, keyword: str, answer: str, active: bool = True,
         reply_id: int | None = None) -> AutoReply:
    """Add or change an auto-reply, checked first (InvalidAutoReply changes nothing)."""
    errors = problems(keyword=keyword, answer=answer, reply_id=reply_id)
    if errors:
        raise InvalidAutoReply(errors)
    row = db.session.get(AutoReply, reply_id) if reply_id else AutoReply()
    row.keyword, row.answer, row.active = normalise(keyword), answer.strip(), active
    db.session.add(row)
    return row
