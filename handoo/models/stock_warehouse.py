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

    handoo_trucks_location_id = fields.Many2one(
        "stock.location",
        string="Handy Trucks",
        readonly=True,
        copy=False,
        help="Parent of the locations that stand for the drivers' trucks.",
    )
    handoo_damaged_location_id = fields.Many2one(
        "stock.location",
        string="Damaged Returns",
        readonly=True,
        copy=False,
        help="Where customer returns that cannot be sold again are received. It is "
        "outside the warehouse's stock location, so nothing is reserved from it.",
    )

    def _handoo_trucks_location(self):
        """Return the warehouse's parent location of trucks, creating it once."""
        self.ensure_one()
        if not self.handoo_trucks_location_id:
            self.sudo().handoo_trucks_location_id = self._handoo_location(
                self.env._("Trucks"), "view"
            )
        return self.handoo_trucks_location_id

    def _handoo_damaged_location(self):
        """Return the warehouse's location of damaged returns, creating it once."""
        self.ensure_one()
        if not self.handoo_damaged_location_id:
            self.sudo().handoo_damaged_location_id = self._handoo_location(
                self.env._("Damaged Returns"), "internal"
            )
        return self.handoo_damaged_location_id

    def _handoo_location(self, name, usage):
        return (
            self.env["stock.location"]
            .sudo()
            .create(
                {
                    "name": name,
                    "usage": usage,
                    "location_id": self.view_location_id.id,
                    "company_id": self.company_id.id,
                }
            )
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
