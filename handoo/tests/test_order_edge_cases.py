import logging
from collections import Counter
from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.tests import tagged

from ..handy_api import HandyClient, contract
from ..models.order_importer import OrderImporter
from .common import HandooCase

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestOrderEdgeCases(HandooCase):
    def setUp(self):
        super().setUp()
        self.catalog = self.make_catalog(products=3, customers=2)
        self.customer = self.catalog["customers"][0]
        self.products = self.catalog["products"]
        self.seller = self.catalog["seller"]

    def create_order(self, items=None, customer=None, **fields):
        items = items or [
            {"product": self.products[0]["code"], "quantity": 4},
            {"product": self.products[1]["code"], "quantity": 2},
        ]
        return self.store.create_order(
            (customer or self.customer)["code"],
            items,
            seller_id=self.seller["id"],
            **fields,
        )

    def make_due(self, failure):
        failure.next_retry = failure.last_attempt - timedelta(seconds=1)

    def test_failed_order_deleted_in_handy_failure_closes(self):
        bad = self.create_order(items=[{"product": "NOEXISTE-1", "quantity": 1}])
        self.sync_orders()
        failure = self.failure_of(f"order:{bad['id']}")
        self.assertEqual(failure.state, "to_retry")
        self.store.delete_order(bad["id"])
        self.sync_orders()
        self.make_due(failure)
        self.run_job("ir_cron_handoo_retry_orders")
        self.run_job("ir_cron_handoo_retry_orders")
        self.assertNotEqual(
            failure.state,
            "to_retry",
            "the order is deleted in Handy, yet its failure stays open and is "
            "retried at every run",
        )

    def test_failed_order_edited_in_handy_failure_closes(self):
        bad = self.create_order(items=[{"product": "NOEXISTE-2", "quantity": 1}])
        self.sync_orders()
        failure = self.failure_of(f"order:{bad['id']}")
        new = self.store.edit_order(
            bad["id"], [{"product": self.products[0]["code"], "quantity": 1}]
        )
        self.sync_orders()
        self.assertTrue(self.order_of(new))
        self.make_due(failure)
        self.run_job("ir_cron_handoo_retry_orders")
        self.assertNotEqual(
            failure.state,
            "to_retry",
            "the failed version was replaced in Handy and its new version imported, "
            "yet the old failure stays open",
        )

    def test_cancelled_order_keeps_total_mismatch_flag(self):
        self.sync_catalogs()
        handy_order = self.create_order()
        self.sync_orders()
        order = self.order_of(handy_order)
        # Simulate a difference as Round Globally or a Handy rounding would make.
        order.handoo_total = order.amount_total + 0.01
        self.assertTrue(order.handoo_total_mismatch)
        self.store.delete_order(handy_order["id"])
        self.sync_orders()
        self.assertEqual(order.state, "cancel")
        self.assertFalse(
            order.handoo_total_mismatch,
            "a cancelled (deleted in Handy) order still shows 'Totals differ'",
        )

    def test_edit_chain_and_delete_same_batch(self):
        self.sync_catalogs()
        first = self.create_order()
        self.sync_orders()
        original = self.order_of(first)
        second = self.store.edit_order(
            first["id"], [{"product": self.products[0]["code"], "quantity": 7}]
        )
        third = self.store.edit_order(
            second["id"], [{"product": self.products[1]["code"], "quantity": 3}]
        )
        self.store.delete_order(third["id"])
        self.sync_orders()
        self.assertEqual(original.state, "cancel")
        self.assertFalse(self.order_of(second))
        self.assertFalse(
            self.handoo_orders().filtered(lambda o: o.state != "cancel"),
            "an order edited twice and then deleted left a live quotation",
        )

    def test_edit_then_new_version_deleted(self):
        self.sync_catalogs()
        first = self.create_order()
        self.sync_orders()
        original = self.order_of(first)
        second = self.store.edit_order(
            first["id"], [{"product": self.products[0]["code"], "quantity": 7}]
        )
        self.sync_orders()
        replacement = self.order_of(second)
        self.assertEqual(original.state, "cancel")
        self.store.delete_order(second["id"])
        self.sync_orders()
        self.assertEqual(replacement.state, "cancel")

    def test_huge_quantity_and_unicode_names(self):
        long_name = "Ñandú 🍺 " + "x" * 300
        zone = self.catalog["zone"]
        self.store.add_customer("CLI-ÑÑ", long_name[:255], zone["id"])
        self.store.add_product(
            "PROD-ÑÑ", long_name[:255], 11.6, self.catalog["family"]["id"]
        )
        self.sync_catalogs()
        handy_order = self.store.create_order(
            "CLI-ÑÑ",
            [{"product": "PROD-ÑÑ", "quantity": 10**9}],
            seller_id=self.seller["id"],
        )
        self.sync_orders()
        order = self.order_of(handy_order)
        self.assertTrue(order, self.failure_of(f"order:{handy_order['id']}").reason)
        self.assertEqual(order.order_line.product_uom_qty, 10**9)
        self.assertFalse(order.handoo_total_mismatch)

    def test_same_product_twice_reservation(self):
        self.sync_catalogs()
        code = self.products[0]["code"]
        handy_order = self.create_order(
            items=[
                {"product": code, "quantity": 4},
                {"product": code, "quantity": 6},
                {"product": code, "quantity": 1, "isReward": True},
            ]
        )
        self.sync_orders()
        order = self.order_of(handy_order)
        self.assertEqual(len(order.order_line), 3)
        self.assertEqual(order.handoo_demand_qty, 11)
        self.assertFalse(order.handoo_total_mismatch)
        self.assertEqual(order.amount_total, handy_order["totalSales"])

    def test_reward_only_order(self):
        self.sync_catalogs()
        handy_order = self.create_order(
            items=[
                {"product": self.products[0]["code"], "quantity": 2, "isReward": True}
            ]
        )
        self.sync_orders()
        order = self.order_of(handy_order)
        self.assertTrue(order, self.failure_of(f"order:{handy_order['id']}").reason)
        self.assertEqual(order.amount_total, 0)

    def test_order_of_disabled_customer_and_product(self):
        self.sync_catalogs()
        handy_order = self.create_order()
        self.store.update_customer(self.customer["code"], enabled=False)
        self.store.update_product(self.products[0]["code"], enabled=False)
        self.sync_catalogs()
        self.sync_orders()
        order = self.order_of(handy_order)
        failure = self.failure_of(f"order:{handy_order['id']}")
        self.assertTrue(order or failure)
        if failure:
            self.assertNotIn("Traceback", failure.reason)

    def test_faults_mid_batch(self):
        self.sync_catalogs()
        orders = [self.create_order() for _i in range(5)]
        self.sandbox.faults.add("rate_limit", count=3, path="/salesOrder")
        self.sandbox.faults.add("html_error", count=1, path="/salesOrder")
        self.sandbox.faults.add("malformed_json", count=1, path="/salesOrder")
        self.sync_orders()
        run = self.last_run("order_from")
        self.assertEqual(run.state, "failed")
        self.sandbox.faults.clear()
        self.sync_orders()
        self.assertEqual(len(self.handoo_orders()), 5)
        for handy_order in orders:
            self.assertEqual(len(self.order_of(handy_order)), 1)

    def test_older_copy_keeps_newer_status(self):
        handy_order = self.create_order()
        self.sync_orders()
        order = self.order_of(handy_order)
        order.write(
            {"handoo_status": "ON_ROUTE", "handoo_updated": "2030-01-01 00:00:00"}
        )
        with self.env["handoo.sync"]._handoo_client(self.company) as client:
            payload = client.get_record(contract.SALES_ORDERS, handy_order["id"])
        self.assertEqual(payload["operativeStatus"], "PENDING_DELIVERY")

        self.assertFalse(order._handoo_set_status(payload))
        self.assertEqual(order.handoo_status, "ON_ROUTE")

        payload["lastUpdated"] = "2030-01-02T00:00:00Z"
        self.assertTrue(order._handoo_set_status(payload))
        self.assertEqual(order.handoo_status, "PENDING_DELIVERY")

    def test_invalid_orders_parked(self):
        good, odd_customer, odd_history = (self.create_order() for _index in range(3))
        with self.env["handoo.sync"]._handoo_client(self.company) as client:
            payloads = [
                client.get_record(contract.SALES_ORDERS, order["id"])
                for order in (good, odd_customer, odd_history)
            ]
            payloads[1]["customer"] = payloads[1]["customer"]["code"]
            payloads[2]["editedFrom"] = "900001"
            importer = OrderImporter(self.env, self.company, client, Counter())
            importer.import_batch(payloads)

        self.assertTrue(self.order_of(good))
        self.assertFalse(self.order_of(odd_customer))
        self.assertIn(
            "customer is not an object",
            self.failure_of(f"order:{odd_customer['id']}").reason,
        )
        self.assertIn(
            "edited from in a form handoo cannot read",
            self.failure_of(f"order:{odd_history['id']}").reason,
        )

    def test_failing_batch_imported_order_by_order(self):
        handy_orders = [self.create_order() for _index in range(3)]
        original = OrderImporter._reserve

        def reserve_one_at_most(importer, created):
            if len(created) > 1:
                raise RuntimeError("unforeseen failure of a whole batch")
            return original(importer, created)

        with patch.object(OrderImporter, "_reserve", reserve_one_at_most):
            self.sync_orders()

        for handy_order in handy_orders:
            self.assertEqual(self.order_of(handy_order).state, "draft")
        self.assertEqual(self.last_run("order_from").created, 3)
        self.assertEqual(self.last_run("order_from").state, "done")

    def test_discount_with_three_decimals_keeps_total(self):
        self.sync_catalogs()
        product = self.env["product.product"].search(
            [("default_code", "=", self.products[0]["code"])]
        )
        # Handy's total of 12 x 1,099.00 at 33.333 %, computed on the exact
        # percentage: 8,792.04. Odoo keeps two decimals of a discount.
        item = {
            "price": 732.66,
            "originalPrice": 1099.0,
            "discountPercentage": 33.333,
            "total": 8792.04,
        }
        with self.env["handoo.sync"]._handoo_client(self.company) as client:
            importer = OrderImporter(self.env, self.company, client, Counter())
            price_unit, discount = importer._price_and_discount(item, 12)
        order = self.env["sale.order"].create(
            {
                "partner_id": self.env["res.partner"].create({"name": "Tienda"}).id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": 12,
                            "price_unit": price_unit,
                            "discount": discount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        self.assertEqual(order.order_line.price_total, 8792.04)

    def test_nul_in_order_text_dropped(self):
        handy_order = self.create_order(sellerComment="Entregar\u0000 temprano")
        other = self.create_order()
        self.sync_orders()

        self.assertEqual(self.order_of(handy_order).note, "<p>Entregar temprano</p>")
        self.assertTrue(self.order_of(other))
        self.assertEqual(self.last_run("order_from").state, "done")

    def test_invalid_list_entries_reported(self):
        good = self.create_order()
        # One window to read, so the live list is read once.
        self.env["handoo.sync.cursor"]._handoo_get(
            self.company, "order_from"
        ).last_end = fields.Datetime.now() - timedelta(minutes=30)
        fetch_all = HandyClient.fetch_all

        def with_odd_entries(client, resource, params=None, **options):
            records = fetch_all(client, resource, params, **options)
            if (params or {}).get("deleted") == "false":
                # The sandbox serves only valid orders, so the invalid entries
                # are added to its response here.
                records += ["not an order", {"folio": 7}]
            return records

        with patch.object(HandyClient, "fetch_all", with_odd_entries):
            self.sync_orders()

        self.assertTrue(self.order_of(good))
        run = self.last_run("order_from")
        self.assertEqual(run.failed, 2)
        self.assertEqual(run.state, "warning")
        self.assertIn("2 entries of Handy's order lists", run.message)
