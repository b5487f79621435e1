import hashlib
import hmac
import json
import time

from odoo.tests import tagged

from .webhook_common import WEBHOOK_SECRET as SECRET
from .webhook_common import WebhookCase


@tagged("post_install", "-at_install")
class TestWebhooks(WebhookCase):
    def post(self, body, secret=SECRET, timestamp=None, raw=None, headers=None):
        raw = raw if raw is not None else json.dumps(body).encode()
        all_headers = self.signed_headers(raw, timestamp, secret)
        all_headers.update(headers or {})
        return self.url_open(self.url, data=raw, headers=all_headers)

    # ------------------------------------------------------------------
    # Requests
    # ------------------------------------------------------------------

    def test_signed_event_stored_and_accepted(self):
        triggers = self.env["ir.cron.trigger"].search_count([])
        body = self.body()
        response = self.post(body)

        self.assertEqual(response.status_code, 202)
        self.assertEqual(response.json(), {"status": "accepted", "id": body["id"]})
        event = self.stored()
        self.assertEqual(len(event), 1)
        self.assertEqual(event.event_id, body["id"])
        self.assertEqual(event.route_handoo_id, "5001")
        self.assertEqual(event.state, "pending")
        self.assertEqual(json.loads(event.body), body)
        self.assertGreater(self.env["ir.cron.trigger"].search_count([]), triggers)

    def test_repeated_event_stored_once(self):
        body = self.body()
        self.assertEqual(self.post(body).status_code, 202)
        for _repeat in range(9):
            response = self.post(body)
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response.json()["status"], "duplicate")
        self.assertEqual(len(self.stored()), 1)

    def test_missing_signature_is_401(self):
        response = self.url_open(
            self.url,
            data=json.dumps(self.body()).encode(),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 401)
        self.assertFalse(self.stored())

    def test_wrong_signature_is_403(self):
        response = self.post(self.body(), secret="not-the-secret")
        self.assertEqual(response.status_code, 403)
        self.assertIn("error", response.json())
        self.assertFalse(self.stored())

    def test_tampered_body_is_403(self):
        body = self.body()
        raw = json.dumps(body).encode()
        timestamp = str(int(time.time()))
        signature = hmac.new(
            SECRET.encode(), timestamp.encode() + b"." + raw, hashlib.sha256
        ).hexdigest()
        tampered = raw.replace(b"5001", b"5002")
        response = self.url_open(
            self.url,
            data=tampered,
            headers={
                "Content-Type": "application/json",
                "X-Handoo-Timestamp": timestamp,
                "X-Handoo-Signature": f"sha256={signature}",
            },
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self.stored())

    def test_old_timestamp_is_403(self):
        response = self.post(self.body(), timestamp=int(time.time()) - 3600)
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self.stored())

    def test_company_without_secret_is_403(self):
        self.company.handoo_webhook_secret = False
        response = self.post(self.body())
        self.assertEqual(response.status_code, 403)

    def test_unknown_company_is_404(self):
        self.url = "/handoo/webhook/999999"
        self.assertEqual(self.post(self.body()).status_code, 404)

    def test_malformed_body_is_400(self):
        response = self.post(None, raw=b'{"id": "x", "event": ')
        self.assertEqual(response.status_code, 400)
        self.assertIn("JSON", response.json()["error"])
        self.assertFalse(self.stored())

    def test_unknown_event_is_400(self):
        response = self.post(self.body(event="route.painted"))
        self.assertEqual(response.status_code, 400)
        self.assertIn("route.painted", response.json()["error"])
        self.assertFalse(self.stored())

    def test_missing_route_is_400(self):
        body = self.body()
        del body["route"]
        response = self.post(body)
        self.assertEqual(response.status_code, 400)
        self.assertIn("route", response.json()["error"])

    def test_oversized_body_is_413(self):
        body = self.body(padding="x" * 70000)
        response = self.post(body)
        self.assertEqual(response.status_code, 413)
        self.assertFalse(self.stored())

    def test_get_is_refused(self):
        response = self.url_open(self.url)
        self.assertEqual(response.status_code, 405)

    # ------------------------------------------------------------------
    # From Handy's route to Odoo's stock
    # ------------------------------------------------------------------

    def process_events(self):
        self.env.ref("handoo.ir_cron_handoo_process_events").method_direct_trigger()
        self.env.invalidate_all()

    def test_sandbox_events_move_the_stock(self):
        self.sandbox.webhooks.configure(self.base_url() + self.url, SECRET)
        handy_route, order = self.make_route()

        with self.outside_requests():
            self.store.accept_route(handy_route["id"])
        delivery = self.sandbox.webhooks.deliveries()[-1]
        self.assertEqual(delivery["status"], 202)
        self.process_events()
        event = self.stored()
        self.assertEqual(event.state, "done")
        route = event.route_id
        self.assertEqual(route.state, "loaded")
        sale_order = self.env["sale.order"].search(
            [
                ("handoo_id", "=", str(order["id"])),
                ("handoo_company_id", "=", self.company.id),
            ]
        )
        self.assertEqual(sale_order.state, "sale")
        self.assertEqual(sale_order.picking_ids.state, "done")

        with self.outside_requests():
            self.store.deliver_order(
                handy_route["id"], order["id"], "partial", {"PROD-W1": 3}
            )
            self.store.finish_route(handy_route["id"])
            self.store.close_route(handy_route["id"])
        self.process_events()
        self.assertEqual(len(self.stored()), 3)
        self.assertEqual(set(self.stored().mapped("state")), {"done"})
        self.assertEqual(route.state, "closed")
        self.assertEqual(sale_order.order_line.qty_delivered, 3)
        self.assertFalse(route.settlement_difference)

    def test_events_out_of_order(self):
        self.sandbox.webhooks.configure(self.base_url() + self.url, SECRET, mode="drop")
        handy_route, order = self.make_route()
        self.store.accept_route(handy_route["id"])
        self.store.deliver_order(handy_route["id"], order["id"], "complete")
        self.store.finish_route(handy_route["id"])
        self.store.close_route(handy_route["id"])
        # Only the closure's event arrives, then the load's, late.
        events = {
            event["body"]["event"]: event for event in self.sandbox.webhooks.events()
        }
        self.sandbox.webhooks.configure(self.base_url() + self.url, SECRET)
        with self.outside_requests():
            self.sandbox.webhooks.resend(events["route.closed"]["body"]["id"])
        self.process_events()
        route = self.stored().route_id
        self.assertEqual(route.state, "closed")
        pickings = len(route.picking_ids)

        with self.outside_requests():
            self.sandbox.webhooks.resend(events["route.load_accepted"]["body"]["id"])
        self.process_events()
        self.assertEqual(set(self.stored().mapped("state")), {"done"})
        self.assertEqual(len(route.picking_ids), pickings)

    def test_failed_event_kept_with_reason(self):
        # An event for a route Handy does not have.
        self.assertEqual(self.post(self.body(route_id=987654)).status_code, 202)
        self.process_events()
        event = self.stored()
        self.assertEqual(event.state, "failed")
        self.assertIn("Not found in Handy", event.error)
        self.assertEqual(event.attempts, 1)
        self.assertGreater(event.next_retry, event.received_at)
        # Not due: the job leaves it for later.
        self.process_events()
        self.assertEqual(event.attempts, 1)
        # By hand, at once.
        event.action_retry()
        self.assertEqual(event.attempts, 2)
        self.assertEqual(event.state, "failed")

    def test_lost_webhook_caught_by_polling(self):
        self.sandbox.webhooks.configure(self.base_url() + self.url, SECRET, mode="drop")
        handy_route, order = self.make_route()
        self.store.accept_route(handy_route["id"])
        self.assertFalse(self.stored())

        self.env.ref("handoo.ir_cron_handoo_sync_from_routes").method_direct_trigger()
        self.env.invalidate_all()
        route = self.env["handoo.route"].search(
            [
                ("handoo_id", "=", str(handy_route["id"])),
                ("handoo_company_id", "=", self.company.id),
            ]
        )
        self.assertEqual(route.state, "loaded")
