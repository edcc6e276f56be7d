"""Member numbers: 13-digit EAN-13 codes in the in-store range (GS1 prefix 2x), random so a
number cannot be guessed from another member's."""

import secrets

IN_STORE_PREFIX = "29"  # GS1 restricted-circulation range: never clashes with product JANs


def ean13_check_digit(first12: str) -> str:
    odd = sum(int(d) for d in first12[0::2])
    even = sum(int(d) for d in first12[1::2])
    return str((10 - (odd + 3 * even) % 10) % 10)


def is_valid_member_number(value: str) -> bool:
    return (len(value) == 13 and value.isdigit() and value.startswith(IN_STORE_PREFIX)
            and ean13_check_digit(value[:12]) == value[12])


def new_member_number() -> str:
    body = IN_STORE_PREFIX + "".join(secrets.choice("0123456789") for _ in range(10))
    return body + ean13_check_digit(body)
