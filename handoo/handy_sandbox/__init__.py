"""A stand-in for Handy's REST API v2 on 127.0.0.1.

handoo's tests, demo and benchmark run against it.

``HandySandbox`` serves the API from a ``SandboxStore`` in a background thread;
``generate`` fills a store with deterministic demo data. The package uses the
standard library only and never imports Odoo.
"""

from .generator import generate
from .server import HandySandbox
from .store import SandboxStore

__all__ = ["HandySandbox", "SandboxStore", "generate"]
