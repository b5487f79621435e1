"""Single records: get_record, create_record, update_record, set_order_external_id."""

import pytest
from handy_api import HandyNotFoundError, HandyValidationError, contract
from handy_api.client import storable


@pytest.fixture
def order_id(sandbox, catalog):
    items = [{"product": "REF-600", "quantity": 3}]
    return sandbox.store.create_order("C001", items)["id"]


def test_set_order_external_id(sandbox, client, order_id, request_count):
    order = client.set_order_external_id(order_id, 4321)

    assert order["id"] == order_id
    assert order["externalId"] == 4321
    assert sandbox.store.get_order(order_id)["externalId"] == 4321
    assert request_count("PUT /salesOrder/{id}") == 1


def test_set_order_external_id_sends_integers(sandbox, client, order_id):
    # Odoo ids may arrive as strings; Handy rejects a string externalId.
    order = client.set_order_external_id(str(order_id), "77")

    assert order["externalId"] == 77
    assert client.get("/salesOrder/external/77")["id"] == order_id


def test_external_id_rejected_for_unknown_order(client, order_id):
    with pytest.raises(HandyNotFoundError) as caught:
        client.set_order_external_id(order_id + 1000, 5)

    assert caught.value.status == 404


@pytest.mark.parametrize("code", ["C 001", "Ñandú 5", "50%OFF", "A#1?x=2", "a+b&c"])
def test_get_record_encodes_code(sandbox, client, catalog, code, request_count):
    sandbox.store.add_customer(code, "Tienda", catalog["zone"]["id"])

    customer = client.get_record(contract.CUSTOMERS, code)

    assert customer["code"] == code
    assert request_count("GET /customer/{code}") == 1


def test_get_record_by_numeric_id(client, catalog):
    zone = client.get_record(contract.ZONES, catalog["zone"]["id"])

    assert zone["description"] == "Centro"


def test_create_record_returns_record(sandbox, client, catalog, request_count):
    payload = {
        "code": "C 003",
        "description": "Cremería La Vaquita",
        "zone": catalog["zone"]["id"],
        "city": "Toluca",
    }

    customer = client.create_record(contract.CUSTOMERS, payload)

    assert customer["code"] == "C 003"
    assert customer["city"] == "Toluca"
    assert customer["zone"]["id"] == catalog["zone"]["id"]
    assert sandbox.store.get_customer("C 003")["id"] == customer["id"]
    assert request_count("POST /customer") == 1


def test_create_product_with_family_object(sandbox, client, catalog):
    payload = {
        "code": "AGUA-1",
        "description": "Agua 1 l",
        "price": 12.0,
        "family": {"id": catalog["family"]["id"]},
    }

    product = client.create_record(contract.PRODUCTS, payload)

    assert product["code"] == "AGUA-1"
    assert product["price"] == 12.0
    assert product["family"]["id"] == catalog["family"]["id"]


def test_create_record_duplicate_code(client, catalog):
    payload = {"code": "C001", "description": "Otra", "zone": catalog["zone"]["id"]}

    with pytest.raises(HandyValidationError) as caught:
        client.create_record(contract.CUSTOMERS, payload)

    assert [detail["field"] for detail in caught.value.details] == ["code"]


def test_update_record_merges_fields(sandbox, client, catalog, request_count):
    product = client.update_record(contract.PRODUCTS, "REF-600", {"quantity": 120})

    assert product["quantity"] == 120
    assert product["description"] == "Refresco de cola 600 ml"
    assert product["price"] == 18.56
    assert sandbox.store.get_product("REF-600")["quantity"] == 120
    assert request_count("PUT /product/{code}") == 1


def test_update_record_encodes_code(sandbox, client, catalog):
    sandbox.store.add_customer("C 010", "Tienda", catalog["zone"]["id"])

    customer = client.update_record(
        contract.CUSTOMERS, "C 010", {"phoneNumber": "5512345678"}
    )

    assert customer["code"] == "C 010"
    assert sandbox.store.get_customer("C 010")["phoneNumber"] == "5512345678"


def test_update_zone_by_id(sandbox, client, catalog):
    zone_id = catalog["zone"]["id"]

    zone = client.update_record(contract.ZONES, zone_id, {"color": "#000000"})

    assert zone["color"] == "#000000"
    assert zone["description"] == "Centro"


def test_texts_made_storable():
    body = {
        "note\u0000": ["a\u0000b", "c\ud800d", 5, None],
        "ok": "Café",
        "numbers": [float("nan"), float("inf"), 2.5],
    }

    assert storable(body) == {
        "note": ["ab", "c?d", 5, None],
        "ok": "Café",
        "numbers": [None, None, 2.5],
    }
