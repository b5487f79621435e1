"""A stand-in for Handy's REST API v2 on 127.0.0.1.

handoo's tests, demo and benchmark run against it.

``HandySandbox`` serves the API from a ``SandboxStore`` in a background thread.
``generate`` fills a store with deterministic demo data. ``plan_day`` and ``play``
run a business day of routes on a store. The package uses the standard library
only and never imports Odoo.
"""

from .generator import generate
from .scenario import plan_day, play
from .server import HandySandbox
from .store import SandboxStore

__all__ = ["HandySandbox", "SandboxStore", "generate", "plan_day", "play"]
