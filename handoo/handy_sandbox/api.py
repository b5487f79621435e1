"""Handlers of Handy's API v2 routes, mounted under ``/api/v2``.

Each handler takes the store, the Request and the path parameters, and returns a
Response or raises NotFoundError, ValidationError or BadRequest, which the server
turns into 404, 422 and 400 responses.
"""

from .errors import NotFoundError
from .http_messages import json_response
from .listing import pagination, parse_list_request
from .routing import Router

# List key of each resource in the pagination envelope.
LIST_KEYS = {
    "user": "users",
    "zone": "zones",
    "productFamily": "productFamilies",
    "customer": "customers",
    "product": "products",
    "priceList": "priceLists",
    "salesOrder": "salesOrders",
    "route": "routes",
}


def _numeric_id(text, message):
    """Return a path id as an int; a non-numeric id names no record, so it is a 404."""
    if not text.isdigit():
        raise NotFoundError(message.format(key=text))
    return int(text)


def _list_handler(resource):
    def list_records(store, request, params):
        list_request = parse_list_request(resource, request.query)
        total, records = store.query(
            resource,
            filters=list_request.filters,
            text_filters=list_request.text_filters,
            date_field=list_request.date_field,
            start=list_request.start,
            end=list_request.end,
            sort=list_request.sort,
            descending=list_request.descending,
            offset=list_request.offset,
            limit=list_request.size,
        )
        if resource == "route" and not list_request.include_sales_orders:
            for record in records:
                del record["salesOrders"]
        body = {
            "pagination": pagination(
                request.base_url,
                request.query_pairs,
                list_request.page,
                list_request.size,
                total,
            ),
            LIST_KEYS[resource]: records,
        }
        return json_response(200, body)

    return list_records


def get_company(store, request, params):
    return json_response(200, store.company())


def get_user(store, request, params):
    user_id = _numeric_id(params["id"], "No existe un usuario con id {key}.")
    return json_response(200, store.get_user(user_id))


def get_zone(store, request, params):
    return json_response(
        200,
        store.get_zone(_numeric_id(params["id"], "No existe una zona con id {key}.")),
    )


def get_family(store, request, params):
    family_id = _numeric_id(
        params["id"], "No existe una familia de productos con id {key}."
    )
    return json_response(200, store.get_family(family_id))


def get_customer(store, request, params):
    return json_response(200, store.get_customer(params["code"]))


def get_product(store, request, params):
    return json_response(200, store.get_product(params["code"]))


def get_order(store, request, params):
    return json_response(
        200,
        store.get_order(_numeric_id(params["id"], "No existe un pedido con id {key}.")),
    )


def get_order_by_external_id(store, request, params):
    text = params["externalId"]
    number = text.removeprefix("-")
    if not number.isdigit():
        raise NotFoundError(f"No existe un pedido con externalId {text}.")
    return json_response(200, store.get_order_by_external_id(int(text)))


def _create_handler(resource):
    def create_record(store, request, params):
        return json_response(
            201, store.create_from_body(resource, request.json_object())
        )

    return create_record


def update_zone(store, request, params):
    zone_id = _numeric_id(params["id"], "No existe una zona con id {key}.")
    return json_response(
        200, store.update_from_body("zone", zone_id, request.json_object())
    )


def update_family(store, request, params):
    family_id = _numeric_id(
        params["id"], "No existe una familia de productos con id {key}."
    )
    return json_response(
        200, store.update_from_body("productFamily", family_id, request.json_object())
    )


def update_customer(store, request, params):
    return json_response(
        200, store.update_from_body("customer", params["code"], request.json_object())
    )


def update_product(store, request, params):
    return json_response(
        200, store.update_from_body("product", params["code"], request.json_object())
    )


def create_order(store, request, params):
    return json_response(201, store.create_order_from_body(request.json_object()))


def update_order(store, request, params):
    order_id = _numeric_id(params["id"], "No existe un pedido con id {key}.")
    return json_response(
        200, store.update_order_from_body(order_id, request.json_object())
    )


def _route_id(params):
    return _numeric_id(params["id"], "No existe una ruta con id {key}.")


def _user_id(params):
    return _numeric_id(params["userId"], "No existe un usuario con id {key}.")


def get_route(store, request, params):
    return json_response(200, store.get_route(_route_id(params)))


def delete_route(store, request, params):
    """Delete a route not accepted yet; 200 with the route as it was."""
    return json_response(200, store.delete_route(_route_id(params)))


def create_route(store, request, params):
    return json_response(
        201, store.create_route_from_body(_user_id(params), request.json_object())
    )


def get_current_route(store, request, params):
    return json_response(200, store.current_route(_user_id(params)))


ROUTER = Router(
    (
        ("GET", "/user", _list_handler("user")),
        ("GET", "/user/{id}", get_user),
        ("POST", "/user/{userId}/route", create_route),
        ("GET", "/user/{userId}/route/current", get_current_route),
        ("GET", "/company", get_company),
        ("GET", "/zone", _list_handler("zone")),
        ("POST", "/zone", _create_handler("zone")),
        ("GET", "/zone/{id}", get_zone),
        ("PUT", "/zone/{id}", update_zone),
        ("GET", "/productFamily", _list_handler("productFamily")),
        ("POST", "/productFamily", _create_handler("productFamily")),
        ("GET", "/productFamily/{id}", get_family),
        ("PUT", "/productFamily/{id}", update_family),
        ("GET", "/customer", _list_handler("customer")),
        ("POST", "/customer", _create_handler("customer")),
        ("GET", "/customer/{code}", get_customer),
        ("PUT", "/customer/{code}", update_customer),
        ("GET", "/product", _list_handler("product")),
        ("POST", "/product", _create_handler("product")),
        ("GET", "/product/{code}", get_product),
        ("PUT", "/product/{code}", update_product),
        ("GET", "/priceList", _list_handler("priceList")),
        ("GET", "/salesOrder", _list_handler("salesOrder")),
        ("POST", "/salesOrder", create_order),
        ("GET", "/salesOrder/external/{externalId}", get_order_by_external_id),
        ("GET", "/salesOrder/{id}", get_order),
        ("PUT", "/salesOrder/{id}", update_order),
        ("GET", "/route", _list_handler("route")),
        ("GET", "/route/{id}", get_route),
        ("DELETE", "/route/{id}", delete_route),
    )
)
