# Runs inside `odoo shell` for `make bench`: fills the template database with
# Handy's catalogs, stocks every product, and saves the orders to import.
# ruff: noqa: F821
import json
import os
import urllib.request

SANDBOX = os.environ["HANDOO_BENCH_URL"]
TOKEN = os.environ["HANDOO_BENCH_TOKEN"]

company = env.company
warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
company.write(
    {
        "handoo_api_url": f"{SANDBOX}/api/v2",
        "handoo_web_url": SANDBOX,
        "handoo_api_token": TOKEN,
        "handoo_sync_enabled": True,
        "handoo_warehouse_id": warehouse.id,
        "tax_calculation_rounding_method": "round_per_line",
    }
)
env.ref("uom.decimal_product_uom").digits = 3
env.cr.commit()
for kind in ("zones", "families", "customers", "products"):
    env.ref(f"handoo.ir_cron_handoo_sync_from_{kind}").method_direct_trigger()
    env.cr.commit()
env.invalidate_all()

templates = env["product.template"].search([("handoo_company_id", "=", company.id)])
quants = env["stock.quant"].with_context(inventory_mode=True)
for template in templates:
    quants.create(
        {
            "product_id": template.product_variant_id.id,
            "location_id": warehouse.lot_stock_id.id,
            "inventory_quantity": 1000000,
        }
    ).action_apply_inventory()
env.cr.commit()

orders = []
page = 1
while True:
    request = urllib.request.Request(
        f"{SANDBOX}/api/v2/salesOrder?salesType=PRESALE&max=100&page={page}",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        data = json.load(answer)
    orders += data["salesOrders"]
    if not data["pagination"]["nextPage"]:
        break
    page += 1
with open(os.environ["HANDOO_BENCH_ORDERS"], "w", encoding="utf-8") as output:
    json.dump(orders, output)

if os.environ.get("HANDOO_BENCH_IMPORT_ORDERS"):
    company.handoo_webhook_secret = os.environ["HANDOO_BENCH_SECRET"]
    env.cr.commit()
    cursor = env["handoo.sync.cursor"]
    for _call in range(100):
        env.ref("handoo.ir_cron_handoo_sync_from_orders").method_direct_trigger()
        env.cr.commit()
        env.invalidate_all()
        state = cursor.search([("job", "=", "order_from")])
        if state.last_end and not state.stage_end:
            break

result = {
    "orders": len(orders),
    "lines": sum(len(order["items"]) for order in orders),
    "products": len(templates),
    "customers": env["res.partner"].search_count(
        [("handoo_company_id", "=", company.id)]
    ),
}
print("RESULT " + json.dumps(result))
