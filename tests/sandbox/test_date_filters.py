"""Date windows on lists: format, Mexico City time, inclusive bounds, filterWithDate."""

import datetime as dt

import pytest

UTC = dt.timezone.utc


def _at(hour, minute=0, second=0, day=5):
    return dt.datetime(2024, 3, day, hour, minute, second, tzinfo=UTC)


@pytest.fixture
def orders(sandbox, catalog):
    """Three orders whose four dates differ.

    Each filterWithDate value therefore selects another set.
    """
    store = sandbox.store
    items = [{"product": "REF-600", "quantity": 1}]
    first = store.create_order(
        "C001", items, mobile_date_created=_at(15, 0, 0), date_created=_at(15, 0, 5)
    )
    # Captured offline at 16:00 UTC, received at 19:00 UTC.
    second = store.create_order(
        "C001", items, mobile_date_created=_at(16), date_created=_at(19)
    )
    third = store.create_order(
        "C002", items, mobile_date_created=_at(17), date_created=_at(17, 0, 4)
    )
    store.delete_order(third["id"], date_deleted=_at(18))
    store.set_external_id(first["id"], 41)
    return {"first": first["id"], "second": second["id"], "third": third["id"]}


def _ids(api, **params):
    response = api.get("/salesOrder", params=dict(params, max=100))
    assert response.status_code == 200, response.text
    return [order["id"] for order in response.json()["salesOrders"]]


def test_window_is_mexico_city_time(api, orders):
    # 09:00:05 in Mexico City is 15:00:05 UTC.
    assert _ids(api, start="05/03/2024 09:00:05", end="05/03/2024 09:00:05") == [
        orders["first"]
    ]
    assert _ids(api, start="05/03/2024 15:00:05", end="05/03/2024 15:00:05") == []


def test_bounds_are_inclusive(api, orders):
    assert _ids(api, start="05/03/2024 09:00:05", end="05/03/2024 13:00:00") == [
        orders["first"],
        orders["second"],
    ]
    assert _ids(api, start="05/03/2024 09:00:06", end="05/03/2024 12:59:59") == []


def test_default_field_is_date_created(api, orders):
    # mobileDateCreated of the second order (10:00 local) is in this window, its
    # dateCreated (13:00 local) is not.
    window = {"start": "05/03/2024 09:30:00", "end": "05/03/2024 10:30:00"}
    assert _ids(api, **window) == []
    assert _ids(api, filterWithDate="mobileDateCreated", **window) == [orders["second"]]


def test_filter_with_date_created(api, orders):
    window = {"start": "05/03/2024 12:30:00", "end": "05/03/2024 13:30:00"}
    assert _ids(api, filterWithDate="dateCreated", **window) == [orders["second"]]


def test_filter_with_date_deleted(api, orders):
    window = {
        "start": "05/03/2024 11:59:59",
        "end": "05/03/2024 12:00:00",
        "filterWithDate": "dateDeleted",
    }
    assert _ids(api, deleted="true", **window) == [orders["third"]]
    assert _ids(api, deleted="false", **window) == []


def test_filter_with_last_updated(api, sandbox, orders):
    # The externalId write happened at the frozen clock, 12:00 in Mexico City.
    window = {
        "start": "05/03/2024 12:00:00",
        "end": "05/03/2024 12:00:00",
        "filterWithDate": "lastUpdated",
    }
    assert _ids(api, **window) == [orders["first"]]


def test_start_only_and_end_only(api, orders):
    assert _ids(api, start="05/03/2024 12:00:00") == [orders["second"]]
    assert _ids(api, end="05/03/2024 12:00:00") == [orders["first"]]


def test_window_on_catalog_by_last_updated(api, catalog, sandbox):
    store = sandbox.store
    store.set_clock(_at(20))
    store.update_customer("C002", phoneNumber="33 1111 2222")
    params = {
        "filterWithDate": "lastUpdated",
        "start": "05/03/2024 13:30:00",
        "end": "05/03/2024 14:30:00",
    }
    customers = api.get("/customer", params=params).json()["customers"]
    assert [customer["code"] for customer in customers] == ["C002"]


@pytest.mark.parametrize(
    "name,value",
    [
        ("start", "2024-03-05 10:00:00"),
        ("start", "05/03/2024"),
        ("end", "5/3/2024 10:00:00"),
        ("end", "31/02/2024 10:00:00"),
        ("start", "05/03/2024T10:00:00"),
    ],
)
def test_bad_date_is_422(api, orders, name, value):
    response = api.get("/salesOrder", params={name: value})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert len(errors) == 1
    assert errors[0]["field"] == name
    assert errors[0]["rejected-value"] == value
    assert "dd/MM/yyyy HH:mm:ss" in errors[0]["message"]


def test_bad_filter_with_date_is_422(api, orders):
    response = api.get(
        "/salesOrder",
        params={"filterWithDate": "dateShipped", "start": "05/03/2024 00:00:00"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "filterWithDate"


def test_order_date_field_rejected_on_customers(api, catalog):
    response = api.get("/customer", params={"filterWithDate": "dateDeleted"})
    assert response.status_code == 422


def test_dates_in_answers_are_utc_iso(api, orders):
    order = api.get(f"/salesOrder/{orders['second']}").json()
    assert order["mobileDateCreated"] == "2024-03-05T16:00:00Z"
    assert order["dateCreated"] == "2024-03-05T19:00:00Z"
    # Next day at 09:00 in Mexico City.
    assert order["scheduledDateForDelivery"] == "2024-03-06T15:00:00Z"
