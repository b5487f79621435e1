"""Conversions between Odoo datetimes and Handy's two date formats."""

import re
from datetime import datetime, timezone

from . import contract

try:
    from zoneinfo import ZoneInfo

    _QUERY_ZONE = ZoneInfo(contract.QUERY_TIME_ZONE)
except Exception:  # pragma: no cover - only where the system has no zone database
    import pytz

    _QUERY_ZONE = pytz.timezone(contract.QUERY_TIME_ZONE)

# Fractional seconds after the time of day. Python 3.10's fromisoformat reads only
# 3 or 6 digits there, and the parsed value drops them anyway.
_FRACTION = re.compile(r"([T ]\d{2}:\d{2}:\d{2})[.,]\d+")


def format_query_datetime(value):
    """Write a naive UTC datetime as a ``start``/``end`` query value.

    Handy reads these values as wall-clock time in Mexico City, day first.
    """
    aware = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value
    return aware.astimezone(_QUERY_ZONE).strftime(contract.QUERY_DATETIME_FORMAT)


def parse_datetime(value):
    """Read an ISO 8601 datetime from a Handy answer as a naive UTC datetime.

    Returns ``None`` for an empty value. Accepts the documented ``...Z`` form and,
    to be lenient, an explicit offset and fractional seconds, which are dropped.
    """
    if not value:
        return None
    text = _FRACTION.sub(r"\1", value.strip())
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed.replace(microsecond=0)
