"""Staff roles: what each signed-in person may open (the console, the register page)."""

import enum


class Role(enum.StrEnum):
    ADMIN = "admin"  # everything, including console users and register keys
    MARKETER = "marketer"  # members, products, coupons, segments, flows, campaigns, KPIs
    CASHIER = "cashier"  # the register page of their store only
