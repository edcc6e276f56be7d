"""How far a member is from the next rank (the chat's ポイント answer and rank nudges)."""

from dataclasses import dataclass

from members.models import Member, Rank
from members.points import get_loyalty_settings
from members.ranks import ORDER
from purchases.ranks import rolling_spend


@dataclass(frozen=True)
class RankProgress:
    next_rank: Rank
    spend_needed: int  # yen within the rolling 12 months


def progress_to_next_rank(member: Member) -> RankProgress | None:
    """The next rank above the member's and the spend still needed; None at the top."""
    settings = get_loyalty_settings()
    thresholds = {Rank.SILVER: settings.silver_threshold, Rank.GOLD: settings.gold_threshold}
    spend = rolling_spend(member_id=member.id)
    for rank in ORDER[ORDER.index(member.rank) + 1:]:
        if spend < thresholds[rank]:
            return RankProgress(rank, thresholds[rank] - spend)
    return None
