from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import float_compare


class AccountTax(models.Model):
    _inherit = "account.tax"

    @api.model
    def _handoo_sale_taxes(self, company, handy_taxes, cache=None):
        """Return the Odoo sale taxes matching Handy tax objects.

        Handy prices include their taxes, and a line's taxes add up without
        compounding: ``price = base × (1 + sum of rates)``. Each Handy tax maps
        to a percent sale tax of the company with the same rate, included in the
        price and not affecting the base of other taxes. When the company has no
        such tax, a copy of a tax with the same rate is made with those two
        settings, or a new tax when the company has none at that rate.

        :param handy_taxes: Handy ``tax`` / ``taxOptional`` objects; ``None`` skipped
        :param cache: dict reused across calls of one batch
        """
        cache = cache if cache is not None else {}
        taxes = self.browse()
        for handy_tax in handy_taxes:
            if not handy_tax or handy_tax.get("amount") is None:
                continue
            rate = float(handy_tax["amount"])
            name = (handy_tax.get("name") or "").strip()
            key = (company.id, name.lower(), rate)
            if key not in cache:
                cache[key] = self._handoo_find_or_create_tax(company, name, rate)
            taxes |= cache[key]
        return taxes

    @api.model
    def _handoo_find_or_create_tax(self, company, name, rate):
        same_rate = (
            self.with_context(active_test=False)
            .search(
                [
                    ("company_id", "=", company.id),
                    ("type_tax_use", "=", "sale"),
                    ("amount_type", "=", "percent"),
                ]
            )
            .filtered(
                lambda tax: float_compare(tax.amount, rate, precision_digits=4) == 0
            )
        )
        usable = same_rate.filtered(
            lambda tax: tax.active and tax.price_include and not tax.include_base_amount
        )
        if usable:
            named = usable.filtered(
                lambda tax: name and name.lower() in tax.name.lower()
            )
            return (named or usable)[0]
        label = self.env._(
            "%(name)s %(rate)s%% (Handy, included in price)",
            name=name or self.env._("Tax"),
            rate=f"{rate:g}",
        )
        overrides = {
            "name": label,
            "price_include_override": "tax_included",
            "include_base_amount": False,
            "is_base_affected": False,
            "active": True,
        }
        template = same_rate.filtered(
            lambda tax: name and name.lower() in tax.name.lower()
        )
        template = (template or same_rate)[:1]
        if template:
            return template.sudo().copy(overrides)
        if not self.env["account.tax.group"].search_count(
            [("company_id", "=", company.id)], limit=1
        ):
            raise UserError(
                self.env._(
                    "The company %(company)s has no tax groups, so handoo cannot "
                    "create the %(rate)s%% tax Handy uses. Set up its chart of "
                    "accounts (Invoicing > Configuration > Settings), then retry.",
                    company=company.name,
                    rate=f"{rate:g}",
                )
            )
        return self.sudo().create(
            dict(
                overrides,
                amount=rate,
                amount_type="percent",
                type_tax_use="sale",
                company_id=company.id,
            )
        )
