from odoo import api, fields, models
from odoo.exceptions import UserError

from ..handy_api import contract, parse_datetime


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "handoo.binding.mixin"]

    _handoo_kind = "order"
    _handoo_resource = contract.SALES_ORDERS

    handoo_status = fields.Selection(
        [
            ("PENDING_DELIVERY", "Pending Delivery"),
            ("ON_ROUTE", "On Route"),
            ("PARTIAL_DELIVERED_OPEN", "Partially Delivered"),
            ("PARTIAL_DELIVERED_CLOSED", "Closed, Partially Delivered"),
            ("DELIVERED_COMPLETE", "Delivered"),
            ("RETURNED", "Returned"),
            ("CLOSED", "Closed"),
        ],
        string="Handy Status",
        readonly=True,
        copy=False,
        help="Operative status of the order in Handy.",
    )
    handoo_sales_type = fields.Char(
        string="Handy Sales Type", readonly=True, copy=False
    )
    handoo_seller_id = fields.Many2one(
        "handoo.seller",
        string="Handy Seller",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    handoo_mobile_date = fields.Datetime(
        string="Taken on the Device", readonly=True, copy=False
    )
    handoo_received_date = fields.Datetime(
        string="Received by Handy", readonly=True, copy=False
    )
    handoo_total = fields.Monetary(string="Handy Total", readonly=True, copy=False)
    handoo_total_tax = fields.Monetary(string="Handy Taxes", readonly=True, copy=False)
    handoo_total_before_tax = fields.Monetary(
        string="Handy Untaxed Total", readonly=True, copy=False
    )
    handoo_total_mismatch = fields.Boolean(
        string="Totals Differ from Handy",
        compute="_compute_handoo_total_mismatch",
        store=True,
    )
    handoo_seller_comment = fields.Text(
        string="Seller Comment", readonly=True, copy=False
    )
    handoo_latitude = fields.Float(
        string="Latitude in Handy", digits=(10, 7), readonly=True, copy=False
    )
    handoo_longitude = fields.Float(
        string="Longitude in Handy", digits=(10, 7), readonly=True, copy=False
    )
    handoo_payload = fields.Text(string="Handy Data", readonly=True, copy=False)
    handoo_edited_from = fields.Char(
        string="Edited from Handy Order",
        readonly=True,
        copy=False,
        help="Handy id of the order version that this one replaces.",
    )
    handoo_replaced_order_id = fields.Many2one(
        "sale.order", string="Replaces Quotation", readonly=True, copy=False
    )
    handoo_replacement_id = fields.Many2one(
        "sale.order", string="Replaced by Quotation", readonly=True, copy=False
    )
    handoo_deleted = fields.Boolean(
        string="Deleted in Handy", readonly=True, copy=False
    )
    handoo_reference_pending = fields.Boolean(
        string="Odoo Reference Not Yet in Handy",
        readonly=True,
        copy=False,
        help="Odoo's id still has to be written on the Handy order (externalId).",
    )
    handoo_reservation_id = fields.Many2one(
        "stock.picking",
        string="Stock Reservation",
        readonly=True,
        copy=False,
        help="Transfer that holds the stock of this pre-sale until its route is "
        "accepted. It is never validated: confirming or cancelling the order "
        "releases it.",
    )
    handoo_reservation_state = fields.Selection(
        [
            ("reserved", "Reserved"),
            ("partial", "Partially Reserved"),
            ("waiting", "Waiting for Stock"),
            ("released", "Released"),
        ],
        string="Reservation",
        compute="_compute_handoo_reservation",
    )
    handoo_reserved_qty = fields.Float(
        string="Reserved Quantity",
        compute="_compute_handoo_reservation",
        digits="Product Unit",
    )
    handoo_demand_qty = fields.Float(
        string="Quantity to Reserve",
        compute="_compute_handoo_reservation",
        digits="Product Unit",
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
            ("presale", "Pre-sale Delivered by the Route"),
            ("route_sale", "Route Sale"),
        ],
        string="Role on the Route",
        readonly=True,
        copy=False,
    )
    handoo_payment_type = fields.Char(
        string="Route Sale Payment",
        readonly=True,
        copy=False,
        help="How the customer pays a sale made from the truck, as Handy reports "
        "it (cash or credit).",
    )

    _handoo_id_unique = models.UniqueIndex(
        "(handoo_company_id, handoo_id) WHERE handoo_id IS NOT NULL",
        "This Handy order is already imported in another sale order of the company.",
    )

    @api.depends("amount_total", "handoo_total", "handoo_id", "state")
    def _compute_handoo_total_mismatch(self):
        for order in self:
            order.handoo_total_mismatch = bool(
                order.handoo_id
                and order.state != "cancel"
                and order.currency_id.compare_amounts(
                    order.amount_total, order.handoo_total
                )
            )

    @api.depends(
        "handoo_reservation_id.state",
        "handoo_reservation_id.move_ids.quantity",
        "handoo_reservation_id.move_ids.product_uom_qty",
    )
    def _compute_handoo_reservation(self):
        for order in self:
            picking = order.handoo_reservation_id
            moves = picking.move_ids.filtered(lambda move: move.state != "cancel")
            order.handoo_demand_qty = sum(moves.mapped("product_uom_qty"))
            order.handoo_reserved_qty = sum(moves.mapped("quantity"))
            if not picking:
                order.handoo_reservation_state = False
            elif picking.state in ("cancel", "done"):
                order.handoo_reservation_state = "released"
            elif picking.state == "assigned" and all(
                move.state == "assigned" for move in moves
            ):
                order.handoo_reservation_state = "reserved"
            elif order.handoo_reserved_qty:
                order.handoo_reservation_state = "partial"
            else:
                order.handoo_reservation_state = "waiting"

    def _handoo_set_status(self, payload):
        """Set the Handy status of ``payload`` unless Odoo has a newer one.

        Returns whether the status changed. A copy of the order read earlier,
        such as one kept by an order job cut short, does not bring back an
        older status when its ``lastUpdated`` is older.
        """
        self.ensure_one()
        status = payload.get("operativeStatus")
        updated = parse_datetime(payload.get("lastUpdated"))
        if not status or status == self.handoo_status:
            return False
        if updated and self.handoo_updated and updated < self.handoo_updated:
            return False
        self.write({"handoo_status": status, "handoo_updated": updated or False})
        return True

    # ------------------------------------------------------------------
    # Reservation
    # ------------------------------------------------------------------

    def _handoo_reserve(self):
        """Create, confirm and reserve the reservation transfer of each order.

        The transfer goes from the warehouse's stock to the customer with the
        Handy reservation operation type. Confirming it reserves the goods, and
        its outgoing demand shows in the forecast like any delivery.
        """
        customer_location = self.env.ref("stock.stock_location_customers")
        orders = self.filtered(
            lambda order: order.handoo_reservation_id.state in (False, "cancel")
        )
        vals_list = []
        reserved_orders = self.browse()
        for order in orders:
            picking_type = order.warehouse_id._handoo_reservation_type()
            source = picking_type.default_location_src_id
            moves = [
                fields.Command.create(
                    {
                        "product_id": line.product_id.id,
                        "product_uom_qty": line.product_uom_qty,
                        "product_uom": line.product_uom_id.id,
                        "location_id": source.id,
                        "location_dest_id": customer_location.id,
                        "company_id": order.company_id.id,
                        "origin": order.name,
                        "partner_id": order.partner_shipping_id.id,
                    }
                )
                for line in order.order_line
                if line.product_id.is_storable and line.product_uom_qty > 0
            ]
            if not moves:
                continue
            vals_list.append(
                {
                    "picking_type_id": picking_type.id,
                    "partner_id": order.partner_shipping_id.id,
                    "origin": order.name,
                    "location_id": source.id,
                    "location_dest_id": customer_location.id,
                    "company_id": order.company_id.id,
                    "scheduled_date": order.commitment_date or fields.Datetime.now(),
                    "handoo_sale_id": order.id,
                    "move_ids": moves,
                }
            )
            reserved_orders |= order
        pickings = (
            self.env["stock.picking"]
            .with_context(tracking_disable=True, mail_create_nolog=True)
            .create(vals_list)
        )
        for order, picking in zip(reserved_orders, pickings, strict=True):
            order.handoo_reservation_id = picking
        # The reservation operation type reserves at confirmation.
        pickings.action_confirm()
        return pickings

    def _handoo_release(self):
        """Cancel the open reservation transfers of these orders."""
        pickings = self.handoo_reservation_id.filtered(
            lambda picking: picking.state not in ("done", "cancel")
        )
        if pickings:
            pickings.with_context(handoo_release=True).action_cancel()
        return pickings

    def _handoo_refresh_reservation(self):
        """Rebuild the reservation of quotations whose lines changed in Odoo."""
        orders = self.filtered(
            lambda order: (
                order.handoo_reservation_id and order.state in ("draft", "sent")
            )
        )
        if orders:
            orders._handoo_release()
            orders._handoo_reserve()

    def write(self, vals):
        result = super().write(vals)
        if "order_line" in vals and not self.env.context.get("handoo_sync"):
            self._handoo_refresh_reservation()
        return result

    def _handoo_check_still_in_handy(self):
        """Raise when one of these orders was deleted or replaced in Handy."""
        removed = self.filtered(
            lambda order: order.handoo_deleted or order.handoo_replacement_id
        )
        if removed:
            order = removed[0]
            if order.handoo_replacement_id:
                message = self.env._(
                    "%(order)s was edited in Handy and replaced by %(new)s; work "
                    "on %(new)s instead.",
                    order=order.name,
                    new=order.handoo_replacement_id.name,
                )
            else:
                message = self.env._(
                    "%(order)s was deleted in Handy and cannot be used again. "
                    "Create a new order if the customer still wants the goods.",
                    order=order.name,
                )
            raise UserError(message)

    def action_draft(self):
        self._handoo_check_still_in_handy()
        return super().action_draft()

    def action_confirm(self):
        self._handoo_check_still_in_handy()
        # The sale now reserves its own stock through its delivery.
        self._handoo_release()
        return super().action_confirm()

    def _action_cancel(self):
        self._handoo_release()
        return super()._action_cancel()

    def action_view_handoo_reservation(self):
        self.ensure_one()
        if not self.handoo_reservation_id:
            raise UserError(self.env._("This order has no stock reservation."))
        return {
            "type": "ir.actions.act_window",
            "res_model": "stock.picking",
            "res_id": self.handoo_reservation_id.id,
            "view_mode": "form",
        }

    def action_handoo_reserve(self):
        """Reserve again the stock of Handy quotations whose reservation is gone."""
        orders = self.filtered(
            lambda order: order.handoo_id and order.state in ("draft", "sent")
        )
        if not orders:
            raise UserError(
                self.env._("Only quotations imported from Handy can be reserved.")
            )
        orders._handoo_release()
        orders._handoo_reserve()
        return True
