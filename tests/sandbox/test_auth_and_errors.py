"""Authentication, error bodies and content types of the API."""

import requests
from conftest import ApiClient

JSON_TYPE = "application/json; charset=utf-8"


def test_missing_token_is_401(sandbox):
    response = requests.get(sandbox.url + "/user", timeout=10)
    assert response.status_code == 401
    assert response.headers["Content-Type"] == JSON_TYPE
    body = response.json()
    assert body["error"] == "Unauthorized"
    assert body["message"]


def test_wrong_token_is_401(sandbox):
    client = ApiClient(sandbox, token="not-the-token")
    response = client.get("/user")
    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"


def test_basic_scheme_is_401(sandbox):
    response = requests.get(
        sandbox.url + "/user", auth=("admin", "secret-token"), timeout=10
    )
    assert response.status_code == 401


def test_token_in_query_is_401(sandbox):
    response = requests.get(
        sandbox.url + "/user", params={"token": "secret-token"}, timeout=10
    )
    assert response.status_code == 401


def test_valid_token_lists_users(api, catalog):
    api.sandbox.store.add_user("Ana López", "ana.lopez@example.com")
    response = api.get("/user", params={"max": 1})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == JSON_TYPE
    assert response.json()["users"][0]["username"] == "ana.lopez@example.com"


def test_unauthorized_before_not_found(sandbox):
    response = requests.get(sandbox.url + "/no-such-route", timeout=10)
    assert response.status_code == 401


def test_unknown_api_path_is_404_json(api):
    response = api.get("/no-such-route")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == JSON_TYPE
    assert response.json()["error"] == "Not Found"


def test_unknown_path_outside_api_is_404_json(sandbox):
    response = requests.get(sandbox.web_url + "/nothing/here", timeout=10)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == JSON_TYPE
    assert response.json()["error"] == "Not Found"


def test_unknown_customer_code_is_404(api, catalog):
    response = api.get("/customer/NOPE")
    assert response.status_code == 404
    body = response.json()
    assert body["error"] == "Not Found"
    assert "NOPE" in body["message"]


def test_unknown_ids_are_404(api, catalog):
    for path in (
        "/salesOrder/999",
        "/salesOrder/abc",
        "/user/1",
        "/zone/1",
        "/productFamily/1",
        "/product/NOPE",
    ):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"] == "Not Found", path


def test_wrong_method_is_405(api, catalog):
    response = api.session.delete(api.url + "/customer/C001", timeout=10)
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "PUT"}


def test_invalid_json_body_is_400(api, catalog):
    response = api.post(
        "/zone", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["Content-Type"] == JSON_TYPE
    assert response.json()["error"] == "Bad Request"


def test_json_array_body_is_400(api, catalog):
    response = api.post("/zone", json=[{"description": "Norte"}])
    assert response.status_code == 400


def test_empty_body_is_400(api, catalog):
    response = api.put("/customer/C001", data=b"")
    assert response.status_code == 400


def test_company_data(api):
    response = api.get("/company")
    assert response.status_code == 200
    body = response.json()
    assert body["currency"] == "MXN"
    assert body["subscriptionStatus"] == "ACTIVE"
    assert body["company"]
    assert body["productUnit"] == "PZA"


def test_user_shape(api):
    user = api.sandbox.store.add_user(
        "Ana López", "ana.lopez@example.com", extras="Ruta 1"
    )
    response = api.get(f"/user/{user['id']}")
    assert response.status_code == 200
    body = response.json()
    assert body["role"] == {"id": 4, "authority": "ROLE_SALES"}
    assert body["email"] == "ana.lopez@example.com"
    assert body["extras"] == "Ruta 1"
    assert body["lastUpdated"] == "2024-03-05T18:00:00Z"
    assert body["dateCreated"] == "2024-03-05T18:00:00Z"


def test_user_filters(api):
    store = api.sandbox.store
    store.add_user("Ana López", "ana@example.com")
    store.add_user("Beto Ruiz", "beto@example.com", enabled=False)
    store.add_user("Carla Admin", "carla@example.com", role_id=1)
    enabled_names = [user["name"] for user in api.get("/user").json()["users"]]
    assert enabled_names == ["Ana López", "Carla Admin"]
    disabled_names = [
        user["name"]
        for user in api.get("/user", params={"enabled": "false"}).json()["users"]
    ]
    assert disabled_names == ["Beto Ruiz"]
    admins = api.get("/user", params={"role": 1}).json()["users"]
    assert [user["name"] for user in admins] == ["Carla Admin"]
    by_name = api.get("/user", params={"name": "lópez"}).json()["users"]
    assert [user["name"] for user in by_name] == ["Ana López"]
