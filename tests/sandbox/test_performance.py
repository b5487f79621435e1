"""Benchmark volume: 2,000 orders of 8 lines, listed 100 per page.

How fast the pages come is measured by ``make bench``, not asserted here.
"""

import pytest
from conftest import TOKEN, ApiClient
from handy_sandbox import HandySandbox


@pytest.fixture(scope="module")
def big_sandbox():
    instance = HandySandbox(
        token=TOKEN, seed=42, orders=2000, lines=(8, 8), rate_limit=None
    ).start()
    yield instance
    instance.stop()


def test_benchmark_volume_lists_in_pages_of_100(big_sandbox):
    client = ApiClient(big_sandbox)
    seen = set()
    page = 1
    while True:
        response = client.get("/salesOrder", params={"max": 100, "page": page})
        assert response.status_code == 200
        body = response.json()
        assert len(body["salesOrders"]) <= 100
        seen.update(order["id"] for order in body["salesOrders"])
        if body["pagination"]["nextPage"] is None:
            break
        page += 1
    assert len(seen) == body["pagination"]["totalCount"]
    assert len(seen) >= 1900
