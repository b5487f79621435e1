# Runs inside `odoo shell` for `make bench`, on a fresh copy of a template.
# HANDOO_BENCH_STEP=load or close: the route step to apply.
# HANDOO_BENCH_MODE=handoo: handoo processes the route's webhook event, reading
# the route and its orders from the sandbox.
# HANDOO_BENCH_MODE=plain: plain ORM calls do the same confirmations,
# validations and returns, from the figures run.py saves in route.json.
# ruff: noqa: F821
import json
import os
import time
import uuid
from collections import defaultdict

from odoo import fields

MODE = os.environ["HANDOO_BENCH_MODE"]
STEP = os.environ["HANDOO_BENCH_STEP"]
with open(os.environ["HANDOO_BENCH_ROUTE"], encoding="utf-8") as source:
    ROUTE = json.load(source)
company = env.company
warehouse = company._handoo_warehouse()


def validate(pickings):
    for move in pickings.move_ids:
        move.quantity = move.product_uom_qty
    pickings.move_ids.picked = True
    pickings.with_context(skip_backorder=True)._action_done()


def handoo():
    event_name = {"load": "route.load_accepted", "close": "route.closed"}[STEP]
    payload = {
        "id": str(uuid.uuid4()),
        "event": event_name,
        "occurredAt": "2026-12-04T15:00:00Z",
        "route": {"id": ROUTE["id"], "status": "LOAD_ACCEPTED"},
    }
    event, _new = env["handoo.webhook.event"]._handoo_receive(
        company, payload, json.dumps(payload).encode()
    )
    env["handoo.sync"]._handoo_process_events(company, event)
    if event.state != "done":
        raise RuntimeError(f"the event failed: {event.error}")


def products_by_code():
    return {
        product.default_code: product
        for product in env["product.product"].search(
            [("default_code", "in", list(ROUTE["codes"]))]
        )
    }


def plain_load():
    orders = env["sale.order"].search([("handoo_id", "in", ROUTE["order_ids"])])
    orders.handoo_reservation_id.action_cancel()
    orders.action_confirm()
    validate(orders.picking_ids)
    truck = env["stock.location"].create(
        {
            "name": "Truck",
            "usage": "internal",
            "location_id": warehouse.view_location_id.id,
        }
    )
    products = products_by_code()
    picking = env["stock.picking"].create(
        {
            "picking_type_id": warehouse.out_type_id.id,
            "location_id": warehouse.lot_stock_id.id,
            "location_dest_id": truck.id,
            "move_ids": [
                fields.Command.create(
                    {
                        "product_id": products[code].id,
                        "product_uom_qty": quantity,
                        "product_uom": products[code].uom_id.id,
                        "location_id": warehouse.lot_stock_id.id,
                        "location_dest_id": truck.id,
                    }
                )
                for code, quantity in ROUTE["load"].items()
            ],
        }
    )
    picking.action_confirm()
    validate(picking)


def plain_close():
    products = products_by_code()
    orders = env["sale.order"].search([("handoo_id", "in", ROUTE["order_ids"])])
    for order in orders:
        delivered = ROUTE["delivered"].get(order.handoo_id)
        if delivered is None:
            continue
        picking = order.picking_ids.filtered(lambda p: p.state == "done")
        left = defaultdict(float, {code: qty for code, qty in delivered.items()})
        quantities = {}
        for move in picking.move_ids:
            kept = min(move.quantity, left[move.product_id.default_code])
            left[move.product_id.default_code] -= kept
            if move.quantity - kept > 0:
                quantities[move] = move.quantity - kept
        if not quantities:
            continue
        wizard = (
            env["stock.return.picking"]
            .with_context(active_id=picking.id, active_model="stock.picking")
            .create({"picking_id": picking.id})
        )
        for line in wizard.product_return_moves:
            line.quantity = quantities.get(line.move_id, 0.0)
        validate(wizard._create_return())
    truck = env["handoo.route"].search([]).truck_location_id
    receipt = env["stock.picking"].create(
        {
            "picking_type_id": warehouse.in_type_id.id,
            "location_id": truck.id,
            "location_dest_id": warehouse.lot_stock_id.id,
            "move_ids": [
                fields.Command.create(
                    {
                        "product_id": products[code].id,
                        "product_uom_qty": quantity,
                        "product_uom": products[code].uom_id.id,
                        "location_id": truck.id,
                        "location_dest_id": warehouse.lot_stock_id.id,
                    }
                )
                for code, quantity in ROUTE["load"].items()
            ],
        }
    )
    receipt.action_confirm()
    validate(receipt)


env.cr.commit()
started = time.monotonic()
if MODE == "handoo":
    handoo()
elif STEP == "load":
    plain_load()
else:
    plain_close()
env.cr.commit()
seconds = time.monotonic() - started
done = env["stock.picking"].search_count([("state", "=", "done")])
print("RESULT " + json.dumps({"seconds": seconds, "done_pickings": done}))
