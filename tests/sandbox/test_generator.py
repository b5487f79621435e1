"""Deterministic demo data: counts, shapes and plausibility of the generated records."""

import datetime as dt
import re

import pytest
from handy_sandbox import SandboxStore, generate
from handy_sandbox.pricing import price_with_taxes

UTC = dt.timezone.utc
NOW = dt.datetime(2024, 3, 5, 18, 0, 0, tzinfo=UTC)
RFC_COMPANY = re.compile(r"[A-Z&]{3}\d{6}ZZ\d")
RFC_PERSON = re.compile(r"[A-Z&]{4}\d{6}ZZ\d")


def _parse(text):
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _without_export_time(state):
    state = dict(state)
    state.pop("exportedAt")
    return state


@pytest.fixture(scope="module")
def store():
    return generate(11, customers=40, products=80, orders=200, now=NOW)


def test_same_seed_same_data():
    first = generate(5, customers=20, products=30, orders=40, now=NOW).export_state()
    second = generate(5, customers=20, products=30, orders=40, now=NOW).export_state()
    assert _without_export_time(first) == _without_export_time(second)


def test_other_seed_other_data():
    first = generate(5, customers=20, products=30, orders=40, now=NOW)
    second = generate(6, customers=20, products=30, orders=40, now=NOW)
    assert [customer["description"] for customer in first.customers()] != [
        customer["description"] for customer in second.customers()
    ]


def test_global_random_is_untouched():
    import random

    random.seed(99)
    expected = random.random()
    random.seed(99)
    generate(5, customers=5, products=10, orders=5, now=NOW)
    assert random.random() == expected


def test_counts():
    store = generate(
        3,
        zones=4,
        families=5,
        sellers=3,
        customers=25,
        products=40,
        orders=50,
        edited=5,
        deleted=3,
        broken_orders=2,
        now=NOW,
    )

    records = store.stats()["records"]
    assert records["zones"] == 4
    assert records["productFamilies"] == 5
    assert records["users"] == 4
    assert records["customers"] == 25
    assert records["products"] == 40
    # Five orders edited, one of them twice: six replacement orders.
    assert records["salesOrders"] == 56
    assert records["editedSalesOrders"] == 6
    assert records["deletedSalesOrders"] == 9
    assert records["liveSalesOrders"] == 47

    codes = {product["code"] for product in store.products()}
    broken = [
        order
        for order in store.orders()
        if any(item["product"]["code"] not in codes for item in order["items"])
    ]
    assert len(broken) == 2
    assert all(not order["deleted"] for order in broken)


def test_default_shares_of_edits_and_deletions():
    store = generate(8, orders=100, now=NOW)
    records = store.stats()["records"]
    originals = [order for order in store.orders() if order["editedFrom"] is None]
    assert len(originals) == 100
    assert records["salesOrders"] - 100 == records["editedSalesOrders"]
    assert 6 <= records["editedSalesOrders"] <= 8
    assert records["deletedSalesOrders"] - records["editedSalesOrders"] == 3


def test_edited_twice_exists():
    store = generate(8, orders=100, now=NOW)
    twice = [
        order
        for order in store.orders()
        if order["editedFrom"] and order["editedFrom"]["editedFrom"]
    ]
    assert twice


def test_exact_line_count():
    store = generate(4, customers=10, products=30, orders=30, lines=(8, 8), now=NOW)
    originals = [order for order in store.orders() if order["editedFrom"] is None]
    assert originals
    assert all(len(order["items"]) == 8 for order in originals)


def test_order_dates(store):
    for order in store.orders():
        mobile = _parse(order["mobileDateCreated"])
        created = _parse(order["dateCreated"])
        assert NOW - dt.timedelta(hours=24) <= mobile <= NOW
        assert created <= NOW
        if order["editedFrom"] is None:
            assert mobile <= created
        assert order["salesType"] == "Preventa"
        assert _parse(order["scheduledDateForDelivery"]) > mobile
        if order["deleted"]:
            assert _parse(order["dateDeleted"]) <= NOW


def test_some_orders_arrive_late(store):
    delays = [
        _parse(order["dateCreated"]) - _parse(order["mobileDateCreated"])
        for order in store.orders()
        if order["editedFrom"] is None
    ]
    assert any(delay >= dt.timedelta(hours=1) for delay in delays)
    assert (
        sum(delay <= dt.timedelta(seconds=30) for delay in delays) > len(delays) * 0.8
    )


def test_ids_follow_arrival_order(store):
    orders = store.orders()
    assert [order["id"] for order in orders] == sorted(order["id"] for order in orders)
    created = [order["dateCreated"] for order in orders]
    assert created == sorted(created)


def test_order_lines_variety(store):
    items = [item for order in store.orders() for item in order["items"]]
    discounts = {item["discountPercentage"] for item in items if not item["isReward"]}
    assert discounts <= {0.0, 3.0, 5.0, 10.0}
    assert {3.0, 5.0, 10.0} <= discounts
    assert any(item["isReward"] for item in items)
    assert any(
        isinstance(item["quantity"], float) and not item["quantity"].is_integer()
        for item in items
    )


def test_totals_are_consistent(store):
    for order in store.orders():
        counted = sum(item["total"] for item in order["items"] if not item["isReturn"])
        assert order["totalSales"] == pytest.approx(counted, abs=0.001)
        assert order["totalBeforeTax"] == pytest.approx(
            order["totalSales"] - order["totalTax"], abs=0.001
        )


def test_zones_and_families(store):
    zones = store.zones()
    assert zones[0]["description"] == "Centro"
    assert all(re.fullmatch(r"#[0-9a-f]{6}", zone["color"]) for zone in zones)
    families = [family["description"] for family in store.families()]
    assert {"Bebidas", "Botanas", "Abarrotes", "Lácteos", "Limpieza", "Dulces"} <= set(
        families
    )


def test_users(store):
    users = store.users()
    roles = [user["role"]["id"] for user in users]
    assert roles.count(1) == 1
    assert roles.count(4) == 6
    assert all(
        re.fullmatch(r"[a-z0-9.]+@[a-z0-9.-]+\.example", user["username"])
        for user in users
    )
    assert any(not user["enabled"] for user in users)


def test_customers(store):
    customers = store.customers()
    assert len({customer["code"] for customer in customers}) == len(customers)
    assert any(not customer["enabled"] for customer in customers)
    assert all(customer["zone"] for customer in customers)
    assert all(re.fullmatch(r"\d{5}", customer["postalCode"]) for customer in customers)
    assert all(
        re.fullmatch(r"\d{2,3} \d{3,4} \d{4}", customer["phoneNumber"])
        for customer in customers
    )
    rfcs = [customer["rfc"] for customer in customers if customer["rfc"]]
    assert any(len(rfc) == 12 for rfc in rfcs)
    assert any(len(rfc) == 13 for rfc in rfcs)
    for rfc in rfcs:
        pattern = RFC_COMPANY if len(rfc) == 12 else RFC_PERSON
        assert pattern.fullmatch(rfc), rfc
    for customer in customers:
        if customer["credit"] == 0:
            assert customer["balance"] == 0
        else:
            assert 0 <= customer["balance"] <= customer["credit"]
            assert customer["creditDays"] in (7, 15, 30)


def _ean13_valid(code):
    digits = [int(char) for char in code]
    weighted = sum(
        digit * (3 if index % 2 else 1) for index, digit in enumerate(digits[:12])
    )
    return (10 - weighted % 10) % 10 == digits[12]


def test_products(store):
    products = store.products()
    assert any(not product["enabled"] for product in products)
    for product in products:
        assert "/" not in product["code"]
        assert re.fullmatch(r"750\d{10}", product["barcode"])
        assert _ean13_valid(product["barcode"]), product["barcode"]
        assert re.fullmatch(r"\d{8}", product["satProductCode"])
        unit = product["unit"]["code"]
        assert {"PZA": "H87", "CJA": "XBX", "KG": "KGM"}[unit] == product["satUnitCode"]
        rates = [
            tax["amount"] for tax in (product["tax"], product["taxOptional"]) if tax
        ]
        assert product["price"] == price_with_taxes(product["basePrice"], rates)
    tax_profiles = {
        (
            product["tax"]["amount"],
            product["taxOptional"]["amount"] if product["taxOptional"] else None,
        )
        for product in products
    }
    assert {(16.0, None), (0.0, None), (16.0, 8.0)} <= tax_profiles
    ieps_families = {
        product["family"]["description"]
        for product in products
        if product["taxOptional"]
    }
    assert ieps_families <= {"Botanas", "Dulces", "Panadería", "Cereales"}
    assert {product["unit"]["code"] for product in products} == {"PZA", "CJA", "KG"}


def test_bad_lines_argument():
    with pytest.raises(ValueError):
        generate(1, lines=(0, 3), now=NOW)


def test_too_many_edits():
    with pytest.raises(ValueError):
        generate(1, orders=10, edited=8, deleted=5, now=NOW)


def test_load_generated_replaces_data():
    store = SandboxStore()
    store.add_zone("Vieja")
    summary = store.load_generated(2, customers=15, products=20, orders=10, now=NOW)
    assert "15 customers" in summary
    assert "20 products" in summary
    assert "Vieja" not in [zone["description"] for zone in store.zones()]


def test_generate_into_existing_store_clears_it():
    store = SandboxStore()
    store.add_zone("Vieja")
    returned = generate(2, customers=5, products=10, orders=0, store=store, now=NOW)
    assert returned is store
    assert "Vieja" not in [zone["description"] for zone in store.zones()]


def test_benchmark_volume_generates():
    # How long this takes is for `make bench` to show, not for a test to assert.
    store = generate(1, orders=2000, lines=(8, 8), now=NOW)
    assert store.stats()["records"]["salesOrders"] >= 2000
