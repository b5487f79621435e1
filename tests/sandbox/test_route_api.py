"""Routes over HTTP: /route lists and filters, creation, deletion, control calls."""

import datetime as dt

import pytest

UTC = dt.timezone.utc
LOAD = [{"product": "REF-600", "quantity": 24}, {"product": "PAPA-45", "quantity": 12}]


def _at(hour, minute=0, second=0, day=5):
    return dt.datetime(2024, 3, day, hour, minute, second, tzinfo=UTC)


def _ids(api, **params):
    response = api.get("/route", params=dict(params, max=100))
    assert response.status_code == 200, response.text
    return [route["id"] for route in response.json()["routes"]]


def _fields(response):
    assert response.status_code == 422, response.text
    return {error["field"]: error for error in response.json()["errors"]}


@pytest.fixture
def store(sandbox):
    return sandbox.store


@pytest.fixture
def drivers(store, catalog):
    return [
        store.add_user(f"Chofer {number}", f"chofer{number}@example.com")["id"]
        for number in (1, 2, 3)
    ]


@pytest.fixture
def order(store, catalog):
    return store.create_order(
        "C001",
        [{"product": "REF-600", "quantity": 10}, {"product": "ARROZ-1", "quantity": 4}],
    )


def _close(store, route_id, when):
    store.set_clock(when)
    store.accept_route(route_id)
    store.finish_route(route_id)
    return store.close_route(route_id)


@pytest.fixture
def three_routes(store, drivers, order):
    """Routes created at 15:00, 16:00 and 17:00 UTC; the first two closed.

    The first closes at 19:00 UTC (13:00 in Mexico City), the second at 20:00 UTC.
    """
    store.set_clock(_at(15))
    first = store.create_route(drivers[0], [order["id"]], LOAD)
    store.set_clock(_at(16))
    second = store.create_route(drivers[1], products=LOAD)
    store.set_clock(_at(17))
    third = store.create_route(drivers[2], products=LOAD)
    _close(store, first["id"], _at(19))
    _close(store, second["id"], _at(20))
    return [first["id"], second["id"], third["id"]]


def test_get_route_matches_store(api, store, drivers, order):
    route = store.create_route(drivers[0], [order["id"]], LOAD)
    response = api.get(f"/route/{route['id']}")
    assert response.status_code == 200
    assert response.json() == route
    assert response.json()["salesOrders"] == [order["id"]]


def test_get_unknown_route_is_404(api, catalog):
    assert api.get("/route/5999").status_code == 404
    assert api.get("/route/abc").status_code == 404
    assert "No existe una ruta" in api.get("/route/5999").json()["message"]


def test_list_omits_sales_orders_by_default(api, three_routes, order):
    body = api.get("/route").json()
    assert body["pagination"]["totalCount"] == 3
    assert all("salesOrders" not in route for route in body["routes"])
    included = api.get("/route", params={"includeSalesOrders": "true"}).json()
    assert included["routes"][0]["salesOrders"] == [order["id"]]
    assert included["routes"][1]["salesOrders"] == []


def test_list_filters_closed(api, three_routes):
    assert _ids(api, closed="true") == three_routes[:2]
    assert _ids(api, closed="false") == three_routes[2:]
    assert _ids(api) == three_routes


def test_date_closed_window(api, three_routes):
    # 13:00 in Mexico City is 19:00 UTC: only the first route closed then.
    assert _ids(
        api,
        filterWithDate="dateClosed",
        start="05/03/2024 13:00:00",
        end="05/03/2024 13:00:00",
    ) == [three_routes[0]]
    assert _ids(
        api,
        filterWithDate="dateClosed",
        start="05/03/2024 13:00:01",
        end="05/03/2024 14:00:00",
    ) == [three_routes[1]]
    # The open route has no dateClosed, so no window lists it.
    assert (
        _ids(
            api,
            filterWithDate="dateClosed",
            start="01/03/2024 00:00:00",
            end="31/03/2024 00:00:00",
        )
        == three_routes[:2]
    )


def test_date_closed_window_with_included_orders(api, three_routes, order):
    response = api.get(
        "/route",
        params={
            "filterWithDate": "dateClosed",
            "start": "05/03/2024 12:59:59",
            "end": "05/03/2024 13:00:00",
            "includeSalesOrders": "true",
            "closed": "true",
        },
    )
    assert response.status_code == 200
    assert [route["salesOrders"] for route in response.json()["routes"]] == [
        [order["id"]]
    ]


def test_default_window_is_date_created(api, three_routes):
    # 10:00 in Mexico City is 16:00 UTC, when the second route was created.
    assert _ids(api, start="05/03/2024 10:00:00", end="05/03/2024 10:30:00") == [
        three_routes[1]
    ]


def test_last_updated_window(api, store, three_routes):
    # Closing the second route at 20:00 UTC (14:00 local) updated it last.
    assert _ids(
        api,
        filterWithDate="lastUpdated",
        start="05/03/2024 13:30:00",
        end="05/03/2024 14:00:00",
    ) == [three_routes[1]]


def test_bad_route_list_parameters_are_422(api, catalog):
    errors = _fields(
        api.get(
            "/route",
            params={
                "filterWithDate": "dateFinished",
                "closed": "yes",
                "includeSalesOrders": "1",
                "sort": "user",
            },
        )
    )
    assert set(errors) == {"filterWithDate", "closed", "includeSalesOrders", "sort"}


def test_sort_and_pages(api, three_routes):
    # Nulls sort last in ascending order, so the open route comes first here.
    body = api.get(
        "/route", params={"sort": "dateClosed", "order": "desc", "max": 2}
    ).json()
    assert [route["id"] for route in body["routes"]] == [
        three_routes[2],
        three_routes[1],
    ]
    assert body["pagination"]["totalPages"] == 2
    second = api.get(
        "/route", params={"sort": "dateClosed", "order": "desc", "max": 2, "page": 2}
    ).json()
    assert [route["id"] for route in second["routes"]] == [three_routes[0]]


def test_create_route_over_http(api, store, drivers, order):
    body = {
        "products": [{"product": "REF-600", "quantity": 48}],
        "salesOrders": [order["id"]],
        "dateForDelivery": "07/03/2024",
        "initialAmount": 500.0,
        "comments": "Carga de la mañana",
        "skipInventoryValidation": False,
    }
    response = api.post(f"/user/{drivers[0]}/route", json=body)
    assert response.status_code == 201, response.text
    route = response.json()
    assert route["status"] == "OPEN"
    assert route["dateForDelivery"] == "2024-03-07"
    assert route["salesOrders"] == [order["id"]]
    assert route["products"][0]["product"]["code"] == "REF-600"
    assert route["products"][0]["quantity"] == 48
    assert route["initialAmount"] == 500.0
    assert store.get_route(route["id"]) == route


def test_create_route_rejections_over_http(api, drivers, order):
    errors = _fields(
        api.post(
            f"/user/{drivers[0]}/route",
            json={"salesOrders": [order["id"]], "initialAmount": "500"},
        )
    )
    assert set(errors) == {"products", "dateForDelivery", "initialAmount"}
    errors = _fields(
        api.post(
            f"/user/{drivers[0]}/route",
            json={"products": [], "dateForDelivery": "2024-03-07"},
        )
    )
    assert set(errors) == {"dateForDelivery"}
    assert "dd/MM/yyyy" in errors["dateForDelivery"]["message"]


def test_create_route_without_orders_needs_no_date(api, drivers):
    response = api.post(f"/user/{drivers[0]}/route", json={"products": LOAD})
    assert response.status_code == 201
    assert response.json()["dateForDelivery"] == "2024-03-05"


def test_create_route_for_unknown_user_is_404(api, catalog):
    response = api.post("/user/999/route", json={"products": []})
    assert response.status_code == 404


def test_second_route_for_user_is_422(api, drivers):
    assert (
        api.post(f"/user/{drivers[0]}/route", json={"products": []}).status_code == 201
    )
    errors = _fields(api.post(f"/user/{drivers[0]}/route", json={"products": []}))
    assert set(errors) == {"user"}


def test_delete_route(api, store, drivers):
    route = store.create_route(drivers[0], products=LOAD)
    response = api.session.delete(f"{api.url}/route/{route['id']}", timeout=10)
    assert response.status_code == 200
    assert response.json()["id"] == route["id"]
    assert api.get(f"/route/{route['id']}").status_code == 404


def test_delete_accepted_route_is_422(api, store, drivers):
    route = store.create_route(drivers[0], products=LOAD)
    store.accept_route(route["id"])
    response = api.session.delete(f"{api.url}/route/{route['id']}", timeout=10)
    errors = _fields(response)
    assert errors["status"]["rejected-value"] == "LOAD_ACCEPTED"


def test_current_route(api, store, drivers):
    assert api.get(f"/user/{drivers[0]}/route/current").status_code == 404
    assert api.get("/user/999/route/current").status_code == 404
    route = store.create_route(drivers[0], products=LOAD)
    response = api.get(f"/user/{drivers[0]}/route/current")
    assert response.status_code == 200
    assert response.json() == route
    _close(store, route["id"], _at(19))
    assert api.get(f"/user/{drivers[0]}/route/current").status_code == 404


def test_route_sales_in_order_list(api, store, drivers, order):
    route = store.create_route(drivers[0], [order["id"]], LOAD)
    store.accept_route(route["id"])
    sale = store.sell_from_truck(
        route["id"], "C002", [{"product": "PAPA-45", "quantity": 2}]
    )
    returned = store.take_return(
        route["id"], "C001", [{"product": "ARROZ-1", "quantity": 1}]
    )
    response = api.get("/salesOrder", params={"salesType": "ROUTE"})
    listed = response.json()["salesOrders"]
    assert [item["id"] for item in listed] == [sale["id"], returned["id"]]
    assert all(item["salesType"] == "Venta en ruta" for item in listed)
    assert all(item["routeId"] == route["id"] for item in listed)
    assert listed[1]["items"][0]["returnCondition"] == "GOOD"
    presale = api.get("/salesOrder", params={"salesType": "PRESALE"}).json()
    assert [item["id"] for item in presale["salesOrders"]] == [order["id"]]
    assert presale["salesOrders"][0]["routeId"] == route["id"]


def test_route_page(api, store, drivers, order):
    route = store.create_route(drivers[0], [order["id"]], LOAD)
    response = api.session.get(
        f"{api.sandbox.web_url}/route/show/{route['id']}", timeout=10
    )
    assert response.status_code == 200
    assert f"Ruta {route['id']}" in response.text
    assert f"/salesOrder/show/{order['id']}" in response.text
    assert "Abierta" in response.text


# -- control API --------------------------------------------------------------


def test_control_route_lifecycle(api, store, drivers, order):
    created = api.control(
        "POST",
        "/routes",
        json={
            "user_id": drivers[0],
            "sales_order_ids": [order["id"]],
            "products": LOAD,
            "date_for_delivery": "2024-03-06",
        },
    )
    assert created.status_code == 201, created.text
    route_id = created.json()["id"]
    calls = [
        ("/accept", {}, 200),
        (
            "/deliver",
            {
                "order_id": order["id"],
                "outcome": "partial",
                "quantities": {"REF-600": 6},
            },
            200,
        ),
        (
            "/sell",
            {
                "customer_code": "C002",
                "items": [{"product": "REF-600", "quantity": 2}],
                "payment_type": "Crédito",
            },
            201,
        ),
        (
            "/return",
            {
                "customer_code": "C001",
                "items": [
                    {"product": "ARROZ-1", "quantity": 1, "returnCondition": "DAMAGED"}
                ],
            },
            201,
        ),
        ("/finish", None, 200),
        ("/correct", {"order_id": order["id"], "quantities": {"REF-600": 7}}, 200),
        (
            "/close",
            {"settlement": {"REF-600": {"quantity": 22, "destination": "LOAD"}}},
            200,
        ),
    ]
    for path, body, status in calls:
        response = api.control("POST", f"/routes/{route_id}{path}", json=body)
        assert response.status_code == status, (path, response.text)
    route = store.get_route(route_id)
    assert route["status"] == "CLOSED"
    assert route["nextRouteId"] is not None
    assert store.get_order(order["id"])["items"][0]["delivered"] == 7
    listed = api.control("GET", "/routes").json()["routes"]
    assert [item["id"] for item in listed] == [route_id, route["nextRouteId"]]


def test_control_wrong_state_is_422(api, store, drivers, order):
    open_id = store.create_route(drivers[0], [order["id"]], LOAD)["id"]
    accepted_id = store.create_route(drivers[1], products=LOAD)["id"]
    store.accept_route(accepted_id)
    sale = {"customer_code": "C001", "items": [{"product": "REF-600", "quantity": 1}]}
    correction = {"order_id": order["id"], "quantities": {"REF-600": 1}}
    cases = [
        (open_id, "OPEN", "/deliver", {"order_id": order["id"], "outcome": "complete"}),
        (open_id, "OPEN", "/sell", sale),
        (open_id, "OPEN", "/return", sale),
        (open_id, "OPEN", "/finish", {}),
        (open_id, "OPEN", "/correct", correction),
        (open_id, "OPEN", "/close", {}),
        (accepted_id, "LOAD_ACCEPTED", "/accept", {}),
        (accepted_id, "LOAD_ACCEPTED", "/correct", correction),
        (accepted_id, "LOAD_ACCEPTED", "/close", {}),
        (accepted_id, "LOAD_ACCEPTED", "/delete", {}),
    ]
    for route_id, status, path, body in cases:
        response = api.control("POST", f"/routes/{route_id}{path}", json=body)
        assert response.status_code == 422, (path, response.text)
        error = response.json()["errors"][0]
        assert error["field"] == "status", path
        assert error["rejected-value"] == status, path


def test_control_delete(api, store, drivers):
    route = store.create_route(drivers[0], products=LOAD)
    response = api.control("POST", f"/routes/{route['id']}/delete")
    assert response.status_code == 200
    assert store.routes() == []


def test_control_bad_keys_and_ids(api, store, drivers):
    route = store.create_route(drivers[0], products=LOAD)
    response = api.control(
        "POST", f"/routes/{route['id']}/deliver", json={"order": 1, "outcome": "x"}
    )
    assert response.status_code == 422
    assert "order_id" in response.json()["message"]
    assert api.control("POST", "/routes/5999/accept").status_code == 404
    assert api.control("POST", "/routes/x/accept").status_code == 404
    response = api.control("POST", "/routes", json={"products": []})
    assert response.status_code == 422
