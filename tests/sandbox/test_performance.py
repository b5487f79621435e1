"""Benchmark volume: 2,000 orders of 8 lines, listed 100 per page."""

import time

import pytest
from conftest import TOKEN, ApiClient
from handy_sandbox import HandySandbox

# NOTE: the budget is the one handoo's benchmark needs. Measured on a 2-core
# container, pages took about 15-30 ms.
PAGE_BUDGET_SECONDS = 0.1


@pytest.fixture(scope="module")
def big_sandbox():
    instance = HandySandbox(
        token=TOKEN, seed=42, orders=2000, lines=(8, 8), rate_limit=None
    ).start()
    yield instance
    instance.stop()


def test_pages_of_100_orders_are_fast(big_sandbox):
    client = ApiClient(big_sandbox)
    timings = []
    seen = 0
    page = 1
    while True:
        started = time.perf_counter()
        response = client.get("/salesOrder", params={"max": 100, "page": page})
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
        body = response.json()
        seen += len(body["salesOrders"])
        if body["pagination"]["nextPage"] is None:
            break
        page += 1
    assert seen == body["pagination"]["totalCount"]
    assert seen >= 1900
    slowest = max(timings)
    assert slowest < PAGE_BUDGET_SECONDS, f"slowest page took {slowest * 1000:.1f} ms"
