from datetime import timedelta

import psycopg2
from lxml import etree

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import HandooCase


@tagged("post_install", "-at_install")
class TestOrderSync(HandooCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_seller = cls.env["res.users"].create(
            {
                "name": "Vendedora Uno",
                "login": "vendedora.uno@example.com",
                "email": "vendedora.uno@example.com",
                "group_ids": [
                    (6, 0, [cls.env.ref("sales_team.group_sale_salesman").id])
                ],
            }
        )

    def setUp(self):
        super().setUp()
        self.catalog = self.make_catalog(products=3, customers=2)
        self.customer = self.catalog["customers"][0]
        self.products = self.catalog["products"]
        self.seller = self.catalog["seller"]

    def create_order(self, items=None, **fields):
        items = items or [
            {"product": self.products[0]["code"], "quantity": 4},
            {"product": self.products[1]["code"], "quantity": 2},
        ]
        return self.store.create_order(
            self.customer["code"], items, seller_id=self.seller["id"], **fields
        )

    def stock_all(self, quantity=100):
        self.sync_catalogs()
        for template in self.env["product.template"].search(
            [("handoo_company_id", "=", self.company.id)]
        ):
            self.put_in_stock(template.product_variant_id, quantity)

    # ------------------------------------------------------------------
    # Import
    # ------------------------------------------------------------------

    def test_order_becomes_quotation(self):
        handy_order = self.create_order(sellerComment="Entregar temprano")
        self.sync_orders()

        order = self.order_of(handy_order)
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.partner_id.handoo_code, self.customer["code"])
        self.assertEqual(order.warehouse_id, self.warehouse)
        self.assertEqual(len(order.order_line), 2)
        line = order.order_line.filtered(
            lambda line: line.product_id.default_code == self.products[0]["code"]
        )
        self.assertEqual(line.product_uom_qty, 4)
        self.assertEqual(order.handoo_status, "PENDING_DELIVERY")
        self.assertEqual(order.handoo_seller_comment, "Entregar temprano")
        self.assertIn(str(handy_order["id"]), order.origin)
        self.assertEqual(
            order.handoo_url,
            f"{self.sandbox.web_url}/salesOrder/show/{handy_order['id']}",
        )

    def test_totals_match_handy_to_the_cent(self):
        handy_order = self.create_order(
            items=[
                {"product": self.products[0]["code"], "quantity": 3},
                {
                    "product": self.products[1]["code"],
                    "quantity": 7,
                    "discountPercentage": 3,
                },
                {"product": self.products[2]["code"], "quantity": 1.5},
                {"product": self.products[0]["code"], "quantity": 1, "isReward": True},
            ]
        )
        self.sync_orders()

        order = self.order_of(handy_order)
        currency = order.currency_id
        self.assertFalse(
            currency.compare_amounts(order.amount_total, handy_order["totalSales"])
        )
        self.assertFalse(
            currency.compare_amounts(
                order.amount_untaxed, handy_order["totalBeforeTax"]
            )
        )
        self.assertFalse(
            currency.compare_amounts(order.amount_tax, handy_order["totalTax"])
        )
        self.assertFalse(order.handoo_total_mismatch)
        for item in handy_order["items"]:
            line = order.order_line.filtered(
                lambda line, item=item: line.handoo_item_id == str(item["id"])
            )
            self.assertFalse(
                currency.compare_amounts(line.price_total, item["total"]),
                f"{item['product']['code']}: {line.price_total} != {item['total']}",
            )

    def add_mixed_tax_products(self):
        family = self.catalog["family"]["id"]
        return [
            self.store.add_product(
                "ABA-0", "Frijol negro 1 kg", 614.93, family, tax_rate=0
            ),
            self.store.add_product(
                "BOT-8", "Papas 45 g", 21.97, family, tax_rate=16, tax_optional_rate=8
            ),
            self.store.add_product("BEB-16", "Refresco 600 ml", 35.82, family),
        ]

    def mixed_tax_order(self):
        return self.create_order(
            items=[
                {"product": "ABA-0", "quantity": 1},
                {"product": "BOT-8", "quantity": 18},
                {"product": "BEB-16", "quantity": 11},
            ]
        )

    def test_mixed_taxes_match_per_line(self):
        self.add_mixed_tax_products()
        handy_order = self.mixed_tax_order()
        self.sync_orders()

        order = self.order_of(handy_order)
        self.assertEqual(order.amount_total, handy_order["totalSales"])
        self.assertEqual(order.amount_tax, handy_order["totalTax"])
        self.assertFalse(order.handoo_total_mismatch)
        snacks = order.order_line.filtered(
            lambda line: line.product_id.default_code == "BOT-8"
        )
        self.assertEqual(sorted(snacks.tax_ids.mapped("amount")), [8.0, 16.0])

    def test_round_globally_difference_flagged(self):
        # Odoo rounds each tax over the whole order with Round Globally; Handy
        # rounds per line, so this order's total differs by a cent, and shows it.
        self.company.tax_calculation_rounding_method = "round_globally"
        self.add_mixed_tax_products()
        handy_order = self.mixed_tax_order()
        self.sync_orders()

        order = self.order_of(handy_order)
        self.assertNotEqual(order.amount_total, handy_order["totalSales"])
        self.assertAlmostEqual(
            order.amount_total, handy_order["totalSales"], delta=0.011
        )
        self.assertTrue(order.handoo_total_mismatch)
        self.assertEqual(order.handoo_total, handy_order["totalSales"])

    def test_quantity_beyond_odoo_precision_parked(self):
        handy_order = self.create_order(
            items=[{"product": self.products[0]["code"], "quantity": 0.625}]
        )
        self.sync_orders()

        self.assertFalse(self.order_of(handy_order))
        failure = self.failure_of(f"order:{handy_order['id']}")
        self.assertIn("0.625", failure.reason)
        self.assertIn("decimal accuracy", failure.reason)

    def test_discount_and_reward_lines(self):
        handy_order = self.create_order(
            items=[
                {
                    "product": self.products[1]["code"],
                    "quantity": 10,
                    "discountPercentage": 5,
                },
                {"product": self.products[0]["code"], "quantity": 2, "isReward": True},
            ]
        )
        self.sync_orders()

        order = self.order_of(handy_order)
        discounted = order.order_line.filtered(lambda line: not line.handoo_is_reward)
        reward = order.order_line.filtered("handoo_is_reward")
        self.assertEqual(discounted.discount, 5)
        self.assertEqual(discounted.price_unit, self.products[1]["price"])
        self.assertEqual(reward.price_total, 0)
        self.assertEqual(reward.discount, 100)
        self.assertIn("Handy reward", reward.name)

    def test_prices_include_taxes(self):
        handy_order = self.create_order(
            items=[{"product": self.products[0]["code"], "quantity": 1}]
        )
        self.sync_orders()

        line = self.order_of(handy_order).order_line
        self.assertTrue(line.tax_ids)
        self.assertTrue(all(line.tax_ids.mapped("price_include")))
        self.assertEqual(line.tax_ids.mapped("amount"), [16.0])
        self.assertEqual(line.price_total, self.products[0]["price"])

    def test_seller_becomes_salesperson(self):
        handy_order = self.create_order()
        self.sync_orders()

        order = self.order_of(handy_order)
        self.assertEqual(order.handoo_seller_id.handoo_id, str(self.seller["id"]))
        self.assertEqual(order.user_id, self.user_seller)

    def test_unknown_records_fetched_once(self):
        first = self.create_order()
        second = self.create_order()
        self.sync_orders()

        self.assertTrue(self.order_of(first))
        self.assertTrue(self.order_of(second))
        calls = self.requests_made()
        # The customer and the two products are read once, though two orders use them.
        self.assertEqual(calls["GET /customer/{code}"], 1)
        self.assertEqual(calls["GET /product/{code}"], 2)
        # The list carries the orders: none is read on its own.
        self.assertEqual(calls["GET /salesOrder/{id}"], 0)

    def test_known_catalog_needs_no_lookup(self):
        self.sync_catalogs()
        self.store.reset_stats()
        self.create_order()
        self.sync_orders()

        calls = self.requests_made()
        self.assertEqual(calls["GET /customer/{code}"], 0)
        self.assertEqual(calls["GET /product/{code}"], 0)
        self.assertEqual(calls["PUT /salesOrder/{id}"], 1)

    def test_odoo_id_written_back(self):
        handy_order = self.create_order()
        self.sync_orders()

        order = self.order_of(handy_order)
        self.assertEqual(
            self.store.get_order(handy_order["id"])["externalId"], order.id
        )
        self.assertFalse(order.handoo_reference_pending)

    def test_sync_twice_creates_nothing_more(self):
        self.create_order()
        self.create_order()
        self.sync_orders()
        orders = self.handoo_orders()
        self.assertEqual(len(orders), 2)

        self.cursor_of("order_from").last_end = False
        self.sync_orders()
        self.assertEqual(self.handoo_orders(), orders)
        self.assertEqual(self.last_run("order_from").created, 0)
        self.assertEqual(self.last_run("order_from").unchanged, 2)

    def test_late_order_inside_overlap_is_read(self):
        self.create_order()
        self.sync_orders()
        cursor = self.cursor_of("order_from")
        # An order that reached Handy's database with a time before the last pull.
        late = self.create_order(date_created=cursor.last_end - timedelta(minutes=3))
        self.sync_orders()
        self.assertTrue(self.order_of(late))

    def test_duplicate_handy_id_rejected_by_database(self):
        handy_order = self.create_order()
        self.sync_orders()
        order = self.order_of(handy_order)
        with (
            self.assertRaises(psycopg2.errors.UniqueViolation),
            mute_logger("odoo.sql_db"),
            self.cr.savepoint(),
        ):
            order.copy(
                {"handoo_id": order.handoo_id, "handoo_company_id": self.company.id}
            )

    # ------------------------------------------------------------------
    # Reservation
    # ------------------------------------------------------------------

    def test_stock_reserved_for_quotation(self):
        self.stock_all(100)
        handy_order = self.create_order()
        self.sync_orders()

        order = self.order_of(handy_order)
        picking = order.handoo_reservation_id
        self.assertTrue(picking)
        self.assertTrue(picking.picking_type_id.handoo_is_reservation)
        self.assertEqual(picking.state, "assigned")
        self.assertEqual(picking.handoo_sale_id, order)
        self.assertEqual(order.handoo_reservation_state, "reserved")
        self.assertEqual(order.handoo_reserved_qty, 6)
        self.assertFalse(order.picking_ids, "the reservation is not a delivery")
        product = order.order_line[0].product_id
        free = product.with_context(location=self.stock_location.id).free_qty
        self.assertEqual(free, 96)

    def test_short_stock_partially_reserved(self):
        self.sync_catalogs()
        product = self.env["product.product"].search(
            [("default_code", "=", self.products[0]["code"])]
        )
        self.put_in_stock(product, 3)
        handy_order = self.create_order(
            items=[{"product": self.products[0]["code"], "quantity": 5}]
        )
        self.sync_orders()

        order = self.order_of(handy_order)
        self.assertEqual(order.handoo_reservation_state, "partial")
        self.assertEqual(order.handoo_reserved_qty, 3)
        self.assertEqual(order.handoo_demand_qty, 5)

    def test_reservation_cannot_be_validated(self):
        self.stock_all()
        handy_order = self.create_order()
        self.sync_orders()
        order = self.order_of(handy_order)
        with self.assertRaises(UserError):
            order.handoo_reservation_id.button_validate()

    def test_partial_reservation_validate_rejected(self):
        self.stock_all(1)
        handy_order = self.create_order()
        self.sync_orders()
        reservation = self.order_of(handy_order).handoo_reservation_id
        state = reservation.state
        self.assertEqual(self.order_of(handy_order).handoo_reservation_state, "partial")
        # Odoo would otherwise return its "Create Backorder?" dialog.
        with self.assertRaisesRegex(UserError, "cannot be validated"):
            reservation.button_validate()
        self.assertEqual(reservation.state, state)

    def test_reservation_form_hides_validate(self):
        arch = self.env["stock.picking"].get_view(view_type="form")["arch"]
        buttons = etree.fromstring(arch).xpath("//button[@name='button_validate']")
        self.assertEqual(len(buttons), 2)
        for button in buttons:
            self.assertIn("handoo_is_reservation", button.get("invisible"))

    def test_confirm_releases_reservation(self):
        self.stock_all(100)
        handy_order = self.create_order()
        self.sync_orders()
        order = self.order_of(handy_order)
        reservation = order.handoo_reservation_id

        order.action_confirm()
        self.assertEqual(reservation.state, "cancel")
        self.assertEqual(order.handoo_reservation_state, "released")
        delivery = order.picking_ids
        self.assertEqual(len(delivery), 1)
        self.assertEqual(delivery.state, "assigned")
        product = order.order_line[0].product_id
        free = product.with_context(location=self.stock_location.id).free_qty
        self.assertEqual(free, 96, "the delivery reserves what the reservation held")

    def test_reserve_again_by_hand(self):
        self.stock_all(100)
        handy_order = self.create_order()
        self.sync_orders()
        order = self.order_of(handy_order)
        first = order.handoo_reservation_id
        first.action_cancel()
        self.assertEqual(order.handoo_reservation_state, "released")

        order.action_handoo_reserve()
        self.assertNotEqual(order.handoo_reservation_id, first)
        self.assertEqual(order.handoo_reservation_state, "reserved")

    def test_lines_changed_in_odoo_rebuild_reservation(self):
        self.stock_all(100)
        handy_order = self.create_order()
        self.sync_orders()
        order = self.order_of(handy_order)
        first = order.handoo_reservation_id
        order.write(
            {"order_line": [(1, order.order_line[0].id, {"product_uom_qty": 10})]}
        )

        self.assertEqual(first.state, "cancel")
        self.assertNotEqual(order.handoo_reservation_id, first)
        self.assertEqual(order.handoo_demand_qty, 12)

    # ------------------------------------------------------------------
    # Edits and deletions
    # ------------------------------------------------------------------

    def test_edit_replaces_quotation_and_reservation(self):
        self.stock_all(100)
        handy_order = self.create_order()
        self.sync_orders()
        old = self.order_of(handy_order)
        old_reservation = old.handoo_reservation_id

        new_version = self.store.edit_order(
            handy_order["id"],
            [{"product": self.products[2]["code"], "quantity": 9}],
        )
        self.sync_orders()

        new = self.order_of(new_version)
        self.assertEqual(old.state, "cancel")
        self.assertEqual(old_reservation.state, "cancel")
        self.assertEqual(old.handoo_replacement_id, new)
        self.assertEqual(new.handoo_replaced_order_id, old)
        self.assertEqual(new.handoo_edited_from, str(handy_order["id"]))
        self.assertEqual(new.order_line.product_uom_qty, 9)
        self.assertEqual(new.handoo_reservation_state, "reserved")
        self.assertEqual(self.last_run("order_from").replaced, 1)
        self.assertEqual(self.store.get_order(new_version["id"])["externalId"], new.id)

    def test_replaced_or_deleted_quotation_stays_cancelled(self):
        edited, deleted = self.create_order(), self.create_order()
        self.sync_orders()
        replaced = self.order_of(edited)
        removed = self.order_of(deleted)
        self.store.edit_order(
            edited["id"], [{"product": self.products[2]["code"], "quantity": 1}]
        )
        self.store.delete_order(deleted["id"])
        self.sync_orders()

        with self.assertRaisesRegex(UserError, "replaced by"):
            replaced.action_draft()
        with self.assertRaisesRegex(UserError, "deleted in Handy"):
            removed.action_draft()
        with self.assertRaisesRegex(UserError, "deleted in Handy"):
            removed.action_confirm()
        self.assertEqual(replaced.state, "cancel")
        self.assertEqual(removed.state, "cancel")

    def test_edit_twice_before_sync(self):
        handy_order = self.create_order()
        self.sync_orders()
        second = self.store.edit_order(
            handy_order["id"], [{"product": self.products[0]["code"], "quantity": 1}]
        )
        third = self.store.edit_order(
            second["id"], [{"product": self.products[0]["code"], "quantity": 2}]
        )
        self.sync_orders()

        self.assertFalse(self.order_of(second))
        new = self.order_of(third)
        self.assertEqual(new.handoo_replaced_order_id, self.order_of(handy_order))
        self.assertEqual(len(self.handoo_orders(state="draft")), 1)

    def test_return_only_order_makes_no_quotation(self):
        handy_order = self.create_order(
            [{"product": self.products[0]["code"], "quantity": 3, "isReturn": True}]
        )
        self.sync_orders()

        self.assertFalse(self.order_of(handy_order))
        self.assertFalse(self.failure_of(f"order:{handy_order['id']}"))
        self.assertEqual(self.last_run("order_from").state, "done")

    def test_edit_down_to_returns_cancels_quotation(self):
        self.stock_all(100)
        handy_order = self.create_order()
        self.sync_orders()
        old = self.order_of(handy_order)
        reservation = old.handoo_reservation_id

        new_version = self.store.edit_order(
            handy_order["id"],
            [{"product": self.products[0]["code"], "quantity": 2, "isReturn": True}],
        )
        self.sync_orders()

        self.assertFalse(self.order_of(new_version))
        self.assertEqual(old.state, "cancel")
        self.assertEqual(reservation.state, "cancel")
        self.assertIn("only takes goods back", old.message_ids[:1].body)

    def test_delete_cancels_quotation_and_reservation(self):
        self.stock_all(100)
        handy_order = self.create_order()
        self.sync_orders()
        order = self.order_of(handy_order)
        reservation = order.handoo_reservation_id

        self.store.delete_order(handy_order["id"])
        self.sync_orders()

        self.assertEqual(order.state, "cancel")
        self.assertTrue(order.handoo_deleted)
        self.assertEqual(reservation.state, "cancel")
        self.assertEqual(self.last_run("order_from").cancelled, 1)

    def test_delete_of_confirmed_order_is_parked(self):
        handy_order = self.create_order()
        self.sync_orders()
        order = self.order_of(handy_order)
        order.action_confirm()

        self.store.delete_order(handy_order["id"])
        self.sync_orders()

        self.assertEqual(order.state, "sale")
        failure = self.failure_of(f"order:{handy_order['id']}")
        self.assertEqual(failure.state, "to_retry")
        self.assertIn(order.name, failure.reason)

    # ------------------------------------------------------------------
    # Failures
    # ------------------------------------------------------------------

    def test_bad_order_parked_and_batch_goes_on(self):
        good = self.create_order()
        bad = self.create_order(items=[{"product": "DESCONTINUADO-1", "quantity": 1}])
        also_good = self.create_order()
        self.sync_orders()

        self.assertTrue(self.order_of(good))
        self.assertTrue(self.order_of(also_good))
        self.assertFalse(self.order_of(bad))
        failure = self.failure_of(f"order:{bad['id']}")
        self.assertEqual(failure.state, "to_retry")
        self.assertEqual(failure.kind, "order")
        self.assertIn("DESCONTINUADO-1", failure.reason)
        self.assertIn("Handy has no product with code", failure.reason)
        self.assertIn(str(bad["id"]), failure.payload)
        self.assertGreater(failure.next_retry, failure.last_attempt)
        run = self.last_run("order_from")
        self.assertEqual(run.state, "warning")
        self.assertEqual(run.failed, 1)
        self.assertEqual(run.created, 2)

    def test_retry_job_imports_fixed_order(self):
        bad = self.create_order(items=[{"product": "NUEVO-1", "quantity": 2}])
        self.sync_orders()
        failure = self.failure_of(f"order:{bad['id']}")
        self.assertEqual(failure.attempts, 1)

        # Not due yet: the retry job leaves it alone.
        self.run_job("ir_cron_handoo_retry_orders")
        self.assertEqual(failure.attempts, 1)

        # Still failing when due: one more attempt, a longer wait.
        failure.next_retry = failure.last_attempt - timedelta(seconds=1)
        first_delay = failure.next_retry
        self.run_job("ir_cron_handoo_retry_orders")
        self.assertEqual(failure.attempts, 2)
        self.assertEqual(failure.state, "to_retry")
        self.assertGreater(
            failure.next_retry - failure.last_attempt, timedelta(minutes=9)
        )
        self.assertNotEqual(failure.next_retry, first_delay)

        # Fixed in Handy: the next due retry imports it.
        self.store.add_product(
            "NUEVO-1", "Producto nuevo", 23.2, self.catalog["family"]["id"]
        )
        failure.next_retry = failure.last_attempt - timedelta(seconds=1)
        self.run_job("ir_cron_handoo_retry_orders")
        self.assertEqual(failure.state, "resolved")
        order = self.order_of(bad)
        self.assertTrue(order)
        self.assertEqual(failure.res_id, order.id)
        self.assertEqual(self.store.get_order(bad["id"])["externalId"], order.id)

    def test_retry_button_imports_fixed_order(self):
        bad = self.create_order(items=[{"product": "NUEVO-2", "quantity": 2}])
        self.sync_orders()
        failure = self.failure_of(f"order:{bad['id']}")
        result = failure.action_retry()
        self.assertEqual(result["params"]["type"], "warning")
        self.assertEqual(failure.state, "to_retry")

        self.store.add_product(
            "NUEVO-2", "Producto nuevo", 23.2, self.catalog["family"]["id"]
        )
        result = failure.action_retry()
        self.assertEqual(result["params"]["type"], "success")
        self.assertEqual(failure.state, "resolved")
        self.assertTrue(self.order_of(bad))

    def test_handy_down_fails_run_without_losing_orders(self):
        handy_order = self.create_order()
        self.sandbox.faults.add("server_error", count=50, status=503)
        self.sync_orders()

        run = self.last_run("order_from")
        self.assertEqual(run.state, "failed")
        self.assertIn("503", run.message)
        cursor = self.cursor_of("order_from")
        self.assertFalse(cursor.last_end, "the window is read again next time")

        self.sandbox.faults.clear()
        self.sync_orders()
        self.assertTrue(self.order_of(handy_order))

    def test_reference_write_back_retried(self):
        handy_order = self.create_order()
        self.sandbox.faults.add(
            "server_error", count=20, path="/salesOrder/", status=502
        )
        self.sync_orders()
        order = self.order_of(handy_order)
        self.assertTrue(order)
        self.assertTrue(order.handoo_reference_pending)
        self.assertIsNone(self.store.get_order(handy_order["id"])["externalId"])

        failure = self.env["handoo.sync.failure"].search(
            [("key", "=", f"order_reference:{handy_order['id']}")]
        )
        self.assertEqual(failure.state, "to_retry")

        self.sandbox.faults.clear()
        self.run_job("ir_cron_handoo_retry_orders")
        self.assertTrue(
            order.handoo_reference_pending, "the retry waits for its time to come"
        )
        failure.next_retry = fields.Datetime.now() - timedelta(minutes=1)
        self.run_job("ir_cron_handoo_retry_orders")
        self.assertEqual(failure.state, "resolved")
        self.assertFalse(order.handoo_reference_pending)
        self.assertEqual(
            self.store.get_order(handy_order["id"])["externalId"], order.id
        )
