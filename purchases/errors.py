"""The one error type of a refused sale, return or void: a machine-readable code, a Japanese
message and the HTTP status the register API answers with."""


class PurchaseError(Exception):
    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def as_json(self) -> dict:
        return {"error": {"code": self.code, "message": self.message}}


def bad_request(code: str, message: str) -> PurchaseError:
    return PurchaseError(code, message, 400)


def unprocessable(code: str, message: str) -> PurchaseError:
    return PurchaseError(code, message, 422)
