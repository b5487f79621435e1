import unicodedata

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..handy_api import contract, token_is_well_formed


def _trimmed_token(token):
    """Strip what copying a token often adds at its ends: spaces, line breaks,
    and invisible characters such as a zero-width space."""
    if not token:
        return token

    def invisible(char):
        return char.isspace() or unicodedata.category(char) == "Cf"

    start, end = 0, len(token)
    while start < end and invisible(token[start]):
        start += 1
    while end > start and invisible(token[end - 1]):
        end -= 1
    return token[start:end] or False


class ResCompany(models.Model):
    _inherit = "res.company"

    handoo_sync_enabled = fields.Boolean(
        string="Sync with Handy",
        help="Run the scheduled Handy jobs for this company.",
    )
    handoo_api_url = fields.Char(
        string="Handy API URL",
        default=contract.DEFAULT_API_URL,
        help="Root of Handy's REST API v2.",
    )
    handoo_web_url = fields.Char(
        string="Handy Web App URL",
        default=contract.DEFAULT_WEB_URL,
        help="Address of Handy's web app, used by the Open in Handy links.",
    )
    handoo_api_token = fields.Char(
        string="Handy API Token",
        groups="base.group_system",
        copy=False,
        help="Token of a Handy company administrator (Handy web app: Users, edit "
        "the user, generate token).",
    )
    handoo_order_interval = fields.Integer(
        string="Order Sync Interval",
        default=15,
        help="Minutes between two imports of orders from Handy.",
    )
    handoo_warehouse_id = fields.Many2one(
        "stock.warehouse",
        string="Handy Warehouse",
        domain="[('company_id', '=', id)]",
        help="Warehouse that delivers Handy orders and holds their reservations.",
    )
    handoo_pricelist_id = fields.Many2one(
        "product.pricelist",
        string="Handy Pricelist",
        domain="[('company_id', 'in', [id, False])]",
        help="Pricelist set on quotations imported from Handy. The prices of the "
        "lines are Handy's own.",
    )

    handoo_webhook_secret = fields.Char(
        string="Handy Webhook Secret",
        groups="base.group_system",
        copy=False,
        help="Shared with Handy: it signs each route event Handy sends to Odoo.",
    )
    handoo_damaged_returns = fields.Selection(
        [
            ("marked", "Only Returns Handy Marks as Damaged"),
            ("all", "Every Customer Return"),
        ],
        string="Damaged Returns",
        default="marked",
        required=True,
        help="Which customer returns are received apart from sellable stock.",
    )
    handoo_lang = fields.Selection(
        selection="_handoo_lang_selection",
        string="Handy Language",
        help="Language of the product names exchanged with Handy, and of the "
        "route names, notes and failure reasons that the Handy jobs write. Empty: "
        "the administrator's language.",
    )

    _handoo_order_interval_positive = models.Constraint(
        "CHECK (handoo_order_interval IS NULL OR handoo_order_interval > 0)",
        "The Handy order sync interval must be at least one minute.",
    )

    @api.constrains("handoo_api_token")
    def _check_handoo_api_token(self):
        for company in self.sudo():
            token = company.handoo_api_token
            if token and not token_is_well_formed(token):
                raise ValidationError(
                    self.env._(
                        "The Handy API token can only hold letters, digits and "
                        "punctuation, with no spaces. Copy it again from Handy's "
                        "web app."
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("handoo_api_token"):
                vals["handoo_api_token"] = _trimmed_token(vals["handoo_api_token"])
        companies = super().create(vals_list)
        if any("handoo_order_interval" in vals for vals in vals_list):
            self.env["handoo.sync"]._handoo_update_order_cron()
        return companies

    def write(self, vals):
        if vals.get("handoo_api_token"):
            vals = dict(vals, handoo_api_token=_trimmed_token(vals["handoo_api_token"]))
        result = super().write(vals)
        if {"handoo_order_interval", "handoo_sync_enabled"} & set(vals):
            self.env["handoo.sync"]._handoo_update_order_cron()
        return result

    @api.model
    def _handoo_lang_selection(self):
        return self.env["res.lang"].get_installed()

    def _handoo_lang(self):
        """Return the language the Handy jobs of this company work in.

        Scheduled jobs run as OdooBot, whose language is rarely that of the
        people who read what the jobs write. So the company's Handy language is
        used, or else the administrator's.
        """
        self.ensure_one()
        langs = self.env["res.lang"]
        admin = self.env.ref("base.user_admin", raise_if_not_found=False)
        for code in (self.sudo().handoo_lang, admin and admin.sudo().lang):
            if code and langs._get_code(code):
                return code
        return "en_US"

    def _handoo_is_configured(self):
        """Whether the company has everything a sync needs."""
        self.ensure_one()
        company = self.sudo()
        return bool(company.handoo_api_url and company.handoo_api_token)

    def _handoo_warehouse(self):
        """Return the warehouse of Handy orders: the chosen one or the first."""
        self.ensure_one()
        return self.handoo_warehouse_id or self.env["stock.warehouse"].search(
            [("company_id", "=", self.id)], limit=1
        )
