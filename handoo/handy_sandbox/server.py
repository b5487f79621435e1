"""HTTP server of the sandbox: ``HandySandbox`` serves the API, the control API and the
web pages from one ``SandboxStore`` on 127.0.0.1.
"""

import hmac
import http.server
import inspect
import json
import logging
import os
import socket
import tempfile
import threading
import time
from urllib.parse import parse_qsl, unquote, urlsplit

from . import api, control, pages
from .errors import NotFoundError, ValidationError
from .faults import Faults, RateLimiter
from .generator import generate
from .http_messages import (
    HTML_TYPE,
    BadRequest,
    Request,
    Response,
    error_response,
    json_response,
)
from .store import SandboxStore

logger = logging.getLogger("handy_sandbox")

API_PREFIX = "/api/v2"
CONTROL_PREFIX = "/_sandbox"
MAX_BODY_BYTES = 10 * 1024 * 1024
DEFAULT_RATE_LIMIT = 500
DEFAULT_RATE_WINDOW_SECONDS = 60
# Seconds an idle keep-alive connection stays open.
IDLE_TIMEOUT_SECONDS = 30
GENERATE_OPTIONS = tuple(
    name
    for name in inspect.signature(generate).parameters
    if name not in ("seed", "store")
)

_PROXY_PAGE = """<!DOCTYPE html>
<html><head><title>{status} {phrase}</title></head>
<body><h1>{status} {phrase}</h1><hr><p>upstream proxy</p></body></html>
"""


class HandySandbox:
    """A stand-in for Handy's API v2, served from a background thread.

    ``token`` is the accepted Bearer token, or a list of them. With ``seed`` or
    any ``generate`` option (``customers=10``, ``orders=30``, ...), the store starts
    with generated data, otherwise empty. ``rate_limit`` requests per
    ``rate_window`` seconds are allowed per token; None disables the limit and
    its headers. With ``state_file``, the state is loaded from that file when it
    exists (instead of generating) and saved there after each HTTP write and on
    ``stop``. ``webhooks`` is the store's WebhookSender, which sends the route
    events.
    """

    def __init__(
        self,
        token="secret-token",
        seed=None,
        *,
        host="127.0.0.1",
        port=0,
        rate_limit=DEFAULT_RATE_LIMIT,
        rate_window=DEFAULT_RATE_WINDOW_SECONDS,
        state_file=None,
        **generate_options,
    ):
        unknown = set(generate_options) - set(GENERATE_OPTIONS)
        if unknown:
            raise TypeError(
                f"unknown HandySandbox options {sorted(unknown)}; data options are "
                f"{', '.join(GENERATE_OPTIONS)}"
            )
        tokens = [token] if isinstance(token, str) else list(token)
        if not tokens or not all(isinstance(item, str) and item for item in tokens):
            raise ValueError("token must be a non-empty string or a list of them")
        self._tokens = [item.encode("utf-8") for item in tokens]
        self.host = host
        self.requested_port = port
        self.store = SandboxStore()
        self.webhooks = self.store.webhooks

        # Day plan of the control API's scenario calls, with the lock they share.
        self.scenario_plan = None
        self.scenario_lock = threading.Lock()

        self.faults = Faults()
        self.rate_limiter = (
            RateLimiter(rate_limit, rate_window) if rate_limit is not None else None
        )
        self.state_file = state_file
        self._save_lock = threading.Lock()
        self._saved_version = None
        self._server = None
        self._thread = None
        if state_file and os.path.exists(state_file):
            with open(state_file, encoding="utf-8") as handle:
                self.store.import_state(json.load(handle))
            self._saved_version = self.store.version
            logger.info(
                "Loaded the state from %s: %s", state_file, self.store.summary()
            )
        elif seed is not None or generate_options:
            self.store.load_generated(0 if seed is None else seed, **generate_options)

    # -- life cycle -----------------------------------------------------------

    def start(self):
        """Bind the port and serve in a daemon thread; returns self."""
        if self._server is not None:
            raise RuntimeError("the sandbox is already running")
        self._server = _ThreadingServer((self.host, self.requested_port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"handy-sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        logger.info("Handy sandbox listening on %s", self.url)
        return self

    def stop(self):
        """Stop serving, close open connections and save the state file if set."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server = None
        self._thread = None
        self.save_state()
        logger.info("Handy sandbox stopped")

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def port(self):
        if self._server is None:
            raise RuntimeError("the sandbox is not running: call start() first")
        return self._server.server_address[1]

    @property
    def web_url(self):
        return f"http://{self.host}:{self.port}"

    @property
    def url(self):
        return f"{self.web_url}{API_PREFIX}"

    def save_state(self):
        """Write the state file atomically if the data changed since the last save."""
        if not self.state_file:
            return
        with self._save_lock:
            version = self.store.version
            if version == self._saved_version:
                return
            state = self.store.export_state()
            directory = os.path.dirname(os.path.abspath(self.state_file))
            handle, temporary = tempfile.mkstemp(
                prefix=".handy-sandbox-", suffix=".json", dir=directory
            )
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as output:
                    json.dump(state, output, ensure_ascii=False)
                os.replace(temporary, self.state_file)
            except BaseException:
                os.unlink(temporary)
                raise
            self._saved_version = version

    # -- request handling -----------------------------------------------------

    def handle(self, request):
        """Return the Response to one request."""
        path = request.path
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            response = self._handle_api(request, path[len(API_PREFIX) :] or "/")
        elif path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            response = self._handle_control(request)
        else:
            response = self._handle_page(request)
        if request.method != "GET":
            try:
                self.save_state()
            except OSError as error:
                logger.error(
                    "Failed to save the state to %s: %s", self.state_file, error
                )
        return response

    def _authorized(self, request):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False
        presented = token.strip().encode("utf-8")
        return any(
            hmac.compare_digest(presented, accepted) for accepted in self._tokens
        )

    def _handle_api(self, request, relative_path):
        route = api.ROUTER.match(request.method, relative_path)
        template = route.template or "(no route)"
        self.store.count_request(f"{request.method} {template}")

        fault = self.faults.take(relative_path)
        cut_body = False
        if fault is not None:
            if fault.kind == "slow":
                time.sleep(fault.delay)
            elif fault.kind == "malformed_json":
                cut_body = True
            else:
                return self._fault_response(fault)

        rate_headers = []
        if self.rate_limiter is not None:
            allowed, rate_headers = self.rate_limiter.hit(
                request.headers.get("Authorization", "")
            )
            if not allowed:
                return error_response(
                    429,
                    f"Se excedió el límite de {self.rate_limiter.limit} peticiones por "
                    f"{self.rate_limiter.window:g} segundos. "
                    "Espere hasta X-RateLimit-Reset.",
                    rate_headers,
                )

        response = self._route_api(request, route)
        response.headers.extend(rate_headers)
        if cut_body:
            response.body = response.body[: len(response.body) // 2]
        return response

    def _route_api(self, request, route):
        if not self._authorized(request):
            return error_response(
                401,
                "Falta el token o no es válido: envíe el encabezado "
                "Authorization: Bearer <token>.",
                [("WWW-Authenticate", 'Bearer realm="Handy API"')],
            )
        if route.template is None:
            return error_response(404, f"No existe la ruta {request.path}.")
        if route.handler is None:
            return error_response(
                405,
                f"El método {request.method} no se permite en {route.template}; "
                f"use {', '.join(route.allowed)}.",
                [("Allow", ", ".join(route.allowed))],
            )
        return _call_handler(route.handler, self.store, request, route.params)

    def _fault_response(self, fault):
        if fault.kind == "rate_limit":
            limit = (
                self.rate_limiter.limit
                if self.rate_limiter is not None
                else DEFAULT_RATE_LIMIT
            )
            headers = [
                ("X-RateLimit-Limit", str(limit)),
                ("X-RateLimit-Remaining", "0"),
                ("X-RateLimit-Reset", str(int(time.time()) + fault.reset_after)),
            ]
            return error_response(
                429, "Se excedió el límite de peticiones (falla simulada).", headers
            )
        if fault.kind == "server_error":
            return error_response(fault.status, "Error del servidor (falla simulada).")
        phrase = _status_phrase(fault.status)
        page = _PROXY_PAGE.format(status=fault.status, phrase=phrase)
        return Response(fault.status, page.encode("utf-8"), HTML_TYPE)

    def _handle_control(self, request):
        route = control.ROUTER.match(request.method, request.path)
        if route.template is None:
            return error_response(404, f"No existe la ruta de control {request.path}.")
        if route.handler is None:
            return error_response(
                405,
                f"Use {', '.join(route.allowed)} en {route.template}.",
                [("Allow", ", ".join(route.allowed))],
            )
        return _call_handler(route.handler, self, request, route.params)

    def _handle_page(self, request):
        route = pages.ROUTER.match(request.method, request.path)
        if route.template is None:
            return error_response(404, f"No existe la ruta {request.path}.")
        if route.handler is None:
            return error_response(
                405,
                f"Use {', '.join(route.allowed)} en {route.template}.",
                [("Allow", ", ".join(route.allowed))],
            )
        try:
            return route.handler(self.store, request, route.params)
        except NotFoundError as error:
            return pages.not_found_page(error.message)


def _call_handler(handler, target, request, params):
    """Run a handler and turn the store's exceptions into 400, 404 and 422 responses."""
    try:
        return handler(target, request, params)
    except NotFoundError as error:
        return error_response(404, error.message)
    except ValidationError as error:
        return json_response(422, {"errors": error.errors})
    except BadRequest as error:
        return error_response(400, str(error))
    except (ValueError, TypeError) as error:
        # Control handlers raise these for bad arguments. Logged because an API
        # handler that raises one has a bug.
        logger.warning(
            "Rejected %s %s with 422: %s", request.method, request.path, error
        )
        return error_response(422, str(error))


def _status_phrase(status):
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class _ThreadingServer(http.server.ThreadingHTTPServer):
    """ThreadingHTTPServer that can close its keep-alive connections on stop."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, sandbox):
        self.sandbox = sandbox
        self._connections = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _RequestHandler)

    def process_request(self, request, client_address):
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self):
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _RequestHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "HandySandbox/1.0"
    disable_nagle_algorithm = True
    timeout = IDLE_TIMEOUT_SECONDS

    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def do_PUT(self):
        self._handle()

    def do_DELETE(self):
        self._handle()

    def do_PATCH(self):
        self._handle()

    def version_string(self):
        return self.server_version

    def log_message(self, format, *args):
        # Requests are logged once, in _handle; this silences the default stderr lines.
        pass

    def _read_body(self):
        length_text = self.headers.get("Content-Length")
        if not length_text:
            return b""
        if not length_text.isdigit():
            raise BadRequest(f"Content-Length no es válido: {length_text!r}.")
        length = int(length_text)
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            raise BadRequest(
                f"El cuerpo de la petición supera el máximo de {MAX_BODY_BYTES} bytes."
            )
        return self.rfile.read(length)

    def _handle(self):
        started = time.perf_counter()
        split = urlsplit(self.path)
        sandbox = self.server.sandbox
        try:
            body = self._read_body()
            request = Request(
                method=self.command,
                raw_path=split.path,
                path=unquote(split.path),
                query_pairs=parse_qsl(split.query, keep_blank_values=True),
                headers=self.headers,
                body=body,
                host=self.headers.get("Host")
                or f"{sandbox.host}:{self.server.server_address[1]}",
            )
            response = sandbox.handle(request)
        except BadRequest as error:
            response = error_response(400, str(error))
        except Exception:
            logger.exception("Unhandled error on %s %s", self.command, split.path)
            response = error_response(
                500, "Error interno del sandbox; vea el registro del proceso."
            )
        self._send(response)
        elapsed_ms = (time.perf_counter() - started) * 1000
        logger.info(
            "%s %s %d %.1f ms", self.command, self.path, response.status, elapsed_ms
        )

    def _send(self, response):
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        try:
            self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
