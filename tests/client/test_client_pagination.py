"""iter_pages and fetch_all against the sandbox's paginated lists."""

import logging
from urllib.parse import parse_qs, urlsplit

import pytest
from handy_api import HandyResponseError, contract

ENABLED_CODES = [f"E{number:02d}" for number in range(1, 8)]
DISABLED_CODES = [f"D{number:02d}" for number in range(1, 6)]


@pytest.fixture
def customers(sandbox):
    """Seven enabled and five disabled customers, created in alternation."""
    zone = sandbox.store.add_zone("Centro")
    for index in range(7):
        sandbox.store.add_customer(ENABLED_CODES[index], "Tienda", zone["id"])
        if index < 5:
            sandbox.store.add_customer(
                DISABLED_CODES[index], "Tienda cerrada", zone["id"], enabled=False
            )
    return zone


@pytest.fixture
def orders(sandbox, catalog):
    """Five live pre-sale orders; returns their ids in ascending order."""
    items = [{"product": "REF-600", "quantity": 1}]
    return [sandbox.store.create_order("C001", items)["id"] for _ in range(5)]


def _query(url):
    """Return the query of a page URL as a dict of single values."""
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def test_fetch_all_filters_every_page(client, customers, request_count):
    records = client.fetch_all(contract.CUSTOMERS, {"enabled": "false"}, page_size=2)

    assert sorted(record["code"] for record in records) == DISABLED_CODES
    assert request_count("GET /customer") == 3


def test_iter_pages_sends_filters_each_page(client, customers):
    pages = list(
        client.iter_pages(contract.CUSTOMERS, {"enabled": "false"}, page_size=2)
    )

    assert [len(items) for items, _pagination in pages] == [2, 2, 1]
    # The sandbox writes the query it received into currentPage.
    for number, (_items, pagination) in enumerate(pages, start=1):
        received = _query(pagination["currentPage"])
        assert received["enabled"] == "false"
        assert received["max"] == "2"
        assert received["page"] == str(number)
    for items, _pagination in pages:
        assert all(record["enabled"] is False for record in items)


def test_second_page_keeps_filters(client, customers):
    # Filters are rebuilt from the caller's params: a page URL that dropped them
    # would list enabled customers on page 2.
    pages = list(
        client.iter_pages(contract.CUSTOMERS, {"enabled": "false"}, page_size=3)
    )

    second_page_codes = [record["code"] for record in pages[1][0]]
    assert second_page_codes == DISABLED_CODES[3:]


def test_iter_pages_stops_at_last_page(sandbox, client, customers, request_count):
    sandbox.store.update_customer("D05", enabled=True)

    pages = list(
        client.iter_pages(contract.CUSTOMERS, {"enabled": "false"}, page_size=2)
    )

    assert len(pages) == 2
    assert pages[-1][1]["nextPage"] is None
    assert pages[-1][1]["totalPages"] == 2
    assert request_count("GET /customer") == 2


def test_empty_list_reads_one_page(client, request_count):
    assert client.fetch_all(contract.CUSTOMERS) == []
    assert request_count("GET /customer") == 1


def test_page_size_capped_at_100(sandbox, client, customers, request_count):
    for number in range(150):
        sandbox.store.add_customer(f"X{number:03d}", "Tienda", customers["id"])

    pages = list(client.iter_pages(contract.CUSTOMERS, page_size=500))

    assert [len(items) for items, _pagination in pages] == [100, 57]
    assert _query(pages[0][1]["currentPage"])["max"] == "100"
    assert request_count("GET /customer") == 2


def test_fetch_all_reads_over_100_records(sandbox, client, customers):
    for number in range(150):
        sandbox.store.add_customer(f"X{number:03d}", "Tienda", customers["id"])

    records = client.fetch_all(contract.CUSTOMERS)

    assert len(records) == 157
    assert len({record["id"] for record in records}) == 157


def test_page_size_below_one_rejected(client):
    with pytest.raises(ValueError, match="page_size"):
        next(client.iter_pages(contract.CUSTOMERS, page_size=0))


def test_missing_list_key_raises(client, customers):
    # /zone lists under "zones"; a resource naming another key must not read as [].
    with pytest.raises(HandyResponseError, match="no 'zone' list"):
        client.fetch_all(("/zone", "zone"))


def test_fetch_all_rereads_when_total_changes(
    sandbox, client, orders, monkeypatch, caplog, client_log_lines, request_count
):
    caplog.set_level(logging.INFO)
    original_get = client.get
    deleted = []

    def get_then_delete_first_order(path, params=None):
        data = original_get(path, params)
        if not deleted:
            # Page 2 of the first read now starts one order later: without a
            # second read, orders[2] would be missed.
            deleted.append(sandbox.store.delete_order(orders[0])["id"])
        return data

    monkeypatch.setattr(client, "get", get_then_delete_first_order)

    records = client.fetch_all(contract.SALES_ORDERS, {"deleted": "false"}, page_size=2)

    assert sorted(record["id"] for record in records) == orders[1:]
    # First read: pages 1 and 2, stopped at the change. Second read: 2 pages.
    assert request_count("GET /salesOrder") == 4
    assert any(
        "changed while it was read (totalCount 5, then 4)" in line
        for line in client_log_lines()
    )


def test_fetch_all_raises_when_list_keeps_changing(
    sandbox, client, orders, monkeypatch, request_count
):
    original_get = client.get

    def get_then_add_order(path, params=None):
        data = original_get(path, params)
        if params["page"] == 1:
            sandbox.store.create_order("C002", [{"product": "ARROZ-1", "quantity": 2}])
        return data

    monkeypatch.setattr(client, "get", get_then_add_order)

    with pytest.raises(HandyResponseError, match="changed during each of 3 reads"):
        client.fetch_all(contract.SALES_ORDERS, page_size=2)

    assert request_count("GET /salesOrder") == 6
