"""Handy's rate limit: 429 responses, X-RateLimit-Reset and the proactive pause."""

import logging
import math
import time

import pytest
from handy_api import HandyRateLimitError, contract

# Generous bound on a wait that should last a couple of seconds.
MAX_EXPECTED_WAIT_SECONDS = 30
# Slack for the clock when checking that a wait lasted until a reset time.
CLOCK_SLACK_SECONDS = 0.05


def test_429_get_waits_for_reset(sandbox, client, request_count):
    sandbox.faults.add("rate_limit", reset_after=2, path="/company")
    started = time.time()

    company = client.get_company()

    # The fault sets the reset to int(now) + 2 as it responds, so at least this.
    earliest_reset = math.floor(started) + 2
    assert company["currency"] == "MXN"
    assert time.time() >= earliest_reset - CLOCK_SLACK_SECONDS
    assert time.time() - started < MAX_EXPECTED_WAIT_SECONDS
    assert request_count("GET /company") == 2


def test_429_post_waits_and_creates_once(sandbox, client, request_count):
    sandbox.faults.add("rate_limit", reset_after=1, path="/zone")
    started = time.time()

    zone = client.create_record(contract.ZONES, {"description": "Norte"})

    assert zone["description"] == "Norte"
    assert time.time() >= math.floor(started) + 1 - CLOCK_SLACK_SECONDS
    assert request_count("POST /zone") == 2
    assert [record["description"] for record in sandbox.store.zones()] == ["Norte"]


def test_429_retry_logged_on_call_line(sandbox, client, caplog, client_log_lines):
    caplog.set_level(logging.INFO)
    sandbox.faults.add("rate_limit", reset_after=0, path="/company")

    client.get_company()

    lines = client_log_lines()
    assert len(lines) == 1
    assert lines[0].startswith("Handy GET /company -> 200 in ")
    assert lines[0].endswith(" after 1 retry")


def test_429_reset_too_far_raises_at_once(
    sandbox, make_client, request_count, main_thread_sleeps
):
    client = make_client(sandbox, max_rate_limit_wait=5)
    sandbox.faults.add("rate_limit", reset_after=120, path="/company")
    started = time.time()

    with pytest.raises(HandyRateLimitError) as caught:
        client.get_company()

    error = caught.value
    assert error.status == 429
    assert started + 118 <= error.reset_at <= time.time() + 121
    assert "longer than the 5 seconds the client may wait" in error.message
    assert main_thread_sleeps == []
    assert request_count("GET /company") == 1


def test_429_exhausted_raises_rate_limit_error(sandbox, make_client, request_count):
    client = make_client(sandbox, retries=2)
    sandbox.faults.add("rate_limit", count=5, reset_after=0, path="/company")

    with pytest.raises(HandyRateLimitError) as caught:
        client.get_company()

    assert caught.value.status == 429
    assert "still exhausted after retrying" in caught.value.message
    assert request_count("GET /company") == 3


def test_pauses_when_remaining_is_zero(
    start_sandbox, make_client, request_count, caplog, client_log_lines
):
    caplog.set_level(logging.INFO)
    limited = start_sandbox(rate_limit=3, rate_window=2)
    client = make_client(limited)
    started = time.time()

    for _ in range(4):
        client.get_company()

    # The window opened with the first call and closes 2 s later at the earliest.
    assert time.time() >= started + 2 - CLOCK_SLACK_SECONDS
    assert time.time() - started < MAX_EXPECTED_WAIT_SECONDS
    # A 429 and its retry would have made a fifth request.
    assert request_count("GET /company", limited) == 4
    lines = client_log_lines()
    assert len(lines) == 4
    assert "pause for the rate limit" not in lines[2]
    assert lines[3].startswith("Handy GET /company -> 200 in ")
    assert "s pause for the rate limit" in lines[3]


def test_pause_too_long_raises_before_sending(
    start_sandbox,
    make_client,
    request_count,
    main_thread_sleeps,
    caplog,
    client_log_lines,
):
    caplog.set_level(logging.INFO)
    limited = start_sandbox(rate_limit=1, rate_window=60)
    client = make_client(limited, max_rate_limit_wait=5)
    started = time.time()
    client.get_company()

    with pytest.raises(HandyRateLimitError) as caught:
        client.get_company()

    error = caught.value
    assert error.status == 429
    assert error.path == "/company"
    assert error.reset_at >= started + 59
    assert main_thread_sleeps == []
    assert request_count("GET /company", limited) == 1
    lines = client_log_lines()
    assert len(lines) == 2
    assert lines[1].startswith("Handy GET /company -> not sent, rate limited")
