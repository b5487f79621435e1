from odoo import api, fields, models
from odoo.tools import escape_psql

from ..handy_api import contract


class HandooProductFamily(models.Model):
    """A Handy product family: the group Handy requires on every product.

    Odoo is master of the family's name; Handy may create families, and archiving
    on either side archives on the other.
    """

    _name = "handoo.product.family"
    _description = "Handy Product Family"
    _inherit = ["handoo.binding.mixin"]
    _order = "name"

    _handoo_kind = "family"
    _handoo_resource = contract.FAMILIES
    _handoo_pushed_fields = ("name", "active")

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    product_count = fields.Integer(compute="_compute_product_count", string="Products")

    _handoo_id_unique = models.UniqueIndex(
        "(handoo_company_id, handoo_id) WHERE handoo_id IS NOT NULL",
        "This Handy product family is already linked to another family of the company.",
    )

    def _compute_product_count(self):
        counts = dict(
            self.env["product.template"]._read_group(
                [("handoo_family_id", "in", self.ids)],
                ["handoo_family_id"],
                ["__count"],
            )
        )
        for family in self:
            family.product_count = counts.get(family, 0)

    def _handoo_prepare_vals(self, company, data):
        if self:
            # Odoo is master of the name once the family exists here.
            return {}
        return {
            "name": data.get("description") or str(data["id"]),
            "company_id": company.id,
        }

    @api.model
    def _handoo_match(self, company, data):
        name = (data.get("description") or "").strip()
        if not name:
            return self.browse()
        return self.search(
            [
                ("company_id", "=", company.id),
                ("handoo_id", "=", False),
                ("name", "=ilike", escape_psql(name)),
            ],
            limit=1,
        )

    def _handoo_prepare_payload(self):
        self.ensure_one()
        return {"description": self.name, "enabled": self.active}

    @api.model
    def _handoo_push_domain(self, company):
        return super()._handoo_push_domain(company) + [("company_id", "=", company.id)]

    @api.model
    def _handoo_get_or_create(self, company, data, stats):
        """Return the family of an embedded Handy family object, creating it if new."""
        if not data or not data.get("id"):
            return self.browse()
        family = self._handoo_find(company, [data["id"]]).get(str(data["id"]))
        return family or self._handoo_import_one(company, data, family, stats)
