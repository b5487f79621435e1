"""Route webhooks that the sandbox sends to Odoo, as ``docs/webhooks.md`` defines.

Each event is a POST with the JSON body ``{"id", "event", "occurredAt", "route":
{"id", "status"}}`` and the headers ``X-Handoo-Timestamp`` (Unix seconds of the
signing) and ``X-Handoo-Signature`` (``sha256=`` and the hex HMAC-SHA256 of
``<timestamp>.<raw body>``, keyed with the shared secret). ``occurredAt`` comes
from the store's clock, which tests may freeze. The timestamp comes from the real
clock, because the receiver compares it with its own.

Webhooks go only to 127.0.0.1 or localhost, follow no redirect, ignore proxy
settings and are never retried automatically; ``resend`` repeats one by hand.
"""

import copy
import hashlib
import hmac
import http.client
import json
import logging
import queue
import threading
import time
import uuid
from urllib.parse import urlsplit

from .dates import to_iso

logger = logging.getLogger("handy_sandbox")

MODE_SEND = "send"
MODE_DROP = "drop"
MODE_OFF = "off"
MODES = (MODE_SEND, MODE_DROP, MODE_OFF)
TIMESTAMP_HEADER = "X-Handoo-Timestamp"
SIGNATURE_HEADER = "X-Handoo-Signature"
DEFAULT_TIMEOUT_SECONDS = 10.0
# The part of a receiver's response body that a delivery keeps.
MAX_RESPONSE_BYTES = 64 * 1024
# Host names a webhook may go to, and the address the sandbox connects to for each.
LOCAL_ADDRESSES = {"127.0.0.1": "127.0.0.1", "localhost": "127.0.0.1"}


def sign(secret, timestamp, raw_body):
    """Return the ``X-Handoo-Signature`` value of a body signed at ``timestamp``."""
    message = f"{timestamp}.".encode("ascii") + raw_body
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def check_local_url(url):
    """Raise ValueError unless ``url`` is an http(s) URL on 127.0.0.1 or localhost.

    Returns the URL's port, or None when it has none.
    """
    if not isinstance(url, str):
        raise ValueError(f"the webhook URL must be a string, got {url!r}")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"the webhook URL must start with http:// or https://: {url}")
    if parts.username is not None or parts.password is not None:
        raise ValueError("the webhook URL must not contain a user name or password")
    if parts.hostname not in LOCAL_ADDRESSES:
        raise ValueError(
            f"the webhook URL must point at 127.0.0.1 or localhost, got host "
            f"{parts.hostname!r} in {url}"
        )
    try:
        port = parts.port
    except ValueError as error:
        raise ValueError(f"invalid port in the webhook URL {url}: {error}") from None
    return port


class WebhookSender:
    """Records route events and sends them to one URL; thread-safe.

    Until ``configure`` is called, the mode is ``off`` and no event is recorded.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._url = None
        self._secret = None
        self._mode = MODE_OFF
        self._background = False
        self._timeout = DEFAULT_TIMEOUT_SECONDS
        self._events = []
        self._events_by_id = {}
        self._deliveries = []
        self._queue = queue.Queue()
        self._queued = 0
        self._worker = None

    def configure(
        self,
        url=None,
        secret=None,
        mode=MODE_SEND,
        background=False,
        timeout=DEFAULT_TIMEOUT_SECONDS,
    ):
        """Set where and how events go; return the new configuration.

        ``mode`` is ``send`` (post each event), ``drop`` (record each event with the
        headers it would carry, and send nothing, as if it were lost) or ``off``
        (record nothing). ``send`` and ``drop`` need ``url`` (on 127.0.0.1 or
        localhost) and a non-empty ``secret``. With ``background`` the store's calls
        return at once and one thread sends the events in order. Otherwise they
        return after the receiver responded or ``timeout`` seconds passed. Raises
        ValueError.
        """
        if mode not in MODES:
            raise ValueError(f"unknown webhook mode {mode!r}; use one of {MODES}")
        if mode != MODE_OFF or url is not None:
            check_local_url(url)
        if mode != MODE_OFF and (not isinstance(secret, str) or not secret):
            raise ValueError("the webhook secret must be a non-empty string")
        if not isinstance(background, bool):
            raise ValueError(f"background must be true or false, got {background!r}")
        if (
            not isinstance(timeout, (int, float))
            or isinstance(timeout, bool)
            or timeout <= 0
        ):
            raise ValueError(f"timeout must be a positive number, got {timeout!r}")
        with self._lock:
            self._url = url
            self._secret = secret
            self._mode = mode
            self._background = background
            self._timeout = float(timeout)
        logger.info(
            "Webhooks configured: mode %s, URL %s, %s",
            mode,
            url,
            "in the background" if background else "synchronously",
        )
        return self.config()

    def config(self):
        """Return the configuration, without the secret."""
        with self._lock:
            return {
                "url": self._url,
                "mode": self._mode,
                "background": self._background,
                "timeout": self._timeout,
                "secretSet": bool(self._secret),
            }

    def emit(self, event, route_id, route_status, occurred_at):
        """Record one route event, send it according to the mode, and return it.

        Returns None in mode ``off``. The store calls this after releasing its lock.
        """
        with self._lock:
            mode = self._mode
            if mode == MODE_OFF:
                return None
            body = {
                "id": str(uuid.uuid4()),
                "event": event,
                "occurredAt": to_iso(occurred_at),
                "route": {"id": route_id, "status": route_status},
            }
            raw_body = json.dumps(
                body, ensure_ascii=False, separators=(",", ":")
            ).encode("utf-8")
            record = {
                "id": body["id"],
                "event": event,
                "routeId": route_id,
                "occurredAt": body["occurredAt"],
                "body": body,
                "rawBody": raw_body.decode("utf-8"),
                "headers": None,
                "dropped": mode == MODE_DROP,
                "deliveries": [],
            }
            self._events.append(record)
            self._events_by_id[record["id"]] = record
            if mode == MODE_DROP:
                record["headers"] = _headers(self._secret, raw_body)
                logger.info(
                    "Webhook %s %s for route %s dropped (mode drop)",
                    record["id"],
                    event,
                    route_id,
                )
                return copy.deepcopy(record)
            background = self._background
            if background:
                self._queued += 1
                self._start_worker()
                self._queue.put(record["id"])
        if not background:
            self._deliver(record["id"], resend=False)
        with self._lock:
            return copy.deepcopy(record)

    def event(self, event_id):
        """Return one event with its deliveries; raises KeyError if unknown."""
        with self._lock:
            return copy.deepcopy(self._events_by_id[event_id])

    def events(self):
        """Return every recorded event, oldest first, each with its deliveries."""
        with self._lock:
            return copy.deepcopy(self._events)

    def deliveries(self):
        """Return every send attempt, oldest first, resends included."""
        with self._lock:
            return copy.deepcopy(self._deliveries)

    def resend(self, event_id):
        """Post a recorded event again and return the delivery.

        The body is the same, id included; the timestamp and signature are new. It
        is sent synchronously in every mode, dropped events included, to the URL
        and with the secret configured now. Raises KeyError for an unknown event
        and ValueError when no URL or secret is configured.
        """
        with self._lock:
            if event_id not in self._events_by_id:
                raise KeyError(event_id)
            if self._url is None or not self._secret:
                raise ValueError(
                    "no webhook URL and secret configured; call configure() first"
                )
        return self._deliver(event_id, resend=True)

    def clear(self):
        """Forget every event and delivery; the configuration stays."""
        with self._lock:
            self._events.clear()
            self._events_by_id.clear()
            self._deliveries.clear()

    def wait(self, timeout=DEFAULT_TIMEOUT_SECONDS):
        """Wait until the background thread has sent every queued event.

        Returns False if some are still queued after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._queued:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
            return True

    # -- sending --------------------------------------------------------------

    def _start_worker(self):
        """Start the background sender if it is not running; the lock must be held."""
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(
                target=self._send_queued, name="handy-sandbox-webhooks", daemon=True
            )
            self._worker.start()

    def _send_queued(self):
        while True:
            event_id = self._queue.get()
            try:
                self._deliver(event_id, resend=False)
            except Exception:
                logger.exception("Failed to send the webhook %s", event_id)
            finally:
                with self._idle:
                    self._queued -= 1
                    self._idle.notify_all()

    def _deliver(self, event_id, resend):
        """Sign and post one event; record and return the delivery."""
        with self._lock:
            record = self._events_by_id.get(event_id)
            if record is None:
                # Cleared while it waited in the background queue.
                return None
            url = self._url
            raw_body = record["rawBody"].encode("utf-8")
            headers = _headers(self._secret, raw_body)
            if record["headers"] is None:
                record["headers"] = headers
            timeout = self._timeout
        started = time.monotonic()
        status = None
        response_body = None
        error = None
        try:
            status, response_body = _post(url, raw_body, headers, timeout)
        except (OSError, http.client.HTTPException) as exception:
            error = f"{type(exception).__name__}: {exception}"
        delivery = {
            "eventId": event_id,
            "event": record["event"],
            "routeId": record["routeId"],
            "url": url,
            "headers": headers,
            "rawBody": record["rawBody"],
            "resend": resend,
            "sentAt": _real_time_iso(),
            "status": status,
            "responseBody": response_body,
            "error": error,
            "elapsedMs": round((time.monotonic() - started) * 1000, 1),
        }
        with self._lock:
            record["deliveries"].append(delivery)
            self._deliveries.append(delivery)
        if error is None:
            logger.info(
                "Webhook %s %s for route %s sent to %s: HTTP %s",
                event_id,
                record["event"],
                record["routeId"],
                url,
                status,
            )
        else:
            logger.warning(
                "Webhook %s %s for route %s to %s failed: %s",
                event_id,
                record["event"],
                record["routeId"],
                url,
                error,
            )
        return copy.deepcopy(delivery)


def _real_time_iso():
    """Return the real time, not the store's clock, as ISO 8601 in UTC."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def unix_time():
    """Return the real time in whole Unix seconds, the ``X-Handoo-Timestamp``."""
    return int(time.time())


def _headers(secret, raw_body):
    timestamp = str(unix_time())
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret, timestamp, raw_body),
    }


def _post(url, raw_body, headers, timeout):
    """POST to a URL that ``check_local_url`` accepted; return (status, body text).

    A ``localhost`` URL is reached at 127.0.0.1, with ``Host: localhost``.
    """
    parts = urlsplit(url)
    address = LOCAL_ADDRESSES[parts.hostname]
    connection_class = (
        http.client.HTTPSConnection
        if parts.scheme == "https"
        else http.client.HTTPConnection
    )
    connection = connection_class(address, parts.port, timeout=timeout)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    try:
        connection.request(
            "POST", path, body=raw_body, headers=dict(headers, Host=host)
        )
        response = connection.getresponse()
        body = response.read(MAX_RESPONSE_BYTES)
        return response.status, body.decode("utf-8", errors="replace")
    finally:
        connection.close()
