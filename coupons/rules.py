"""What a coupon definition may say: a discount that exists, a spend and a validity that make
sense, a purpose the product uses. Checked whenever a definition is stored (coupons.models)
and shown in the console form."""

# The purposes the bot and follow-ups look coupons up by (coupons.service.get_active_definition).
PURPOSES = {"general": "一般", "welcome": "友だち追加", "f2": "2回目のお買い物",
            "winback": "休眠復帰", "birthday": "お誕生日"}
MAX_AMOUNT_OFF = 1_000_000  # yen
MAX_VALID_DAYS = 3650


class InvalidCouponDefinition(ValueError):
    """`problems` maps each bad field to a Japanese message."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(" ".join(problems.values()))
        self.problems = problems


def definition_problems(*, purpose, discount_type, discount_value, minimum_spend,
                        valid_days) -> dict[str, str]:
    """Each impossible value, by field. None means "not given": the column default applies."""
    problems = {}
    if purpose is not None and purpose not in PURPOSES:
        problems["purpose"] = f"用途は{'・'.join(PURPOSES.values())}のいずれかを選んでください。"
    if (discount := _discount_problem(discount_type, discount_value)) is not None:
        problems["discount_value"] = discount
    if minimum_spend is not None and minimum_spend < 0:
        problems["minimum_spend"] = "最低購入金額は0円以上で入力してください。"
    if valid_days is not None and not 1 <= valid_days <= MAX_VALID_DAYS:
        problems["valid_days"] = f"有効日数は1〜{MAX_VALID_DAYS:,}日で入力してください。"
    return problems


def _discount_problem(discount_type, value) -> str | None:
    if value is None:
        return "割引を入力してください。"
    percent = discount_type == "percent"  # DiscountType.PERCENT, a str enum
    if percent and not 1 <= value <= 100:
        return "割引率は1〜100％で入力してください。"
    if not percent and not 1 <= value <= MAX_AMOUNT_OFF:
        return f"割引額は1〜{MAX_AMOUNT_OFF:,}円で入力してください。"
    return None


def check_definition(**values) -> None:
    """InvalidCouponDefinition if any value is impossible."""
    problems = definition_problems(**values)
    if problems:
        raise InvalidCouponDefinition(problems)
