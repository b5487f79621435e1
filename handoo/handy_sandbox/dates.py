"""Date and time helpers shared by the store, the API handlers and the generator.

Responses carry ISO 8601 in UTC with a ``Z`` and whole seconds. Query values and
request bodies use Handy's ``dd/MM/yyyy HH:mm:ss``, read as wall-clock time in
America/Mexico_City.
"""

import datetime as dt
import re

UTC = dt.timezone.utc

try:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    MEXICO_CITY = ZoneInfo("America/Mexico_City")
except (ImportError, ZoneInfoNotFoundError):
    # NOTE: without a tz database, fall back to UTC-6. That is right for dates after
    # October 2022, when Mexico dropped daylight saving time, and wrong in older
    # summers.
    MEXICO_CITY = dt.timezone(dt.timedelta(hours=-6), "CST")

HANDY_FORMAT = "%d/%m/%Y %H:%M:%S"
HANDY_FORMAT_LABEL = "dd/MM/yyyy HH:mm:ss"
_HANDY_PATTERN = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}")
_ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def to_utc(value):
    """Convert a datetime to an aware UTC datetime with whole seconds.

    A naive datetime is taken to be in UTC already.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0)


def to_iso(value):
    """Format a datetime as ``2024-03-05T17:43:04Z``; None stays None."""
    if value is None:
        return None
    return to_utc(value).strftime(_ISO_FORMAT)


def parse_iso(text):
    """Parse an ISO 8601 date and time into UTC; a value without offset is UTC.

    Raises ValueError on anything else. Python 3.10 rejects a trailing ``Z``, so it
    is rewritten as ``+00:00`` first.
    """
    if not isinstance(text, str):
        raise ValueError(f"expected an ISO 8601 string, got {text!r}")
    cleaned = text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    return to_utc(dt.datetime.fromisoformat(cleaned))


def coerce_datetime(value):
    """Return a UTC datetime from a datetime or an ISO string; None stays None."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return to_utc(value)
    return parse_iso(value)


def parse_handy(text):
    """Parse ``dd/MM/yyyy HH:mm:ss`` in Mexico City wall time and return it in UTC.

    Raises ValueError when the text does not have exactly that format or names a
    date that does not exist.
    """
    if not isinstance(text, str) or not _HANDY_PATTERN.fullmatch(text):
        raise ValueError(f"expected {HANDY_FORMAT_LABEL}, got {text!r}")
    local = dt.datetime.strptime(text, HANDY_FORMAT)
    return to_utc(local.replace(tzinfo=MEXICO_CITY))


def format_handy(value):
    """Format a datetime as ``dd/MM/yyyy HH:mm:ss`` in Mexico City wall time."""
    return to_utc(value).astimezone(MEXICO_CITY).strftime(HANDY_FORMAT)
