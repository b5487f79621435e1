"""Business rules of the orders on a route: deliveries, route sales, returns and
the office's corrections of what was delivered.

``RouteOrderRules`` is a mixin of SandboxStore next to ``RouteRules``, which owns
the route's own life. Its methods take the store's lock and send no webhook.
"""

from .errors import OBJECT_ORDER, OBJECT_ROUTE, ValidationError, field_error
from .orders import (
    ROUTE_SALE_PAYMENT_DEFAULT,
    ROUTE_SALE_PAYMENT_TYPES,
    SALES_TYPE_ROUTE,
)
from .routes import (
    DELIVERY_OUTCOMES,
    OUTCOME_COMPLETE,
    OUTCOME_NOT_DELIVERED,
    OUTCOME_PARTIAL,
    OUTCOME_REFUSED,
    QUANTITY_TOLERANCE,
    ROUTE_FINISHED,
    ROUTE_LOAD_ACCEPTED,
    STATUS_COMPLETE,
    STATUS_ON_ROUTE,
    STATUS_PARTIAL_OPEN,
    STATUS_PENDING,
    STATUS_RETURNED,
    require_route_status,
    tidy_quantity,
)
from .validation import FieldChecker, is_number


class RouteOrderRules:
    """Mixin of SandboxStore with the methods for the orders of a route."""

    def deliver_order(self, route_id, order_id, outcome, quantities=None):
        """Record the delivery of one pre-sale order of a ``LOAD_ACCEPTED`` route.

        ``outcome`` is one of:

        - ``complete``: every line in full, ``DELIVERED_COMPLETE``.
        - ``partial``: ``quantities`` maps product codes to the quantity delivered,
          and lines not named are delivered in full. ``PARTIAL_DELIVERED_OPEN``.
        - ``refused``: nothing delivered, ``RETURNED``.
        - ``not_delivered``: nothing delivered, back to ``PENDING_DELIVERY`` with
          its ``routeId``, so the driver may try again.

        Return lines count as picked up (``delivered`` = quantity) when something
        was delivered, else 0. Returns the order. Raises ValidationError.
        """
        with self._lock:
            route = self._get_route(route_id)
            require_route_status(route, ROUTE_LOAD_ACCEPTED, "entregar pedidos")
            order = self._route_presale(route, order_id)
            checker = FieldChecker(OBJECT_ORDER)
            if order["deleted"]:
                checker.reject("id", order_id, f"El pedido {order_id} está eliminado.")
            elif order["operativeStatus"] not in (STATUS_ON_ROUTE, STATUS_PENDING):
                checker.reject(
                    "operativeStatus",
                    order["operativeStatus"],
                    f"El pedido {order_id} ya fue entregado o devuelto "
                    f"(estatus {order['operativeStatus']}).",
                )
            if outcome not in DELIVERY_OUTCOMES:
                checker.reject(
                    "outcome",
                    outcome,
                    f"El resultado debe ser uno de {', '.join(DELIVERY_OUTCOMES)}.",
                )
            elif outcome != OUTCOME_PARTIAL and quantities:
                checker.reject(
                    "quantities",
                    quantities,
                    "Las cantidades solo se envían con el resultado 'partial'.",
                )
            checker.raise_if_any()
            delivered, status = self._delivery_for_outcome(
                checker, order, outcome, quantities
            )
            checker.raise_if_any()
            now = self.now()
            self._write_delivery(order, delivered, status, now)
            route["lastUpdated"] = now
            self._mark_changed()
            return self._render_order(order)

    def _route_presale(self, route, order_id):
        """Return a pre-sale order of ``route``; raises NotFoundError or 422."""
        order = self._get(self._orders, order_id, "No existe un pedido con id {key}.")
        if order_id not in route["_order_ids"]:
            raise ValidationError(
                [
                    field_error(
                        OBJECT_ROUTE,
                        "salesOrders",
                        order_id,
                        f"El pedido {order_id} no es un pedido de preventa de la "
                        f"ruta {route['id']}.",
                    )
                ]
            )
        return order

    def _delivery_for_outcome(self, checker, order, outcome, quantities):
        """Return ``(delivered per line, status)`` for a delivery outcome."""
        items = order["items"]
        if outcome == OUTCOME_COMPLETE:
            return [item["quantity"] for item in items], STATUS_COMPLETE
        if outcome in (OUTCOME_REFUSED, OUTCOME_NOT_DELIVERED):
            status = STATUS_RETURNED if outcome == OUTCOME_REFUSED else STATUS_PENDING
            return [0.0 for _ in items], status
        delivered = self._allocate_delivered(
            checker, order, quantities, keep_current=False
        )
        if delivered is None:
            return None, None
        status = _status_from_delivered(items, delivered)
        if status == STATUS_COMPLETE:
            checker.reject(
                "quantities",
                quantities,
                "Ninguna partida queda corta: use el resultado 'complete'.",
            )
        elif status is None:
            checker.reject(
                "quantities",
                quantities,
                "No se entregó nada: use el resultado 'refused' o 'not_delivered'.",
            )
        return _with_returns(items, delivered, status), status

    def _allocate_delivered(self, checker, order, quantities, keep_current):
        """Return the delivered quantity of each line after applying ``quantities``.

        ``quantities`` maps product codes to the quantity delivered of that product,
        spread over the order's non-return lines of that code in line order. Lines
        not named keep their ``delivered`` (``keep_current``) or are delivered in
        full. Returns None after reporting a malformed ``quantities``.
        """
        items = order["items"]
        if quantities is None:
            quantities = {}
        if not isinstance(quantities, dict):
            checker.reject(
                "quantities",
                quantities,
                "Las cantidades deben ser un objeto {código de producto: cantidad}.",
            )
            return None
        lines_by_code = {}
        for index, item in enumerate(items):
            if not item["isReturn"]:
                lines_by_code.setdefault(self._item_code(item), []).append(index)
        delivered = [
            item["delivered"] if keep_current else item["quantity"] for item in items
        ]
        for code, value in quantities.items():
            field = f"quantities.{code}"
            indexes = lines_by_code.get(code)
            if indexes is None:
                checker.reject(
                    field,
                    value,
                    f"El pedido {order['id']} no tiene una partida del producto "
                    f"'{code}'.",
                )
                continue
            ordered = tidy_quantity(sum(items[index]["quantity"] for index in indexes))
            if not is_number(value) or value < 0:
                checker.reject(
                    field,
                    value,
                    "La cantidad entregada debe ser un número mayor o igual a cero.",
                )
                continue
            if value > ordered + QUANTITY_TOLERANCE:
                checker.reject(
                    field,
                    value,
                    f"Se pidieron {ordered:g} de '{code}'; no se pueden entregar "
                    f"{value:g}.",
                )
                continue
            remaining = value
            for index in indexes:
                portion = min(remaining, items[index]["quantity"])
                delivered[index] = tidy_quantity(portion)
                remaining = tidy_quantity(remaining - portion)
        return delivered

    def _item_code(self, item):
        if item["_product_id"] is not None:
            return self._products[item["_product_id"]]["code"]
        return item["_product_ref"]["code"]

    def _write_delivery(self, order, delivered, status, now):
        """Set ``delivered`` and the status; bump ``lastUpdated`` if anything moved."""
        changed = order["operativeStatus"] != status
        for item, quantity in zip(order["items"], delivered, strict=True):
            if item["delivered"] != quantity:
                item["delivered"] = quantity
                changed = True
        order["operativeStatus"] = status
        if changed:
            order["lastUpdated"] = now
        return changed

    def sell_from_truck(
        self, route_id, customer_code, items, payment_type=ROUTE_SALE_PAYMENT_DEFAULT
    ):
        """Record a route sale from the truck of a ``LOAD_ACCEPTED`` route; return it.

        The order has ``salesType`` ``"Venta en ruta"``, the route's ``routeId`` and
        driver, ``operativeStatus`` ``DELIVERED_COMPLETE`` and ``delivered`` =
        ``quantity`` on every line. ``items`` are as in ``create_order``, with known
        product codes only. Return lines (``isReturn``) may name any product. Each
        other product must be in the route's load, up to what earlier route sales
        of this route left of it. ``payment_type`` is ``"Contado"`` or ``"Crédito"``.
        Raises ValidationError.
        """
        return self._record_route_sale(
            route_id, customer_code, items, payment_type, returns_only=False
        )

    def take_return(self, route_id, customer_code, items):
        """Record goods that a customer hands back without buying; return the order.

        The order is a route sale (see ``sell_from_truck``) whose lines are all
        return lines: each item is ``{"product", "quantity", "returnCondition"}``,
        with ``returnCondition`` ``GOOD`` (the default) or ``DAMAGED``.
        """
        return self._record_route_sale(
            route_id,
            customer_code,
            items,
            ROUTE_SALE_PAYMENT_DEFAULT,
            returns_only=True,
        )

    def _record_route_sale(
        self, route_id, customer_code, items, payment_type, returns_only
    ):
        with self._lock:
            route = self._get_route(route_id)
            require_route_status(route, ROUTE_LOAD_ACCEPTED, "vender desde el camión")
            checker = FieldChecker(OBJECT_ORDER)
            customer_id = (
                self._customer_codes.get(customer_code)
                if isinstance(customer_code, str)
                else None
            )
            if customer_id is None:
                checker.reject(
                    "customer",
                    customer_code,
                    f"No existe un cliente con el código '{customer_code}'.",
                )
            if payment_type not in ROUTE_SALE_PAYMENT_TYPES:
                checker.reject(
                    "routeSalePaymentType",
                    payment_type,
                    "El tipo de pago debe ser 'Contado' o 'Crédito'.",
                )
            if returns_only:
                items = _as_return_lines(checker, items)
            built = self._build_items(
                items, checker, "items", allow_unknown_products=False
            )
            checker.raise_if_any()
            self._check_truck_stock(checker, route, built)
            checker.raise_if_any()
            for item in built:
                item["delivered"] = item["quantity"]
            now = self.now()
            order = self._insert_order(
                customer_id,
                route["_user_id"],
                SALES_TYPE_ROUTE,
                built,
                now,
                now,
                {"routeSalePaymentType": payment_type},
                route_id=route["id"],
            )
            route["_sale_ids"].append(order["id"])
            route["lastUpdated"] = now
            return self._render_order(order)

    def _truck_stock(self, route):
        """Return ``{product id: load minus what left the truck}``.

        Goods leave the truck through live route sales, and through pre-sale
        orders that delivered more than they loaded (an order edited after the
        load takes the extra goods from the truck).
        """
        left = {}
        for line in route["_products"]:
            left[line["_product_id"]] = line["quantity"]
        for order_id in route["_order_ids"]:
            order = self._orders[order_id]
            loaded = self._loaded_for(route, order)
            if loaded is None or order["deleted"]:
                continue
            delivered = {}
            for item in order["items"]:
                if not item["isReturn"]:
                    product_id = item["_product_id"]
                    delivered[product_id] = delivered.get(product_id, 0) + (
                        item["delivered"] or 0
                    )
            for product_id, quantity in delivered.items():
                extra = quantity - loaded.get(product_id, 0)
                if extra > 0 and product_id in left:
                    left[product_id] = tidy_quantity(left[product_id] - extra)
        for order_id in route["_sale_ids"]:
            if self._orders[order_id]["deleted"]:
                continue
            for item in self._orders[order_id]["items"]:
                if not item["isReturn"] and item["_product_id"] in left:
                    product_id = item["_product_id"]
                    left[product_id] = tidy_quantity(
                        left[product_id] - item["quantity"]
                    )
        return left

    def _loaded_for(self, route, order):
        """Return what an order (or the version it was edited from) loaded."""
        loaded_orders = {}
        for entry in route.get("_loaded_orders") or []:
            products = loaded_orders.setdefault(entry["order"], {})
            products[entry["product"]] = (
                products.get(entry["product"], 0) + entry["quantity"]
            )
        current = order
        while current is not None:
            if current["id"] in loaded_orders:
                return loaded_orders[current["id"]]
            previous = current.get("_edited_from_id")
            current = self._orders.get(previous) if previous else None
        return None

    def _check_truck_stock(self, checker, route, items):
        left = self._truck_stock(route)
        requested = {}
        first_line = {}
        for index, item in enumerate(items):
            if item["isReturn"]:
                continue
            product_id = item["_product_id"]
            requested[product_id] = tidy_quantity(
                requested.get(product_id, 0) + item["quantity"]
            )
            first_line.setdefault(product_id, index)
        for product_id, quantity in requested.items():
            code = self._products[product_id]["code"]
            field = f"items[{first_line[product_id]}].quantity"
            available = left.get(product_id)
            if available is None:
                checker.reject(
                    field,
                    quantity,
                    f"El producto '{code}' no está en la carga de la ruta "
                    f"{route['id']}.",
                )
            elif quantity > available + QUANTITY_TOLERANCE:
                checker.reject(
                    field,
                    quantity,
                    f"Solo quedan {available:g} de '{code}' en la carga de la ruta "
                    f"{route['id']}; se pidieron {quantity:g}.",
                )

    def correct_delivery(self, route_id, order_id, quantities):
        """Correct what the device reported for one pre-sale order of a finished route.

        ``quantities`` maps product codes to the quantity really delivered; lines not
        named keep their value. The status follows the new quantities: everything
        delivered gives ``DELIVERED_COMPLETE``, some ``PARTIAL_DELIVERED_OPEN``, and
        nothing keeps ``PENDING_DELIVERY`` or ``RETURNED`` and turns a delivered
        order into ``RETURNED``. Sends no webhook. Returns the order.
        """
        with self._lock:
            route = self._get_route(route_id)
            require_route_status(route, ROUTE_FINISHED, "corregir entregas")
            order = self._route_presale(route, order_id)
            checker = FieldChecker(OBJECT_ORDER)
            if order["deleted"]:
                checker.reject("id", order_id, f"El pedido {order_id} está eliminado.")
            elif order["_route_id"] not in (None, route["id"]):
                checker.reject(
                    "routeId",
                    order["_route_id"],
                    f"El pedido {order_id} pasó a la ruta {order['_route_id']}.",
                )
            if not quantities:
                checker.reject(
                    "quantities",
                    quantities,
                    "Envíe al menos una cantidad: {código de producto: cantidad}.",
                )
            checker.raise_if_any()
            delivered = self._allocate_delivered(
                checker, order, quantities, keep_current=True
            )
            checker.raise_if_any()
            status = _status_from_delivered(order["items"], delivered)
            if status is None:
                current = order["operativeStatus"]
                status = (
                    current
                    if current in (STATUS_PENDING, STATUS_RETURNED)
                    else STATUS_RETURNED
                )
            delivered = _with_returns(order["items"], delivered, status)
            now = self.now()
            if self._write_delivery(order, delivered, status, now):
                route["lastUpdated"] = now
                self._mark_changed()
            return self._render_order(order)


def _status_from_delivered(items, delivered):
    """Return the status that delivered quantities give, or None if nothing went out.

    Only lines that are not returns count. An order of return lines only counts as
    delivered in full.
    """
    lines = [
        (item["quantity"], quantity)
        for item, quantity in zip(items, delivered, strict=True)
        if not item["isReturn"]
    ]
    if all(quantity >= ordered - QUANTITY_TOLERANCE for ordered, quantity in lines):
        return STATUS_COMPLETE
    if any(quantity > QUANTITY_TOLERANCE for _, quantity in lines):
        return STATUS_PARTIAL_OPEN
    return None


def _with_returns(items, delivered, status):
    """Set return lines as picked up when the order was delivered, else to 0."""
    picked_up = status in (STATUS_COMPLETE, STATUS_PARTIAL_OPEN)
    return [
        (item["quantity"] if picked_up else 0.0) if item["isReturn"] else quantity
        for item, quantity in zip(items, delivered, strict=True)
    ]


def _as_return_lines(checker, items):
    """Return copies of ``items`` marked ``isReturn``; reject lines marked otherwise."""
    if not isinstance(items, list):
        return items
    marked = []
    for index, spec in enumerate(items):
        if isinstance(spec, dict):
            if spec.get("isReturn", True) is not True:
                checker.reject(
                    f"items[{index}].isReturn",
                    spec.get("isReturn"),
                    "Una devolución solo lleva partidas con isReturn: true.",
                )
            spec = dict(spec, isReturn=True)
        marked.append(spec)
    return marked
