"""The card page's rotating code says how long it has left."""

from datetime import timedelta

from members.links import card_page_url
from tests.support.chat import fetch


def test_the_card_page_counts_down_to_the_next_code(client, make, clock):
    member = make.member()
    clock.now = clock.now.replace(second=0, microsecond=0) + timedelta(seconds=18)

    page = fetch(client, card_page_url(member.id)).get_data(as_text=True)

    assert 'あと<strong id="seconds">12</strong>秒で変わります。' in page  # 30-second steps
    assert "ごとに変わります" not in page
