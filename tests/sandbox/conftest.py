"""Fixtures that start a Handy sandbox on 127.0.0.1, port 0, for one test."""

import datetime as dt

import pytest
import requests
from handy_sandbox import HandySandbox

TOKEN = "secret-token"
# 12:00:00 in Mexico City (UTC-6).
NOW = dt.datetime(2024, 3, 5, 18, 0, 0, tzinfo=dt.timezone.utc)


class ApiClient:
    """requests.Session bound to one sandbox's API URL, with the Bearer token set."""

    def __init__(self, sandbox, token=TOKEN):
        self.sandbox = sandbox
        self.url = sandbox.url
        self.session = requests.Session()
        if token is not None:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, path, **kwargs):
        return self.session.get(self.url + path, timeout=10, **kwargs)

    def post(self, path, **kwargs):
        return self.session.post(self.url + path, timeout=10, **kwargs)

    def put(self, path, **kwargs):
        return self.session.put(self.url + path, timeout=10, **kwargs)

    def control(self, method, path, **kwargs):
        return self.session.request(
            method, self.sandbox.web_url + "/_sandbox" + path, timeout=10, **kwargs
        )


@pytest.fixture
def sandbox():
    """Empty sandbox with a frozen clock at NOW and no rate limit."""
    instance = HandySandbox(token=TOKEN, rate_limit=None)
    instance.store.set_clock(NOW)
    instance.start()
    yield instance
    instance.stop()


@pytest.fixture
def api(sandbox):
    client = ApiClient(sandbox)
    yield client
    client.session.close()


@pytest.fixture
def catalog(sandbox):
    """A zone, a family and three products with different taxes, plus two customers."""
    store = sandbox.store
    zone = store.add_zone("Centro", color="#1f6f8b")
    family = store.add_family("Bebidas")
    snacks = store.add_family("Botanas")
    price_list = store.add_price_list("LP01", "General")
    store.add_customer(
        "C001",
        "Abarrotes Doña Lupe",
        zone["id"],
        priceList=price_list["id"],
        latitude=20.67,
        longitude=-103.35,
    )
    store.add_customer("C002", "Miscelánea El Güero", zone["id"])
    store.add_product("REF-600", "Refresco de cola 600 ml", 18.56, family["id"])
    store.add_product("ARROZ-1", "Arroz 900 g", 25.50, family["id"], tax_rate=0.0)
    store.add_product(
        "PAPA-45", "Papas fritas 45 g", 14.50, snacks["id"], tax_optional_rate=8.0
    )
    return {"zone": zone, "family": family, "snacks": snacks, "price_list": price_list}
