from collections import Counter

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..handy_api import contract

# Handy unit codes and the Odoo units they stand for; other codes become Units.
UNIT_XMLIDS = {
    "PZA": "uom.product_uom_unit",
    "H87": "uom.product_uom_unit",
    "KG": "uom.product_uom_kgm",
    "KGM": "uom.product_uom_kgm",
    "LT": "uom.product_uom_litre",
    "L": "uom.product_uom_litre",
    "LTR": "uom.product_uom_litre",
}


class ProductTemplate(models.Model):
    """Handy products.

    Odoo is master of the product data (name, barcode, price, family, SAT codes)
    and of the stock. Handy's own price and stock are kept for reference.
    Archiving on either side archives on the other.
    """

    _name = "product.template"
    _inherit = ["product.template", "handoo.binding.mixin"]

    _handoo_kind = "product"
    _handoo_resource = contract.PRODUCTS
    _handoo_pushed_fields = (
        "name",
        "barcode",
        "list_price",
        "taxes_id",
        "handoo_family_id",
        "handoo_sat_product_code",
        "handoo_sat_unit_code",
        "active",
        "sale_ok",
        "handoo_sync_enabled",
    )

    handoo_sync_enabled = fields.Boolean(
        string="Sell in Handy",
        copy=False,
        help="Create and keep this product in Handy.",
    )
    handoo_code = fields.Char(
        string="Handy Code",
        copy=False,
        readonly=True,
        help="Code of the product in Handy; it addresses the product in Handy's "
        "API and never changes once set.",
    )
    handoo_family_id = fields.Many2one(
        "handoo.product.family",
        string="Handy Family",
        index="btree_not_null",
        copy=False,
    )
    handoo_sat_product_code = fields.Char(
        string="SAT Product Code", help="Code of the product in the SAT catalog."
    )
    handoo_sat_unit_code = fields.Char(
        string="SAT Unit Code", help="Code of the unit in the SAT catalog."
    )
    handoo_unit_code = fields.Char(string="Handy Unit", readonly=True, copy=False)
    handoo_price = fields.Float(
        string="Price in Handy",
        readonly=True,
        copy=False,
        digits="Product Price",
        help="Price with taxes, as Handy holds it.",
    )
    handoo_quantity = fields.Float(
        string="Stock in Handy",
        readonly=True,
        copy=False,
        digits="Product Unit",
        help="Free stock of the warehouse as Handy holds it.",
    )

    _handoo_id_unique = models.UniqueIndex(
        "(handoo_company_id, handoo_id) WHERE handoo_id IS NOT NULL",
        "This Handy product is already linked to another product of the company.",
    )

    def write(self, vals):
        # Handy receives names in the company's Handy language, so a rename in
        # another language would not reach it. When both languages have the
        # same name, it is not a translation, so it changes in both.
        follow = {}
        if "name" in vals and not self.env.context.get("handoo_sync"):
            lang = self.env.lang or "en_US"
            for template in self:
                company = template.handoo_company_id or (
                    template.handoo_sync_enabled
                    and (template.company_id or self.env.company)
                )
                if not company:
                    continue
                handy_lang = company._handoo_lang()
                if handy_lang != lang and (
                    template.with_context(lang=handy_lang).name == template.name
                ):
                    follow.setdefault(handy_lang, self.browse())
                    follow[handy_lang] |= template
        result = super().write(vals)
        for handy_lang, templates in follow.items():
            templates.with_context(lang=handy_lang).write({"name": vals["name"]})
        return result

    def _handoo_prepare_vals(self, company, data):
        vals = {
            "handoo_price": data.get("price") or 0.0,
            "handoo_quantity": data.get("quantity") or 0.0,
            "handoo_unit_code": (data.get("unit") or {}).get("code"),
        }
        if self:
            if not self.handoo_code:
                vals["handoo_code"] = data.get("code")
            return vals
        if not data.get("code"):
            raise UserError(
                self.env._(
                    "Handy product %(id)s has no code; give it one in Handy.",
                    id=data.get("id"),
                )
            )
        family = self.env["handoo.product.family"]._handoo_get_or_create(
            company, data.get("family"), Counter()
        )
        taxes = self.env["account.tax"]._handoo_sale_taxes(
            company, [data.get("tax"), data.get("taxOptional")]
        )
        vals.update(
            {
                "name": data.get("description") or data.get("code"),
                "default_code": data.get("code"),
                "handoo_code": data.get("code"),
                "list_price": data.get("price") or 0.0,
                "taxes_id": [fields.Command.set(taxes.ids)],
                "type": "consu",
                "is_storable": True,
                "sale_ok": True,
                "handoo_family_id": family.id,
                "handoo_sat_product_code": data.get("satProductCode") or False,
                "handoo_sat_unit_code": data.get("satUnitCode") or False,
                "company_id": company.id,
                "handoo_sync_enabled": True,
            }
        )
        barcode = (data.get("barcode") or "").strip()
        if barcode and not self._handoo_barcode_taken(barcode, company):
            vals["barcode"] = barcode
        uom = self._handoo_uom(vals["handoo_unit_code"])
        if uom:
            vals["uom_id"] = uom.id
        return vals

    @api.model
    def _handoo_barcode_taken(self, barcode, company):
        return bool(
            self.env["product.product"]
            .with_context(active_test=False)
            .search_count(
                [("barcode", "=", barcode), ("company_id", "in", [company.id, False])],
                limit=1,
            )
        )

    @api.model
    def _handoo_uom(self, code):
        xmlid = UNIT_XMLIDS.get((code or "").strip().upper())
        return self.env.ref(xmlid, raise_if_not_found=False) if xmlid else None

    @api.model
    def _handoo_match(self, company, data):
        code = (data.get("code") or "").strip()
        if not code:
            return self.browse()
        return self.search(
            [
                ("handoo_id", "=", False),
                ("default_code", "=", code),
                ("company_id", "in", [company.id, False]),
            ],
            limit=1,
        )

    def _handoo_remote_key(self):
        return self.handoo_code or self.default_code

    def _handoo_price_with_taxes(self):
        """Return the sales price with its taxes, as Handy expects prices."""
        self.ensure_one()
        company = self.env.company
        taxes = self.taxes_id.filtered(lambda tax: tax.company_id == company)
        if not taxes:
            return self.list_price
        result = taxes.compute_all(
            self.list_price,
            currency=company.currency_id,
            quantity=1.0,
            product=self.product_variant_id,
        )
        return company.currency_id.round(result["total_included"])

    def _handoo_prepare_payload(self):
        self.ensure_one()
        code = self.handoo_code or self.default_code
        if not code:
            raise UserError(
                self.env._(
                    "Set an Internal Reference on %(name)s: Handy needs it as the "
                    "product code.",
                    name=self.display_name,
                )
            )
        if "/" in code:
            raise UserError(
                self.env._(
                    "The Internal Reference %(code)s contains '/', which Handy cannot "
                    "use in a product code. Change the Internal Reference.",
                    code=code,
                )
            )
        family = self.handoo_family_id
        if not family:
            raise UserError(
                self.env._(
                    "Choose a Handy family for %(name)s: Handy requires one.",
                    name=self.display_name,
                )
            )
        if not family.handoo_id:
            raise UserError(
                self.env._(
                    "The family %(family)s is not in Handy yet; it is sent by the next "
                    "HANDY SYNC TO Product Families job.",
                    family=family.name,
                )
            )
        tax, tax_optional = self._handoo_tax_payload()
        payload = {
            "code": code,
            "description": self.name,
            "tax": tax,
            "taxOptional": tax_optional,
            "price": self.with_company(
                self.handoo_company_id or self.env.company
            )._handoo_price_with_taxes(),
            "family": {"id": int(family.handoo_id)},
            "satProductCode": self.handoo_sat_product_code or "",
            "satUnitCode": self.handoo_sat_unit_code or "",
            "enabled": bool(self.active and self.sale_ok),
        }
        # Without a barcode in Odoo, Handy's is kept: it may be one that Odoo
        # left out because another product has it.
        if self.barcode:
            payload["barcode"] = self.barcode
        return payload

    def _handoo_tax_payload(self):
        """Return Handy's ``tax`` and ``taxOptional`` for the product's sale taxes.

        Handy knows two taxes per product: IVA, and an optional one such as
        IEPS. A tax whose name mentions IEPS is sent as the optional one.
        """
        company = self.handoo_company_id or self.env.company
        taxes = self.taxes_id.filtered(
            lambda tax: tax.company_id == company and tax.amount_type == "percent"
        )
        optional = taxes.filtered(lambda tax: "IEPS" in (tax.name or "").upper())[:1]
        main = (taxes - optional)[:1]

        def as_handy(tax, default_name):
            if not tax:
                return None
            name = "IEPS" if tax == optional else default_name
            return {"name": name, "amount": tax.amount}

        return as_handy(main, "IVA"), as_handy(optional, "IEPS")

    def _handoo_vals_after_send(self, data):
        return {
            "handoo_code": data.get("code") or self.handoo_code or self.default_code,
            "handoo_price": data.get("price") or 0.0,
            "handoo_quantity": data.get("quantity") or 0.0,
        }

    @api.model
    def _handoo_push_domain(self, company):
        return super()._handoo_push_domain(company) + [
            ("handoo_sync_enabled", "=", True),
            ("company_id", "in", [company.id, False]),
        ]
