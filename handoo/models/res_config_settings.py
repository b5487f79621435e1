import secrets

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..handy_api import HandyClient, HandyError


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    handoo_sync_enabled = fields.Boolean(
        related="company_id.handoo_sync_enabled", readonly=False
    )
    handoo_api_url = fields.Char(related="company_id.handoo_api_url", readonly=False)
    handoo_web_url = fields.Char(related="company_id.handoo_web_url", readonly=False)
    handoo_api_token = fields.Char(
        related="company_id.handoo_api_token",
        readonly=False,
        groups="base.group_system",
    )
    handoo_order_interval = fields.Integer(
        related="company_id.handoo_order_interval", readonly=False
    )
    handoo_warehouse_id = fields.Many2one(
        related="company_id.handoo_warehouse_id", readonly=False
    )
    handoo_pricelist_id = fields.Many2one(
        related="company_id.handoo_pricelist_id", readonly=False
    )

    handoo_webhook_secret = fields.Char(
        related="company_id.handoo_webhook_secret",
        readonly=False,
        groups="base.group_system",
    )
    handoo_webhook_url = fields.Char(
        string="Webhook URL", compute="_compute_handoo_webhook_url"
    )
    handoo_damaged_returns = fields.Selection(
        related="company_id.handoo_damaged_returns", readonly=False
    )
    handoo_lang = fields.Selection(related="company_id.handoo_lang", readonly=False)

    @api.depends("company_id")
    def _compute_handoo_webhook_url(self):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        for settings in self:
            settings.handoo_webhook_url = (
                f"{base_url.rstrip('/')}/handoo/webhook/{settings.company_id.id}"
            )

    def action_handoo_generate_webhook_secret(self):
        """Give the company a new random webhook secret."""
        self.ensure_one()
        self.company_id.sudo().handoo_webhook_secret = secrets.token_urlsafe(32)
        return self._handoo_notify(
            self.env._(
                "A new webhook secret is saved. Give it to Handy with the webhook URL."
            ),
            "success",
        )

    def action_handoo_test_connection(self):
        """Call Handy with the saved settings and say what worked or failed."""
        self.ensure_one()
        company = self.company_id.sudo()
        if not company.handoo_api_url or not company.handoo_api_token:
            raise UserError(
                self.env._(
                    "Enter the Handy API URL and token, then save, before testing."
                )
            )
        try:
            with HandyClient(
                company.handoo_api_url, company.handoo_api_token, retries=1
            ) as client:
                client.get("/user", params={"max": 1})
                details = client.get_company()
        except HandyError as error:
            reason = (
                self.env["handoo.sync.failure"]
                .with_context(handoo_by_hand=True)
                ._handoo_reason(error)
            )
            return self._handoo_notify(
                self.env._("Connection to Handy failed. %(reason)s", reason=reason),
                "danger",
            )
        name = details.get("company") or self.env._("unnamed company")
        currency = details.get("currency") or "?"
        status = details.get("subscriptionStatus") or "?"
        message = self.env._(
            "Connected to Handy. The token works for %(name)s (currency %(currency)s, "
            "subscription %(status)s).",
            name=name,
            currency=currency,
            status=status,
        )
        if currency != company.currency_id.name:
            message += " " + self.env._(
                "Warning: the Odoo company's currency, %(currency)s, differs from "
                "Handy's.",
                currency=company.currency_id.name,
            )
        return self._handoo_notify(message, "success")

    def action_handoo_sync_now(self):
        """Start every Handy job now, in the background."""
        self.env["handoo.sync"]._handoo_trigger_all()
        return self._handoo_notify(
            self.env._("The Handy jobs have started. Follow them in Handy > Sync Log."),
            "info",
        )

    def _handoo_notify(self, message, kind):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Handy"),
                "message": message,
                "type": kind,
                "sticky": kind == "danger",
            },
        }
