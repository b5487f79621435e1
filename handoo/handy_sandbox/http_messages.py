"""Request and response objects passed between the HTTP server and route handlers."""

import json
from http import HTTPStatus

from .errors import error_body

JSON_TYPE = "application/json; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"


class BadRequest(Exception):
    """The request body is not the JSON object that the route expects."""


class Request:
    """One parsed HTTP request: decoded path, query parameters, headers and body."""

    def __init__(self, method, raw_path, path, query_pairs, headers, body, host):
        self.method = method
        self.raw_path = raw_path
        self.path = path
        self.query_pairs = query_pairs
        self.headers = headers
        self.body = body
        self.host = host
        self.query = {}
        for name, value in query_pairs:
            self.query.setdefault(name, value)

    @property
    def base_url(self):
        """Absolute URL of the requested path, without query, from the Host header."""
        return f"http://{self.host}{self.raw_path}"

    def json_object(self, required=True):
        """Return the body parsed as a JSON object; raises BadRequest.

        With ``required=False`` an empty body gives an empty dict.
        """
        if not self.body.strip():
            if required:
                raise BadRequest(
                    "El cuerpo de la petición está vacío: envíe un objeto JSON."
                )
            return {}
        try:
            value = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise BadRequest(
                f"El cuerpo de la petición no es JSON válido: {error}."
            ) from None
        if not isinstance(value, dict):
            raise BadRequest("El cuerpo de la petición debe ser un objeto JSON.")
        return value


class Response:
    """Status, body bytes and headers of one response."""

    def __init__(self, status, body, content_type=JSON_TYPE, headers=None):
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = list(headers or [])


def encode_json(payload):
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )


def json_response(status, payload, headers=None):
    return Response(status, encode_json(payload), JSON_TYPE, headers)


def error_response(status, message, headers=None):
    """Return ``{"error": <status phrase>, "message": ...}`` with that status."""
    return json_response(
        status, error_body(HTTPStatus(status).phrase, message), headers
    )


def html_response(status, text, headers=None):
    return Response(status, text.encode("utf-8"), HTML_TYPE, headers)
