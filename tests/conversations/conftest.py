from tests.campaigns.conftest import buy, follow_ups, member_of, products, shop  # noqa: F401
