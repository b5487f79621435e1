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
    handoo_route_id = fields.Many2one(
        "handoo.route",
        string="Handy Route",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    handoo_route_role = fields.Selection(
        [
            ("delivery", "Delivery of a Pre-sale Order"),
            ("load", "Load for Route Sales"),
            ("route_sale", "Route Sale"),
            ("truck_delivery", "Delivery from the Truck beyond the Order"),
            ("undelivered_return", "Return of Goods Not Delivered"),
            ("customer_return", "Customer Return"),
            ("unsold_return", "Unsold Stock Back from the Truck"),
        ],
        string="Role on the Route",
        readonly=True,
        copy=False,
    )
    handoo_order_ref = fields.Char(
        string="Handy Order",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Handy order whose customer return this receipt is.",
    )

    def button_validate(self):
        # Raise before Odoo opens its backorder or text message dialogs.
        self._handoo_check_not_reservation()
        return super().button_validate()

    def _action_done(self):
        self._handoo_check_not_reservation()
        return super()._action_done()

    def _handoo_check_not_reservation(self):
        if any(picking.picking_type_id.handoo_is_reservation for picking in self):
            raise UserError(
                self.env._(
                    "A Handy reservation only holds stock until the route is accepted; "
                    "it cannot be validated. Confirm the sale order instead: its "
                    "delivery takes over."
                )
            )


class StockScrap(models.Model):
    _inherit = "stock.scrap"

    handoo_route_id = fields.Many2one(
        "handoo.route",
        string="Handy Route",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Route whose settlement recorded this loss (shrinkage).",
    )
