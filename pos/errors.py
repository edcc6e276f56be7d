"""The register answers every refusal with the purchases domain's error type (a code, a
message, an HTTP status), so the register's own checks and the domain's read alike."""

from purchases.errors import PurchaseError as PosError
from purchases.errors import bad_request, unprocessable

__all__ = ["PosError", "bad_request", "unprocessable"]
