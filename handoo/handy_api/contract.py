"""What handoo assumes about Handy's API v2 where Handy documents nothing.

Every point that Handy's public documentation leaves open is decided here, once, and
``docs/handy-contract.md`` in the repository lists the same decisions with their
evidence. The Handy sandbox serves this contract. When Handy documents a point
differently, change it here and in that page together.
"""

DEFAULT_API_URL = "https://hub.handy.la/api/v2"
DEFAULT_WEB_URL = "https://app.handy.la"

# Dates in answers are ISO 8601 in UTC; query windows are written in this format, as the
# wall-clock time of this zone (assumed: Handy's samples schedule in Mexico City time).
QUERY_DATETIME_FORMAT = "%d/%m/%Y %H:%M:%S"
RESPONSE_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
QUERY_TIME_ZONE = "America/Mexico_City"

# Page size: Handy caps ``max`` at 100 (observed in clients of the real API).
MAX_PAGE_SIZE = 100

# Resources: (path, list key). Zones and product families have no documented
# endpoint; these paths are assumed.
ZONES = ("/zone", "zones")
FAMILIES = ("/productFamily", "productFamilies")
CUSTOMERS = ("/customer", "customers")
PRODUCTS = ("/product", "products")
PRICE_LISTS = ("/priceList", "priceLists")
USERS = ("/user", "users")
SALES_ORDERS = ("/salesOrder", "salesOrders")
ROUTES = ("/route", "routes")
COMPANY_PATH = "/company"

# Date fields that ``filterWithDate`` accepts.
FILTER_LAST_UPDATED = "lastUpdated"
FILTER_DATE_CREATED = "dateCreated"
FILTER_DATE_DELETED = "dateDeleted"
FILTER_DATE_CLOSED = "dateClosed"

# Customer fields that Handy's documentation does not name.
CUSTOMER_RFC_FIELD = "rfc"
CUSTOMER_PROSPECT_FIELD = "prospect"

# ``salesType`` literals in answers; only the pre-sale one is documented.
SALES_TYPE_PRESALE = "Preventa"
SALES_TYPE_ROUTE = "Venta en ruta"

# Addresses of records in Handy's web app, relative to the web app URL (assumed).
WEB_PATHS = {
    "order": "/salesOrder/show/{id}",
    "customer": "/customer/show/{id}",
    "product": "/product/show/{id}",
    "route": "/route/show/{id}",
}

# Route fields Handy does not document (assumed, see docs/handy-contract.md).
ROUTE_SETTLEMENT_TO_WAREHOUSE = "WAREHOUSE"
ROUTE_SETTLEMENT_CARRIED = "LOAD"
ROUTE_SETTLEMENT_LOST = "SHRINKAGE"
RETURN_DAMAGED = "DAMAGED"

# Route webhooks, defined by handoo (docs/webhooks.md).
WEBHOOK_EVENTS = ("route.load_accepted", "route.finished", "route.closed")
WEBHOOK_SIGNATURE_HEADER = "X-Handoo-Signature"
WEBHOOK_TIMESTAMP_HEADER = "X-Handoo-Timestamp"
WEBHOOK_MAX_AGE = 300  # seconds between signing and receiving
WEBHOOK_MAX_BYTES = 64 * 1024
