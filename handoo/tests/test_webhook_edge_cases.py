import http.client
import json
import logging
import socket
from datetime import timedelta

from odoo import fields
from odoo.sql_db import db_connect
from odoo.tests import tagged

from ..models.handoo_sync import EVENT_BATCH, EVENT_NOT_FOUND_ATTEMPTS
from .webhook_common import WebhookCase

_logger = logging.getLogger(__name__)


class WebhookEdgeCase(WebhookCase):
    def post(self, body=None, raw=None, headers=None):
        raw = raw if raw is not None else json.dumps(body).encode()
        all_headers = self.signed_headers(raw)
        all_headers.update(headers or {})
        return self.url_open(self.url, data=raw, headers=all_headers)

    def raw_request(self, method, body_chunks, headers):
        """Send a request with http.client; chunked when body_chunks is a list."""
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.http_port(), timeout=30
        )
        try:
            if isinstance(body_chunks, list):
                connection.request(
                    method,
                    self.url,
                    body=iter(body_chunks),
                    headers=headers,
                    encode_chunked=True,
                )
            else:
                connection.request(method, self.url, body=body_chunks, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()


@tagged("post_install", "-at_install")
class TestWebhookEdgeCases(WebhookEdgeCase):
    def test_far_future_occurred_at(self):
        for value in ("9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"):
            response = self.post(self.body(occurredAt=value))
            self.assertEqual(response.status_code, 400, response.text)
            self.assertNotIn("Traceback", response.text)
        self.assertFalse(self.stored())

    def test_deeply_nested_body(self):
        raw = (
            b'{"id": "x", "event": "route.closed", "route": {"id": 1}, "n": '
            + (b"[" * 20000)
            + (b"]" * 20000)
            + b"}"
        )
        response = self.post(raw=raw)
        self.assertEqual(response.status_code, 400, response.text)

    def test_route_id_bool_and_string(self):
        for route in ({"id": True}, {"id": "5001"}, {"id": [5001]}, {"id": 5001.0}):
            response = self.post(self.body(route=route))
            self.assertEqual(response.status_code, 400, f"{route}: {response.text}")
        self.assertFalse(self.stored())

    def test_event_and_id_wrong_types(self):
        cases = [
            self.body(id=12345),
            self.body(event=["route.closed"]),
            self.body(event={"a": 1}),
            self.body(id="x" * 129),
            [self.body()],
            "just a string",
            None,
        ]
        for body in cases:
            response = self.post(body)
            self.assertEqual(response.status_code, 400, f"{body!r}: {response.text}")
            self.assertIn("error", response.json())
        self.assertFalse(self.stored())

    def test_control_characters_and_lone_surrogates(self):
        cases = [
            self.body(id="evt\u00001"),
            self.body(id="evt\ud800"),
            self.body(event="route.\ud800"),
            self.body(event="route.closed\u0000"),
        ]
        for body in cases:
            response = self.post(body)
            self.assertEqual(response.status_code, 400, f"{body!r}: {response.text}")
            self.assertIn("error", response.json())
        self.assertFalse(self.stored())

    def test_invalid_signature_headers_rejected(self):
        raw = json.dumps(self.body()).encode()
        odd_headers = [
            {"X-Handoo-Timestamp": "9" * 400},
            {"X-Handoo-Timestamp": "\u00b2"},
            {"X-Handoo-Signature": "sha256=\u00e9t\u00e9"},
        ]
        for headers in odd_headers:
            with self.assertNoLogs("odoo.addons.handoo.controllers", logging.ERROR):
                response = self.post(raw=raw, headers=headers)
            self.assertEqual(response.status_code, 403, f"{headers}: {response.text}")
            self.assertIn("error", response.json())
        self.assertFalse(self.stored())

    def test_address_without_company_id(self):
        raw = json.dumps(self.body()).encode()
        for path in ("/handoo/webhook/abc", "/handoo/webhook", "/handoo/webhook/1/x"):
            response = self.url_open(path, data=raw, headers=self.signed_headers(raw))
            self.assertEqual(response.status_code, 404, path)
            self.assertEqual(response.json(), {"error": "No such company."})
        self.assertFalse(self.stored())

    def test_utf16_and_utf32_bodies(self):
        for encoding in ("utf-16", "utf-32"):
            raw = json.dumps(self.body()).encode(encoding)
            response = self.post(raw=raw)
            self.assertEqual(response.status_code, 400, encoding)
            self.assertIn("UTF-8", response.json()["error"])
        self.assertFalse(self.stored())

    def test_missing_order_does_not_stop_retries(self):
        route, _order = self.make_route()
        self.store.accept_route(route["id"])
        self.assertEqual(self.post(self.body(route_id=route["id"])).status_code, 202)
        event = self.stored()
        event.not_found_attempts = EVENT_NOT_FOUND_ATTEMPTS - 1
        # The route exists, but one of its orders returns 404.
        self.sandbox.faults.add("server_error", count=1, status=404, path="/salesOrder")
        cron = self.env.ref("handoo.ir_cron_handoo_process_events")
        with self.outside_requests():
            cron.method_direct_trigger()
        self.env.invalidate_all()

        self.assertEqual(event.state, "failed")
        self.assertEqual(event.not_found_attempts, 0)
        self.assertTrue(event.next_retry)
        self.assertNotIn("automatic retries stopped", event.error)

    def test_one_wake_up_serves_a_burst(self):
        cron = self.env.ref("handoo.ir_cron_handoo_process_events")
        for _index in range(3):
            payload = self.body()
            self.events._handoo_receive(
                self.company, payload, json.dumps(payload).encode()
            )
        triggers = self.env["ir.cron.trigger"].sudo()
        self.assertEqual(triggers.search_count([("cron_id", "=", cron.id)]), 1)

    def test_event_during_run_wakes_job_again(self):
        cron = self.env.ref("handoo.ir_cron_handoo_process_events")
        dbname = self.env.cr.dbname
        # A committed trigger that a running job, in another transaction, is
        # deleting as it starts. Its row is locked until that job ends.
        with db_connect(dbname).cursor() as setup:
            setup.execute(
                "INSERT INTO ir_cron_trigger (cron_id, call_at) "
                "VALUES (%s, now() at time zone 'UTC') RETURNING id",
                [cron.id],
            )
            earlier = setup.fetchone()[0]
        self.addCleanup(self._drop_trigger, dbname, earlier)
        with db_connect(dbname).cursor() as running:
            running.execute("DELETE FROM ir_cron_trigger WHERE id = %s", [earlier])
            payload = self.body()
            self.events._handoo_receive(
                self.company, payload, json.dumps(payload).encode()
            )
            running.rollback()

        new = (
            self.env["ir.cron.trigger"]
            .sudo()
            .search([("cron_id", "=", cron.id), ("id", "!=", earlier)])
        )
        self.assertEqual(len(new), 1)

    @staticmethod
    def _drop_trigger(dbname, trigger_id):
        with db_connect(dbname).cursor() as cleanup:
            cleanup.execute("DELETE FROM ir_cron_trigger WHERE id = %s", [trigger_id])

    def test_non_utf8_body(self):
        response = self.post(raw=b'{"id": "\xff\xfe", "event": "route.closed"}')
        self.assertEqual(response.status_code, 400)

    def test_chunked_body_without_length(self):
        body = json.dumps(self.body()).encode()
        with self.outside_requests():
            status, answer = self.raw_request("POST", [body], self.signed_headers(body))
        self.assertEqual(status, 202, answer)

    def test_chunked_huge_body(self):
        padding = b" " * (200 * 1024)
        body = json.dumps(self.body()).encode()[:-1] + padding + b"}"
        chunks = [body[i : i + 8192] for i in range(0, len(body), 8192)]
        with self.outside_requests():
            status, answer = self.raw_request("POST", chunks, self.signed_headers(body))
        self.assertEqual(status, 413, answer)
        self.assertFalse(self.stored())

    def test_lying_content_length(self):
        body = json.dumps(self.body()).encode()
        headers = self.signed_headers(body)
        headers["Content-Length"] = "10"
        with self.outside_requests():
            status, answer = self.raw_request("POST", body, headers)
        self.assertIn(status, (400, 403))
        self.assertFalse(self.stored())

    def test_other_methods(self):
        body = json.dumps(self.body()).encode()
        for method in ("GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"):
            with self.outside_requests():
                status, answer = self.raw_request(
                    method, body, self.signed_headers(body)
                )
            self.assertEqual(status, 405, f"{method}: {answer[:200]}")
            self.assertNotIn(b"Traceback", answer)
            if method != "HEAD":
                self.assertIn("error", json.loads(answer), method)
        self.assertFalse(self.stored())

    def test_replay_same_event_new_timestamp_with_different_body(self):
        body = self.body()
        self.assertEqual(self.post(body).status_code, 202)
        other = dict(body, event="route.closed")
        response = self.post(other)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(self.stored()), 1)

    def test_events_wait_while_sync_off(self):
        handy_route, _order = self.make_route()
        self.store.accept_route(handy_route["id"])
        self.company.handoo_sync_enabled = False
        response = self.post(self.body(route_id=handy_route["id"]))
        # Stored, so nothing is lost, but not applied while the sync is off.
        self.assertEqual(response.status_code, 202)
        cron = self.env.ref("handoo.ir_cron_handoo_process_events")
        cron.method_direct_trigger()
        self.env.invalidate_all()
        event = self.stored()
        self.assertEqual(
            event.state,
            "pending",
            "with 'Sync with Handy' off, a webhook still moved stock",
        )
        self.company.handoo_sync_enabled = True
        with self.outside_requests():
            cron.method_direct_trigger()
        self.env.invalidate_all()
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(event.route_id.state, "loaded")

    def test_waiting_events_leave_batch_to_others(self):
        idle = self.env["res.company"].create({"name": "Sucursal sin sincronizar"})
        # Sync on, but no token yet: its events wait as well.
        unready = self.env["res.company"].create(
            {"name": "Sucursal sin token", "handoo_sync_enabled": True}
        )
        for company in (idle, unready):
            for _index in range(EVENT_BATCH + 5):
                payload = self.body()
                self.events._handoo_receive(
                    company, payload, json.dumps(payload).encode()
                )
        self.assertEqual(self.post(self.body(route_id=99999999)).status_code, 202)
        cron = self.env.ref("handoo.ir_cron_handoo_process_events")
        with self.outside_requests():
            cron.method_direct_trigger()
        self.env.invalidate_all()
        event = self.stored()
        # Read from Handy once, although older events of the idle company wait.
        self.assertEqual(event.attempts, 1)
        self.assertEqual(event.state, "failed")

    def test_handy_errors_keep_retries_going(self):
        self.assertEqual(self.post(self.body(route_id=99999999)).status_code, 202)
        event = self.stored()
        # Four tries failed on Handy errors (a 503, say), none of them a 404.
        event.write({"state": "failed", "attempts": 4, "next_retry": False})
        event.next_retry = fields.Datetime.now() - timedelta(seconds=1)
        cron = self.env.ref("handoo.ir_cron_handoo_process_events")
        with self.outside_requests():
            cron.method_direct_trigger()
        self.env.invalidate_all()
        self.assertEqual(event.attempts, 5)
        self.assertEqual(event.not_found_attempts, 1)
        self.assertTrue(event.next_retry)
        self.assertNotIn("automatic retries stopped", event.error)

    def test_unknown_route_event_stops_retrying(self):
        self.assertEqual(self.post(self.body(route_id=99999999)).status_code, 202)
        event = self.stored()
        cron = self.env.ref("handoo.ir_cron_handoo_process_events")
        for _attempt in range(EVENT_NOT_FOUND_ATTEMPTS + 3):
            if event.next_retry:
                event.next_retry = fields.Datetime.now() - timedelta(seconds=1)
            with self.outside_requests():
                cron.method_direct_trigger()
            self.env.invalidate_all()
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.attempts, EVENT_NOT_FOUND_ATTEMPTS)
        self.assertFalse(event.next_retry)
        self.assertIn("automatic retries stopped", event.error)
        # A person can still retry it; the route now exists in Handy.
        driver = self.store.add_user("Chofer Dos", "chofer.dos@example.com")
        handy_route = self.store.create_route(
            driver["id"], sales_order_ids=[], products=[]
        )
        event.route_handoo_id = handy_route["id"]
        with self.outside_requests():
            event.action_retry()
        self.env.invalidate_all()
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(event.route_id.handoo_id, str(handy_route["id"]))


@tagged("post_install", "-at_install")
class TestWebhookStream(WebhookEdgeCase):
    def test_chunked_oversized_body_rejected_early(self):

        port = self.http_port()
        with self.outside_requests():
            sock = socket.create_connection(("127.0.0.1", port), timeout=30)
            try:
                sock.sendall(
                    (
                        f"POST {self.url} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                        "Content-Type: application/json\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n"
                    ).encode()
                )
                chunk = b"x" * 65536
                frame = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
                sock.sendall(frame * 2)  # 128 KiB, already past the limit
                sock.settimeout(3)
                try:
                    early = sock.recv(200)
                except TimeoutError:
                    early = b""
                if not early:
                    sock.settimeout(30)
                    for _i in range(318):  # about 20 MiB more
                        sock.sendall(frame)
                    sock.sendall(b"0\r\n\r\n")
            finally:
                sock.close()
        self.assertTrue(
            early,
            "the server read the whole unauthenticated chunked body before "
            "answering 413",
        )
        self.assertIn(b" 413 ", early.split(b"\r\n", 1)[0])
