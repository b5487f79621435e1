import threading
from collections import Counter
from unittest.mock import patch

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import DummyRLock, Registry
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from ..handy_sandbox import HandySandbox
from ..models.route_processor import RouteProcessor
from .common import SANDBOX_TOKEN


@tagged("post_install", "-at_install")
class TestTwoWorkers(TransactionCase):
    """Two workers apply the same route at the same moment.

    Each worker has a transaction of its own, as two Odoo workers would, so the
    data must be committed. This test commits it in the test database, under a
    company of its own that no other test reads, and switches that company's
    sync off when it ends.
    """

    def setUp(self):
        super().setUp()
        self.sandbox = HandySandbox(token=SANDBOX_TOKEN, rate_limit=None).start()
        self.addCleanup(self.sandbox.stop)
        store = self.sandbox.store
        zone = store.add_zone("Concurrencia")
        family = store.add_family("Concurrencia")
        self.driver = store.add_user(
            "Chofer Concurrente", "chofer.concurrente@example.com"
        )
        store.add_customer("CONC-CLI", "Abarrotes Concurrentes", zone["id"])
        for index in range(3):
            store.add_product(
                f"CONC-{index}", f"Producto concurrente {index}", 10.0, family["id"]
            )
        self.handy_orders = [
            store.create_order(
                "CONC-CLI",
                [
                    {"product": "CONC-0", "quantity": 2},
                    {"product": f"CONC-{index}", "quantity": 1 + index},
                ],
            )
            for index in range(1, 3)
        ]
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env["res.company"].create({"name": "Concurrencia SA de CV"})
            env = env(context={"allowed_company_ids": [company.id]})
            env["account.chart.template"].try_loading("generic_coa", company)
            if not env["stock.warehouse"].search([("company_id", "=", company.id)]):
                env["stock.warehouse"].create(
                    {"name": "Concurrencia", "code": "CONC", "company_id": company.id}
                )
            company.write(
                {
                    "handoo_api_url": self.sandbox.url,
                    "handoo_web_url": self.sandbox.web_url,
                    "handoo_api_token": SANDBOX_TOKEN,
                    "handoo_sync_enabled": True,
                    "tax_calculation_rounding_method": "round_per_line",
                }
            )
            self.company_id = company.id
            sync = env["handoo.sync"].with_company(company)
            for kind in ("zone", "family", "customer", "product"):
                sync._handoo_pull_catalog(company, kind)
            sync._handoo_pull_orders(company)
        self.addCleanup(self._switch_sync_off)

    def _switch_sync_off(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["res.company"].browse(self.company_id).handoo_sync_enabled = False

    def worker(self, data, barrier, outcomes):
        try:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                company = env["res.company"].browse(self.company_id)
                env = env(context={"allowed_company_ids": [company.id]})
                with env["handoo.sync"]._handoo_client(company) as client:
                    processor = RouteProcessor(env, company.with_env(env), client)
                    barrier.wait(timeout=30)
                    processor.sync(data)
            outcomes.append("applied")
        except Exception as error:  # noqa: BLE001 - the losing worker's error is the point
            outcomes.append(type(error).__name__)

    def test_same_route_applied_once(self):
        store = self.sandbox.store
        handy_route = store.create_route(
            self.driver["id"],
            sales_order_ids=[order["id"] for order in self.handy_orders],
            products=[{"product": "CONC-0", "quantity": 5}],
        )
        store.accept_route(handy_route["id"])
        data = store.get_route(handy_route["id"])

        barrier = threading.Barrier(2)
        outcomes = []
        threads = [
            threading.Thread(target=self.worker, args=(data, barrier, outcomes))
            for _worker in range(2)
        ]
        # The test runner holds the registry's lock while tests run; workers
        # of a real server would not wait for it.
        # The losing worker's rejected insert is logged by PostgreSQL's layer.
        with patch.object(Registry, "_lock", DummyRLock()), mute_logger("odoo.sql_db"):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
        self.assertEqual(len(outcomes), 2, outcomes)
        self.assertIn("applied", outcomes)

        # The losing worker's event is retried later: it changes nothing.
        retry_barrier = threading.Barrier(1)
        self.worker(data, retry_barrier, outcomes)
        self.assertEqual(outcomes[-1], "applied")

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            routes = env["handoo.route"].search(
                [("handoo_company_id", "=", self.company_id)]
            )
            self.assertEqual(len(routes), 1)
            roles = Counter(routes.picking_ids.mapped("handoo_route_role"))
            self.assertEqual(roles, Counter({"delivery": 2, "load": 1}))
            orders = env["sale.order"].search(
                [("handoo_company_id", "=", self.company_id)]
            )
            self.assertEqual(len(orders), 2)
            self.assertEqual(set(orders.mapped("state")), {"sale"})
            for order in orders:
                self.assertEqual(len(order.picking_ids), 1)
