from odoo import api, fields, models

from ..handy_api import parse_datetime


class HandooSeller(models.Model):
    """A Handy user who takes orders or drives a route, and the Odoo user behind.

    Sellers are created as orders arrive. The Odoo user is found by login or
    e-mail equal to the Handy username; otherwise an administrator picks one.
    handoo never creates Odoo users, since each one may cost a license.
    """

    _name = "handoo.seller"
    _description = "Handy Seller"
    _order = "name"

    name = fields.Char(required=True)
    username = fields.Char(help="Handy username, usually an e-mail address.")
    handoo_id = fields.Char(string="Handy ID", required=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Odoo Salesperson",
        domain="[('share', '=', False)]",
        help="Odoo user set as salesperson on the orders this seller takes.",
    )
    active = fields.Boolean(default=True)
    handoo_updated = fields.Datetime(string="Updated in Handy", readonly=True)
    truck_location_id = fields.Many2one(
        "stock.location",
        string="Truck",
        readonly=True,
        copy=False,
        help="Stock location of the driver's truck. Each driver has one, so stock "
        "carried from one route to the next stays with the driver.",
    )
    route_count = fields.Integer(compute="_compute_route_count", string="Routes")
    order_count = fields.Integer(compute="_compute_order_count", string="Orders")

    _handoo_id_unique = models.UniqueIndex(
        "(company_id, handoo_id)",
        "This Handy user is already linked to another seller of the company.",
    )

    def _compute_order_count(self):
        counts = dict(
            self.env["sale.order"]._read_group(
                [("handoo_seller_id", "in", self.ids)],
                ["handoo_seller_id"],
                ["__count"],
            )
        )
        for seller in self:
            seller.order_count = counts.get(seller, 0)

    def _compute_route_count(self):
        counts = dict(
            self.env["handoo.route"]._read_group(
                [("driver_id", "in", self.ids)], ["driver_id"], ["__count"]
            )
        )
        for seller in self:
            seller.route_count = counts.get(seller, 0)

    def _handoo_truck_location(self, warehouse):
        """Return the location of the driver's truck, creating it once."""
        self.ensure_one()
        if not self.truck_location_id:
            self.truck_location_id = (
                self.env["stock.location"]
                .sudo()
                .create(
                    {
                        "name": self.name,
                        "usage": "internal",
                        "location_id": warehouse._handoo_trucks_location().id,
                        "company_id": warehouse.company_id.id,
                    }
                )
            )
        return self.truck_location_id

    @api.model
    def _handoo_get_or_create(self, company, data):
        """Return the seller of an embedded Handy user, creating it if new."""
        if not data or not data.get("id"):
            return self.browse()
        seller = self.with_context(active_test=False).search(
            [("company_id", "=", company.id), ("handoo_id", "=", str(data["id"]))],
            limit=1,
        )
        if seller:
            return seller
        username = (data.get("username") or "").strip()
        user = self.env["res.users"]
        if username:
            user = user.search(
                [
                    ("share", "=", False),
                    "|",
                    ("login", "=ilike", username),
                    ("email", "=ilike", username),
                ],
                limit=1,
            )
        return self.create(
            {
                "name": data.get("name") or username or str(data["id"]),
                "username": username,
                "handoo_id": str(data["id"]),
                "company_id": company.id,
                "user_id": user.id,
                "active": data.get("enabled", True) is not False,
                "handoo_updated": parse_datetime(data.get("lastUpdated")),
            }
        )

    def action_view_orders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "handoo.sale_order_action_handoo"
        )
        action["domain"] = [("handoo_seller_id", "=", self.id)]
        return action
