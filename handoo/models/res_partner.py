from collections import Counter

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..handy_api import contract

# Generic RFCs of the Mexican tax authority: many customers share them, so they
# never identify one customer.
GENERIC_RFCS = ("XAXX010101000", "XEXX010101000")


class ResPartner(models.Model):
    """Handy customers.

    Handy is master of what the seller captures at the shop (name, address,
    contact, zone, coordinates) and of the account figures (balance, credit).
    Odoo is master of the fiscal data (RFC, business name). Archiving on either
    side archives on the other.
    """

    _name = "res.partner"
    _inherit = ["res.partner", "handoo.binding.mixin"]

    _handoo_kind = "customer"
    _handoo_resource = contract.CUSTOMERS
    _handoo_pushed_fields = (
        "vat",
        "handoo_business_name",
        "active",
        "handoo_sync_enabled",
    )

    handoo_sync_enabled = fields.Boolean(
        string="Handy Customer",
        copy=False,
        help="Create and keep this customer in Handy.",
    )
    handoo_code = fields.Char(
        string="Handy Code",
        copy=False,
        readonly=True,
        help="Code of the customer in Handy; it addresses the customer in Handy's "
        "API and never changes once set.",
    )
    handoo_zone_id = fields.Many2one(
        "handoo.zone", string="Handy Zone", index="btree_not_null", copy=False
    )
    handoo_business_name = fields.Char(string="Business Name", copy=False)
    handoo_balance = fields.Float(string="Balance in Handy", readonly=True, copy=False)
    handoo_credit = fields.Float(
        string="Credit Limit in Handy", readonly=True, copy=False
    )
    handoo_credit_days = fields.Integer(
        string="Credit Days in Handy", readonly=True, copy=False
    )
    handoo_prospect = fields.Boolean(
        string="Prospect",
        readonly=True,
        copy=False,
        help="Created by a seller from the mobile app.",
    )
    handoo_latitude = fields.Float(
        string="Latitude in Handy", digits=(10, 7), copy=False
    )
    handoo_longitude = fields.Float(
        string="Longitude in Handy", digits=(10, 7), copy=False
    )

    _handoo_id_unique = models.UniqueIndex(
        "(handoo_company_id, handoo_id) WHERE handoo_id IS NOT NULL",
        "This Handy customer is already linked to another contact of the company.",
    )

    def _handoo_prepare_vals(self, company, data):
        zone = self.env["handoo.zone"]._handoo_get_or_create(
            company, data.get("zone"), Counter()
        )
        vals = {
            "name": data.get("description") or data.get("code"),
            "street": data.get("address") or False,
            "street2": data.get("neighborhood") or False,
            "city": data.get("city") or False,
            "zip": data.get("postalCode") or False,
            "phone": data.get("phoneNumber") or False,
            "email": data.get("email") or False,
            "handoo_latitude": data.get("latitude") or 0.0,
            "handoo_longitude": data.get("longitude") or 0.0,
            "handoo_zone_id": zone.id,
            "handoo_balance": data.get("balance") or 0.0,
            "handoo_credit": data.get("credit") or 0.0,
            "handoo_credit_days": int(data.get("creditDays") or 0),
            "handoo_prospect": bool(data.get(contract.CUSTOMER_PROSPECT_FIELD)),
        }
        if not self:
            if not data.get("code"):
                raise UserError(
                    self.env._(
                        "Handy customer %(id)s has no code; give it one in Handy.",
                        id=data.get("id"),
                    )
                )
            vals.update(
                {
                    "ref": data.get("code"),
                    "handoo_code": data.get("code"),
                    "vat": data.get(contract.CUSTOMER_RFC_FIELD) or False,
                    "handoo_business_name": data.get("businessName") or False,
                    "company_id": company.id,
                    "country_id": company.country_id.id,
                    "is_company": True,
                    "customer_rank": 1,
                    "handoo_sync_enabled": True,
                }
            )
        elif not self.handoo_code:
            vals["handoo_code"] = data.get("code")
        return vals

    @api.model
    def _handoo_match(self, company, data):
        """Find the contact of a Handy customer: by code first, then by RFC."""
        base = [
            ("handoo_id", "=", False),
            ("company_id", "in", [company.id, False]),
            ("parent_id", "=", False),
        ]
        code = (data.get("code") or "").strip()
        if code:
            partner = self.search(base + [("ref", "=", code)], limit=1)
            if partner:
                return partner
        rfc = (data.get(contract.CUSTOMER_RFC_FIELD) or "").strip().upper()
        if rfc and rfc not in GENERIC_RFCS:
            return self.search(base + [("vat", "=ilike", rfc)], limit=1)
        return self.browse()

    def _handoo_remote_key(self):
        return self.handoo_code or self.ref

    def _handoo_prepare_payload(self):
        self.ensure_one()
        code = self.handoo_code or self.ref
        if not code:
            raise UserError(
                self.env._(
                    "Set a Reference on %(name)s: Handy needs it as the customer code.",
                    name=self.display_name,
                )
            )
        if "/" in code:
            raise UserError(
                self.env._(
                    "The Reference %(code)s contains '/', which Handy cannot use in a "
                    "customer code. Change the Reference.",
                    code=code,
                )
            )
        zone = self.handoo_zone_id
        if not zone:
            raise UserError(
                self.env._(
                    "Choose a Handy zone for %(name)s: Handy requires one.",
                    name=self.display_name,
                )
            )
        if not zone.handoo_id:
            raise UserError(
                self.env._(
                    "The zone %(zone)s is not in Handy yet; it is sent by the next "
                    "HANDY SYNC TO Zones job.",
                    zone=zone.name,
                )
            )
        payload = {
            "code": code,
            "description": self.name,
            "businessName": self.handoo_business_name or self.name,
            contract.CUSTOMER_RFC_FIELD: _rfc(self.vat),
            "address": self.street or None,
            "neighborhood": self.street2 or None,
            "city": self.city or None,
            "postalCode": self.zip or None,
            "phoneNumber": self.phone or None,
            "email": self.email or None,
            "zone": int(zone.handoo_id),
            "enabled": self.active,
        }
        if self.handoo_latitude or self.handoo_longitude:
            payload["latitude"] = self.handoo_latitude
            payload["longitude"] = self.handoo_longitude
        return payload

    def _handoo_vals_after_send(self, data):
        return {"handoo_code": data.get("code") or self.handoo_code or self.ref}

    @api.model
    def _handoo_push_domain(self, company):
        return super()._handoo_push_domain(company) + [
            ("handoo_sync_enabled", "=", True),
            ("company_id", "in", [company.id, False]),
        ]


def _rfc(vat):
    """Return a tax id as Handy expects an RFC: no spaces, no "MX" prefix."""
    if not vat:
        return None
    rfc = "".join(vat.split()).upper()
    if rfc.startswith("MX") and len(rfc) in (14, 15):
        rfc = rfc[2:]
    return rfc
