"""Post-purchase feedback: a rating (1-5) per purchase, then an optional comment and an
optional NPS score (0-10). One answer per purchase (a second tap changes nothing); a low rating
leaves a note for staff in the member's inbox thread."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from catalog.models import Store
from conversations import inbox
from conversations.models import MAX_TEXT, SurveyAnswer
from core.clock import to_business_time
from core.extensions import db
from purchases.models import Purchase, PurchaseStatus

RATINGS = range(1, 6)
NPS_SCORES = range(0, 11)
LOW_RATING = 2  # this or lower: staff get a note in the inbox
# The next free text within this is the comment; later text is a new message for staff.
COMMENT_WINDOW = timedelta(minutes=30)


class SurveyRefused(ValueError):
    """An answer that does not belong to this member's purchase or is out of range."""


@dataclass(frozen=True)
class Rated:
    answer: SurveyAnswer
    is_new: bool


def record_rating(*, member_id: int, purchase_id: int, rating: int) -> Rated:
    """The member's rating of their purchase, once (the first tap counts). Caller commits."""
    purchase = db.session.get(Purchase, purchase_id)
    if purchase is None or purchase.member_id != member_id or rating not in RATINGS:
        raise SurveyRefused("not this member's purchase, or no rating")
    existing = _answer_for(purchase_id)
    if existing is not None:
        return Rated(existing, False)
    answer = SurveyAnswer(purchase_id=purchase.id, member_id=member_id,
                          store_id=purchase.store_id, rating=rating, waiting_for="comment")
    try:
        with db.session.begin_nested():
            db.session.add(answer)
    except IntegrityError:  # the same tap processed at the same moment
        return Rated(_answer_for(purchase_id), False)
    if rating <= LOW_RATING:
        _notify_staff(answer, purchase)
    return Rated(answer, True)


def _answer_for(purchase_id: int) -> SurveyAnswer | None:
    return db.session.scalar(select(SurveyAnswer).where(SurveyAnswer.purchase_id == purchase_id))


def _notify_staff(answer: SurveyAnswer, purchase: Purchase) -> None:
    store = db.session.get(Store, purchase.store_id)
    day = to_business_time(purchase.purchased_at)
    inbox.add_note(member_id=answer.member_id, key=f"survey-low:{purchase.id}",
                   body=f"アンケートで低い評価（★{answer.rating}）がありました："
                        f"{store.name if store else ''} {day:%Y/%m/%d}のお買い物"
                        f"（レシート {purchase.receipt_number}）")


def waiting_for_comment(member_id: int, now: datetime) -> SurveyAnswer | None:
    """The member's latest answer still open for a comment, if rated recently."""
    return db.session.scalar(
        select(SurveyAnswer).where(SurveyAnswer.member_id == member_id,
                                   SurveyAnswer.waiting_for == "comment",
                                   SurveyAnswer.answered_at > now - COMMENT_WINDOW)
        .order_by(SurveyAnswer.answered_at.desc(), SurveyAnswer.id.desc()).limit(1))


def record_comment(answer: SurveyAnswer, text: str | None, *, ask_nps: bool) -> str:
    """The comment (None: skipped); returns what the survey waits for next. Caller commits."""
    if text and text.strip():
        answer.comment = text.strip()[:MAX_TEXT]
        if answer.rating <= LOW_RATING:
            inbox.add_note(member_id=answer.member_id, key=f"survey-comment:{answer.id}",
                           body=f"低い評価へのコメント：{answer.comment}")
    answer.waiting_for = "nps" if ask_nps else "done"
    return answer.waiting_for


def record_nps(*, member_id: int, purchase_id: int, score: int) -> SurveyAnswer:
    """The NPS score of a rated purchase, once. Caller commits."""
    answer = _answer_for(purchase_id)
    if answer is None or answer.member_id != member_id or score not in NPS_SCORES:
        raise SurveyRefused("no such answer, or no score")
    if answer.nps is None:
        answer.nps = score
    answer.waiting_for = "done"
    return answer


def forget_comments(member_id: int) -> None:
    """退会: the ratings stay (anonymous figures of a store), the member's own words go."""
    for answer in db.session.scalars(select(SurveyAnswer)
                                     .where(SurveyAnswer.member_id == member_id)):
        answer.comment, answer.waiting_for = None, "done"


def is_surveyable(purchase_id: int) -> bool:
    """Still worth asking: the purchase stands and was not rated yet."""
    purchase = db.session.get(Purchase, purchase_id)
    return (purchase is not None and purchase.status == PurchaseStatus.COMPLETED
            and _answer_for(purchase_id) is None)


# --- results -------------------------------------------------------------------------------

@dataclass
class StoreMonth:
    month: date
    store: str
    ratings: list[int] = field(default_factory=list)
    nps: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.ratings)

    @property
    def average(self) -> float:
        return sum(self.ratings) / len(self.ratings)

    @property
    def low(self) -> int:
        return sum(rating <= LOW_RATING for rating in self.ratings)

    @property
    def nps_score(self) -> int | None:
        """Promoters (9-10) less detractors (0-6), in % of the scores given."""
        if not self.nps:
            return None
        promoters = sum(score >= 9 for score in self.nps)
        detractors = sum(score <= 6 for score in self.nps)
        return round(100 * (promoters - detractors) / len(self.nps))


def results(*, since: datetime) -> list[StoreMonth]:
    """Per business month and store (newest month first), from the answers since `since`."""
    rows = db.session.execute(
        select(SurveyAnswer.answered_at, Store.name, SurveyAnswer.rating, SurveyAnswer.nps)
        .join(Store, Store.id == SurveyAnswer.store_id)
        .where(SurveyAnswer.answered_at >= since)).all()
    groups: dict[tuple, StoreMonth] = defaultdict(lambda: None)
    for answered_at, store, rating, nps in rows:
        month = to_business_time(answered_at).date().replace(day=1)
        group = groups[month, store] or StoreMonth(month, store)
        groups[month, store] = group
        group.ratings.append(rating)
        if nps is not None:
            group.nps.append(nps)
    return sorted(groups.values(), key=lambda g: (-g.month.toordinal(), g.store))


def comments(*, since: datetime, limit: int = 200) -> list[SurveyAnswer]:
    """The answers with a comment, newest first."""
    return list(db.session.scalars(
        select(SurveyAnswer).where(SurveyAnswer.answered_at >= since,
                                   SurveyAnswer.comment.is_not(None))
        .order_by(SurveyAnswer.answered_at.desc()).limit(limit)))
