from odoo import api, fields, models
from odoo.tools import escape_psql

from ..handy_api import contract


class HandooZone(models.Model):
    """A Handy zone: the territory a customer belongs to.

    Handy is master of the zone's name and color; Odoo may create zones, and
    archiving on either side archives on the other.
    """

    _name = "handoo.zone"
    _description = "Handy Zone"
    _inherit = ["handoo.binding.mixin"]
    _order = "name"

    _handoo_kind = "zone"
    _handoo_resource = contract.ZONES
    _handoo_pushed_fields = ("active",)

    name = fields.Char(required=True)
    color = fields.Char(help="Color of the zone in Handy, as #rrggbb.")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    partner_count = fields.Integer(compute="_compute_partner_count", string="Customers")

    _handoo_id_unique = models.UniqueIndex(
        "(handoo_company_id, handoo_id) WHERE handoo_id IS NOT NULL",
        "This Handy zone is already linked to another zone of the company.",
    )

    def _compute_partner_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("handoo_zone_id", "in", self.ids)], ["handoo_zone_id"], ["__count"]
            )
        )
        for zone in self:
            zone.partner_count = counts.get(zone, 0)

    def _handoo_prepare_vals(self, company, data):
        vals = {
            "name": data.get("description") or str(data["id"]),
            "color": data.get("color"),
        }
        if not self:
            vals["company_id"] = company.id
        return vals

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
        payload = {"description": self.name, "enabled": self.active}
        if self.color:
            payload["color"] = self.color
        return payload

    @api.model
    def _handoo_push_domain(self, company):
        return super()._handoo_push_domain(company) + [("company_id", "=", company.id)]

    @api.model
    def _handoo_get_or_create(self, company, data, stats):
        """Return the zone of an embedded Handy zone object, creating it if new."""
        if not data or not data.get("id"):
            return self.browse()
        zone = self._handoo_find(company, [data["id"]]).get(str(data["id"]))
        return zone or self._handoo_import_one(company, data, zone, stats)
