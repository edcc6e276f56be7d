"""Member jobs: what follows an upgrade to full member."""

from bot import messages, richmenu
from bot.texts import render
from campaigns import delivery
from core import jobs
from core.extensions import db
from members.models import Member


@jobs.job("realtime", timeout=60)
def after_upgrade(member_id: int) -> str:
    """Switch the member to the full-member rich menu and congratulate them, once."""
    member = db.session.get(Member, member_id)
    if member is None or not member.can_be_messaged:
        return "skipped"
    richmenu.apply_menu_for(member)
    body = render("upgrade_done", benefits=render("full_benefits"))
    delivery.push_once(member_id=member.id, flow="upgrade-congrats",
                       key=f"upgrade-congrats:member:{member.id}",
                       messages=[messages.text(body, member=member), messages.member_card(member)])
    return "done"
