"""The card's codes: static EAN-13 member number and the rotating (TOTP) code."""

from datetime import UTC, datetime, timedelta

import pytest

from core import clock
from core.extensions import db
from members.cards import STEP_SECONDS, CardCodeError, resolve_scanned_card, rotating_code
from members.links import card_page_url
from members.models import FollowStatus
from members.numbers import ean13_check_digit, is_valid_member_number, new_member_number
from tests.support.chat import fetch

T0 = datetime(2026, 11, 23, 3, 0, 0, tzinfo=UTC)


@pytest.fixture
def at():
    """Set the clock: at(seconds) puts 'now' that many seconds after T0."""

    def set_time(seconds: float):
        clock.set_now_source(lambda: T0 + timedelta(seconds=seconds))

    set_time(0)
    return set_time


def _error(value, accept_static=True):
    with pytest.raises(CardCodeError) as caught:
        resolve_scanned_card(value, accept_static=accept_static)
    return caught.value.code


def test_member_numbers_are_ean13_valid_in_the_in_store_range():
    for _ in range(200):
        number = new_member_number()
        assert is_valid_member_number(number)
        assert number.startswith("29") and len(number) == 13
    assert ean13_check_digit("490123456789") == "4"
    assert is_valid_member_number("2900000000001")
    assert not is_valid_member_number("2900000000002")  # wrong check digit


def test_the_static_number_identifies_the_member_where_the_store_allows_it(make):
    member = make.member(member_number="2912345678906")
    assert resolve_scanned_card("2912345678906", accept_static=True).member.id == member.id
    assert _error("2912345678906", accept_static=False) == "static_code_not_accepted"


def test_a_rotating_code_is_accepted_within_one_step_and_only_once(make, at):
    member = make.member(member_number="2912345678906")
    shown = rotating_code(member)

    at(STEP_SECONDS + 1)  # the next step: still accepted (±1)
    scanned = resolve_scanned_card(shown, accept_static=False)
    db.session.commit()

    assert (scanned.member.id, scanned.kind) == (member.id, "rotating")
    assert _error(shown) == "replayed_code"


def test_a_screenshot_of_the_rotating_code_stops_working_after_a_minute(make, at):
    member = make.member(member_number="2912345678906")
    shown = rotating_code(member)
    at(2 * STEP_SECONDS + 1)
    assert _error(shown) == "stale_code"


def test_unknown_malformed_and_withdrawn_codes_get_clear_error_codes(make):
    assert _error("2912345678906") == "unknown_code"  # valid shape, nobody has it
    assert _error("2912345678904") == "unknown_code"  # bad check digit
    assert _error("hello") == "unknown_code"
    make.member(member_number="2912345678906", follow_status=FollowStatus.WITHDRAWN)
    assert _error("2912345678906") == "member_unavailable"


def test_the_card_page_serves_the_current_rotating_code(client, make, at):
    member = make.member()
    link = card_page_url(member.id)
    page = fetch(client, link)
    assert page.status_code == 200
    assert member.display_name in page.get_data(as_text=True)

    code = fetch(client, link + "/code")

    assert code.headers["Cache-Control"] == "no-store"
    assert code.json["code"] == rotating_code(member)
    assert code.json["svg"].lstrip().startswith("<?xml")
    assert 0 < code.json["seconds_left"] <= STEP_SECONDS


def test_card_links_cannot_be_forged(client, make):
    member = make.member()
    link = card_page_url(member.id)
    assert fetch(client, link[:-2] + "xx").status_code == 404
    assert client.get("/card/image/eyJtIjoxLCJrIjoicXIifQ.png").status_code == 404


def test_rotating_codes_are_compared_in_constant_time(make, at, monkeypatch):
    import hmac

    compared = []
    real_compare = hmac.compare_digest

    def counting_compare(a, b):
        compared.append((a, b))
        return real_compare(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting_compare)
    member = make.member(member_number="2912345678906")
    shown = rotating_code(member)
    assert resolve_scanned_card(shown, accept_static=False).member.id == member.id
    assert (shown[13:].encode(), shown[13:].encode()) in compared
    compared.clear()
    wrong = shown[:13] + f"{(int(shown[13:]) + 1) % 10**6:06d}"
    assert _error(wrong) == "stale_code"
    assert len(compared) == 3  # every step of the window, each in constant time
