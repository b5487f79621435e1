"""Exceptions raised by the Handy client.

Each one carries the HTTP method, the path, the status (``None`` when no answer came)
and Handy's own message, so that a person reading a sync log knows what Handy said.
"""


class HandyError(Exception):
    """Base class of every error the Handy client raises."""

    retryable = False

    def __init__(
        self, message, *, method=None, path=None, status=None, details=None, detail=None
    ):
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.status = status
        self.details = details or []
        # The cause alone, without the client's English sentence around it:
        # Handy's own message, or the network's reason. Callers that write
        # their own (translated) sentence use it.
        self.detail = detail or message

    def __str__(self):
        if self.method and self.path:
            status = f" ({self.status})" if self.status else ""
            return f"{self.message} [{self.method} {self.path}{status}]"
        return self.message


class HandyConnectionError(HandyError):
    """Handy could not be reached, or did not answer in time."""

    retryable = True


class HandyAuthError(HandyError):
    """Handy rejected the API token (401 or 403)."""


class HandyTokenFormatError(HandyAuthError):
    """The API token contains characters invalid in an HTTP header; nothing was sent."""


class HandyNotFoundError(HandyError):
    """The record does not exist in Handy (404)."""


class HandyValidationError(HandyError):
    """Handy rejected the data sent (422); ``details`` holds its ``errors`` list."""


class HandyRateLimitError(HandyError):
    """Handy's rate limit is exhausted for longer than the client may wait."""

    retryable = True

    def __init__(self, message, *, reset_at=None, **kwargs):
        super().__init__(message, **kwargs)
        self.reset_at = reset_at


class HandyServerError(HandyError):
    """Handy failed with a 5xx status, still after the retries."""

    retryable = True


class HandyResponseError(HandyError):
    """Handy answered something that is not the JSON the API promises."""

    retryable = True
