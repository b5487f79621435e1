from odoo import fields, models


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    handoo_reservation_type_id = fields.Many2one(
        "stock.picking.type",
        string="Handy Reservation Type",
        readonly=True,
        copy=False,
        help="Operation type of the transfers that reserve stock for Handy "
        "pre-sale orders.",
    )

    def _handoo_reservation_type(self):
        """Return the warehouse's reservation operation type, creating it once."""
        self.ensure_one()
        if self.handoo_reservation_type_id:
            return self.handoo_reservation_type_id
        picking_type = (
            self.env["stock.picking.type"]
            .sudo()
            .create(
                {
                    "name": self.env._("Handy Pre-sale Reservations"),
                    "code": "outgoing",
                    "sequence_code": "RES",
                    "warehouse_id": self.id,
                    "company_id": self.company_id.id,
                    "default_location_src_id": self.lot_stock_id.id,
                    "default_location_dest_id": self.env.ref(
                        "stock.stock_location_customers"
                    ).id,
                    "reservation_method": "at_confirm",
                    "handoo_is_reservation": True,
                    "sequence": 99,
                }
            )
        )
        self.sudo().handoo_reservation_type_id = picking_type
        return picking_type
