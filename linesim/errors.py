"""LINE's error answers, raised anywhere and rendered once by the app."""

AUTH_FAILED = (
    "Authentication failed. Confirm that the access token in the authorization header is valid."
)
RATE_LIMITED = "The API rate limit has been exceeded. Try again later."
MONTHLY_LIMIT = "You have reached your monthly limit."
RETRY_KEY_ACCEPTED = "The retry key is already accepted"
INVALID_REPLY_TOKEN = "Invalid reply token"  # noqa: S105 - an error message
NOT_FOUND = "Not found"


class LineError(Exception):
    """An answer in LINE's error shape: `{"message", "details"?}` plus optional headers."""

    def __init__(self, status, message, details=None, headers=None, extra=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or []
        self.headers = headers or {}
        self.extra = extra or {}

    def body(self):
        body = {"message": self.message}
        if self.details:
            body["details"] = self.details
        body.update(self.extra)
        return body


def invalid_body(details):
    """The 400 LINE answers when the request body breaks the schema or LINE's rules."""
    return LineError(400, f"The request body has {len(details)} error(s)", details)


def one_invalid_property(prop, message):
    return invalid_body([{"message": message, "property": prop}])
