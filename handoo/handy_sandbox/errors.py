"""Exceptions raised by the store, and the JSON error bodies that the API sends."""

# Handy's 422 bodies name the backend class of the rejected object. The names below
# follow the one class name seen in Handy's samples (com.locus.product.Product).
OBJECT_ZONE = "com.locus.zone.Zone"
OBJECT_FAMILY = "com.locus.product.ProductFamily"
OBJECT_CUSTOMER = "com.locus.customer.Customer"
OBJECT_PRODUCT = "com.locus.product.Product"
OBJECT_ORDER = "com.locus.salesorder.SalesOrder"
OBJECT_ORDER_ITEM = "com.locus.salesorder.SalesOrderItem"
OBJECT_ROUTE = "com.locus.route.Route"
OBJECT_QUERY = "com.locus.api.ListParameters"
OBJECT_SANDBOX = "handy_sandbox.control"


class SandboxError(Exception):
    """Base class of the errors that the store raises on bad input."""


class NotFoundError(SandboxError, LookupError):
    """A record named by id or code does not exist."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class ValidationError(SandboxError, ValueError):
    """A write or a query was rejected; ``errors`` lists Handy-style field errors."""

    def __init__(self, errors):
        self.errors = list(errors)
        summary = "; ".join(
            f"{error['field']}: {error['message']}" for error in self.errors
        )
        super().__init__(summary)


def field_error(object_name, field, rejected_value, message):
    """Build one entry of a 422 ``errors`` list, with the hyphenated key Handy uses."""
    return {
        "object": object_name,
        "field": field,
        "rejected-value": rejected_value,
        "message": message,
    }


def error_body(error, message):
    """Build the body of a 401, 404, 429 or 5xx response."""
    return {"error": error, "message": message}
