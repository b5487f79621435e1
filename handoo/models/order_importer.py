"""Import of Handy pre-sale orders as Odoo quotations with reserved stock."""

import logging
from collections import Counter

from odoo import fields
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_round

from ..handy_api import HandyNotFoundError, parse_datetime
from .handoo_binding_mixin import payload_to_text

_logger = logging.getLogger(__name__)


class OrderImporter:
    """Turns Handy orders of one company into quotations, one savepoint each.

    One importer serves one batch: it keeps the customers, products, sellers and
    taxes it has resolved, so a batch makes one query per kind of record it
    needs, and calls Handy only for customers and products Odoo does not know.
    """

    def __init__(self, env, company, client, stats, run=None):
        self.env = env
        self.company = company
        self.client = client
        self.stats = stats
        self.run = run
        self.orders = (
            env["sale.order"]
            .with_company(company)
            .with_context(
                handoo_sync=True, tracking_disable=True, mail_create_nolog=True
            )
        )
        self.warehouse = company._handoo_warehouse()
        self.partners = {}
        self.products = {}
        self.sellers = {}
        self.tax_cache = {}
        precision = env["decimal.precision"]
        self.qty_digits = precision.precision_get("Product Unit")
        self.price_digits = precision.precision_get("Product Price")
        self.discount_digits = precision.precision_get("Discount")

    # ------------------------------------------------------------------
    # Batch
    # ------------------------------------------------------------------

    def import_batch(self, payloads):
        """Import a batch of orders; return ``{failure key: sale order}``.

        Each order is checked and mapped in a savepoint of its own. The new
        quotations are then created together, and their stock reserved
        together; when a bulk step fails, it is done again order by order, so
        that only the orders at fault are parked. A parked order keeps its
        reason and data in the sync failures, and the batch goes on.
        """
        readable = []
        for payload in payloads:
            problem = self._shape_problem(payload)
            if problem:
                self._park(payload, UserError(problem))
            else:
                readable.append(payload)
        payloads = readable
        self._prefetch(payloads)
        existing = self.orders._handoo_find(self.company, self._all_ids(payloads))
        done = {}
        pending = []
        for payload in payloads:
            try:
                with self.env.cr.savepoint():
                    result = self.import_order(payload, existing)
            except Exception as error:  # noqa: BLE001 - one bad order never stops the batch
                self._park(payload, error)
                continue
            if isinstance(result, _NewQuotation):
                pending.append(result)
            else:
                # Applied, or nothing to apply (a deletion of an order Odoo never
                # had): either way an earlier failure of the order is over.
                done[f"order:{payload['id']}"] = result or None
        created = self._create_quotations(pending)
        for new, order in created:
            if new.previous and new.previous.state != "cancel":
                self._replace(new.previous, order)
            else:
                self.stats["created"] += 1
            # The failures of the versions this one replaces are over too.
            for version in _versions(new.payload):
                done[f"order:{version['id']}"] = order
        self._reserve(created)
        self.env["handoo.sync.failure"]._handoo_resolve(self.company, done)
        return done

    def _shape_problem(self, payload):
        """Return why an order payload is invalid, or ``None`` when it is valid.

        The shape is checked before anything reads the payload, so an invalid
        order is parked with its reason instead of stopping its batch.
        """
        ident = payload.get("id")
        if isinstance(ident, bool) or not isinstance(ident, (int, str)) or ident == "":
            return self.env._("Handy sent an order without an id.")
        for version in _versions(payload)[1:]:
            if not isinstance(version, dict) or not version.get("id"):
                return self.env._(
                    "Handy order %(id)s names the order it was edited from in a "
                    "form handoo cannot read.",
                    id=ident,
                )
        items = payload.get("items")
        if items is not None and not isinstance(items, list):
            return self.env._(
                "The lines of Handy order %(id)s are not a list.", id=ident
            )
        objects = [
            (key, payload.get(key)) for key in ("customer", "createdBy", "deletedBy")
        ]
        for item in items or []:
            if not isinstance(item, dict):
                return self.env._(
                    "A line of Handy order %(id)s is not an object.", id=ident
                )
            objects += [
                (key, item.get(key)) for key in ("product", "tax", "taxOptional")
            ]
        for key, value in objects:
            if value is not None and not isinstance(value, dict):
                return self.env._(
                    "In Handy order %(id)s, %(field)s is not an object.",
                    id=ident,
                    field=key,
                )
        return None

    def _park(self, payload, error):
        """Record an order that could not be imported, with its reason and data."""
        failures = self.env["handoo.sync.failure"]
        _logger.warning(
            "Handy order %s could not be imported: %s", payload.get("id"), error
        )
        self.stats["failed"] += 1
        failures._handoo_record(
            self.company,
            kind="order",
            key=f"order:{payload.get('id')}",
            reference=str(payload.get("id")),
            reason=failures._handoo_reason(error),
            payload=payload,
            run=self.run,
        )

    def _create_quotations(self, pending):
        """Create the quotations of ``pending``; return ``[(new, sale order)]``."""
        if not pending:
            return []
        try:
            with self.env.cr.savepoint():
                orders = self.orders.create([new.vals for new in pending])
            return list(zip(pending, orders, strict=True))
        except Exception:  # noqa: BLE001 - redone one by one below to find the culprit
            _logger.info(
                "Creating %s quotations at once failed; one by one", len(pending)
            )
        created = []
        for new in pending:
            try:
                with self.env.cr.savepoint():
                    created.append((new, self.orders.create(new.vals)))
            except Exception as error:  # noqa: BLE001 - one bad order never stops the batch
                self._park(new.payload, error)
        return created

    def _reserve(self, created):
        """Reserve the stock of new quotations, all at once when possible."""
        orders = self.orders.browse([order.id for _new, order in created])
        if not orders:
            return
        try:
            with self.env.cr.savepoint():
                orders._handoo_reserve()
            return
        except Exception:  # noqa: BLE001 - redone one by one below to find the culprit
            _logger.info(
                "Reserving %s quotations at once failed; one by one", len(orders)
            )
        for _new, order in created:
            try:
                with self.env.cr.savepoint():
                    order._handoo_reserve()
            except Exception as error:  # noqa: BLE001 - the quotation stays, unreserved
                _logger.warning(
                    "Stock for %s could not be reserved: %s", order.name, error
                )
                order.message_post(
                    body=self.env._(
                        "The stock of this quotation could not be reserved: "
                        "%(reason)s. Use Reserve Stock once the cause is fixed.",
                        reason=error,
                    )
                )

    def _all_ids(self, payloads):
        """Return the ids of the orders and of every version they were edited from."""
        ids = []
        for payload in payloads:
            ids.extend(version["id"] for version in _versions(payload))
        return ids

    def _prefetch(self, payloads):
        partner_ids = {
            str(payload["customer"]["id"])
            for payload in payloads
            if (payload.get("customer") or {}).get("id")
        }
        product_ids = {
            str(item["product"]["id"])
            for payload in payloads
            for item in payload.get("items") or []
            if (item.get("product") or {}).get("id")
        }
        missing = partner_ids - set(self.partners)
        if missing:
            self.partners.update(
                self.env["res.partner"]._handoo_find(self.company, missing)
            )
        missing = product_ids - set(self.products)
        if missing:
            templates = self.env["product.template"]._handoo_find(self.company, missing)
            self.products.update(
                {key: tmpl.product_variant_id for key, tmpl in templates.items()}
            )

    # ------------------------------------------------------------------
    # One order
    # ------------------------------------------------------------------

    def import_order(self, payload, existing):
        """Apply one Handy order, except the creation of a new quotation.

        A deletion or a change of Handy status is applied at once. For an order
        new to Odoo, the quotation's values are checked and returned, to be
        created with the rest of the batch.

        :param existing: ``{handy id: sale order}`` of the orders already imported
        :return: the sale order the payload maps to, a ``_NewQuotation``, or None
        """
        order = existing.get(str(payload["id"]))
        if payload.get("deleted"):
            return self._apply_deletion(payload, existing)
        if order:
            if order._handoo_set_status(payload):
                self.stats["updated"] += 1
            else:
                self.stats["unchanged"] += 1
            return order
        previous = self._previous_version(payload, existing)
        if previous and previous.state not in ("draft", "sent", "cancel"):
            raise UserError(
                self.env._(
                    "Handy order %(new)s is an edit of an order that is already "
                    "confirmed in Odoo as %(order)s. Review the two by hand.",
                    new=payload["id"],
                    order=previous.name,
                )
            )
        items = payload.get("items") or []
        if items and all(item.get("isReturn") for item in items):
            # Goods taken back only: received when the order's route closes.
            _logger.info(
                "Handy order %s only takes goods back; no quotation", payload["id"]
            )
            if previous and previous.state != "cancel":
                self._cancel_for_returns(previous, payload)
            else:
                self.stats["unchanged"] += 1
            return None
        return _NewQuotation(payload, self._order_vals(payload), previous)

    def _cancel_for_returns(self, previous, payload):
        """Cancel the quotation of an order edited down to return lines only."""
        previous.with_context(disable_cancel_warning=True)._action_cancel()
        previous.handoo_deleted = True
        previous.message_post(
            body=self.env._(
                "Edited in Handy: its new version %(id)s only takes goods back, "
                "so this quotation and its reservation are cancelled. The returns "
                "are received when the route closes.",
                id=payload["id"],
            )
        )
        self.stats["cancelled"] += 1

    def _previous_version(self, payload, existing):
        """Return the quotation of the newest earlier version of an edited order."""
        for version in _versions(payload)[1:]:
            order = existing.get(str(version["id"]))
            if order:
                return order
        return None

    def _replace(self, previous, order):
        previous.with_context(disable_cancel_warning=True)._action_cancel()
        previous.write({"handoo_replacement_id": order.id, "handoo_deleted": True})
        order.handoo_replaced_order_id = previous
        previous.message_post(
            body=self.env._(
                "Edited in Handy: replaced by %(order)s.", order=order._get_html_link()
            )
        )
        order.message_post(
            body=self.env._(
                "Edited in Handy: replaces %(order)s.", order=previous._get_html_link()
            )
        )
        self.stats["replaced"] += 1

    def _apply_deletion(self, payload, existing):
        """Cancel the quotations of an order deleted in Handy.

        An order deleted because it was edited is left alone: the import of its
        new version cancels it, so the stock stays reserved in between.
        """
        if payload.get("isEdited"):
            self.stats["unchanged"] += 1
            return existing.get(str(payload["id"]))
        orders = self.orders.browse()
        for version in _versions(payload):
            orders |= existing.get(str(version["id"]), self.orders.browse())
        orders = orders.filtered(lambda order: order.state != "cancel")
        confirmed = orders.filtered(lambda order: order.state not in ("draft", "sent"))
        if confirmed:
            raise UserError(
                self.env._(
                    "Handy order %(id)s was deleted in Handy, but it is already "
                    "confirmed in Odoo as %(orders)s. Cancel it by hand if the sale "
                    "did not happen.",
                    id=payload["id"],
                    orders=", ".join(confirmed.mapped("name")),
                )
            )
        deleted_by = (payload.get("deletedBy") or {}).get("name") or "?"
        for order in orders:
            order.with_context(disable_cancel_warning=True)._action_cancel()
            order.handoo_deleted = True
            order.message_post(
                body=self.env._(
                    "Deleted in Handy by %(user)s; quotation and reservation "
                    "cancelled.",
                    user=deleted_by,
                )
            )
            self.stats["cancelled"] += 1
        if not orders:
            self.stats["unchanged"] += 1
        return orders[:1]

    # ------------------------------------------------------------------
    # Values
    # ------------------------------------------------------------------

    def _order_vals(self, payload):
        partner = self._partner(payload.get("customer"), payload["id"])
        seller = self._seller(payload.get("createdBy"))
        lines = [
            fields.Command.create(self._line_vals(item, payload["id"]))
            for item in payload.get("items") or []
            if not item.get("isReturn")
        ]
        if not lines:
            raise UserError(
                self.env._("Handy order %(id)s has no lines to sell.", id=payload["id"])
            )
        versions = _versions(payload)
        vals = {
            "partner_id": partner.id,
            "company_id": self.company.id,
            "warehouse_id": self.warehouse.id,
            "user_id": seller.user_id.id,
            "origin": self.env._("Handy %(id)s", id=payload["id"]),
            "date_order": parse_datetime(payload.get("mobileDateCreated"))
            or fields.Datetime.now(),
            "commitment_date": parse_datetime(payload.get("scheduledDateForDelivery")),
            "handoo_id": str(payload["id"]),
            "handoo_company_id": self.company.id,
            "handoo_status": payload.get("operativeStatus") or False,
            "handoo_sales_type": payload.get("salesType") or False,
            "handoo_seller_id": seller.id,
            "handoo_mobile_date": parse_datetime(payload.get("mobileDateCreated")),
            "handoo_received_date": parse_datetime(payload.get("dateCreated")),
            "handoo_total": payload.get("totalSales") or 0.0,
            "handoo_total_tax": payload.get("totalTax") or 0.0,
            "handoo_total_before_tax": payload.get("totalBeforeTax") or 0.0,
            "handoo_seller_comment": payload.get("sellerComment") or False,
            "handoo_latitude": payload.get("latitude") or 0.0,
            "handoo_longitude": payload.get("longitude") or 0.0,
            "handoo_payload": payload_to_text(_without_history(payload)),
            "handoo_edited_from": str(versions[1]["id"])
            if len(versions) > 1
            else False,
            "handoo_updated": parse_datetime(payload.get("lastUpdated")),
            "handoo_last_sync": fields.Datetime.now(),
            "handoo_reference_pending": True,
            "order_line": lines,
        }
        pricelist = self.company.handoo_pricelist_id
        if pricelist:
            vals["pricelist_id"] = pricelist.id
        if payload.get("sellerComment"):
            vals["note"] = payload["sellerComment"]
        return vals

    def _line_vals(self, item, order_id):
        product = self._product(
            item.get("product"), self.env._("Handy order %(id)s", id=order_id)
        )
        quantity = float(item.get("quantity") or 0.0)
        if quantity <= 0:
            raise UserError(
                self.env._(
                    "Handy order %(id)s has a line of %(product)s with quantity "
                    "%(quantity)s; quantities must be greater than zero. Correct the "
                    "order in Handy, then retry.",
                    id=order_id,
                    product=product.display_name,
                    quantity=quantity,
                )
            )
        if float_compare(
            float_round(quantity, precision_digits=self.qty_digits),
            quantity,
            precision_digits=6,
        ):
            raise UserError(
                self.env._(
                    "Handy order %(id)s sells %(quantity)s of %(product)s, which needs "
                    "more decimals than Odoo keeps for quantities (%(digits)s). Raise "
                    "the 'Product Unit' decimal accuracy, then retry.",
                    id=order_id,
                    quantity=quantity,
                    product=product.display_name,
                    digits=self.qty_digits,
                )
            )
        price_unit, discount = self._price_and_discount(item, quantity)
        taxes = self.env["account.tax"]._handoo_sale_taxes(
            self.company, [item.get("tax"), item.get("taxOptional")], self.tax_cache
        )
        vals = {
            "product_id": product.id,
            "product_uom_qty": quantity,
            "price_unit": price_unit,
            "discount": discount,
            "tax_ids": [fields.Command.set(taxes.ids)],
            "handoo_item_id": str(item.get("id") or ""),
            "handoo_is_reward": bool(item.get("isReward")),
        }
        if item.get("isReward"):
            vals["name"] = self.env._(
                "%(product)s (Handy reward)", product=product.display_name
            )
        return vals

    def _price_and_discount(self, item, quantity):
        """Return the unit price and discount that give Handy's line total.

        Handy's prices include taxes. The list price with the discount percentage
        is kept when it yields Handy's total to the cent; otherwise the line uses
        Handy's discounted price, or else the total divided by the quantity.
        Each candidate is taken as Odoo stores it, rounded to the decimals of
        "Product Price" and "Discount", since a 33.333 % discount kept as
        33.33 % no longer gives Handy's total.
        """
        currency = self.company.currency_id
        price = float(item.get("price") or 0.0)
        original = item.get("originalPrice")
        percent = float(item.get("discountPercentage") or 0.0)
        total = item.get("total")
        if total is None:
            total = currency.round(price * quantity)
        candidates = []
        if original is not None and 0 <= percent <= 100:
            candidates.append((float(original), percent))
        candidates.append((price, 0.0))
        if quantity:
            candidates.append((float(total) / quantity, 0.0))
        for unit, discount in candidates:
            unit = float_round(unit, precision_digits=self.price_digits)
            discount = float_round(discount, precision_digits=self.discount_digits)
            line_total = currency.round(unit * (1 - discount / 100) * quantity)
            if not currency.compare_amounts(line_total, total):
                return unit, discount
        # No stored price gives Handy's total, so the order shows the difference.
        return price, 0.0

    # ------------------------------------------------------------------
    # Related records
    # ------------------------------------------------------------------

    def _partner(self, customer, order_id):
        if not customer or not customer.get("id"):
            raise UserError(
                self.env._("Handy order %(id)s has no customer.", id=order_id)
            )
        key = str(customer["id"])
        partner = self.partners.get(key)
        if partner:
            return partner
        partner = self.env["res.partner"]._handoo_find(self.company, [key]).get(key)
        if partner:
            self.partners[key] = partner
            return partner
        code = customer.get("code")
        try:
            partner = self.env["res.partner"]._handoo_fetch(
                self.company, self.client, code, Counter()
            )
        except HandyNotFoundError:
            raise UserError(
                self.env._(
                    "Handy has no customer with code %(code)s, used by Handy order "
                    "%(id)s: it was deleted or its code changed. Restore the customer "
                    "in Handy, then retry.",
                    code=code,
                    id=order_id,
                )
            ) from None
        self.partners[key] = partner
        return partner

    def _product(self, product_data, source):
        """Return the Odoo product of a Handy product reference, reading it if new.

        :param source: what refers to the product, for messages ("Handy order 12")
        """
        if not product_data or not product_data.get("id"):
            raise UserError(
                self.env._("%(document)s has a line without product.", document=source)
            )
        key = str(product_data["id"])
        product = self.products.get(key)
        if product:
            return product
        template = self.env["product.template"]._handoo_find(self.company, [key])
        if template.get(key) and template[key].product_variant_id:
            self.products[key] = template[key].product_variant_id
            return self.products[key]
        code = product_data.get("code")
        try:
            template = self.env["product.template"]._handoo_fetch(
                self.company, self.client, code, Counter()
            )
        except HandyNotFoundError:
            raise UserError(
                self.env._(
                    "Handy has no product with code %(code)s, used by %(document)s: "
                    "it was deleted or its code changed. Restore the product in "
                    "Handy or correct the order, then retry.",
                    code=code,
                    document=source,
                )
            ) from None
        product = template.product_variant_id
        if not product:
            raise UserError(
                self.env._(
                    "The product %(code)s of %(document)s is archived in Odoo.",
                    code=code,
                    document=source,
                )
            )
        self.products[key] = product
        return product

    def _seller(self, user):
        key = str((user or {}).get("id") or "")
        if key not in self.sellers:
            self.sellers[key] = self.env["handoo.seller"]._handoo_get_or_create(
                self.company, user
            )
        return self.sellers[key]


class _NewQuotation:
    """A Handy order checked and mapped, whose quotation is yet to be created."""

    __slots__ = ("payload", "previous", "vals")

    def __init__(self, payload, vals, previous):
        self.payload = payload
        self.vals = vals
        self.previous = previous


def _versions(payload):
    """Return the order followed by every version it was edited from, newest first."""
    versions = []
    current = payload
    while current and len(versions) < 100:
        versions.append(current)
        current = current.get("editedFrom") if isinstance(current, dict) else None
    return versions


def _without_history(payload):
    """Return the payload with ``editedFrom`` reduced to ids, to keep it short."""
    trimmed = dict(payload)
    if trimmed.get("editedFrom"):
        trimmed["editedFrom"] = {"id": trimmed["editedFrom"].get("id")}
    return trimmed
