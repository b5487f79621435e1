from odoo import fields, models


class StockPickingType(models.Model):
    _inherit = "stock.picking.type"

    handoo_is_reservation = fields.Boolean(
        string="Handy Reservation",
        readonly=True,
        help="Transfers of this type hold stock for Handy pre-sale orders. They "
        "cannot be validated: confirming or cancelling the order releases them.",
    )
