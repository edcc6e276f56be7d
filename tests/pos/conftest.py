import pytest

from tests.pos.helpers import Api, card_member, keyed_register


@pytest.fixture
def shop(make):
    return make.store(code="SHIBUYA", name="渋谷店")


@pytest.fixture
def register_and_key(make, session, shop):
    return keyed_register(make, session, store=shop)


@pytest.fixture
def api(client, register_and_key):
    return Api(client, register_and_key[1])


@pytest.fixture
def tee(make, shop):
    return make.product(sku="SKU-TEE", jan="4901234567894", name="Tシャツ", price=3000)


@pytest.fixture
def member(make):
    return card_member(make, display_name="やまだ")


@pytest.fixture
def token_for(api):
    """Scan a member's static card and return the member token the purchase uses."""

    def scan(member):
        answer = api.scan(member.member_number)
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()["member_token"]

    return scan
