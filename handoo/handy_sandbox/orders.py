"""Business rules of sales orders.

They cover creation, line arithmetic, edits, deletions and externalId.

``OrderRules`` is a mixin of SandboxStore. Its methods use the store's tables and
take its lock, like the rest of the store.
"""

import datetime as dt

from . import pricing
from .dates import MEXICO_CITY, coerce_datetime, parse_handy, to_utc
from .errors import OBJECT_ORDER, ValidationError, field_error
from .render import OPERATIVE_STATUS_LABELS
from .validation import FieldChecker, is_number

SALES_TYPE_PRESALE = "Preventa"
SALES_TYPE_ROUTE = "Venta en ruta"
SALES_TYPES = {
    "PRESALE": SALES_TYPE_PRESALE,
    "ROUTE": SALES_TYPE_ROUTE,
    SALES_TYPE_PRESALE: SALES_TYPE_PRESALE,
    SALES_TYPE_ROUTE: SALES_TYPE_ROUTE,
}
# NOTE: the literal that Handy returns for a route sale paid in cash is unknown;
# "Contado" follows the Spanish wording of salesType.
ROUTE_SALE_PAYMENT_DEFAULT = "Contado"
ROUTE_SALE_PAYMENT_TYPES = (ROUTE_SALE_PAYMENT_DEFAULT, "Crédito")
# Condition of the goods on a return line (isReturn); handoo assumes these literals.
RETURN_GOOD = "GOOD"
RETURN_DAMAGED = "DAMAGED"
RETURN_CONDITIONS = (RETURN_GOOD, RETURN_DAMAGED)
CREATION_SOURCES = ("WEB", "MOBILE", "API", "IMPORT")

MAX_EXTERNAL_ID = 2**63 - 1

_ORDER_TEXT_FIELDS = {
    "sellerComment": 2000,
    "routeSalePaymentType": 255,
    "promoIds": 2000,
    "promoNames": 2000,
}
_ORDER_NUMBER_FIELDS = ("latitude", "longitude", "accuracy")
_ORDER_BOOLEAN_FIELDS = ("tookInPlace", "exported", "billable", "billed")


class OrderRules:
    """Mixin of SandboxStore with the order methods."""

    def create_order(
        self,
        customer_code,
        items,
        seller_id=None,
        sales_type=SALES_TYPE_PRESALE,
        date_created=None,
        mobile_date_created=None,
        **fields,
    ):
        """Record an order as if a phone had sent it, and return it.

        ``items`` are dicts with ``product`` (a code), ``quantity`` and optionally
        ``discountPercentage``, ``isReward``, ``isReturn``, ``returnCondition``
        (``GOOD``, the default on return lines, or ``DAMAGED``) and ``price`` (the
        list price to use instead of the product's). A code missing from the catalog
        gives a line with a made-up product ``{id, code, description}``. Such a line
        may also carry ``description`` and ``tax`` (an IVA percentage, default 16).
        ``fields`` set order fields by their API names, such as ``sellerComment`` or
        ``billable``. Raises ValidationError.
        """
        with self._lock:
            checker = FieldChecker(OBJECT_ORDER)
            customer_id = self._customer_codes.get(customer_code)
            if customer_id is None:
                checker.reject(
                    "customer",
                    customer_code,
                    f"No existe un cliente con el código '{customer_code}'.",
                )
            if seller_id is None:
                seller_id = self._default_seller_id()
            elif seller_id not in self._users:
                checker.reject(
                    "createdBy", seller_id, f"No existe un usuario con id {seller_id}."
                )
            sales_type_value = SALES_TYPES.get(sales_type)
            if sales_type_value is None:
                checker.reject(
                    "salesType",
                    sales_type,
                    "El tipo de venta debe ser 'Preventa' (PRESALE) o "
                    "'Venta en ruta' (ROUTE).",
                )
            extra = self._clean_order_fields(fields, checker)
            built_items = self._build_items(
                items, checker, "items", allow_unknown_products=True
            )
            created, mobile = self._order_dates(
                checker, date_created, mobile_date_created
            )
            checker.raise_if_any()
            order = self._insert_order(
                customer_id,
                seller_id,
                sales_type_value,
                built_items,
                created,
                mobile,
                extra,
            )
            return self._render_order(order)

    def create_order_from_body(self, body):
        """Create an order from a ``POST /salesOrder`` body, as an integration would.

        The body has ``mobileDateCreated`` (``dd/MM/yyyy HH:mm:ss``, Mexico City
        time), ``customerId`` (a customer code) and ``orderItems`` of ``{product,
        quantity, price}``. Unknown product codes are rejected here.
        """
        with self._lock:
            checker = FieldChecker(OBJECT_ORDER)
            customer_code = body.get("customerId")
            customer_id = None
            if customer_code is None:
                checker.reject(
                    "customerId",
                    None,
                    "El campo 'customerId' es obligatorio: "
                    "envíe el código del cliente.",
                )
            elif (
                not isinstance(customer_code, str)
                or customer_code not in self._customer_codes
            ):
                checker.reject(
                    "customerId",
                    customer_code,
                    f"No existe un cliente con el código '{customer_code}'.",
                )
            else:
                customer_id = self._customer_codes[customer_code]
            mobile = None
            if body.get("mobileDateCreated") is not None:
                try:
                    mobile = parse_handy(body["mobileDateCreated"])
                except ValueError:
                    checker.reject(
                        "mobileDateCreated",
                        body["mobileDateCreated"],
                        "La fecha no tiene el formato dd/MM/yyyy HH:mm:ss.",
                    )
            extra = {}
            if "sellerComment" in body:
                extra = self._clean_order_fields(
                    {"sellerComment": body["sellerComment"]}, checker
                )
            built_items = self._build_items(
                body.get("orderItems"),
                checker,
                "orderItems",
                allow_unknown_products=False,
            )
            checker.raise_if_any()

            created = self.now()
            extra.update(
                creationSource="API",
                latitude=None,
                longitude=None,
                accuracy=None,
                tookInPlace=False,
                networkSignalQuality=-1,
            )
            order = self._insert_order(
                customer_id,
                self._default_admin_id(),
                SALES_TYPE_PRESALE,
                built_items,
                created,
                mobile or created,
                extra,
            )
            return self._render_order(order)

    def _order_dates(self, checker, date_created, mobile_date_created):
        try:
            created = coerce_datetime(date_created) or self.now()
        except ValueError:
            checker.reject("dateCreated", date_created, "La fecha no es ISO 8601.")
            created = self.now()
        try:
            mobile = coerce_datetime(mobile_date_created) or created
        except ValueError:
            checker.reject(
                "mobileDateCreated", mobile_date_created, "La fecha no es ISO 8601."
            )
            mobile = created
        return created, mobile

    def _clean_order_fields(self, fields, checker):
        """Check the optional order fields that ``create_order`` accepts."""
        cleaned = {}
        for key, value in fields.items():
            if key == "scheduledDateForDelivery":
                try:
                    value = coerce_datetime(value)
                except ValueError:
                    checker.reject(key, value, "La fecha no es ISO 8601.")
                    continue
            else:
                message = _order_field_error(key, value)
                if message is not None:
                    checker.reject(key, value, message)
                    continue
            cleaned[key] = value
        return cleaned

    def _build_items(self, items, checker, field, allow_unknown_products):
        """Check order lines; return internal items with their prices and totals."""
        if not isinstance(items, list) or not items:
            checker.reject(field, items, "El pedido debe tener al menos un producto.")
            return []
        built = []
        for index, spec in enumerate(items):
            prefix = f"{field}[{index}]"
            if not isinstance(spec, dict):
                checker.reject(
                    prefix,
                    spec,
                    "Cada partida debe ser un objeto con 'product' y 'quantity'.",
                )
                continue
            errors_before = len(checker.errors)
            code = spec.get("product")
            if not isinstance(code, str) or not code:
                checker.reject(
                    f"{prefix}.product",
                    code,
                    "El campo 'product' es obligatorio: envíe el código del producto.",
                )
            quantity = spec.get("quantity")
            if not is_number(quantity) or quantity <= 0:
                checker.reject(
                    f"{prefix}.quantity",
                    quantity,
                    "La cantidad debe ser un número mayor que cero.",
                )
            discount = spec.get("discountPercentage", 0)
            if not is_number(discount) or not 0 <= discount <= 100:
                checker.reject(
                    f"{prefix}.discountPercentage",
                    discount,
                    "El descuento debe ser un porcentaje entre 0 y 100.",
                )
            is_reward = spec.get("isReward", False)
            is_return = spec.get("isReturn", False)
            return_condition = spec.get("returnCondition")
            _check_line_flags(checker, prefix, is_reward, is_return, return_condition)
            price = spec.get("price")
            if price is not None and (not is_number(price) or price < 0):
                checker.reject(
                    f"{prefix}.price",
                    price,
                    f"El valor '{price}' no es un precio válido.",
                )
            product_id = (
                self._product_codes.get(code) if isinstance(code, str) else None
            )
            if (
                product_id is None
                and isinstance(code, str)
                and code
                and not allow_unknown_products
            ):
                checker.reject(
                    f"{prefix}.product",
                    code,
                    f"No existe un producto con el código '{code}'.",
                )
            if len(checker.errors) > errors_before:
                continue
            built.append(
                self._make_item(
                    spec,
                    code,
                    product_id,
                    quantity,
                    discount,
                    is_reward,
                    is_return,
                    return_condition,
                    price,
                    checker,
                    prefix,
                )
            )
        return built

    def _make_item(
        self,
        spec,
        code,
        product_id,
        quantity,
        discount,
        is_reward,
        is_return,
        return_condition,
        price,
        checker,
        prefix,
    ):
        if product_id is not None:
            product = self._products[product_id]
            product_ref = None
            original_price = product["price"] if price is None else price
            tax_id = product["_tax_id"]
            tax_optional_id = product["_tax_optional_id"]
        else:
            description = spec.get("description") or f"Producto {code}"
            product_ref = {
                "id": self._next_id("unknownProduct"),
                "code": code,
                "description": description,
            }
            original_price = 0.0 if price is None else price
            rate = spec.get("tax", 16.0)
            if not is_number(rate):
                checker.reject(
                    f"{prefix}.tax", rate, "El impuesto debe ser un porcentaje."
                )
                rate = 16.0
            tax_id = self._tax_id_for(pricing.DEFAULT_TAX_NAME, rate)
            tax_optional_id = None
        unit_price, total, discount = pricing.compute_line(
            original_price, quantity, discount, is_reward
        )
        discount_text = None
        if discount and not is_reward:
            discount_text = f"{discount:g} % de descuento"
        return {
            "id": None,
            "_product_id": product_id,
            "_product_ref": product_ref,
            "quantity": quantity,
            "originalPrice": float(original_price),
            "discountPercentage": discount,
            "discount": discount_text,
            "price": unit_price,
            "total": total,
            "priceType": "REWARD" if is_reward else "REGULAR",
            "isReward": is_reward,
            "isReturn": is_return,
            "returnCondition": (return_condition or RETURN_GOOD) if is_return else None,
            "delivered": 0.0,
            "_tax_id": tax_id,
            "_tax_optional_id": tax_optional_id,
            "promoIds": None,
            "promoNames": None,
            "comments": spec.get("comments"),
        }

    def _insert_order(
        self,
        customer_id,
        seller_id,
        sales_type,
        items,
        created,
        mobile,
        extra,
        edited_from=None,
        route_id=None,
    ):
        customer = self._customers[customer_id]
        presale = sales_type == SALES_TYPE_PRESALE
        fields = {
            "sellerComment": "",
            "scheduledDateForDelivery": _next_morning(mobile) if presale else None,
            "latitude": customer["latitude"],
            "longitude": customer["longitude"],
            "accuracy": 10.0,
            "tookInPlace": True,
            "exported": False,
            "billable": False,
            "billed": False,
            "routeSalePaymentType": None if presale else ROUTE_SALE_PAYMENT_DEFAULT,
            "promoIds": None,
            "promoNames": None,
            "networkSignalQuality": 4,
            "creationSource": "MOBILE",
            "operativeStatus": "PENDING_DELIVERY" if presale else "DELIVERED_COMPLETE",
            "externalId": None,
        }
        fields.update(extra)
        for item in items:
            item["id"] = self._next_id("orderItem")
        total_sales, total_tax, total_before_tax = pricing.compute_totals(
            (
                item["total"],
                self._product_rates(item["_tax_id"], item["_tax_optional_id"]),
                not item["isReturn"],
            )
            for item in items
        )
        order_id = self._next_id("salesOrder")
        order = {
            "id": order_id,
            "externalId": fields["externalId"],
            "mobileDateCreated": mobile,
            "dateCreated": created,
            "_customer_id": customer_id,
            "_created_by_id": seller_id,
            "items": items,
            "_type_id": edited_from["_type_id"] if edited_from else 1,
            "salesType": sales_type,
            "operativeStatus": fields["operativeStatus"],
            "totalSales": total_sales,
            "totalBeforeTax": total_before_tax,
            "totalTax": total_tax,
            "scheduledDateForDelivery": fields["scheduledDateForDelivery"],
            "sellerComment": fields["sellerComment"],
            "latitude": fields["latitude"],
            "longitude": fields["longitude"],
            "accuracy": fields["accuracy"],
            "tookInPlace": fields["tookInPlace"],
            "_price_list_id": edited_from["_price_list_id"]
            if edited_from
            else customer["_price_list_id"],
            "exported": fields["exported"],
            "billable": fields["billable"],
            "billed": fields["billed"],
            "routeSalePaymentType": fields["routeSalePaymentType"],
            "promoIds": fields["promoIds"],
            "promoNames": fields["promoNames"],
            "networkSignalQuality": fields["networkSignalQuality"],
            "creationSource": fields["creationSource"],
            "deleted": False,
            "dateDeleted": None,
            "_deleted_by_id": None,
            "isEdited": False,
            "_edited_from_id": edited_from["id"] if edited_from else None,
            "_route_id": route_id,
            "lastUpdated": created,
        }
        self._orders[order_id] = order
        self._mark_changed()
        return order

    def edit_order(
        self,
        order_id,
        items,
        date_created=None,
        mobile_date_created=None,
        edited_by=None,
    ):
        """Replace an order by an edited copy with new ``items``, as Handy edits do.

        The new order gets a new id, ``editedFrom`` = the previous order and
        ``externalId`` = null. The previous order becomes ``deleted``, ``isEdited``,
        with ``dateDeleted`` = the new order's ``dateCreated`` and ``deletedBy`` =
        ``edited_by`` (default: its salesperson). An order on a route keeps its
        ``routeId``, and the route lists the new id in place of the old one.
        Returns the new order.
        """
        with self._lock:
            old = self._get(self._orders, order_id, "No existe un pedido con id {key}.")
            checker = FieldChecker(OBJECT_ORDER)
            if old["deleted"]:
                checker.reject(
                    "id",
                    order_id,
                    f"El pedido {order_id} está eliminado y no se puede editar.",
                )
            if edited_by is not None and edited_by not in self._users:
                checker.reject(
                    "deletedBy", edited_by, f"No existe un usuario con id {edited_by}."
                )
            built_items = self._build_items(
                items, checker, "items", allow_unknown_products=True
            )
            created, mobile = self._order_dates(
                checker, date_created, mobile_date_created
            )
            checker.raise_if_any()

            copied = {
                key: old[key]
                for key in (
                    "scheduledDateForDelivery",
                    "sellerComment",
                    "latitude",
                    "longitude",
                    "accuracy",
                    "tookInPlace",
                    "billable",
                    "routeSalePaymentType",
                    "networkSignalQuality",
                    "creationSource",
                    "operativeStatus",
                )
            }
            new = self._insert_order(
                old["_customer_id"],
                old["_created_by_id"],
                old["salesType"],
                built_items,
                created,
                mobile,
                copied,
                edited_from=old,
                route_id=old["_route_id"],
            )
            self._replace_route_order(old["id"], new["id"], created)
            old["deleted"] = True
            old["isEdited"] = True
            old["dateDeleted"] = created
            old["_deleted_by_id"] = (
                edited_by if edited_by is not None else old["_created_by_id"]
            )
            old["lastUpdated"] = created
            self._mark_changed()
            return self._render_order(new)

    def delete_order(self, order_id, deleted_by=None, date_deleted=None):
        """Mark an order deleted, as a portal user would; returns it.

        ``deleted_by`` defaults to the first administrator, ``date_deleted`` to now.
        """
        with self._lock:
            order = self._get(
                self._orders, order_id, "No existe un pedido con id {key}."
            )
            if order["deleted"]:
                raise ValidationError(
                    [
                        field_error(
                            OBJECT_ORDER,
                            "id",
                            order_id,
                            f"El pedido {order_id} ya está eliminado.",
                        )
                    ]
                )
            if deleted_by is not None and deleted_by not in self._users:
                raise ValidationError(
                    [
                        field_error(
                            OBJECT_ORDER,
                            "deletedBy",
                            deleted_by,
                            f"No existe un usuario con id {deleted_by}.",
                        )
                    ]
                )
            when = coerce_datetime(date_deleted) or self.now()
            order["deleted"] = True
            order["dateDeleted"] = when
            order["_deleted_by_id"] = (
                deleted_by if deleted_by is not None else self._default_admin_id()
            )
            order["lastUpdated"] = when
            self._mark_changed()
            return self._render_order(order)

    def update_order_from_body(self, order_id, body):
        """Apply a ``PUT /salesOrder/{id}`` body: only ``externalId`` is writable.

        ``externalId`` must be a JSON integer or null; other keys are ignored.
        """
        with self._lock:
            order = self._get(
                self._orders, order_id, "No existe un pedido con id {key}."
            )
            if "externalId" not in body:
                raise ValidationError(
                    [
                        field_error(
                            OBJECT_ORDER,
                            "externalId",
                            None,
                            "El campo 'externalId' es obligatorio.",
                        )
                    ]
                )
            value = body["externalId"]
            if value is not None and not is_external_id(value):
                raise ValidationError(
                    [
                        field_error(
                            OBJECT_ORDER,
                            "externalId",
                            value,
                            f"El valor '{value}' no es válido para 'externalId': "
                            "debe ser un número entero.",
                        )
                    ]
                )
            self._apply_changes(order, {"externalId": value})
            return self._render_order(order)

    def set_external_id(self, order_id, external_id):
        return self.update_order_from_body(order_id, {"externalId": external_id})


def is_external_id(value):
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and -MAX_EXTERNAL_ID - 1 <= value <= MAX_EXTERNAL_ID
    )


def _check_line_flags(checker, prefix, is_reward, is_return, return_condition):
    """Check the ``isReward``, ``isReturn`` and ``returnCondition`` of one line."""
    for flag, value in (("isReward", is_reward), ("isReturn", is_return)):
        if not isinstance(value, bool):
            checker.reject(
                f"{prefix}.{flag}",
                value,
                f"El campo '{flag}' debe ser true o false.",
            )
    if is_reward is True and is_return is True:
        checker.reject(
            f"{prefix}.isReturn",
            True,
            "Una partida no puede ser bonificación y devolución a la vez.",
        )
    if return_condition is None:
        return
    if return_condition not in RETURN_CONDITIONS:
        checker.reject(
            f"{prefix}.returnCondition",
            return_condition,
            "La condición de una devolución debe ser GOOD o DAMAGED.",
        )
    elif is_return is not True:
        checker.reject(
            f"{prefix}.returnCondition",
            return_condition,
            "Solo una partida de devolución (isReturn: true) lleva 'returnCondition'.",
        )


def _order_field_error(key, value):
    """Return why an optional order field's value is rejected, or None if it is valid.

    ``scheduledDateForDelivery`` is left to the caller, which also converts it.
    """
    if key in _ORDER_TEXT_FIELDS:
        limit = _ORDER_TEXT_FIELDS[key]
        if value is None or (isinstance(value, str) and len(value) <= limit):
            return None
        return f"El campo '{key}' debe ser un texto de hasta {limit} caracteres."
    if key in _ORDER_NUMBER_FIELDS:
        if value is None or is_number(value):
            return None
        return f"El valor '{value}' no es un número válido para el campo '{key}'."
    if key in _ORDER_BOOLEAN_FIELDS:
        if isinstance(value, bool):
            return None
        return f"El campo '{key}' debe ser true o false."
    if key == "networkSignalQuality":
        if isinstance(value, int) and not isinstance(value, bool):
            return None
        return "El campo 'networkSignalQuality' debe ser un número entero."
    if key == "creationSource":
        if value in CREATION_SOURCES:
            return None
        return f"El origen debe ser uno de {', '.join(CREATION_SOURCES)}."
    if key == "operativeStatus":
        if value in OPERATIVE_STATUS_LABELS:
            return None
        return f"El estatus debe ser uno de {', '.join(OPERATIVE_STATUS_LABELS)}."
    if key == "externalId":
        if value is None or is_external_id(value):
            return None
        return "El campo 'externalId' debe ser un número entero."
    return f"El campo '{key}' no existe en un pedido o no se puede fijar."


def _next_morning(moment):
    """Return 09:00 Mexico City time on the day after ``moment``, in UTC."""
    local = to_utc(moment).astimezone(MEXICO_CITY) + dt.timedelta(days=1)
    return to_utc(
        dt.datetime(local.year, local.month, local.day, 9, 0, tzinfo=MEXICO_CITY)
    )
