"""Route webhooks: body, signature, modes, resend, and the 127.0.0.1-only rule."""

import hashlib
import hmac
import http.server
import json
import logging
import socket
import threading
import time
import uuid

import pytest
from handy_sandbox import webhooks

SECRET = "webhook-secret-for-tests"
LOAD = [{"product": "REF-600", "quantity": 24}]


class Receiver:
    """An HTTP server on 127.0.0.1 that records each POST and answers as told."""

    def __init__(self):
        self.requests = []
        self.status = 202
        self.body = b'{"status": "accepted"}'
        self.delay = 0.0
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                receiver.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": self.rfile.read(length),
                    }
                )
                time.sleep(receiver.delay)
                self.send_response(receiver.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(receiver.body)))
                self.end_headers()
                self.wfile.write(receiver.body)

            def log_message(self, format, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/handoo/webhook/1"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def _signature(timestamp, raw_body):
    message = timestamp.encode() + b"." + raw_body
    return "sha256=" + hmac.new(SECRET.encode(), message, hashlib.sha256).hexdigest()


@pytest.fixture
def receiver():
    instance = Receiver()
    yield instance
    instance.stop()


@pytest.fixture
def store(sandbox):
    return sandbox.store


@pytest.fixture
def route(store, catalog):
    driver = store.add_user("Chofer Uno", "chofer.uno@example.com")
    return store.create_route(driver["id"], products=LOAD)


@pytest.fixture
def sending(sandbox, receiver):
    sandbox.webhooks.configure(receiver.url, SECRET)
    return sandbox.webhooks


def test_accept_sends_signed_event(store, route, sending, receiver):
    before = int(time.time())
    store.accept_route(route["id"])
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request["path"] == "/handoo/webhook/1"
    headers = request["headers"]
    assert headers["Content-Type"] == "application/json"
    timestamp = headers["X-Handoo-Timestamp"]
    assert timestamp.isdigit()
    assert before <= int(timestamp) <= int(time.time())
    assert headers["X-Handoo-Signature"] == _signature(timestamp, request["body"])
    body = json.loads(request["body"])
    assert set(body) == {"id", "event", "occurredAt", "route"}
    assert uuid.UUID(body["id"]).version == 4
    assert body["event"] == "route.load_accepted"
    # occurredAt follows the store's frozen clock, the timestamp the real one.
    assert body["occurredAt"] == "2024-03-05T18:00:00Z"
    assert body["route"] == {"id": route["id"], "status": "LOAD_ACCEPTED"}


def test_lifecycle_sends_three_events(store, route, sending, receiver):
    store.accept_route(route["id"])
    store.sell_from_truck(route["id"], "C001", [{"product": "REF-600", "quantity": 1}])
    store.finish_route(route["id"])
    store.close_route(route["id"])
    bodies = [json.loads(request["body"]) for request in receiver.requests]
    assert [(body["event"], body["route"]["status"]) for body in bodies] == [
        ("route.load_accepted", "LOAD_ACCEPTED"),
        ("route.finished", "FINISHED"),
        ("route.closed", "CLOSED"),
    ]
    assert len({body["id"] for body in bodies}) == 3
    events = sending.events()
    assert [event["id"] for event in events] == [body["id"] for body in bodies]


def test_other_changes_send_nothing(store, catalog, sending, receiver):
    driver = store.add_user("Chofer Uno", "chofer.uno@example.com")
    order = store.create_order("C001", [{"product": "REF-600", "quantity": 3}])
    route = store.create_route(driver["id"], [order["id"]], LOAD)
    store.delete_route(route["id"])
    route = store.create_route(driver["id"], [order["id"]], LOAD)
    store.accept_route(route["id"])
    store.deliver_order(route["id"], order["id"], "partial", {"REF-600": 1})
    store.finish_route(route["id"])
    store.correct_delivery(route["id"], order["id"], {"REF-600": 2})
    events = [event["event"] for event in sending.events()]
    assert events == ["route.load_accepted", "route.finished"]
    assert len(receiver.requests) == 2


def test_send_waits_for_the_receiver(store, route, sending, receiver):
    receiver.delay = 0.3
    started = time.monotonic()
    store.accept_route(route["id"])
    assert time.monotonic() - started >= 0.3
    deliveries = sending.deliveries()
    assert len(deliveries) == 1
    assert deliveries[0]["status"] == 202
    assert deliveries[0]["responseBody"] == '{"status": "accepted"}'
    assert deliveries[0]["error"] is None
    assert deliveries[0]["resend"] is False


def test_background_send_returns_at_once(sandbox, store, route, receiver):
    receiver.delay = 0.5
    sandbox.webhooks.configure(receiver.url, SECRET, background=True)
    started = time.monotonic()
    store.accept_route(route["id"])
    assert time.monotonic() - started < 0.4
    assert sandbox.webhooks.wait(5)
    assert len(receiver.requests) == 1
    assert sandbox.webhooks.deliveries()[0]["status"] == 202


def test_receiver_error_is_recorded_not_retried(store, route, sending, receiver):
    receiver.status = 403
    receiver.body = b'{"error": "signature mismatch"}'
    store.accept_route(route["id"])
    deliveries = sending.deliveries()
    assert len(deliveries) == 1
    assert deliveries[0]["status"] == 403
    assert deliveries[0]["responseBody"] == '{"error": "signature mismatch"}'
    assert len(receiver.requests) == 1


def test_unreachable_receiver_is_recorded(sandbox, store, route):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sandbox.webhooks.configure(f"http://127.0.0.1:{port}/hook", SECRET)
    accepted = store.accept_route(route["id"])
    assert accepted["status"] == "LOAD_ACCEPTED"
    (delivery,) = sandbox.webhooks.deliveries()
    assert delivery["status"] is None
    assert "ConnectionRefusedError" in delivery["error"]


def test_drop_mode_records_without_sending(sandbox, store, route, receiver):
    sandbox.webhooks.configure(receiver.url, SECRET, mode="drop")
    store.accept_route(route["id"])
    assert receiver.requests == []
    (event,) = sandbox.webhooks.events()
    assert event["dropped"] is True
    assert event["deliveries"] == []
    assert event["event"] == "route.load_accepted"
    headers = event["headers"]
    raw_body = event["rawBody"].encode()
    assert headers["X-Handoo-Signature"] == _signature(
        headers["X-Handoo-Timestamp"], raw_body
    )
    assert json.loads(raw_body) == event["body"]
    assert sandbox.webhooks.deliveries() == []


def test_off_is_the_default(sandbox, store, route, receiver):
    assert sandbox.webhooks.config()["mode"] == "off"
    store.accept_route(route["id"])
    assert sandbox.webhooks.events() == []


def test_off_mode_records_nothing(sandbox, store, route, sending, receiver):
    sandbox.webhooks.configure(mode="off")
    store.accept_route(route["id"])
    assert sandbox.webhooks.events() == []
    assert receiver.requests == []


def test_resend_repeats_the_event(monkeypatch, store, route, sending, receiver):
    store.accept_route(route["id"])
    (event,) = sending.events()
    monkeypatch.setattr(webhooks, "unix_time", lambda: 1764864000)
    delivery = sending.resend(event["id"])
    assert delivery["resend"] is True
    assert delivery["status"] == 202
    first, second = receiver.requests
    assert second["body"] == first["body"]
    assert json.loads(second["body"])["id"] == event["id"]
    assert second["headers"]["X-Handoo-Timestamp"] == "1764864000"
    assert (
        second["headers"]["X-Handoo-Timestamp"]
        != first["headers"]["X-Handoo-Timestamp"]
    )
    assert second["headers"]["X-Handoo-Signature"] == _signature(
        "1764864000", second["body"]
    )
    assert len(sending.event(event["id"])["deliveries"]) == 2
    assert len(sending.deliveries()) == 2


def test_resend_of_dropped_event_sends_it(sandbox, store, route, receiver):
    sandbox.webhooks.configure(receiver.url, SECRET, mode="drop")
    store.accept_route(route["id"])
    (event,) = sandbox.webhooks.events()
    sandbox.webhooks.resend(event["id"])
    assert len(receiver.requests) == 1
    assert json.loads(receiver.requests[0]["body"])["id"] == event["id"]


def test_resend_errors(sandbox, sending):
    with pytest.raises(KeyError):
        sending.resend("no-such-event")


def test_resend_needs_configuration(sandbox, store, route, receiver):
    sandbox.webhooks.configure(receiver.url, SECRET, mode="drop")
    store.accept_route(route["id"])
    (event,) = sandbox.webhooks.events()
    sandbox.webhooks.configure(mode="off")
    with pytest.raises(ValueError, match="configure"):
        sandbox.webhooks.resend(event["id"])


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/handoo/webhook/1",
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://127.0.0.1.example.com/hook",
        "http://user:secret@127.0.0.1/hook",
        "ftp://127.0.0.1/hook",
        "127.0.0.1:8069/hook",
        "http://127.0.0.1:99999/hook",
        None,
    ],
)
def test_only_local_urls(sandbox, url):
    with pytest.raises(ValueError):
        sandbox.webhooks.configure(url, SECRET)
    assert sandbox.webhooks.config()["mode"] == "off"


def test_localhost_reaches_127_0_0_1(sandbox, store, route, receiver):
    port = receiver.server.server_address[1]
    sandbox.webhooks.configure(f"http://localhost:{port}/hook?company=1", SECRET)
    store.accept_route(route["id"])
    (request,) = receiver.requests
    assert request["path"] == "/hook?company=1"
    assert request["headers"]["Host"] == f"localhost:{port}"


def test_configuration_errors(sandbox, receiver):
    with pytest.raises(ValueError, match="secret"):
        sandbox.webhooks.configure(receiver.url, "")
    with pytest.raises(ValueError, match="mode"):
        sandbox.webhooks.configure(receiver.url, SECRET, mode="lose")
    with pytest.raises(ValueError, match="timeout"):
        sandbox.webhooks.configure(receiver.url, SECRET, timeout=0)


def test_secret_and_signature_never_logged(caplog, store, route, sending, receiver):
    caplog.set_level(logging.DEBUG, logger="handy_sandbox")
    store.accept_route(route["id"])
    receiver.status = 500
    store.finish_route(route["id"])
    (event, _) = sending.events()
    sending.resend(event["id"])
    assert "Webhook" in caplog.text
    assert SECRET not in caplog.text
    for delivery in sending.deliveries():
        assert delivery["headers"]["X-Handoo-Signature"] not in caplog.text
    assert SECRET not in json.dumps(sending.config())


def test_clear_keeps_configuration(store, route, sending, receiver):
    store.accept_route(route["id"])
    sending.clear()
    assert sending.events() == []
    assert sending.deliveries() == []
    store.finish_route(route["id"])
    assert [event["event"] for event in sending.events()] == ["route.finished"]


def test_store_clear_keeps_webhooks(store, sending, receiver):
    store.clear()
    assert sending.config()["url"] == receiver.url
    assert sending.config()["mode"] == "send"


# -- control API --------------------------------------------------------------


def test_control_configure_and_list(api, store, route, receiver):
    response = api.control(
        "POST", "/webhooks", json={"url": receiver.url, "secret": SECRET}
    )
    assert response.status_code == 200
    assert response.json() == {
        "url": receiver.url,
        "mode": "send",
        "background": False,
        "timeout": 10.0,
        "secretSet": True,
    }
    store.accept_route(route["id"])
    listed = api.control("GET", "/webhooks").json()
    assert SECRET not in json.dumps(listed["config"])
    assert [event["event"] for event in listed["events"]] == ["route.load_accepted"]
    assert listed["deliveries"][0]["status"] == 202
    event_id = listed["events"][0]["id"]
    resent = api.control("POST", f"/webhooks/{event_id}/resend")
    assert resent.status_code == 200
    assert resent.json()["resend"] is True
    assert len(receiver.requests) == 2
    assert api.control("POST", "/webhooks/nope/resend").status_code == 404
    cleared = api.control("DELETE", "/webhooks").json()
    assert cleared["events"] == []
    assert cleared["config"]["mode"] == "send"


def test_control_rejects_remote_url(api, catalog):
    response = api.control(
        "POST", "/webhooks", json={"url": "http://example.com/hook", "secret": SECRET}
    )
    assert response.status_code == 422
    assert "127.0.0.1 or localhost" in response.json()["message"]
    response = api.control("POST", "/webhooks", json={"target": "x"})
    assert response.status_code == 422
