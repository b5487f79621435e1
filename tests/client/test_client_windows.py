"""HandyClient.window: the query values it writes and the records they select."""

import datetime as dt

import pytest
from handy_api import HandyClient, contract

# 00:00:00 on 6 March 2024 in Mexico City (UTC-6), as naive UTC.
LOCAL_MIDNIGHT = dt.datetime(2024, 3, 6, 6, 0, 0)
# 23:59:59 on 6 March 2024 in Mexico City.
LOCAL_END_OF_DAY = dt.datetime(2024, 3, 7, 5, 59, 59)
SECOND = dt.timedelta(seconds=1)


def _utc(naive):
    return naive.replace(tzinfo=dt.timezone.utc)


def test_window_writes_mexico_city_time():
    params = HandyClient.window(
        LOCAL_MIDNIGHT, LOCAL_END_OF_DAY, contract.FILTER_DATE_CREATED
    )

    assert params == {
        "filterWithDate": "dateCreated",
        "start": "06/03/2024 00:00:00",
        "end": "06/03/2024 23:59:59",
    }


def test_window_defaults_to_last_updated():
    params = HandyClient.window(LOCAL_MIDNIGHT, LOCAL_END_OF_DAY)

    assert params["filterWithDate"] == "lastUpdated"


def test_window_without_start():
    params = HandyClient.window(None, LOCAL_MIDNIGHT)

    assert params == {"filterWithDate": "lastUpdated", "end": "06/03/2024 00:00:00"}


@pytest.fixture
def orders_around_local_day(sandbox, catalog):
    """Orders created just outside, on and inside the local day of 6 March."""
    items = [{"product": "REF-600", "quantity": 1}]
    created = {
        "before": LOCAL_MIDNIGHT - SECOND,
        "start": LOCAL_MIDNIGHT,
        "midday": LOCAL_MIDNIGHT + dt.timedelta(hours=12),
        "end": LOCAL_END_OF_DAY,
        "after": LOCAL_END_OF_DAY + SECOND,
    }
    return {
        name: sandbox.store.create_order("C001", items, date_created=_utc(when))["id"]
        for name, when in created.items()
    }


def test_window_selects_local_day_inclusive(client, orders_around_local_day):
    params = HandyClient.window(
        LOCAL_MIDNIGHT, LOCAL_END_OF_DAY, contract.FILTER_DATE_CREATED
    )

    records = client.fetch_all(contract.SALES_ORDERS, params, page_size=2)

    expected = [orders_around_local_day[name] for name in ("start", "midday", "end")]
    assert sorted(record["id"] for record in records) == expected


def test_window_of_one_second(client, orders_around_local_day):
    params = HandyClient.window(
        LOCAL_END_OF_DAY, LOCAL_END_OF_DAY, contract.FILTER_DATE_CREATED
    )

    records = client.fetch_all(contract.SALES_ORDERS, params)

    assert [record["id"] for record in records] == [orders_around_local_day["end"]]


def test_window_on_last_updated(sandbox, client, catalog):
    zone_id = catalog["zone"]["id"]
    sandbox.store.add_customer(
        "OLD", "Tienda vieja", zone_id, date_created=_utc(LOCAL_MIDNIGHT - SECOND)
    )
    sandbox.store.add_customer(
        "NEW", "Tienda nueva", zone_id, date_created=_utc(LOCAL_MIDNIGHT)
    )

    records = client.fetch_all(
        contract.CUSTOMERS, HandyClient.window(LOCAL_MIDNIGHT, LOCAL_END_OF_DAY)
    )

    assert [record["code"] for record in records] == ["NEW"]
