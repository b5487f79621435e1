from collections import Counter

from odoo.tests import TransactionCase

from ..handy_sandbox import HandySandbox

SANDBOX_TOKEN = "handoo-test-token"


class HandooCase(TransactionCase):
    """Odoo connected to a Handy sandbox that runs in this process.

    Odoo calls the sandbox over real HTTP on 127.0.0.1. The sandbox starts empty
    for each test; a test adds what it needs through ``self.store``.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.sandbox = HandySandbox(token=SANDBOX_TOKEN, rate_limit=None).start()
        cls.addClassCleanup(cls.sandbox.stop)
        cls.store = cls.sandbox.store
        cls.company = cls.env.company
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.company.write(
            {
                "handoo_api_url": cls.sandbox.url,
                "handoo_web_url": cls.sandbox.web_url,
                "handoo_api_token": SANDBOX_TOKEN,
                "handoo_sync_enabled": True,
                "handoo_warehouse_id": cls.warehouse.id,
                # Handy rounds taxes per line; see the Tax Rounding setting.
                "tax_calculation_rounding_method": "round_per_line",
            }
        )
        cls.stock_location = cls.warehouse.lot_stock_id
        # Retries back off for milliseconds, not seconds, in tests.
        cls.env["ir.config_parameter"].sudo().set_param("handoo.http_backoff", "0.01")

    def setUp(self):
        super().setUp()
        self.store.clear()
        self.sandbox.faults.clear()
        self.store.reset_stats()

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def run_job(self, xmlid):
        """Run a Handy cron as the cron runner would, and reload the caches."""
        with self.enter_registry_test_mode():
            self.env.ref(f"handoo.{xmlid}").method_direct_trigger()
        self.env.invalidate_all()

    def sync_catalogs(self):
        for kind in ("zones", "families", "customers", "products"):
            self.run_job(f"ir_cron_handoo_sync_from_{kind}")

    def sync_orders(self):
        self.run_job("ir_cron_handoo_sync_from_orders")

    def cursor_of(self, job):
        return self.env["handoo.sync.cursor"].search(
            [("job", "=", job), ("company_id", "=", self.company.id)]
        )

    def failure_of(self, key):
        return self.env["handoo.sync.failure"].search(
            [("key", "=", key), ("company_id", "=", self.company.id)]
        )

    def last_run(self, job):
        return self.env["handoo.sync.run"].search(
            [("job", "=", job), ("company_id", "=", self.company.id)],
            order="id desc",
            limit=1,
        )

    def handoo_orders(self, **domain):
        return self.env["sale.order"].search(
            [("handoo_company_id", "=", self.company.id)]
            + [(field, "=", value) for field, value in domain.items()],
            order="id",
        )

    def order_of(self, handy_order):
        return self.env["sale.order"].search(
            [
                ("handoo_company_id", "=", self.company.id),
                ("handoo_id", "=", str(handy_order["id"])),
            ]
        )

    def put_in_stock(self, product, quantity):
        self.env["stock.quant"]._update_available_quantity(
            product, self.stock_location, quantity
        )

    def requests_made(self):
        """Return a Counter of the API calls the sandbox answered."""
        return Counter(self.store.stats()["requests"])

    def make_catalog(self, products=3, customers=2):
        """Fill the sandbox with one zone, one family, customers and products."""
        zone = self.store.add_zone("Centro", color="#1f6f8b")
        family = self.store.add_family("Bebidas")
        seller = self.store.add_user("Vendedora Uno", "vendedora.uno@example.com")
        customer_list = [
            self.store.add_customer(
                f"CLI-{index:03d}",
                f"Abarrotes Prueba {index}",
                zone["id"],
                rfc=f"ABP85010{index}AB{index}",
            )
            for index in range(1, customers + 1)
        ]
        product_list = [
            self.store.add_product(
                f"PROD-{index:03d}",
                f"Producto de prueba {index}",
                11.6 * index,
                family["id"],
            )
            for index in range(1, products + 1)
        ]
        return {
            "zone": zone,
            "family": family,
            "seller": seller,
            "customers": customer_list,
            "products": product_list,
        }
