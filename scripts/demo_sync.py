# Runs inside `odoo shell` for `make demo`: `env` is the shell's environment.
# Connects the company to the Handy sandbox, runs the Handy jobs as the cron
# runner would, and prints what the sandbox holds against what Odoo holds.
# ruff: noqa: F821
import json
import os
import urllib.request

SANDBOX = os.environ["HANDOO_DEMO_URL"]
TOKEN = os.environ["HANDOO_DEMO_TOKEN"]
ODOO = os.environ["HANDOO_DEMO_ODOO"]
WEBHOOK_SECRET = "demo-webhook-secret"
ROUTE_ORDERS = 25


def handy_get(path, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    request = urllib.request.Request(
        f"{SANDBOX}/api/v2{path}?{query}", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)


def handy_count(path, **params):
    return handy_get(path, max=1, **params)["pagination"]["totalCount"]


def handy_control(path, body=None):
    request = urllib.request.Request(
        f"{SANDBOX}/_sandbox{path}",
        data=json.dumps(body or {}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)


def run_job(xmlid):
    env.ref(f"handoo.{xmlid}").method_direct_trigger()
    # The job ran in a transaction of its own: end this one to see its work.
    env.cr.commit()
    env.invalidate_all()


def step(text):
    print(f"- {text}", flush=True)


def qty(value):
    """Write a quantity with at most three decimals, the way the settlement keeps it."""
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def row(label, handy, odoo, note=""):
    mark = "" if handy is None else ("ok" if handy == odoo else "DIFFERENT")
    handy_text = "-" if handy is None else str(handy)
    print(f"  {label:<34} {handy_text:>8} {odoo!s:>8}  {mark} {note}".rstrip())


company = env.company
warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
company.write(
    {
        "handoo_api_url": f"{SANDBOX}/api/v2",
        "handoo_web_url": SANDBOX,
        "handoo_api_token": TOKEN,
        "handoo_sync_enabled": True,
        "handoo_warehouse_id": warehouse.id,
        # Handy rounds taxes per line (Settings > Handy > Tax Rounding).
        "tax_calculation_rounding_method": "round_per_line",
    }
)
# Some products sell by weight, to the gram.
env.ref("uom.decimal_product_uom").digits = 3
env.cr.commit()

# Catalogs first, so that orders find their customers and products.
step("HANDY SYNC FROM Zones, Product Families, Customers, Products")
for kind in ("zones", "families", "customers", "products"):
    run_job(f"ir_cron_handoo_sync_from_{kind}")

# Odoo is master of stock: count the warehouse once, as a distributor would
# before going live. Handy's own figures stand in for that count.
products = env["product.template"].search(
    [("handoo_company_id", "=", company.id), ("is_storable", "=", True)]
)
quants = env["stock.quant"]
for template in products:
    if template.handoo_quantity > 0:
        quants |= quants.with_context(inventory_mode=True).create(
            {
                "product_id": template.product_variant_id.id,
                "location_id": warehouse.lot_stock_id.id,
                "inventory_quantity": template.handoo_quantity,
            }
        )
quants.action_apply_inventory()
env.cr.commit()
step("Inventory counted in Odoo, from Handy's stock figures")

step("HANDY SYNC FROM Orders: pre-sale orders become quotations with stock reserved")
run_job("ir_cron_handoo_sync_from_orders")

# Later in the day, sellers edit some imported orders and cancel others in Handy.
imported = env["sale.order"].search(
    [("handoo_company_id", "=", company.id), ("state", "=", "draft")], order="id"
)
edited_later = imported[:5]
deleted_later = imported[5:8]
for order in edited_later:
    items = [
        {"product": line.product_id.default_code, "quantity": line.product_uom_qty + 1}
        for line in order.order_line
        if not line.handoo_is_reward
    ]
    handy_control(f"/orders/{order.handoo_id}/edit", {"items": items})
for order in deleted_later:
    handy_control(f"/orders/{order.handoo_id}/delete")
step("5 orders edited and 3 deleted in Handy; HANDY SYNC FROM Orders again")
run_job("ir_cron_handoo_sync_from_orders")

# Odoo to Handy: a zone, a family, a customer and a product made in Odoo.
zone = env["handoo.zone"].create({"name": "Oriente (desde Odoo)", "color": "#2e7d32"})
family = env["handoo.product.family"].create({"name": "Temporada (desde Odoo)"})
env.cr.commit()
step("HANDY SYNC TO: a zone, a family, a customer and a product made in Odoo")
run_job("ir_cron_handoo_sync_to_zones")
run_job("ir_cron_handoo_sync_to_families")
partner = env["res.partner"].create(
    {
        "name": "Cremería Odoo",
        "ref": "ODOO-0001",
        "street": "Calle Hidalgo 12",
        "city": "Zapopan",
        "handoo_zone_id": zone.id,
        "handoo_sync_enabled": True,
        "is_company": True,
    }
)
template = env["product.template"].create(
    {
        "name": "Rosca de Reyes 1 kg",
        "default_code": "ODOO-ROSCA-1",
        "list_price": 189.0,
        "is_storable": True,
        "handoo_family_id": family.id,
        "handoo_sync_enabled": True,
    }
)
env.cr.commit()
run_job("ir_cron_handoo_sync_to_customers")
run_job("ir_cron_handoo_sync_to_products")

# A day of routes: the drivers accept their loads, deliver, sell from the truck
# and take returns; the office closes the routes. Each step sends its webhooks
# to Odoo's server, and the job that processes them runs after each step.
company.handoo_webhook_secret = WEBHOOK_SECRET
env.cr.commit()
handy_control(
    "/webhooks",
    {"url": f"{ODOO}/handoo/webhook/{company.id}", "secret": WEBHOOK_SECRET},
)
handy_control(
    "/scenario/plan", {"seed": 42, "routes": 3, "orders_per_route": ROUTE_ORDERS}
)
for moment, text in (
    ("accepted", "drivers accept their loads"),
    ("finished", "drivers deliver, sell from the truck and finish their routes"),
    ("closed", "the office corrects and closes the routes"),
):
    day = handy_control("/scenario/play", {"until": moment})["summary"]
    step(f"Routes: {text}; HANDY TOOLS Process webhook events")
    run_job("ir_cron_handoo_process_events")
# The safety net finds nothing left to do.
run_job("ir_cron_handoo_sync_from_routes")

# ----------------------------------------------------------------------
# Summary
# ----------------------------------------------------------------------
Order = env["sale.order"]
handoo_orders = [("handoo_company_id", "=", company.id)]
stats = json.load(urllib.request.urlopen(f"{SANDBOX}/_sandbox/stats", timeout=30))
records = stats["records"]

print()
print(f"  {'':<34} {'Handy':>8} {'Odoo':>8}")
row(
    "zones",
    records["zones"],
    env["handoo.zone"].with_context(active_test=False).search_count([]),
)
row(
    "product families",
    records["productFamilies"],
    env["handoo.product.family"].with_context(active_test=False).search_count([]),
)
odoo_customers = env["res.partner"].with_context(active_test=False)
row(
    "customers",
    records["customers"],
    odoo_customers.search_count([("handoo_company_id", "=", company.id)]),
)
row(
    "  of which disabled / archived",
    records["disabledCustomers"],
    odoo_customers.search_count(
        [("handoo_company_id", "=", company.id), ("active", "=", False)]
    ),
)
odoo_products = env["product.template"].with_context(active_test=False)
row(
    "products",
    records["products"],
    odoo_products.search_count([("handoo_company_id", "=", company.id)]),
)
row(
    "  of which disabled / archived",
    records["disabledProducts"],
    odoo_products.search_count(
        [("handoo_company_id", "=", company.id), ("active", "=", False)]
    ),
)
failures = env["handoo.sync.failure"].search(
    [("company_id", "=", company.id), ("state", "=", "to_retry")]
)
failed_orders = len(failures.filtered(lambda failure: failure.kind == "order"))
deleted = handy_count("/salesOrder", salesType="PRESALE", deleted="true")
live = handy_count("/salesOrder", salesType="PRESALE", deleted="false")
presales = Order.search_count(
    handoo_orders
    + [("state", "!=", "cancel"), ("handoo_route_role", "!=", "route_sale")]
)
row(
    "pre-sale orders / sale orders",
    live - failed_orders,
    presales,
    f"({live} live in Handy, {failed_orders} could not be imported; those on today's "
    "routes are confirmed, the others are quotations)",
)
row(
    "edited after import / replaced",
    len(edited_later),
    Order.search_count(handoo_orders + [("handoo_replacement_id", "!=", False)]),
)
row(
    "deleted after import / cancelled",
    len(deleted_later),
    Order.search_count(
        handoo_orders
        + [("state", "=", "cancel"), ("handoo_replacement_id", "=", False)]
    ),
)
print(
    f"  (in Handy in all: {records['editedSalesOrders']} orders replaced by an edit, "
    f"and {deleted} pre-sale orders deleted, counting each version an edit"
    " replaced; those made before the first import never became quotations)"
)
route_sales = Order.search_count(
    handoo_orders + [("handoo_route_role", "=", "route_sale")]
)
row(
    "Odoo ids written back (externalId)",
    live - failed_orders + route_sales,
    Order.search_count(
        handoo_orders
        + [("state", "!=", "cancel"), ("handoo_reference_pending", "=", False)]
    ),
    "(pre-sales and sales from the truck)",
)
mismatched = Order.search_count(handoo_orders + [("handoo_total_mismatch", "=", True)])
print(f"  orders whose total differs from Handy's: {mismatched}")

reservations = Order.search(handoo_orders + [("state", "in", ("draft", "sent"))])
by_state = {}
for order in reservations:
    by_state[order.handoo_reservation_state] = (
        by_state.get(order.handoo_reservation_state, 0) + 1
    )
demand = sum(reservations.mapped("handoo_demand_qty"))
reserved = sum(reservations.mapped("handoo_reserved_qty"))
print()
print(
    f"Stock reserved for the {len(reservations)} quotations not on a route yet: "
    f"{qty(reserved)} of {qty(demand)} (each product in its own unit)"
)
for state, label in (
    ("reserved", "fully reserved"),
    ("partial", "partially reserved (stock short)"),
    ("waiting", "waiting for stock"),
):
    print(f"  {by_state.get(state, 0):>4} quotations {label}")

print()
print("Sent from Odoo to Handy:")
for record, label in (
    (zone, "zone"),
    (family, "family"),
    (partner, "customer"),
    (template, "product"),
):
    status = f"Handy id {record.handoo_id}" if record.handoo_id else "NOT SENT"
    print(f"  {label:<9} {record.display_name}: {status}")

routes = env["handoo.route"].search(
    [
        ("company_id", "=", company.id),
        ("handoo_id", "in", [str(route["routeId"]) for route in day["routes"]]),
    ]
)
events = env["handoo.webhook.event"].search([("company_id", "=", company.id)])
print()
next_routes = env["handoo.route"].search_count(
    [("company_id", "=", company.id), ("state", "=", "new")]
)
print(
    f"Routes (Handy > Routes): {len(routes)} closed of {len(day['routes'])}; webhook "
    f"events received {len(events)}, processed "
    f"{len(events.filtered(lambda event: event.state == 'done'))}. {next_routes} "
    "more routes are open in Handy for tomorrow, with the stock carried over."
)
for route in routes:
    lines = route.line_ids
    balance = "balances" if not route.settlement_difference else "DOES NOT BALANCE"
    print(
        f"  {route.name}: {route.state}, {len(route.order_ids)} orders, "
        f"{len(route.route_sale_ids)} sales from the truck, "
        f"{len(route.picking_ids)} transfers; settlement {balance}"
    )
    total = {
        name: sum(lines.mapped(name))
        for name in lines._fields
        if name
        in (
            "loaded",
            "delivered",
            "sold",
            "returned",
            "unsold",
            "left_to_warehouse",
            "left_on_truck",
            "left_lost",
            "customer_returns",
        )
    }
    print(
        f"    loaded {qty(total['loaded'])} = delivered {qty(total['delivered'])} + "
        f"sold {qty(total['sold'])} + not delivered {qty(total['returned'])} + "
        f"leftovers {qty(total['unsold'])} (back to stock "
        f"{qty(total['left_to_warehouse'])}, carried over {qty(total['left_on_truck'])}"
        f", shrinkage {qty(total['left_lost'])}); customer returns "
        f"{qty(total['customer_returns'])}"
    )
    expected = next(r for r in day["routes"] if str(r["routeId"]) == route.handoo_id)
    mismatched = []
    for code, figures in expected["products"].items():
        line = lines.filtered(
            lambda line, code=code: line.product_id.default_code == code
        )
        for handy_key, odoo_field in (
            ("delivered", "delivered"),
            ("sold", "sold"),
            ("returnedUndelivered", "returned"),
        ):
            if (
                abs((line[odoo_field] if line else 0.0) - figures.get(handy_key, 0.0))
                > 1e-6
            ):
                mismatched.append(f"{code} {handy_key}")
    print(
        "    matches Handy's figures for every product"
        if not mismatched
        else f"    DIFFERS from Handy's figures: {', '.join(mismatched)}"
    )
roles = {}
for picking in routes.picking_ids:
    label = dict(picking._fields["handoo_route_role"].selection)[
        picking.handoo_route_role
    ]
    roles[label] = roles.get(label, 0) + 1
print("  Transfers made by the routes:")
for label, count in sorted(roles.items()):
    print(f"    {count:>4}  {label}")

print()
print(f"Failures waiting for a retry: {len(failures)}")
for failure in failures:
    print(f"  {failure.kind} {failure.reference}: {failure.reason}")

runs = env["handoo.sync.run"].search([("company_id", "=", company.id)], order="id")
print()
print(
    "Job runs (Handy > Sync Log). A job that runs out of time stops after a batch "
    "and goes on in the next run; 'read' counts every record read from Handy, "
    "deleted orders included, and those read again by a later run's overlap:"
)
states = dict(env["handoo.sync.run"]._fields["state"].selection)
for run in runs:
    print(
        f"  {dict(run._fields['job'].selection)[run.job]:<30} "
        f"{states[run.state]:<18} "
        f"read {run.fetched:>4}  created {run.created:>4}  updated {run.updated:>3}  "
        f"replaced {run.replaced:>2}  cancelled {run.cancelled:>2}  "
        f"failed {run.failed:>2}  {run.duration:3.0f} s  {run.http_requests:>4} calls"
    )
env.cr.commit()
