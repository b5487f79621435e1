"""parse_datetime and format_query_datetime, the two date formats of Handy's API."""

import datetime as dt

import pytest
from handy_api import format_query_datetime, parse_datetime

UTC = dt.timezone.utc


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05T17:43:04Z", dt.datetime(2024, 3, 5, 17, 43, 4)),
        ("2024-03-05T17:43:04z", dt.datetime(2024, 3, 5, 17, 43, 4)),
        ("2024-03-05T11:43:04-06:00", dt.datetime(2024, 3, 5, 17, 43, 4)),
        ("2024-03-05T23:13:04+05:30", dt.datetime(2024, 3, 5, 17, 43, 4)),
        # 23:30 in Mexico City is already the next day in UTC.
        ("2024-03-05T23:30:00-06:00", dt.datetime(2024, 3, 6, 5, 30, 0)),
        ("2024-03-05T17:43:04", dt.datetime(2024, 3, 5, 17, 43, 4)),
        ("2024-03-05T17:43:04.987Z", dt.datetime(2024, 3, 5, 17, 43, 4)),
        ("2024-03-05T17:43:04.98Z", dt.datetime(2024, 3, 5, 17, 43, 4)),
        ("2024-03-05T11:43:04.1234567-06:00", dt.datetime(2024, 3, 5, 17, 43, 4)),
        ("  2024-03-05T17:43:04Z\n", dt.datetime(2024, 3, 5, 17, 43, 4)),
    ],
)
def test_parse_datetime_to_naive_utc(text, expected):
    parsed = parse_datetime(text)

    assert parsed == expected
    assert parsed.tzinfo is None


@pytest.mark.parametrize("empty", [None, ""])
def test_parse_datetime_empty_is_none(empty):
    assert parse_datetime(empty) is None


@pytest.mark.parametrize("text", ["05/03/2024 11:43:04", "2024-13-05T00:00:00Z"])
def test_parse_datetime_rejects_other_formats(text):
    with pytest.raises(ValueError):
        parse_datetime(text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # Mexico City is UTC-6 all year since October 2022.
        (dt.datetime(2024, 3, 6, 5, 59, 59), "05/03/2024 23:59:59"),
        (dt.datetime(2024, 3, 6, 6, 0, 0), "06/03/2024 00:00:00"),
        (dt.datetime(2024, 1, 1, 5, 59, 59), "31/12/2023 23:59:59"),
        (dt.datetime(2023, 7, 1, 6, 0, 0), "01/07/2023 00:00:00"),
        # In the summer of 2021 Mexico City still kept daylight saving time (UTC-5).
        (dt.datetime(2021, 7, 1, 4, 59, 59), "30/06/2021 23:59:59"),
        (dt.datetime(2021, 7, 1, 5, 0, 0), "01/07/2021 00:00:00"),
    ],
)
def test_format_query_datetime_naive_utc(value, expected):
    assert format_query_datetime(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.datetime(2024, 3, 6, 6, 0, 0, tzinfo=UTC), "06/03/2024 00:00:00"),
        (
            dt.datetime(
                2024, 3, 6, 0, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=-6))
            ),
            "06/03/2024 00:00:00",
        ),
        (
            dt.datetime(2024, 3, 6, 8, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            "06/03/2024 00:00:00",
        ),
    ],
)
def test_format_query_datetime_aware(value, expected):
    assert format_query_datetime(value) == expected


def test_format_drops_microseconds():
    value = dt.datetime(2024, 3, 6, 5, 59, 59, 999999)

    assert format_query_datetime(value) == "05/03/2024 23:59:59"


def test_parse_then_format_round_trip():
    parsed = parse_datetime("2024-03-06T05:59:59Z")

    assert format_query_datetime(parsed) == "05/03/2024 23:59:59"
