"""Fault injection and the per-token rate limit of the API.

Faults let a test make the next API requests fail the way a busy or broken Handy
would. They never apply to the ``/_sandbox/`` control calls or to the web pages.
"""

import math
import threading
import time
from dataclasses import asdict, dataclass

FAULT_KINDS = ("rate_limit", "server_error", "slow", "malformed_json", "html_error")
DEFAULT_STATUS = {"server_error": 503, "html_error": 502}
DEFAULT_DELAY_SECONDS = 1.0
DEFAULT_RESET_AFTER_SECONDS = 1


@dataclass
class Fault:
    """One queued fault; ``remaining`` counts the requests it still applies to."""

    kind: str
    remaining: int
    path: str = None
    status: int = None
    delay: float = None
    reset_after: int = None

    def matches(self, path):
        return self.remaining > 0 and (self.path is None or path.startswith(self.path))


class Faults:
    """Thread-safe queue of faults for the next API requests.

    A request takes the first queued fault whose ``path`` prefix matches its path
    (relative to ``/api/v2``), and that fault's count goes down by one.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._faults = []

    def add(self, kind, count=1, path=None, status=None, delay=None, reset_after=None):
        """Queue a fault for the next ``count`` matching requests; return it as a dict.

        Kinds: ``rate_limit`` (429 with ``X-RateLimit-Reset`` = now + ``reset_after``
        seconds, default 1), ``server_error`` (``status``, default 503, JSON body),
        ``slow`` (sleep ``delay`` seconds, default 1, then respond normally),
        ``malformed_json`` (the normal response with its JSON body cut in half) and
        ``html_error`` (``status``, default 502, an HTML page as a proxy sends).
        Raises ValueError on a bad argument.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(
                f"unknown fault kind {kind!r}; use one of {', '.join(FAULT_KINDS)}"
            )
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise ValueError(f"count must be an integer of at least 1, got {count!r}")
        if path is not None and (not isinstance(path, str) or not path.startswith("/")):
            raise ValueError(
                f"path must start with '/' (relative to /api/v2), got {path!r}"
            )
        if status is not None:
            if kind not in DEFAULT_STATUS:
                raise ValueError(
                    f"status applies only to server_error and html_error, not {kind}"
                )
            if (
                not isinstance(status, int)
                or isinstance(status, bool)
                or not 400 <= status <= 599
            ):
                raise ValueError(
                    "status must be an HTTP error status from 400 to 599, "
                    f"got {status!r}"
                )
        if delay is not None:
            if kind != "slow":
                raise ValueError(f"delay applies only to slow, not {kind}")
            if (
                isinstance(delay, bool)
                or not isinstance(delay, (int, float))
                or not 0 <= delay <= 300
            ):
                raise ValueError(
                    f"delay must be a number of seconds from 0 to 300, got {delay!r}"
                )
        if reset_after is not None:
            if kind != "rate_limit":
                raise ValueError(f"reset_after applies only to rate_limit, not {kind}")
            if (
                not isinstance(reset_after, int)
                or isinstance(reset_after, bool)
                or reset_after < 0
            ):
                raise ValueError(
                    "reset_after must be a non-negative integer of seconds, "
                    f"got {reset_after!r}"
                )
        if status is None:
            status = DEFAULT_STATUS.get(kind)
        if kind == "slow" and delay is None:
            delay = DEFAULT_DELAY_SECONDS
        if kind == "rate_limit" and reset_after is None:
            reset_after = DEFAULT_RESET_AFTER_SECONDS
        fault = Fault(
            kind=kind,
            remaining=count,
            path=path,
            status=status,
            delay=delay,
            reset_after=reset_after,
        )
        with self._lock:
            self._faults.append(fault)
        return asdict(fault)

    def clear(self):
        with self._lock:
            self._faults.clear()

    def pending(self):
        """Return the faults that still apply to some request, in queue order."""
        with self._lock:
            return [asdict(fault) for fault in self._faults if fault.remaining > 0]

    def take(self, path):
        """Use up one application of the first fault matching ``path``.

        Returns a copy of that fault, or None when no fault matches.
        """
        with self._lock:
            for fault in self._faults:
                if fault.matches(path):
                    fault.remaining -= 1
                    applied = Fault(**asdict(fault))
                    self._faults = [
                        queued for queued in self._faults if queued.remaining > 0
                    ]
                    return applied
        return None


class RateLimiter:
    """Fixed-window request counter per token.

    A window opens with a token's first request and lasts ``window`` seconds of
    real time. It does not use the store's clock, so windows still reset while a
    test has frozen that clock.
    """

    def __init__(self, limit=500, window=60, clock=time.time):
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise ValueError(
                f"rate limit must be a positive integer of requests, got {limit!r}"
            )
        if (
            not isinstance(window, (int, float))
            or isinstance(window, bool)
            or window <= 0
        ):
            raise ValueError(
                f"rate window must be a positive number of seconds, got {window!r}"
            )
        self.limit = limit
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._windows = {}

    def hit(self, key):
        """Count one request for ``key``; return ``(allowed, headers)``.

        A rejected request is not counted. The headers are the three
        ``X-RateLimit-*`` headers with the values after this request.
        """
        now = self._clock()
        with self._lock:
            started, used = self._windows.get(key, (None, 0))
            if started is None or now >= started + self.window:
                started, used = now, 0
            allowed = used < self.limit
            if allowed:
                used += 1
            self._windows[key] = (started, used)
        return allowed, self.headers(
            self.limit - used, math.ceil(started + self.window)
        )

    def headers(self, remaining, reset_epoch):
        return [
            ("X-RateLimit-Limit", str(self.limit)),
            ("X-RateLimit-Remaining", str(max(remaining, 0))),
            ("X-RateLimit-Reset", str(int(reset_epoch))),
        ]

    def reset(self):
        with self._lock:
            self._windows.clear()
