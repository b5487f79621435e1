"""Fixtures that start a Handy sandbox on 127.0.0.1 and aim a HandyClient at it."""

import datetime as dt
import threading
import time

import pytest
from handy_api import HandyClient
from handy_sandbox import HandySandbox

TOKEN = "client-test-token-5f2c9a"
# 12:00:00 in Mexico City (UTC-6).
NOW = dt.datetime(2024, 3, 5, 18, 0, 0, tzinfo=dt.timezone.utc)
CLIENT_LOGGER = "handy_api.client"


def _start_sandbox(**options):
    instance = HandySandbox(token=TOKEN, **options)
    instance.store.set_clock(NOW)
    return instance.start()


@pytest.fixture
def sandbox():
    """Empty sandbox with its clock frozen at NOW and no rate limit."""
    instance = _start_sandbox(rate_limit=None)
    yield instance
    instance.stop()


@pytest.fixture
def start_sandbox():
    """Factory of extra sandboxes, such as one with a small rate limit."""
    started = []

    def start(**options):
        instance = _start_sandbox(**options)
        started.append(instance)
        return instance

    yield start
    for instance in started:
        instance.stop()


@pytest.fixture
def make_client():
    """Factory of clients with short back-off, closed after the test.

    Takes a sandbox or a base URL, then HandyClient's keyword options.
    """
    clients = []

    def make(target, token=TOKEN, **options):
        base_url = target if isinstance(target, str) else target.url
        options = {"timeout": 10.0, "retries": 3, "backoff_factor": 0.01, **options}
        instance = HandyClient(base_url, token, **options)
        clients.append(instance)
        return instance

    yield make
    for instance in clients:
        instance.close()


@pytest.fixture
def token():
    """The token that the sandboxes accept."""
    return TOKEN


@pytest.fixture
def client(sandbox, make_client):
    return make_client(sandbox)


@pytest.fixture
def request_count(sandbox):
    """Return how many API requests the sandbox got for a ``"METHOD /template"``."""

    def count(key, target=None):
        return (target or sandbox).store.stats()["requests"].get(key, 0)

    return count


@pytest.fixture
def client_log_lines(caplog):
    """Return the messages that handy_api.client logged during the test."""

    def lines():
        return [
            record.getMessage()
            for record in caplog.records
            if record.name == CLIENT_LOGGER
        ]

    return lines


@pytest.fixture
def main_thread_sleeps(monkeypatch):
    """List of the seconds passed to time.sleep by the test's own thread.

    The sleeps still happen. Sleeps of the sandbox's threads are not recorded.
    """
    recorded = []
    real_sleep = time.sleep
    test_thread = threading.current_thread()

    def recording_sleep(seconds):
        if threading.current_thread() is test_thread:
            recorded.append(seconds)
        real_sleep(seconds)

    monkeypatch.setattr(time, "sleep", recording_sleep)
    return recorded


@pytest.fixture
def catalog(sandbox):
    """A zone, a family, two customers and two products."""
    store = sandbox.store
    zone = store.add_zone("Centro", color="#1f6f8b")
    family = store.add_family("Bebidas")
    store.add_customer("C001", "Abarrotes Doña Lupe", zone["id"])
    store.add_customer("C002", "Miscelánea El Güero", zone["id"])
    store.add_product("REF-600", "Refresco de cola 600 ml", 18.56, family["id"])
    store.add_product("ARROZ-1", "Arroz 900 g", 25.50, family["id"], tax_rate=0.0)
    return {"zone": zone, "family": family}
