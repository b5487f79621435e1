from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.sql_db import db_connect
from odoo.tests import tagged

from ..models import handoo_sync
from .common import HandooCase


@tagged("post_install", "-at_install")
class TestJobs(HandooCase):
    def setUp(self):
        super().setUp()
        self.catalog = self.make_catalog(products=2, customers=1)

    def cursor_of_orders(self):
        return self.env["handoo.sync.cursor"]._handoo_get(self.company, "order_from")

    def create_orders(self, count):
        return [
            self.store.create_order(
                self.catalog["customers"][0]["code"],
                [{"product": self.catalog["products"][0]["code"], "quantity": 1}],
            )
            for _index in range(count)
        ]

    def test_run_now_while_running_is_refused(self):
        cron = self.env.ref("handoo.ir_cron_handoo_sync_from_orders")
        # Another worker holds the job, as the cron runner does while it runs it.
        with db_connect(self.env.cr.dbname).cursor() as other:
            other.execute("SET lock_timeout = '5s'")
            other.execute("SELECT id FROM ir_cron WHERE id = %s FOR UPDATE", [cron.id])
            with self.assertRaises(UserError), self.enter_registry_test_mode():
                cron.method_direct_trigger()
        self.assertFalse(self.handoo_orders())

    def test_job_out_of_time_goes_on_next_call(self):
        handy_orders = self.create_orders(7)
        # Each call has no time: it stops after one batch of two orders and the
        # cron runner calls it again until the window is read.
        with (
            patch.object(handoo_sync, "ORDER_BATCH", 2),
            patch("odoo.addons.base.models.ir_cron.MIN_TIME_PER_JOB", 0),
        ):
            self.sync_orders()

        orders = self.handoo_orders()
        self.assertEqual(len(orders), 7)
        self.assertEqual(
            sorted(orders.mapped("handoo_id")),
            sorted(str(order["id"]) for order in handy_orders),
        )
        runs = self.env["handoo.sync.run"].search(
            [("job", "=", "order_from"), ("company_id", "=", self.company.id)]
        )
        self.assertGreater(len(runs), 1)
        self.assertEqual(sum(runs.mapped("created")), 7)
        self.assertTrue(self.cursor_of("order_from").last_end)

    def test_job_out_of_time_reads_lists_once(self):
        self.create_orders(7)
        self.cursor_of_orders().last_end = fields.Datetime.now() - timedelta(hours=1)
        with (
            patch.object(handoo_sync, "ORDER_BATCH", 2),
            patch("odoo.addons.base.models.ir_cron.MIN_TIME_PER_JOB", 0),
        ):
            self.sync_orders()

        self.assertEqual(len(self.handoo_orders()), 7)
        # Four calls read the window's two lists (live orders and deletions)
        # once. The last call may also read the few seconds since then.
        self.assertLessEqual(self.requests_made()["GET /salesOrder"], 4)
        self.assertEqual(self.requests_made()["GET /salesOrder/{id}"], 0)
        # Every request Handy served is counted on a run, write-backs included.
        runs = self.env["handoo.sync.run"].search(
            [("job", "=", "order_from"), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(
            sum(runs.mapped("http_requests")), self.requests_made().total()
        )

    def test_cut_short_window_kept_on_cursor(self):
        handy_orders = self.create_orders(5)
        jobs = self.env["handoo.sync"]
        with (
            patch.object(handoo_sync, "ORDER_BATCH", 2),
            patch.object(type(jobs), "_handoo_commit", lambda *args, **kwargs: 0),
        ):
            self.assertFalse(jobs._handoo_pull_orders(self.company))

        cursor = self.cursor_of("order_from")
        # The first day of the two-day first window was empty and is done.
        self.assertEqual(cursor.stage_start, cursor.last_end)
        self.assertTrue(cursor.stage_end)
        self.assertEqual(cursor.stage_total, 5)
        self.assertEqual(cursor.stage_done, 2)
        self.assertEqual(len(self.handoo_orders()), 2)

        # An order created after the lists were read comes with a later
        # window: this call's, if the clock has reached the next second, or
        # else the next pull's.
        late = self.create_orders(1)[0]
        self.assertTrue(jobs._handoo_pull_orders(self.company))

        imported = set(self.handoo_orders().mapped("handoo_id"))
        self.assertLessEqual({str(order["id"]) for order in handy_orders}, imported)
        self.assertFalse(cursor.stage_end)
        self.assertFalse(cursor.stage_payloads)
        self.assertTrue(cursor.last_end)

        self.assertTrue(jobs._handoo_pull_orders(self.company))
        self.assertIn(str(late["id"]), self.handoo_orders().mapped("handoo_id"))
        self.assertEqual(len(self.handoo_orders()), 6)

    def test_cursor_moved_by_hand_drops_kept_window(self):
        self.create_orders(3)
        jobs = self.env["handoo.sync"]
        with (
            patch.object(handoo_sync, "ORDER_BATCH", 1),
            patch.object(type(jobs), "_handoo_commit", lambda *args, **kwargs: 0),
        ):
            jobs._handoo_pull_orders(self.company)
        cursor = self.cursor_of("order_from")
        self.assertTrue(cursor.stage_end)

        cursor.last_end = "2026-01-01 00:00:00"

        self.assertFalse(cursor.stage_end)
        self.assertFalse(cursor.stage_payloads)
        self.assertEqual(cursor.stage_done, 0)

    def test_crashed_run_closed_as_interrupted(self):
        stale = self.env["handoo.sync.run"].create(
            {"company_id": self.company.id, "job": "order_from"}
        )
        self.sync_orders()
        self.assertEqual(stale.state, "interrupted")
        self.assertEqual(self.last_run("order_from").state, "done")

    def test_run_logs_counts_and_duration(self):
        self.create_orders(3)
        self.sync_orders()
        run = self.last_run("order_from")
        self.assertEqual(run.fetched, 3)
        self.assertEqual(run.created, 3)
        self.assertEqual(run.failed, 0)
        self.assertEqual(run.direction, "from")
        self.assertTrue(run.ended_at)
        self.assertGreaterEqual(run.duration, 0)
        self.assertGreater(run.http_requests, 3)
        self.assertTrue(run.window_start < run.window_end)
        self.assertTrue(run.display_name.startswith("Orders from Handy ("))

    def test_disabled_company_not_synced(self):
        self.create_orders(1)
        self.company.handoo_sync_enabled = False
        self.sync_orders()
        self.assertFalse(self.handoo_orders())
        self.assertFalse(self.last_run("order_from"))

    def test_sync_now_triggers_every_job(self):
        triggers = self.env["ir.cron.trigger"]
        before = triggers.search_count([])
        self.env["res.config.settings"].create({}).action_handoo_sync_now()
        self.assertEqual(triggers.search_count([]) - before, 12)
