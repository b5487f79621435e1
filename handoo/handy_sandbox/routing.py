"""Matching of request paths against path templates such as ``/customer/{code}``."""

from dataclasses import dataclass


@dataclass
class RouteMatch:
    """Result of a lookup: the template matched (or None), handler and path parameters.

    ``handler`` is None when the path matched but not the method; ``allowed``
    then lists the methods that the path accepts.
    """

    template: str = None
    handler: object = None
    params: dict = None
    allowed: tuple = ()


class Router:
    """Finds the handler of a method and a decoded path.

    ``routes`` is a sequence of ``(method, template, handler)``.
    """

    def __init__(self, routes):
        self._routes = [
            (method, template, _segments(template), handler)
            for method, template, handler in routes
        ]

    def match(self, method, path):
        segments = _segments(path)
        found = RouteMatch()
        allowed = []
        for route_method, template, pattern, handler in self._routes:
            params = _match_segments(pattern, segments)
            if params is None:
                continue
            if found.template is None:
                found.template = template
            if template != found.template:
                continue
            allowed.append(route_method)
            if route_method == method:
                return RouteMatch(template, handler, params, tuple(allowed))
        found.allowed = tuple(allowed)
        return found


def _segments(path):
    stripped = path.strip("/")
    return stripped.split("/") if stripped else []


def _match_segments(pattern, segments):
    if len(pattern) != len(segments):
        return None
    params = {}
    for expected, actual in zip(pattern, segments, strict=True):
        if expected.startswith("{") and expected.endswith("}"):
            if not actual:
                return None
            params[expected[1:-1]] = actual
        elif expected != actual:
            return None
    return params
