"""Web app pages that handoo's "Open in Handy" links open."""

import requests


def _get(sandbox, path):
    return requests.get(sandbox.web_url + path, timeout=10)


def test_order_page(sandbox, catalog):
    order = sandbox.store.create_order(
        "C001", [{"product": "PAPA-45", "quantity": 2, "discountPercentage": 10}]
    )
    response = _get(sandbox, f"/salesOrder/show/{order['id']}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    page = response.text
    assert f"Pedido {order['id']}" in page
    assert "Abarrotes Doña Lupe" in page
    assert "PAPA-45" in page
    assert "Productos" in page
    assert "Total" in page
    assert "$26.10" in page
    # Mexico City time of the frozen clock.
    assert "05/03/2024 12:00:00" in page


def test_edited_order_page_shows_banner(sandbox, catalog):
    order = sandbox.store.create_order("C001", [{"product": "REF-600", "quantity": 1}])
    sandbox.store.edit_order(order["id"], [{"product": "REF-600", "quantity": 2}])
    page = _get(sandbox, f"/salesOrder/show/{order['id']}").text
    assert "Reemplazado por una edición" in page


def test_customer_page(sandbox, catalog):
    customer = sandbox.store.get_customer("C002")
    response = _get(sandbox, f"/customer/show/{customer['id']}")
    assert response.status_code == 200
    assert "Cliente C002" in response.text
    assert "Miscelánea El Güero" in response.text
    assert "Zona" in response.text


def test_product_page(sandbox, catalog):
    product = sandbox.store.get_product("PAPA-45")
    response = _get(sandbox, f"/product/show/{product['id']}")
    assert response.status_code == 200
    assert "Producto PAPA-45" in response.text
    assert "IEPS 8 %" in response.text
    assert "Botanas" in response.text


def test_page_escapes_html(sandbox, catalog):
    sandbox.store.update_customer("C001", description="<script>alert(1)</script>")
    customer = sandbox.store.get_customer("C001")
    page = _get(sandbox, f"/customer/show/{customer['id']}").text
    assert "<script>" not in page
    assert "&lt;script&gt;" in page


def test_unknown_record_page_is_404(sandbox, catalog):
    for path in ("/salesOrder/show/999", "/customer/show/abc", "/product/show/1"):
        response = _get(sandbox, path)
        assert response.status_code == 404, path
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert "No encontrado" in response.text


def test_pages_need_no_token(sandbox, catalog):
    product = sandbox.store.get_product("REF-600")
    assert _get(sandbox, f"/product/show/{product['id']}").status_code == 200
