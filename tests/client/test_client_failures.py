"""5xx retries, unreachable or slow servers, and responses that are not Handy's JSON."""

import socket

import pytest
from handy_api import (
    HandyAuthError,
    HandyConnectionError,
    HandyNotFoundError,
    HandyResponseError,
    HandyServerError,
    HandyValidationError,
    contract,
)

# Seconds the sandbox delays a slow response, well past the client's read timeout.
SLOW_RESPONSE_SECONDS = 1.5


def test_get_retried_on_5xx(sandbox, client, request_count):
    sandbox.faults.add("server_error", count=2, path="/company")

    company = client.get_company()

    assert company["company"] == "Distribuidora Sandbox"
    assert request_count("GET /company") == 3


def test_put_retried_on_5xx(sandbox, client, catalog, request_count):
    sandbox.faults.add("server_error", count=2, status=500, path="/customer")

    customer = client.update_record(contract.CUSTOMERS, "C001", {"city": "Puebla"})

    assert customer["city"] == "Puebla"
    assert sandbox.store.get_customer("C001")["city"] == "Puebla"
    assert request_count("PUT /customer/{code}") == 3


def test_5xx_retries_back_off(sandbox, make_client, main_thread_sleeps):
    client = make_client(sandbox, retries=3, backoff_factor=0.05)
    sandbox.faults.add("server_error", count=3, path="/company")

    client.get_company()

    # urllib3 retries the first failure at once, then waits longer each time.
    assert len(main_thread_sleeps) == 2
    assert 0 < main_thread_sleeps[0] < main_thread_sleeps[1]


def test_5xx_exhausted_raises_server_error(sandbox, make_client, request_count):
    client = make_client(sandbox, retries=2)
    sandbox.faults.add("server_error", count=5, status=503, path="/company")

    with pytest.raises(HandyServerError) as caught:
        client.get_company()

    error = caught.value
    assert error.status == 503
    assert "status 503" in error.message
    assert "Error del servidor (falla simulada)." in error.message
    assert error.retryable is True
    assert request_count("GET /company") == 3


def test_post_not_retried_on_5xx(sandbox, client, request_count):
    sandbox.faults.add("server_error", count=1, path="/zone")

    with pytest.raises(HandyServerError) as caught:
        client.create_record(contract.ZONES, {"description": "Norte"})

    assert caught.value.status == 503
    assert request_count("POST /zone") == 1
    assert sandbox.store.zones() == []


@pytest.fixture
def closed_port():
    """A local port with nothing listening on it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_connection_refused_message(make_client, closed_port):
    client = make_client(f"http://127.0.0.1:{closed_port}/api/v2", retries=1)

    with pytest.raises(HandyConnectionError) as caught:
        client.get_company()

    message = caught.value.message
    assert message.startswith(
        f"Could not reach Handy at http://127.0.0.1:{closed_port}"
    )
    assert "Connection refused" in message
    assert "object at 0x" not in message
    assert "urllib3" not in message
    assert "<" not in message
    assert caught.value.status is None


@pytest.fixture
def full_backlog_port():
    """A local port that accepts no more connections, so a connect times out.

    The listening socket has a backlog of 0 and never accepts. Connections are
    opened until one of them times out, which proves that its queue is full.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(16):
        filler = socket.socket()
        filler.settimeout(0.2)
        fillers.append(filler)
        try:
            filler.connect(("127.0.0.1", port))
        except TimeoutError:
            break
    else:
        pytest.fail("the listening socket kept accepting connections")
    yield port
    for filler in fillers:
        filler.close()
    listener.close()


def test_connect_timeout_message(make_client, full_backlog_port):
    client = make_client(
        f"http://127.0.0.1:{full_backlog_port}/api/v2", timeout=(0.2, 5), retries=1
    )

    with pytest.raises(HandyConnectionError) as caught:
        client.get_company()

    assert caught.value.message == (
        f"Could not connect to Handy at http://127.0.0.1:{full_backlog_port}/api/v2 "
        "within 0.2 seconds."
    )


def test_read_timeout_on_get(sandbox, make_client, request_count):
    client = make_client(sandbox, timeout=0.3, retries=1)
    sandbox.faults.add("slow", count=5, delay=SLOW_RESPONSE_SECONDS, path="/company")

    with pytest.raises(HandyConnectionError) as caught:
        client.get_company()

    assert caught.value.message == "Handy did not answer within 0.3 seconds."
    assert request_count("GET /company") == 2


def test_read_timeout_on_post(sandbox, make_client, request_count):
    client = make_client(sandbox, timeout=(5, 0.3), retries=1)
    sandbox.faults.add("slow", count=5, delay=SLOW_RESPONSE_SECONDS, path="/zone")

    with pytest.raises(HandyConnectionError) as caught:
        client.create_record(contract.ZONES, {"description": "Norte"})

    assert caught.value.message == "Handy did not answer within 0.3 seconds."
    assert request_count("POST /zone") == 1


def test_malformed_json_raises_response_error(sandbox, client):
    sandbox.faults.add("malformed_json", path="/company")

    with pytest.raises(HandyResponseError) as caught:
        client.get_company()

    assert caught.value.status == 200
    assert caught.value.message.startswith("Handy sent malformed JSON: ")


@pytest.mark.parametrize(
    ("status", "title", "error_class"),
    [
        (502, "502 Bad Gateway", HandyServerError),
        (404, "404 Not Found", HandyNotFoundError),
        (403, "403 Forbidden", HandyAuthError),
    ],
)
def test_html_error_page_names_title(sandbox, make_client, status, title, error_class):
    client = make_client(sandbox, retries=1)
    sandbox.faults.add("html_error", count=3, status=status, path="/company")

    with pytest.raises(error_class) as caught:
        client.get_company()

    assert caught.value.status == status
    assert f"an HTML page instead of JSON ({title})" in caught.value.message


def test_404_raises_not_found(client, catalog):
    with pytest.raises(HandyNotFoundError) as caught:
        client.get_record(contract.CUSTOMERS, "NO-SUCH")

    error = caught.value
    assert error.status == 404
    assert error.path == "/customer/NO-SUCH"
    assert "No existe un cliente con el código 'NO-SUCH'." in error.message


def test_422_carries_field_and_errors(client, catalog):
    payload = {
        "code": "AGUA-1",
        "description": "Agua 1 l",
        "price": "$12.00",
        "family": {"id": catalog["family"]["id"]},
    }

    with pytest.raises(HandyValidationError) as caught:
        client.create_record(contract.PRODUCTS, payload)

    error = caught.value
    assert error.status == 422
    assert len(error.details) == 1
    detail = error.details[0]
    assert detail["field"] == "price"
    assert detail["rejected-value"] == "$12.00"
    assert f"price: {detail['message']}" in error.message
    assert "(rejected value: $12.00)" in error.message
