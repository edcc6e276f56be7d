"""The feedback survey in the chat: the rating buttons' postbacks, the comment that follows,
the optional NPS question."""

from campaigns import flows
from conversations import surveys
from core.clock import utcnow
from core.extensions import db
from line import messages
from line.texts import render
from members.models import Member

SKIP = {"type": "action", "action": {"type": "postback", "label": "スキップ",
                                     "data": "action=survey_skip", "displayText": "スキップ"}}


def _number(params: dict, name: str) -> int | None:
    value = params.get(name, [""])[0]
    return int(value) if value.isdigit() else None


def take_rating(member: Member, params: dict) -> list[dict]:
    try:
        rated = surveys.record_rating(member_id=member.id,
                                      purchase_id=_number(params, "purchase") or 0,
                                      rating=_number(params, "rating") or 0)
    except surveys.SurveyRefused:
        return []
    if not rated.is_new:
        return [messages.text(render("survey_already"), member=member)]
    return [{"type": "text", "text": render("survey_ask_comment"), "quickReply": {"items": [SKIP]}}]


def take_comment(member: Member, text: str) -> list[dict]:
    answer = surveys.waiting_for_comment(member.id, utcnow())
    if answer is None:
        return []
    return _after_comment(member, answer, text)


def skip_comment(member: Member, params: dict) -> list[dict]:
    answer = surveys.waiting_for_comment(member.id, utcnow())
    if answer is None:
        return [messages.text(render("survey_thanks"), member=member)]
    return _after_comment(member, answer, None)


def _after_comment(member: Member, answer, text: str | None) -> list[dict]:
    ask_nps = bool(flows.params_for("survey")["ask_nps"])
    if surveys.record_comment(answer, text, ask_nps=ask_nps) == "nps":
        db.session.flush()
        return [nps_question(answer.purchase_id)]
    return [messages.text(render("survey_thanks"), member=member)]


def nps_question(purchase_id: int) -> dict:
    items = [{"type": "action", "action": {
        "type": "postback", "label": str(score), "displayText": str(score),
        "data": f"action=survey_nps&purchase={purchase_id}&score={score}"}}
        for score in surveys.NPS_SCORES]
    return {"type": "text", "text": render("survey_ask_nps"), "quickReply": {"items": items}}


def take_nps(member: Member, params: dict) -> list[dict]:
    try:
        surveys.record_nps(member_id=member.id, purchase_id=_number(params, "purchase") or 0,
                           score=_number(params, "score") if _number(params, "score") is not None
                           else -1)
    except surveys.SurveyRefused:
        return []
    return [messages.text(render("survey_thanks"), member=member)]
