"""Rich menus: one for light members (with 本会員登録) and one for full members, created through
the Messaging API by `flask richmenu setup`; the light menu is the default, full members get
theirs linked when they upgrade."""

import io
from datetime import datetime
from pathlib import Path

import click
from flask.cli import AppGroup
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utcnow
from core.extensions import db
from core.types import UTCDateTime
from line import client as line_client
from members.models import FollowStatus, Member, Membership

WIDTH, HEIGHT = 2500, 843
BULK_LINK_LIMIT = 500  # user ids per bulk-link request (LINE's limit)
MENUS = {
    Membership.LIGHT: [("会員証", "会員証"), ("クーポン", "クーポン"), ("ポイント", "ポイント"),
                       ("本会員登録", "本会員登録")],
    Membership.FULL: [("会員証", "会員証"), ("クーポン", "クーポン"), ("ポイント", "ポイント"),
                      ("ヘルプ", "ヘルプ")],
}
FONT_CANDIDATES = ["/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
                   "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"]


class RichMenu(db.Model):
    __tablename__ = "rich_menus"

    id: Mapped[int] = mapped_column(primary_key=True)
    membership: Mapped[str] = mapped_column(String(16), unique=True)
    line_rich_menu_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def menu_definition(membership: Membership) -> dict:
    buttons = MENUS[membership]
    width = WIDTH // len(buttons)
    areas = [{"bounds": {"x": i * width, "y": 0, "width": width, "height": HEIGHT},
              "action": {"type": "message", "label": label, "text": text}}
             for i, (label, text) in enumerate(buttons)]
    return {"size": {"width": WIDTH, "height": HEIGHT}, "selected": True,
            "name": f"member-{membership.value}", "chatBarText": "メニュー", "areas": areas}


def menu_image(membership: Membership) -> bytes:
    buttons = MENUS[membership]
    image = Image.new("RGB", (WIDTH, HEIGHT), "#06C755")
    draw = ImageDraw.Draw(image)
    font = _font(110)
    width = WIDTH // len(buttons)
    for i, (label, _) in enumerate(buttons):
        if i:
            draw.line([(i * width, 80), (i * width, HEIGHT - 80)], fill="#FFFFFF", width=6)
        draw.text((i * width + width / 2, HEIGHT / 2), label, fill="#FFFFFF", font=font,
                  anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _font(size: int):
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size)  # no Japanese glyphs: install fonts-noto-cjk


def setup_menus() -> dict[str, str]:
    """Create both menus on LINE, make the light one the default; returns their ids."""
    created = {}
    for membership in (Membership.LIGHT, Membership.FULL):
        rich_menu_id = line_client.create_rich_menu(menu_definition(membership),
                                                    menu_image(membership))
        _remember(membership, rich_menu_id)
        created[membership.value] = rich_menu_id
    line_client.set_default_rich_menu(created[Membership.LIGHT.value])
    db.session.commit()
    _relink_full_members(created[Membership.FULL.value])
    return created


def _relink_full_members(rich_menu_id: str) -> None:
    """Menus made anew: full members already linked to the old one move to the new one."""
    user_ids = list(db.session.scalars(select(Member.line_user_id).where(
        Member.membership == Membership.FULL, Member.follow_status == FollowStatus.FOLLOWED,
        Member.line_user_id.is_not(None))))
    for start in range(0, len(user_ids), BULK_LINK_LIMIT):
        line_client.bulk_link_rich_menu(user_ids[start:start + BULK_LINK_LIMIT], rich_menu_id)


def _remember(membership: Membership, rich_menu_id: str) -> None:
    row = db.session.scalar(select(RichMenu).where(RichMenu.membership == membership.value))
    if row is None:
        row = RichMenu(membership=membership.value)
        db.session.add(row)
    row.line_rich_menu_id = rich_menu_id


def apply_menu_for(member: Member) -> None:
    """Full members get the full-member menu; light members fall back to the default."""
    if member.membership == Membership.LIGHT:
        line_client.unlink_rich_menu(member.line_user_id)
        return
    rich_menu_id = db.session.scalar(select(RichMenu.line_rich_menu_id)
                                     .where(RichMenu.membership == Membership.FULL.value))
    if rich_menu_id:
        line_client.link_rich_menu(member.line_user_id, rich_menu_id)


richmenu_cli = AppGroup("richmenu", help="LINE rich menus.")


@richmenu_cli.command("setup")
def setup_command():
    """Create the light and full member rich menus on LINE."""
    for membership, rich_menu_id in setup_menus().items():
        click.echo(f"{membership}: {rich_menu_id}")
