"""Row factories for tests: sensible defaults, any field overridable."""

import itertools
import re

import pyotp

from admin import users
from admin.models import Role
from catalog.models import Product, Store
from members.models import Member
from members.numbers import new_member_number
from pos.models import Register

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no csrf_token in page"
    return match.group(1)


class Factories:
    def __init__(self, session):
        self.session = session

    def _save(self, row):
        self.session.add(row)
        self.session.commit()
        return row

    def console_user(self, role="admin", email=None, **kwargs):
        n = next(_seq)
        user = users.create(email=email or f"{role}{n}@example.com", password=PASSWORD,
                            role=Role(role), **kwargs)
        self.session.commit()
        return user

    def store(self, **kwargs):
        n = next(_seq)
        return self._save(Store(**{"code": f"S{n:03d}", "name": f"テスト店{n}", **kwargs}))

    def register(self, store=None, **kwargs):
        store = store or self.store()
        return self._save(Register(**{"store_id": store.id, "code": f"R{next(_seq)}", **kwargs}))

    def product(self, **kwargs):
        n = next(_seq)
        defaults = {"sku": f"SKU-{n:05d}", "name": f"商品{n}", "category": "tops", "price": 3000}
        return self._save(Product(**{**defaults, **kwargs}))

    def member(self, **kwargs):
        n = next(_seq)
        defaults = {"line_user_id": f"U{n:032x}", "member_number": new_member_number(),
                    "display_name": f"会員{n}", "card_secret": pyotp.random_base32()}
        return self._save(Member(**{**defaults, **kwargs}))
