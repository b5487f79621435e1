"""Put handoo/ on sys.path so that tests can ``import handy_sandbox`` without Odoo."""

import os
import sys

HANDOO_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "handoo"
)
if HANDOO_DIR not in sys.path:
    sys.path.insert(0, HANDOO_DIR)
