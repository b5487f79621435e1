"""Control API under /_sandbox/ and the HandySandbox Python API."""

import datetime as dt

import pytest
import requests
from conftest import NOW, TOKEN, ApiClient
from handy_sandbox import HandySandbox, SandboxStore

UTC = dt.timezone.utc


def control(sandbox, method, path, **kwargs):
    return requests.request(
        method, sandbox.web_url + "/_sandbox" + path, timeout=30, **kwargs
    )


def test_control_needs_no_token(sandbox):
    response = control(sandbox, "GET", "/stats")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"


def test_reset_generates_data(sandbox):
    body = {
        "seed": 4,
        "customers": 12,
        "products": 25,
        "orders": 20,
        "lines": [2, 3],
        "now": "2024-03-05T18:00:00Z",
    }
    response = control(sandbox, "POST", "/reset", json=body)
    assert response.status_code == 200
    records = response.json()["stats"]["records"]
    assert records["customers"] == 12
    assert records["products"] == 25
    assert "12 customers" in response.json()["summary"]
    assert len(sandbox.store.customers()) == 12


def test_reset_is_deterministic(sandbox):
    body = {
        "seed": 4,
        "customers": 12,
        "products": 25,
        "orders": 20,
        "now": "2024-03-05T18:00:00Z",
    }
    control(sandbox, "POST", "/reset", json=body)
    first = sandbox.store.orders()
    control(sandbox, "POST", "/reset", json=body)
    assert sandbox.store.orders() == first


def test_reset_empty(sandbox, catalog):
    response = control(sandbox, "POST", "/reset", json={"empty": True})
    assert response.status_code == 200
    assert response.json()["stats"]["records"]["customers"] == 0
    assert sandbox.store.products() == []


def test_reset_unknown_key_is_422(sandbox):
    response = control(sandbox, "POST", "/reset", json={"seed": 1, "clients": 5})
    assert response.status_code == 422
    assert "clients" in response.json()["message"]


def test_stats_and_reset(api):
    api.get("/user")
    api.get("/user")
    stats = control(api.sandbox, "GET", "/stats").json()
    assert stats["requests"] == {"GET /user": 2}
    assert stats["totalRequests"] == 2
    assert stats["pendingFaults"] == []
    after = control(api.sandbox, "POST", "/stats/reset").json()
    assert after["requests"] == {}
    assert after["totalRequests"] == 0


def test_unmatched_api_paths_are_counted(api):
    api.get("/nowhere")
    assert api.sandbox.store.stats()["requests"] == {"GET (no route)": 1}


def test_create_edit_delete_orders(api, catalog):
    sandbox = api.sandbox
    body = {
        "customer_code": "C001",
        "items": [{"product": "REF-600", "quantity": 2}],
        "date_created": "2024-03-05T17:00:00Z",
        "mobile_date_created": "2024-03-05T16:59:50Z",
        "sellerComment": "Urgente",
    }
    created = control(sandbox, "POST", "/orders", json=body)
    assert created.status_code == 201
    order = created.json()
    assert order["dateCreated"] == "2024-03-05T17:00:00Z"
    assert order["mobileDateCreated"] == "2024-03-05T16:59:50Z"
    assert order["sellerComment"] == "Urgente"
    assert order["totalSales"] == 37.12

    edited = control(
        sandbox,
        "POST",
        f"/orders/{order['id']}/edit",
        json={"items": [{"product": "REF-600", "quantity": 3}]},
    )
    assert edited.status_code == 201
    new_order = edited.json()
    assert new_order["editedFrom"]["id"] == order["id"]
    assert api.get(f"/salesOrder/{order['id']}").json()["isEdited"] is True

    deleted = control(sandbox, "POST", f"/orders/{new_order['id']}/delete")
    assert deleted.status_code == 200
    assert deleted.json()["deleted"] is True
    assert api.get("/salesOrder").json()["salesOrders"] == []


def test_control_order_errors(sandbox, catalog):
    missing = control(
        sandbox,
        "POST",
        "/orders/999/edit",
        json={"items": [{"product": "REF-600", "quantity": 1}]},
    )
    assert missing.status_code == 404
    invalid = control(
        sandbox,
        "POST",
        "/orders",
        json={
            "customer_code": "NOPE",
            "items": [{"product": "REF-600", "quantity": 1}],
        },
    )
    assert invalid.status_code == 422
    assert invalid.json()["errors"][0]["field"] == "customer"
    incomplete = control(sandbox, "POST", "/orders", json={"items": []})
    assert incomplete.status_code == 422


def test_clock(sandbox):
    response = control(sandbox, "POST", "/clock", json={"now": "2024-01-02T03:04:05Z"})
    assert response.status_code == 200
    assert response.json() == {"now": "2024-01-02T03:04:05Z", "frozen": True}
    assert sandbox.store.now() == dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    released = control(sandbox, "POST", "/clock", json={"now": None}).json()
    assert released["frozen"] is False
    assert abs(sandbox.store.now() - dt.datetime.now(UTC)) < dt.timedelta(seconds=5)


def test_bad_clock_is_422(sandbox):
    assert (
        control(sandbox, "POST", "/clock", json={"now": "yesterday"}).status_code == 422
    )


def test_export_and_import(sandbox, catalog):
    sandbox.store.create_order(
        "C001",
        [{"product": "REF-600", "quantity": 1}, {"product": "GONE", "quantity": 1}],
    )
    exported = control(sandbox, "GET", "/export")
    assert exported.status_code == 200
    state = exported.json()
    assert state["format"] == "handy-sandbox-state"
    assert len(state["tables"]["customers"]) == 2

    other = SandboxStore()
    other.import_state(state)
    assert other.orders() == sandbox.store.orders()
    assert other.customers() == sandbox.store.customers()
    assert other.products() == sandbox.store.products()

    sandbox.store.clear()
    imported = control(sandbox, "POST", "/import", json=state)
    assert imported.status_code == 200
    assert sandbox.store.orders() == other.orders()
    # Ids go on from where the exported state stopped.
    created = sandbox.store.create_order(
        "C002", [{"product": "REF-600", "quantity": 1}]
    )
    assert created["id"] > other.orders()[-1]["id"]


def test_portal_updates(api, catalog):
    sandbox = api.sandbox
    sandbox.store.set_clock(dt.datetime(2024, 3, 6, 9, 0, tzinfo=UTC))
    customer = control(
        sandbox,
        "POST",
        "/customers/C001",
        json={"description": "Abarrotes Lupita", "balance": 250.5},
    )
    assert customer.status_code == 200
    assert customer.json()["lastUpdated"] == "2024-03-06T09:00:00Z"
    assert api.get("/customer/C001").json()["balance"] == 250.5
    product = control(sandbox, "POST", "/products/REF-600", json={"enabled": False})
    assert product.status_code == 200
    assert api.get("/product/REF-600").json()["enabled"] is False
    zone = control(
        sandbox,
        "POST",
        f"/zones/{catalog['zone']['id']}",
        json={"description": "Centro Histórico"},
    )
    assert zone.json()["description"] == "Centro Histórico"
    family = control(
        sandbox,
        "POST",
        f"/productFamilies/{catalog['family']['id']}",
        json={"description": "Refrescos"},
    )
    assert family.json()["description"] == "Refrescos"
    assert (
        control(
            sandbox, "POST", "/customers/NOPE", json={"description": "x"}
        ).status_code
        == 404
    )
    assert (
        control(sandbox, "POST", "/products/REF-600", json={"price": "$1"}).status_code
        == 422
    )


def test_control_calls_not_counted(sandbox):
    control(sandbox, "GET", "/stats")
    control(sandbox, "GET", "/export")
    assert sandbox.store.stats()["totalRequests"] == 0


def test_unknown_control_path_is_404(sandbox):
    response = control(sandbox, "GET", "/nothing")
    assert response.status_code == 404
    assert response.json()["error"] == "Not Found"


def test_sandbox_urls():
    with HandySandbox(token=TOKEN) as instance:
        assert instance.url == f"http://127.0.0.1:{instance.port}/api/v2"
        assert instance.web_url == f"http://127.0.0.1:{instance.port}"
        assert instance.port > 0


def test_sandbox_start_returns_self_and_stops():
    instance = HandySandbox(token=TOKEN)
    assert instance.start() is instance
    url = instance.url
    client = ApiClient(instance)
    assert client.get("/user").status_code == 200
    instance.stop()
    with pytest.raises(requests.ConnectionError):
        client.get("/user")
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/user", timeout=2)


def test_sandbox_starts_empty_without_data_options():
    instance = HandySandbox(token=TOKEN)
    assert instance.store.stats()["records"]["customers"] == 0


def test_sandbox_generates_with_counts():
    instance = HandySandbox(
        token=TOKEN, seed=7, customers=10, products=20, orders=30, now=NOW
    )
    records = instance.store.stats()["records"]
    assert records["customers"] == 10
    assert records["products"] == 20
    assert records["salesOrders"] >= 30


def test_sandbox_rejects_unknown_option():
    with pytest.raises(TypeError):
        HandySandbox(token=TOKEN, clients=5)
