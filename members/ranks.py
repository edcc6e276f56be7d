"""Ranks from a 12-month spend (purchases.ranks adds up the spend): a rise is recorded as a
"rank.up" event, a lapse as "rank.down"."""

from core import events
from members.models import LoyaltySettings, Member, Rank
from members.points import get_loyalty_settings

ORDER = (Rank.REGULAR, Rank.SILVER, Rank.GOLD)


def rank_for(*, spend: int, settings: LoyaltySettings) -> Rank:
    """The rank a 12-month spend earns."""
    if spend >= settings.gold_threshold:
        return Rank.GOLD
    if spend >= settings.silver_threshold:
        return Rank.SILVER
    return Rank.REGULAR


def set_rank_for_spend(*, member: Member, spend: int, notify: bool = True) -> Rank:
    """Set the member's rank from their spend; a rise is recorded as a "rank.up" event
    (marked not to be announced when `notify` is off, e.g. for imported history)."""
    before = member.rank
    after = rank_for(spend=spend, settings=get_loyalty_settings())
    member.rank = after
    if ORDER.index(after) > ORDER.index(before):
        events.record("rank.up", member_id=member.id,
                      payload={"from": before.value, "to": after.value,
                               **({} if notify else {"notify": False})})
    return after


def lower_for_lapse(*, member: Member, spend: int) -> bool:
    """Lower the rank the spend no longer earns (never raise it: a sale does that), recording
    a "rank.down" event. False when the rank stands."""
    before = member.rank
    after = rank_for(spend=spend, settings=get_loyalty_settings())
    if ORDER.index(after) >= ORDER.index(before):
        return False
    member.rank = after
    events.record("rank.down", member_id=member.id,
                  payload={"from": before.value, "to": after.value, "reason": "lapse"})
    return True
