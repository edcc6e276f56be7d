"""What follows an upgrade to full member in the chat: the full-member rich menu and a
congratulation with the card, once. members records "member.upgraded"; this reacts to it."""

from bot import richmenu
from core import events
from core.extensions import db
from line import ledger, messages
from line.texts import render
from members.models import Member


def on_member_upgraded(event) -> None:
    """Linking the menu again is harmless, so when LINE fails here the whole event is simply
    dispatched again; the congratulation is keyed in the ledger, so it still goes once."""
    member = db.session.get(Member, event.member_id) if event.member_id else None
    if member is None or not member.can_be_messaged:
        return
    richmenu.apply_menu_for(member)
    body = render("upgrade_done", benefits=render("full_benefits"))
    ledger.push_once(member_id=member.id, flow="upgrade-congrats",
                     key=f"upgrade-congrats:member:{member.id}",
                     messages=[messages.text(body, member=member), messages.member_card(member)])


def wire_upgrades() -> None:
    events.subscribe("member.upgraded", on_member_upgraded)
