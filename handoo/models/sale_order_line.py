from odoo import fields, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    handoo_item_id = fields.Char(string="Handy Item ID", readonly=True, copy=False)
    handoo_is_reward = fields.Boolean(
        string="Handy Reward",
        readonly=True,
        copy=False,
        help="Free goods given by a Handy promotion.",
    )
    handoo_delivered_qty = fields.Float(
        string="Delivered in Handy",
        digits="Product Unit",
        readonly=True,
        copy=False,
        help="Quantity the driver reported delivered.",
    )
