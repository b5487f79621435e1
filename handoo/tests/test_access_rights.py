import logging

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .test_routes import RouteCase

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestAccessRights(RouteCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sales_admin = new_test_user(
            cls.env,
            login="handoo.sales.admin",
            groups="sales_team.group_sale_manager,stock.group_stock_user",
        )
        cls.stock_admin = new_test_user(
            cls.env,
            login="handoo.stock.admin",
            groups="stock.group_stock_manager,sales_team.group_sale_salesman",
        )

    def call_as(self, user, records, method):
        try:
            getattr(records.with_user(user), method)()
        except (AccessError, UserError) as error:
            return error
        except Exception as error:  # noqa: BLE001
            return error
        return None

    def test_retry_event_as_sales_admin(self):
        handy_route = self.create_route(orders=[self.handy_orders[2]])
        self.store.accept_route(handy_route["id"])
        event = self.env["handoo.webhook.event"].create(
            {
                "company_id": self.company.id,
                "event_id": "evt-rights-1",
                "event": "route.load_accepted",
                "route_handoo_id": str(handy_route["id"]),
                "state": "failed",
                "attempts": 3,
                "error": "Handy failed with status 503",
            }
        )
        error = self.call_as(self.sales_admin, event, "action_retry")
        self.assertIsNone(
            error,
            "a sales administrator sees the Retry button of a failed webhook event "
            f"but gets {type(error).__name__}: {error}",
        )
        self.assertEqual(event.state, "done")

    def test_route_sync_button_as_stock_admin(self):
        handy_route = self.create_route(orders=[self.handy_orders[2]])
        self.store.accept_route(handy_route["id"])
        self.sync_routes()
        route = self.route_of(handy_route)
        self.store.deliver_order(
            handy_route["id"], self.handy_orders[2]["id"], "complete"
        )
        self.store.finish_route(handy_route["id"])
        error = self.call_as(self.stock_admin, route, "action_handoo_sync")
        self.assertIsNone(error, f"{type(error).__name__}: {error}")
        self.assertEqual(route.state, "finished")

    def test_route_sync_button_as_sales_admin(self):
        handy_route = self.create_route(orders=[self.handy_orders[2]])
        self.store.accept_route(handy_route["id"])
        self.sync_routes()
        route = self.route_of(handy_route)
        self.store.deliver_order(
            handy_route["id"], self.handy_orders[2]["id"], "complete"
        )
        self.store.finish_route(handy_route["id"])
        self.store.close_route(handy_route["id"])
        error = self.call_as(self.sales_admin, route, "action_handoo_sync")
        self.assertIsNone(error, f"{type(error).__name__}: {error}")
        self.assertEqual(route.state, "closed")

    def test_failure_retry_as_sales_admin(self):
        customer = self.catalog["customers"][0]["code"]
        bad = self.store.create_order(customer, [{"product": "NOPE-9", "quantity": 1}])
        self.sync_orders()
        failure = self.failure_of(f"order:{bad['id']}")
        error = self.call_as(self.sales_admin, failure, "action_retry")
        self.assertIsNone(error, f"{type(error).__name__}: {error}")

    def test_route_close_button_as_stock_admin(self):
        handy_route = self.create_route(orders=[self.handy_orders[2]])
        self.store.accept_route(handy_route["id"])
        self.sync_routes()
        route = self.route_of(handy_route)
        self.store.deliver_order(
            handy_route["id"], self.handy_orders[2]["id"], "complete"
        )
        self.store.finish_route(handy_route["id"])
        self.store.close_route(handy_route["id"])
        error = self.call_as(self.stock_admin, route, "action_handoo_sync")
        self.assertIsNone(error, f"{type(error).__name__}: {error}")
        self.assertEqual(route.state, "closed")

    def test_zone_name_underscore_matched_literally(self):
        odoo_zone = self.env["handoo.zone"].create(
            {"name": "Norte-1", "company_id": self.company.id}
        )
        self.store.add_zone("Norte_1")
        self.run_job("ir_cron_handoo_sync_from_zones")
        self.assertFalse(
            odoo_zone.handoo_id,
            "Handy zone 'Norte_1' was linked to Odoo zone 'Norte-1' and renamed it",
        )

    def test_hand_confirmed_order_refused_on_route(self):
        order = self.handy_orders[2]
        sale = self.order_of(order)
        sale.action_confirm()
        handy_route = self.store.create_route(
            self.driver["id"], sales_order_ids=[order["id"]], products=[]
        )
        self.store.accept_route(handy_route["id"])
        self.store.deliver_order(handy_route["id"], order["id"], "refused")
        self.store.finish_route(handy_route["id"])
        self.store.close_route(handy_route["id"])
        self.sync_routes()
        self.assertEqual(self.route_of(handy_route).state, "closed")
        self.assertEqual(self.qty(self.codes[0], self.stock_location), 100)
        self.assertEqual(sale.order_line.qty_delivered, 0)
