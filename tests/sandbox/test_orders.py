"""Sales orders: totals, edits, deletions, externalId, API creation and filters."""

import datetime as dt

import pytest
from handy_sandbox.errors import ValidationError

UTC = dt.timezone.utc


def _line(order, code, **flags):
    for item in order["items"]:
        if item["product"]["code"] == code and all(
            item[key] == value for key, value in flags.items()
        ):
            return item
    raise AssertionError(f"no line for {code} {flags}")


def _ids(api, **params):
    response = api.get("/salesOrder", params=dict(params, max=100))
    assert response.status_code == 200, response.text
    return [order["id"] for order in response.json()["salesOrders"]]


@pytest.fixture
def mixed_order(sandbox, catalog):
    return sandbox.store.create_order(
        "C001",
        [
            {"product": "REF-600", "quantity": 10},
            {"product": "ARROZ-1", "quantity": 3, "discountPercentage": 5},
            {"product": "PAPA-45", "quantity": 4, "discountPercentage": 10},
            {"product": "REF-600", "quantity": 2, "isReward": True},
            {"product": "ARROZ-1", "quantity": 1, "isReturn": True},
        ],
    )


def test_plain_line_arithmetic(mixed_order):
    line = _line(mixed_order, "REF-600", isReward=False)
    assert line["originalPrice"] == 18.56
    assert line["price"] == 18.56
    assert line["total"] == 185.6
    assert line["discountPercentage"] == 0
    assert line["priceType"] == "REGULAR"
    assert line["tax"]["name"] == "IVA"
    assert line["tax"]["amount"] == 16.0
    assert line["taxOptional"] is None


def test_discount_rounds_half_up(mixed_order):
    line = _line(mixed_order, "ARROZ-1", isReturn=False)
    # 25.50 × 0.95 = 24.225, rounded half up to 24.23.
    assert line["price"] == 24.23
    assert line["total"] == 72.69
    assert line["discountPercentage"] == 5
    assert line["tax"]["amount"] == 0.0


def test_ieps_line(mixed_order):
    line = _line(mixed_order, "PAPA-45")
    assert line["price"] == 13.05
    assert line["total"] == 52.2
    assert line["tax"]["amount"] == 16.0
    assert line["taxOptional"]["name"] == "IEPS"
    assert line["taxOptional"]["amount"] == 8.0


def test_reward_line(mixed_order):
    line = _line(mixed_order, "REF-600", isReward=True)
    assert line["priceType"] == "REWARD"
    assert line["price"] == 0
    assert line["total"] == 0
    assert line["discountPercentage"] == 100
    assert line["originalPrice"] == 18.56


def test_return_line_not_in_totals(mixed_order):
    line = _line(mixed_order, "ARROZ-1", isReturn=True)
    assert line["total"] == 25.5
    # 185.60 + 72.69 + 52.20; the return line's 25.50 is left out.
    assert mixed_order["totalSales"] == 310.49


def test_order_taxes_rounded_per_line_and_tax(mixed_order):
    # IVA of REF-600: 185.60 × 16 / 116 = 25.60. PAPA-45: IVA 52.20 × 16 / 124 = 6.74,
    # IEPS 52.20 × 8 / 124 = 3.37. ARROZ-1 carries IVA 0.
    assert mixed_order["totalTax"] == 35.71
    assert mixed_order["totalBeforeTax"] == 274.78


def test_embedded_shapes(mixed_order):
    assert set(mixed_order["customer"]) == {
        "id",
        "code",
        "description",
        "enabled",
        "zone",
        "priceList",
        "balance",
        "credit",
    }
    assert mixed_order["customer"]["code"] == "C001"
    assert mixed_order["customer"]["priceList"]["code"] == "LP01"
    assert set(mixed_order["items"][0]["product"]) == {"id", "code", "description"}
    assert mixed_order["salesType"] == "Preventa"
    assert mixed_order["operativeStatus"] == "PENDING_DELIVERY"
    assert mixed_order["prettyOperativeStatus"] == "Por entregar"
    assert mixed_order["lastUpdated"] == "2024-03-05T18:00:00Z"
    assert mixed_order["editedFrom"] is None
    assert mixed_order["deleted"] is False


def test_api_returns_same_order(api, mixed_order):
    response = api.get(f"/salesOrder/{mixed_order['id']}")
    assert response.status_code == 200
    assert response.json() == mixed_order


def test_broken_order_embeds_made_up_product(api, sandbox, catalog):
    order = sandbox.store.create_order(
        "C001",
        [
            {"product": "REF-600", "quantity": 1},
            {"product": "GONE-1", "quantity": 2, "price": 10.0},
        ],
    )
    line = _line(order, "GONE-1")
    assert set(line["product"]) == {"id", "code", "description"}
    assert line["product"]["id"] not in {
        product["id"] for product in sandbox.store.products()
    }
    assert line["total"] == 20.0
    assert api.get("/product/GONE-1").status_code == 404
    assert (
        api.get(f"/salesOrder/{order['id']}").json()["items"][1]["product"]["code"]
        == "GONE-1"
    )


def test_edit_chain_semantics(api, sandbox, catalog):
    store = sandbox.store
    seller = store.add_user("Ana López", "ana@example.com")
    first = store.create_order(
        "C001", [{"product": "REF-600", "quantity": 1}], seller_id=seller["id"]
    )
    store.set_external_id(first["id"], 501)
    store.set_clock(dt.datetime(2024, 3, 5, 18, 10, tzinfo=UTC))
    second = store.edit_order(first["id"], [{"product": "REF-600", "quantity": 2}])
    store.set_clock(dt.datetime(2024, 3, 5, 18, 20, tzinfo=UTC))
    third = store.edit_order(second["id"], [{"product": "REF-600", "quantity": 3}])

    assert len({first["id"], second["id"], third["id"]}) == 3
    assert third["isEdited"] is False
    assert third["deleted"] is False
    assert third["externalId"] is None
    assert third["totalSales"] == 55.68
    assert third["editedFrom"]["id"] == second["id"]
    assert third["editedFrom"]["editedFrom"]["id"] == first["id"]
    assert third["editedFrom"]["editedFrom"]["editedFrom"] is None
    assert third["editedFrom"]["items"][0]["quantity"] == 2

    previous = api.get(f"/salesOrder/{second['id']}").json()
    assert previous["deleted"] is True
    assert previous["isEdited"] is True
    assert previous["dateDeleted"] == third["dateCreated"] == "2024-03-05T18:20:00Z"
    assert previous["lastUpdated"] == "2024-03-05T18:20:00Z"
    assert previous["deletedBy"]["id"] == seller["id"]
    assert previous["editedFrom"]["id"] == first["id"]
    assert third["editedFrom"] == previous

    oldest = api.get(f"/salesOrder/{first['id']}").json()
    assert oldest["dateDeleted"] == second["dateCreated"] == "2024-03-05T18:10:00Z"
    assert oldest["externalId"] == 501

    assert _ids(api) == [third["id"]]
    assert _ids(api, deleted="true") == [first["id"], second["id"]]


def test_edit_keeps_customer_and_seller(sandbox, catalog):
    store = sandbox.store
    seller = store.add_user("Ana López", "ana@example.com")
    first = store.create_order(
        "C002",
        [{"product": "REF-600", "quantity": 1}],
        seller_id=seller["id"],
        sellerComment="Sin hielo",
    )
    edited = store.edit_order(first["id"], [{"product": "PAPA-45", "quantity": 1}])
    assert edited["customer"]["code"] == "C002"
    assert edited["createdBy"]["id"] == seller["id"]
    assert edited["sellerComment"] == "Sin hielo"
    assert store.get_order(first["id"])["deletedBy"]["id"] == seller["id"]


def test_edit_of_deleted_order_is_rejected(sandbox, catalog):
    store = sandbox.store
    order = store.create_order("C001", [{"product": "REF-600", "quantity": 1}])
    store.delete_order(order["id"])
    with pytest.raises(ValidationError):
        store.edit_order(order["id"], [{"product": "REF-600", "quantity": 2}])


def test_delete_semantics(api, sandbox, catalog):
    store = sandbox.store
    admin = store.add_user("Carla Admin", "carla@example.com", role_id=1)
    order = store.create_order("C001", [{"product": "REF-600", "quantity": 1}])
    store.set_clock(dt.datetime(2024, 3, 5, 19, 0, tzinfo=UTC))
    store.delete_order(order["id"])
    deleted = api.get(f"/salesOrder/{order['id']}").json()
    assert deleted["deleted"] is True
    assert deleted["isEdited"] is False
    assert deleted["dateDeleted"] == "2024-03-05T19:00:00Z"
    assert deleted["lastUpdated"] == "2024-03-05T19:00:00Z"
    assert deleted["deletedBy"]["id"] == admin["id"]
    assert _ids(api) == []
    assert _ids(api, deleted="true") == [order["id"]]


def test_deleted_filter_rejects_bad_value(api, catalog):
    response = api.get("/salesOrder", params={"deleted": "yes"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "deleted"


def test_external_id_write_and_lookup(api, sandbox, catalog):
    order = sandbox.store.create_order("C001", [{"product": "REF-600", "quantity": 1}])
    sandbox.store.set_clock(dt.datetime(2024, 3, 5, 18, 30, tzinfo=UTC))
    response = api.put(f"/salesOrder/{order['id']}", json={"externalId": 1234})
    assert response.status_code == 200
    body = response.json()
    assert body["externalId"] == 1234
    assert body["items"] == order["items"]
    assert body["lastUpdated"] == "2024-03-05T18:30:00Z"

    found = api.get("/salesOrder/external/1234")
    assert found.status_code == 200
    assert found.json()["id"] == order["id"]
    assert api.get("/salesOrder/external/999").status_code == 404
    assert api.get("/salesOrder/external/abc").status_code == 404


def test_same_external_id_keeps_last_updated(api, sandbox, catalog):
    order = sandbox.store.create_order("C001", [{"product": "REF-600", "quantity": 1}])
    api.put(f"/salesOrder/{order['id']}", json={"externalId": 7})
    sandbox.store.set_clock(dt.datetime(2024, 3, 5, 23, 0, tzinfo=UTC))
    again = api.put(f"/salesOrder/{order['id']}", json={"externalId": 7}).json()
    assert again["lastUpdated"] == "2024-03-05T18:00:00Z"


@pytest.mark.parametrize("value", ["1234", 12.5, True, {"id": 1}])
def test_non_integer_external_id_is_422(api, sandbox, catalog, value):
    order = sandbox.store.create_order("C001", [{"product": "REF-600", "quantity": 1}])
    response = api.put(f"/salesOrder/{order['id']}", json={"externalId": value})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "externalId"
    assert error["rejected-value"] == value
    assert set(error) == {"object", "field", "rejected-value", "message"}
    assert sandbox.store.get_order(order["id"])["externalId"] is None


def test_put_without_external_id_is_422(api, sandbox, catalog):
    order = sandbox.store.create_order("C001", [{"product": "REF-600", "quantity": 1}])
    response = api.put(f"/salesOrder/{order['id']}", json={"billed": True})
    assert response.status_code == 422


def test_put_unknown_order_is_404(api, catalog):
    assert api.put("/salesOrder/424242", json={"externalId": 1}).status_code == 404


def test_external_lookup_prefers_live_order(api, sandbox, catalog):
    store = sandbox.store
    first = store.create_order("C001", [{"product": "REF-600", "quantity": 1}])
    store.set_external_id(first["id"], 88)
    assert api.get("/salesOrder/external/88").json()["id"] == first["id"]
    second = store.edit_order(first["id"], [{"product": "REF-600", "quantity": 2}])
    assert api.get("/salesOrder/external/88").json()["id"] == first["id"]
    store.set_external_id(second["id"], 88)
    assert api.get("/salesOrder/external/88").json()["id"] == second["id"]


def test_create_order_over_api(api, catalog):
    body = {
        "mobileDateCreated": "05/03/2024 10:00:00",
        "customerId": "C001",
        "orderItems": [
            {"product": "REF-600", "quantity": 4, "price": 18.56},
            {"product": "PAPA-45", "quantity": 1},
        ],
    }
    response = api.post("/salesOrder", json=body)
    assert response.status_code == 201
    order = response.json()
    assert order["mobileDateCreated"] == "2024-03-05T16:00:00Z"
    assert order["dateCreated"] == "2024-03-05T18:00:00Z"
    assert order["creationSource"] == "API"
    assert order["customer"]["code"] == "C001"
    assert order["totalSales"] == 88.74
    assert api.get(f"/salesOrder/{order['id']}").json() == order


@pytest.mark.parametrize(
    "body,field",
    [
        (
            {
                "customerId": "NOPE",
                "orderItems": [{"product": "REF-600", "quantity": 1}],
            },
            "customerId",
        ),
        (
            {"customerId": "C001", "orderItems": [{"product": "NOPE", "quantity": 1}]},
            "orderItems[0].product",
        ),
        (
            {
                "customerId": "C001",
                "orderItems": [{"product": "REF-600", "quantity": 0}],
            },
            "orderItems[0].quantity",
        ),
        ({"customerId": "C001", "orderItems": []}, "orderItems"),
        (
            {
                "customerId": "C001",
                "mobileDateCreated": "2024-03-05",
                "orderItems": [{"product": "REF-600", "quantity": 1}],
            },
            "mobileDateCreated",
        ),
        (
            {
                "customerId": "C001",
                "orderItems": [{"product": "REF-600", "quantity": 1, "price": "$18"}],
            },
            "orderItems[0].price",
        ),
    ],
)
def test_create_order_validation(api, catalog, body, field):
    response = api.post("/salesOrder", json=body)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert _ids(api) == []


def test_sales_type_filter(api, sandbox, catalog):
    store = sandbox.store
    presale = store.create_order("C001", [{"product": "REF-600", "quantity": 1}])
    route = store.create_order(
        "C001", [{"product": "REF-600", "quantity": 1}], sales_type="ROUTE"
    )
    assert route["salesType"] == "Venta en ruta"
    assert route["scheduledDateForDelivery"] is None
    assert _ids(api, salesType="PRESALE") == [presale["id"]]
    assert _ids(api, salesType="ROUTE") == [route["id"]]
    assert _ids(api) == [presale["id"], route["id"]]
    assert api.get("/salesOrder", params={"salesType": "Preventa"}).status_code == 422


def test_flag_filters(api, sandbox, catalog):
    store = sandbox.store
    plain = store.create_order("C001", [{"product": "REF-600", "quantity": 1}])
    billable = store.create_order(
        "C001", [{"product": "REF-600", "quantity": 1}], billable=True
    )
    done = store.create_order(
        "C001", [{"product": "REF-600", "quantity": 1}], exported=True, billed=True
    )
    assert _ids(api, billable="true") == [billable["id"]]
    assert _ids(api, billable="false") == [plain["id"], done["id"]]
    assert _ids(api, exported="true") == [done["id"]]
    assert _ids(api, billed="false") == [plain["id"], billable["id"]]


def test_sort_orders_by_total_desc(api, sandbox, catalog):
    store = sandbox.store
    small = store.create_order("C001", [{"product": "REF-600", "quantity": 1}])
    large = store.create_order("C001", [{"product": "REF-600", "quantity": 9}])
    assert _ids(api, sort="totalSales", order="desc") == [large["id"], small["id"]]


def test_store_accessors(sandbox, catalog):
    store = sandbox.store
    first = store.create_order("C001", [{"product": "REF-600", "quantity": 1}])
    second = store.create_order("C002", [{"product": "REF-600", "quantity": 1}])
    store.delete_order(second["id"])
    assert [order["id"] for order in store.orders()] == [first["id"], second["id"]]
    assert [order["id"] for order in store.orders(deleted=False)] == [first["id"]]
    assert [order["id"] for order in store.orders(deleted=True)] == [second["id"]]
    assert store.get_order(first["id"])["id"] == first["id"]
    assert [customer["code"] for customer in store.customers()] == ["C001", "C002"]
    assert len(store.products()) == 3
    assert store.now() == dt.datetime(2024, 3, 5, 18, 0, tzinfo=UTC)


def test_request_statistics(api, sandbox, catalog):
    order = sandbox.store.create_order("C001", [{"product": "REF-600", "quantity": 1}])
    sandbox.store.reset_stats()
    api.get("/salesOrder")
    api.get("/salesOrder", params={"page": 2})
    api.get(f"/salesOrder/{order['id']}")
    api.put(f"/salesOrder/{order['id']}", json={"externalId": 3})
    api.get("/customer/C001")
    stats = sandbox.store.stats()
    assert stats["requests"] == {
        "GET /salesOrder": 2,
        "GET /salesOrder/{id}": 1,
        "PUT /salesOrder/{id}": 1,
        "GET /customer/{code}": 1,
    }
    assert stats["totalRequests"] == 5
    assert stats["records"]["salesOrders"] == 1
    assert stats["records"]["customers"] == 2
    sandbox.store.reset_stats()
    assert sandbox.store.stats()["requests"] == {}
