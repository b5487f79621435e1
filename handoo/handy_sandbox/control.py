"""Control API under ``/_sandbox/`` for the demo and the benchmark, which run the
sandbox as a separate process. It needs no token, takes no faults and counts no
requests in the statistics. It also drives what the drivers and the office do with
routes, the route webhooks and the day scenarios.

Handlers take the HandySandbox, the Request and the path parameters. A ValueError
or TypeError from a bad argument becomes a 422 response.
"""

import inspect

from .dates import coerce_datetime, to_iso
from .errors import NotFoundError
from .generator import generate
from .http_messages import json_response
from .routing import Router
from .scenario import plan_day, play, summarize

GENERATE_OPTIONS = tuple(
    name
    for name in inspect.signature(generate).parameters
    if name not in ("seed", "store")
)
ORDER_KEYS = (
    "customer_code",
    "items",
    "seller_id",
    "sales_type",
    "date_created",
    "mobile_date_created",
)
ROUTE_KEYS = (
    "user_id",
    "sales_order_ids",
    "products",
    "date_for_delivery",
    "initial_amount",
    "comments",
    "carried_over",
)
WEBHOOK_KEYS = ("url", "secret", "mode", "background", "timeout")
PLAN_OPTIONS = tuple(
    name for name in inspect.signature(plan_day).parameters if name != "store"
)


def _order_id(params):
    if not params["id"].isdigit():
        raise NotFoundError(f"No existe un pedido con id {params['id']}.")
    return int(params["id"])


def reset(sandbox, request, params):
    """Regenerate the data from ``{"seed": 42, "orders": 2000, "lines": [8, 8], ...}``.

    ``{"empty": true}`` clears it instead.
    """
    body = request.json_object(required=False)
    if body.pop("empty", False):
        if body:
            raise ValueError(f"'empty' takes no other keys, got {sorted(body)}")
        sandbox.store.clear()
        return json_response(
            200, {"summary": sandbox.store.summary(), "stats": sandbox.store.stats()}
        )
    seed = body.pop("seed", 0)
    unknown = set(body) - set(GENERATE_OPTIONS)
    if unknown:
        raise ValueError(
            f"unknown reset keys {sorted(unknown)}; use seed, empty or "
            f"{', '.join(GENERATE_OPTIONS)}"
        )
    summary = sandbox.store.load_generated(seed, **body)
    return json_response(200, {"summary": summary, "stats": sandbox.store.stats()})


def get_stats(sandbox, request, params):
    stats = sandbox.store.stats()
    stats["pendingFaults"] = sandbox.faults.pending()
    return json_response(200, stats)


def reset_stats(sandbox, request, params):
    sandbox.store.reset_stats()
    return get_stats(sandbox, request, params)


def list_faults(sandbox, request, params):
    return json_response(200, {"faults": sandbox.faults.pending()})


def add_faults(sandbox, request, params):
    """Queue one fault (``{"kind": ..., "count": ...}``) or several.

    Several faults come as ``{"faults": [...]}``.
    """
    body = request.json_object()
    specs = body["faults"] if "faults" in body else [body]
    if not isinstance(specs, list) or not all(isinstance(spec, dict) for spec in specs):
        raise ValueError(
            '\'faults\' must be a list of objects such as {"kind": "server_error"}'
        )
    for spec in specs:
        sandbox.faults.add(**spec)
    return json_response(201, {"faults": sandbox.faults.pending()})


def clear_faults(sandbox, request, params):
    sandbox.faults.clear()
    return json_response(200, {"faults": []})


def create_order(sandbox, request, params):
    """Record an order as a phone would, from ``create_order``'s argument names.

    Keys other than those arguments are order fields by their API names, such as
    ``sellerComment``.
    """
    body = request.json_object()
    if "customer_code" not in body or "items" not in body:
        raise ValueError("the body needs 'customer_code' and 'items'")
    arguments = {key: body.pop(key) for key in ORDER_KEYS if key in body}
    return json_response(201, sandbox.store.create_order(**arguments, **body))


def edit_order(sandbox, request, params):
    body = request.json_object()
    allowed = {"items", "date_created", "mobile_date_created", "edited_by"}
    if "items" not in body or set(body) - allowed:
        raise ValueError(
            f"the body needs 'items' and may also have {sorted(allowed - {'items'})}"
        )
    return json_response(201, sandbox.store.edit_order(_order_id(params), **body))


def delete_order(sandbox, request, params):
    body = request.json_object(required=False)
    allowed = {"deleted_by", "date_deleted"}
    if set(body) - allowed:
        raise ValueError(f"the body may have only {sorted(allowed)}")
    return json_response(200, sandbox.store.delete_order(_order_id(params), **body))


def get_clock(sandbox, request, params):
    return json_response(
        200,
        {"now": to_iso(sandbox.store.now()), "frozen": sandbox.store.is_clock_frozen()},
    )


def set_clock(sandbox, request, params):
    """Freeze the clock with ``{"now": "2024-03-05T18:00:00Z"}``.

    ``{"now": null}`` unfreezes it.
    """
    body = request.json_object()
    if "now" not in body:
        raise ValueError("the body needs 'now': an ISO 8601 date and time, or null")
    sandbox.store.set_clock(coerce_datetime(body["now"]))
    return get_clock(sandbox, request, params)


def export_state(sandbox, request, params):
    return json_response(200, sandbox.store.export_state())


def import_state(sandbox, request, params):
    sandbox.store.import_state(request.json_object())
    return json_response(200, {"summary": sandbox.store.summary()})


def _portal_update(resource, numeric):
    def update(sandbox, request, params):
        key = params["key"]
        if numeric:
            if not key.isdigit():
                raise NotFoundError(f"No existe un registro con id {key}.")
            key = int(key)
        return json_response(
            200, sandbox.store.update_from_body(resource, key, request.json_object())
        )

    return update


def _arguments(body, required=(), optional=()):
    """Return the body as keyword arguments; ValueError on a missing or unknown key."""
    missing = [key for key in required if key not in body]
    unknown = set(body) - set(required) - set(optional)
    if missing or unknown:
        raise ValueError(
            f"the body needs {list(required)} and may also have {list(optional)}; "
            f"missing {missing}, unknown {sorted(unknown)}"
        )
    return body


def _route_id(params):
    if not params["id"].isdigit():
        raise NotFoundError(f"No existe una ruta con id {params['id']}.")
    return int(params["id"])


def create_route(sandbox, request, params):
    """Create a route from ``create_route``'s argument names."""
    arguments = _arguments(request.json_object(), ROUTE_KEYS[:1], ROUTE_KEYS[1:])
    return json_response(201, sandbox.store.create_route(**arguments))


def list_routes(sandbox, request, params):
    return json_response(200, {"routes": sandbox.store.routes()})


def _route_action(method_name, required=(), optional=(), status=200):
    """Return a handler that calls a route method of the store with the body."""

    def handle(sandbox, request, params):
        arguments = _arguments(request.json_object(required=False), required, optional)
        method = getattr(sandbox.store, method_name)
        return json_response(status, method(_route_id(params), **arguments))

    return handle


def configure_webhooks(sandbox, request, params):
    """Configure the webhooks: ``{"url", "secret", "mode", "background", ...}``."""
    arguments = _arguments(request.json_object(), (), WEBHOOK_KEYS)
    return json_response(200, sandbox.webhooks.configure(**arguments))


def list_webhooks(sandbox, request, params):
    return json_response(
        200,
        {
            "config": sandbox.webhooks.config(),
            "events": sandbox.webhooks.events(),
            "deliveries": sandbox.webhooks.deliveries(),
        },
    )


def clear_webhooks(sandbox, request, params):
    sandbox.webhooks.clear()
    return list_webhooks(sandbox, request, params)


def resend_webhook(sandbox, request, params):
    try:
        delivery = sandbox.webhooks.resend(params["id"])
    except KeyError:
        raise NotFoundError(f"No existe un evento con id {params['id']}.") from None
    return json_response(200, delivery)


def plan_scenario(sandbox, request, params):
    """Plan a day from ``plan_day``'s arguments; the sandbox keeps it for ``play``."""
    body = request.json_object(required=False)
    arguments = _arguments(body, ("seed",), PLAN_OPTIONS[1:])
    with sandbox.scenario_lock:
        plan = plan_day(sandbox.store, **arguments)
        sandbox.scenario_plan = plan
        return json_response(200, {"plan": plan, "summary": summarize(plan)})


def play_scenario(sandbox, request, params):
    """Play the kept plan, or ``plan`` from the body, up to ``until``."""
    body = _arguments(request.json_object(required=False), (), ("until", "plan"))
    with sandbox.scenario_lock:
        if "plan" in body:
            sandbox.scenario_plan = body["plan"]
        if sandbox.scenario_plan is None:
            raise ValueError("no plan yet: POST /_sandbox/scenario/plan first")
        summary = play(
            sandbox.store, sandbox.scenario_plan, until=body.get("until", "closed")
        )
        return json_response(200, {"plan": sandbox.scenario_plan, "summary": summary})


def get_scenario(sandbox, request, params):
    with sandbox.scenario_lock:
        plan = sandbox.scenario_plan
        summary = summarize(plan) if plan is not None else None
        return json_response(200, {"plan": plan, "summary": summary})


ROUTER = Router(
    (
        ("POST", "/_sandbox/reset", reset),
        ("GET", "/_sandbox/stats", get_stats),
        ("POST", "/_sandbox/stats/reset", reset_stats),
        ("GET", "/_sandbox/faults", list_faults),
        ("POST", "/_sandbox/faults", add_faults),
        ("DELETE", "/_sandbox/faults", clear_faults),
        ("POST", "/_sandbox/orders", create_order),
        ("POST", "/_sandbox/orders/{id}/edit", edit_order),
        ("POST", "/_sandbox/orders/{id}/delete", delete_order),
        ("GET", "/_sandbox/clock", get_clock),
        ("POST", "/_sandbox/clock", set_clock),
        ("GET", "/_sandbox/export", export_state),
        ("POST", "/_sandbox/import", import_state),
        (
            "POST",
            "/_sandbox/customers/{key}",
            _portal_update("customer", numeric=False),
        ),
        ("POST", "/_sandbox/products/{key}", _portal_update("product", numeric=False)),
        ("POST", "/_sandbox/zones/{key}", _portal_update("zone", numeric=True)),
        (
            "POST",
            "/_sandbox/productFamilies/{key}",
            _portal_update("productFamily", numeric=True),
        ),
        ("GET", "/_sandbox/routes", list_routes),
        ("POST", "/_sandbox/routes", create_route),
        ("POST", "/_sandbox/routes/{id}/accept", _route_action("accept_route")),
        (
            "POST",
            "/_sandbox/routes/{id}/deliver",
            _route_action("deliver_order", ("order_id", "outcome"), ("quantities",)),
        ),
        (
            "POST",
            "/_sandbox/routes/{id}/sell",
            _route_action(
                "sell_from_truck",
                ("customer_code", "items"),
                ("payment_type",),
                status=201,
            ),
        ),
        (
            "POST",
            "/_sandbox/routes/{id}/return",
            _route_action("take_return", ("customer_code", "items"), status=201),
        ),
        ("POST", "/_sandbox/routes/{id}/finish", _route_action("finish_route")),
        (
            "POST",
            "/_sandbox/routes/{id}/correct",
            _route_action("correct_delivery", ("order_id", "quantities")),
        ),
        (
            "POST",
            "/_sandbox/routes/{id}/close",
            _route_action("close_route", (), ("settlement",)),
        ),
        ("POST", "/_sandbox/routes/{id}/delete", _route_action("delete_route")),
        ("GET", "/_sandbox/webhooks", list_webhooks),
        ("POST", "/_sandbox/webhooks", configure_webhooks),
        ("DELETE", "/_sandbox/webhooks", clear_webhooks),
        ("POST", "/_sandbox/webhooks/{id}/resend", resend_webhook),
        ("GET", "/_sandbox/scenario", get_scenario),
        ("POST", "/_sandbox/scenario/plan", plan_scenario),
        ("POST", "/_sandbox/scenario/play", play_scenario),
    )
)
