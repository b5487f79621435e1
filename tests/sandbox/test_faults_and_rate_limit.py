"""Fault injection (in-process and over HTTP) and the per-token rate limit."""

import json
import time

import pytest
import requests
from conftest import TOKEN, ApiClient
from handy_sandbox import HandySandbox


@pytest.fixture
def limited():
    instance = HandySandbox(
        token=[TOKEN, "other-token"], rate_limit=5, rate_window=60
    ).start()
    yield instance
    instance.stop()


def test_rate_limit_fault(api):
    api.sandbox.faults.add("rate_limit", reset_after=30)
    before = int(time.time())
    response = api.get("/user")
    assert response.status_code == 429
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert response.headers["X-RateLimit-Limit"] == "500"
    assert (
        before + 30
        <= int(response.headers["X-RateLimit-Reset"])
        <= int(time.time()) + 30
    )
    assert response.json()["error"] == "Too Many Requests"
    assert api.get("/user").status_code == 200


def test_rate_limit_fault_default_reset(api):
    api.sandbox.faults.add("rate_limit")
    response = api.get("/user")
    assert int(response.headers["X-RateLimit-Reset"]) - int(time.time()) in (0, 1)


def test_server_error_fault(api):
    api.sandbox.faults.add("server_error", count=2)
    first = api.get("/user")
    second = api.get("/user")
    third = api.get("/user")
    assert first.status_code == 503
    assert first.json()["error"] == "Service Unavailable"
    assert second.status_code == 503
    assert third.status_code == 200


def test_server_error_custom_status(api):
    api.sandbox.faults.add("server_error", status=500)
    response = api.get("/user")
    assert response.status_code == 500
    assert response.json()["error"] == "Internal Server Error"


def test_slow_fault(api):
    api.sandbox.faults.add("slow", delay=0.4)
    started = time.perf_counter()
    response = api.get("/user")
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert elapsed >= 0.4
    started = time.perf_counter()
    api.get("/user")
    assert time.perf_counter() - started < 0.4


def test_malformed_json_fault(api, catalog):
    api.sandbox.faults.add("malformed_json", path="/customer")
    response = api.get("/customer/C001")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    with pytest.raises(ValueError):
        json.loads(response.content)
    assert response.content
    assert api.get("/customer/C001").json()["code"] == "C001"


def test_html_error_fault(api):
    api.sandbox.faults.add("html_error")
    response = api.get("/user")
    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<html" in response.text
    assert "502" in response.text


def test_html_error_custom_status(api):
    api.sandbox.faults.add("html_error", status=504)
    response = api.get("/user")
    assert response.status_code == 504
    assert "Gateway Timeout" in response.text


def test_fault_path_prefix(api, catalog):
    api.sandbox.faults.add("server_error", path="/salesOrder")
    assert api.get("/customer").status_code == 200
    assert api.get("/salesOrder/123").status_code == 503
    assert api.get("/salesOrder").status_code == 200


def test_faults_apply_in_queue_order(api):
    faults = api.sandbox.faults
    faults.add("server_error", status=500)
    faults.add("html_error")
    assert api.get("/user").status_code == 500
    assert api.get("/user").status_code == 502
    assert api.get("/user").status_code == 200


def test_faults_apply_before_auth(sandbox):
    sandbox.faults.add("server_error")
    assert requests.get(sandbox.url + "/user", timeout=10).status_code == 503


def test_faults_skip_control_and_pages(api):
    api.sandbox.faults.add("server_error")
    assert api.control("GET", "/stats").status_code == 200
    assert requests.get(api.sandbox.web_url + "/", timeout=10).status_code == 200
    assert api.get("/user").status_code == 503


def test_faults_clear(api):
    api.sandbox.faults.add("server_error", count=5)
    api.sandbox.faults.clear()
    assert api.sandbox.faults.pending() == []
    assert api.get("/user").status_code == 200


def test_faults_are_counted_in_stats(api):
    api.sandbox.faults.add("server_error")
    api.get("/user")
    assert api.sandbox.store.stats()["requests"] == {"GET /user": 1}


@pytest.mark.parametrize(
    "arguments",
    [
        {"kind": "explode"},
        {"kind": "slow", "count": 0},
        {"kind": "slow", "delay": -1},
        {"kind": "server_error", "path": "salesOrder"},
        {"kind": "rate_limit", "status": 500},
        {"kind": "server_error", "status": 200},
    ],
)
def test_bad_fault_arguments(sandbox, arguments):
    with pytest.raises(ValueError):
        sandbox.faults.add(**arguments)


def test_faults_over_http(api):
    response = api.control(
        "POST", "/faults", json={"kind": "server_error", "count": 2, "path": "/user"}
    )
    assert response.status_code == 201
    assert response.json()["faults"][0]["remaining"] == 2
    assert api.get("/user").status_code == 503
    assert api.control("GET", "/faults").json()["faults"][0]["remaining"] == 1
    assert api.control("DELETE", "/faults").status_code == 200
    assert api.get("/user").status_code == 200


def test_several_faults_over_http(api):
    body = {
        "faults": [{"kind": "html_error"}, {"kind": "rate_limit", "reset_after": 5}]
    }
    assert api.control("POST", "/faults", json=body).status_code == 201
    assert api.get("/user").status_code == 502
    assert api.get("/user").status_code == 429


def test_bad_fault_over_http_is_422(api):
    response = api.control("POST", "/faults", json={"kind": "explode"})
    assert response.status_code == 422
    assert "explode" in response.json()["message"]


def test_rate_limit_headers_on_every_answer(limited):
    client = ApiClient(limited)
    ok = client.get("/user")
    missing = client.get("/user/1")
    assert ok.status_code == 200
    assert missing.status_code == 404
    for response, remaining in ((ok, "4"), (missing, "3")):
        assert response.headers["X-RateLimit-Limit"] == "5"
        assert response.headers["X-RateLimit-Remaining"] == remaining
        assert int(response.headers["X-RateLimit-Reset"]) > time.time()


def test_rate_limit_429_when_exceeded(limited):
    client = ApiClient(limited)
    statuses = [client.get("/user").status_code for _ in range(6)]
    assert statuses == [200, 200, 200, 200, 200, 429]
    refused = client.get("/user")
    assert refused.status_code == 429
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert refused.json()["error"] == "Too Many Requests"
    reset = int(refused.headers["X-RateLimit-Reset"])
    assert time.time() + 50 < reset <= time.time() + 61


def test_rate_limit_is_per_token(limited):
    first = ApiClient(limited)
    second = ApiClient(limited, token="other-token")
    for _ in range(5):
        first.get("/user")
    assert first.get("/user").status_code == 429
    response = second.get("/user")
    assert response.status_code == 200
    assert response.headers["X-RateLimit-Remaining"] == "4"


def test_rate_limit_skips_control_calls(limited):
    client = ApiClient(limited)
    for _ in range(8):
        assert client.control("GET", "/stats").status_code == 200
    assert client.get("/user").headers["X-RateLimit-Remaining"] == "4"


def test_rate_limit_window_resets():
    instance = HandySandbox(token=TOKEN, rate_limit=2, rate_window=0.5).start()
    try:
        client = ApiClient(instance)
        assert [client.get("/user").status_code for _ in range(3)] == [200, 200, 429]
        time.sleep(0.6)
        assert client.get("/user").status_code == 200
    finally:
        instance.stop()


def test_no_rate_limit_headers_when_disabled(api):
    response = api.get("/user")
    assert response.status_code == 200
    assert "X-RateLimit-Limit" not in response.headers
