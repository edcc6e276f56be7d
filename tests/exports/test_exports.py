"""Data export (データ出力): CSV with a BOM and Japanese headers, JSON Lines and a zip, read back
and compared with the database; marketers get pseudonymised rows, cashiers nothing; the
command line writes the same files; each finished export is recorded once."""

import csv
import io
import json
import logging
import zipfile

import pytest
from sqlalchemy import select

from audit.models import AuditEvent
from exports.datasets import DATASETS
from exports.service import member_key
from members.models import Member
from purchases.models import PurchaseLine
from tests.admin.karte_seed import seed_karte
from tests.factories import csrf_token_from


@pytest.fixture
def seeded(session, make, clock):
    karte = seed_karte(session, make, clock.now)
    make.member(display_name="鈴木次郎")  # a light member: no consents, no purchases
    return karte


@pytest.fixture
def export_log(caplog):
    """The export log lines. Alembic's fileConfig (the migrations the tests run) disables the
    loggers that existed before it: this one is switched back on."""
    logger = logging.getLogger("exports.service")
    logger.disabled = False
    with caplog.at_level(logging.INFO, logger=logger.name):
        yield lambda: [r.getMessage() for r in caplog.records
                       if r.name == logger.name and "export finished" in r.getMessage()]


def _export(client, dataset, fmt="csv", **extra):
    token = csrf_token_from(client.get("/admin/exports/").get_data(as_text=True))
    # buffered: the streamed body is read inside the request's own context
    return client.post("/admin/exports/download", data={"dataset": dataset, "format": fmt,
                                                        "csrf_token": token, **extra},
                       buffered=True)


def _csv(body: bytes) -> list[dict]:
    assert body.startswith("\ufeff".encode())  # Excel in Japan reads it as UTF-8
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def _jsonl(body: bytes) -> list[dict]:
    return [json.loads(line) for line in body.decode().splitlines()]


def test_an_admin_exports_members_as_csv_with_consents(client, login, session, seeded):
    login(role="admin")

    answer = _export(client, "members")

    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = _csv(answer.data)
    assert list(rows[0])[:3] == ["会員番号", "LINEユーザーID", "表示名"]
    members = session.query(Member).order_by(Member.id).all()
    assert [r["会員番号"] for r in rows] == [m.member_number for m in members]
    for row, member in zip(rows, members, strict=True):
        assert (row["表示名"], row["メール"], row["LINEユーザーID"], row["会員種別"],
                row["ポイント残高"]) == (member.display_name, member.email or "",
                                     member.line_user_id, member.membership.value,
                                     str(member.points_balance))
    hanako = rows[0]
    consents = {c.kind: c for c in seeded.member.consents}
    assert hanako["会員規約の版"] == consents["terms"].text_version
    assert hanako["お知らせ配信の同意"] == "1"
    assert hanako["プライバシーポリシーの版"] == consents["privacy"].text_version
    assert hanako["会員規約の同意日時"].endswith("+09:00")
    assert rows[1]["会員規約の版"] == ""


def test_purchases_export_as_json_lines_one_row_per_line(client, login, session, seeded):
    login(role="admin")

    answer = _export(client, "purchases", "jsonl")

    rows = _jsonl(answer.data)
    lines = session.query(PurchaseLine).order_by(PurchaseLine.purchase_id, PurchaseLine.id).all()
    assert [(r["receipt_number"], r["sku"], r["quantity"], r["line_total"]) for r in rows] == [
        (ln.purchase.receipt_number, ln.product.sku, ln.quantity, ln.line_total) for ln in lines]
    assert {r["channel"] for r in rows} == {"store", "online"}
    assert {r["member_number"] for r in rows} == {seeded.member.member_number}
    kettle = next(r for r in rows if r["sku"] == "KETTLE-1")
    assert kettle["warranty_ends_on"] == lines[0].warranty_ends_on.isoformat()
    assert kettle["purchased_at"].endswith("+09:00") and "." not in kettle["purchased_at"]


def test_deliveries_export_follow_ups_chat_replies_and_broadcasts_with_clicks(
        client, login, seeded):
    login(role="admin")

    rows = _jsonl(_export(client, "deliveries", "jsonl").data)

    by_kind = {r["kind"]: r for r in rows}
    assert set(by_kind) == {"follow_up", "chat", "broadcast"}
    assert by_kind["follow_up"]["clicks"] == 1 and by_kind["follow_up"]["clicked_at"]
    assert by_kind["chat"]["clicks"] == 0
    assert by_kind["broadcast"]["name"] == "冬のセールのお知らせ（A）"
    assert by_kind["broadcast"]["status"] == "sent" and by_kind["broadcast"]["clicked_at"]
    assert "messages" not in by_kind["chat"]  # message texts never leave


def test_the_full_export_is_one_zip_of_every_dataset(client, login, session, seeded):
    login(role="admin")

    answer = _export(client, "all", "csv")

    assert answer.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.data))
    assert sorted(archive.namelist()) == sorted(f"{key}.csv" for key in DATASETS)
    members = _csv(archive.read("members.csv"))
    assert len(members) == session.query(Member).count()
    coupons = _csv(archive.read("coupons.csv"))
    assert sorted(r["クーポンコード"] for r in coupons) == sorted(seeded.coupons.values())
    points = _csv(archive.read("points.csv"))
    assert sorted(int(r["増減"]) for r in points) == [22, 158]


def test_a_marketer_gets_pseudonymised_rows_even_when_asking_for_personal_data(
        client, login, session, seeded):
    login(role="marketer")
    page = client.get("/admin/exports/").get_data(as_text=True)
    assert "仮名化されます" in page and 'name="pseudonymise"' not in page

    answer = _export(client, "members", "jsonl", pseudonymise="0")

    rows = _jsonl(answer.data)
    assert "pseudonymised" in answer.headers["Content-Disposition"]
    hanako = rows[0]
    assert hanako["member_key"] == member_key(seeded.member.member_number)
    assert hanako["member_key"] != seeded.member.member_number
    for personal in ("member_number", "display_name", "full_name", "email", "phone",
                     "line_user_id", "birthday"):
        assert personal not in hanako
    body = answer.data.decode()
    for secret in ("山田", "hanako@example.com", seeded.member.line_user_id,
                   seeded.member.member_number):
        assert secret not in body
    purchases = _jsonl(_export(client, "purchases", "jsonl").data)
    assert {r["member_key"] for r in purchases} == {hanako["member_key"]}  # rows still join


def test_a_marketer_may_export_aggregates(client, login, session, seeded):
    login(role="marketer")

    rows = _csv(_export(client, "member_counts").data)

    assert list(rows[0]) == ["会員種別", "ランク", "友だち状態", "会員数", "ポイント残高の合計"]
    counts = {(r["会員種別"], r["友だち状態"]): int(r["会員数"]) for r in rows}
    assert counts == {("full", "followed"): 1, ("light", "followed"): 1}


def test_a_cashier_cannot_export(client, login, session, make, seeded):
    login(role="cashier", store_id=make.store().id)

    assert client.get("/admin/exports/").status_code == 403
    answer = client.post("/admin/exports/download", data={"dataset": "members",
                                                           "format": "csv"})
    assert answer.status_code in (400, 403)
    assert "会員番号" not in answer.get_data(as_text=True)


def test_an_export_without_the_form_token_is_refused(client, login, seeded):
    login(role="admin")

    answer = client.post("/admin/exports/download", data={"dataset": "members",
                                                           "format": "csv"})

    assert answer.status_code == 400
    assert seeded.member.member_number not in answer.get_data(as_text=True)


def test_an_unknown_dataset_or_format_is_refused_with_a_message(client, login, seeded):
    login(role="admin")

    for dataset, fmt in (("secrets", "csv"), ("members", "xlsx")):
        answer = _export(client, dataset, fmt)
        assert answer.status_code == 400
        html = answer.get_data(as_text=True)
        assert "のいずれかです" in html or "出力できるデータは" in html
        assert seeded.member.member_number not in html


def _export_events(session):
    session.expire_all()
    return session.scalars(select(AuditEvent).where(AuditEvent.kind == "export")
                           .order_by(AuditEvent.id)).all()


def test_each_finished_export_is_recorded_once_in_the_audit_trail(
        client, login, session, seeded, export_log):
    admin = login(role="admin")

    _export(client, "coupons", "csv")
    _export(client, "all", "jsonl")
    _export(client, "members", pseudonymise="1")

    recorded = export_log()
    assert len(recorded) == 3
    assert "took coupons as csv, 3 rows" in recorded[0]
    events = _export_events(session)
    assert [(e.actor_email, e.actor_role, e.target_table) for e in events] == [
        (admin.email, "admin", "coupons"), (admin.email, "admin", "all"),
        (admin.email, "admin", "members")]
    assert events[0].detail == {"dataset": "coupons", "format": "csv", "rows": 3,
                                "pseudonymised": False}
    assert events[1].detail["format"] == "jsonl" and events[1].detail["rows"] > 3
    assert events[2].detail["pseudonymised"] is True


def test_the_command_line_exports_a_dataset_and_the_full_zip(app, session, seeded, tmp_path,
                                                             export_log):
    runner = app.test_cli_runner()
    out = tmp_path / "members.jsonl"

    result = runner.invoke(args=["export", "members", "--format", "jsonl", "--out", str(out)])
    assert result.exit_code == 0, result.output
    zipped = tmp_path / "all.zip"
    result = runner.invoke(args=["export", "all", "--format", "csv", "--out", str(zipped),
                                 "--pseudonymise"])
    assert result.exit_code == 0, result.output

    rows = _jsonl(out.read_bytes())
    assert [r["member_number"] for r in rows] == [
        m.member_number for m in session.query(Member).order_by(Member.id)]
    archive = zipfile.ZipFile(zipped)
    members = _csv(archive.read("members.csv"))
    assert "会員キー（仮名）" in members[0] and "表示名" not in members[0]
    assert [line.split(": ", 1)[1] for line in export_log()] == [
        "command line took members as jsonl, 2 rows",
        f"command line took all as csv, {_rows_in(archive)} rows"]
    assert [(e.actor_role, e.actor_email, e.target_table, e.detail["rows"])
            for e in _export_events(session)] == [
        ("command", None, "members", 2), ("command", None, "all", _rows_in(archive))]
    assert not list(tmp_path.glob("*.partial"))


def _rows_in(archive) -> int:
    return sum(len(_csv(archive.read(name))) for name in archive.namelist())


def test_the_command_line_refuses_an_unknown_dataset(app, session, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["export", "secrets", "--out", str(tmp_path / "x.csv")])

    assert result.exit_code != 0
    assert not (tmp_path / "x.csv").exists()


def test_an_admin_may_choose_pseudonymised_rows(client, login, seeded):
    login(role="admin")

    rows = _csv(_export(client, "members", pseudonymise="1").data)

    assert rows[0]["会員キー（仮名）"] == member_key(seeded.member.member_number)
    assert "メール" not in rows[0] and "会員番号" not in rows[0]
