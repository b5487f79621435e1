import logging

from odoo.exceptions import AccessError, ValidationError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import tagged

from .common import SANDBOX_TOKEN, HandooCase


@tagged("post_install", "-at_install")
class TestSettings(HandooCase):
    def settings(self):
        return self.env["res.config.settings"].create({})

    def test_connection_ok(self):
        self.store.set_company(company="Distribuidora del Bajío", currency="MXN")
        result = self.settings().action_handoo_test_connection()
        params = result["params"]
        self.assertEqual(params["type"], "success")
        self.assertIn("Distribuidora del Bajío", params["message"])

    def test_connection_wrong_token(self):
        self.company.sudo().handoo_api_token = "not-the-token"
        result = self.settings().action_handoo_test_connection()
        self.assertEqual(result["params"]["type"], "danger")
        self.assertIn("rejected the API token", result["params"]["message"])
        self.assertNotIn("..", result["params"]["message"])

    def test_pasted_token_trimmed(self):
        self.company.handoo_api_token = f" {SANDBOX_TOKEN}\u200b\n"
        self.assertEqual(self.company.handoo_api_token, SANDBOX_TOKEN)
        result = self.settings().action_handoo_test_connection()
        self.assertEqual(result["params"]["type"], "success")

    def test_token_with_space_rejected(self):
        with self.assertRaisesRegex(ValidationError, "no spaces"):
            self.company.handoo_api_token = "abc def"

    def test_malformed_stored_token_fails_cleanly(self):
        # A token saved before the check existed, or written in SQL.
        bad_token = "secret-token\u200bend"
        self.env.cr.execute(
            "UPDATE res_company SET handoo_api_token = %s WHERE id = %s",
            [bad_token, self.company.id],
        )
        self.env.invalidate_all()
        result = self.settings().action_handoo_test_connection()
        self.assertEqual(result["params"]["type"], "danger")
        self.assertIn("not plain ASCII", result["params"]["message"])

        with self.assertLogs("odoo.addons.handoo", logging.INFO) as logs:
            self.run_job("ir_cron_handoo_sync_from_zones")
        run = self.last_run("zone_from")
        self.assertEqual(run.state, "failed")
        self.assertIn("not plain ASCII", run.message)
        self.assertNotIn("secret-token", run.message)
        self.assertNotIn("secret-token", "\n".join(logs.output))

    def test_connection_unreachable(self):
        self.company.handoo_api_url = "http://127.0.0.1:9/api/v2"
        result = self.settings().action_handoo_test_connection()
        self.assertEqual(result["params"]["type"], "danger")
        self.assertIn("No answer from Handy", result["params"]["message"])

    def test_connection_html_error_page(self):
        self.sandbox.faults.add("html_error", count=5)
        result = self.settings().action_handoo_test_connection()
        self.assertEqual(result["params"]["type"], "danger")
        self.assertIn("HTML", result["params"]["message"])

    def test_interval_changes_order_job(self):
        cron = self.env.ref("handoo.ir_cron_handoo_sync_from_orders")
        self.assertEqual(cron.interval_number, 15)
        settings = self.settings()
        settings.handoo_order_interval = 5
        settings.execute()
        self.assertEqual(cron.interval_number, 5)
        self.assertEqual(cron.interval_type, "minutes")

    def test_token_hidden_from_non_admins(self):
        manager = self.env["res.users"].create(
            {
                "name": "Sales Manager",
                "login": "handoo-sales-manager",
                "group_ids": [
                    (6, 0, [self.env.ref("sales_team.group_sale_manager").id])
                ],
            }
        )
        with self.assertRaises(AccessError):
            _token = self.company.with_user(manager).handoo_api_token

    def test_neutralize_blanks_token(self):
        queries = get_neutralization_queries(["handoo"])
        self.assertTrue(queries)
        for query in queries:
            self.env.cr.execute(query)
        self.env.invalidate_all()
        self.assertFalse(self.company.sudo().handoo_api_token)
        self.assertFalse(self.company.handoo_sync_enabled)

    def test_job_names_grouped_by_prefix(self):
        crons = self.env["ir.cron"].search(
            [("ir_actions_server_id.model_id.model", "=", "handoo.sync")]
        )
        names = crons.mapped("name")
        self.assertEqual(len(names), 12)
        for name in names:
            self.assertTrue(
                name.startswith(("HANDY SYNC FROM ", "HANDY SYNC TO ", "HANDY TOOLS ")),
                name,
            )
        self.assertIn("HANDY TOOLS Retry failed orders", names)
        self.assertIn("HANDY SYNC FROM Orders", names)
        self.assertIn("HANDY SYNC FROM Routes", names)
        self.assertIn("HANDY TOOLS Process webhook events", names)

    def test_logs_one_line_per_call_without_token(self):
        self.make_catalog(products=1, customers=1)
        with self.assertLogs("odoo.addons.handoo", level=logging.INFO) as logs:
            self.sync_catalogs()
        calls = [line for line in logs.output if "Handy GET" in line]
        self.assertEqual(len(calls), sum(self.requests_made().values()))
        for line in logs.output:
            self.assertNotIn(SANDBOX_TOKEN, line)
            self.assertNotIn("Authorization", line)
        batches = [line for line in logs.output if " pull for " in line]
        self.assertEqual(len(batches), 4)
