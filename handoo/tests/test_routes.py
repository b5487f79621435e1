from unittest.mock import patch

from lxml import etree

from odoo.tests import tagged

from ..models.route_processor import RouteProcessor
from .common import HandooCase


class RouteCase(HandooCase):
    """Three pre-sale orders imported as quotations, stock in the warehouse."""

    def setUp(self):
        super().setUp()
        self.catalog = self.make_catalog(products=3, customers=2)
        self.codes = [product["code"] for product in self.catalog["products"]]
        self.driver = self.catalog["seller"]
        customer = self.catalog["customers"][0]["code"]
        other = self.catalog["customers"][1]["code"]
        self.handy_orders = [
            self.store.create_order(
                customer,
                [
                    {"product": self.codes[0], "quantity": 4},
                    {"product": self.codes[1], "quantity": 2},
                ],
            ),
            self.store.create_order(
                other,
                [
                    {"product": self.codes[1], "quantity": 3},
                    {"product": self.codes[2], "quantity": 5},
                ],
            ),
            self.store.create_order(
                customer, [{"product": self.codes[0], "quantity": 1}]
            ),
        ]
        self.sync_catalogs()
        self.products = {
            code: self.env["product.product"].search([("default_code", "=", code)])
            for code in self.codes
        }
        for product in self.products.values():
            self.put_in_stock(product, 100)
        self.sync_orders()

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def create_route(self, orders=None, load=None, **kwargs):
        orders = self.handy_orders if orders is None else orders
        load = load or [
            {"product": self.codes[0], "quantity": 10},
            {"product": self.codes[2], "quantity": 6},
        ]
        return self.store.create_route(
            self.driver["id"],
            sales_order_ids=[order["id"] for order in orders],
            products=load,
            **kwargs,
        )

    def sync_routes(self):
        self.run_job("ir_cron_handoo_sync_from_routes")

    def route_of(self, handy_route):
        return self.env["handoo.route"].search(
            [
                ("handoo_id", "=", str(handy_route["id"])),
                ("handoo_company_id", "=", self.company.id),
            ]
        )

    def qty(self, code, location):
        return self.products[code].with_context(location=location.id).qty_available

    def line_of(self, route, code):
        return route.line_ids.filtered(
            lambda line: line.product_id.default_code == code
        )

    def full_route(self, settlement=None):
        """Run a route in the sandbox: partial, refused and complete deliveries."""
        handy_route = self.create_route()
        route_id = handy_route["id"]
        first, second, third = (order["id"] for order in self.handy_orders)
        self.store.accept_route(route_id)
        self.store.deliver_order(route_id, first, "partial", {self.codes[0]: 2})
        self.store.deliver_order(route_id, second, "refused")
        self.store.deliver_order(route_id, third, "complete")
        self.store.sell_from_truck(
            route_id,
            self.catalog["customers"][1]["code"],
            [{"product": self.codes[0], "quantity": 3}],
            payment_type="Contado",
        )
        self.store.finish_route(route_id)
        self.store.close_route(route_id, settlement=settlement)
        return handy_route


@tagged("post_install", "-at_install")
class TestRouteSteps(RouteCase):
    def test_load_confirms_and_delivers_orders(self):
        handy_route = self.create_route()
        self.store.accept_route(handy_route["id"])
        self.sync_routes()

        route = self.route_of(handy_route)
        self.assertEqual(route.state, "loaded")
        self.assertEqual(route.driver_id.handoo_id, str(self.driver["id"]))
        self.assertEqual(len(route.order_ids), 3)
        for order in route.order_ids:
            self.assertEqual(order.state, "sale")
            self.assertEqual(order.handoo_reservation_id.state, "cancel")
            delivery = order.picking_ids
            self.assertEqual(len(delivery), 1)
            self.assertEqual(delivery.state, "done")
            self.assertEqual(delivery.picking_type_id, self.warehouse.out_type_id)
            self.assertEqual(delivery.handoo_route_id, route)
            self.assertEqual(delivery.handoo_route_role, "delivery")
            for line in order.order_line:
                self.assertEqual(line.qty_delivered, line.product_uom_qty)
        load = route.picking_ids.filtered(
            lambda picking: picking.handoo_route_role == "load"
        )
        self.assertEqual(load.state, "done")
        self.assertEqual(load.location_dest_id, route.truck_location_id)
        truck = route.truck_location_id
        self.assertEqual(self.qty(self.codes[0], truck), 10)
        self.assertEqual(self.qty(self.codes[2], truck), 6)
        # 100 in stock - 5 ordered - 10 loaded for sale.
        self.assertEqual(self.qty(self.codes[0], self.stock_location), 85)

    def test_finish_books_route_sales_from_truck(self):
        handy_route = self.create_route()
        route_id = handy_route["id"]
        self.store.accept_route(route_id)
        sale = self.store.sell_from_truck(
            route_id,
            self.catalog["customers"][1]["code"],
            [{"product": self.codes[0], "quantity": 3}],
            payment_type="Crédito",
        )
        self.store.finish_route(route_id)
        self.sync_routes()

        route = self.route_of(handy_route)
        self.assertEqual(route.state, "finished")
        order = route.route_sale_ids
        self.assertEqual(order.handoo_id, str(sale["id"]))
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.handoo_payment_type, "Crédito")
        self.assertEqual(order.picking_ids.location_id, route.truck_location_id)
        self.assertEqual(order.picking_ids.state, "done")
        self.assertEqual(order.order_line.qty_delivered, 3)
        self.assertEqual(self.qty(self.codes[0], route.truck_location_id), 7)
        # Handy learns the Odoo id of the sale made from the truck.
        self.assertEqual(self.store.get_order(sale["id"])["externalId"], order.id)

    def test_settlement_list_shows_every_product(self):
        # The totals row adds up only the lines on screen: show them all.
        arch = self.env["handoo.route"].get_view(view_type="form")["arch"]
        (settlement,) = etree.fromstring(arch).xpath("//field[@name='line_ids']/list")
        self.assertGreaterEqual(int(settlement.get("limit")), 1000)

    def finish_with_one_sale(self, code, quantity):
        """Finish a route without pre-sales after one sale from its truck."""
        handy_route = self.create_route(orders=[])
        route_id = handy_route["id"]
        self.store.accept_route(route_id)
        sale = self.store.sell_from_truck(
            route_id,
            self.catalog["customers"][1]["code"],
            [{"product": code, "quantity": quantity}],
        )
        self.store.finish_route(route_id)
        self.sync_routes()
        return self.route_of(handy_route), route_id, sale

    def test_route_sale_edited_before_closure_replaces_its_order(self):
        route, route_id, sale = self.finish_with_one_sale(self.codes[0], 4)
        first = route.route_sale_ids
        self.assertEqual(first.handoo_id, str(sale["id"]))
        truck = route.truck_location_id
        self.assertEqual(self.qty(self.codes[0], truck), 6)

        edited = self.store.edit_order(
            sale["id"], [{"product": self.codes[0], "quantity": 1}]
        )
        self.store.close_route(route_id)
        self.sync_routes()
        self.assertEqual(route.state, "closed")
        self.assertEqual(first.state, "cancel")
        self.assertEqual(first.order_line.qty_delivered, 0)
        second = route.route_sale_ids - first
        self.assertEqual(second.handoo_id, str(edited["id"]))
        self.assertEqual(second.state, "sale")
        self.assertEqual(second.order_line.qty_delivered, 1)
        # 10 loaded, 1 sold: 9 back to the warehouse, none left on the truck.
        self.assertEqual(self.qty(self.codes[0], truck), 0)
        self.assertEqual(self.qty(self.codes[0], self.stock_location), 99)
        line = self.line_of(route, self.codes[0])
        self.assertEqual(line.sold, 1)
        self.assertEqual(line.left_to_warehouse, 9)
        self.assertFalse(route.settlement_difference)

    def test_route_sale_deleted_before_closure_is_cancelled(self):
        route, route_id, sale = self.finish_with_one_sale(self.codes[2], 2)
        self.store.delete_order(sale["id"])
        self.store.close_route(route_id)
        self.sync_routes()
        self.assertEqual(route.state, "closed")
        self.assertEqual(route.route_sale_ids.state, "cancel")
        self.assertEqual(route.route_sale_ids.order_line.qty_delivered, 0)
        self.assertEqual(self.qty(self.codes[2], route.truck_location_id), 0)
        self.assertEqual(self.qty(self.codes[2], self.stock_location), 100)
        self.assertEqual(self.line_of(route, self.codes[2]).sold, 0)
        self.assertFalse(route.settlement_difference)

    def test_route_transfers_send_no_text_message(self):
        contexts = []
        original = type(self.env["stock.picking"])._send_confirmation_email

        def spy(pickings):
            contexts.append(bool(pickings.env.context.get("skip_sms")))
            return original(pickings)

        handy_route = self.create_route()
        self.store.accept_route(handy_route["id"])
        with patch.object(
            type(self.env["stock.picking"]), "_send_confirmation_email", spy
        ):
            self.sync_routes()
        self.assertTrue(contexts)
        self.assertTrue(all(contexts), "every route transfer skips the SMS")

    def test_close_returns_what_was_not_delivered(self):
        handy_route = self.full_route()
        self.sync_routes()

        route = self.route_of(handy_route)
        self.assertEqual(route.state, "closed")
        first, second, third = (self.order_of(order) for order in self.handy_orders)
        line = first.order_line.filtered(
            lambda line: line.product_id.default_code == self.codes[0]
        )
        self.assertEqual(line.qty_delivered, 2)
        self.assertEqual(sum(second.order_line.mapped("qty_delivered")), 0)
        self.assertEqual(third.order_line.qty_delivered, 1)
        returns = route.picking_ids.filtered(
            lambda picking: picking.handoo_route_role == "undelivered_return"
        )
        self.assertEqual(len(returns), 2)
        self.assertEqual(set(returns.mapped("state")), {"done"})
        deliveries = (first | second).picking_ids.filtered(
            lambda picking: picking.handoo_route_role == "delivery"
        )
        self.assertEqual(returns.mapped("return_id"), deliveries)
        # Unsold stock went back: 10 loaded, 3 sold, 7 back; the truck is empty.
        self.assertEqual(self.qty(self.codes[0], route.truck_location_id), 0)
        self.assertEqual(self.qty(self.codes[2], route.truck_location_id), 0)
        # 100 - 5 ordered - 10 loaded + 2 not delivered + 7 unsold.
        self.assertEqual(self.qty(self.codes[0], self.stock_location), 94)

    def test_settlement_balances(self):
        handy_route = self.full_route()
        self.sync_routes()

        route = self.route_of(handy_route)
        self.assertFalse(route.settlement_difference)
        line = self.line_of(route, self.codes[0])
        self.assertEqual(line.loaded_presale, 5)
        self.assertEqual(line.loaded_extra, 10)
        self.assertEqual(line.delivered, 3)
        self.assertEqual(line.sold, 3)
        self.assertEqual(line.returned, 2)
        self.assertEqual(line.left_to_warehouse, 7)
        self.assertEqual(line.difference, 0)
        self.assertEqual(
            line.loaded, line.delivered + line.sold + line.returned + line.unsold
        )

    def test_settlement_difference_flagged(self):
        # The office counted 5 left on the truck where 7 should be.
        handy_route = self.full_route(
            settlement={self.codes[0]: {"quantity": 5, "destination": "WAREHOUSE"}}
        )
        self.sync_routes()

        route = self.route_of(handy_route)
        self.assertTrue(route.settlement_difference)
        self.assertEqual(self.line_of(route, self.codes[0]).difference, 2)
        # The 2 missing units stay in the truck's location, where they show.
        self.assertEqual(self.qty(self.codes[0], route.truck_location_id), 2)

    def test_customer_returns_kept_apart_when_damaged(self):
        handy_route = self.create_route()
        route_id = handy_route["id"]
        self.store.accept_route(route_id)
        self.store.take_return(
            route_id,
            self.catalog["customers"][0]["code"],
            [
                {"product": self.codes[1], "quantity": 2, "isReturn": True},
                {
                    "product": self.codes[2],
                    "quantity": 1,
                    "isReturn": True,
                    "returnCondition": "DAMAGED",
                },
            ],
        )
        for order in self.handy_orders:
            self.store.deliver_order(route_id, order["id"], "complete")
        self.store.finish_route(route_id)
        self.store.close_route(route_id)
        self.sync_routes()

        route = self.route_of(handy_route)
        receipts = route.picking_ids.filtered(
            lambda picking: picking.handoo_route_role == "customer_return"
        )
        self.assertEqual(len(receipts), 2)
        self.assertEqual(set(receipts.mapped("state")), {"done"})
        damaged = self.warehouse.handoo_damaged_location_id
        self.assertEqual(self.qty(self.codes[2], damaged), 1)
        self.assertEqual(self.qty(self.codes[1], damaged), 0)
        line = self.line_of(route, self.codes[2])
        self.assertEqual(line.customer_returns, 1)
        self.assertEqual(line.customer_returns_damaged, 1)

    def test_every_return_apart_when_set(self):
        self.company.handoo_damaged_returns = "all"
        handy_route = self.create_route()
        route_id = handy_route["id"]
        self.store.accept_route(route_id)
        self.store.take_return(
            route_id,
            self.catalog["customers"][0]["code"],
            [{"product": self.codes[1], "quantity": 2, "isReturn": True}],
        )
        self.store.finish_route(route_id)
        self.store.close_route(route_id)
        self.sync_routes()

        damaged = self.warehouse.handoo_damaged_location_id
        self.assertEqual(self.qty(self.codes[1], damaged), 2)

    def test_carried_stock_stays_on_truck(self):
        handy_route = self.full_route(
            settlement={self.codes[2]: {"quantity": 6, "destination": "LOAD"}}
        )
        self.sync_routes()

        route = self.route_of(handy_route)
        truck = route.truck_location_id
        self.assertEqual(self.qty(self.codes[2], truck), 6)
        self.assertEqual(self.line_of(route, self.codes[2]).left_on_truck, 6)
        next_id = self.store.get_route(handy_route["id"])["nextRouteId"]
        self.assertEqual(route.next_route_handoo_id, str(next_id))

        # The next route's load only takes from the warehouse what is missing.
        self.store.accept_route(next_id)
        self.sync_routes()
        next_route = self.env["handoo.route"].search(
            [
                ("handoo_id", "=", str(next_id)),
                ("handoo_company_id", "=", self.company.id),
            ]
        )
        self.assertEqual(next_route.truck_location_id, truck)
        self.assertFalse(
            next_route.picking_ids.filtered(lambda p: p.handoo_route_role == "load")
        )
        self.assertEqual(self.qty(self.codes[2], truck), 6)

    def test_shrinkage_scrapped(self):
        handy_route = self.full_route(
            settlement={self.codes[0]: {"quantity": 7, "destination": "SHRINKAGE"}}
        )
        self.sync_routes()

        route = self.route_of(handy_route)
        scraps = self.env["stock.scrap"].search([("handoo_route_id", "=", route.id)])
        self.assertEqual(scraps.product_id, self.products[self.codes[0]])
        self.assertEqual(scraps.scrap_qty, 7)
        self.assertEqual(scraps.state, "done")
        self.assertEqual(self.qty(self.codes[0], route.truck_location_id), 0)
        self.assertFalse(route.settlement_difference)

    def test_correction_after_finish_counts(self):
        handy_route = self.create_route()
        route_id = handy_route["id"]
        first = self.handy_orders[0]["id"]
        self.store.accept_route(route_id)
        for order in self.handy_orders:
            self.store.deliver_order(route_id, order["id"], "complete")
        self.store.finish_route(route_id)
        self.sync_routes()
        # The office finds that only 3 of the 4 units were delivered.
        self.store.correct_delivery(route_id, first, {self.codes[0]: 3})
        self.store.close_route(route_id)
        self.sync_routes()

        order = self.order_of(self.handy_orders[0])
        line = order.order_line.filtered(
            lambda line: line.product_id.default_code == self.codes[0]
        )
        self.assertEqual(line.qty_delivered, 3)
        self.assertEqual(line.handoo_delivered_qty, 3)

    def test_order_not_imported_yet_is_fetched(self):
        late = self.store.create_order(
            self.catalog["customers"][0]["code"],
            [{"product": self.codes[1], "quantity": 7}],
        )
        handy_route = self.create_route(orders=[*self.handy_orders, late])
        self.store.accept_route(handy_route["id"])
        self.sync_routes()

        order = self.order_of(late)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.handoo_route_id, self.route_of(handy_route))
        self.assertEqual(order.picking_ids.state, "done")


@tagged("post_install", "-at_install")
class TestRouteSafety(RouteCase):
    def processor(self):
        client = self.env["handoo.sync"]._handoo_client(self.company)
        self.addCleanup(client.close)
        return RouteProcessor(self.env, self.company, client)

    def counts(self, route):
        return {
            "pickings": len(route.picking_ids),
            "done": len(route.picking_ids.filtered(lambda p: p.state == "done")),
            "scraps": self.env["stock.scrap"].search_count(
                [("handoo_route_id", "=", route.id)]
            ),
            "lines": len(route.line_ids),
            "route_sales": len(route.route_sale_ids),
        }

    def test_close_applied_first_does_every_step(self):
        # No event came for the load or the end of the route: the closure's
        # event is the first Odoo hears of the route.
        handy_route = self.full_route()
        data = self.store.get_route(handy_route["id"])
        route = self.processor().sync(data)

        self.assertEqual(route.state, "closed")
        self.assertTrue(route.load_done and route.finish_done and route.close_done)
        self.assertEqual(len(route.route_sale_ids), 1)
        self.assertFalse(route.settlement_difference)

    def test_same_route_ten_times(self):
        handy_route = self.full_route()
        processor = self.processor()
        data = self.store.get_route(handy_route["id"])
        route = processor.sync(data)
        before = self.counts(route)
        for _repeat in range(9):
            processor.sync(self.store.get_route(handy_route["id"]))
        self.assertEqual(self.counts(route), before)
        self.sync_routes()
        self.assertEqual(self.counts(route), before)

    def test_steps_one_by_one_then_repeated(self):
        handy_route = self.create_route()
        route_id = handy_route["id"]
        processor = self.processor()
        self.store.accept_route(route_id)
        route = processor.sync(self.store.get_route(route_id))
        loaded = self.counts(route)
        processor.sync(self.store.get_route(route_id))
        self.assertEqual(self.counts(route), loaded)
        for order in self.handy_orders:
            self.store.deliver_order(route_id, order["id"], "complete")
        self.store.finish_route(route_id)
        processor.sync(self.store.get_route(route_id))
        self.store.close_route(route_id)
        processor.sync(self.store.get_route(route_id))
        closed = self.counts(route)
        processor.sync(self.store.get_route(route_id))
        self.assertEqual(self.counts(route), closed)
        self.assertEqual(route.state, "closed")

    def test_crash_halfway_leaves_nothing(self):
        handy_route = self.create_route()
        self.store.accept_route(handy_route["id"])
        original = RouteProcessor._validate
        calls = []

        def crash_on_second(pickings):
            calls.append(pickings)
            if len(calls) == 2:
                raise RuntimeError("worker killed")
            return original(pickings)

        with patch.object(RouteProcessor, "_validate", staticmethod(crash_on_second)):
            self.sync_routes()
        # The failed step left no transfer and no confirmed order behind.
        self.assertFalse(self.route_of(handy_route).load_done)
        self.assertFalse(
            self.env["stock.picking"].search(
                [
                    ("handoo_route_id", "!=", False),
                    ("company_id", "=", self.company.id),
                ]
            )
        )
        for order in self.handy_orders:
            self.assertEqual(self.order_of(order).state, "draft")
        failure = self.failure_of(f"route:{handy_route['id']}")
        self.assertIn("worker killed", failure.reason)

        self.sync_routes()
        route = self.route_of(handy_route)
        self.assertEqual(route.state, "loaded")
        deliveries = route.picking_ids.filtered(
            lambda picking: picking.handoo_route_role == "delivery"
        )
        self.assertEqual(len(deliveries), 3)
        self.assertEqual(failure.state, "resolved")

    def test_route_not_in_handy_window_untouched(self):
        handy_route = self.create_route()
        self.sync_routes()
        route = self.route_of(handy_route)
        # An open route is recorded, but nothing moves before the load is accepted.
        self.assertEqual(route.state, "new")
        self.assertFalse(route.picking_ids)
        self.assertEqual(self.order_of(self.handy_orders[0]).state, "draft")
