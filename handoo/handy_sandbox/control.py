"""Control API under ``/_sandbox/`` for the demo and the benchmark, which run the
sandbox as a separate process. It needs no token, takes no faults and counts no
requests in the statistics.

Handlers take the HandySandbox, the Request and the path parameters. A ValueError
or TypeError from a bad argument becomes a 422 response.
"""

import inspect

from .dates import coerce_datetime, to_iso
from .errors import NotFoundError
from .generator import generate
from .http_messages import json_response
from .routing import Router

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
    )
)
