"""Small HTML pages that stand in for Handy's web app.

handoo's "Open in Handy" links point at ``/salesOrder/show/{id}``,
``/customer/show/{id}``, ``/product/show/{id}`` and ``/route/show/{id}``; here they
show the record with Spanish labels. Dates are shown in Mexico City time.
"""

from html import escape

from .dates import format_handy, parse_iso
from .errors import NotFoundError
from .http_messages import html_response
from .routing import Router

_STYLE = (
    "\n"
    "body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; "
    "max-width: 60rem; }\n"
    "h1 { font-size: 1.5rem; } h2 { font-size: 1.1rem; margin-top: 1.5rem; }\n"
    "table { border-collapse: collapse; width: 100%; }\n"
    "th, td { border-bottom: 1px solid #ddd; padding: .35rem .5rem; "
    "text-align: left; vertical-align: top; }\n"
    "td.number, th.number { text-align: right; }\n"
    ".banner { background: #fde8e8; border: 1px solid #e4572e; "
    "padding: .5rem 1rem; margin: 1rem 0; }\n"
    ".muted { color: #666; }\n"
)


def _page(title, body, status=200):
    text = (
        '<!DOCTYPE html>\n<html lang="es">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)} · Handy sandbox</title>\n"
        f"<style>{_STYLE}</style>\n</head>\n"
        '<body>\n<p class="muted">Handy sandbox · portal web simulado</p>\n'
        f"{body}\n</body>\n</html>\n"
    )
    return html_response(status, text)


def _text(value):
    if value is None or value == "":
        return '<span class="muted">—</span>'
    if isinstance(value, bool):
        return "Sí" if value else "No"
    return escape(str(value))


def _date(value):
    if not value:
        return _text(None)
    return escape(format_handy(parse_iso(value)))


def _money(value):
    if value is None:
        return _text(None)
    return f"${value:,.2f}"


def _fields_table(rows):
    cells = "\n".join(
        f"<tr><th>{escape(label)}</th><td>{value}</td></tr>" for label, value in rows
    )
    return f"<table>\n{cells}\n</table>"


def _tax_text(tax):
    if not tax:
        return _text(None)
    return escape(f"{tax['name']} {tax['amount']:g} %")


def not_found_page(message="La página que busca no existe."):
    return _page(
        "No encontrado", f"<h1>No encontrado</h1>\n<p>{escape(message)}</p>", status=404
    )


def _record_id(text):
    if not text.isdigit():
        raise NotFoundError(f"No existe un registro con id {text}.")
    return int(text)


def _order_summary(order):
    customer = order["customer"] or {}
    seller = order["createdBy"] or {}
    edited_from = order["editedFrom"]
    return _fields_table(
        [
            (
                "Cliente",
                f"{_text(customer.get('code'))} · {_text(customer.get('description'))}",
            ),
            ("Vendedor", _text(seller.get("name"))),
            ("Tipo de venta", _text(order["salesType"])),
            ("Estatus", _text(order["prettyOperativeStatus"])),
            ("Captura en el móvil", _date(order["mobileDateCreated"])),
            ("Recibido", _date(order["dateCreated"])),
            ("Entrega programada", _date(order["scheduledDateForDelivery"])),
            ("ID externo", _text(order["externalId"])),
            (
                "Editado desde el pedido",
                _text(edited_from["id"] if edited_from else None),
            ),
            ("Requiere factura", _text(order["billable"])),
            ("Comentario del vendedor", _text(order["sellerComment"])),
        ]
    )


def _order_item_row(item):
    product = item["product"]
    flags = []
    if item["isReward"]:
        flags.append("bonificación")
    if item["isReturn"]:
        flags.append("devolución")
    description = _text(product["description"])
    if flags:
        description += " (" + escape(", ".join(flags)) + ")"
    return (
        "<tr>"
        f"<td>{_text(product['code'])}</td><td>{description}</td>"
        f'<td class="number">{item["quantity"]:g}</td>'
        f'<td class="number">{_money(item["originalPrice"])}</td>'
        f'<td class="number">{item["discountPercentage"]:g} %</td>'
        f'<td class="number">{_money(item["price"])}</td>'
        f'<td class="number">{_money(item["total"])}</td>'
        "</tr>"
    )


def order_page(store, request, params):
    order = store.get_order(_record_id(params["id"]))
    parts = [f"<h1>Pedido {order['id']}</h1>"]
    if order["deleted"]:
        reason = "Reemplazado por una edición" if order["isEdited"] else "Eliminado"
        parts.append(
            f'<p class="banner">{reason} el {_date(order["dateDeleted"])}.</p>'
        )
    parts.append(_order_summary(order))

    parts.append("<h2>Productos</h2>")
    header = (
        '<tr><th>Código</th><th>Producto</th><th class="number">Cantidad</th>'
        '<th class="number">Precio de lista</th><th class="number">Descuento</th>'
        '<th class="number">Precio</th><th class="number">Importe</th></tr>'
    )
    rows = [_order_item_row(item) for item in order["items"]]
    parts.append("<table>\n" + header + "\n" + "\n".join(rows) + "\n</table>")

    parts.append("<h2>Totales</h2>")
    totals = [
        ("Subtotal sin impuestos", _money(order["totalBeforeTax"])),
        ("Impuestos", _money(order["totalTax"])),
        ("Total", _money(order["totalSales"])),
    ]
    parts.append(_fields_table(totals))
    return _page(f"Pedido {order['id']}", "\n".join(parts))


def customer_page(store, request, params):
    customer = store.get_customer_by_id(_record_id(params["id"]))
    zone = customer["zone"] or {}
    price_list = customer["priceList"] or {}
    body = f"<h1>Cliente {escape(customer['code'])}</h1>\n" + _fields_table(
        [
            ("Nombre", _text(customer["description"])),
            ("Razón social", _text(customer["businessName"])),
            ("RFC", _text(customer["rfc"])),
            ("Dirección", _text(customer["address"])),
            ("Colonia", _text(customer["neighborhood"])),
            ("Ciudad", _text(customer["city"])),
            ("Código postal", _text(customer["postalCode"])),
            ("Teléfono", _text(customer["phoneNumber"])),
            ("Correo electrónico", _text(customer["email"])),
            ("Zona", _text(zone.get("description"))),
            ("Lista de precios", _text(price_list.get("name"))),
            ("Límite de crédito", _money(customer["credit"])),
            ("Saldo", _money(customer["balance"])),
            ("Días de crédito", _text(customer["creditDays"])),
            ("Prospecto", _text(customer["prospect"])),
            ("Activo", _text(customer["enabled"])),
            ("Comentarios", _text(customer["comments"])),
            ("Última modificación", _date(customer["lastUpdated"])),
        ]
    )
    return _page(f"Cliente {customer['code']}", body)


def product_page(store, request, params):
    product = store.get_product_by_id(_record_id(params["id"]))
    family = product["family"] or {}
    unit = product["unit"] or {}
    body = f"<h1>Producto {escape(product['code'])}</h1>\n" + _fields_table(
        [
            ("Descripción", _text(product["description"])),
            ("Código de barras", _text(product["barcode"])),
            ("Familia", _text(family.get("description"))),
            ("Unidad", _text(unit.get("code"))),
            ("Precio con impuestos", _money(product["price"])),
            ("Precio base", _money(product["basePrice"])),
            ("Precio mínimo", _money(product["minimumPrice"])),
            ("Impuesto", _tax_text(product["tax"])),
            ("Impuesto adicional", _tax_text(product["taxOptional"])),
            ("Existencia", _text(product["quantity"])),
            ("Clave de producto SAT", _text(product["satProductCode"])),
            ("Clave de unidad SAT", _text(product["satUnitCode"])),
            ("Activo", _text(product["enabled"])),
            ("Última modificación", _date(product["lastUpdated"])),
        ]
    )
    return _page(f"Producto {product['code']}", body)


ROUTE_STATUS_LABELS = {
    "LOADING_PENDING": "Carga pendiente",
    "OPEN": "Abierta",
    "LOAD_ACCEPTED": "Carga aceptada",
    "FINISHED": "Terminada",
    "CLOSED": "Cerrada",
}
DESTINATION_LABELS = {
    "WAREHOUSE": "Almacén",
    "LOAD": "Carga (sigue en el camión)",
    "SHRINKAGE": "Merma",
}


def _route_lines_table(lines, with_destination=False):
    if not lines:
        return '<p class="muted">—</p>'
    header = '<tr><th>Código</th><th>Producto</th><th class="number">Cantidad</th>'
    if with_destination:
        header += "<th>Destino</th>"
    rows = []
    for line in lines:
        product = line["product"]
        row = (
            f"<tr><td>{_text(product['code'])}</td>"
            f"<td>{_text(product['description'])}</td>"
            f'<td class="number">{line["quantity"]:g}</td>'
        )
        if with_destination:
            label = DESTINATION_LABELS.get(line["destination"], line["destination"])
            row += f"<td>{_text(label)}</td>"
        rows.append(row + "</tr>")
    return "<table>\n" + header + "</tr>\n" + "\n".join(rows) + "\n</table>"


def route_page(store, request, params):
    route = store.get_route(_record_id(params["id"]))
    driver = route["user"] or {}
    orders = ", ".join(
        f'<a href="/salesOrder/show/{order_id}">{order_id}</a>'
        for order_id in route["salesOrders"]
    )
    parts = [f"<h1>Ruta {route['id']}</h1>"]
    parts.append(
        _fields_table(
            [
                ("Usuario", _text(driver.get("name"))),
                (
                    "Estatus",
                    _text(ROUTE_STATUS_LABELS.get(route["status"], route["status"])),
                ),
                ("Fecha de entrega", _text(route["dateForDelivery"])),
                ("Creada", _date(route["dateCreated"])),
                ("Carga aceptada", _date(route["dateLoadAccepted"])),
                ("Terminada", _date(route["dateFinished"])),
                ("Cerrada", _date(route["dateClosed"])),
                ("Efectivo inicial", _money(route["initialAmount"])),
                ("Pedidos", orders or _text(None)),
                ("Ruta siguiente", _text(route["nextRouteId"])),
                ("Comentarios", _text(route["comments"])),
            ]
        )
    )
    parts.append("<h2>Carga para venta</h2>")
    parts.append(_route_lines_table(route["products"]))
    parts.append("<h2>Carga que venía de la ruta anterior</h2>")
    parts.append(_route_lines_table(route["carriedOver"]))
    if route["settlement"] is not None:
        parts.append("<h2>Liquidación</h2>")
        parts.append(_route_lines_table(route["settlement"], with_destination=True))
    return _page(f"Ruta {route['id']}", "\n".join(parts))


def index_page(store, request, params):
    company = store.company()
    body = (
        f"<h1>{escape(company['company'])}</h1>\n"
        "<p>Simulación local de la API v2 de Handy.</p>\n"
        "<ul>\n<li>API: <code>/api/v2</code> "
        "(requiere <code>Authorization: Bearer</code>)</li>\n"
        "<li>Control: <code>/_sandbox/stats</code>, "
        "<code>/_sandbox/export</code></li>\n"
        "<li>Registros: <code>/salesOrder/show/{id}</code>, "
        "<code>/customer/show/{id}</code>, "
        "<code>/product/show/{id}</code>, "
        "<code>/route/show/{id}</code></li>\n</ul>"
    )
    return _page("Inicio", body)


ROUTER = Router(
    (
        ("GET", "/", index_page),
        ("GET", "/salesOrder/show/{id}", order_page),
        ("GET", "/customer/show/{id}", customer_page),
        ("GET", "/product/show/{id}", product_page),
        ("GET", "/route/show/{id}", route_page),
    )
)
