"""Routes in the store: every transition, its rejections, and the route JSON."""

import datetime as dt
import threading

import pytest
from handy_sandbox.errors import NotFoundError, ValidationError

UTC = dt.timezone.utc
LOAD = [{"product": "REF-600", "quantity": 24}, {"product": "PAPA-45", "quantity": 12}]
ROUTE_FIELDS = {
    "id",
    "user",
    "salesOrders",
    "status",
    "closed",
    "dateCreated",
    "dateLoadAccepted",
    "dateFinished",
    "dateClosed",
    "lastUpdated",
    "dateForDelivery",
    "products",
    "carriedOver",
    "settlement",
    "initialAmount",
    "comments",
    "nextRouteId",
}


def _errors(excinfo):
    return {error["field"]: error for error in excinfo.value.errors}


def _later(store, minutes):
    """Move the frozen clock forward and return the new time as ISO text."""
    store.set_clock(store.now() + dt.timedelta(minutes=minutes))
    return store.now().strftime("%Y-%m-%dT%H:%M:%SZ")


def _lines(order, code, is_return=False):
    return [
        item
        for item in order["items"]
        if item["product"]["code"] == code and item["isReturn"] == is_return
    ]


@pytest.fixture
def store(sandbox):
    return sandbox.store


@pytest.fixture
def driver(store, catalog):
    return store.add_user("Chofer Uno", "chofer.uno@example.com")


@pytest.fixture
def presales(store, catalog):
    first = store.create_order(
        "C001",
        [
            {"product": "REF-600", "quantity": 10},
            {"product": "ARROZ-1", "quantity": 4},
        ],
    )
    second = store.create_order(
        "C002",
        [
            {"product": "PAPA-45", "quantity": 6},
            {"product": "REF-600", "quantity": 2, "isReward": True},
            {
                "product": "ARROZ-1",
                "quantity": 1,
                "isReturn": True,
                "returnCondition": "DAMAGED",
            },
        ],
    )
    return [first, second]


@pytest.fixture
def route(store, driver, presales):
    return store.create_route(
        driver["id"],
        [order["id"] for order in presales],
        LOAD,
        date_for_delivery="2024-03-06",
        initial_amount=500,
        comments="Carga de la mañana",
    )


@pytest.fixture
def accepted(store, route):
    _later(store, 10)
    return store.accept_route(route["id"])


# -- creation -----------------------------------------------------------------


def test_created_route_json(route, driver, presales):
    assert set(route) == ROUTE_FIELDS
    assert route["status"] == "OPEN"
    assert route["closed"] is False
    assert route["user"]["id"] == driver["id"]
    assert route["user"]["name"] == "Chofer Uno"
    assert route["salesOrders"] == [order["id"] for order in presales]
    assert route["dateCreated"] == "2024-03-05T18:00:00Z"
    assert route["lastUpdated"] == "2024-03-05T18:00:00Z"
    assert route["dateLoadAccepted"] is None
    assert route["dateFinished"] is None
    assert route["dateClosed"] is None
    assert route["dateForDelivery"] == "2024-03-06"
    assert route["initialAmount"] == 500.0
    assert route["comments"] == "Carga de la mañana"
    assert route["carriedOver"] == []
    assert route["settlement"] is None
    assert route["nextRouteId"] is None


def test_route_products_shape(store, route):
    first = route["products"][0]
    assert set(first) == {"product", "quantity"}
    assert set(first["product"]) == {"id", "code", "description"}
    assert first["product"]["code"] == "REF-600"
    assert first["product"]["id"] == store.get_product("REF-600")["id"]
    assert first["quantity"] == 24


def test_create_leaves_orders_pending(store, route, presales):
    for order in presales:
        current = store.get_order(order["id"])
        assert current["operativeStatus"] == "PENDING_DELIVERY"
        assert current["routeId"] is None


def test_delivery_day_defaults_to_mexico_city_today(store, driver):
    # 02:00 UTC on 6 March is still 5 March, 20:00, in Mexico City.
    store.set_clock(dt.datetime(2024, 3, 6, 2, 0, tzinfo=UTC))
    route = store.create_route(driver["id"])
    assert route["dateForDelivery"] == "2024-03-05"


def test_delivery_day_accepts_date_objects(store, driver):
    route = store.create_route(driver["id"], date_for_delivery=dt.date(2024, 3, 7))
    assert route["dateForDelivery"] == "2024-03-07"


def test_create_rejects_bad_orders(store, driver, presales, catalog):
    deleted = store.create_order("C001", [{"product": "REF-600", "quantity": 1}])
    store.delete_order(deleted["id"])
    route_sale = store.create_order(
        "C001", [{"product": "REF-600", "quantity": 1}], sales_type="ROUTE"
    )
    with pytest.raises(ValidationError) as excinfo:
        store.create_route(
            driver["id"],
            [
                presales[0]["id"],
                123,
                deleted["id"],
                route_sale["id"],
                presales[0]["id"],
            ],
        )
    errors = _errors(excinfo)
    assert set(errors) == {
        "salesOrders[1]",
        "salesOrders[2]",
        "salesOrders[3]",
        "salesOrders[4]",
    }
    assert errors["salesOrders[1]"]["message"] == "No existe un pedido con id 123."
    assert "eliminado" in errors["salesOrders[2]"]["message"]
    assert "no es de preventa" in errors["salesOrders[3]"]["message"]
    assert "dos veces" in errors["salesOrders[4]"]["message"]
    assert errors["salesOrders[1]"]["object"] == "com.locus.route.Route"


def test_create_rejects_order_on_other_route(store, route, presales):
    other = store.add_user("Chofer Dos", "chofer.dos@example.com")
    with pytest.raises(ValidationError) as excinfo:
        store.create_route(other["id"], [presales[0]["id"]])
    message = _errors(excinfo)["salesOrders[0]"]["message"]
    assert message == f"El pedido {presales[0]['id']} ya está en la ruta {route['id']}."


def test_create_rejects_delivered_order(store, accepted, presales):
    store.deliver_order(accepted["id"], presales[0]["id"], "complete")
    store.finish_route(accepted["id"])
    other = store.add_user("Chofer Dos", "chofer.dos@example.com")
    with pytest.raises(ValidationError) as excinfo:
        store.create_route(other["id"], [presales[0]["id"]])
    assert "no está por entregar" in _errors(excinfo)["salesOrders[0]"]["message"]


def test_one_unclosed_route_per_user(store, driver, route):
    with pytest.raises(ValidationError) as excinfo:
        store.create_route(driver["id"])
    error = _errors(excinfo)["user"]
    assert error["rejected-value"] == driver["id"]
    assert f"ya tiene la ruta {route['id']}" in error["message"]


def test_finished_route_still_blocks_a_new_one(store, driver, accepted):
    store.finish_route(accepted["id"])
    with pytest.raises(ValidationError):
        store.create_route(driver["id"])
    store.close_route(accepted["id"])
    assert store.create_route(driver["id"])["status"] == "OPEN"


def test_create_rejects_bad_load(store, driver, catalog):
    store.update_product("ARROZ-1", enabled=False)
    with pytest.raises(ValidationError) as excinfo:
        store.create_route(
            driver["id"],
            products=[
                {"product": "NOPE", "quantity": 1},
                {"product": "ARROZ-1", "quantity": 1},
                {"product": "REF-600", "quantity": 0},
                {"product": "PAPA-45", "quantity": 2},
                {"product": "PAPA-45", "quantity": 3},
            ],
            initial_amount=-1,
            comments="x" * 256,
        )
    errors = _errors(excinfo)
    assert set(errors) == {
        "products[0].product",
        "products[1].product",
        "products[2].quantity",
        "products[4].product",
        "initialAmount",
        "comments",
    }
    assert "inactivo" in errors["products[1].product"]["message"]
    assert "dos veces" in errors["products[4].product"]["message"]


def test_carried_over_must_be_part_of_load(store, driver, catalog):
    with pytest.raises(ValidationError) as excinfo:
        store.create_route(
            driver["id"],
            products=[{"product": "REF-600", "quantity": 5}],
            carried_over=[
                {"product": "REF-600", "quantity": 6},
                {"product": "PAPA-45", "quantity": 1},
            ],
        )
    assert set(_errors(excinfo)) == {
        "carriedOver[0].quantity",
        "carriedOver[1].quantity",
    }
    route = store.create_route(
        driver["id"],
        products=[{"product": "REF-600", "quantity": 5}],
        carried_over=[{"product": "REF-600", "quantity": 2}],
    )
    assert route["carriedOver"][0]["quantity"] == 2
    assert route["carriedOver"][0]["product"]["code"] == "REF-600"


def test_create_unknown_user_is_not_found(store, catalog):
    with pytest.raises(NotFoundError):
        store.create_route(999)


def test_create_for_disabled_user_is_rejected(store, driver):
    store.update_user(driver["id"], enabled=False)
    with pytest.raises(ValidationError) as excinfo:
        store.create_route(driver["id"])
    assert set(_errors(excinfo)) == {"user"}


def test_bad_delivery_day_is_rejected(store, driver):
    with pytest.raises(ValidationError) as excinfo:
        store.create_route(driver["id"], date_for_delivery="06/03/2024")
    assert set(_errors(excinfo)) == {"dateForDelivery"}


# -- acceptance ---------------------------------------------------------------


def test_accept_puts_orders_on_route(store, accepted, presales):
    assert accepted["status"] == "LOAD_ACCEPTED"
    assert accepted["dateLoadAccepted"] == "2024-03-05T18:10:00Z"
    assert accepted["lastUpdated"] == "2024-03-05T18:10:00Z"
    for order in presales:
        current = store.get_order(order["id"])
        assert current["operativeStatus"] == "ON_ROUTE"
        assert current["prettyOperativeStatus"] == "En ruta"
        assert current["routeId"] == accepted["id"]
        assert current["lastUpdated"] == "2024-03-05T18:10:00Z"


def test_accept_twice_is_rejected(store, accepted):
    with pytest.raises(ValidationError) as excinfo:
        store.accept_route(accepted["id"])
    error = _errors(excinfo)["status"]
    assert error["rejected-value"] == "LOAD_ACCEPTED"
    assert "debe estar en OPEN" in error["message"]


def test_accept_rechecks_orders(store, route, presales):
    store.delete_order(presales[1]["id"])
    with pytest.raises(ValidationError) as excinfo:
        store.accept_route(route["id"])
    assert set(_errors(excinfo)) == {"salesOrders[1]"}
    assert store.get_route(route["id"])["status"] == "OPEN"
    assert store.get_order(presales[0]["id"])["operativeStatus"] == "PENDING_DELIVERY"


def test_unknown_route_is_not_found(store):
    with pytest.raises(NotFoundError):
        store.accept_route(5999)
    with pytest.raises(NotFoundError):
        store.get_route(5999)


# -- deliveries ---------------------------------------------------------------


def test_deliver_complete(store, accepted, presales):
    order = store.deliver_order(accepted["id"], presales[1]["id"], "complete")
    assert order["operativeStatus"] == "DELIVERED_COMPLETE"
    assert [item["delivered"] for item in order["items"]] == [6, 2, 1]
    assert order["routeId"] == accepted["id"]


def test_deliver_partial(store, accepted, presales):
    _later(store, 5)
    order = store.deliver_order(
        accepted["id"], presales[0]["id"], "partial", {"ARROZ-1": 1.5}
    )
    assert order["operativeStatus"] == "PARTIAL_DELIVERED_OPEN"
    assert order["prettyOperativeStatus"] == "Entrega parcial"
    assert _lines(order, "REF-600")[0]["delivered"] == 10
    assert _lines(order, "ARROZ-1")[0]["delivered"] == 1.5
    assert order["lastUpdated"] == "2024-03-05T18:15:00Z"
    assert store.get_route(accepted["id"])["lastUpdated"] == "2024-03-05T18:15:00Z"


def test_partial_spreads_over_lines_of_one_product(store, accepted, presales):
    # REF-600 of the second order is on its reward line only: 0 of 2.
    order = store.deliver_order(
        accepted["id"], presales[1]["id"], "partial", {"REF-600": 0}
    )
    assert _lines(order, "REF-600")[0]["delivered"] == 0
    assert _lines(order, "PAPA-45")[0]["delivered"] == 6


def test_partial_quantity_fills_lines_in_order(store, driver, catalog):
    order = store.create_order(
        "C001",
        [
            {"product": "REF-600", "quantity": 4},
            {"product": "REF-600", "quantity": 2, "isReward": True},
        ],
    )
    route = store.create_route(driver["id"], [order["id"]])
    store.accept_route(route["id"])
    delivered = store.deliver_order(route["id"], order["id"], "partial", {"REF-600": 5})
    assert [item["delivered"] for item in delivered["items"]] == [4, 1]


def test_deliver_refused(store, accepted, presales):
    order = store.deliver_order(accepted["id"], presales[1]["id"], "refused")
    assert order["operativeStatus"] == "RETURNED"
    assert [item["delivered"] for item in order["items"]] == [0, 0, 0]


def test_not_delivered_keeps_route_and_may_retry(store, accepted, presales):
    order = store.deliver_order(accepted["id"], presales[0]["id"], "not_delivered")
    assert order["operativeStatus"] == "PENDING_DELIVERY"
    assert order["routeId"] == accepted["id"]
    retried = store.deliver_order(accepted["id"], presales[0]["id"], "complete")
    assert retried["operativeStatus"] == "DELIVERED_COMPLETE"


def test_return_lines_picked_up_only_on_delivery(store, accepted, presales):
    refused = store.deliver_order(accepted["id"], presales[1]["id"], "refused")
    assert _lines(refused, "ARROZ-1", is_return=True)[0]["delivered"] == 0
    store.finish_route(accepted["id"])
    corrected = store.correct_delivery(
        accepted["id"], presales[1]["id"], {"PAPA-45": 6, "REF-600": 2}
    )
    assert _lines(corrected, "ARROZ-1", is_return=True)[0]["delivered"] == 1


def test_partial_rejections(store, accepted, presales):
    cases = [
        ({"REF-600": 10, "ARROZ-1": 4}, "quantities", "use el resultado 'complete'"),
        ({"REF-600": 0, "ARROZ-1": 0}, "quantities", "'refused' o 'not_delivered'"),
        ({"PAPA-45": 1}, "quantities.PAPA-45", "no tiene una partida"),
        ({"REF-600": 11}, "quantities.REF-600", "Se pidieron 10"),
        ({"REF-600": -1}, "quantities.REF-600", "mayor o igual a cero"),
        ({"REF-600": "5"}, "quantities.REF-600", "mayor o igual a cero"),
        ([5], "quantities", "objeto"),
    ]
    for quantities, field, text in cases:
        with pytest.raises(ValidationError) as excinfo:
            store.deliver_order(
                accepted["id"], presales[0]["id"], "partial", quantities
            )
        errors = _errors(excinfo)
        assert field in errors, quantities
        assert text in errors[field]["message"], quantities
    assert store.get_order(presales[0]["id"])["operativeStatus"] == "ON_ROUTE"


def test_deliver_rejections(store, accepted, presales, catalog):
    stranger = store.create_order("C001", [{"product": "REF-600", "quantity": 1}])
    with pytest.raises(ValidationError) as excinfo:
        store.deliver_order(accepted["id"], presales[0]["id"], "lost")
    assert set(_errors(excinfo)) == {"outcome"}
    with pytest.raises(ValidationError) as excinfo:
        store.deliver_order(
            accepted["id"], presales[0]["id"], "complete", {"REF-600": 1}
        )
    assert set(_errors(excinfo)) == {"quantities"}
    with pytest.raises(ValidationError) as excinfo:
        store.deliver_order(accepted["id"], stranger["id"], "complete")
    assert set(_errors(excinfo)) == {"salesOrders"}
    with pytest.raises(NotFoundError):
        store.deliver_order(accepted["id"], 999, "complete")


def test_deliver_twice_is_rejected(store, accepted, presales):
    store.deliver_order(accepted["id"], presales[0]["id"], "complete")
    with pytest.raises(ValidationError) as excinfo:
        store.deliver_order(accepted["id"], presales[0]["id"], "refused")
    assert set(_errors(excinfo)) == {"operativeStatus"}


def test_deliver_needs_accepted_load(store, route, presales):
    with pytest.raises(ValidationError) as excinfo:
        store.deliver_order(route["id"], presales[0]["id"], "complete")
    assert _errors(excinfo)["status"]["rejected-value"] == "OPEN"


# -- route sales and returns --------------------------------------------------


def test_sell_from_truck(store, accepted, driver):
    _later(store, 30)
    order = store.sell_from_truck(
        accepted["id"],
        "C002",
        [
            {"product": "REF-600", "quantity": 5},
            {"product": "ARROZ-1", "quantity": 2, "isReturn": True},
        ],
        payment_type="Crédito",
    )
    assert order["salesType"] == "Venta en ruta"
    assert order["routeId"] == accepted["id"]
    assert order["operativeStatus"] == "DELIVERED_COMPLETE"
    assert order["routeSalePaymentType"] == "Crédito"
    assert order["createdBy"]["id"] == driver["id"]
    assert order["customer"]["code"] == "C002"
    assert order["scheduledDateForDelivery"] is None
    assert order["dateCreated"] == "2024-03-05T18:40:00Z"
    assert [item["delivered"] for item in order["items"]] == [5, 2]
    assert order["items"][0]["returnCondition"] is None
    assert order["items"][1]["returnCondition"] == "GOOD"
    # The return line stays out of the totals: 5 × 18.56.
    assert order["totalSales"] == 92.8
    route = store.get_route(accepted["id"])
    assert route["salesOrders"][-1] == order["id"]
    assert route["lastUpdated"] == "2024-03-05T18:40:00Z"


def test_sales_limited_to_what_is_left(store, accepted):
    store.sell_from_truck(
        accepted["id"], "C001", [{"product": "REF-600", "quantity": 20}]
    )
    with pytest.raises(ValidationError) as excinfo:
        store.sell_from_truck(
            accepted["id"],
            "C002",
            [
                {"product": "REF-600", "quantity": 3},
                {"product": "REF-600", "quantity": 2, "isReward": True},
            ],
        )
    error = _errors(excinfo)["items[0].quantity"]
    assert error["rejected-value"] == 5
    assert "Solo quedan 4 de 'REF-600'" in error["message"]
    sold = store.sell_from_truck(
        accepted["id"],
        "C002",
        [
            {"product": "REF-600", "quantity": 4},
            {"product": "REF-600", "quantity": 9, "isReturn": True},
        ],
    )
    assert sold["items"][0]["delivered"] == 4


def test_parallel_sales_never_oversell(store, accepted):
    results = []

    def sell():
        try:
            store.sell_from_truck(
                accepted["id"], "C001", [{"product": "PAPA-45", "quantity": 1}]
            )
            results.append("sold")
        except ValidationError:
            results.append("rejected")

    threads = [threading.Thread(target=sell) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The load has 12 of PAPA-45.
    assert results.count("sold") == 12
    assert results.count("rejected") == 8
    assert len(store.get_route(accepted["id"])["salesOrders"]) == 2 + 12


def test_sell_rejects_product_not_loaded(store, accepted):
    with pytest.raises(ValidationError) as excinfo:
        store.sell_from_truck(
            accepted["id"], "C001", [{"product": "ARROZ-1", "quantity": 1}]
        )
    assert "no está en la carga" in _errors(excinfo)["items[0].quantity"]["message"]


def test_sell_rejections(store, accepted):
    with pytest.raises(ValidationError) as excinfo:
        store.sell_from_truck(
            accepted["id"],
            "C999",
            [{"product": "NOPE", "quantity": 1}],
            payment_type="Cash",
        )
    assert set(_errors(excinfo)) == {
        "customer",
        "routeSalePaymentType",
        "items[0].product",
    }


def test_sell_needs_accepted_load(store, route):
    with pytest.raises(ValidationError) as excinfo:
        store.sell_from_truck(
            route["id"], "C001", [{"product": "REF-600", "quantity": 1}]
        )
    assert set(_errors(excinfo)) == {"status"}


def test_return_condition_only_on_return_lines(store, accepted):
    with pytest.raises(ValidationError) as excinfo:
        store.sell_from_truck(
            accepted["id"],
            "C001",
            [
                {"product": "REF-600", "quantity": 1, "returnCondition": "DAMAGED"},
                {
                    "product": "PAPA-45",
                    "quantity": 1,
                    "isReturn": True,
                    "returnCondition": "BROKEN",
                },
            ],
        )
    assert set(_errors(excinfo)) == {
        "items[0].returnCondition",
        "items[1].returnCondition",
    }


def test_take_return(store, accepted):
    order = store.take_return(
        accepted["id"],
        "C001",
        [
            {"product": "ARROZ-1", "quantity": 2, "returnCondition": "DAMAGED"},
            {"product": "REF-600", "quantity": 30},
        ],
    )
    assert [item["isReturn"] for item in order["items"]] == [True, True]
    assert [item["returnCondition"] for item in order["items"]] == ["DAMAGED", "GOOD"]
    assert [item["delivered"] for item in order["items"]] == [2, 30]
    assert order["totalSales"] == 0
    assert order["salesType"] == "Venta en ruta"
    assert order["routeSalePaymentType"] == "Contado"
    assert order["id"] in store.get_route(accepted["id"])["salesOrders"]


def test_take_return_rejects_sold_lines(store, accepted):
    with pytest.raises(ValidationError) as excinfo:
        store.take_return(
            accepted["id"],
            "C001",
            [{"product": "REF-600", "quantity": 1, "isReturn": False}],
        )
    assert set(_errors(excinfo)) == {"items[0].isReturn"}


def test_order_json_has_route_fields(store, presales):
    order = store.get_order(presales[1]["id"])
    assert order["routeId"] is None
    assert [item["returnCondition"] for item in order["items"]] == [
        None,
        None,
        "DAMAGED",
    ]


# -- end of the day -----------------------------------------------------------


def test_finish_route(store, accepted, presales):
    store.deliver_order(accepted["id"], presales[0]["id"], "complete")
    _later(store, 60)
    finished = store.finish_route(accepted["id"])
    assert finished["status"] == "FINISHED"
    assert finished["dateFinished"] == "2024-03-05T19:10:00Z"
    assert finished["closed"] is False
    delivered = store.get_order(presales[0]["id"])
    assert delivered["operativeStatus"] == "DELIVERED_COMPLETE"
    assert delivered["lastUpdated"] == "2024-03-05T18:10:00Z"
    left = store.get_order(presales[1]["id"])
    assert left["operativeStatus"] == "PENDING_DELIVERY"
    assert left["routeId"] == accepted["id"]
    assert [item["delivered"] for item in left["items"]] == [0, 0, 0]
    assert left["lastUpdated"] == "2024-03-05T19:10:00Z"


def test_finish_needs_accepted_load(store, route):
    with pytest.raises(ValidationError):
        store.finish_route(route["id"])


def test_correct_delivery(store, accepted, presales):
    store.deliver_order(accepted["id"], presales[0]["id"], "partial", {"REF-600": 7})
    store.finish_route(accepted["id"])
    _later(store, 90)
    order = store.correct_delivery(accepted["id"], presales[0]["id"], {"REF-600": 10})
    assert order["operativeStatus"] == "DELIVERED_COMPLETE"
    assert [item["delivered"] for item in order["items"]] == [10, 4]
    assert order["lastUpdated"] == "2024-03-05T19:40:00Z"
    assert store.get_route(accepted["id"])["lastUpdated"] == "2024-03-05T19:40:00Z"
    order = store.correct_delivery(accepted["id"], presales[0]["id"], {"ARROZ-1": 3})
    assert order["operativeStatus"] == "PARTIAL_DELIVERED_OPEN"
    order = store.correct_delivery(
        accepted["id"], presales[0]["id"], {"ARROZ-1": 0, "REF-600": 0}
    )
    assert order["operativeStatus"] == "RETURNED"


def test_correct_not_delivered_order(store, accepted, presales):
    store.finish_route(accepted["id"])
    unchanged = store.correct_delivery(
        accepted["id"], presales[0]["id"], {"ARROZ-1": 0}
    )
    assert unchanged["operativeStatus"] == "PENDING_DELIVERY"
    order = store.correct_delivery(
        accepted["id"], presales[0]["id"], {"REF-600": 10, "ARROZ-1": 2}
    )
    assert order["operativeStatus"] == "PARTIAL_DELIVERED_OPEN"
    assert [item["delivered"] for item in order["items"]] == [10, 2]


def test_correction_without_change_keeps_last_updated(store, accepted, presales):
    store.deliver_order(accepted["id"], presales[0]["id"], "complete")
    store.finish_route(accepted["id"])
    _later(store, 30)
    order = store.correct_delivery(accepted["id"], presales[0]["id"], {"REF-600": 10})
    assert order["lastUpdated"] == "2024-03-05T18:10:00Z"


def test_correct_rejections(store, accepted, presales):
    with pytest.raises(ValidationError) as excinfo:
        store.correct_delivery(accepted["id"], presales[0]["id"], {"REF-600": 1})
    assert _errors(excinfo)["status"]["rejected-value"] == "LOAD_ACCEPTED"
    store.finish_route(accepted["id"])
    with pytest.raises(ValidationError) as excinfo:
        store.correct_delivery(accepted["id"], presales[0]["id"], {})
    assert set(_errors(excinfo)) == {"quantities"}
    sale = store.create_order("C001", [{"product": "REF-600", "quantity": 1}])
    with pytest.raises(ValidationError):
        store.correct_delivery(accepted["id"], sale["id"], {"REF-600": 1})


def test_close_route_default_settlement(store, accepted, presales):
    store.deliver_order(accepted["id"], presales[0]["id"], "partial", {"REF-600": 7})
    store.sell_from_truck(
        accepted["id"], "C001", [{"product": "PAPA-45", "quantity": 12}]
    )
    store.sell_from_truck(
        accepted["id"], "C002", [{"product": "REF-600", "quantity": 4}]
    )
    store.finish_route(accepted["id"])
    _later(store, 120)
    closed = store.close_route(accepted["id"])
    assert closed["status"] == "CLOSED"
    assert closed["closed"] is True
    assert closed["dateClosed"] == "2024-03-05T20:10:00Z"
    assert closed["nextRouteId"] is None
    # PAPA-45 sold out, so only REF-600's 24 - 4 = 20 is left.
    assert closed["settlement"] == [
        {
            "product": accepted["products"][0]["product"],
            "quantity": 20,
            "destination": "WAREHOUSE",
        }
    ]
    partial = store.get_order(presales[0]["id"])
    assert partial["operativeStatus"] == "PARTIAL_DELIVERED_CLOSED"
    assert partial["prettyOperativeStatus"] == "Cerrado - Entrega parcial"
    assert partial["lastUpdated"] == "2024-03-05T20:10:00Z"


def test_close_with_carry_over_starts_next_route(store, accepted, driver):
    store.finish_route(accepted["id"])
    closed = store.close_route(
        accepted["id"],
        {
            "REF-600": [
                {"quantity": 20, "destination": "LOAD"},
                {"quantity": 4, "destination": "SHRINKAGE"},
            ],
            "PAPA-45": {"quantity": 12, "destination": "LOAD"},
            "ARROZ-1": {"quantity": 2, "destination": "WAREHOUSE"},
        },
    )
    assert [
        (line["product"]["code"], line["quantity"], line["destination"])
        for line in closed["settlement"]
    ] == [
        ("REF-600", 20, "LOAD"),
        ("REF-600", 4, "SHRINKAGE"),
        ("PAPA-45", 12, "LOAD"),
        ("ARROZ-1", 2, "WAREHOUSE"),
    ]
    following = store.get_route(closed["nextRouteId"])
    assert following["status"] == "OPEN"
    # The closed route was for 2024-03-06: the next one is for the day after.
    assert following["dateForDelivery"] == "2024-03-07"
    assert following["user"]["id"] == driver["id"]
    assert following["salesOrders"] == []
    carried = [
        (line["product"]["code"], line["quantity"]) for line in following["products"]
    ]
    assert carried == [("REF-600", 20), ("PAPA-45", 12)]
    assert [
        (line["product"]["code"], line["quantity"]) for line in following["carriedOver"]
    ] == carried
    assert store.current_route(driver["id"])["id"] == following["id"]


def test_settlement_leaves_out_zero_lines(store, accepted):
    store.finish_route(accepted["id"])
    closed = store.close_route(
        accepted["id"], {"REF-600": {"quantity": 0, "destination": "LOAD"}}
    )
    assert [line["product"]["code"] for line in closed["settlement"]] == ["PAPA-45"]
    assert closed["nextRouteId"] is None


def test_settlement_rejections(store, accepted):
    store.finish_route(accepted["id"])
    with pytest.raises(ValidationError) as excinfo:
        store.close_route(
            accepted["id"],
            {
                "NOPE": {"quantity": 1},
                "REF-600": {"quantity": -1, "destination": "TRUCK"},
                "PAPA-45": [{"quantity": 1}, "x"],
            },
        )
    assert set(_errors(excinfo)) == {
        "settlement.NOPE",
        "settlement.REF-600.quantity",
        "settlement.REF-600.destination",
        "settlement.PAPA-45[1]",
    }
    assert store.get_route(accepted["id"])["status"] == "FINISHED"


def test_close_needs_finished_route(store, accepted):
    with pytest.raises(ValidationError) as excinfo:
        store.close_route(accepted["id"])
    assert _errors(excinfo)["status"]["rejected-value"] == "LOAD_ACCEPTED"


def test_closed_route_rejects_every_step(store, accepted, presales):
    store.finish_route(accepted["id"])
    store.close_route(accepted["id"])
    steps = [
        lambda: store.accept_route(accepted["id"]),
        lambda: store.deliver_order(accepted["id"], presales[0]["id"], "complete"),
        lambda: store.sell_from_truck(
            accepted["id"], "C001", [{"product": "REF-600", "quantity": 1}]
        ),
        lambda: store.take_return(
            accepted["id"], "C001", [{"product": "REF-600", "quantity": 1}]
        ),
        lambda: store.finish_route(accepted["id"]),
        lambda: store.correct_delivery(
            accepted["id"], presales[0]["id"], {"REF-600": 1}
        ),
        lambda: store.close_route(accepted["id"]),
        lambda: store.delete_route(accepted["id"]),
    ]
    for step in steps:
        with pytest.raises(ValidationError) as excinfo:
            step()
        assert _errors(excinfo)["status"]["rejected-value"] == "CLOSED"


# -- deletion, edits, reads, persistence ----------------------------------------


def test_delete_open_route(store, driver, route, presales):
    deleted = store.delete_route(route["id"])
    assert deleted["id"] == route["id"]
    with pytest.raises(NotFoundError):
        store.get_route(route["id"])
    again = store.create_route(driver["id"], [order["id"] for order in presales])
    assert again["salesOrders"] == [order["id"] for order in presales]


def test_delete_accepted_route_is_rejected(store, accepted):
    with pytest.raises(ValidationError) as excinfo:
        store.delete_route(accepted["id"])
    assert "no se puede eliminar" in _errors(excinfo)["status"]["message"]
    assert store.get_route(accepted["id"])["status"] == "LOAD_ACCEPTED"


def test_edit_of_order_on_route_keeps_route(store, accepted, presales):
    _later(store, 5)
    edited = store.edit_order(
        presales[0]["id"], [{"product": "REF-600", "quantity": 8}]
    )
    assert edited["routeId"] == accepted["id"]
    assert edited["operativeStatus"] == "ON_ROUTE"
    route = store.get_route(accepted["id"])
    assert route["salesOrders"][0] == edited["id"]
    assert presales[0]["id"] not in route["salesOrders"]
    delivered = store.deliver_order(accepted["id"], edited["id"], "complete")
    assert delivered["items"][0]["delivered"] == 8


def test_edited_route_sale_settles_new_lines(store, accepted):
    sale = store.sell_from_truck(
        accepted["id"], "C002", [{"product": "REF-600", "quantity": 4}]
    )
    store.finish_route(accepted["id"])
    _later(store, 30)
    edited = store.edit_order(sale["id"], [{"product": "REF-600", "quantity": 1}])
    route = store.get_route(accepted["id"])
    assert edited["id"] in route["salesOrders"]
    assert sale["id"] not in route["salesOrders"]
    closed = store.close_route(accepted["id"])
    left = {line["product"]["code"]: line["quantity"] for line in closed["settlement"]}
    # 24 loaded, 1 sold after the correction.
    assert left["REF-600"] == 23


def test_deleted_route_sale_sells_nothing(store, accepted):
    sale = store.sell_from_truck(
        accepted["id"], "C002", [{"product": "REF-600", "quantity": 4}]
    )
    store.finish_route(accepted["id"])
    store.delete_order(sale["id"])
    assert sale["id"] in store.get_route(accepted["id"])["salesOrders"]
    closed = store.close_route(accepted["id"])
    left = {line["product"]["code"]: line["quantity"] for line in closed["settlement"]}
    assert left["REF-600"] == 24


def test_routes_filter_closed(store, accepted, driver):
    other = store.add_user("Chofer Dos", "chofer.dos@example.com")
    open_route = store.create_route(other["id"])
    store.finish_route(accepted["id"])
    store.close_route(accepted["id"])
    assert [route["id"] for route in store.routes()] == [
        accepted["id"],
        open_route["id"],
    ]
    assert [route["id"] for route in store.routes(closed=True)] == [accepted["id"]]
    assert [route["id"] for route in store.routes(closed=False)] == [open_route["id"]]


def test_current_route(store, driver, route):
    assert store.current_route(driver["id"])["id"] == route["id"]
    other = store.add_user("Chofer Dos", "chofer.dos@example.com")
    with pytest.raises(NotFoundError):
        store.current_route(other["id"])
    with pytest.raises(NotFoundError):
        store.current_route(999)


def test_routes_survive_export_and_import(store, accepted, presales):
    store.deliver_order(accepted["id"], presales[1]["id"], "complete")
    state = store.export_state()
    assert state["version"] == 2
    routes = store.routes()
    orders = store.orders()
    store.import_state(state)
    assert store.routes() == routes
    assert store.orders() == orders
    assert (
        store.create_route(
            store.add_user("Chofer Dos", "chofer.dos@example.com")["id"]
        )["id"]
        == accepted["id"] + 1
    )


def test_version_1_state_still_loads(store, presales):
    state = store.export_state()
    state["version"] = 1
    del state["tables"]["routes"]
    for order in state["tables"]["orders"]:
        del order["_route_id"]
        for item in order["items"]:
            del item["returnCondition"]
    store.import_state(state)
    order = store.get_order(presales[1]["id"])
    assert order["routeId"] is None
    assert [item["returnCondition"] for item in order["items"]] == [None, None, "GOOD"]
    assert store.routes() == []


def test_stats_count_routes(store, accepted, driver):
    store.finish_route(accepted["id"])
    store.close_route(accepted["id"])
    records = store.stats()["records"]
    assert records["routes"] == 1
    assert records["closedRoutes"] == 1
