# Runs inside `odoo shell` for `make bench`, on a fresh copy of the template.
# HANDOO_BENCH_MODE=handoo: handoo's order job imports the orders from the
# sandbox, run as the cron runner runs it until the window is read.
# HANDOO_BENCH_MODE=plain: plain ORM calls create the same quotations and
# reserve the same stock, from the orders saved by prepare.py.
# ruff: noqa: F821
import json
import os
import resource
import time

from odoo import fields

MODE = os.environ["HANDOO_BENCH_MODE"]
BATCH = 50
company = env.company


def run_handoo():
    cron = env.ref("handoo.ir_cron_handoo_sync_from_orders")
    cursor = env["handoo.sync.cursor"]
    for _call in range(1000):
        cron.method_direct_trigger()
        env.cr.commit()
        env.invalidate_all()
        state = cursor.search([("job", "=", "order_from")])
        if state.last_end and not state.stage_end:
            return
    raise RuntimeError("the order job did not finish")


def tax_for(handy_tax, cache):
    key = (handy_tax["name"], handy_tax["amount"])
    if key not in cache:
        cache[key] = env["account.tax"].search(
            [
                ("company_id", "=", company.id),
                ("type_tax_use", "=", "sale"),
                ("amount", "=", handy_tax["amount"]),
                ("price_include_override", "=", "tax_included"),
            ],
            limit=1,
        )
    return cache[key]


def run_plain():
    with open(os.environ["HANDOO_BENCH_ORDERS"], encoding="utf-8") as source:
        orders = json.load(source)
    partners = {
        partner.handoo_id: partner
        for partner in env["res.partner"].search(
            [("handoo_company_id", "=", company.id)]
        )
    }
    products = {
        template.handoo_id: template.product_variant_id
        for template in env["product.template"].search(
            [("handoo_company_id", "=", company.id)]
        )
    }
    warehouse = company._handoo_warehouse()
    picking_type = warehouse._handoo_reservation_type()
    customers = env.ref("stock.stock_location_customers")
    taxes = {}
    for start in range(0, len(orders), BATCH):
        vals_list = []
        for order in orders[start : start + BATCH]:
            lines = []
            for item in order["items"]:
                line_taxes = env["account.tax"]
                for handy_tax in (item.get("tax"), item.get("taxOptional")):
                    if handy_tax:
                        line_taxes |= tax_for(handy_tax, taxes)
                lines.append(
                    fields.Command.create(
                        {
                            "product_id": products[str(item["product"]["id"])].id,
                            "product_uom_qty": item["quantity"],
                            "price_unit": item["price"],
                            "tax_ids": [fields.Command.set(line_taxes.ids)],
                        }
                    )
                )
            vals_list.append(
                {
                    "partner_id": partners[str(order["customer"]["id"])].id,
                    "warehouse_id": warehouse.id,
                    "origin": f"Handy {order['id']}",
                    "order_line": lines,
                }
            )
        sale_orders = env["sale.order"].create(vals_list)
        pickings = env["stock.picking"].create(
            [
                {
                    "picking_type_id": picking_type.id,
                    "partner_id": sale_order.partner_id.id,
                    "origin": sale_order.name,
                    "location_id": warehouse.lot_stock_id.id,
                    "location_dest_id": customers.id,
                    "move_ids": [
                        fields.Command.create(
                            {
                                "product_id": line.product_id.id,
                                "product_uom_qty": line.product_uom_qty,
                                "product_uom": line.product_uom_id.id,
                                "location_id": warehouse.lot_stock_id.id,
                                "location_dest_id": customers.id,
                            }
                        )
                        for line in sale_order.order_line
                    ],
                }
                for sale_order in sale_orders
            ]
        )
        pickings.action_confirm()
        env.cr.commit()


started = time.monotonic()
if MODE == "handoo":
    run_handoo()
else:
    run_plain()
seconds = time.monotonic() - started
env.invalidate_all()
count = env["sale.order"].search_count([("state", "=", "draft")])
reserved = env["stock.picking"].search_count(
    [("picking_type_id.handoo_is_reservation", "=", True), ("state", "=", "assigned")]
)
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(
    "RESULT "
    + json.dumps(
        {"seconds": seconds, "orders": count, "reserved": reserved, "peak_mb": peak_mb}
    )
)
