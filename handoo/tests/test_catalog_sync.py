from collections import Counter
from datetime import timedelta

import psycopg2

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import HandooCase


@tagged("post_install", "-at_install")
class TestCatalogFromHandy(HandooCase):
    def setUp(self):
        super().setUp()
        self.catalog = self.make_catalog(products=2, customers=2)

    def zones(self):
        return (
            self.env["handoo.zone"]
            .with_context(active_test=False)
            .search([("handoo_company_id", "=", self.company.id)])
        )

    def partner_of(self, customer):
        return (
            self.env["res.partner"]
            .with_context(active_test=False)
            .search(
                [
                    ("handoo_company_id", "=", self.company.id),
                    ("handoo_id", "=", str(customer["id"])),
                ]
            )
        )

    def product_of(self, product):
        return (
            self.env["product.template"]
            .with_context(active_test=False)
            .search(
                [
                    ("handoo_company_id", "=", self.company.id),
                    ("handoo_id", "=", str(product["id"])),
                ]
            )
        )

    def test_catalogs_imported(self):
        self.sync_catalogs()

        zone = self.zones()
        self.assertEqual(zone.name, "Centro")
        self.assertEqual(zone.color, "#1f6f8b")
        family = self.env["handoo.product.family"].search(
            [("handoo_id", "=", str(self.catalog["family"]["id"]))]
        )
        self.assertEqual(family.name, "Bebidas")

        customer = self.catalog["customers"][0]
        partner = self.partner_of(customer)
        self.assertEqual(partner.name, customer["description"])
        self.assertEqual(partner.ref, customer["code"])
        self.assertEqual(partner.vat, customer["rfc"])
        self.assertEqual(partner.handoo_zone_id, zone)
        self.assertEqual(partner.company_id, self.company)
        self.assertTrue(partner.handoo_sync_enabled)

        product = self.catalog["products"][1]
        template = self.product_of(product)
        self.assertEqual(template.name, product["description"])
        self.assertEqual(template.default_code, product["code"])
        self.assertEqual(template.handoo_family_id, family)
        self.assertTrue(template.is_storable)
        self.assertEqual(template.handoo_price, product["price"])
        self.assertEqual(template._handoo_price_with_taxes(), product["price"])
        run = self.last_run("product_from")
        self.assertEqual(run.state, "done")
        self.assertEqual(run.created, 2)

    def test_second_pull_changes_nothing(self):
        self.sync_catalogs()
        partners = self.env["res.partner"].search_count([])
        templates = self.env["product.template"].search_count([])
        self.env["handoo.sync.cursor"].search(
            [("company_id", "=", self.company.id)]
        ).write({"last_end": False})

        self.sync_catalogs()
        self.assertEqual(self.env["res.partner"].search_count([]), partners)
        self.assertEqual(self.env["product.template"].search_count([]), templates)
        self.assertEqual(self.last_run("customer_from").unchanged, 2)
        self.assertEqual(self.last_run("customer_from").created, 0)

    def test_pull_reads_only_changes(self):
        self.sync_catalogs()
        self.store.reset_stats()
        self.store.update_customer(
            self.catalog["customers"][0]["code"], description="Abarrotes Renovados"
        )
        self.run_job("ir_cron_handoo_sync_from_customers")

        run = self.last_run("customer_from")
        # Both customers fall in the overlap of the two pulls; one changed.
        self.assertEqual(run.updated, 1)
        self.assertEqual(run.unchanged, run.fetched - 1)
        self.assertEqual(
            self.partner_of(self.catalog["customers"][0]).name, "Abarrotes Renovados"
        )
        self.assertTrue(run.window_start)

    def test_late_change_inside_overlap_is_read(self):
        self.sync_catalogs()
        cursor = self.cursor_of("customer_from")
        # Saved by Handy with a time a few minutes before the last pull ended, but
        # visible only after it: its lastUpdated falls in the window already read.
        self.store.set_clock(cursor.last_end - timedelta(minutes=4))
        late = self.store.add_customer(
            "CLI-LATE", "Tienda Tardía", self.catalog["zone"]["id"]
        )
        self.store.set_clock(None)
        self.run_job("ir_cron_handoo_sync_from_customers")
        self.assertEqual(self.partner_of(late).name, "Tienda Tardía")

    def test_disabled_in_handy_archived_in_odoo(self):
        self.sync_catalogs()
        product = self.catalog["products"][0]
        customer = self.catalog["customers"][0]
        self.store.update_product(product["code"], enabled=False)
        self.store.update_customer(customer["code"], enabled=False)
        self.sync_catalogs()

        self.assertFalse(self.product_of(product).active)
        self.assertFalse(self.partner_of(customer).active)
        self.assertEqual(self.last_run("product_from").archived, 1)

        self.store.update_product(product["code"], enabled=True)
        self.run_job("ir_cron_handoo_sync_from_products")
        self.assertTrue(self.product_of(product).active)
        self.assertEqual(self.last_run("product_from").restored, 1)

    def test_customer_matched_by_code_then_rfc(self):
        by_code = self.env["res.partner"].create(
            {"name": "Cliente existente", "ref": self.catalog["customers"][0]["code"]}
        )
        by_rfc = self.env["res.partner"].create(
            {
                "name": "Cliente con RFC",
                "vat": self.catalog["customers"][1]["rfc"],
                "is_company": True,
            }
        )
        self.run_job("ir_cron_handoo_sync_from_customers")

        self.assertEqual(by_code.handoo_id, str(self.catalog["customers"][0]["id"]))
        self.assertEqual(by_rfc.handoo_id, str(self.catalog["customers"][1]["id"]))
        self.assertEqual(by_code.name, self.catalog["customers"][0]["description"])
        self.assertEqual(self.last_run("customer_from").linked, 2)
        self.assertEqual(self.last_run("customer_from").created, 0)

    def test_generic_rfc_never_matches(self):
        generic = self.env["res.partner"].create(
            {"name": "Público en general", "vat": "XAXX010101000", "is_company": True}
        )
        self.store.add_customer(
            "CLI-900", "Tienda sin RFC", self.catalog["zone"]["id"], rfc="XAXX010101000"
        )
        self.run_job("ir_cron_handoo_sync_from_customers")
        self.assertFalse(generic.handoo_id)

    def test_product_matched_by_internal_reference(self):
        existing = self.env["product.template"].create(
            {
                "name": "Producto en Odoo",
                "default_code": self.catalog["products"][0]["code"],
                "list_price": 99.0,
            }
        )
        self.run_job("ir_cron_handoo_sync_from_products")
        self.assertEqual(existing.handoo_id, str(self.catalog["products"][0]["id"]))
        # Odoo is master of the product's data: the link changes none of it.
        self.assertEqual(existing.name, "Producto en Odoo")
        self.assertEqual(existing.list_price, 99.0)

    def test_unique_handy_id_per_company(self):
        self.sync_catalogs()
        partner = self.partner_of(self.catalog["customers"][0])
        with (
            self.assertRaises(psycopg2.errors.UniqueViolation),
            mute_logger("odoo.sql_db"),
            self.cr.savepoint(),
        ):
            self.env["res.partner"].create(
                {
                    "name": "Copia",
                    "handoo_id": partner.handoo_id,
                    "handoo_company_id": self.company.id,
                }
            )

    def test_taken_barcode_left_out(self):
        self.store.add_product(
            "PROD-DUP",
            "Producto con código de barras repetido",
            10.0,
            self.catalog["family"]["id"],
            barcode="7501234567897",
        )
        self.env["product.product"].create(
            {"name": "Otro producto", "barcode": "7501234567897", "default_code": "X1"}
        )
        self.run_job("ir_cron_handoo_sync_from_products")
        templates = self.env["product.template"].search(
            [("handoo_company_id", "=", self.company.id)]
        )
        self.assertEqual(len(templates), 3, "the barcode is left out, not the product")
        duplicate = templates.filtered(lambda tmpl: tmpl.default_code == "PROD-DUP")
        self.assertFalse(duplicate.barcode)

    def test_bad_record_parked_and_batch_goes_on(self):
        # The sandbox validates what it stores, so a record Handy should never
        # send is given to the importer directly.
        good = self.store.get_customer(self.catalog["customers"][0]["code"])
        bad = dict(good, id=987654, code="", description="")
        stats = Counter()
        imported = self.env["res.partner"]._handoo_import(
            self.company, [bad, good], stats
        )

        self.assertIn(str(good["id"]), imported)
        self.assertNotIn("987654", imported)
        self.assertEqual(stats["failed"], 1)
        failure = self.failure_of("customer:987654")
        self.assertEqual(failure.state, "to_retry")
        self.assertTrue(failure.reason)
        self.assertIn("987654", failure.payload)

    def test_handy_error_fails_run_with_message(self):
        self.company.sudo().handoo_api_token = "wrong-token"
        try:
            self.run_job("ir_cron_handoo_sync_from_zones")
        finally:
            self.company.sudo().handoo_api_token = "handoo-test-token"
        run = self.last_run("zone_from")
        self.assertEqual(run.state, "failed")
        self.assertIn("token", run.message)
        self.assertFalse(self.cursor_of("zone_from").last_end)


@tagged("post_install", "-at_install")
class TestCatalogToHandy(HandooCase):
    def setUp(self):
        super().setUp()
        self.handy_zone = self.store.add_zone("Norte", color="#aa3300")
        self.handy_family = self.store.add_family("Botanas")
        self.run_job("ir_cron_handoo_sync_from_zones")
        self.run_job("ir_cron_handoo_sync_from_families")
        self.zone = self.env["handoo.zone"].search(
            [("handoo_id", "=", str(self.handy_zone["id"]))]
        )
        self.family = self.env["handoo.product.family"].search(
            [("handoo_id", "=", str(self.handy_family["id"]))]
        )

    def push(self, kind):
        self.run_job(f"ir_cron_handoo_sync_to_{kind}")

    def test_new_zone_and_family_sent(self):
        zone = self.env["handoo.zone"].create({"name": "Sur", "color": "#00aa00"})
        family = self.env["handoo.product.family"].create({"name": "Lácteos"})
        self.push("zones")
        self.push("families")

        self.assertTrue(zone.handoo_id)
        self.assertTrue(family.handoo_id)
        handy_zone = self.store.get_zone(int(zone.handoo_id))
        self.assertEqual(handy_zone["description"], "Sur")
        self.assertEqual(
            self.store.get_family(int(family.handoo_id))["description"], "Lácteos"
        )
        self.assertEqual(self.last_run("zone_to").created, 1)

    def test_family_rename_sent(self):
        self.family.name = "Botanas y frituras"
        self.assertTrue(self.family.handoo_sync_pending)
        self.push("families")
        self.assertFalse(self.family.handoo_sync_pending)
        self.assertEqual(
            self.store.get_family(self.handy_family["id"])["description"],
            "Botanas y frituras",
        )

    def test_zone_name_stays_with_handy(self):
        # Handy is master of the zone's name: renaming it in Odoo sends nothing.
        self.zone.name = "Nombre local"
        self.assertFalse(self.zone.handoo_sync_pending)
        self.store.reset_stats()
        self.push("zones")
        self.assertEqual(self.requests_made()["PUT /zone/{id}"], 0)

    def test_archive_in_odoo_disables_in_handy(self):
        self.zone.action_archive()
        self.push("zones")
        self.assertFalse(self.store.get_zone(self.handy_zone["id"])["enabled"])
        # Handy's next pull does not bring it back.
        self.run_job("ir_cron_handoo_sync_from_zones")
        self.assertFalse(self.zone.active)

    def test_new_customer_sent(self):
        partner = self.env["res.partner"].create(
            {
                "name": "Cremería La Vaca",
                "ref": "ODOO-CLI-1",
                "vat": "CLV850101AB1",
                "street": "Av. Juárez 10",
                "city": "Guadalajara",
                "handoo_zone_id": self.zone.id,
                "handoo_sync_enabled": True,
                "is_company": True,
            }
        )
        self.push("customers")

        self.assertTrue(partner.handoo_id)
        self.assertEqual(partner.handoo_code, "ODOO-CLI-1")
        handy = self.store.get_customer("ODOO-CLI-1")
        self.assertEqual(handy["description"], "Cremería La Vaca")
        self.assertEqual(handy["rfc"], "CLV850101AB1")
        self.assertEqual(handy["zone"]["id"], self.handy_zone["id"])
        self.assertEqual(handy["address"], "Av. Juárez 10")

    def test_customer_already_in_handy_linked_not_doubled(self):
        self.store.add_customer("ODOO-CLI-2", "Ya en Handy", self.handy_zone["id"])
        partner = self.env["res.partner"].create(
            {
                "name": "Ya en Handy",
                "ref": "ODOO-CLI-2",
                "handoo_zone_id": self.zone.id,
                "handoo_sync_enabled": True,
            }
        )
        self.push("customers")
        self.assertEqual(
            partner.handoo_id, str(self.store.get_customer("ODOO-CLI-2")["id"])
        )
        self.assertEqual(self.requests_made()["POST /customer"], 0)

    def test_customer_without_zone_parked(self):
        partner = self.env["res.partner"].create(
            {"name": "Sin zona", "ref": "ODOO-CLI-3", "handoo_sync_enabled": True}
        )
        self.push("customers")
        self.assertFalse(partner.handoo_id)
        failure = self.failure_of(f"export:res.partner:{partner.id}")
        self.assertEqual(failure.state, "to_retry")
        self.assertEqual(failure.direction, "to")
        self.assertIn("zone", failure.reason)

        # Not retried before its time, then sent once fixed.
        self.push("customers")
        self.assertEqual(failure.attempts, 1)
        partner.handoo_zone_id = self.zone
        failure.action_retry()
        self.assertEqual(failure.state, "resolved")
        self.assertTrue(partner.handoo_id)

    def test_new_product_sent_with_price_including_taxes(self):
        tax = self.env["account.tax"].create(
            {
                "name": "IVA 16% excluded",
                "amount": 16,
                "type_tax_use": "sale",
                "price_include_override": "tax_excluded",
            }
        )
        template = self.env["product.template"].create(
            {
                "name": "Cacahuates 100 g",
                "default_code": "CAC-100",
                "list_price": 20.0,
                "taxes_id": [(6, 0, tax.ids)],
                "barcode": "7500000000017",
                "handoo_family_id": self.family.id,
                "handoo_sat_product_code": "50101716",
                "handoo_sync_enabled": True,
                "is_storable": True,
            }
        )
        self.push("products")

        self.assertTrue(template.handoo_id)
        handy = self.store.get_product("CAC-100")
        self.assertEqual(handy["price"], 23.2)
        self.assertEqual(handy["family"]["id"], self.handy_family["id"])
        self.assertEqual(handy["barcode"], "7500000000017")
        self.assertEqual(handy["satProductCode"], "50101716")

        template.list_price = 25.0
        self.push("products")
        self.assertEqual(self.store.get_product("CAC-100")["price"], 29.0)

    def test_handy_validation_error_parked_with_message(self):
        template = self.env["product.template"].create(
            {
                "name": "Código inválido",
                "default_code": "A/B",
                "handoo_family_id": self.family.id,
                "handoo_sync_enabled": True,
            }
        )
        self.push("products")
        failure = self.failure_of(f"export:product.template:{template.id}")
        self.assertIn("'/'", failure.reason)

    def test_products_not_for_handy_stay_out(self):
        self.env["product.template"].create(
            {"name": "Solo Odoo", "default_code": "SO-1"}
        )
        self.push("products")
        self.assertEqual(self.requests_made()["POST /product"], 0)
        self.assertFalse(self.last_run("product_to"), "no run is logged when idle")
