"""Business rules of routes: a driver's load, its acceptance, finish and settlement.

A route goes ``OPEN`` (created) -> ``LOAD_ACCEPTED`` (the driver accepts the load
on the device) -> ``FINISHED`` (the driver ends the day on the device) -> ``CLOSED``
(the office settles it). The sandbox never creates routes in ``LOADING_PENDING``.

``RouteRules`` is a mixin of SandboxStore, like ``OrderRules``, and
``route_orders.RouteOrderRules`` has the deliveries and route sales. Their methods
take the store's lock. The three moments that Handy reports by webhook
(acceptance, finish, closure) send the event after releasing the lock, so that the
receiver may call the API while it handles the event.
"""

import datetime as dt
import re

from .dates import MEXICO_CITY
from .errors import (
    OBJECT_ROUTE,
    NotFoundError,
    ValidationError,
    field_error,
)
from .orders import (
    SALES_TYPE_PRESALE,
)
from .validation import MAX_TEXT, FieldChecker, is_number

ROUTE_LOADING_PENDING = "LOADING_PENDING"
ROUTE_OPEN = "OPEN"
ROUTE_LOAD_ACCEPTED = "LOAD_ACCEPTED"
ROUTE_FINISHED = "FINISHED"
ROUTE_CLOSED = "CLOSED"
ROUTE_STATUSES = (
    ROUTE_LOADING_PENDING,
    ROUTE_OPEN,
    ROUTE_LOAD_ACCEPTED,
    ROUTE_FINISHED,
    ROUTE_CLOSED,
)
# Routes whose pre-sale orders are still out for delivery, or about to be.
ROUTE_ACTIVE_STATUSES = (ROUTE_LOADING_PENDING, ROUTE_OPEN, ROUTE_LOAD_ACCEPTED)

EVENT_LOAD_ACCEPTED = "route.load_accepted"
EVENT_FINISHED = "route.finished"
EVENT_CLOSED = "route.closed"

OUTCOME_COMPLETE = "complete"
OUTCOME_PARTIAL = "partial"
OUTCOME_REFUSED = "refused"
OUTCOME_NOT_DELIVERED = "not_delivered"
DELIVERY_OUTCOMES = (
    OUTCOME_COMPLETE,
    OUTCOME_PARTIAL,
    OUTCOME_REFUSED,
    OUTCOME_NOT_DELIVERED,
)

DESTINATION_WAREHOUSE = "WAREHOUSE"
DESTINATION_LOAD = "LOAD"
DESTINATION_SHRINKAGE = "SHRINKAGE"
SETTLEMENT_DESTINATIONS = (
    DESTINATION_WAREHOUSE,
    DESTINATION_LOAD,
    DESTINATION_SHRINKAGE,
)

STATUS_PENDING = "PENDING_DELIVERY"
STATUS_ON_ROUTE = "ON_ROUTE"
STATUS_COMPLETE = "DELIVERED_COMPLETE"
STATUS_PARTIAL_OPEN = "PARTIAL_DELIVERED_OPEN"
STATUS_PARTIAL_CLOSED = "PARTIAL_DELIVERED_CLOSED"
STATUS_RETURNED = "RETURNED"

# Quantities are floats; two quantities closer than this are equal.
QUANTITY_TOLERANCE = 1e-9

_ROUTE_MESSAGE = "No existe una ruta con id {key}."
_HANDY_DATE = re.compile(r"\d{2}/\d{2}/\d{4}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def tidy_quantity(value):
    """Round away float noise such as 0.30000000000000004; ints stay ints."""
    if isinstance(value, float):
        return round(value, 6)
    return value


class RouteRules:
    """Mixin of SandboxStore with the route methods."""

    # -- creation and deletion ------------------------------------------------

    def create_route(
        self,
        user_id,
        sales_order_ids=(),
        products=(),
        date_for_delivery=None,
        initial_amount=0.0,
        comments="",
        carried_over=(),
    ):
        """Create a route in status ``OPEN`` for the driver ``user_id``; return it.

        ``sales_order_ids`` are pre-sale orders to deliver: each must exist, be live,
        be ``PENDING_DELIVERY`` and be on no other route that is not finished yet.
        ``products`` and ``carried_over`` are lists of ``{"product": code,
        "quantity": q}``: the stock for selling from the truck, and the part of it
        left on the truck by the driver's previous route. ``date_for_delivery`` is a
        date or a ``yyyy-MM-dd`` string (default: today in Mexico City). Raises
        NotFoundError for an unknown user and ValidationError when the user is
        disabled or already has a route that is not ``CLOSED``.
        """
        with self._lock:
            user = self._get(self._users, user_id, "No existe un usuario con id {key}.")
            checker = FieldChecker(OBJECT_ROUTE)
            delivery_day = _delivery_day(checker, date_for_delivery)
            route = self._check_and_insert_route(
                checker,
                user,
                sales_order_ids,
                products,
                carried_over,
                delivery_day,
                initial_amount,
                comments,
            )
            return self._render_route(route)

    def create_route_from_body(self, user_id, body):
        """Create a route from a ``POST /user/{userId}/route`` body.

        The body has ``products`` (required, ``[]`` for none), ``salesOrders`` (order
        ids), ``dateForDelivery`` (``dd/MM/yyyy``, required with orders),
        ``initialAmount`` and ``comments``. ``skipInventoryValidation`` is accepted
        and ignored, because the sandbox does not track warehouse stock on routes.
        """
        with self._lock:
            user = self._get(self._users, user_id, "No existe un usuario con id {key}.")
            checker = FieldChecker(OBJECT_ROUTE)
            if "products" not in body:
                checker.reject(
                    "products",
                    None,
                    "El campo 'products' es obligatorio: envíe [] si la ruta no "
                    "lleva carga para venta.",
                )
            order_ids = body.get("salesOrders") or []
            day_text = body.get("dateForDelivery")
            delivery_day = None
            if day_text is None:
                if order_ids:
                    checker.reject(
                        "dateForDelivery",
                        None,
                        "El campo 'dateForDelivery' (dd/MM/yyyy) es obligatorio "
                        "cuando la ruta lleva pedidos.",
                    )
            else:
                delivery_day = _parse_handy_date(checker, day_text)
            route = self._check_and_insert_route(
                checker,
                user,
                order_ids,
                body.get("products") or [],
                (),
                delivery_day,
                body.get("initialAmount", 0.0),
                body.get("comments", ""),
            )
            return self._render_route(route)

    def _check_and_insert_route(
        self,
        checker,
        user,
        order_ids,
        products,
        carried_over,
        delivery_day,
        initial_amount,
        comments,
    ):
        if not user["enabled"]:
            checker.reject(
                "user", user["id"], f"El usuario {user['id']} está inactivo."
            )
        for route in self._routes.values():
            if route["_user_id"] == user["id"] and route["status"] != ROUTE_CLOSED:
                checker.reject(
                    "user",
                    user["id"],
                    f"El usuario {user['id']} ya tiene la ruta {route['id']} sin "
                    f"cerrar (estatus {route['status']}); ciérrela o elimínela antes "
                    "de crear otra.",
                )
        order_ids = self._check_route_orders(checker, order_ids)
        product_lines = self._check_route_lines(checker, products, "products")
        carried_lines = self._check_route_lines(checker, carried_over, "carriedOver")
        _check_carried_over(checker, product_lines, carried_lines, self._products)
        if not is_number(initial_amount) or initial_amount < 0:
            checker.reject(
                "initialAmount",
                initial_amount,
                "El monto inicial debe ser un número mayor o igual a cero.",
            )
        if comments is None:
            comments = ""
        if not isinstance(comments, str) or len(comments) > MAX_TEXT:
            checker.reject(
                "comments",
                comments,
                f"El campo 'comments' debe ser un texto de hasta {MAX_TEXT} "
                "caracteres.",
            )
        checker.raise_if_any()
        return self._insert_route(
            user["id"],
            order_ids,
            product_lines,
            carried_lines,
            delivery_day or self._today(),
            float(initial_amount),
            comments,
        )

    def _today(self):
        return self.now().astimezone(MEXICO_CITY).date().isoformat()

    def _day_after(self, route):
        """Return the delivery day of the route that follows ``route``."""
        day = max(
            dt.date.fromisoformat(route["dateForDelivery"]),
            dt.date.fromisoformat(self._today()),
        )
        return (day + dt.timedelta(days=1)).isoformat()

    def _insert_route(
        self,
        user_id,
        order_ids,
        product_lines,
        carried_lines,
        delivery_day,
        initial_amount,
        comments,
    ):
        now = self.now()
        route_id = self._next_id("route")
        route = {
            "id": route_id,
            "_user_id": user_id,
            "status": ROUTE_OPEN,
            "closed": False,
            "dateCreated": now,
            "dateLoadAccepted": None,
            "dateFinished": None,
            "dateClosed": None,
            "lastUpdated": now,
            "dateForDelivery": delivery_day,
            "_order_ids": list(order_ids),
            "_sale_ids": [],
            "_products": product_lines,
            "_carried_over": carried_lines,
            "_settlement": None,
            "initialAmount": initial_amount,
            "comments": comments,
            "nextRouteId": None,
        }
        self._routes[route_id] = route
        self._mark_changed()
        return route

    def _check_route_orders(self, checker, order_ids):
        """Return the pre-sale order ids of a new route; errors go to ``checker``."""
        if not isinstance(order_ids, (list, tuple)):
            checker.reject(
                "salesOrders",
                order_ids,
                "El campo 'salesOrders' debe ser una lista de ids de pedidos.",
            )
            return []
        accepted = []
        for index, order_id in enumerate(order_ids):
            field = f"salesOrders[{index}]"
            order = (
                self._orders.get(order_id)
                if isinstance(order_id, int) and not isinstance(order_id, bool)
                else None
            )
            if order is None:
                checker.reject(
                    field, order_id, f"No existe un pedido con id {order_id}."
                )
                continue
            if order_id in accepted:
                checker.reject(
                    field, order_id, f"El pedido {order_id} aparece dos veces."
                )
                continue
            problem = self._presale_problem(order, None)
            if problem:
                checker.reject(field, order_id, problem)
                continue
            accepted.append(order_id)
        return accepted

    def _presale_problem(self, order, route_id):
        """Return why a pre-sale order cannot go out on route ``route_id``, or None."""
        order_id = order["id"]
        if order["deleted"]:
            return f"El pedido {order_id} está eliminado."
        if order["salesType"] != SALES_TYPE_PRESALE:
            return f"El pedido {order_id} no es de preventa."
        if order["operativeStatus"] != STATUS_PENDING:
            return (
                f"El pedido {order_id} no está por entregar "
                f"(estatus {order['operativeStatus']})."
            )
        for route in self._routes.values():
            if (
                route["id"] != route_id
                and route["status"] in ROUTE_ACTIVE_STATUSES
                and order_id in route["_order_ids"]
            ):
                return f"El pedido {order_id} ya está en la ruta {route['id']}."
        return None

    def _check_route_lines(self, checker, lines, field):
        """Return ``{_product_id, quantity}`` lines from ``{product, quantity}``."""
        if not isinstance(lines, (list, tuple)):
            checker.reject(
                field,
                lines,
                f"El campo '{field}' debe ser una lista de {{product, quantity}}.",
            )
            return []
        checked = []
        seen = set()
        for index, spec in enumerate(lines):
            prefix = f"{field}[{index}]"
            if not isinstance(spec, dict):
                checker.reject(
                    prefix,
                    spec,
                    "Cada producto debe ser un objeto con 'product' y 'quantity'.",
                )
                continue
            code = spec.get("product")
            quantity = spec.get("quantity")
            product_id = (
                self._product_codes.get(code) if isinstance(code, str) else None
            )
            valid = True
            if product_id is None:
                checker.reject(
                    f"{prefix}.product",
                    code,
                    f"No existe un producto con el código '{code}'.",
                )
                valid = False
            elif not self._products[product_id]["enabled"]:
                checker.reject(
                    f"{prefix}.product", code, f"El producto '{code}' está inactivo."
                )
                valid = False
            elif product_id in seen:
                checker.reject(
                    f"{prefix}.product",
                    code,
                    f"El producto '{code}' aparece dos veces en '{field}'.",
                )
                valid = False
            if not is_number(quantity) or quantity <= 0:
                checker.reject(
                    f"{prefix}.quantity",
                    quantity,
                    "La cantidad debe ser un número mayor que cero.",
                )
                valid = False
            if valid:
                seen.add(product_id)
                checked.append({"_product_id": product_id, "quantity": quantity})
        return checked

    def delete_route(self, route_id):
        """Delete a route that the driver has not accepted yet; return it.

        Raises ValidationError once the load is accepted. Its pre-sale orders are
        free again for another route.
        """
        with self._lock:
            route = self._get_route(route_id)
            if route["status"] not in (ROUTE_LOADING_PENDING, ROUTE_OPEN):
                _reject_route_status(
                    route,
                    f"La ruta {route['id']} ya fue aceptada (estatus "
                    f"{route['status']}) y no se puede eliminar.",
                )
            rendered = self._render_route(route)
            del self._routes[route["id"]]
            self._mark_changed()
            return rendered

    # -- reads ----------------------------------------------------------------

    def _get_route(self, route_id):
        return self._get(self._routes, route_id, _ROUTE_MESSAGE)

    def get_route(self, route_id):
        with self._lock:
            return self._render_route(self._get_route(route_id))

    def routes(self, closed=None):
        """Return every route, or only closed (True) or unclosed (False) ones, by id."""
        with self._lock:
            return [
                self._render_route(route)
                for route in sorted(self._routes.values(), key=lambda r: r["id"])
                if closed is None or route["closed"] == closed
            ]

    def current_route(self, user_id):
        """Return the user's route that is not ``CLOSED``; raises NotFoundError."""
        with self._lock:
            self._get(self._users, user_id, "No existe un usuario con id {key}.")
            for route in self._routes.values():
                if route["_user_id"] == user_id and route["status"] != ROUTE_CLOSED:
                    return self._render_route(route)
            raise NotFoundError(f"El usuario {user_id} no tiene una ruta abierta.")

    # -- the driver's day -----------------------------------------------------

    def accept_route(self, route_id):
        """Accept the load on the device: ``OPEN`` -> ``LOAD_ACCEPTED``.

        The route's pre-sale orders get ``routeId`` and become ``ON_ROUTE``; each
        must still be live and ``PENDING_DELIVERY``, else ValidationError. Sends
        ``route.load_accepted``.
        """
        with self._lock:
            route = self._get_route(route_id)
            require_route_status(route, ROUTE_OPEN, "aceptar la carga")
            checker = FieldChecker(OBJECT_ROUTE)
            for index, order_id in enumerate(route["_order_ids"]):
                problem = self._presale_problem(self._orders[order_id], route["id"])
                if problem:
                    checker.reject(f"salesOrders[{index}]", order_id, problem)
            checker.raise_if_any()
            now = self.now()
            # What each order put on the truck. Goods an edit adds later come
            # out of the route-sale stock. A list, because a saved state turns
            # integer dictionary keys into strings.
            route["_loaded_orders"] = []
            for order_id in route["_order_ids"]:
                order = self._orders[order_id]
                order["_route_id"] = route["id"]
                order["operativeStatus"] = STATUS_ON_ROUTE
                order["lastUpdated"] = now
                route["_loaded_orders"].extend(
                    {
                        "order": order_id,
                        "product": item["_product_id"],
                        "quantity": item["quantity"],
                    }
                    for item in order["items"]
                    if not item["isReturn"]
                )
            route["status"] = ROUTE_LOAD_ACCEPTED
            route["dateLoadAccepted"] = now
            route["lastUpdated"] = now
            self._mark_changed()
            rendered = self._render_route(route)
        self._send_route_event(EVENT_LOAD_ACCEPTED, rendered, now)
        return rendered

    def finish_route(self, route_id):
        """End the day on the device: ``LOAD_ACCEPTED`` -> ``FINISHED``.

        Pre-sale orders still ``ON_ROUTE`` were not delivered: they go back to
        ``PENDING_DELIVERY`` with every ``delivered`` at 0 and keep ``routeId``.
        Sends ``route.finished``.
        """
        with self._lock:
            route = self._get_route(route_id)
            require_route_status(route, ROUTE_LOAD_ACCEPTED, "terminar la ruta")
            now = self.now()
            for order_id in route["_order_ids"]:
                order = self._orders[order_id]
                if order["operativeStatus"] == STATUS_ON_ROUTE:
                    self._write_delivery(
                        order, [0.0 for _ in order["items"]], STATUS_PENDING, now
                    )
            route["status"] = ROUTE_FINISHED
            route["dateFinished"] = now
            route["lastUpdated"] = now
            self._mark_changed()
            rendered = self._render_route(route)
        self._send_route_event(EVENT_FINISHED, rendered, now)
        return rendered

    # -- the office -----------------------------------------------------------

    def close_route(self, route_id, settlement=None):
        """Settle a finished route: ``FINISHED`` -> ``CLOSED``; return it.

        ``settlement`` maps product codes to ``{"quantity", "destination"}``, or to
        a list of them to split one product, with destination ``WAREHOUSE``
        (default), ``LOAD`` or ``SHRINKAGE``. A product of the load that is not named
        gets what is left of it (load minus route sales), to ``WAREHOUSE``. Lines
        with quantity 0 are left out. Partially delivered pre-sale orders become
        ``PARTIAL_DELIVERED_CLOSED``. Quantities sent to ``LOAD`` start a new
        ``OPEN`` route for the same driver on the next day with them as ``products`` and
        ``carriedOver``, and the closed route gets its ``nextRouteId``. Sends
        ``route.closed``.
        """
        with self._lock:
            route = self._get_route(route_id)
            require_route_status(route, ROUTE_FINISHED, "cerrar (liquidar) la ruta")
            checker = FieldChecker(OBJECT_ROUTE)
            entries = self._settlement_entries(checker, route, settlement)
            checker.raise_if_any()
            now = self.now()
            for order_id in route["_order_ids"]:
                order = self._orders[order_id]
                if order["operativeStatus"] == STATUS_PARTIAL_OPEN:
                    order["operativeStatus"] = STATUS_PARTIAL_CLOSED
                    order["lastUpdated"] = now
            route["_settlement"] = entries
            route["status"] = ROUTE_CLOSED
            route["closed"] = True
            route["dateClosed"] = now
            route["lastUpdated"] = now
            carried = _carried_lines(entries)
            if carried:
                next_route = self._insert_route(
                    route["_user_id"],
                    [],
                    carried,
                    [dict(line) for line in carried],
                    self._day_after(route),
                    0.0,
                    f"Carga que quedó en el camión al cerrar la ruta {route['id']}.",
                )
                route["nextRouteId"] = next_route["id"]
            self._mark_changed()
            rendered = self._render_route(route)
        self._send_route_event(EVENT_CLOSED, rendered, now)
        return rendered

    def _settlement_entries(self, checker, route, settlement):
        """Return the settlement lines of a route; errors go to ``checker``."""
        if settlement is None:
            settlement = {}
        if not isinstance(settlement, dict):
            checker.reject(
                "settlement",
                settlement,
                "La liquidación debe ser un objeto {código de producto: "
                "{quantity, destination}}.",
            )
            return []
        named = {}
        for code, value in settlement.items():
            product_id = self._product_codes.get(code)
            if product_id is None:
                checker.reject(
                    f"settlement.{code}",
                    code,
                    f"No existe un producto con el código '{code}'.",
                )
                continue
            named[product_id] = _settlement_lines(checker, product_id, code, value)
        left = self._truck_stock(route)
        entries = []
        for line in route["_products"]:
            product_id = line["_product_id"]
            if product_id in named:
                entries.extend(named.pop(product_id))
            else:
                entries.append(
                    {
                        "_product_id": product_id,
                        "quantity": max(left[product_id], 0),
                        "destination": DESTINATION_WAREHOUSE,
                    }
                )
        for lines in named.values():
            entries.extend(lines)
        return [entry for entry in entries if entry["quantity"] > 0]

    # -- shared ---------------------------------------------------------------

    def _replace_route_order(self, old_id, new_id, when):
        """Put an edited order's new id in place of the old one on its route.

        Pre-sale orders and route sales alike: a route sale edited before the
        closure is settled with its new lines.
        """
        for route in self._routes.values():
            for key in ("_order_ids", "_sale_ids"):
                if old_id in route[key]:
                    index = route[key].index(old_id)
                    route[key][index] = new_id
                    route["lastUpdated"] = when

    def _send_route_event(self, event, rendered_route, occurred_at):
        self.webhooks.emit(
            event, rendered_route["id"], rendered_route["status"], occurred_at
        )


def _reject_route_status(route, message):
    raise ValidationError(
        [field_error(OBJECT_ROUTE, "status", route["status"], message)]
    )


def require_route_status(route, expected, action):
    """Raise ValidationError (status) unless the route is in status ``expected``."""
    if route["status"] != expected:
        _reject_route_status(
            route,
            f"La ruta {route['id']} está en estatus {route['status']}; para "
            f"{action} debe estar en {expected}.",
        )


def _delivery_day(checker, value):
    """Return a ``yyyy-MM-dd`` string from a date, datetime or such a string."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(MEXICO_CITY)
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    checker.reject(
        "dateForDelivery",
        value,
        "La fecha de entrega debe tener el formato yyyy-MM-dd.",
    )
    return None


def _parse_handy_date(checker, text):
    """Return ``yyyy-MM-dd`` from the ``dd/MM/yyyy`` of a route body."""
    if isinstance(text, str) and _HANDY_DATE.fullmatch(text):
        try:
            return dt.datetime.strptime(text, "%d/%m/%Y").date().isoformat()
        except ValueError:
            pass
    checker.reject(
        "dateForDelivery", text, "La fecha de entrega debe tener el formato dd/MM/yyyy."
    )
    return None


def _check_carried_over(checker, product_lines, carried_lines, products):
    loaded = {line["_product_id"]: line["quantity"] for line in product_lines}
    for index, line in enumerate(carried_lines):
        product_id = line["_product_id"]
        code = products[product_id]["code"]
        if line["quantity"] > loaded.get(product_id, 0) + QUANTITY_TOLERANCE:
            checker.reject(
                f"carriedOver[{index}].quantity",
                line["quantity"],
                f"Lo que queda en el camión de '{code}' debe ser parte de 'products' "
                "con una cantidad igual o mayor.",
            )


def _settlement_lines(checker, product_id, code, value):
    """Return the settlement lines of one product from ``{quantity, destination}``."""
    specs = value if isinstance(value, list) else [value]
    lines = []
    for index, spec in enumerate(specs):
        field = (
            f"settlement.{code}" if len(specs) == 1 else f"settlement.{code}[{index}]"
        )
        if not isinstance(spec, dict):
            checker.reject(
                field,
                spec,
                "Cada línea de la liquidación es un objeto {quantity, destination}.",
            )
            continue
        quantity = spec.get("quantity")
        destination = spec.get("destination", DESTINATION_WAREHOUSE)
        valid = True
        if not is_number(quantity) or quantity < 0:
            checker.reject(
                f"{field}.quantity",
                quantity,
                "La cantidad debe ser un número mayor o igual a cero.",
            )
            valid = False
        if destination not in SETTLEMENT_DESTINATIONS:
            checker.reject(
                f"{field}.destination",
                destination,
                f"El destino debe ser uno de {', '.join(SETTLEMENT_DESTINATIONS)}.",
            )
            valid = False
        if valid:
            lines.append(
                {
                    "_product_id": product_id,
                    "quantity": quantity,
                    "destination": destination,
                }
            )
    return lines


def _carried_lines(entries):
    """Return the ``LOAD`` quantities of a settlement, one line per product."""
    carried = {}
    for entry in entries:
        if entry["destination"] == DESTINATION_LOAD:
            product_id = entry["_product_id"]
            carried[product_id] = tidy_quantity(
                carried.get(product_id, 0) + entry["quantity"]
            )
    return [
        {"_product_id": product_id, "quantity": quantity}
        for product_id, quantity in carried.items()
        if quantity > 0
    ]
