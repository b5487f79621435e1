import logging

from odoo.tests import tagged

from .common import HandooCase
from .test_routes import RouteCase

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestRouteEdgeCasesMore(RouteCase):
    def test_return_line_received_twice_over_two_routes(self):
        """Not delivered on route 1, delivered on route 2: goods picked up once."""
        customer = self.catalog["customers"][0]["code"]
        order = self.store.create_order(
            customer,
            [
                {"product": self.codes[0], "quantity": 1},
                {"product": self.codes[1], "quantity": 2, "isReturn": True},
            ],
        )
        self.sync_orders()
        first = self.store.create_route(
            self.driver["id"], sales_order_ids=[order["id"]], products=[]
        )
        self.store.accept_route(first["id"])
        self.store.deliver_order(first["id"], order["id"], "not_delivered")
        self.store.finish_route(first["id"])
        self.store.close_route(first["id"])
        self.sync_routes()
        second = self.store.create_route(
            self.driver["id"], sales_order_ids=[order["id"]], products=[]
        )
        self.store.accept_route(second["id"])
        self.store.deliver_order(second["id"], order["id"], "complete")
        self.store.finish_route(second["id"])
        self.store.close_route(second["id"])
        self.sync_routes()
        self.assertEqual(self.qty(self.codes[0], self.stock_location), 99)
        self.assertEqual(
            self.qty(self.codes[1], self.stock_location),
            102,
            "2 units were handed back once, by route 2",
        )

    def test_order_edited_after_load(self):
        order = self.handy_orders[0]  # 4 x codes[0], 2 x codes[1]
        handy_route = self.store.create_route(
            self.driver["id"], sales_order_ids=[order["id"]], products=[]
        )
        route_id = handy_route["id"]
        self.store.accept_route(route_id)
        self.sync_routes()
        self.assertEqual(self.qty(self.codes[0], self.stock_location), 96)
        new = self.store.edit_order(
            order["id"],
            [
                {"product": self.codes[0], "quantity": 4},
                {"product": self.codes[1], "quantity": 2},
            ],
        )
        self.sync_orders()
        failure = self.failure_of(f"order:{new['id']}")
        self.store.deliver_order(route_id, new["id"], "partial", {self.codes[0]: 1})
        self.store.finish_route(route_id)
        self.store.close_route(route_id)
        self.sync_routes()
        route = self.route_of(handy_route)
        self.assertEqual(
            self.qty(self.codes[0], self.stock_location),
            99,
            "3 of 4 came back, yet Odoo did not receive them",
        )
        # The edit itself waits for a person: the order is already confirmed.
        self.assertEqual(failure.state, "to_retry")
        self.assertEqual(route.state, "closed")
        self.assertFalse(route.settlement_difference)

    def load_first_order(self):
        """Load the first order (4 x codes[0], 2 x codes[1]) on a route."""
        order = self.handy_orders[0]
        handy_route = self.create_route(orders=[order])
        self.store.accept_route(handy_route["id"])
        self.sync_routes()
        return order, handy_route["id"], self.route_of(handy_route)

    def test_extra_delivered_from_truck(self):
        order, route_id, route = self.load_first_order()
        sale = self.order_of(order)
        truck = route.truck_location_id
        self.assertEqual(self.qty(self.codes[0], truck), 10)

        new = self.store.edit_order(
            order["id"],
            [
                {"product": self.codes[0], "quantity": 6},
                {"product": self.codes[1], "quantity": 2},
                {"product": self.codes[2], "quantity": 3},
            ],
        )
        self.store.deliver_order(route_id, new["id"], "complete")
        self.store.finish_route(route_id)
        self.store.close_route(route_id)
        self.sync_routes()

        delivered = {
            code: sum(
                sale.order_line.filtered(
                    lambda line, code=code: line.product_id.default_code == code
                ).mapped("qty_delivered")
            )
            for code in self.codes
        }
        self.assertEqual(
            delivered, {self.codes[0]: 6, self.codes[1]: 2, self.codes[2]: 3}
        )
        from_truck = route.picking_ids.filtered(
            lambda picking: picking.handoo_route_role == "truck_delivery"
        )
        self.assertEqual(from_truck.state, "done")
        self.assertEqual(from_truck.location_id, truck)
        self.assertEqual(from_truck.sale_id, sale)
        self.assertEqual(self.line_of(route, self.codes[0]).delivered, 6)
        self.assertEqual(self.line_of(route, self.codes[2]).delivered, 3)
        # Handy's leftovers count the goods that left the truck, so it balances.
        self.assertFalse(route.settlement_difference)
        self.assertEqual(self.qty(self.codes[0], truck), 0)
        self.assertEqual(self.qty(self.codes[2], truck), 0)
        self.assertTrue(
            sale.message_ids.filtered(
                lambda message: "delivered from the truck" in str(message.body)
            )
        )

    def test_reward_added_after_load_stays_free(self):
        order, route_id, _route = self.load_first_order()
        sale = self.order_of(order)
        total_before = sale.amount_total

        new = self.store.edit_order(
            order["id"],
            [
                {"product": self.codes[0], "quantity": 4},
                {"product": self.codes[1], "quantity": 2},
                {"product": self.codes[0], "quantity": 2, "isReward": True},
            ],
        )
        self.store.deliver_order(route_id, new["id"], "complete")
        self.store.finish_route(route_id)
        self.store.close_route(route_id)
        self.sync_routes()

        added = sale.order_line.filtered(
            lambda line: (
                line.product_id.default_code == self.codes[0] and line.handoo_is_reward
            )
        )
        self.assertEqual(added.qty_delivered, 2)
        self.assertEqual(added.price_total, 0)
        self.assertEqual(sale.amount_total, total_before)

    def test_route_sale_unknown_customer_and_returns(self):
        self.store.add_customer(
            "CLI-NEW", "Cliente nuevo en ruta", self.catalog["zone"]["id"]
        )
        handy_route = self.create_route(
            orders=[self.handy_orders[2]],
            load=[{"product": self.codes[0], "quantity": 10}],
        )
        route_id = handy_route["id"]
        self.store.accept_route(route_id)
        self.store.deliver_order(route_id, self.handy_orders[2]["id"], "complete")
        self.store.sell_from_truck(
            route_id,
            "CLI-NEW",
            [
                {"product": self.codes[0], "quantity": 2},
                {"product": self.codes[0], "quantity": 3},
                {"product": self.codes[2], "quantity": 1, "isReturn": True},
            ],
            payment_type="Crédito",
        )
        self.store.take_return(
            route_id,
            "CLI-NEW",
            [{"product": self.codes[1], "quantity": 1, "returnCondition": "DAMAGED"}],
        )
        self.store.finish_route(route_id)
        self.store.close_route(route_id)
        self.sync_routes()
        route = self.route_of(handy_route)
        self.assertEqual(route.state, "closed")
        truck = route.truck_location_id
        self.assertEqual(self.qty(self.codes[0], truck), 0)
        # 100 - 1 (order) - 5 (sold on route)
        self.assertEqual(self.qty(self.codes[0], self.stock_location), 94)
        self.assertEqual(self.qty(self.codes[2], self.stock_location), 101)
        self.assertEqual(len(route.route_sale_ids), 1)
        self.assertEqual(route.route_sale_ids.handoo_payment_type, "Crédito")
        self.assertFalse(route.settlement_difference)

    def test_carried_over_then_sold(self):
        handy_route = self.create_route(
            orders=[], load=[{"product": self.codes[2], "quantity": 6}]
        )
        route_id = handy_route["id"]
        self.store.accept_route(route_id)
        self.store.finish_route(route_id)
        self.store.close_route(
            route_id, settlement={self.codes[2]: {"quantity": 6, "destination": "LOAD"}}
        )
        self.sync_routes()
        next_id = self.store.get_route(route_id)["nextRouteId"]
        self.store.accept_route(next_id)
        self.store.sell_from_truck(
            next_id,
            self.catalog["customers"][1]["code"],
            [{"product": self.codes[2], "quantity": 4}],
        )
        self.store.finish_route(next_id)
        self.store.close_route(next_id)
        self.sync_routes()
        route = self.route_of(handy_route)
        next_route = self.env["handoo.route"].search([("handoo_id", "=", str(next_id))])
        truck = route.truck_location_id
        self.assertEqual(next_route.state, "closed")
        self.assertEqual(self.qty(self.codes[2], truck), 0)
        self.assertEqual(self.qty(self.codes[2], self.stock_location), 96)
        line = next_route.line_ids.filtered(
            lambda line: line.product_id.default_code == self.codes[2]
        )
        self.assertEqual(line.carried_in, line.loaded_extra)
        self.assertFalse(next_route.settlement_difference)


@tagged("post_install", "-at_install")
class TestCatalogEdgeCases(HandooCase):
    def setUp(self):
        super().setUp()
        self.catalog = self.make_catalog(products=2, customers=1)
        self.sync_catalogs()

    def push(self, kind):
        self.run_job(f"ir_cron_handoo_sync_to_{kind}")

    def test_rfc_with_country_prefix_pushed(self):
        zone = self.env["handoo.zone"].search([("handoo_id", "!=", False)], limit=1)
        partner = self.env["res.partner"].create(
            {
                "name": "Ferretería Prefijo",
                "ref": "CLI-PFX",
                "vat": "MXABC850101AB1",
                "country_id": self.env.ref("base.mx").id,
                "handoo_sync_enabled": True,
                "handoo_zone_id": zone.id,
                "is_company": True,
            }
        )
        self.push("customers")
        failure = self.env["handoo.sync.failure"].search(
            [("key", "=", f"export:res.partner:{partner.id}")]
        )
        self.assertTrue(partner.handoo_id, failure.reason)

    def test_code_with_spaces_and_unicode_pushed(self):
        family = self.env["handoo.product.family"].search(
            [("handoo_id", "!=", False)], limit=1
        )
        product = self.env["product.template"].create(
            {
                "name": "Café de olla 🍵",
                "default_code": "CAFÉ OLLA 1",
                "list_price": 25.0,
                "is_storable": True,
                "handoo_sync_enabled": True,
                "handoo_family_id": family.id,
            }
        )
        self.push("products")
        failure = self.env["handoo.sync.failure"].search(
            [("key", "=", f"export:product.template:{product.id}")]
        )
        self.assertTrue(product.handoo_id, failure.reason)
        product.list_price = 30.0
        self.push("products")
        handy = self.store.get_product("CAFÉ OLLA 1")
        self.assertEqual(handy["description"], "Café de olla 🍵")
        self.assertFalse(product.handoo_sync_pending)

    def test_same_customer_created_on_both_sides(self):
        zone = self.env["handoo.zone"].search([("handoo_id", "!=", False)], limit=1)
        partner = self.env["res.partner"].create(
            {
                "name": "Tienda Doble",
                "ref": "CLI-DBL",
                "handoo_sync_enabled": True,
                "handoo_zone_id": zone.id,
                "is_company": True,
            }
        )
        self.store.add_customer(
            "CLI-DBL", "Tienda Doble (Handy)", self.catalog["zone"]["id"]
        )
        self.run_job("ir_cron_handoo_sync_from_customers")
        self.push("customers")
        partners = self.env["res.partner"].search([("ref", "=", "CLI-DBL")])
        self.assertEqual(len(partners), 1)
        self.assertTrue(partner.handoo_id)
        handy = [c for c in self.store.customers() if c["code"] == "CLI-DBL"]
        self.assertEqual(len(handy), 1)

    def test_barcode_clash(self):
        self.env["product.template"].create(
            {"name": "Otro", "default_code": "OTRO-1", "barcode": "7501000000001"}
        )
        self.store.add_product(
            "PROD-BC",
            "Con código de barras",
            11.6,
            self.catalog["family"]["id"],
            barcode="7501000000001",
        )
        self.run_job("ir_cron_handoo_sync_from_products")
        product = self.env["product.template"].search(
            [("default_code", "=", "PROD-BC")]
        )
        self.assertTrue(product)
        self.assertFalse(product.barcode)
        product.list_price = 20
        self.push("products")

    def test_archive_both_sides(self):
        template = self.env["product.template"].search(
            [("default_code", "=", self.catalog["products"][0]["code"])]
        )
        template.action_archive()
        self.store.update_product(self.catalog["products"][0]["code"], price=99.0)
        self.run_job("ir_cron_handoo_sync_from_products")
        self.assertFalse(template.active)
        self.push("products")
        self.assertFalse(
            self.store.get_product(self.catalog["products"][0]["code"])["enabled"]
        )
        # Handy re-enables it afterwards: Odoo follows.
        self.store.update_product(self.catalog["products"][0]["code"], enabled=True)
        self.run_job("ir_cron_handoo_sync_from_products")
        self.assertTrue(template.active)
