from odoo.tests import tagged

from .common import HandooCase


@tagged("post_install", "-at_install")
class TestHandyLanguage(HandooCase):
    """The jobs write and read in the company's Handy language, not OdooBot's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("es_MX")
        cls.admin = cls.env.ref("base.user_admin")

    def setUp(self):
        super().setUp()
        self.catalog = self.make_catalog(products=2, customers=1)
        self.sync_catalogs()
        handy_product = self.catalog["products"][0]
        self.product = self.env["product.template"].search(
            [
                ("handoo_company_id", "=", self.company.id),
                ("handoo_id", "=", str(handy_product["id"])),
                ("default_code", "=", handy_product["code"]),
            ]
        )
        self.assertEqual(len(self.product), 1)

    def name_in_handy(self):
        """Send the products to Handy and return the product's name there."""
        self.run_job("ir_cron_handoo_sync_to_products")
        return self.store.get_product_by_id(int(self.product.handoo_id))["description"]

    def test_language_falls_back_to_the_administrator(self):
        self.company.handoo_lang = False
        self.admin.lang = "es_MX"
        self.assertEqual(self.company._handoo_lang(), "es_MX")
        self.company.handoo_lang = "en_US"
        self.assertEqual(self.company._handoo_lang(), "en_US")
        # A language deactivated since it was chosen is skipped.
        self.company.handoo_lang = "es_MX"
        self.admin.lang = "en_US"
        self.env["res.lang"]._lang_get("es_MX").active = False
        self.assertEqual(self.company._handoo_lang(), "en_US")

    def test_failure_reason_written_in_company_language(self):
        self.company.handoo_lang = "es_MX"
        bad = self.store.create_order(
            self.catalog["customers"][0]["code"],
            [{"product": "DESCONTINUADO-1", "quantity": 1}],
        )
        self.sync_orders()

        reason = self.failure_of(f"order:{bad['id']}").reason
        self.assertIn(
            "Handy no tiene un producto con el código DESCONTINUADO-1", reason
        )
        self.assertNotIn("Handy has no product", reason)

    def test_product_renamed_in_spanish_reaches_handy(self):
        self.company.handoo_lang = "es_MX"
        self.product.with_context(lang="es_MX").name = "Refresco de cola 600 ml"
        self.assertTrue(self.product.handoo_sync_pending)

        self.assertEqual(self.name_in_handy(), "Refresco de cola 600 ml")

    def test_rename_in_english_follows_untranslated_name(self):
        self.company.handoo_lang = "es_MX"
        # One name, stored in both languages, as a product made in Spanish is.
        self.product.with_context(lang="en_US").name = "Agua 1 L"
        self.product.with_context(lang="es_MX").name = "Agua 1 L"
        self.product.with_context(lang="en_US").name = "Renamed in English"

        self.assertEqual(
            self.product.with_context(lang="es_MX").name, "Renamed in English"
        )
        self.assertEqual(self.name_in_handy(), "Renamed in English")

    def test_rename_keeps_real_translation(self):
        self.company.handoo_lang = "es_MX"
        self.product.with_context(lang="es_MX").name = "Agua natural"
        self.product.with_context(lang="en_US").name = "Still water"
        self.product.with_context(lang="en_US").name = "Mineral water"

        self.assertEqual(self.product.with_context(lang="es_MX").name, "Agua natural")
