"""Query parameters of list endpoints and the pagination envelope.

Lists take ``page`` (1-based), ``max`` (default 10, values above 100 count as
100), ``sort`` and ``order``, and filters of their own. The date window
``start``/``end`` is read as ``dd/MM/yyyy HH:mm:ss`` in Mexico City time, and
both bounds are inclusive. It applies to the field named by ``filterWithDate``,
which is ``dateCreated`` by default.
"""

import math
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from .dates import HANDY_FORMAT_LABEL, parse_handy
from .errors import OBJECT_QUERY, ValidationError, field_error
from .orders import SALES_TYPES
from .render import SORTABLE_FIELDS

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100
DEFAULT_DATE_FIELD = "dateCreated"
DATE_FIELDS = {
    "salesOrder": ("mobileDateCreated", "dateCreated", "dateDeleted", "lastUpdated"),
    "route": ("dateCreated", "lastUpdated", "dateClosed"),
}
GENERIC_DATE_FIELDS = ("dateCreated", "lastUpdated")
ORDER_FLAGS = ("exported", "billable", "billed")


@dataclass
class ListRequest:
    """Validated parameters of one list call."""

    page: int = 1
    size: int = DEFAULT_PAGE_SIZE
    sort: str = "id"
    descending: bool = False
    date_field: str = DEFAULT_DATE_FIELD
    start: object = None
    end: object = None
    filters: dict = field(default_factory=dict)
    text_filters: dict = field(default_factory=dict)
    # Routes only: whether each route keeps its ``salesOrders`` list.
    include_sales_orders: bool = False

    @property
    def offset(self):
        return (self.page - 1) * self.size


def _reject(errors, name, value, message):
    errors.append(field_error(OBJECT_QUERY, name, value, message))


def _positive_int(params, name, default, errors):
    if name not in params:
        return default
    text = params[name]
    if not text.strip().isdigit() or int(text) < 1:
        _reject(
            errors,
            name,
            text,
            f"El parámetro '{name}' debe ser un número entero mayor que cero.",
        )
        return default
    return int(text)


def _boolean(params, name, default, errors):
    if name not in params:
        return default
    text = params[name].strip().lower()
    if text not in ("true", "false"):
        _reject(
            errors, name, params[name], f"El parámetro '{name}' debe ser true o false."
        )
        return default
    return text == "true"


def parse_list_request(resource, params):
    """Validate the query parameters of a list of ``resource``.

    ``params`` maps each parameter to its first value. Parameters that the list
    does not know are ignored. Raises ValidationError with every error found.
    """
    errors = []
    request = ListRequest()
    request.page = _positive_int(params, "page", 1, errors)
    request.size = min(
        _positive_int(params, "max", DEFAULT_PAGE_SIZE, errors), MAX_PAGE_SIZE
    )
    _parse_sorting(request, resource, params, errors)
    _parse_date_window(request, resource, params, errors)
    if resource == "salesOrder":
        _parse_order_filters(request, params, errors)
    elif resource == "route":
        _parse_route_filters(request, params, errors)
    else:
        request.filters["enabled"] = _boolean(params, "enabled", True, errors)
    if resource == "user":
        _parse_user_filters(request, params, errors)

    if errors:
        raise ValidationError(errors)
    return request


def _parse_sorting(request, resource, params, errors):
    """Set ``sort`` and ``descending`` from the ``sort`` and ``order`` parameters."""
    if "sort" in params:
        if params["sort"] in SORTABLE_FIELDS[resource]:
            request.sort = params["sort"]
        else:
            allowed = ", ".join(SORTABLE_FIELDS[resource])
            _reject(
                errors,
                "sort",
                params["sort"],
                f"No se puede ordenar por '{params['sort']}'. "
                f"Campos válidos: {allowed}.",
            )
    if "order" in params:
        order = params["order"].strip().lower()
        if order in ("asc", "desc"):
            request.descending = order == "desc"
        else:
            _reject(
                errors,
                "order",
                params["order"],
                "El parámetro 'order' debe ser asc o desc.",
            )


def _parse_date_window(request, resource, params, errors):
    """Set the date field and the ``start``/``end`` bounds of the window."""
    date_fields = DATE_FIELDS.get(resource, GENERIC_DATE_FIELDS)
    if "filterWithDate" in params:
        if params["filterWithDate"] in date_fields:
            request.date_field = params["filterWithDate"]
        else:
            allowed = ", ".join(date_fields)
            _reject(
                errors,
                "filterWithDate",
                params["filterWithDate"],
                f"No se puede filtrar por la fecha '{params['filterWithDate']}'. "
                f"Campos válidos: {allowed}.",
            )
    for name in ("start", "end"):
        if name in params:
            try:
                setattr(request, name, parse_handy(params[name]))
            except ValueError:
                _reject(
                    errors,
                    name,
                    params[name],
                    f"La fecha no tiene el formato {HANDY_FORMAT_LABEL}.",
                )


def _parse_order_filters(request, params, errors):
    """Set the filters of the sales order list: ``deleted``, its flags and type."""
    request.filters["deleted"] = _boolean(params, "deleted", False, errors)
    for flag in ORDER_FLAGS:
        value = _boolean(params, flag, None, errors)
        if value is not None:
            request.filters[flag] = value
    if "salesType" in params:
        sales_type = params["salesType"].strip().upper()
        if sales_type in ("PRESALE", "ROUTE"):
            request.filters["salesType"] = SALES_TYPES[sales_type]
        else:
            _reject(
                errors,
                "salesType",
                params["salesType"],
                "El parámetro 'salesType' debe ser PRESALE o ROUTE.",
            )


def _parse_route_filters(request, params, errors):
    """Set the ``closed`` filter and ``includeSalesOrders`` of the route list."""
    closed = _boolean(params, "closed", None, errors)
    if closed is not None:
        request.filters["closed"] = closed
    request.include_sales_orders = _boolean(params, "includeSalesOrders", False, errors)


def _parse_user_filters(request, params, errors):
    """Set the ``role`` and ``name`` filters of the user list."""
    if "role" in params:
        role = _positive_int(params, "role", None, errors)
        if role is not None:
            request.filters["_role_id"] = role
    if params.get("name"):
        request.text_filters["name"] = params["name"]


def page_url(base_url, query_pairs, page):
    """Return ``base_url`` with every original query parameter and ``page`` replaced."""
    pairs = []
    replaced = False
    for name, value in query_pairs:
        if name == "page":
            if not replaced:
                pairs.append(("page", str(page)))
                replaced = True
            continue
        pairs.append((name, value))
    if not replaced:
        pairs.append(("page", str(page)))
    return f"{base_url}?{urlencode(pairs, safe='/:', quote_via=quote)}"


def pagination(base_url, query_pairs, page, size, total):
    """Build the ``pagination`` object of a list response, with absolute page URLs."""
    total_pages = math.ceil(total / size)
    last_page = max(total_pages, 1)
    return {
        "totalCount": total,
        "totalPages": total_pages,
        "currentPage": page_url(base_url, query_pairs, page),
        "nextPage": page_url(base_url, query_pairs, page + 1)
        if page < total_pages
        else None,
        "prevPage": page_url(base_url, query_pairs, page - 1) if page > 1 else None,
        "firstPage": page_url(base_url, query_pairs, 1),
        "lastPage": page_url(base_url, query_pairs, last_page),
    }
