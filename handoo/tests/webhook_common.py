import hashlib
import hmac
import time
import uuid
from contextlib import contextmanager
from unittest.mock import patch

from odoo.tests import HttpCase
from odoo.tests.common import release_test_lock

from ..handy_sandbox import HandySandbox
from .common import SANDBOX_TOKEN

WEBHOOK_SECRET = "whsec-handoo-test"


class WebhookCase(HttpCase):
    """Odoo's test server with a webhook secret, and a Handy sandbox to read routes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox = HandySandbox(token=SANDBOX_TOKEN, rate_limit=None).start()
        cls.addClassCleanup(cls.sandbox.stop)
        cls.store = cls.sandbox.store
        cls.company = cls.env.company
        cls.company.write(
            {
                "handoo_api_url": cls.sandbox.url,
                "handoo_web_url": cls.sandbox.web_url,
                "handoo_api_token": SANDBOX_TOKEN,
                "handoo_sync_enabled": True,
                "handoo_webhook_secret": WEBHOOK_SECRET,
                "tax_calculation_rounding_method": "round_per_line",
            }
        )
        cls.env["ir.config_parameter"].sudo().set_param("handoo.http_backoff", "0.01")
        cls.url = f"/handoo/webhook/{cls.company.id}"

    def setUp(self):
        super().setUp()
        self.store.clear()
        self.sandbox.webhooks.clear()
        self.events = self.env["handoo.webhook.event"]

    def body(self, event="route.load_accepted", route_id=5001, **extra):
        return dict(
            {
                "id": str(uuid.uuid4()),
                "event": event,
                "occurredAt": "2026-12-04T15:00:00Z",
                "route": {"id": route_id, "status": "LOAD_ACCEPTED"},
            },
            **extra,
        )

    def signed_headers(self, raw, timestamp=None, secret=WEBHOOK_SECRET):
        """Return the headers of a webhook request whose body is ``raw``."""
        timestamp = str(int(time.time()) if timestamp is None else timestamp)
        signature = hmac.new(
            secret.encode(), timestamp.encode() + b"." + raw, hashlib.sha256
        ).hexdigest()
        return {
            "Content-Type": "application/json",
            "X-Handoo-Timestamp": timestamp,
            "X-Handoo-Signature": f"sha256={signature}",
        }

    @contextmanager
    def outside_requests(self):
        """Let requests without the test's cookie reach Odoo's test server.

        The test lock is released meanwhile, so the server can serve the sandbox's
        webhooks or the test's own raw requests while this thread waits.
        """
        with patch.object(self, "http_request_allow_all", True), release_test_lock():
            yield

    def make_route(self):
        """Put in the sandbox a route of one pre-sale order and a truck load."""
        zone = self.store.add_zone("Centro")
        family = self.store.add_family("Bebidas")
        driver = self.store.add_user("Chofer Uno", "chofer.uno@example.com")
        self.store.add_customer("CLI-W1", "Abarrotes Webhook", zone["id"])
        self.store.add_product("PROD-W1", "Agua natural 1 L", 12.0, family["id"])
        order = self.store.create_order(
            "CLI-W1", [{"product": "PROD-W1", "quantity": 4}]
        )
        route = self.store.create_route(
            driver["id"],
            sales_order_ids=[order["id"]],
            products=[{"product": "PROD-W1", "quantity": 10}],
        )
        return route, order

    def stored(self):
        return self.events.search([("company_id", "=", self.company.id)])
