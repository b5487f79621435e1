"""Client of Handy's REST API v2, with no dependency on Odoo."""

from . import contract
from .client import HandyClient, token_is_well_formed
from .dates import format_query_datetime, parse_datetime
from .errors import (
    HandyAuthError,
    HandyConnectionError,
    HandyError,
    HandyNotFoundError,
    HandyRateLimitError,
    HandyResponseError,
    HandyServerError,
    HandyTokenFormatError,
    HandyValidationError,
)

__all__ = [
    "HandyAuthError",
    "HandyClient",
    "HandyConnectionError",
    "HandyError",
    "HandyNotFoundError",
    "HandyRateLimitError",
    "HandyResponseError",
    "HandyServerError",
    "HandyTokenFormatError",
    "HandyValidationError",
    "contract",
    "format_query_datetime",
    "parse_datetime",
    "token_is_well_formed",
]
