"""HTTP client for Handy's REST API v2.

The client knows nothing of Odoo: it takes a base URL and a token, and returns plain
dicts. Retries are left to urllib3's ``Retry``: 429 answers wait until Handy's
``X-RateLimit-Reset`` (bounded), 5xx answers and broken connections back off
exponentially, and only idempotent methods are retried after Handy may have
processed the call.
"""

import logging
import math
import time
from urllib.parse import quote, urlencode

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

from . import contract
from .dates import format_query_datetime
from .errors import (
    HandyAuthError,
    HandyConnectionError,
    HandyError,
    HandyNotFoundError,
    HandyRateLimitError,
    HandyResponseError,
    HandyServerError,
    HandyTokenFormatError,
    HandyValidationError,
)

_logger = logging.getLogger(__name__)


def storable(value):
    """Return a decoded JSON value that PostgreSQL can store.

    JSON may carry a NUL character or half of a surrogate pair (``\\u0000``,
    ``\\ud800``), which no text or jsonb column accepts. Python also reads NaN
    and Infinity, which jsonb rejects. One such order would stop every write
    of its batch. So NULs are dropped, lone surrogates become question marks,
    and those numbers become null. Nothing else changes.
    """
    if isinstance(value, str):
        if "\x00" in value:
            value = value.replace("\x00", "")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = value.encode("utf-8", "replace").decode("utf-8")
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return None  # NaN and infinities: JSON extensions that jsonb refuses
    if isinstance(value, list):
        return [storable(item) for item in value]
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    return value


def token_is_well_formed(token):
    """Check that a token is valid in an HTTP header, as Handy issues them.

    Handy's tokens are printable ASCII without spaces. A token pasted with a
    line break or an invisible character would make the header invalid.
    """
    return bool(token) and token.isascii() and token.isprintable() and " " not in token


USER_AGENT = "handoo/19.0"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# A list longer than this many pages is taken for a pagination loop in Handy.
MAX_PAGES = 10000
# How many times a list is read again when its total changes between pages.
LIST_READ_ATTEMPTS = 3


class _RateLimitWaitTooLong(Exception):
    """Raised from inside urllib3 when Handy asks for a longer wait than allowed."""

    def __init__(self, reset_at, wait):
        super().__init__(f"rate limit resets in {wait:.0f} s")
        self.reset_at = reset_at
        self.wait = wait


def _seconds_until(reset_header):
    try:
        reset_at = float(reset_header)
    except (TypeError, ValueError):
        return None, None
    return reset_at, max(reset_at - time.time(), 0.0)


class HandyRetry(Retry):
    """urllib3 retry policy that honours Handy's rate-limit headers.

    A 429 is retried for every method, because Handy did not process the call. The
    wait comes from ``X-RateLimit-Reset`` (a Unix timestamp) rather than
    ``Retry-After``, which Handy does not send; a wait longer than
    ``max_rate_limit_wait`` seconds stops the call instead of blocking a worker.
    """

    def __init__(self, *args, max_rate_limit_wait=65.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_rate_limit_wait = max_rate_limit_wait

    def new(self, **kwargs):
        retry = super().new(**kwargs)
        retry.max_rate_limit_wait = self.max_rate_limit_wait
        return retry

    def is_retry(self, method, status_code, has_retry_after=False):
        if status_code == 429:
            return True
        return super().is_retry(method, status_code, has_retry_after)

    def get_retry_after(self, response):
        if response.status == 429:
            reset_at, wait = _seconds_until(response.headers.get("X-RateLimit-Reset"))
            if wait is not None:
                if wait > self.max_rate_limit_wait:
                    raise _RateLimitWaitTooLong(reset_at, wait)
                # A reset already past still gets a short pause before the retry.
                return max(wait, 0.1)
        return super().get_retry_after(response)


class HandyClient:
    """Client of one Handy account.

    :param base_url: API root, for example ``https://hub.handy.la/api/v2``
    :param token: the account's API token, sent as a Bearer token and never logged
    :param timeout: seconds applied to every call, or a ``(connect, read)`` pair
    :param retries: retries of one call on 429, 5xx and connection errors
    :param backoff_factor: urllib3 back-off factor in seconds between retries
    :param max_rate_limit_wait: longest wait in seconds for Handy's rate limit
    """

    def __init__(
        self,
        base_url,
        token,
        *,
        timeout=30.0,
        retries=4,
        backoff_factor=0.5,
        max_rate_limit_wait=65.0,
    ):
        if not base_url:
            raise ValueError("The Handy API URL is missing.")
        if not token:
            raise ValueError("The Handy API token is missing.")
        token = token.strip()
        if not token_is_well_formed(token):
            # The message leaves the token out, because it must never be logged.
            raise HandyTokenFormatError(
                "Invalid Handy API token: it contains spaces, line breaks or "
                "characters that are not plain ASCII. Copy it again from Handy."
            )
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_rate_limit_wait = max_rate_limit_wait
        self.request_count = 0
        self._rate_remaining = None
        self._rate_reset_at = None
        retry = HandyRetry(
            total=retries,
            connect=retries,
            read=min(retries, 2),
            status=retries,
            other=0,
            backoff_factor=backoff_factor,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=IDEMPOTENT_METHODS,
            raise_on_status=False,
            respect_retry_after_header=True,
            max_rate_limit_wait=max_rate_limit_wait,
        )
        self.session = requests.Session()
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            }
        )

    def close(self):
        self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # ------------------------------------------------------------------
    # Calls
    # ------------------------------------------------------------------

    def request(self, method, path, *, params=None, json=None):
        """Send one call to Handy and return its decoded JSON body.

        :raises HandyError: a subclass that says what failed, with Handy's message
        """
        method = method.upper()
        shown = path + (f"?{urlencode(params)}" if params else "")
        started = time.monotonic()
        try:
            paused = self._wait_for_rate_limit(method, path)
        except HandyRateLimitError:
            self._log_failure(method, shown, started, "not sent, rate limited")
            raise
        started = time.monotonic()
        try:
            response = self.session.request(
                method,
                self.base_url + path,
                params=params,
                json=json,
                timeout=self.timeout,
            )
        except _RateLimitWaitTooLong as exc:
            self._log_failure(method, shown, started, "rate limited")
            raise HandyRateLimitError(
                f"Handy's rate limit resets in {exc.wait:.0f} seconds, longer than "
                f"the {self.max_rate_limit_wait:.0f} seconds the client may wait.",
                method=method,
                path=path,
                status=429,
                reset_at=exc.reset_at,
            ) from None
        except requests.RequestException as exc:
            reason, message, detail = self._describe_connection_error(exc)
            self._log_failure(method, shown, started, reason)
            raise HandyConnectionError(
                message, method=method, path=path, detail=detail
            ) from None
        finally:
            self.request_count += 1
        self._note_rate_limit(response)
        elapsed_ms = (time.monotonic() - started) * 1000
        retries = getattr(getattr(response.raw, "retries", None), "history", ()) or ()
        notes = []
        if retries:
            notes.append(
                f"{len(retries)} {'retry' if len(retries) == 1 else 'retries'}"
            )
        if paused:
            notes.append(f"a {paused:.1f} s pause for the rate limit")
        _logger.info(
            "Handy %s %s -> %s in %.0f ms%s",
            method,
            shown,
            response.status_code,
            elapsed_ms,
            f" after {' and '.join(notes)}" if notes else "",
        )
        return self._decode(response, method, path)

    def _describe_connection_error(self, exc):
        """Return the log reason, the message and the cause of a call with no answer."""
        if isinstance(exc, requests.ConnectTimeout):
            return (
                "connect timed out",
                f"Could not connect to Handy at {self.base_url} within "
                f"{self._connect_timeout():g} seconds.",
                f"{self.base_url}, {self._connect_timeout():g} s",
            )
        if isinstance(exc, requests.Timeout) or _is_read_timeout(exc):
            return (
                "timed out",
                f"Handy did not answer within {self._read_timeout():g} seconds.",
                f"{self._read_timeout():g} s",
            )
        cause = _root_cause(exc)
        return (
            type(exc).__name__,
            f"Could not reach Handy at {self.base_url}: {cause}",
            f"{self.base_url}: {cause}",
        )

    def _connect_timeout(self):
        return self.timeout[0] if isinstance(self.timeout, tuple) else self.timeout

    def _read_timeout(self):
        return self.timeout[1] if isinstance(self.timeout, tuple) else self.timeout

    def get(self, path, params=None):
        return self.request("GET", path, params=params)

    def post(self, path, payload):
        return self.request("POST", path, json=payload)

    def put(self, path, payload):
        return self.request("PUT", path, json=payload)

    def _log_failure(self, method, shown, started, reason):
        _logger.info(
            "Handy %s %s -> %s after %.0f ms",
            method,
            shown,
            reason,
            (time.monotonic() - started) * 1000,
        )

    # ------------------------------------------------------------------
    # Rate limit
    # ------------------------------------------------------------------

    def _note_rate_limit(self, response):
        remaining = response.headers.get("X-RateLimit-Remaining")
        reset_at, _wait = _seconds_until(response.headers.get("X-RateLimit-Reset"))
        try:
            self._rate_remaining = int(remaining) if remaining is not None else None
        except ValueError:
            self._rate_remaining = None
        self._rate_reset_at = reset_at

    def _wait_for_rate_limit(self, method, path):
        """Pause before a call when the last response left no calls in the window.

        Returns the seconds paused (0 when no pause was needed). The pause is
        reported in the call's log line, so that each call logs one line.
        """
        if self._rate_remaining is None or self._rate_remaining > 0:
            return 0
        if self._rate_reset_at is None:
            return 0
        wait = self._rate_reset_at - time.time()
        if wait <= 0:
            return 0
        if wait > self.max_rate_limit_wait:
            raise HandyRateLimitError(
                f"Handy's rate limit resets in {wait:.0f} seconds, longer than the "
                f"{self.max_rate_limit_wait:.0f} seconds the client may wait.",
                method=method,
                path=path,
                status=429,
                reset_at=self._rate_reset_at,
            )
        time.sleep(wait)
        self._rate_remaining = None
        return wait

    # ------------------------------------------------------------------
    # Answers
    # ------------------------------------------------------------------

    def _decode(self, response, method, path):
        status = response.status_code
        if status == 204 or (200 <= status < 300 and not response.content):
            return {}
        content_type = response.headers.get("Content-Type", "")
        body = None
        if "json" in content_type:
            try:
                body = response.json()
            except ValueError:
                if 200 <= status < 300:
                    raise HandyResponseError(
                        f"Handy sent malformed JSON: {_excerpt(response.text)}",
                        method=method,
                        path=path,
                        status=status,
                    ) from None
        elif 200 <= status < 300:
            raise HandyResponseError(
                f"Handy answered with {content_type or 'no content type'} instead of "
                f"JSON: {_excerpt(response.text)}",
                method=method,
                path=path,
                status=status,
            )
        if 200 <= status < 300:
            return storable(body)
        message, details = _error_message(body, response)
        kwargs = {
            "method": method,
            "path": path,
            "status": status,
            "details": details,
            "detail": message,
        }
        if status in (401, 403):
            raise HandyAuthError(f"Handy rejected the API token: {message}", **kwargs)
        if status == 404:
            raise HandyNotFoundError(f"Not found in Handy: {message}", **kwargs)
        if status in (400, 409, 422):
            raise HandyValidationError(f"Handy rejected the data: {message}", **kwargs)
        if status == 429:
            reset_at, _wait = _seconds_until(response.headers.get("X-RateLimit-Reset"))
            raise HandyRateLimitError(
                f"Handy's rate limit is still exhausted after retrying: {message}",
                reset_at=reset_at,
                **kwargs,
            )
        if status >= 500:
            raise HandyServerError(
                f"Handy failed with status {status}: {message}", **kwargs
            )
        raise HandyError(f"Handy answered status {status}: {message}", **kwargs)

    # ------------------------------------------------------------------
    # Lists
    # ------------------------------------------------------------------

    def iter_pages(self, resource, params=None, page_size=contract.MAX_PAGE_SIZE):
        """Yield ``(items, pagination)`` for each page of a list endpoint.

        Each page URL is rebuilt from the caller's filters and a page number,
        because Handy's own ``nextPage`` URLs are not documented to keep filters.
        ``page_size`` is sent as ``max`` and lowered to Handy's cap of
        ``contract.MAX_PAGE_SIZE``.
        """
        if page_size < 1:
            raise ValueError(f"page_size must be at least 1, got {page_size!r}")
        page_size = min(page_size, contract.MAX_PAGE_SIZE)
        path, key = resource
        for page in range(1, MAX_PAGES + 1):
            query = dict(params or {}, page=page, max=page_size)
            data = self.get(path, params=query)
            if not isinstance(data, dict) or not isinstance(data.get(key), list):
                raise HandyResponseError(
                    f"Handy's answer has no '{key}' list.", method="GET", path=path
                )
            items = data.get(key) or []
            pagination = data.get("pagination") or {}
            yield items, pagination
            total_pages = pagination.get("totalPages") or 0
            if not items or (not pagination.get("nextPage") and page >= total_pages):
                return
        raise HandyResponseError(
            f"Handy's list {path} did not end after {MAX_PAGES} pages.",
            method="GET",
            path=path,
        )

    def fetch_all(self, resource, params=None, page_size=contract.MAX_PAGE_SIZE):
        """Return every record of a list endpoint, each once.

        When the list's ``totalCount`` changes between pages, records may have
        shifted from one page to another, so the list is read again from page 1.

        :raises HandyResponseError: the total still changed on the last of
            ``LIST_READ_ATTEMPTS`` reads, so some records may be missing
        """
        for attempt in range(1, LIST_READ_ATTEMPTS + 1):
            records = {}
            total = None
            for items, pagination in self.iter_pages(resource, params, page_size):
                count = pagination.get("totalCount")
                if total is None:
                    total = count
                elif count != total:
                    break
                for item in items:
                    records[item.get("id")] = item
            else:
                # No break: totalCount was the same on every page.
                return list(records.values())
            if attempt < LIST_READ_ATTEMPTS:
                _logger.info(
                    "Handy list %s changed while it was read (totalCount %s, then "
                    "%s); reading it again",
                    resource[0],
                    total,
                    count,
                )
        # Returning the partial read would let a caller advance its sync window
        # past records it never saw.
        raise HandyResponseError(
            f"Handy's list {resource[0]} changed during each of "
            f"{LIST_READ_ATTEMPTS} reads; try again later.",
            method="GET",
            path=resource[0],
        )

    @staticmethod
    def window(start, end, date_field=contract.FILTER_LAST_UPDATED):
        """Query parameters for records whose ``date_field`` is in [start, end].

        ``start`` and ``end`` are naive UTC datetimes; ``start`` may be ``None``.
        """
        params = {"filterWithDate": date_field}
        if start:
            params["start"] = format_query_datetime(start)
        if end:
            params["end"] = format_query_datetime(end)
        return params

    # ------------------------------------------------------------------
    # Resources
    # ------------------------------------------------------------------

    def get_company(self):
        return self.get(contract.COMPANY_PATH)

    def get_record(self, resource, key):
        """Return one record by id or code (customers and products use codes)."""
        return self.get(f"{resource[0]}/{quote(str(key), safe='')}")

    def create_record(self, resource, payload):
        return self.post(resource[0], payload)

    def update_record(self, resource, key, payload):
        return self.put(f"{resource[0]}/{quote(str(key), safe='')}", payload)

    def set_order_external_id(self, order_id, external_id):
        """Write Odoo's id on a Handy order (``externalId`` is an integer)."""
        return self.put(
            f"{contract.SALES_ORDERS[0]}/{int(order_id)}",
            {"externalId": int(external_id)},
        )


def _is_read_timeout(exc):
    """Tell whether a requests error is a read timeout that urllib3 gave up retrying.

    requests raises ``Timeout`` for a read timeout that is not retried, but
    ``ConnectionError`` wrapping urllib3's ``MaxRetryError`` once retries of a read
    timeout run out.
    """
    reason = exc.args[0] if exc.args else None
    return isinstance(getattr(reason, "reason", None), ReadTimeoutError)


def _root_cause(exc):
    """Return the reason of a requests exception without urllib3's object names."""
    reason = exc.args[0] if exc.args else exc
    reason = getattr(reason, "reason", None) or reason
    text = str(reason)
    if text.startswith("<") and ">: " in text:
        text = text.split(">: ", 1)[1]
    return _excerpt(text, 200)


def _excerpt(text, size=120):
    text = " ".join((text or "").split())
    return text if len(text) <= size else text[:size] + "..."


def _error_message(body, response):
    """Return Handy's own message from an error answer, and its ``errors`` list."""
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            parts = []
            for error in errors:
                if not isinstance(error, dict):
                    parts.append(str(error))
                    continue
                text = error.get("message") or "invalid value"
                if error.get("field"):
                    text = f"{error['field']}: {text}"
                if error.get("rejected-value") not in (None, ""):
                    text += f" (rejected value: {error['rejected-value']})"
                parts.append(text)
            return "; ".join(parts), errors
        for key in ("message", "error", "detail"):
            if body.get(key):
                return str(body[key]), []
    if body is not None:
        return _excerpt(str(body)), []
    content_type = response.headers.get("Content-Type", "")
    if "html" in content_type:
        return f"an HTML page instead of JSON ({_html_title(response.text)})", []
    return _excerpt(response.text) or response.reason or "no message", []


def _html_title(text):
    lower = (text or "").lower()
    start = lower.find("<title>")
    end = lower.find("</title>")
    if 0 <= start < end:
        return " ".join(text[start + 7 : end].split())
    return _excerpt(text, 60)
