from odoo.tests import HttpCase, tagged

from ..handy_sandbox import HandySandbox
from .common import SANDBOX_TOKEN


@tagged("post_install", "-at_install")
class TestHandyTab(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sandbox = HandySandbox(token=SANDBOX_TOKEN, rate_limit=None).start()
        cls.addClassCleanup(cls.sandbox.stop)
        cls.env.company.write(
            {
                "handoo_api_url": cls.sandbox.url,
                "handoo_web_url": cls.sandbox.web_url,
                "handoo_api_token": SANDBOX_TOKEN,
                "handoo_sync_enabled": True,
            }
        )

    def test_order_tab_in_browser(self):
        store = self.sandbox.store
        zone = store.add_zone("Centro")
        family = store.add_family("Bebidas")
        store.add_customer("CLI-TOUR", "Abarrotes del Tour", zone["id"])
        store.add_product("PROD-TOUR", "Agua natural 1 L", 12.0, family["id"])
        handy_order = store.create_order(
            "CLI-TOUR", [{"product": "PROD-TOUR", "quantity": 3}]
        )
        self.env.ref("handoo.ir_cron_handoo_sync_from_orders").method_direct_trigger()
        order = self.env["sale.order"].search(
            [
                ("handoo_id", "=", str(handy_order["id"])),
                ("handoo_company_id", "=", self.env.company.id),
            ]
        )
        self.assertEqual(len(order), 1)

        self.start_tour(
            f"/odoo/sale.order/{order.id}", "handoo_order_tab", login="admin"
        )
