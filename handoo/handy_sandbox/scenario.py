"""A business day of routes, for handoo's tests, demo and benchmark.

``plan_day`` reads the store and decides the whole day ahead: which pre-sale orders
go on which route, the drivers, the loads, the outcome of each delivery, the route
sales and returns, the office's corrections and the settlement. ``play`` carries the
plan out through the store's route methods, so webhooks fire as they would in Handy,
and returns the figures that Odoo should show for each route.

A plan is plain JSON-ready data and records its own progress: ``play(..., until=...)``
stops after a step, and a later ``play`` of the same plan goes on from there. Every
random choice comes from ``random.Random(seed)``, so the same seed and the same store
content give the same plan.
"""

import functools
import math
import random

from .dates import MEXICO_CITY, parse_iso
from .orders import (
    RETURN_DAMAGED,
    RETURN_GOOD,
    ROUTE_SALE_PAYMENT_DEFAULT,
    SALES_TYPE_PRESALE,
)
from .routes import (
    DESTINATION_LOAD,
    DESTINATION_SHRINKAGE,
    DESTINATION_WAREHOUSE,
    OUTCOME_COMPLETE,
    OUTCOME_NOT_DELIVERED,
    OUTCOME_PARTIAL,
    OUTCOME_REFUSED,
    ROUTE_ACTIVE_STATUSES,
    ROUTE_CLOSED,
    ROUTE_FINISHED,
    ROUTE_LOAD_ACCEPTED,
    ROUTE_OPEN,
    SETTLEMENT_DESTINATIONS,
    STATUS_COMPLETE,
    STATUS_ON_ROUTE,
    STATUS_PARTIAL_CLOSED,
    STATUS_PARTIAL_OPEN,
    STATUS_PENDING,
    STATUS_RETURNED,
    tidy_quantity,
)

PLAN_FORMAT = "handy-sandbox-day-plan"
STEPS = ("created", "accepted", "delivered", "sold", "finished", "corrected", "closed")
SALES_ROLE_ID = 4
CREDIT_PAYMENT = "Crédito"
# Share of the route sales that also take back goods from the customer.
SALES_WITH_RETURN_SHARE = 0.25
CREDIT_SHARE = 0.3
INITIAL_AMOUNTS = (500.0, 1000.0, 1500.0, 2000.0)
# Step of quantities sold or returned by weight (kg). Its multiples are exact in
# binary floating point, so the figures add up without rounding noise.
WEIGHT_STEP = 0.25

_OUTCOME_STATUS = {
    OUTCOME_COMPLETE: STATUS_COMPLETE,
    OUTCOME_PARTIAL: STATUS_PARTIAL_OPEN,
    OUTCOME_REFUSED: STATUS_RETURNED,
    OUTCOME_NOT_DELIVERED: STATUS_PENDING,
}
_ROUTE_STATUS_AFTER = {
    "created": ROUTE_OPEN,
    "accepted": ROUTE_LOAD_ACCEPTED,
    "delivered": ROUTE_LOAD_ACCEPTED,
    "sold": ROUTE_LOAD_ACCEPTED,
    "finished": ROUTE_FINISHED,
    "corrected": ROUTE_FINISHED,
    "closed": ROUTE_CLOSED,
}


def plan_day(
    store,
    seed,
    routes=3,
    orders_per_route=None,
    load_products=8,
    partial=0.3,
    refused=0.05,
    not_delivered=0.05,
    route_sales_per_route=4,
    returns_per_route=2,
    damaged=0.3,
    shrinkage=0.1,
    carry_over=0.2,
    corrections_per_route=1,
):
    """Return the plan of one business day with ``routes`` routes.

    The pre-sale orders are the live ones still ``PENDING_DELIVERY`` and on no
    unfinished route, without lines whose product is missing from the catalog
    (Odoo cannot import those). They are grouped by zone and shared among the
    routes; ``orders_per_route`` takes at most that many per route, picked at
    random. Each route gets its own driver, an enabled salesperson without a route
    that is not closed, and ``load_products`` products to sell from the truck.

    Each delivery is ``partial``, ``refused`` or ``not_delivered`` with those
    probabilities, else complete. Each route makes ``route_sales_per_route`` sales
    and takes ``returns_per_route`` returns; a returned line is damaged with
    probability ``damaged``. After the route finishes, the office corrects up to
    ``corrections_per_route`` partial deliveries. At closure, a product's leftover
    loses some units to shrinkage with probability ``shrinkage`` and stays on the
    truck with probability ``carry_over``, else goes back to the warehouse.
    Raises ValueError on a bad parameter or when there are too few drivers.
    """
    _check_counts(
        routes=routes,
        load_products=load_products,
        route_sales_per_route=route_sales_per_route,
        returns_per_route=returns_per_route,
        corrections_per_route=corrections_per_route,
    )
    if routes < 1:
        raise ValueError(f"routes must be at least 1, got {routes}")
    if orders_per_route is not None:
        _check_counts(orders_per_route=orders_per_route)
    _check_shares(
        partial=partial,
        refused=refused,
        not_delivered=not_delivered,
        damaged=damaged,
        shrinkage=shrinkage,
        carry_over=carry_over,
    )
    if partial + refused + not_delivered > 1:
        raise ValueError(
            "partial + refused + not_delivered must not exceed 1, got "
            f"{partial + refused + not_delivered:g}"
        )

    rng = random.Random(seed)
    drivers = _free_drivers(store)
    if len(drivers) < routes:
        raise ValueError(
            f"{routes} routes need {routes} enabled salespeople without an unclosed "
            f"route; the store has {len(drivers)}"
        )
    products = [product for product in store.products() if product["enabled"]]
    customers = [customer for customer in store.customers() if customer["enabled"]]
    if not products or not customers:
        raise ValueError("a day of routes needs enabled products and customers")
    order_groups = _group_orders(_pending_orders(store), rng, routes, orders_per_route)
    options = {
        "partial": partial,
        "refused": refused,
        "not_delivered": not_delivered,
        "route_sales_per_route": route_sales_per_route,
        "returns_per_route": returns_per_route,
        "damaged": damaged,
        "shrinkage": shrinkage,
        "carry_over": carry_over,
        "corrections_per_route": corrections_per_route,
    }
    today = store.now().astimezone(MEXICO_CITY).date().isoformat()
    route_plans = []
    for index, driver in enumerate(rng.sample(drivers, routes)):
        planner = _RoutePlanner(rng, products, customers, options)
        route_plans.append(
            planner.plan(index, driver, order_groups[index], load_products, today)
        )
    return {
        "format": PLAN_FORMAT,
        "seed": seed,
        "parameters": dict(options, routes=routes, orders_per_route=orders_per_route),
        "done": [],
        "routes": route_plans,
    }


def play(store, plan, until="closed"):
    """Carry out ``plan`` up to and including the step ``until``; return the summary.

    Steps already done are skipped, so a second call goes on where the first one
    stopped. The plan records each action as it is done, including the ids of the
    routes and orders it creates. The store raises NotFoundError or ValidationError
    if its data changed in a way that the plan did not foresee. The plan then
    keeps the actions done before the failure.
    """
    if not isinstance(plan, dict) or plan.get("format") != PLAN_FORMAT:
        raise ValueError(f"not a day plan: the 'format' key must be {PLAN_FORMAT!r}")
    if until not in STEPS:
        raise ValueError(f"unknown step {until!r}; use one of {', '.join(STEPS)}")
    for step in STEPS[: STEPS.index(until) + 1]:
        if step in plan["done"]:
            continue
        for route_plan in plan["routes"]:
            _play_step(store, step, route_plan)
        plan["done"].append(step)
    return summarize(plan)


def summarize(plan):
    """Return the figures that the steps done so far should have produced.

    For each route: its ids, expected status, the expected status of each pre-sale
    order, the route sales' ids, and per product code ``loadedPresale``,
    ``loadedExtra``, ``delivered``, ``sold``, ``returnedUndelivered``,
    ``customerReturnsGood``, ``customerReturnsDamaged`` and ``leftover`` (quantity
    per settlement destination). The loaded figures come from the plan; the others
    stay 0 until the step that produces them is done. Once the route is closed,
    loadedPresale + loadedExtra = delivered + sold + returnedUndelivered + the
    leftover total, for each product.
    """
    done = set(plan["done"])
    last_step = next((step for step in reversed(STEPS) if step in done), None)
    return {
        "steps": [step for step in STEPS if step in done],
        "routes": [
            _summarize_route(route_plan, done, last_step)
            for route_plan in plan["routes"]
        ],
    }


# -- choosing --------------------------------------------------------------------


def _check_counts(**counts):
    for name, value in counts.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")


def _check_shares(**shares):
    for name, value in shares.items():
        if (
            not isinstance(value, (int, float))
            or isinstance(value, bool)
            or not 0 <= value <= 1
        ):
            raise ValueError(f"{name} must be a number from 0 to 1, got {value!r}")


def _free_drivers(store):
    """Return the enabled salespeople who have no route that is not closed, by id."""
    busy = {route["user"]["id"] for route in store.routes(closed=False)}
    return [
        user
        for user in store.users()
        if user["enabled"]
        and user["role"]["id"] == SALES_ROLE_ID
        and user["id"] not in busy
    ]


def _pending_orders(store):
    """Return the pre-sale orders that a new route may take, by id."""
    catalog = {product["id"] for product in store.products()}
    on_routes = set()
    for route in store.routes(closed=False):
        if route["status"] in ROUTE_ACTIVE_STATUSES:
            on_routes.update(route["salesOrders"])
    return [
        order
        for order in store.orders(deleted=False)
        if order["salesType"] == SALES_TYPE_PRESALE
        and order["operativeStatus"] == STATUS_PENDING
        and order["id"] not in on_routes
        and all(item["product"]["id"] in catalog for item in order["items"])
    ]


def _group_orders(orders, rng, routes, orders_per_route):
    """Split orders into ``routes`` groups of neighbours (same zone, then by id)."""
    if orders_per_route is not None:
        orders = rng.sample(orders, min(len(orders), orders_per_route * routes))

    def zone_then_id(order):
        zone = (order["customer"] or {}).get("zone") or {}
        return (zone.get("id") or 0, order["id"])

    orders = sorted(orders, key=zone_then_id)
    size, extra = divmod(len(orders), routes)
    groups = []
    start = 0
    for index in range(routes):
        end = start + size + (1 if index < extra else 0)
        groups.append(orders[start:end])
        start = end
    return groups


def _unit_code(product):
    return (product.get("unit") or {}).get("code") or "PZA"


def _is_whole(quantity):
    return float(quantity).is_integer()


def _ordered_quantities(order):
    """Return ``{product code: ordered quantity}`` of an order's non-return lines."""
    ordered = {}
    for item in order["items"]:
        if item["isReturn"]:
            continue
        code = item["product"]["code"]
        ordered[code] = tidy_quantity(ordered.get(code, 0) + item["quantity"])
    return ordered


def _delivery_day(orders, today):
    """Return the Mexico City day of the earliest scheduled delivery, else today."""
    scheduled = [
        parse_iso(order["scheduledDateForDelivery"])
        for order in orders
        if order["scheduledDateForDelivery"]
    ]
    if not scheduled:
        return today
    return min(scheduled).astimezone(MEXICO_CITY).date().isoformat()


class _RoutePlanner:
    """Plans one route; every random draw comes from the day's generator."""

    def __init__(self, rng, products, customers, options):
        self.rng = rng
        self.products = products
        self.customers = customers
        self.options = options

    def plan(self, index, driver, orders, load_products, today):
        rng = self.rng
        delivery_day = _delivery_day(orders, today)
        load = self._load(load_products)
        deliveries = [self._delivery(order) for order in orders]
        remaining = {line["product"]: line["quantity"] for line in load}
        sales = [
            self._sale(load, remaining)
            for _ in range(self.options["route_sales_per_route"])
        ]
        returns = [
            {
                "customer": rng.choice(self.customers)["code"],
                "items": [self._return_line() for _ in range(rng.randint(1, 2))],
                "orderId": None,
            }
            for _ in range(self.options["returns_per_route"])
        ]
        return {
            "driver": {"id": driver["id"], "name": driver["name"]},
            "orders": [
                {
                    "id": order["id"],
                    "customer": order["customer"]["code"],
                    "ordered": _ordered_quantities(order),
                }
                for order in orders
            ],
            "dateForDelivery": delivery_day,
            "initialAmount": rng.choice(INITIAL_AMOUNTS),
            "comments": f"Ruta {index + 1} del {delivery_day}",
            "load": load,
            "deliveries": deliveries,
            "sales": sales,
            "returns": returns,
            "corrections": self._corrections(orders, deliveries),
            "settlement": self._settlement(remaining),
            "routeId": None,
            "nextRouteId": None,
            "progress": {},
        }

    def _load(self, count):
        chosen = self.rng.sample(self.products, min(count, len(self.products)))
        load = []
        for product in sorted(chosen, key=lambda product: product["code"]):
            unit = _unit_code(product)
            if unit == "KG":
                quantity = self.rng.randint(10, 80) * 0.5
            elif unit == "CJA":
                quantity = self.rng.randint(3, 20)
            else:
                quantity = self.rng.randint(2, 10) * 6
            load.append({"product": product["code"], "quantity": quantity})
        return load

    def _delivery(self, order):
        roll = self.rng.random()
        options = self.options
        quantities = None
        if roll < options["refused"]:
            outcome = OUTCOME_REFUSED
        elif roll < options["refused"] + options["not_delivered"]:
            outcome = OUTCOME_NOT_DELIVERED
        elif roll < options["refused"] + options["not_delivered"] + options["partial"]:
            quantities = self._partial_quantities(_ordered_quantities(order))
            outcome = OUTCOME_COMPLETE if quantities is None else OUTCOME_PARTIAL
        else:
            outcome = OUTCOME_COMPLETE
        return {"order": order["id"], "outcome": outcome, "quantities": quantities}

    def _partial_quantities(self, ordered):
        """Return ``{code: delivered}`` for a partial delivery, or None if impossible.

        Some products fall short; the others are delivered in full. At least one
        product keeps a quantity above 0.
        """
        rng = self.rng
        codes = list(ordered)
        if not codes:
            return None
        chosen = rng.sample(codes, rng.randint(1, len(codes)))
        quantities = {code: _short_quantity(rng, ordered[code]) for code in chosen}
        if len(chosen) == len(codes) and not any(quantities.values()):
            largest = max(chosen, key=lambda code: ordered[code])
            half = _half_quantity(ordered[largest])
            if half is None:
                return None
            quantities[largest] = half
        return quantities

    def _sale(self, load, remaining):
        rng = self.rng
        loaded = {line["product"]: line["quantity"] for line in load}
        available = [code for code in loaded if remaining[code] > 0]
        items = []
        if available:
            count = min(len(available), rng.randint(1, 3))
            for code in rng.sample(available, count):
                quantity = self._sale_quantity(loaded[code], remaining[code])
                items.append({"product": code, "quantity": quantity})
                remaining[code] = tidy_quantity(remaining[code] - quantity)
        if not items or rng.random() < SALES_WITH_RETURN_SHARE:
            items.append(self._return_line())
        payment = (
            CREDIT_PAYMENT
            if rng.random() < CREDIT_SHARE
            else ROUTE_SALE_PAYMENT_DEFAULT
        )
        return {
            "customer": rng.choice(self.customers)["code"],
            "paymentType": payment,
            "items": items,
            "orderId": None,
        }

    def _sale_quantity(self, loaded, left):
        """Return a quantity of at most ``left``, about a share of the load."""
        step = 1 if _is_whole(loaded) and _is_whole(left) else WEIGHT_STEP
        share = loaded / (self.options["route_sales_per_route"] + 1)
        maximum = max(1, math.floor(min(left, share) / step))
        maximum = min(maximum, math.floor(left / step))
        quantity = self.rng.randint(1, maximum) * step
        return int(quantity) if step == 1 else quantity

    def _return_line(self):
        rng = self.rng
        product = rng.choice(self.products)
        if _unit_code(product) == "KG":
            quantity = rng.randint(1, 8) * WEIGHT_STEP
        else:
            quantity = rng.randint(1, 6)
        condition = RETURN_DAMAGED if rng.random() < self.options["damaged"] else None
        return {
            "product": product["code"],
            "quantity": quantity,
            "isReturn": True,
            "returnCondition": condition or RETURN_GOOD,
        }

    def _corrections(self, orders, deliveries):
        """Let the office find one more unit delivered on some partial deliveries."""
        ordered_by_id = {order["id"]: _ordered_quantities(order) for order in orders}
        corrections = []
        for delivery in deliveries:
            if len(corrections) >= self.options["corrections_per_route"]:
                break
            if delivery["outcome"] != OUTCOME_PARTIAL:
                continue
            ordered = ordered_by_id[delivery["order"]]
            for code, quantity in delivery["quantities"].items():
                if quantity < ordered[code]:
                    step = 1 if _is_whole(ordered[code]) else 0.125
                    corrected = tidy_quantity(min(ordered[code], quantity + step))
                    corrections.append(
                        {"order": delivery["order"], "quantities": {code: corrected}}
                    )
                    break
        return corrections

    def _settlement(self, remaining):
        """Return where the office sends each product's leftover."""
        rng = self.rng
        settlement = {}
        for code, leftover in remaining.items():
            lines = []
            if leftover > 0:
                lost = 0
                if rng.random() < self.options["shrinkage"]:
                    lost = _lost_quantity(rng, leftover)
                rest = tidy_quantity(leftover - lost)
                destination = (
                    DESTINATION_LOAD
                    if rng.random() < self.options["carry_over"]
                    else DESTINATION_WAREHOUSE
                )
                if rest > 0:
                    lines.append({"quantity": rest, "destination": destination})
                if lost > 0:
                    lines.append(
                        {"quantity": lost, "destination": DESTINATION_SHRINKAGE}
                    )
            settlement[code] = lines
        return settlement


def _short_quantity(rng, ordered):
    """Return a delivered quantity below ``ordered``, possibly 0."""
    if _is_whole(ordered):
        return rng.randint(0, int(ordered) - 1)
    # Eighths of a kilogram, strictly below the ordered weight.
    return math.floor(ordered * rng.random() * 8) / 8


def _half_quantity(ordered):
    """Return about half of ``ordered`` and above 0, or None if there is no such."""
    if _is_whole(ordered):
        return int(ordered) // 2 or None
    return math.floor(ordered * 4) / 8 or None


def _lost_quantity(rng, leftover):
    """Return a small quantity of at maximum ``leftover`` lost to shrinkage."""
    if _is_whole(leftover):
        return rng.randint(1, max(1, int(leftover) // 4))
    steps = math.floor(leftover / WEIGHT_STEP)
    return rng.randint(1, max(1, steps // 4)) * WEIGHT_STEP


# -- playing ---------------------------------------------------------------------


def _play_step(store, step, route_plan):
    """Run the actions of one step of one route that are not done yet."""
    actions = _step_actions(store, step, route_plan)
    done = route_plan["progress"].get(step, 0)
    for action in actions[done:]:
        action()
        done += 1
        route_plan["progress"][step] = done


def _step_actions(store, step, route_plan):
    route_id = route_plan["routeId"]
    if step == "created":
        return [functools.partial(_create, store, route_plan)]
    if step == "accepted":
        return [functools.partial(store.accept_route, route_id)]
    if step == "delivered":
        return [
            functools.partial(
                store.deliver_order,
                route_id,
                delivery["order"],
                delivery["outcome"],
                delivery["quantities"],
            )
            for delivery in route_plan["deliveries"]
        ]
    if step == "sold":
        return [
            functools.partial(_sell, store, route_id, sale)
            for sale in route_plan["sales"]
        ] + [
            functools.partial(_take_return, store, route_id, customer_return)
            for customer_return in route_plan["returns"]
        ]
    if step == "finished":
        return [functools.partial(store.finish_route, route_id)]
    if step == "corrected":
        return [
            functools.partial(
                store.correct_delivery,
                route_id,
                correction["order"],
                correction["quantities"],
            )
            for correction in route_plan["corrections"]
        ]
    return [functools.partial(_close, store, route_plan)]


def _create(store, route_plan):
    route = store.create_route(
        route_plan["driver"]["id"],
        sales_order_ids=[order["id"] for order in route_plan["orders"]],
        products=route_plan["load"],
        date_for_delivery=route_plan["dateForDelivery"],
        initial_amount=route_plan["initialAmount"],
        comments=route_plan["comments"],
    )
    route_plan["routeId"] = route["id"]


def _sell(store, route_id, sale):
    order = store.sell_from_truck(
        route_id, sale["customer"], sale["items"], payment_type=sale["paymentType"]
    )
    sale["orderId"] = order["id"]


def _take_return(store, route_id, customer_return):
    order = store.take_return(
        route_id, customer_return["customer"], customer_return["items"]
    )
    customer_return["orderId"] = order["id"]


def _close(store, route_plan):
    route = store.close_route(route_plan["routeId"], route_plan["settlement"])
    route_plan["nextRouteId"] = route["nextRouteId"]


# -- summing up ------------------------------------------------------------------


def _empty_figures():
    return {
        "loadedPresale": 0,
        "loadedExtra": 0,
        "delivered": 0,
        "sold": 0,
        "returnedUndelivered": 0,
        "customerReturnsGood": 0,
        "customerReturnsDamaged": 0,
        "leftover": {destination: 0 for destination in SETTLEMENT_DESTINATIONS},
    }


def _delivered_by_order(route_plan, done):
    """Return ``{order id: {code: delivered}}`` after the steps done."""
    delivered = {}
    for order, delivery in zip(
        route_plan["orders"], route_plan["deliveries"], strict=True
    ):
        ordered = order["ordered"]
        if "delivered" not in done or delivery["outcome"] in (
            OUTCOME_REFUSED,
            OUTCOME_NOT_DELIVERED,
        ):
            delivered[order["id"]] = {code: 0 for code in ordered}
        else:
            quantities = delivery["quantities"] or {}
            delivered[order["id"]] = {
                code: quantities.get(code, quantity)
                for code, quantity in ordered.items()
            }
    if "corrected" in done:
        for correction in route_plan["corrections"]:
            delivered[correction["order"]].update(correction["quantities"])
    return delivered


def _order_status(order, delivery, delivered, done):
    """Return the expected ``operativeStatus`` of a pre-sale order."""
    if "accepted" not in done:
        return STATUS_PENDING
    if "delivered" not in done:
        return STATUS_ON_ROUTE
    status = _OUTCOME_STATUS[delivery["outcome"]]
    if status == STATUS_PARTIAL_OPEN:
        ordered = order["ordered"]
        if all(delivered[code] >= ordered[code] for code in ordered):
            status = STATUS_COMPLETE
        elif "closed" in done:
            status = STATUS_PARTIAL_CLOSED
    return status


def _summarize_route(route_plan, done, last_step):
    figures = {}

    def add(code, key, quantity):
        product = figures.setdefault(code, _empty_figures())
        product[key] = tidy_quantity(product[key] + quantity)

    delivered = _delivered_by_order(route_plan, done)
    orders = []
    for order, delivery in zip(
        route_plan["orders"], route_plan["deliveries"], strict=True
    ):
        for code, quantity in order["ordered"].items():
            add(code, "loadedPresale", quantity)
            add(code, "delivered", delivered[order["id"]][code])
            if "finished" in done:
                add(
                    code, "returnedUndelivered", quantity - delivered[order["id"]][code]
                )
        orders.append(
            {
                "id": order["id"],
                "status": _order_status(order, delivery, delivered[order["id"]], done),
            }
        )
    for line in route_plan["load"]:
        add(line["product"], "loadedExtra", line["quantity"])
    if "sold" in done:
        for order in route_plan["sales"] + route_plan["returns"]:
            for item in order["items"]:
                if not item.get("isReturn"):
                    add(item["product"], "sold", item["quantity"])
                elif item.get("returnCondition") == RETURN_DAMAGED:
                    add(item["product"], "customerReturnsDamaged", item["quantity"])
                else:
                    add(item["product"], "customerReturnsGood", item["quantity"])
    if "closed" in done:
        for code, lines in route_plan["settlement"].items():
            for line in lines:
                leftover = figures.setdefault(code, _empty_figures())["leftover"]
                leftover[line["destination"]] = tidy_quantity(
                    leftover[line["destination"]] + line["quantity"]
                )
    return {
        "routeId": route_plan["routeId"],
        "nextRouteId": route_plan["nextRouteId"],
        "driver": route_plan["driver"]["id"],
        "status": _ROUTE_STATUS_AFTER.get(last_step),
        "orders": orders,
        "routeSales": [
            order["orderId"]
            for order in route_plan["sales"] + route_plan["returns"]
            if order["orderId"] is not None
        ],
        "products": figures,
    }
