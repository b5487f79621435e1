"""Creating and updating zones, families, customers and products over the API."""

import datetime as dt

import pytest

UTC = dt.timezone.utc
LATER = dt.datetime(2024, 3, 6, 12, 0, tzinfo=UTC)


def _errors_by_field(response):
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    for error in errors:
        assert set(error) == {"object", "field", "rejected-value", "message"}
    return {error["field"]: error for error in errors}


def test_create_zone(api):
    response = api.post("/zone", json={"description": "Norte", "color": "#E4572E"})
    assert response.status_code == 201
    zone = response.json()
    assert zone["description"] == "Norte"
    assert zone["color"] == "#e4572e"
    assert zone["enabled"] is True
    assert zone["lastUpdated"] == "2024-03-05T18:00:00Z"
    assert api.get(f"/zone/{zone['id']}").json() == zone


def test_zone_validation(api):
    errors = _errors_by_field(api.post("/zone", json={"color": "red"}))
    assert set(errors) == {"description", "color"}
    assert errors["color"]["rejected-value"] == "red"
    assert errors["description"]["message"] == "El campo 'description' es obligatorio."


def test_update_zone_merges(api, sandbox):
    zone = api.post("/zone", json={"description": "Norte", "color": "#e4572e"}).json()
    sandbox.store.set_clock(LATER)
    response = api.put(f"/zone/{zone['id']}", json={"description": "Norte Industrial"})
    assert response.status_code == 200
    updated = response.json()
    assert updated["description"] == "Norte Industrial"
    assert updated["color"] == "#e4572e"
    assert updated["lastUpdated"] == "2024-03-06T12:00:00Z"
    assert updated["dateCreated"] == "2024-03-05T18:00:00Z"


def test_create_and_update_family(api, sandbox):
    family = api.post("/productFamily", json={"description": "Lácteos"}).json()
    assert family["description"] == "Lácteos"
    sandbox.store.set_clock(LATER)
    updated = api.put(f"/productFamily/{family['id']}", json={"enabled": False}).json()
    assert updated["enabled"] is False
    assert updated["description"] == "Lácteos"
    assert updated["lastUpdated"] == "2024-03-06T12:00:00Z"
    assert api.get("/productFamily").json()["productFamilies"] == []


def test_family_description_must_be_text(api):
    errors = _errors_by_field(api.post("/productFamily", json={"description": 12}))
    assert errors["description"]["rejected-value"] == 12


def test_create_customer_with_zone_id(api, catalog):
    body = {
        "code": "C010",
        "description": "Tienda Norte",
        "zone": str(catalog["zone"]["id"]),
        "rfc": "xaxa800101zz1",
        "businessName": "Tienda Norte S.A. de C.V.",
        "credit": 5000,
        "creditDays": 15,
        "priceList": {"code": "LP01"},
    }
    response = api.post("/customer", json=body)
    assert response.status_code == 201
    customer = response.json()
    assert customer["code"] == "C010"
    assert customer["zone"]["id"] == catalog["zone"]["id"]
    assert customer["zone"]["description"] == "Centro"
    assert customer["rfc"] == "XAXA800101ZZ1"
    assert customer["priceList"]["code"] == "LP01"
    assert customer["credit"] == 5000
    assert customer["balance"] == 0.0
    assert customer["prospect"] is False
    assert api.get("/customer/C010").json() == customer


def test_create_customer_with_zone_object(api, catalog):
    body = {
        "code": "C011",
        "description": "Tienda Sur",
        "zone": {"id": catalog["zone"]["id"]},
    }
    response = api.post("/customer", json=body)
    assert response.status_code == 201
    assert response.json()["zone"]["id"] == catalog["zone"]["id"]


def test_customer_validation(api, catalog):
    body = {
        "code": "C001",
        "zone": 999999,
        "rfc": "ABC",
        "latitude": "20.5",
        "email": "no-at-sign",
    }
    errors = _errors_by_field(api.post("/customer", json=body))
    assert set(errors) == {"code", "description", "zone", "rfc", "latitude", "email"}
    assert errors["code"]["message"] == "Ya existe un cliente con el código 'C001'."
    assert errors["zone"]["rejected-value"] == 999999
    assert errors["code"]["object"] == "com.locus.customer.Customer"


def test_customer_zone_is_required(api, catalog):
    errors = _errors_by_field(
        api.post("/customer", json={"code": "C020", "description": "Sin zona"})
    )
    assert set(errors) == {"zone"}


def test_code_with_slash_is_rejected(api, catalog):
    body = {
        "code": "C/030",
        "description": "Con diagonal",
        "zone": catalog["zone"]["id"],
    }
    errors = _errors_by_field(api.post("/customer", json=body))
    assert set(errors) == {"code"}


def test_too_long_text_is_rejected(api, catalog):
    body = {"code": "C031", "description": "x" * 256, "zone": catalog["zone"]["id"]}
    errors = _errors_by_field(api.post("/customer", json=body))
    assert "255" in errors["description"]["message"]


def test_code_with_space_is_url_encoded(api, catalog):
    body = {
        "code": "C 040",
        "description": "Con espacio",
        "zone": catalog["zone"]["id"],
    }
    assert api.post("/customer", json=body).status_code == 201
    response = api.get("/customer/C%20040")
    assert response.status_code == 200
    assert response.json()["code"] == "C 040"


def test_update_customer_merges(api, sandbox, catalog):
    before = api.get("/customer/C001").json()
    sandbox.store.set_clock(LATER)
    response = api.put(
        "/customer/C001",
        json={"phoneNumber": "33 1234 5678", "zone": {"id": catalog["zone"]["id"]}},
    )
    assert response.status_code == 200
    after = response.json()
    assert after["phoneNumber"] == "33 1234 5678"
    assert after["description"] == before["description"]
    assert after["priceList"] == before["priceList"]
    assert after["lastUpdated"] == "2024-03-06T12:00:00Z"


def test_update_without_change_keeps_last_updated(api, sandbox, catalog):
    sandbox.store.set_clock(LATER)
    after = api.put(
        "/customer/C001", json={"description": "Abarrotes Doña Lupe"}
    ).json()
    assert after["lastUpdated"] == "2024-03-05T18:00:00Z"


def test_customer_code_cannot_change(api, catalog):
    errors = _errors_by_field(api.put("/customer/C001", json={"code": "C999"}))
    assert set(errors) == {"code"}


def test_update_unknown_customer_is_404(api, catalog):
    assert api.put("/customer/NOPE", json={"description": "x"}).status_code == 404


def test_create_product_with_family_object(api, catalog):
    body = {
        "code": "AGUA-1L",
        "description": "Agua natural 1 L",
        "price": 11.6,
        "family": {"id": catalog["family"]["id"]},
        "tax": 16,
        "unit": "PZA",
        "barcode": "7501234567895",
        "satProductCode": "50202301",
        "satUnitCode": "H87",
    }
    response = api.post("/product", json=body)
    assert response.status_code == 201
    product = response.json()
    assert product["price"] == 11.6
    assert product["basePrice"] == 10.0
    assert product["family"]["description"] == "Bebidas"
    assert product["tax"]["amount"] == 16.0
    assert product["unit"]["code"] == "PZA"
    assert product["satProductCode"] == "50202301"
    assert api.get("/product/AGUA-1L").json() == product


def test_create_product_with_family_id(api, catalog):
    body = {
        "code": "AGUA-2L",
        "description": "Agua natural 2 L",
        "price": 20,
        "family_id": catalog["family"]["id"],
    }
    response = api.post("/product", json=body)
    assert response.status_code == 201
    assert response.json()["family"]["id"] == catalog["family"]["id"]


def test_price_as_text_is_rejected(api, catalog):
    body = {
        "code": "AGUA-3L",
        "description": "Agua 3 L",
        "price": "$12.00",
        "family": {"id": catalog["family"]["id"]},
    }
    errors = _errors_by_field(api.post("/product", json=body))
    assert set(errors) == {"price"}
    assert errors["price"]["rejected-value"] == "$12.00"
    assert errors["price"]["object"] == "com.locus.product.Product"


def test_product_needs_family_and_description(api, catalog):
    errors = _errors_by_field(api.post("/product", json={"code": "X-1", "price": 10}))
    assert set(errors) == {"family", "description"}


def test_duplicate_product_code_is_422(api, catalog):
    body = {
        "code": "REF-600",
        "description": "Otro",
        "price": 10,
        "family_id": catalog["family"]["id"],
    }
    errors = _errors_by_field(api.post("/product", json=body))
    assert set(errors) == {"code"}


def test_unknown_family_is_422(api, catalog):
    body = {"code": "X-2", "description": "Otro", "price": 10, "family": {"id": 999999}}
    errors = _errors_by_field(api.post("/product", json=body))
    assert errors["family"]["rejected-value"] == 999999


def test_product_price_update_moves_base_price(api, sandbox, catalog):
    sandbox.store.set_clock(LATER)
    product = api.put("/product/PAPA-45", json={"price": 18.6}).json()
    assert product["price"] == 18.6
    # 18.60 / 1.24 = 15.00 with IVA 16 % and IEPS 8 %.
    assert product["basePrice"] == 15.0
    assert product["lastUpdated"] == "2024-03-06T12:00:00Z"


def test_product_stock_update_keeps_other_fields(api, catalog):
    before = api.get("/product/REF-600").json()
    after = api.put("/product/REF-600", json={"quantity": 120}).json()
    assert after["quantity"] == 120
    for key in ("price", "basePrice", "family", "tax", "description"):
        assert after[key] == before[key], key


def test_portal_update_through_store(api, sandbox, catalog):
    sandbox.store.set_clock(LATER)
    sandbox.store.update_product(
        "REF-600", description="Refresco cola 600 ml retornable"
    )
    sandbox.store.update_zone(catalog["zone"]["id"], color="#000000")
    product = api.get("/product/REF-600").json()
    assert product["description"] == "Refresco cola 600 ml retornable"
    assert product["lastUpdated"] == "2024-03-06T12:00:00Z"
    customer = api.get("/customer/C001").json()
    assert customer["zone"]["color"] == "#000000"


@pytest.mark.parametrize("resource", ["zone", "productFamily"])
def test_put_unknown_id_is_404(api, resource):
    assert api.put(f"/{resource}/123456", json={"description": "x"}).status_code == 404
