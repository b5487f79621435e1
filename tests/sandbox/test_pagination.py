"""Pagination envelope, page URLs, page size, sorting and the enabled filter."""

from urllib.parse import parse_qs, urlsplit

import pytest


@pytest.fixture
def zones(sandbox):
    store = sandbox.store
    created = [store.add_zone(f"Zona {number:02d}") for number in range(1, 26)]
    store.update_zone(created[3]["id"], enabled=False)
    return created


def _query(url):
    return parse_qs(urlsplit(url).query)


def test_envelope_keys(api, zones):
    body = api.get("/zone").json()
    assert set(body) == {"pagination", "zones"}
    assert set(body["pagination"]) == {
        "totalCount",
        "totalPages",
        "currentPage",
        "nextPage",
        "prevPage",
        "firstPage",
        "lastPage",
    }


def test_default_page_size_is_10(api, zones):
    body = api.get("/zone").json()
    assert len(body["zones"]) == 10
    assert body["pagination"]["totalCount"] == 24
    assert body["pagination"]["totalPages"] == 3


def test_first_page_urls(api, zones):
    pagination = api.get("/zone").json()["pagination"]
    base = api.url + "/zone"
    assert pagination["currentPage"] == base + "?page=1"
    assert pagination["firstPage"] == base + "?page=1"
    assert pagination["nextPage"] == base + "?page=2"
    assert pagination["lastPage"] == base + "?page=3"
    assert pagination["prevPage"] is None


def test_last_page_has_no_next(api, zones):
    body = api.get("/zone", params={"page": 3}).json()
    assert len(body["zones"]) == 4
    assert body["pagination"]["nextPage"] is None
    assert body["pagination"]["prevPage"] == api.url + "/zone?page=2"


def test_urls_use_host_header(api, zones):
    response = api.get("/zone", headers={"Host": "handy.test:9999"})
    assert (
        response.json()["pagination"]["nextPage"]
        == "http://handy.test:9999/api/v2/zone?page=2"
    )


def test_urls_keep_every_filter(api, catalog):
    store = api.sandbox.store
    for _ in range(3):
        store.create_order("C001", [{"product": "REF-600", "quantity": 1}])
    params = {
        "start": "05/03/2024 00:00:00",
        "end": "05/03/2024 23:59:59",
        "filterWithDate": "dateCreated",
        "deleted": "false",
        "max": 2,
        "page": 1,
    }
    pagination = api.get("/salesOrder", params=params).json()["pagination"]
    next_query = _query(pagination["nextPage"])
    assert next_query["page"] == ["2"]
    assert next_query["start"] == ["05/03/2024 00:00:00"]
    assert next_query["end"] == ["05/03/2024 23:59:59"]
    assert next_query["filterWithDate"] == ["dateCreated"]
    assert next_query["deleted"] == ["false"]
    assert next_query["max"] == ["2"]
    assert "%20" in pagination["nextPage"]
    assert pagination["nextPage"].startswith(api.url + "/salesOrder?")


def test_following_next_page_reaches_every_record(api, zones):
    seen = []
    url = api.url + "/zone?max=7"
    while url:
        body = api.session.get(url, timeout=10).json()
        seen.extend(zone["id"] for zone in body["zones"])
        url = body["pagination"]["nextPage"]
    assert len(seen) == 24
    assert len(set(seen)) == 24


def test_max_above_100_counts_as_100(api, sandbox):
    store = sandbox.store
    for number in range(130):
        store.add_family(f"Familia {number}")
    body = api.get("/productFamily", params={"max": 500}).json()
    assert len(body["productFamilies"]) == 100
    assert body["pagination"]["totalPages"] == 2


def test_page_past_last_is_empty(api, zones):
    body = api.get("/zone", params={"page": 9}).json()
    assert body["zones"] == []
    assert body["pagination"]["totalCount"] == 24
    assert body["pagination"]["totalPages"] == 3
    assert body["pagination"]["nextPage"] is None


def test_empty_list_pagination(api):
    body = api.get("/zone").json()
    assert body["zones"] == []
    assert body["pagination"]["totalCount"] == 0
    assert body["pagination"]["totalPages"] == 0
    assert body["pagination"]["nextPage"] is None
    assert body["pagination"]["prevPage"] is None


@pytest.mark.parametrize(
    "name,value", [("page", "0"), ("page", "x"), ("max", "0"), ("max", "-5")]
)
def test_bad_page_parameters_are_422(api, zones, name, value):
    response = api.get("/zone", params={name: value})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == name
    assert error["rejected-value"] == value


def test_sort_and_order(api, zones):
    descending = api.get(
        "/zone", params={"sort": "description", "order": "desc"}
    ).json()["zones"]
    assert descending[0]["description"] == "Zona 25"
    ascending = api.get("/zone", params={"sort": "id", "order": "asc"}).json()["zones"]
    assert ascending[0]["description"] == "Zona 01"
    default = api.get("/zone").json()["zones"]
    assert [zone["id"] for zone in default] == sorted(zone["id"] for zone in default)


def test_bad_sort_field_is_422(api, zones):
    response = api.get("/zone", params={"sort": "nope"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "sort"


def test_bad_order_is_422(api, zones):
    response = api.get("/zone", params={"order": "sideways"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "order"


def test_enabled_filter_default_and_false(api, zones):
    enabled = api.get("/zone", params={"max": 100}).json()
    assert enabled["pagination"]["totalCount"] == 24
    assert all(zone["enabled"] for zone in enabled["zones"])
    disabled = api.get("/zone", params={"enabled": "false"}).json()
    assert [zone["description"] for zone in disabled["zones"]] == ["Zona 04"]


def test_enabled_filter_on_every_catalog_list(api, catalog):
    store = api.sandbox.store
    store.update_customer("C002", enabled=False)
    store.update_product("ARROZ-1", enabled=False)
    store.update_family(catalog["snacks"]["id"], enabled=False)
    store.add_price_list("LP09", "Vieja", enabled=False)
    cases = {
        "/customer": ("customers", "code", ["C001"], ["C002"]),
        "/product": ("products", "code", ["REF-600", "PAPA-45"], ["ARROZ-1"]),
        "/productFamily": ("productFamilies", "description", ["Bebidas"], ["Botanas"]),
        "/priceList": ("priceLists", "code", ["LP01"], ["LP09"]),
    }
    for path, (key, field, enabled, disabled) in cases.items():
        listed = [record[field] for record in api.get(path).json()[key]]
        assert listed == enabled, path
        listed = [
            record[field]
            for record in api.get(path, params={"enabled": "false"}).json()[key]
        ]
        assert listed == disabled, path


def test_bad_enabled_value_is_422(api, zones):
    response = api.get("/zone", params={"enabled": "maybe"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "enabled"
