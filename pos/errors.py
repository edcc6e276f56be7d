"""The one error type of the register: a machine-readable code, a message, an HTTP status."""


class PosError(Exception):
    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def as_json(self) -> dict:
        return {"error": {"code": self.code, "message": self.message}}


def bad_request(code: str, message: str) -> PosError:
    return PosError(code, message, 400)


def unprocessable(code: str, message: str) -> PosError:
    return PosError(code, message, 422)
