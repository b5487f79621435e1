"""Application of Handy routes to Odoo's stock: load, end of route, closure."""

import json
import logging
from collections import Counter, defaultdict

from odoo import fields
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero

from ..handy_api import contract, parse_datetime
from .handoo_route import STATUS_RANK
from .order_importer import OrderImporter, _versions

_logger = logging.getLogger(__name__)

PRESALE = "presale"
ROUTE_SALE = "route_sale"


class RouteProcessor:
    """Brings Odoo's copy of a Handy route to the state Handy reports.

    A route is applied in three steps, in this order and each once, whatever the
    events that announced it: the load, the end of the route, the closure. Each
    step runs in a savepoint and records itself on the route with its stock
    moves, so a step that fails leaves nothing behind and is done again later,
    and a step done is never done twice. The route's row is locked while it is
    applied, so two workers never apply the same route at once.
    """

    def __init__(self, env, company, client, stats=None, run=None):
        self.env = env
        self.company = company
        self.client = client
        self.stats = stats if stats is not None else Counter()
        self.run = run
        self.warehouse = company._handoo_warehouse()
        self.importer = OrderImporter(env, company, client, Counter(), run)
        self.qty_digits = env["decimal.precision"].precision_get("Product Unit")
        self._source = ""

    # ------------------------------------------------------------------
    # Route
    # ------------------------------------------------------------------

    def sync(self, data):
        """Apply a Handy route, as read from Handy; return the Odoo route."""
        self._source = self.env._("Handy route %(id)s", id=data["id"])
        route = self._route(data)
        # Another worker applying the same route holds this lock: this one
        # fails with LockError and its event is retried later.
        route.lock_for_update()
        self._update_header(route, data)
        rank = STATUS_RANK.get(data.get("status"), 0)
        if not (
            (rank >= 1 and not route.load_done)
            or (rank >= 2 and not route.finish_done)
            or (rank >= 3 and not route.close_done)
        ):
            return route
        orders = self._read_orders(data)
        if rank >= 1 and not route.load_done:
            with self.env.cr.savepoint():
                self._load(route, data, orders)
        if rank >= 2 and not route.finish_done:
            with self.env.cr.savepoint():
                self._finish(route, orders)
        if rank >= 3 and not route.close_done:
            with self.env.cr.savepoint():
                self._close(route, data, orders)
        return route

    def _route(self, data):
        routes = self.env["handoo.route"]
        route = routes._handoo_find(self.company, [data["id"]]).get(str(data["id"]))
        if route:
            return route
        driver = self.env["handoo.seller"]._handoo_get_or_create(
            self.company, data.get("user")
        )
        if not driver:
            raise UserError(
                self.env._(
                    "Handy route %(id)s has no driver. Assign one in Handy, then "
                    "retry.",
                    id=data["id"],
                )
            )
        self.stats["created"] += 1
        return routes.create(
            {
                "handoo_id": str(data["id"]),
                "handoo_company_id": self.company.id,
                "company_id": self.company.id,
                "driver_id": driver.id,
                "warehouse_id": self.warehouse.id,
                "truck_location_id": driver._handoo_truck_location(self.warehouse).id,
            }
        )

    def _update_header(self, route, data):
        delivery_day = data.get("dateForDelivery")
        route.write(
            {
                "handy_status": data.get("status") or False,
                "date_for_delivery": delivery_day[:10] if delivery_day else False,
                "date_load_accepted": parse_datetime(data.get("dateLoadAccepted")),
                "date_finished": parse_datetime(data.get("dateFinished")),
                "date_closed": parse_datetime(data.get("dateClosed")),
                "next_route_handoo_id": str(data["nextRouteId"])
                if data.get("nextRouteId")
                else False,
                "initial_amount": data.get("initialAmount") or 0.0,
                "comments": data.get("comments") or False,
                "handoo_updated": parse_datetime(data.get("lastUpdated")),
                "handoo_last_sync": fields.Datetime.now(),
                "handoo_payload": json.dumps(data, ensure_ascii=False, indent=2),
            }
        )

    def _read_orders(self, data):
        """Read every order of the route from Handy: ``{handy id: payload}``.

        Handy's route lists only the orders' ids, and its order list has no
        filter by route, so each order is read on its own. Each payload is also
        indexed under the ids of the versions it was edited from, since Odoo's
        order may carry the id of an earlier version.
        """
        orders = {}
        self.versions = {}
        for order_id in data.get("salesOrders") or []:
            payload = self.client.get_record(contract.SALES_ORDERS, order_id)
            orders[str(payload["id"])] = payload
            for version in _versions(payload):
                self.versions.setdefault(str(version["id"]), payload)
        return orders

    def _payload_of(self, order):
        """Return Handy's current data of an Odoo order, reading it if needed."""
        payload = self.versions.get(order.handoo_id)
        if payload is None:
            payload = self.client.get_record(contract.SALES_ORDERS, order.handoo_id)
            self.versions[order.handoo_id] = payload
        return payload

    @staticmethod
    def _sells_something(payload):
        return any(not item.get("isReturn") for item in payload.get("items") or [])

    # ------------------------------------------------------------------
    # Step 1: the driver accepts the load
    # ------------------------------------------------------------------

    def _load(self, route, data, orders):
        """Confirm the route's pre-sale orders, deliver them, and load the truck.

        Each order's delivery (WH/OUT) is validated for what was ordered: the
        goods leave the warehouse now, and what is not delivered comes back at
        the route's closure. The stock for selling on the route leaves in one
        more delivery, to the driver's truck.
        """
        # Orders that only take goods back have nothing to load; the closure
        # receives their returns.
        presales = {
            key: payload
            for key, payload in orders.items()
            if payload.get("salesType") != contract.SALES_TYPE_ROUTE
            and not payload.get("deleted")
            and self._sells_something(payload)
        }
        sale_orders = self._presale_orders(presales)
        sale_orders.write({"handoo_route_id": route.id, "handoo_route_role": PRESALE})
        # A delivery validated by hand before the route counts as the route's.
        sale_orders.picking_ids.filtered(
            lambda picking: (
                picking.state == "done"
                and picking.picking_type_code == "outgoing"
                and not picking.handoo_route_id
            )
        ).write({"handoo_route_id": route.id, "handoo_route_role": "delivery"})
        to_confirm = sale_orders.filtered(
            lambda order: order.state in ("draft", "sent")
        )
        if to_confirm:
            to_confirm.action_confirm()
        for order in sale_orders:
            order._handoo_set_status(self._payload_of(order))
        # Orders confirmed earlier and sent back by a previous route have no
        # delivery left: ask for one again.
        without_delivery = sale_orders.filtered(
            lambda order: not self._open_deliveries(order)
        )
        without_delivery.order_line._action_launch_stock_rule()
        deliveries = self.env["stock.picking"]
        for order in sale_orders:
            deliveries |= self._open_deliveries(order)
        deliveries.write({"handoo_route_id": route.id, "handoo_route_role": "delivery"})
        self._validate(deliveries)

        load = self._load_quantities(data)
        load_picking = self._picking(
            route,
            "load",
            self.warehouse.out_type_id,
            self.warehouse.lot_stock_id,
            route.truck_location_id,
            load,
        )
        self._validate(load_picking)
        route.write({"load_done": True, "state": "loaded"})
        route.message_post(
            body=self.env._(
                "Load accepted in Handy: %(orders)s orders confirmed and delivered, "
                "and %(load)s products loaded on the truck to sell on the route.",
                orders=len(sale_orders),
                load=len(load),
            )
        )
        self.stats["updated"] += 1

    def _presale_orders(self, presales):
        """Return the sale orders of these Handy orders, importing any missing."""
        found = self.env["sale.order"]._handoo_find(self.company, list(self.versions))
        sale_orders = {}
        missing = []
        for key, payload in presales.items():
            order = next(
                (
                    found[str(version["id"])]
                    for version in _versions(payload)
                    if str(version["id"]) in found
                    and found[str(version["id"])].state != "cancel"
                ),
                None,
            ) or found.get(key)
            if order:
                sale_orders[key] = order
            else:
                missing.append(payload)
        if missing:
            done = self.importer.import_batch(missing)
            for payload in missing:
                order = done.get(f"order:{payload['id']}")
                if not order:
                    failure = self.env["handoo.sync.failure"].search(
                        [
                            ("company_id", "=", self.company.id),
                            ("key", "=", f"order:{payload['id']}"),
                            ("state", "=", "to_retry"),
                        ],
                        limit=1,
                    )
                    raise UserError(
                        self.env._(
                            "Order %(id)s of the route could not be imported: "
                            "%(reason)s",
                            id=payload["id"],
                            reason=failure.reason or "?",
                        )
                    )
                sale_orders[str(payload["id"])] = order
        result = self.env["sale.order"]
        for order in sale_orders.values():
            if order.state == "cancel":
                raise UserError(
                    self.env._(
                        "Order %(order)s of the route is cancelled in Odoo. Set it "
                        "back to quotation, or take it off the route in Handy, then "
                        "retry.",
                        order=order.name,
                    )
                )
            result |= order
        return result

    def _load_quantities(self, data):
        """Return ``{product: quantity}`` to move from the warehouse to the truck.

        Stock carried over from the driver's previous route is on the truck
        already, so only the rest of the load leaves the warehouse.
        """
        loaded = self._product_quantities(data.get("products"))
        carried = self._product_quantities(data.get("carriedOver"))
        return {
            product: quantity - carried.get(product, 0.0)
            for product, quantity in loaded.items()
            if float_compare(
                quantity, carried.get(product, 0.0), precision_digits=self.qty_digits
            )
            > 0
        }

    def _product_quantities(self, lines):
        quantities = defaultdict(float)
        for line in lines or []:
            product = self.importer._product(line.get("product"), self._source)
            quantities[product] += float(line.get("quantity") or 0.0)
        return dict(quantities)

    # ------------------------------------------------------------------
    # Step 2: the driver finishes the route on the device
    # ------------------------------------------------------------------

    def _finish(self, route, orders):
        """Record the deliveries, and book the sales made from the truck."""
        self._import_route_sales(route, orders)
        self._record_deliveries(route, orders)
        route.write({"finish_done": True, "state": "finished"})
        route.message_post(
            body=self.env._(
                "Route finished on the device: %(sales)s sales from the truck.",
                sales=len(
                    route.route_sale_ids.filtered(lambda sale: sale.state != "cancel")
                ),
            )
        )

    def _import_route_sales(self, route, orders):
        """Create, confirm and deliver from the truck each new route sale.

        A route sale edited in Handy since it was booked replaces its earlier
        version, and one deleted in Handy is undone: see ``_undo_route_sales``.
        """
        route_sales = [
            payload
            for payload in orders.values()
            if payload.get("salesType") == contract.SALES_TYPE_ROUTE
        ]
        known = self.env["sale.order"]._handoo_find(
            self.company,
            [
                version["id"]
                for payload in route_sales
                for version in _versions(payload)
            ],
        )
        superseded = self.env["sale.order"]
        for payload in route_sales:
            current = str(payload["id"])
            for version in _versions(payload):
                order = known.get(str(version["id"]))
                stale = str(version["id"]) != current or payload.get("deleted")
                if order and stale and order.state != "cancel":
                    superseded |= order
        self._undo_route_sales(route, superseded)
        created = self.env["sale.order"]
        for payload in route_sales:
            if str(payload["id"]) in known or payload.get("deleted"):
                continue
            if not any(not item.get("isReturn") for item in payload.get("items") or []):
                # Only goods given back: nothing to sell, the closure receives them.
                continue
            vals = self.importer._order_vals(payload)
            vals.update(
                {
                    "handoo_route_id": route.id,
                    "handoo_route_role": ROUTE_SALE,
                    "handoo_payment_type": payload.get("routeSalePaymentType") or False,
                }
            )
            created |= self.importer.orders.create(vals)
        if not created:
            return
        created.action_confirm()
        deliveries = created.picking_ids.filtered(
            lambda picking: picking.state not in ("done", "cancel")
        )
        # Route sales leave from the truck, not from the warehouse.
        deliveries.do_unreserve()
        deliveries.write(
            {
                "location_id": route.truck_location_id.id,
                "handoo_route_id": route.id,
                "handoo_route_role": "route_sale",
            }
        )
        deliveries.move_ids.write({"location_id": route.truck_location_id.id})
        self._validate(deliveries)
        self.stats["created"] += len(created)

    def _undo_route_sales(self, route, sales):
        """Put the goods of these route sales back on the truck; cancel them.

        Each sale's delivery from the truck is returned to the truck, so its
        delivered quantity drops to zero, then the order is cancelled with a
        note naming the Handy order that replaced it, if any.
        """
        if not sales:
            return
        receipts = self.env["stock.picking"]
        for picking in sales.picking_ids.filtered(
            lambda picking: (
                picking.state == "done" and picking.picking_type_code == "outgoing"
            )
        ):
            quantities = {
                move: self._unreturned(move)
                for move in picking.move_ids.filtered(lambda move: move.state == "done")
            }
            quantities = {
                move: quantity
                for move, quantity in quantities.items()
                if float_compare(quantity, 0.0, precision_digits=self.qty_digits) > 0
            }
            if not quantities:
                continue
            receipt = self._return(route, picking, quantities, role="route_sale")
            # The goods never left the truck: they go back to it, not to the
            # warehouse where Odoo sends returns of deliveries.
            receipt.location_dest_id = route.truck_location_id
            receipt.move_line_ids.location_dest_id = route.truck_location_id
            receipts |= receipt
        self._validate(receipts)
        sales.filtered("locked").action_unlock()
        sales.action_cancel()
        for sale in sales:
            replacement = self.versions.get(sale.handoo_id)
            if replacement and not replacement.get("deleted"):
                body = self.env._(
                    "Edited in Handy before the route closed: replaced by Handy "
                    "order %(id)s. Its goods went back to the truck.",
                    id=replacement["id"],
                )
            else:
                body = self.env._(
                    "Deleted in Handy before the route closed. Its goods went back "
                    "to the truck."
                )
            sale.message_post(body=body)
        self.stats["updated"] += len(sales)

    def _record_deliveries(self, route, orders):
        """Keep Handy's delivered quantities and status on each pre-sale order.

        Quantities are matched by product rather than by Handy line, because an
        order edited in Handy after its load has new line ids.
        """
        for order in route.order_ids:
            payload = self._payload_of(order)
            remaining = self._delivered_by_product(payload)
            lines = order.order_line.filtered(lambda line: line.product_id)
            last_line = {line.product_id: line for line in lines}
            for line in lines:
                product = line.product_id
                quantity = remaining.get(product, 0.0)
                if line != last_line[product]:
                    quantity = min(line.product_uom_qty, quantity)
                remaining[product] = remaining.get(product, 0.0) - quantity
                if line.handoo_delivered_qty != quantity:
                    line.handoo_delivered_qty = quantity
            order._handoo_set_status(payload)

    def _delivered_by_product(self, payload):
        """Return ``{product: quantity delivered}`` of a Handy order's sold lines."""
        delivered = defaultdict(float)
        source = self.env._("Handy order %(id)s", id=payload["id"])
        for item in payload.get("items") or []:
            if item.get("isReturn"):
                continue
            product = self.importer._product(item.get("product"), source)
            delivered[product] += float(item.get("delivered") or 0.0)
        return delivered

    # ------------------------------------------------------------------
    # Step 3: the office closes the route
    # ------------------------------------------------------------------

    def _close(self, route, data, orders):
        """Receive what came back, and settle the route product by product.

        Read at closure, Handy's figures include the corrections the office made
        after the driver finished the route.
        """
        self._import_route_sales(route, orders)
        self._record_deliveries(route, orders)
        returned = self._return_undelivered(route, orders)
        customer_returns = self._receive_customer_returns(route, orders)
        leftovers = self._settle_leftovers(route, data)
        self._write_settlement(
            route, data, orders, returned, customer_returns, leftovers
        )
        route.write({"close_done": True, "state": "closed"})
        body = self.env._("Route closed in Handy: returns received, route settled.")
        if route.settlement_difference:
            body = self.env._(
                "Route closed in Handy: returns received. The settlement does not "
                "balance for some products; see the Settlement tab."
            )
        route.message_post(body=body)
        self.stats["updated"] += 1

    def _return_undelivered(self, route, orders):
        """Bring each order's delivered quantity in Odoo to what Handy reports.

        What this route's deliveries took out beyond Handy's delivered quantity
        comes back as a return of that delivery (WH/IN), so the order's delivered
        quantity becomes Handy's. The comparison is made on the whole order, so
        an order loaded on two routes, or delivered by hand, is counted once.
        When Handy reports more delivered than Odoo's deliveries show (the order
        went out again on a route loaded before this one closed), the missing
        quantity is delivered now. Returns ``{product: quantity returned}``.
        """
        returned = defaultdict(float)
        receipts = self.env["stock.picking"]
        deliveries = route.picking_ids.filtered(
            lambda picking: (
                picking.handoo_route_role == "delivery" and picking.state == "done"
            )
        )
        for order in deliveries.sale_id | route.order_ids:
            excess = self._delivered_excess(order)
            to_return = {}
            for move in deliveries.filtered(
                lambda picking, order=order: picking.sale_id == order
            ).move_ids.filtered(lambda move: move.state == "done"):
                product = move.product_id
                back = min(excess.get(product, 0.0), self._unreturned(move))
                if float_compare(back, 0.0, precision_digits=self.qty_digits) > 0:
                    to_return[move] = back
                    excess[product] -= back
                    returned[product] += back
            for picking in {move.picking_id for move in to_return}:
                receipts |= self._return(
                    route,
                    picking,
                    {m: q for m, q in to_return.items() if m.picking_id == picking},
                )
            missing = {
                product: -quantity
                for product, quantity in excess.items()
                if float_compare(quantity, 0.0, precision_digits=self.qty_digits) < 0
            }
            if missing and order.handoo_route_id == route:
                self._deliver_missing(route, order, missing)
                beyond = {
                    product: -quantity
                    for product, quantity in self._delivered_excess(order).items()
                    if float_compare(quantity, 0.0, precision_digits=self.qty_digits)
                    < 0
                }
                if beyond:
                    self._deliver_beyond_order(route, order, beyond)
        self._validate(receipts)
        return dict(returned)

    def _deliver_beyond_order(self, route, order, beyond):
        """Add to a confirmed order what Handy delivered beyond its lines.

        This happens when the order is edited in Handy after its load, or its
        lines were lowered in Odoo before it. The driver then handed over more
        than the order's delivery carried, taken from the truck's stock. The
        difference is added at Handy's price and delivered from the truck, so
        the order, the truck and the settlement agree.
        """
        payload = self._payload_of(order)
        # Reward lines stay free: the extra quantity goes to reward lines for
        # what Handy's reward deliveries exceed Odoo's, and to paid lines for
        # the rest.
        paid_items, reward_items = {}, {}
        reward_gap = defaultdict(float)
        for item in payload.get("items") or []:
            if item.get("isReturn"):
                continue
            product = self.importer._product(item.get("product"), order.name)
            if item.get("isReward"):
                reward_items.setdefault(product, item)
                reward_gap[product] += float(item.get("delivered") or 0.0)
            else:
                paid_items.setdefault(product, item)
        for line in order.order_line.filtered("handoo_is_reward"):
            reward_gap[line.product_id] -= line.qty_delivered
        lines = []
        for product, quantity in beyond.items():
            reward = min(quantity, max(reward_gap[product], 0.0))
            for part, item in (
                (quantity - reward, paid_items.get(product)),
                (reward, reward_items.get(product)),
            ):
                if float_compare(part, 0.0, precision_digits=self.qty_digits) <= 0:
                    continue
                if item:
                    vals = self.importer._line_vals(item, payload["id"])
                else:
                    vals = {"product_id": product.id, "price_unit": 0.0}
                vals["product_uom_qty"] = part
                lines.append(fields.Command.create(vals))
        before = order.picking_ids
        locked = order.locked
        if locked:
            order.action_unlock()
        order.with_context(handoo_sync=True).write({"order_line": lines})
        if locked:
            order.action_lock()
        deliveries = (order.picking_ids - before).filtered(
            lambda picking: picking.state not in ("done", "cancel")
        )
        deliveries.do_unreserve()
        deliveries.write(
            {
                "location_id": route.truck_location_id.id,
                "handoo_route_id": route.id,
                "handoo_route_role": "truck_delivery",
            }
        )
        deliveries.move_ids.write({"location_id": route.truck_location_id.id})
        self._validate(deliveries)
        order.message_post(
            body=self.env._(
                "Handy reports more delivered than this order held in Odoo: "
                "%(products)s added to the order and delivered from the truck of "
                "%(route)s.",
                products=", ".join(
                    f"{quantity:g} × {product.display_name}"
                    for product, quantity in beyond.items()
                ),
                route=route.name,
            )
        )

    def _delivered_excess(self, order):
        """Return ``{product: Odoo's delivered minus Handy's}`` for an order."""
        handy = self._delivered_by_product(self._payload_of(order))
        excess = defaultdict(float)
        for line in order.order_line.filtered(lambda line: line.product_id):
            excess[line.product_id] += line.qty_delivered
        for product, quantity in handy.items():
            excess[product] -= quantity
        return excess

    @staticmethod
    def _unreturned(move):
        """Return what a done delivery move took out and no return brought back."""
        returns = move.returned_move_ids.filtered(lambda back: back.state == "done")
        return move.quantity - sum(returns.mapped("quantity"))

    def _deliver_missing(self, route, order, missing):
        """Deliver now the quantities Handy reports delivered that Odoo did not."""
        before = order.picking_ids
        order.order_line._action_launch_stock_rule()
        pickings = (order.picking_ids - before).filtered(
            lambda picking: picking.picking_type_code == "outgoing"
        )
        pickings.write({"handoo_route_id": route.id, "handoo_route_role": "delivery"})
        remaining = dict(missing)
        for move in pickings.move_ids:
            quantity = min(move.product_uom_qty, remaining.get(move.product_id, 0.0))
            remaining[move.product_id] = remaining.get(move.product_id, 0.0) - quantity
            move.quantity = quantity
        pickings.move_ids.picked = True
        pickings.with_context(cancel_backorder=True, skip_sms=True)._action_done()

    def _return(self, route, picking, quantities, role="undelivered_return"):
        """Create the return of a delivery for ``{move: quantity}``; return it."""
        wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=picking.id, active_model="stock.picking")
            .create({"picking_id": picking.id})
        )
        for line in wizard.product_return_moves:
            line.quantity = quantities.get(line.move_id, 0.0)
        receipt = wizard._create_return()
        receipt.write({"handoo_route_id": route.id, "handoo_route_role": role})
        return receipt

    def _receive_customer_returns(self, route, orders):
        """Receive the goods customers gave back, apart when damaged.

        A return line counts for what the driver took back (its ``delivered``
        quantity): nothing when the visit did not happen. What earlier routes
        already received for the same Handy order is not received again.
        Returns ``{product: (quantity, damaged quantity)}``.
        """
        damaged_everything = self.company.handoo_damaged_returns == "all"
        customers = self.env.ref("stock.stock_location_customers")
        damaged_location = self.warehouse._handoo_damaged_location()
        received = defaultdict(lambda: [0.0, 0.0])
        for payload in orders.values():
            returns = [
                item for item in payload.get("items") or [] if item.get("isReturn")
            ]
            if not returns or payload.get("deleted"):
                continue
            source = self.env._("Handy order %(id)s", id=payload["id"])
            wanted = defaultdict(float)
            for item in returns:
                product = self.importer._product(item.get("product"), source)
                damaged = damaged_everything or (
                    item.get("returnCondition") == contract.RETURN_DAMAGED
                )
                taken = item.get("delivered")
                quantity = float(item.get("quantity") if taken is None else taken)
                destination = (
                    damaged_location if damaged else self.warehouse.lot_stock_id
                )
                wanted[(destination, product)] += quantity
            references = [str(version["id"]) for version in _versions(payload)]
            earlier = self.env["stock.picking"].search(
                [
                    ("company_id", "=", self.company.id),
                    ("handoo_route_role", "=", "customer_return"),
                    ("handoo_order_ref", "in", references),
                    ("state", "=", "done"),
                ]
            )
            for move in earlier.move_ids.filtered(lambda move: move.state == "done"):
                wanted[(move.location_dest_id, move.product_id)] -= move.quantity
            by_destination = defaultdict(dict)
            for (destination, product), quantity in wanted.items():
                if float_compare(quantity, 0.0, precision_digits=self.qty_digits) > 0:
                    by_destination[destination][product] = quantity
                    received[product][0] += quantity
                    if destination == damaged_location:
                        received[product][1] += quantity
            if not by_destination:
                continue
            partner = self.importer._partner(payload.get("customer"), payload["id"])
            for destination, quantities in by_destination.items():
                receipt = self._picking(
                    route,
                    "customer_return",
                    self.warehouse.in_type_id,
                    customers,
                    destination,
                    quantities,
                    partner=partner,
                    origin=self.env._("Handy %(id)s (returns)", id=payload["id"]),
                )
                receipt.handoo_order_ref = str(payload["id"])
                self._validate(receipt)
        return {product: tuple(figures) for product, figures in received.items()}

    def _settle_leftovers(self, route, data):
        """Send what was left on the truck where the settlement says.

        Back to the warehouse: one receipt from the truck. Carried to the next
        route: nothing moves, the goods stay in the truck's location. Shrinkage:
        scrapped from the truck. Returns ``{product: [warehouse, truck, lost]}``.
        """
        leftovers = defaultdict(lambda: [0.0, 0.0, 0.0])
        index = {
            contract.ROUTE_SETTLEMENT_TO_WAREHOUSE: 0,
            contract.ROUTE_SETTLEMENT_CARRIED: 1,
            contract.ROUTE_SETTLEMENT_LOST: 2,
        }
        for line in data.get("settlement") or []:
            destination = line.get("destination")
            if destination not in index:
                raise UserError(
                    self.env._(
                        "Handy route %(id)s sends leftovers to '%(where)s', a "
                        "destination handoo does not support. Update handoo, then "
                        "retry.",
                        id=data["id"],
                        where=destination,
                    )
                )
            product = self.importer._product(line.get("product"), self._source)
            leftovers[product][index[destination]] += float(line.get("quantity") or 0.0)
        back = {
            product: figures[0]
            for product, figures in leftovers.items()
            if not float_is_zero(figures[0], precision_digits=self.qty_digits)
        }
        receipt = self._picking(
            route,
            "unsold_return",
            self.warehouse.in_type_id,
            route.truck_location_id,
            self.warehouse.lot_stock_id,
            back,
        )
        self._validate(receipt)
        lost = {
            product: figures[2]
            for product, figures in leftovers.items()
            if not float_is_zero(figures[2], precision_digits=self.qty_digits)
        }
        if lost:
            scraps = self.env["stock.scrap"].create(
                [
                    {
                        "product_id": product.id,
                        "scrap_qty": quantity,
                        "product_uom_id": product.uom_id.id,
                        "location_id": route.truck_location_id.id,
                        "company_id": self.company.id,
                        "origin": route.name,
                        "handoo_route_id": route.id,
                    }
                    for product, quantity in lost.items()
                ]
            )
            scraps.do_scrap()
        return {product: tuple(figures) for product, figures in leftovers.items()}

    def _write_settlement(
        self, route, data, orders, returned, customer_returns, leftovers
    ):
        """Write the route's settlement, one line per product."""
        figures = defaultdict(Counter)
        deliveries = route.picking_ids.filtered(
            lambda picking: picking.handoo_route_role == "delivery"
        )
        for move in deliveries.move_ids.filtered(lambda move: move.state == "done"):
            figures[move.product_id]["loaded_presale"] += move.quantity
            # Delivered by this route: what its deliveries took out, less what
            # came back as not delivered.
            figures[move.product_id]["delivered"] += move.quantity
        from_truck = route.picking_ids.filtered(
            lambda picking: picking.handoo_route_role == "truck_delivery"
        )
        for move in from_truck.move_ids.filtered(lambda move: move.state == "done"):
            # Delivered beyond the orders' lines, out of the truck's stock.
            figures[move.product_id]["delivered"] += move.quantity
        for product, quantity in returned.items():
            figures[product]["delivered"] -= quantity
        for product, quantity in self._product_quantities(data.get("products")).items():
            figures[product]["loaded_extra"] += quantity
        for product, quantity in self._product_quantities(
            data.get("carriedOver")
        ).items():
            figures[product]["carried_in"] += quantity
        for order in route.route_sale_ids.filtered(lambda sale: sale.state != "cancel"):
            for line in order.order_line:
                figures[line.product_id]["sold"] += line.product_uom_qty
        for product, quantity in returned.items():
            figures[product]["returned"] += quantity
        for product, (quantity, damaged) in customer_returns.items():
            figures[product]["customer_returns"] += quantity
            figures[product]["customer_returns_damaged"] += damaged
        for product, (warehouse, truck, lost) in leftovers.items():
            figures[product]["left_to_warehouse"] += warehouse
            figures[product]["left_on_truck"] += truck
            figures[product]["left_lost"] += lost
        route.line_ids.unlink()
        self.env["handoo.route.line"].create(
            [
                dict(values, route_id=route.id, product_id=product.id)
                for product, values in figures.items()
            ]
        )

    # ------------------------------------------------------------------
    # Stock helpers
    # ------------------------------------------------------------------

    @staticmethod
    def _open_deliveries(order):
        return order.picking_ids.filtered(
            lambda picking: (
                picking.state not in ("done", "cancel")
                and picking.picking_type_code == "outgoing"
            )
        )

    def _picking(
        self,
        route,
        role,
        picking_type,
        source,
        destination,
        quantities,
        partner=None,
        origin=None,
    ):
        """Create a confirmed transfer of ``{product: quantity}`` for the route."""
        if not quantities:
            return self.env["stock.picking"]
        picking = (
            self.env["stock.picking"]
            .with_context(tracking_disable=True, mail_create_nolog=True)
            .create(
                {
                    "picking_type_id": picking_type.id,
                    "location_id": source.id,
                    "location_dest_id": destination.id,
                    "partner_id": partner.id if partner else False,
                    "origin": origin or route.name,
                    "company_id": self.company.id,
                    "handoo_route_id": route.id,
                    "handoo_route_role": role,
                    "move_ids": [
                        fields.Command.create(
                            {
                                "product_id": product.id,
                                "product_uom_qty": quantity,
                                "product_uom": product.uom_id.id,
                                "location_id": source.id,
                                "location_dest_id": destination.id,
                                "company_id": self.company.id,
                            }
                        )
                        for product, quantity in quantities.items()
                    ],
                }
            )
        )
        picking.action_confirm()
        return picking

    @staticmethod
    def _validate(pickings):
        """Validate transfers for their full demand, with or without stock reserved.

        The goods moved in the real world already: a warehouse short in Odoo's
        books gets negative stock, which shows the gap instead of hiding it.
        """
        pickings = pickings.filtered(
            lambda picking: picking.state not in ("done", "cancel")
        )
        if not pickings:
            return
        for move in pickings.move_ids:
            move.quantity = move.product_uom_qty
        pickings.move_ids.picked = True
        # The driver is at the door: no text message "your order has shipped".
        pickings.with_context(
            skip_backorder=True, cancel_backorder=True, skip_sms=True
        )._action_done()
