"""Bearer authentication, and what the client writes to the log."""

import logging

import pytest
from handy_api import (
    HandyAuthError,
    HandyNotFoundError,
    HandyServerError,
    HandyTokenFormatError,
    HandyValidationError,
    contract,
)


def test_bearer_token_accepted(client, request_count):
    company = client.get_company()

    assert company["company"] == "Distribuidora Sandbox"
    assert request_count("GET /company") == 1


def test_bearer_header_sent(client, token):
    assert client.session.headers["Authorization"] == f"Bearer {token}"


def test_wrong_token_raises_auth_error(sandbox, make_client):
    client = make_client(sandbox, token="not-the-token")

    with pytest.raises(HandyAuthError) as caught:
        client.get_company()

    error = caught.value
    assert error.status == 401
    assert "Falta el token o no es válido" in error.message
    assert "not-the-token" not in str(error)


def test_token_and_headers_never_logged(
    sandbox, catalog, make_client, token, caplog, client_log_lines
):
    caplog.set_level(logging.INFO)
    client = make_client(sandbox)
    wrong_client = make_client(sandbox, token="wrong-token-77")
    sandbox.faults.add("server_error", count=1, path="/company")

    client.get_company()
    client.fetch_all(contract.CUSTOMERS, {"enabled": "true"})
    with pytest.raises(HandyNotFoundError):
        client.get_record(contract.CUSTOMERS, "NO-SUCH")
    with pytest.raises(HandyValidationError):
        client.create_record(contract.ZONES, {"color": "#ffffff"})
    with pytest.raises(HandyAuthError):
        wrong_client.get_company()

    assert len(client_log_lines()) == 5
    assert caplog.records
    for record in caplog.records:
        message = record.getMessage()
        assert token not in message
        assert "wrong-token-77" not in message
        assert "Bearer" not in message
        assert "Authorization" not in message
        assert "User-Agent" not in message
    assert token not in caplog.text


def test_one_log_line_per_call(client, catalog, caplog, client_log_lines):
    caplog.set_level(logging.INFO)

    client.get_record(contract.CUSTOMERS, "C001")
    client.update_record(contract.CUSTOMERS, "C001", {"city": "Puebla"})
    client.create_record(contract.ZONES, {"description": "Norte"})

    lines = client_log_lines()
    assert len(lines) == 3
    assert lines[0].startswith("Handy GET /customer/C001 -> 200 in ")
    assert lines[1].startswith("Handy PUT /customer/C001 -> 200 in ")
    assert lines[2].startswith("Handy POST /zone -> 201 in ")


def test_log_line_shows_query(client, caplog, client_log_lines):
    caplog.set_level(logging.INFO)

    client.get("/customer", params={"enabled": "false", "max": 5})

    assert len(client_log_lines()) == 1
    assert client_log_lines()[0].startswith(
        "Handy GET /customer?enabled=false&max=5 -> 200 in "
    )


def test_retried_call_logs_one_line(
    sandbox, client, caplog, client_log_lines, request_count
):
    caplog.set_level(logging.INFO)
    sandbox.faults.add("server_error", count=2, path="/company")

    client.get_company()

    assert request_count("GET /company") == 3
    lines = client_log_lines()
    assert len(lines) == 1
    assert lines[0].startswith("Handy GET /company -> 200 in ")
    assert lines[0].endswith(" after 2 retries")


def test_single_retry_logged_in_singular(sandbox, client, caplog, client_log_lines):
    caplog.set_level(logging.INFO)
    sandbox.faults.add("server_error", count=1, path="/company")

    client.get_company()

    assert client_log_lines()[0].endswith(" after 1 retry")


def test_failed_call_logs_one_line(
    sandbox, make_client, caplog, client_log_lines, request_count
):
    caplog.set_level(logging.INFO)
    client = make_client(sandbox, retries=2)
    sandbox.faults.add("server_error", count=5, path="/company")

    with pytest.raises(HandyServerError):
        client.get_company()

    assert request_count("GET /company") == 3
    lines = client_log_lines()
    assert len(lines) == 1
    assert lines[0].startswith("Handy GET /company -> 503 in ")
    assert lines[0].endswith(" after 2 retries")


@pytest.mark.parametrize("token", ["abc def", "abc\ndef", "abc\u200bdef", "tóken"])
def test_malformed_token_rejected_before_sending(sandbox, make_client, token, caplog):
    with caplog.at_level(logging.DEBUG), pytest.raises(HandyTokenFormatError):
        make_client(sandbox, token=token)

    assert sandbox.store.stats()["requests"] == {}
    assert token not in caplog.text
