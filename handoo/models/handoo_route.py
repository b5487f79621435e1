from odoo import api, fields, models
from odoo.exceptions import UserError

from ..handy_api import contract

HANDY_ROUTE_STATUSES = [
    ("LOADING_PENDING", "Loading Pending"),
    ("OPEN", "Open"),
    ("LOAD_ACCEPTED", "Load Accepted"),
    ("FINISHED", "Finished"),
    ("CLOSED", "Closed"),
]
# How far a route has gone, to apply the steps in order whatever the events say.
STATUS_RANK = {
    "LOADING_PENDING": 0,
    "OPEN": 0,
    "LOAD_ACCEPTED": 1,
    "FINISHED": 2,
    "CLOSED": 3,
}


class HandooRoute(models.Model):
    """A Handy route: one driver's load for one trip, and its settlement in Odoo.

    handoo applies a route in three steps, each once: the load (when the driver
    accepts it), the route's end (deliveries and sales known) and the closure
    (returns and leftovers). ``load_done``, ``finish_done`` and ``close_done``
    record the steps done, in the same transaction as their stock moves.
    """

    _name = "handoo.route"
    _description = "Handy Route"
    _inherit = ["mail.thread", "handoo.binding.mixin"]
    _order = "date_for_delivery desc, id desc"

    _handoo_kind = "route"
    _handoo_resource = contract.ROUTES

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    driver_id = fields.Many2one("handoo.seller", readonly=True)
    truck_location_id = fields.Many2one(
        "stock.location",
        string="Truck",
        readonly=True,
        help="Stock location of the driver's truck: the load for route sales goes "
        "there, and what is carried to the next route stays there.",
    )
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True)
    date_for_delivery = fields.Date(string="Delivery Date", readonly=True)
    handy_status = fields.Selection(
        HANDY_ROUTE_STATUSES, string="Status in Handy", readonly=True, tracking=True
    )
    state = fields.Selection(
        [
            ("new", "Not Loaded"),
            ("loaded", "Loaded"),
            ("finished", "Finished"),
            ("closed", "Closed"),
        ],
        default="new",
        required=True,
        readonly=True,
        tracking=True,
        help="Last step of the route that Odoo has applied.",
    )
    load_done = fields.Boolean(string="Load Applied", readonly=True, copy=False)
    finish_done = fields.Boolean(string="End Applied", readonly=True, copy=False)
    close_done = fields.Boolean(string="Closure Applied", readonly=True, copy=False)
    date_load_accepted = fields.Datetime(string="Load Accepted", readonly=True)
    date_finished = fields.Datetime(string="Finished on Device", readonly=True)
    date_closed = fields.Datetime(string="Closed", readonly=True)
    next_route_handoo_id = fields.Char(
        string="Next Handy Route",
        readonly=True,
        help="Route created by Handy for the stock carried over on the truck.",
    )
    order_ids = fields.One2many(
        "sale.order",
        "handoo_route_id",
        string="Orders",
        domain=[("handoo_route_role", "=", "presale")],
    )
    route_sale_ids = fields.One2many(
        "sale.order",
        "handoo_route_id",
        string="Route Sales",
        domain=[("handoo_route_role", "=", "route_sale")],
    )
    picking_ids = fields.One2many(
        "stock.picking", "handoo_route_id", string="Transfers"
    )
    line_ids = fields.One2many("handoo.route.line", "route_id", string="Settlement")
    order_count = fields.Integer(compute="_compute_counts")
    route_sale_count = fields.Integer(compute="_compute_counts")
    picking_count = fields.Integer(compute="_compute_counts")
    settlement_difference = fields.Boolean(
        compute="_compute_settlement_difference",
        store=True,
        help="Set when, for some product, what was loaded is not what was "
        "delivered, sold, not delivered and left over.",
    )
    handoo_payload = fields.Text(string="Handy Data", readonly=True)
    initial_amount = fields.Monetary(
        string="Initial Cash", readonly=True, currency_field="currency_id"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    comments = fields.Text(readonly=True)

    _handoo_id_unique = models.UniqueIndex(
        "(handoo_company_id, handoo_id) WHERE handoo_id IS NOT NULL",
        "This Handy route is already in Odoo.",
    )

    @api.depends("handoo_id", "driver_id", "date_for_delivery")
    def _compute_name(self):
        for route in self:
            parts = [self.env._("Route %(id)s", id=route.handoo_id or "?")]
            if route.driver_id:
                parts.append(route.driver_id.name)
            if route.date_for_delivery:
                parts.append(fields.Date.to_string(route.date_for_delivery))
            route.name = " - ".join(parts)

    def _compute_counts(self):
        for route in self:
            route.order_count = len(route.order_ids)
            route.route_sale_count = len(route.route_sale_ids)
            route.picking_count = len(route.picking_ids)

    @api.depends("line_ids.difference")
    def _compute_settlement_difference(self):
        for route in self:
            route.settlement_difference = any(
                line.difference for line in route.line_ids
            )

    def _handoo_prepare_vals(self, company, data):
        return {}

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_view_orders(self):
        return self._handoo_action(
            "sale.order", self.order_ids | self.route_sale_ids, self.env._("Orders")
        )

    def action_view_pickings(self):
        return self._handoo_action(
            "stock.picking", self.picking_ids, self.env._("Transfers")
        )

    def _handoo_action(self, model, records, name):
        self.ensure_one()
        action = {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "domain": [("id", "in", records.ids)],
            "view_mode": "list,form",
            "context": {"create": False},
        }
        if len(records) == 1:
            action.update(view_mode="form", res_id=records.id)
        return action

    def action_handoo_sync(self):
        """Read the route from Handy now and apply what changed."""
        self.ensure_one()
        self.check_access("write")
        if not self.handoo_id:
            raise UserError(self.env._("This route is not linked to Handy."))
        # Applying a route writes stock, settlements and logs the user may not
        # write directly; the access check above decides who may ask for it.
        jobs = self.env["handoo.sync"].sudo()._handoo_for(self.company_id)
        jobs._handoo_sync_route_now(self.sudo())
        return True


class HandooRouteLine(models.Model):
    """Settlement of one product of a route, in the product's unit.

    loaded = delivered + sold on the route + not delivered + leftovers.
    """

    _name = "handoo.route.line"
    _description = "Handy Route Settlement Line"
    _order = "route_id, product_id"

    route_id = fields.Many2one("handoo.route", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="route_id.company_id", store=True)
    product_id = fields.Many2one("product.product", required=True, readonly=True)
    loaded_presale = fields.Float(
        string="Loaded for Orders", digits="Product Unit", readonly=True
    )
    loaded_extra = fields.Float(
        string="Loaded for Sale",
        digits="Product Unit",
        readonly=True,
        help="Stock loaded on the truck to sell on the route, carried-over stock "
        "included.",
    )
    carried_in = fields.Float(
        string="Carried from Last Route", digits="Product Unit", readonly=True
    )
    loaded = fields.Float(compute="_compute_totals", store=True, digits="Product Unit")
    delivered = fields.Float(digits="Product Unit", readonly=True)
    sold = fields.Float(string="Sold on Route", digits="Product Unit", readonly=True)
    returned = fields.Float(
        string="Not Delivered",
        digits="Product Unit",
        readonly=True,
        help="Goods of the orders that came back: refused, partly delivered or "
        "not delivered.",
    )
    left_to_warehouse = fields.Float(
        string="Back to Warehouse", digits="Product Unit", readonly=True
    )
    left_on_truck = fields.Float(
        string="Carried to Next Route", digits="Product Unit", readonly=True
    )
    left_lost = fields.Float(string="Shrinkage", digits="Product Unit", readonly=True)
    unsold = fields.Float(
        compute="_compute_totals",
        store=True,
        digits="Product Unit",
        string="Leftovers",
        help="What was left on the truck at closure, wherever it went.",
    )
    customer_returns = fields.Float(
        digits="Product Unit",
        readonly=True,
        help="Goods customers gave back; they come in addition to the load.",
    )
    customer_returns_damaged = fields.Float(
        string="Damaged Returns", digits="Product Unit", readonly=True
    )
    difference = fields.Float(
        compute="_compute_totals",
        store=True,
        digits="Product Unit",
        help="Loaded minus delivered, sold, not delivered and leftovers. Anything "
        "but zero needs a look.",
    )

    @api.depends(
        "loaded_presale",
        "loaded_extra",
        "delivered",
        "sold",
        "returned",
        "left_to_warehouse",
        "left_on_truck",
        "left_lost",
        "route_id.close_done",
    )
    def _compute_totals(self):
        for line in self:
            line.loaded = line.loaded_presale + line.loaded_extra
            line.unsold = line.left_to_warehouse + line.left_on_truck + line.left_lost
            if not line.route_id.close_done:
                line.difference = 0.0
                continue
            rounding = line.product_id.uom_id.rounding or 0.001
            difference = line.loaded - (
                line.delivered + line.sold + line.returned + line.unsold
            )
            line.difference = 0.0 if abs(difference) < rounding / 2 else difference
