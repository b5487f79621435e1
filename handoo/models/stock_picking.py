from odoo import fields, models
from odoo.exceptions import UserError


class StockPicking(models.Model):
    _inherit = "stock.picking"

    handoo_sale_id = fields.Many2one(
        "sale.order",
        string="Reserved for",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Handy pre-sale order whose stock this transfer reserves.",
    )
    handoo_is_reservation = fields.Boolean(
        related="picking_type_id.handoo_is_reservation"
    )

    def _action_done(self):
        if any(picking.picking_type_id.handoo_is_reservation for picking in self):
            raise UserError(
                self.env._(
                    "A Handy reservation only holds stock until the route is accepted; "
                    "it cannot be validated. Confirm the sale order instead: its "
                    "delivery takes over."
                )
            )
        return super()._action_done()
