"""Type and format checks for write bodies, with Handy-style Spanish messages.

The checks here look only at the body. The store then resolves references (zone,
family, price list, ...) and adds its own errors, so that one 422 response lists every
problem at once.
"""

import math
import re

from .errors import OBJECT_FAMILY, OBJECT_ZONE, ValidationError, field_error

MAX_TEXT = 255
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
# Persona moral: 3 letters, persona física: 4 letters. Then the date YYMMDD and a
# 3-character homoclave.
_RFC = re.compile(r"[A-ZÑ&]{3,4}\d{6}[A-Z0-9]{3}")
_SAT_PRODUCT_CODE = re.compile(r"\d{8}")
_SAT_UNIT_CODE = re.compile(r"[A-Z0-9]{1,3}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class FieldChecker:
    """Collects field errors for one object; ``raise_if_any`` raises them together."""

    def __init__(self, object_name):
        self.object_name = object_name
        self.errors = []

    def reject(self, field, value, message):
        self.errors.append(field_error(self.object_name, field, value, message))

    def raise_if_any(self):
        if self.errors:
            raise ValidationError(self.errors)

    def text(
        self,
        body,
        field,
        cleaned,
        required=False,
        max_length=MAX_TEXT,
        pattern=None,
        hint=None,
    ):
        """Copy a string field into ``cleaned`` after checking it; null stays None."""
        if field not in body:
            if required:
                self.reject(field, None, f"El campo '{field}' es obligatorio.")
            return
        value = body[field]
        if value is None:
            if required:
                self.reject(field, None, f"El campo '{field}' es obligatorio.")
            else:
                cleaned[field] = None
            return
        if not isinstance(value, str):
            self.reject(field, value, f"El campo '{field}' debe ser un texto.")
            return
        if required and not value.strip():
            self.reject(field, value, f"El campo '{field}' no puede estar vacío.")
            return
        if len(value) > max_length:
            self.reject(
                field,
                value,
                f"El campo '{field}' admite como máximo {max_length} caracteres.",
            )
            return
        if pattern is not None and value and not pattern.fullmatch(value):
            self.reject(
                field,
                value,
                f"El valor '{value}' no es válido para el campo '{field}': {hint}.",
            )
            return
        cleaned[field] = value

    def number(
        self,
        body,
        field,
        cleaned,
        required=False,
        minimum=None,
        maximum=None,
        nullable=True,
    ):
        """Copy a JSON number into ``cleaned``; strings such as ``"$12.00"`` fail."""
        if field not in body or body[field] is None:
            if required:
                self.reject(
                    field, body.get(field), f"El campo '{field}' es obligatorio."
                )
            elif field in body and nullable:
                cleaned[field] = None
            elif field in body:
                self.reject(field, None, f"El campo '{field}' no puede ser nulo.")
            return
        value = body[field]
        if not is_number(value):
            self.reject(
                field,
                value,
                f"El valor '{value}' no es un número válido para el campo '{field}'.",
            )
            return
        if minimum is not None and value < minimum:
            self.reject(
                field,
                value,
                f"El campo '{field}' debe ser mayor o igual a {minimum:g}.",
            )
            return
        if maximum is not None and value > maximum:
            self.reject(
                field,
                value,
                f"El campo '{field}' debe ser menor o igual a {maximum:g}.",
            )
            return
        cleaned[field] = value

    def integer(self, body, field, cleaned, minimum=None):
        """Copy a JSON integer into ``cleaned``; null is kept as None."""
        if field not in body:
            return
        value = body[field]
        if value is None:
            cleaned[field] = None
            return
        if not isinstance(value, int) or isinstance(value, bool):
            self.reject(field, value, f"El campo '{field}' debe ser un número entero.")
            return
        if minimum is not None and value < minimum:
            self.reject(
                field, value, f"El campo '{field}' debe ser mayor o igual a {minimum}."
            )
            return
        cleaned[field] = value

    def boolean(self, body, field, cleaned):
        """Copy a JSON boolean into ``cleaned``."""
        if field not in body:
            return
        value = body[field]
        if not isinstance(value, bool):
            self.reject(field, value, f"El campo '{field}' debe ser true o false.")
            return
        cleaned[field] = value

    def code(self, body, field, cleaned):
        """Check a business code, which is required and travels in URL paths."""
        value = body.get(field)
        if value is None:
            self.reject(field, None, f"El campo '{field}' es obligatorio.")
        elif not isinstance(value, str):
            self.reject(field, value, f"El campo '{field}' debe ser un texto.")
        elif not value.strip():
            self.reject(field, value, f"El campo '{field}' no puede estar vacío.")
        elif len(value) > MAX_TEXT:
            self.reject(
                field,
                value,
                f"El campo '{field}' admite como máximo {MAX_TEXT} caracteres.",
            )
        elif "/" in value:
            self.reject(
                field,
                value,
                f"El campo '{field}' no puede contener '/', porque se usa en las URL.",
            )
        else:
            cleaned[field] = value


def is_number(value):
    """Return True for a finite int or float that is not a bool."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value)


def parse_id(value):
    """Return an id given as an int or a string of digits, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _reference(checker, body, field, cleaned, keys=("id",)):
    """Read a reference given as an id or as an object with one of ``keys``.

    Stores ``(key, value)`` in ``cleaned[field]``, or None for null.
    """
    if field not in body:
        return
    value = body[field]
    if value is None:
        cleaned[field] = None
        return
    if isinstance(value, dict):
        for key in keys:
            if key in value and value[key] is not None:
                if key == "id":
                    parsed = parse_id(value[key])
                    if parsed is None:
                        break
                    cleaned[field] = ("id", parsed)
                else:
                    cleaned[field] = (key, value[key])
                return
    else:
        parsed = parse_id(value)
        if parsed is not None:
            cleaned[field] = ("id", parsed)
            return
        if "code" in keys and isinstance(value, str):
            cleaned[field] = ("code", value)
            return
    wanted = " o ".join(f'{{"{key}": ...}}' for key in keys)
    checker.reject(
        field, value, f"El campo '{field}' debe ser un id o un objeto {wanted}."
    )


def clean_zone(body, creating):
    """Check a zone body and return the fields to store."""
    checker = FieldChecker(OBJECT_ZONE)
    cleaned = {}
    checker.text(
        body, "description", cleaned, required=creating or "description" in body
    )
    checker.text(body, "color", cleaned, pattern=_COLOR, hint="use el formato #rrggbb")
    checker.boolean(body, "enabled", cleaned)
    checker.raise_if_any()
    if cleaned.get("color"):
        cleaned["color"] = cleaned["color"].lower()
    return cleaned


def clean_family(body, creating):
    """Check a product family body and return the fields to store."""
    checker = FieldChecker(OBJECT_FAMILY)
    cleaned = {}
    checker.text(
        body, "description", cleaned, required=creating or "description" in body
    )
    checker.boolean(body, "enabled", cleaned)
    checker.raise_if_any()
    return cleaned


CUSTOMER_TEXT_FIELDS = (
    "businessName",
    "address",
    "neighborhood",
    "city",
    "postalCode",
    "phoneNumber",
    "comments",
    "fiscalRegime",
    "cfdiUse",
)


def clean_customer(body, creating, checker):
    """Check a customer body; errors go to ``checker``, the fields are returned.

    References stay unresolved as ``("id", n)`` or ``("code", text)`` tuples under
    ``zone`` and ``priceList``.
    """
    cleaned = {}
    if creating:
        checker.code(body, "code", cleaned)
    checker.text(
        body, "description", cleaned, required=creating or "description" in body
    )
    for field in CUSTOMER_TEXT_FIELDS:
        checker.text(body, field, cleaned)
    checker.text(
        body, "email", cleaned, pattern=_EMAIL, hint="no es un correo electrónico"
    )
    if isinstance(body.get("rfc"), str):
        body = dict(body, rfc=body["rfc"].strip().upper())
    checker.text(
        body,
        "rfc",
        cleaned,
        pattern=_RFC,
        hint="un RFC tiene 12 caracteres (persona moral) o 13 (persona física)",
    )
    checker.number(body, "latitude", cleaned, minimum=-90, maximum=90)
    checker.number(body, "longitude", cleaned, minimum=-180, maximum=180)
    checker.number(body, "balance", cleaned, nullable=False)
    checker.number(body, "credit", cleaned, minimum=0, nullable=False)
    checker.integer(body, "creditDays", cleaned, minimum=0)
    checker.boolean(body, "enabled", cleaned)
    checker.boolean(body, "prospect", cleaned)
    if creating and body.get("zone") is None:
        checker.reject("zone", None, "El campo 'zone' es obligatorio.")
    else:
        _reference(checker, body, "zone", cleaned)
        if "zone" in cleaned and cleaned["zone"] is None:
            checker.reject("zone", None, "El campo 'zone' no puede ser nulo.")
    _reference(checker, body, "priceList", cleaned, keys=("id", "code"))
    return cleaned


def clean_product(body, creating, checker):
    """Check a product body; errors go to ``checker``, the fields are returned.

    ``family`` (or ``family_id``), ``tax``, ``taxOptional``, ``unit`` and
    ``category`` stay unresolved for the store.
    """
    cleaned = {}
    if creating:
        checker.code(body, "code", cleaned)
    checker.text(
        body, "description", cleaned, required=creating or "description" in body
    )
    checker.text(body, "details", cleaned)
    checker.text(body, "barcode", cleaned)
    checker.text(body, "pictureUrl", cleaned)
    checker.text(
        body,
        "satProductCode",
        cleaned,
        pattern=_SAT_PRODUCT_CODE,
        hint="deben ser 8 dígitos",
    )
    checker.text(
        body,
        "satUnitCode",
        cleaned,
        pattern=_SAT_UNIT_CODE,
        hint="use una clave de unidad del SAT, como H87",
    )
    checker.number(body, "price", cleaned, required=creating, minimum=0, nullable=False)
    checker.number(body, "basePrice", cleaned, minimum=0, nullable=False)
    checker.number(body, "minimumPrice", cleaned, minimum=0)
    checker.number(body, "quantity", cleaned, nullable=False)
    checker.boolean(body, "enabled", cleaned)

    family_body = body
    if body.get("family") is None and "family_id" in body:
        family_body = {"family": body["family_id"]}
    if creating and family_body.get("family") is None:
        checker.reject(
            "family",
            None,
            "El producto debe tener una familia: envíe 'family' o 'family_id'.",
        )
    else:
        _reference(checker, family_body, "family", cleaned)
        if "family" in cleaned and cleaned["family"] is None:
            checker.reject("family", None, "El campo 'family' no puede ser nulo.")

    for field in ("tax", "taxOptional"):
        _tax_reference(checker, body, field, cleaned)
    _reference(checker, body, "unit", cleaned, keys=("id", "code"))
    if "unit" in cleaned and cleaned["unit"] is None:
        checker.reject("unit", None, "El campo 'unit' no puede ser nulo.")
    category = body.get("category")
    if isinstance(category, str) and parse_id(category) is None:
        cleaned["category"] = ("description", category)
    else:
        _reference(checker, body, "category", cleaned, keys=("id", "description"))
    return cleaned


def _tax_reference(checker, body, field, cleaned):
    """Read ``tax`` or ``taxOptional``.

    The value is null, a rate, ``{"id"}`` or ``{"amount", "name"}``.
    """
    if field not in body:
        return
    value = body[field]
    if value is None:
        cleaned[field] = None
        return
    if is_number(value) and 0 <= value <= 100:
        cleaned[field] = ("rate", None, value)
        return
    if isinstance(value, dict):
        if value.get("id") is not None and parse_id(value["id"]) is not None:
            cleaned[field] = ("id", parse_id(value["id"]))
            return
        amount = value.get("amount")
        name = value.get("name")
        if (
            is_number(amount)
            and 0 <= amount <= 100
            and (name is None or isinstance(name, str))
        ):
            cleaned[field] = ("rate", name, amount)
            return
    checker.reject(
        field,
        value,
        f"El campo '{field}' debe ser un porcentaje entre 0 y 100, "
        '{"id": ...} o {"name": ..., "amount": ...}.',
    )
