from odoo.tests import tagged

from ..handy_sandbox.scenario import plan_day, play
from .common import HandooCase

FIGURES = {
    "loadedPresale": "loaded_presale",
    "loadedExtra": "loaded_extra",
    "delivered": "delivered",
    "sold": "sold",
    "returnedUndelivered": "returned",
    "customerReturnsDamaged": "customer_returns_damaged",
}
LEFTOVERS = {
    "WAREHOUSE": "left_to_warehouse",
    "LOAD": "left_on_truck",
    "SHRINKAGE": "left_lost",
}


@tagged("post_install", "-at_install")
class TestBusinessDay(HandooCase):
    """A generated day of routes, step by step, against the sandbox's own figures."""

    def setUp(self):
        super().setUp()
        self.store.load_generated(
            11,
            customers=12,
            products=20,
            orders=18,
            edited=0,
            deleted=0,
            broken_orders=0,
            lines=(2, 4),
        )
        self.env.ref("uom.decimal_product_uom").digits = 3
        self.sync_catalogs()
        for template in self.env["product.template"].search(
            [("handoo_company_id", "=", self.company.id)]
        ):
            self.put_in_stock(template.product_variant_id, 500)
        self.sync_orders()
        self.plan = plan_day(self.store, seed=5, routes=2)

    def routes(self):
        """Return the day's routes, without those opened for carried-over stock."""
        return self.env["handoo.route"].search(
            [
                ("handoo_company_id", "=", self.company.id),
                (
                    "handoo_id",
                    "in",
                    [str(route["routeId"]) for route in self.plan["routes"]],
                ),
            ]
        )

    def test_day_settles_as_handy_says(self):
        play(self.store, self.plan, until="accepted")
        self.run_job("ir_cron_handoo_sync_from_routes")
        self.assertEqual(len(self.routes()), 2)
        self.assertEqual(set(self.routes().mapped("state")), {"loaded"})

        play(self.store, self.plan, until="finished")
        self.run_job("ir_cron_handoo_sync_from_routes")
        self.assertEqual(set(self.routes().mapped("state")), {"finished"})

        summary = play(self.store, self.plan, until="closed")
        self.run_job("ir_cron_handoo_sync_from_routes")
        routes = self.routes()
        self.assertEqual(set(routes.mapped("state")), {"closed"})
        self.assertFalse(any(routes.mapped("settlement_difference")))

        for expected in summary["routes"]:
            route = routes.filtered(
                lambda route, expected=expected: (
                    route.handoo_id == str(expected["routeId"])
                )
            )
            self.assertEqual(len(route), 1)
            # Orders that only give goods back are received, not sold.
            self.assertLessEqual(
                set(route.route_sale_ids.mapped("handoo_id")),
                {str(sale_id) for sale_id in expected["routeSales"]},
            )
            for code, figures in expected["products"].items():
                line = route.line_ids.filtered(
                    lambda line, code=code: line.product_id.default_code == code
                )
                for handy_name, odoo_name in FIGURES.items():
                    self.assertAlmostEqual(
                        line[odoo_name] if line else 0.0,
                        figures.get(handy_name, 0.0),
                        places=3,
                        msg=f"route {expected['routeId']} {code} {handy_name}",
                    )
                returns = figures.get("customerReturnsGood", 0.0) + figures.get(
                    "customerReturnsDamaged", 0.0
                )
                self.assertAlmostEqual(
                    line.customer_returns if line else 0.0, returns, places=3
                )
                for destination, odoo_name in LEFTOVERS.items():
                    self.assertAlmostEqual(
                        line[odoo_name] if line else 0.0,
                        figures.get("leftover", {}).get(destination, 0.0),
                        places=3,
                        msg=f"route {expected['routeId']} {code} {destination}",
                    )
