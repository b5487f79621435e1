import logging

from odoo.exceptions import UserError
from odoo.tests import tagged

from ..handy_sandbox import HandySandbox
from .common import HandooCase
from .test_routes import RouteCase

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestButtonsAndMessages(RouteCase):
    def test_route_sync_button_handy_down(self):
        handy_route = self.create_route(orders=[self.handy_orders[2]])
        self.store.accept_route(handy_route["id"])
        self.sync_routes()
        route = self.route_of(handy_route)
        self.sandbox.faults.add("server_error", count=50, status=503)
        try:
            with self.assertRaises(UserError) as caught:
                route.action_handoo_sync()
        finally:
            self.sandbox.faults.clear()
        self.assertIn("503", str(caught.exception))

    def test_route_sync_button_route_gone(self):
        handy_route = self.create_route(orders=[self.handy_orders[2]])
        self.store.accept_route(handy_route["id"])
        self.sync_routes()
        route = self.route_of(handy_route)
        route.handoo_id = "424242"
        with self.assertRaises(UserError):
            route.action_handoo_sync()

    def test_test_connection_in_spanish(self):
        self.env["res.lang"]._activate_lang("es_MX")
        settings = self.env["res.config.settings"].with_context(lang="es_MX").create({})
        self.sandbox.faults.add("server_error", count=50, status=503)
        result = settings.action_handoo_test_connection()
        self.sandbox.faults.clear()
        self.assertEqual(result["params"]["type"], "danger")
        self.assertIn("Handy falló", result["params"]["message"])
        self.company.handoo_api_url = "http://127.0.0.1:9/api/v2"
        result = settings.action_handoo_test_connection()
        self.company.handoo_api_url = self.sandbox.url
        self.assertIn("Sin respuesta de Handy", result["params"]["message"])

    def test_reference_retry_waits_for_backoff(self):
        customer = self.catalog["customers"][0]["code"]
        self.sandbox.faults.add(
            "server_error", count=500, path="/salesOrder/", status=502
        )
        order = self.store.create_order(
            customer, [{"product": self.codes[0], "quantity": 1}]
        )
        self.sync_orders()
        failure = self.failure_of(f"order_reference:{order['id']}")
        self.assertTrue(failure)
        before = failure.attempts
        puts_before = sum(
            count
            for key, count in self.requests_made().items()
            if key.startswith("PUT")
        )
        # The failure's retry is due in 5 minutes; run the retry job now, twice.
        self.run_job("ir_cron_handoo_retry_orders")
        self.run_job("ir_cron_handoo_retry_orders")
        puts_after = sum(
            count
            for key, count in self.requests_made().items()
            if key.startswith("PUT")
        )
        self.sandbox.faults.clear()
        self.assertEqual(
            failure.attempts, before, "the retry ran before its next_retry was due"
        )
        self.assertEqual(puts_after, puts_before, "no PUT before the retry is due")


@tagged("post_install", "-at_install")
class TestTwoCompanies(HandooCase):
    def test_second_company_orders_and_route(self):
        other = HandySandbox(token="other-token", rate_limit=None).start()
        self.addCleanup(other.stop)
        company2 = self.env["res.company"].create(
            {"name": "Distribuidora Norte", "country_id": self.env.ref("base.mx").id}
        )
        self.env.user.company_ids |= company2
        self.env["account.chart.template"].try_loading(
            "mx", company=company2, install_demo=False
        )
        warehouse2 = self.env["stock.warehouse"].search(
            [("company_id", "=", company2.id)], limit=1
        )
        company2.write(
            {
                "handoo_api_url": other.url,
                "handoo_web_url": other.web_url,
                "handoo_api_token": "other-token",
                "handoo_sync_enabled": True,
                "handoo_warehouse_id": warehouse2.id,
                "tax_calculation_rounding_method": "round_per_line",
            }
        )
        store = other.store
        zone = store.add_zone("Norte")
        family = store.add_family("Abarrotes")
        driver = store.add_user("Chofer Norte", "chofer.norte@example.com")
        store.add_customer("N-001", "Tienda Norte", zone["id"])
        store.add_product("NP-001", "Frijol 1 kg", 34.8, family["id"])
        order = store.create_order("N-001", [{"product": "NP-001", "quantity": 3}])
        self.sync_catalogs()
        product = self.env["product.product"].search([("default_code", "=", "NP-001")])
        self.assertEqual(product.company_id, company2)
        self.env["stock.quant"].with_company(company2)._update_available_quantity(
            product, warehouse2.lot_stock_id, 50
        )
        self.sync_orders()
        sale = self.env["sale.order"].search(
            [
                ("handoo_company_id", "=", company2.id),
                ("handoo_id", "=", str(order["id"])),
            ]
        )
        failure = self.env["handoo.sync.failure"].search(
            [("company_id", "=", company2.id)]
        )
        self.assertTrue(sale, failure.mapped("reason"))
        self.assertEqual(sale.company_id, company2)
        self.assertEqual(sale.warehouse_id, warehouse2)
        self.assertEqual(sale.order_line.tax_ids.company_id, company2)
        self.assertEqual(sale.handoo_reservation_id.company_id, company2)
        self.assertEqual(sale.handoo_reservation_state, "reserved")
        handy_route = store.create_route(
            driver["id"],
            sales_order_ids=[order["id"]],
            products=[{"product": "NP-001", "quantity": 5}],
        )
        store.accept_route(handy_route["id"])
        store.deliver_order(handy_route["id"], order["id"], "complete")
        store.sell_from_truck(
            handy_route["id"], "N-001", [{"product": "NP-001", "quantity": 2}]
        )
        store.finish_route(handy_route["id"])
        store.close_route(handy_route["id"])
        self.run_job("ir_cron_handoo_sync_from_routes")
        route = self.env["handoo.route"].search([("company_id", "=", company2.id)])
        route_failure = self.env["handoo.sync.failure"].search(
            [("company_id", "=", company2.id), ("kind", "=", "route")]
        )
        self.assertEqual(route.state, "closed", route_failure.mapped("reason"))
        self.assertEqual(
            product.with_context(location=warehouse2.lot_stock_id.id).qty_available,
            45,
        )
        self.assertEqual(route.truck_location_id.company_id, company2)


@tagged("post_install", "-at_install")
class TestRouteRetry(RouteCase):
    def test_failed_route_from_polling_is_retried(self):
        from datetime import timedelta

        from odoo import fields

        # The route was accepted an hour ago; its webhook never came.
        an_hour_ago = fields.Datetime.now() - timedelta(hours=1)
        self.store.set_clock(an_hour_ago.strftime("%Y-%m-%dT%H:%M:%SZ"))
        handy_route = self.create_route(orders=[self.handy_orders[2]])
        self.store.accept_route(handy_route["id"])
        self.store.set_clock(None)
        # Handy fails while the route's orders are read: a passing fault.
        self.sandbox.faults.add(
            "server_error", count=200, path="/salesOrder/", status=503
        )
        self.sync_routes()
        self.sandbox.faults.clear()
        failure = self.failure_of(f"route:{handy_route['id']}")
        self.assertEqual(failure.state, "to_retry")
        route = self.route_of(handy_route)
        self.assertFalse(route.load_done)
        # The retry is due, Handy answers again, the route did not change.
        failure.next_retry = fields.Datetime.now() - timedelta(seconds=1)
        for xmlid in (
            "ir_cron_handoo_sync_from_routes",
            "ir_cron_handoo_retry_orders",
            "ir_cron_handoo_process_events",
            "ir_cron_handoo_sync_from_zones",
            "ir_cron_handoo_sync_from_products",
        ):
            self.run_job(xmlid)
        route = self.route_of(handy_route)
        self.assertEqual(failure.state, "resolved")
        self.assertTrue(
            route.load_done,
            "a route whose apply failed once during polling is never retried by "
            "any job once its window has passed",
        )
