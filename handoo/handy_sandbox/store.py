"""In-memory state of the Handy sandbox and the business rules that change it.

Every public method takes one re-entrant lock, so the HTTP threads and the test
code can call the store at the same time. Methods return plain dicts shaped
exactly as the API returns them, never the internal records.
"""

import collections
import datetime as dt
import threading

from . import pricing
from .dates import UTC, coerce_datetime, to_iso
from .errors import OBJECT_CUSTOMER, OBJECT_PRODUCT, NotFoundError
from .orders import OrderRules, is_external_id
from .render import ROLES, SORTABLE_FIELDS, RecordRenderer
from .route_orders import RouteOrderRules
from .routes import RouteRules
from .validation import (
    FieldChecker,
    clean_customer,
    clean_family,
    clean_product,
    clean_zone,
)
from .webhooks import WebhookSender

STATE_FORMAT = "handy-sandbox-state"
STATE_VERSION = 2
# Version 1 had no routes; it still loads.
READABLE_STATE_VERSIONS = (1, 2)

# First id of each sequence. Separate ranges make it obvious when a caller mixes up,
# say, a customer id and a product id.
SEQUENCE_STARTS = {
    "user": 7001,
    "zone": 301,
    "productFamily": 401,
    "category": 501,
    "priceList": 601,
    "unit": 11,
    "tax": 1,
    "orderType": 1,
    "customer": 20001,
    "product": 40001,
    "salesOrder": 900001,
    "orderItem": 5000001,
    "unknownProduct": 49000001,
    "route": 5001,
}

DEFAULT_COMPANY = {
    "subscriptionStatus": "ACTIVE",
    "company": "Distribuidora Sandbox",
    "currency": "MXN",
    "productUnit": "PZA",
}
DEFAULT_UNITS = (("PZA", "Pieza"), ("CJA", "Caja"), ("KG", "Kilogramo"))
DEFAULT_ORDER_TYPE = "Pedido normal"

DATE_FIELDS = (
    "dateCreated",
    "lastUpdated",
    "mobileDateCreated",
    "dateDeleted",
    "scheduledDateForDelivery",
    "dateLoadAccepted",
    "dateFinished",
    "dateClosed",
)
TABLES = (
    "users",
    "zones",
    "families",
    "categories",
    "units",
    "taxes",
    "order_types",
    "price_lists",
    "customers",
    "products",
    "orders",
    "routes",
)


class SandboxStore(RecordRenderer, OrderRules, RouteRules, RouteOrderRules):
    """Records of one Handy company, with the rules for creating and changing them.

    ``webhooks`` sends the route events; ``clear`` and ``import_state`` leave it as
    it is.
    """

    def __init__(self):
        self.webhooks = WebhookSender()
        self._lock = threading.RLock()
        self._frozen_now = None
        self._request_counts = collections.Counter()
        self._version = 0
        self._reset_tables()

    # -- state ---------------------------------------------------------------

    def _reset_tables(self):
        self._company = dict(DEFAULT_COMPANY)
        self._sequences = dict(SEQUENCE_STARTS)
        for table in TABLES:
            setattr(self, "_" + table, {})
        self._customer_codes = {}
        self._product_codes = {}
        for code, description in DEFAULT_UNITS:
            self._insert_unit(code, description)
        order_type_id = self._next_id("orderType")
        self._order_types[order_type_id] = {
            "id": order_type_id,
            "description": DEFAULT_ORDER_TYPE,
            "enabled": True,
        }

    def _next_id(self, sequence):
        value = self._sequences[sequence]
        self._sequences[sequence] = value + 1
        return value

    def _mark_changed(self):
        self._version += 1

    @property
    def version(self):
        """Counter that grows with every change of the data, to decide when to save."""
        with self._lock:
            return self._version

    def clear(self):
        """Remove every record and start the id sequences again."""
        with self._lock:
            self._reset_tables()
            self._mark_changed()

    def load_generated(self, seed, **options):
        """Replace the data with demo data from ``generate``; return the summary."""
        from .generator import populate

        with self._lock:
            self._reset_tables()
            populate(self, seed, **options)
            self._mark_changed()
            return self.summary()

    # -- clock ---------------------------------------------------------------

    def now(self):
        """Return the store's current time in UTC, whole seconds.

        The time stays fixed after ``set_clock`` froze it.
        """
        with self._lock:
            frozen = self._frozen_now
        if frozen is not None:
            return frozen
        return dt.datetime.now(UTC).replace(microsecond=0)

    def is_clock_frozen(self):
        with self._lock:
            return self._frozen_now is not None

    def set_clock(self, value):
        """Freeze the clock at a datetime or ISO string (naive means UTC).

        None unfreezes it.
        """
        with self._lock:
            self._frozen_now = coerce_datetime(value)

    # -- company -------------------------------------------------------------

    def company(self):
        with self._lock:
            return dict(self._company)

    def set_company(self, **fields):
        """Change the company data that ``GET /company`` returns."""
        unknown = set(fields) - set(DEFAULT_COMPANY)
        if unknown:
            raise ValueError(
                f"unknown company fields: {sorted(unknown)}; "
                f"use {sorted(DEFAULT_COMPANY)}"
            )
        with self._lock:
            self._company.update(fields)
            self._mark_changed()
            return dict(self._company)

    # -- catalogs embedded in other records ----------------------------------

    def _insert_unit(self, code, description):
        unit_id = self._next_id("unit")
        self._units[unit_id] = {
            "id": unit_id,
            "code": code,
            "description": description,
            "enabled": True,
        }
        return unit_id

    def _unit_id_for_code(self, code):
        for unit in self._units.values():
            if unit["code"] == code:
                return unit["id"]
        return self._insert_unit(code, None)

    def _tax_id_for(self, name, amount):
        """Return the id of the tax with that name and rate, creating it when new."""
        amount = float(amount)
        for tax in self._taxes.values():
            if tax["name"] == name and tax["amount"] == amount:
                return tax["id"]
        tax_id = self._next_id("tax")
        self._taxes[tax_id] = {
            "id": tax_id,
            "name": name,
            "amount": amount,
            "enabled": True,
        }
        return tax_id

    def add_category(self, description, enabled=True):
        """Add a product category and return it as embedded in products."""
        with self._lock:
            category_id = self._next_id("category")
            self._categories[category_id] = {
                "id": category_id,
                "description": description,
                "enabled": enabled,
            }
            self._mark_changed()
            return dict(self._categories[category_id])

    def _category_id_for_description(self, description):
        for category in self._categories.values():
            if category["description"] == description:
                return category["id"]
        return self.add_category(description)["id"]

    # -- users ---------------------------------------------------------------

    def add_user(
        self,
        name,
        username,
        role_id=4,
        enabled=True,
        extras="",
        email=None,
        date_created=None,
    ):
        """Add a user; ``email`` defaults to ``username`` if that is an address."""
        if role_id not in ROLES:
            raise ValueError(f"unknown role id {role_id}; use one of {sorted(ROLES)}")
        with self._lock:
            created = coerce_datetime(date_created) or self.now()
            user_id = self._next_id("user")
            if email is None and "@" in username:
                email = username
            self._users[user_id] = {
                "id": user_id,
                "username": username,
                "name": name,
                "email": email,
                "enabled": enabled,
                "extras": extras,
                "_role_id": role_id,
                "pictureUrl": "https://cdn.handy.la/web-app/sales/user-profile.png",
                "dateCreated": created,
                "lastUpdated": created,
            }
            self._mark_changed()
            return self._render_user(self._users[user_id])

    def update_user(self, user_id, /, **fields):
        """Change a user as an administrator would in the portal."""
        allowed = {"name", "username", "email", "enabled", "extras", "role_id"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(
                f"unknown user fields: {sorted(unknown)}; use {sorted(allowed)}"
            )
        if "role_id" in fields and fields["role_id"] not in ROLES:
            raise ValueError(
                f"unknown role id {fields['role_id']}; use one of {sorted(ROLES)}"
            )
        with self._lock:
            user = self._get(self._users, user_id, "No existe un usuario con id {key}.")
            changes = {
                ("_role_id" if key == "role_id" else key): value
                for key, value in fields.items()
            }
            self._apply_changes(user, changes)
            return self._render_user(user)

    def _default_seller_id(self):
        """Return the first enabled salesperson, else the first user, else None."""
        for user in self._users.values():
            if user["_role_id"] == 4 and user["enabled"]:
                return user["id"]
        return next(iter(self._users), None)

    def _default_admin_id(self):
        """Return the first enabled administrator, else the default salesperson."""
        for user in self._users.values():
            if user["_role_id"] == 1 and user["enabled"]:
                return user["id"]
        return self._default_seller_id()

    # -- price lists ---------------------------------------------------------

    def add_price_list(self, code, name, enabled=True, date_created=None):
        with self._lock:
            if any(
                price_list["code"] == code for price_list in self._price_lists.values()
            ):
                raise ValueError(f"a price list with code {code!r} already exists")
            created = coerce_datetime(date_created) or self.now()
            price_list_id = self._next_id("priceList")
            self._price_lists[price_list_id] = {
                "id": price_list_id,
                "code": code,
                "name": name,
                "enabled": enabled,
                "dateCreated": created,
                "lastUpdated": created,
            }
            self._mark_changed()
            return self._render_price_list(self._price_lists[price_list_id])

    # -- zones and families --------------------------------------------------

    def add_zone(self, description, color=None, enabled=True, date_created=None):
        return self.create_from_body(
            "zone",
            {"description": description, "color": color, "enabled": enabled},
            date_created,
        )

    def add_family(self, description, enabled=True, date_created=None):
        return self.create_from_body(
            "productFamily",
            {"description": description, "enabled": enabled},
            date_created,
        )

    def update_zone(self, zone_id, /, **fields):
        """Change a zone as the portal would.

        ``lastUpdated`` moves only if a value changes.
        """
        return self.update_from_body("zone", zone_id, fields)

    def update_family(self, family_id, /, **fields):
        return self.update_from_body("productFamily", family_id, fields)

    # -- customers and products ----------------------------------------------

    def add_customer(self, code, description, zone_id, date_created=None, **fields):
        """Add a customer; ``fields`` use the API names.

        Examples of such names are ``businessName``, ``rfc`` and ``priceList``.
        """
        body = dict(fields, code=code, description=description, zone=zone_id)
        return self.create_from_body("customer", body, date_created)

    def add_product(
        self,
        code,
        description,
        price,
        family_id,
        tax_rate=16.0,
        tax_optional_rate=None,
        date_created=None,
        **fields,
    ):
        """Add a product with a tax-included ``price``; ``fields`` use the API names.

        ``tax_rate`` is an IVA percentage and ``tax_optional_rate`` an IEPS percentage;
        None leaves the tax out.
        """
        body = dict(
            fields, code=code, description=description, price=price, family=family_id
        )
        body["tax"] = (
            None
            if tax_rate is None
            else {"name": pricing.DEFAULT_TAX_NAME, "amount": tax_rate}
        )
        if tax_optional_rate is None:
            body["taxOptional"] = None
        else:
            body["taxOptional"] = {
                "name": pricing.DEFAULT_OPTIONAL_TAX_NAME,
                "amount": tax_optional_rate,
            }
        return self.create_from_body("product", body, date_created)

    def update_customer(self, code, /, **fields):
        """Change a customer as the portal would.

        ``lastUpdated`` moves only if a value changes.
        """
        return self.update_from_body("customer", code, fields)

    def update_product(self, code, /, **fields):
        """Change a product as the portal would.

        ``lastUpdated`` moves only if a value changes.
        """
        return self.update_from_body("product", code, fields)

    def _backdate(self, resource, key, last_updated):
        """Set ``lastUpdated`` of a customer or product without other changes.

        Only the generator uses it.
        """
        with self._lock:
            if resource == "customer":
                record = self._customers[self._customer_codes[key]]
            else:
                record = self._products[self._product_codes[key]]
            record["lastUpdated"] = coerce_datetime(last_updated)
            self._mark_changed()

    # -- writes shared by the API and the Python methods ----------------------

    def create_from_body(self, resource, body, date_created=None):
        """Create a zone, productFamily, customer or product from an API body.

        Raises ValidationError with every field error found. Returns the record as
        ``GET`` returns it.
        """
        creators = {
            "zone": self._create_zone,
            "productFamily": self._create_family,
            "customer": self._create_customer,
            "product": self._create_product,
        }
        with self._lock:
            created = coerce_datetime(date_created) or self.now()
            record = creators[resource](body, created)
            self._mark_changed()
            return self._renderer(resource)(record)

    def update_from_body(self, resource, key, body):
        """Merge an API body into a record named by id (zones, families) or code.

        Keys left out keep their value, and unknown keys are ignored. Raises
        NotFoundError or ValidationError.
        """
        updaters = {
            "zone": self._update_zone,
            "productFamily": self._update_family,
            "customer": self._update_customer,
            "product": self._update_product,
        }
        with self._lock:
            record = updaters[resource](key, body)
            return self._renderer(resource)(record)

    def _apply_changes(self, record, changes):
        """Set the changed values, and bump ``lastUpdated`` if any value differs."""
        changed = False
        for key, value in changes.items():
            if record.get(key) != value:
                record[key] = value
                changed = True
        if changed:
            record["lastUpdated"] = self.now()
            self._mark_changed()
        return changed

    def _create_zone(self, body, created):
        cleaned = clean_zone(body, creating=True)
        zone_id = self._next_id("zone")
        self._zones[zone_id] = {
            "id": zone_id,
            "description": cleaned["description"],
            "color": cleaned.get("color"),
            "enabled": cleaned.get("enabled", True),
            "dateCreated": created,
            "lastUpdated": created,
        }
        return self._zones[zone_id]

    def _update_zone(self, zone_id, body):
        zone = self._get(self._zones, zone_id, "No existe una zona con id {key}.")
        self._apply_changes(zone, clean_zone(body, creating=False))
        return zone

    def _create_family(self, body, created):
        cleaned = clean_family(body, creating=True)
        family_id = self._next_id("productFamily")
        self._families[family_id] = {
            "id": family_id,
            "description": cleaned["description"],
            "enabled": cleaned.get("enabled", True),
            "dateCreated": created,
            "lastUpdated": created,
        }
        return self._families[family_id]

    def _update_family(self, family_id, body):
        family = self._get(
            self._families,
            family_id,
            "No existe una familia de productos con id {key}.",
        )
        self._apply_changes(family, clean_family(body, creating=False))
        return family

    def _resolve_zone(self, checker, reference):
        kind, value = reference
        if value not in self._zones:
            checker.reject("zone", value, f"No existe una zona con id {value}.")
            return None
        return value

    def _resolve_price_list(self, checker, reference):
        if reference is None:
            return None
        kind, value = reference
        for price_list in self._price_lists.values():
            if price_list[kind] == value:
                return price_list["id"]
        checker.reject(
            "priceList", value, f"No existe una lista de precios con {kind} '{value}'."
        )
        return None

    def _create_customer(self, body, created):
        checker = FieldChecker(OBJECT_CUSTOMER)
        cleaned = clean_customer(body, True, checker)
        code = cleaned.get("code")
        if code is not None and code in self._customer_codes:
            checker.reject(
                "code", code, f"Ya existe un cliente con el código '{code}'."
            )
        zone_id = (
            self._resolve_zone(checker, cleaned["zone"])
            if cleaned.get("zone")
            else None
        )
        price_list_id = self._resolve_price_list(checker, cleaned.get("priceList"))
        checker.raise_if_any()

        customer_id = self._next_id("customer")
        customer = {
            "id": customer_id,
            "code": code,
            "description": cleaned["description"],
            "businessName": None,
            "rfc": None,
            "address": None,
            "neighborhood": None,
            "city": None,
            "postalCode": None,
            "phoneNumber": None,
            "email": None,
            "latitude": None,
            "longitude": None,
            "_zone_id": zone_id,
            "_price_list_id": price_list_id,
            "balance": 0.0,
            "credit": 0.0,
            "creditDays": 0,
            "comments": None,
            "prospect": False,
            "fiscalRegime": None,
            "cfdiUse": None,
            "enabled": True,
            "dateCreated": created,
            "lastUpdated": created,
        }
        for key, value in cleaned.items():
            if key not in ("code", "zone", "priceList"):
                customer[key] = value
        self._customers[customer_id] = customer
        self._customer_codes[code] = customer_id
        return customer

    def _update_customer(self, code, body):
        customer = self._get_by_code(
            self._customers,
            self._customer_codes,
            code,
            "No existe un cliente con el código '{key}'.",
        )
        checker = FieldChecker(OBJECT_CUSTOMER)
        if "code" in body and body["code"] != customer["code"]:
            checker.reject(
                "code", body["code"], "El código de un cliente no se puede cambiar."
            )
        cleaned = clean_customer(body, False, checker)
        changes = {
            key: value
            for key, value in cleaned.items()
            if key not in ("zone", "priceList")
        }
        if cleaned.get("zone"):
            changes["_zone_id"] = self._resolve_zone(checker, cleaned["zone"])
        if "priceList" in cleaned:
            changes["_price_list_id"] = self._resolve_price_list(
                checker, cleaned["priceList"]
            )
        checker.raise_if_any()
        self._apply_changes(customer, changes)
        return customer

    def _resolve_product_references(self, checker, cleaned):
        """Turn the product's reference fields into internal ids.

        Errors go to ``checker``, in the order family, tax, taxOptional, unit,
        category.
        """
        resolved = {}
        self._resolve_product_family(checker, cleaned, resolved)
        self._resolve_product_taxes(checker, cleaned, resolved)
        self._resolve_product_unit(checker, cleaned, resolved)
        self._resolve_product_category(checker, cleaned, resolved)
        return resolved

    def _resolve_product_family(self, checker, cleaned, resolved):
        if cleaned.get("family"):
            family_id = cleaned["family"][1]
            if family_id in self._families:
                resolved["_family_id"] = family_id
            else:
                checker.reject(
                    "family",
                    family_id,
                    f"No existe una familia de productos con id {family_id}.",
                )

    def _resolve_product_taxes(self, checker, cleaned, resolved):
        for field, key, default_name in (
            ("tax", "_tax_id", pricing.DEFAULT_TAX_NAME),
            ("taxOptional", "_tax_optional_id", pricing.DEFAULT_OPTIONAL_TAX_NAME),
        ):
            if field not in cleaned:
                continue
            reference = cleaned[field]
            if reference is None:
                resolved[key] = None
            elif reference[0] == "id":
                if reference[1] in self._taxes:
                    resolved[key] = reference[1]
                else:
                    checker.reject(
                        field,
                        reference[1],
                        f"No existe un impuesto con id {reference[1]}.",
                    )
            else:
                resolved[key] = self._tax_id_for(
                    reference[1] or default_name, reference[2]
                )

    def _resolve_product_unit(self, checker, cleaned, resolved):
        if cleaned.get("unit"):
            kind, value = cleaned["unit"]
            if kind == "id":
                if value in self._units:
                    resolved["_unit_id"] = value
                else:
                    checker.reject(
                        "unit", value, f"No existe una unidad con id {value}."
                    )
            elif isinstance(value, str) and value.strip():
                resolved["_unit_id"] = self._unit_id_for_code(value.strip())
            else:
                checker.reject(
                    "unit",
                    value,
                    "La clave de la unidad debe ser un texto, como 'PZA'.",
                )

    def _resolve_product_category(self, checker, cleaned, resolved):
        if "category" in cleaned:
            reference = cleaned["category"]
            if reference is None:
                resolved["_category_id"] = None
            elif reference[0] == "id":
                if reference[1] in self._categories:
                    resolved["_category_id"] = reference[1]
                else:
                    checker.reject(
                        "category",
                        reference[1],
                        f"No existe una categoría con id {reference[1]}.",
                    )
            elif isinstance(reference[1], str) and reference[1].strip():
                resolved["_category_id"] = self._category_id_for_description(
                    reference[1].strip()
                )
            else:
                checker.reject(
                    "category", reference[1], "La categoría debe tener una descripción."
                )

    def _product_rates(self, tax_id, tax_optional_id):
        return [
            self._taxes[tax_id]["amount"]
            for tax_id in (tax_id, tax_optional_id)
            if tax_id is not None
        ]

    def _create_product(self, body, created):
        checker = FieldChecker(OBJECT_PRODUCT)
        cleaned = clean_product(body, True, checker)
        code = cleaned.get("code")
        if code is not None and code in self._product_codes:
            checker.reject(
                "code", code, f"Ya existe un producto con el código '{code}'."
            )
        resolved = self._resolve_product_references(checker, cleaned)
        checker.raise_if_any()

        tax_id = resolved.get("_tax_id")
        tax_optional_id = resolved.get("_tax_optional_id")
        rates = self._product_rates(tax_id, tax_optional_id)
        price = cleaned["price"]
        base_price = cleaned.get("basePrice")
        if base_price is None:
            base_price = pricing.base_from_price(price, rates)
        product_id = self._next_id("product")
        product = {
            "id": product_id,
            "code": code,
            "description": cleaned["description"],
            "details": cleaned.get("details"),
            "barcode": cleaned.get("barcode"),
            "price": price,
            "basePrice": base_price,
            "minimumPrice": cleaned.get("minimumPrice"),
            "quantity": cleaned.get("quantity", 0.0),
            "_tax_id": tax_id,
            "_tax_optional_id": tax_optional_id,
            "_unit_id": resolved.get("_unit_id")
            or self._unit_id_for_code(self._company["productUnit"]),
            "_family_id": resolved["_family_id"],
            "_category_id": resolved.get("_category_id"),
            "pictureUrl": cleaned.get(
                "pictureUrl", "https://cdn.handy.la/products/generic.jpg"
            ),
            "satProductCode": cleaned.get("satProductCode", ""),
            "satUnitCode": cleaned.get("satUnitCode", ""),
            "enabled": cleaned.get("enabled", True),
            "dateCreated": created,
            "lastUpdated": created,
        }
        self._products[product_id] = product
        self._product_codes[code] = product_id
        return product

    def _update_product(self, code, body):
        product = self._get_by_code(
            self._products,
            self._product_codes,
            code,
            "No existe un producto con el código '{key}'.",
        )
        checker = FieldChecker(OBJECT_PRODUCT)
        if "code" in body and body["code"] != product["code"]:
            checker.reject(
                "code", body["code"], "El código de un producto no se puede cambiar."
            )
        cleaned = clean_product(body, False, checker)
        changes = self._resolve_product_references(checker, cleaned)
        checker.raise_if_any()
        for key, value in cleaned.items():
            if key not in ("family", "tax", "taxOptional", "unit", "category"):
                changes[key] = value

        # Prices are tax included: a new price or tax rate moves basePrice, and a
        # basePrice sent alone moves price.
        tax_id = changes.get("_tax_id", product["_tax_id"])
        tax_optional_id = changes.get("_tax_optional_id", product["_tax_optional_id"])
        rates = self._product_rates(tax_id, tax_optional_id)
        taxes_changed = (
            tax_id != product["_tax_id"]
            or tax_optional_id != product["_tax_optional_id"]
        )
        if "basePrice" in cleaned and "price" not in cleaned:
            changes["price"] = pricing.price_with_taxes(cleaned["basePrice"], rates)
        elif "basePrice" not in cleaned and ("price" in cleaned or taxes_changed):
            changes["basePrice"] = pricing.base_from_price(
                changes.get("price", product["price"]), rates
            )
        self._apply_changes(product, changes)
        return product

    # -- reads ---------------------------------------------------------------

    def _get(self, table, key, message):
        record = (
            table.get(key)
            if isinstance(key, int) and not isinstance(key, bool)
            else None
        )
        if record is None:
            raise NotFoundError(message.format(key=key))
        return record

    def _get_by_code(self, table, codes, code, message):
        record_id = codes.get(code) if isinstance(code, str) else None
        if record_id is None:
            raise NotFoundError(message.format(key=code))
        return table[record_id]

    def _renderer(self, resource):
        return {
            "user": self._render_user,
            "zone": self._render_zone,
            "productFamily": self._render_family,
            "priceList": self._render_price_list,
            "customer": self._render_customer,
            "product": self._render_product,
            "salesOrder": self._render_order,
            "route": self._render_route,
        }[resource]

    def _table(self, resource):
        return {
            "user": self._users,
            "zone": self._zones,
            "productFamily": self._families,
            "priceList": self._price_lists,
            "customer": self._customers,
            "product": self._products,
            "salesOrder": self._orders,
            "route": self._routes,
        }[resource]

    def get_user(self, user_id):
        with self._lock:
            return self._render_user(
                self._get(self._users, user_id, "No existe un usuario con id {key}.")
            )

    def get_zone(self, zone_id):
        with self._lock:
            return self._render_zone(
                self._get(self._zones, zone_id, "No existe una zona con id {key}.")
            )

    def get_family(self, family_id):
        with self._lock:
            family = self._get(
                self._families,
                family_id,
                "No existe una familia de productos con id {key}.",
            )
            return self._render_family(family)

    def get_customer(self, code):
        with self._lock:
            customer = self._get_by_code(
                self._customers,
                self._customer_codes,
                code,
                "No existe un cliente con el código '{key}'.",
            )
            return self._render_customer(customer)

    def get_customer_by_id(self, customer_id):
        with self._lock:
            return self._render_customer(
                self._get(
                    self._customers, customer_id, "No existe un cliente con id {key}."
                )
            )

    def get_product(self, code):
        with self._lock:
            product = self._get_by_code(
                self._products,
                self._product_codes,
                code,
                "No existe un producto con el código '{key}'.",
            )
            return self._render_product(product)

    def get_product_by_id(self, product_id):
        with self._lock:
            return self._render_product(
                self._get(
                    self._products, product_id, "No existe un producto con id {key}."
                )
            )

    def get_order(self, order_id):
        with self._lock:
            return self._render_order(
                self._get(self._orders, order_id, "No existe un pedido con id {key}.")
            )

    def get_order_by_external_id(self, external_id):
        """Return the order with that ``externalId``; raises NotFoundError.

        When several orders share it (an edit chain), the one not deleted wins, then
        the highest id.
        """
        with self._lock:
            matches = [
                order
                for order in self._orders.values()
                if order["externalId"] == external_id
            ]
            if not matches or not is_external_id(external_id):
                raise NotFoundError(
                    f"No existe un pedido con externalId {external_id}."
                )
            best = max(matches, key=lambda order: (not order["deleted"], order["id"]))
            return self._render_order(best)

    def users(self):
        with self._lock:
            return [self._render_user(user) for user in self._users.values()]

    def zones(self):
        with self._lock:
            return [self._render_zone(zone) for zone in self._zones.values()]

    def families(self):
        with self._lock:
            return [self._render_family(family) for family in self._families.values()]

    def price_lists(self):
        with self._lock:
            return [
                self._render_price_list(price_list)
                for price_list in self._price_lists.values()
            ]

    def customers(self):
        with self._lock:
            return [
                self._render_customer(customer) for customer in self._customers.values()
            ]

    def products(self):
        with self._lock:
            return [
                self._render_product(product) for product in self._products.values()
            ]

    def orders(self, deleted=None):
        """Return every order, or only deleted (True) or live (False) ones, by id."""
        with self._lock:
            return [
                self._render_order(order)
                for order in sorted(
                    self._orders.values(), key=lambda order: order["id"]
                )
                if deleted is None or order["deleted"] == deleted
            ]

    def query(
        self,
        resource,
        filters=None,
        text_filters=None,
        date_field="dateCreated",
        start=None,
        end=None,
        sort="id",
        descending=False,
        offset=0,
        limit=10,
    ):
        """Filter, sort and slice one resource; return ``(total count, rendered page)``.

        ``filters`` maps internal keys to the value they must equal, ``text_filters``
        maps keys to a case-insensitive substring. ``start`` and ``end`` are
        inclusive UTC bounds on ``date_field``; records where it is null never match
        a window. Null values sort last in ascending order, and ties keep id order.
        """
        if sort not in SORTABLE_FIELDS[resource]:
            raise ValueError(f"cannot sort {resource} by {sort!r}")
        filters = filters or {}
        text_filters = {
            key: value.casefold() for key, value in (text_filters or {}).items()
        }
        with self._lock:
            matches = []
            for record in self._table(resource).values():
                if any(record.get(key) != value for key, value in filters.items()):
                    continue
                if any(
                    value not in (record.get(key) or "").casefold()
                    for key, value in text_filters.items()
                ):
                    continue
                if start is not None or end is not None:
                    when = record.get(date_field)
                    if (
                        when is None
                        or (start is not None and when < start)
                        or (end is not None and when > end)
                    ):
                        continue
                matches.append(record)
            matches.sort(key=lambda record: record["id"])
            if sort != "id" or descending:
                matches.sort(
                    key=lambda record: (record[sort] is None, record[sort]),
                    reverse=descending,
                )
            render = self._renderer(resource)
            return len(matches), [
                render(record) for record in matches[offset : offset + limit]
            ]

    # -- statistics ----------------------------------------------------------

    def count_request(self, key):
        """Count one API request under a key such as ``"GET /salesOrder/{id}"``."""
        with self._lock:
            self._request_counts[key] += 1

    def stats(self):
        """Return record counts and API request counts.

        Requests are counted per ``"METHOD /path-template"``.
        """
        with self._lock:
            orders = self._orders.values()
            deleted = sum(1 for order in orders if order["deleted"])
            return {
                "records": {
                    "users": len(self._users),
                    "zones": len(self._zones),
                    "productFamilies": len(self._families),
                    "customers": len(self._customers),
                    "disabledCustomers": sum(
                        1
                        for customer in self._customers.values()
                        if not customer["enabled"]
                    ),
                    "products": len(self._products),
                    "disabledProducts": sum(
                        1
                        for product in self._products.values()
                        if not product["enabled"]
                    ),
                    "priceLists": len(self._price_lists),
                    "salesOrders": len(self._orders),
                    "liveSalesOrders": len(self._orders) - deleted,
                    "deletedSalesOrders": deleted,
                    "editedSalesOrders": sum(
                        1 for order in orders if order["isEdited"]
                    ),
                    "routes": len(self._routes),
                    "closedRoutes": sum(
                        1 for route in self._routes.values() if route["closed"]
                    ),
                },
                "requests": dict(sorted(self._request_counts.items())),
                "totalRequests": sum(self._request_counts.values()),
            }

    def reset_stats(self):
        with self._lock:
            self._request_counts.clear()

    def summary(self):
        """Return a one-line count of the data, for the CLI and the control API."""
        records = self.stats()["records"]
        return (
            f"{records['users']} users, {records['zones']} zones, "
            f"{records['productFamilies']} product families, "
            f"{records['customers']} customers "
            f"({records['disabledCustomers']} disabled), "
            f"{records['products']} products "
            f"({records['disabledProducts']} disabled), "
            f"{records['salesOrders']} sales orders "
            f"({records['liveSalesOrders']} live, "
            f"{records['deletedSalesOrders']} deleted, of which "
            f"{records['editedSalesOrders']} replaced by an edit)"
        )

    # -- persistence ---------------------------------------------------------

    def export_state(self):
        """Return the whole state as JSON-ready data; ``import_state`` reads it back."""
        with self._lock:
            tables = {}
            for table in TABLES:
                tables[table] = [
                    _dates_to_text(record)
                    for record in getattr(self, "_" + table).values()
                ]
            return {
                "format": STATE_FORMAT,
                "version": STATE_VERSION,
                "exportedAt": to_iso(self.now()),
                "company": dict(self._company),
                "sequences": dict(self._sequences),
                "tables": tables,
            }

    def import_state(self, state):
        """Replace the data with a state from ``export_state``; raises ValueError."""
        if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
            raise ValueError(
                f"not a sandbox state: the 'format' key must be {STATE_FORMAT!r}"
            )
        if state.get("version") not in READABLE_STATE_VERSIONS:
            raise ValueError(
                f"unsupported state version {state.get('version')!r}; "
                f"expected one of {READABLE_STATE_VERSIONS}"
            )
        with self._lock:
            self._reset_tables()
            self._company = dict(state["company"])
            self._sequences.update(state["sequences"])
            for table in TABLES:
                records = {}
                for record in state["tables"].get(table, []):
                    records[record["id"]] = _dates_from_text(record)
                setattr(self, "_" + table, records)
            self._customer_codes = {
                customer["code"]: customer["id"]
                for customer in self._customers.values()
            }
            self._product_codes = {
                product["code"]: product["id"] for product in self._products.values()
            }
            for order in self._orders.values():
                _add_route_fields(order)
            self._mark_changed()


def _dates_to_text(record):
    copied = dict(record)
    for key in DATE_FIELDS:
        if isinstance(copied.get(key), dt.datetime):
            copied[key] = to_iso(copied[key])
    for key, value in copied.items():
        if isinstance(value, list):
            copied[key] = [
                dict(item) if isinstance(item, dict) else item for item in value
            ]
    return copied


def _dates_from_text(record):
    copied = dict(record)
    for key in DATE_FIELDS:
        if isinstance(copied.get(key), str):
            copied[key] = coerce_datetime(copied[key])
    return copied


def _add_route_fields(order):
    """Give an order from a version 1 state the fields that routes added."""
    order.setdefault("_route_id", None)
    for item in order["items"]:
        item.setdefault("returnCondition", "GOOD" if item["isReturn"] else None)
