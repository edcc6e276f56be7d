"""One member's records as the console's member page reads them, and the member tables as the
export streams them (a select per dataset; the caller decides how rows are fetched)."""

from sqlalchemy import Select, and_, case, func, select

from core.extensions import db
from members.models import Consent, Member, PointEntry

CONSENT_KINDS = ("terms", "privacy", "marketing")


def member_by_id(member_id: int) -> Member | None:
    return db.session.get(Member, member_id)


def point_entries_of(member_id: int, limit: int = 200) -> list[PointEntry]:
    """The member's points ledger, newest first."""
    return list(db.session.scalars(
        select(PointEntry).where(PointEntry.member_id == member_id)
        .order_by(PointEntry.created_at.desc(), PointEntry.id.desc()).limit(limit)))


def consents_of(member_id: int) -> list[Consent]:
    """Every consent decision with the text version shown, newest first."""
    return list(db.session.scalars(
        select(Consent).where(Consent.member_id == member_id)
        .order_by(Consent.recorded_at.desc(), Consent.id.desc())))


def _latest_consents():
    """Each member's latest decision per kind, pivoted to one row per member."""
    ranked = select(Consent.member_id, Consent.kind, Consent.text_version, Consent.granted,
                    Consent.recorded_at,
                    func.row_number().over(partition_by=(Consent.member_id, Consent.kind),
                                           order_by=(Consent.recorded_at.desc(),
                                                     Consent.id.desc())).label("n")).subquery()
    latest = select(ranked).where(ranked.c.n == 1).subquery()
    columns = []
    for kind in CONSENT_KINDS:
        def of(column, kind=kind):
            return func.max(case((latest.c.kind == kind, column)))
        columns += [of(latest.c.text_version).label(f"{kind}_version"),
                    of(case((latest.c.granted, 1), else_=0)).label(f"{kind}_granted"),
                    of(latest.c.recorded_at).label(f"{kind}_at")]
    return select(latest.c.member_id, *columns).group_by(latest.c.member_id).subquery()


def members_for_export() -> Select:
    """One row per member with their latest consents (kind, text version, when), by id."""
    consents = _latest_consents()
    consent_columns = [c for c in consents.c if c.name != "member_id"]
    return (select(Member.id, Member.member_number, Member.line_user_id, Member.display_name,
                   Member.full_name, Member.full_name_kana, Member.email, Member.phone,
                   Member.birthday, Member.membership, Member.rank, Member.follow_status,
                   Member.points_balance, Member.joined_at, Member.upgraded_at,
                   Member.blocked_at, Member.withdrawn_at, *consent_columns)
            .outerjoin(consents, consents.c.member_id == Member.id)
            .order_by(Member.id))


def point_entries_for_export() -> Select:
    return (select(PointEntry.id, Member.member_number, PointEntry.delta, PointEntry.reason,
                   PointEntry.purchase_id, PointEntry.created_at)
            .join(Member, and_(Member.id == PointEntry.member_id))
            .order_by(PointEntry.id))


def member_counts_for_export() -> Select:
    """An aggregate a marketer may take: members by membership, rank and follow status."""
    return (select(Member.membership, Member.rank, Member.follow_status,
                   func.count().label("members"), func.sum(Member.points_balance).label("points"))
            .group_by(Member.membership, Member.rank, Member.follow_status)
            .order_by(Member.membership, Member.rank, Member.follow_status))
