"""Shopper pages: card images LINE fetches, the rotating-code card page, the upgrade form."""

from flask import (
    Blueprint,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from core import barcodes
from core.barcodes import png_response
from core.clock import business_now, utcnow
from core.extensions import db
from core.signing import InvalidLink
from members import cards, links, policies, service
from members.forms import UpgradeForm
from members.models import FollowStatus, Member, Membership

bp = Blueprint("members", __name__, template_folder="templates")


def member_or_404(member_id: int) -> Member:
    member = db.session.get(Member, member_id)
    if member is None or member.follow_status == FollowStatus.WITHDRAWN:
        abort(404)
    return member


@bp.get("/card/image/<token>.png")
def card_image(token):
    try:
        member_id, kind = links.read_card_image_token(token)
    except InvalidLink:
        abort(404)
    member = member_or_404(member_id)
    render = barcodes.qr_png if kind == "qr" else barcodes.ean13_png
    return png_response(render(member.member_number))



def _card_page_member(token: str) -> Member:
    try:
        return member_or_404(links.read_card_page_token(token))
    except InvalidLink as exc:
        abort(410 if exc.expired else 404)


@bp.get("/card/<token>")
def card_page(token):
    member = _card_page_member(token)
    return render_template("members/card.html", member=member, token=token,
                           seconds_left=cards.seconds_left_in_step(at=utcnow()))


@bp.get("/card/<token>/code")
def rotating_code(token):
    member = _card_page_member(token)
    now = utcnow()
    code = cards.rotating_code(member, at=now)
    response = jsonify(code=code, svg=barcodes.code128_svg(code),
                       seconds_left=cards.seconds_left_in_step(at=now))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/members/upgrade/<token>", methods=["GET", "POST"])
def upgrade(token):
    try:
        member = member_or_404(links.read_upgrade_token(token))
    except InvalidLink as exc:
        return render_template("members/link_expired.html", expired=exc.expired), 410
    if member.membership == Membership.FULL and request.method == "GET":
        return render_template("members/upgrade_done.html", member=member)
    form = UpgradeForm()
    if form.validate_on_submit():
        try:
            service.upgrade_to_full(member=member, **form.profile())
        except service.EmailInUse:
            form.email.errors.append("このメールアドレスはすでに登録されています。"
                                     "別のアドレスをお使いください。")
        else:
            db.session.commit()
            return render_template("members/upgrade_done.html", member=member)
    status = 400 if form.errors else 200
    return render_template("members/upgrade.html", form=form, member=member,
                           today=business_now().date().isoformat(),
                           terms_version=service.TERMS_VERSION,
                           privacy_version=service.PRIVACY_VERSION), status


@bp.get("/members/policies/<kind>")
def current_policy(kind):
    if kind not in policies.VERSIONS:
        abort(404)
    return redirect(url_for(".policy", kind=kind, version=policies.current_version(kind)))


@bp.get("/members/policies/<kind>/<version>")
def policy(kind, version):
    """The exact text of a version a member may have agreed to."""
    template = policies.template_for(kind=kind, version=version)
    if template is None:
        abort(404)
    return render_template("members/policy.html", kind=kind, version=version,
                           title=policies.TITLES[kind], template=template,
                           current=policies.current_version(kind))
