import hashlib
import hmac
import json
import logging
import time

from odoo import http
from odoo.http import request
from odoo.tools import SQL

from ..handy_api import contract

_logger = logging.getLogger(__name__)


class HandooWebhookController(http.Controller):
    """Receives Handy's route events (the contract is in docs/webhooks.md)."""

    @http.route(
        "/handoo/webhook/<int:company_id>",
        type="http",
        auth="public",
        # Every method reaches the handler, which returns a JSON 405 for all
        # but POST, rather than Odoo's HTML error page.
        csrf=False,
        save_session=False,
    )
    def handoo_route_event(self, company_id, **_kwargs):
        try:
            return self._receive(company_id)
        except Exception:  # noqa: BLE001 - Handy gets an answer, never a traceback
            _logger.exception("Handy webhook for company %s failed", company_id)
            return self._answer(
                500, error="The event could not be stored; send it again."
            )

    @http.route(
        ["/handoo/webhook", "/handoo/webhook/<path:_rest>"],
        type="http",
        auth="public",
        csrf=False,
        save_session=False,
    )
    def handoo_route_event_unknown(self, **_kwargs):
        """Return a JSON 404 for webhook addresses without a company id."""
        _logger.info(
            "Handy webhook rejected with 404: no company id in %.100s",
            request.httprequest.path,
        )
        return self._answer(404, error="No such company.")

    def _receive(self, company_id):
        httprequest = request.httprequest
        if httprequest.method != "POST":
            return self._answer(405, error="Only POST is accepted.")
        length = httprequest.content_length
        if length is not None and length > contract.WEBHOOK_MAX_BYTES:
            return self._answer(413, error="The body is larger than 64 KiB.")
        raw_body = self._read_body(httprequest)
        if len(raw_body) > contract.WEBHOOK_MAX_BYTES:
            return self._answer(413, error="The body is larger than 64 KiB.")

        timestamp = httprequest.headers.get(contract.WEBHOOK_TIMESTAMP_HEADER, "")
        signature = httprequest.headers.get(contract.WEBHOOK_SIGNATURE_HEADER, "")
        if not timestamp or not signature:
            return self._reject(401, company_id, "missing signature headers")
        # One small query rather than loading the whole company record.
        request.env.cr.execute(
            SQL(
                "SELECT handoo_webhook_secret FROM res_company WHERE id = %s",
                company_id,
            )
        )
        row = request.env.cr.fetchone()
        if not row:
            return self._reject(404, company_id, "unknown company")
        secret = row[0]
        if not secret:
            return self._reject(
                403, company_id, "no webhook secret configured", "no_secret"
            )
        # Unix seconds: ASCII digits, far fewer than 20 of them.
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) < 20):
            return self._reject(403, company_id, "invalid timestamp")
        if abs(time.time() - int(timestamp)) > contract.WEBHOOK_MAX_AGE:
            return self._reject(403, company_id, "timestamp out of range", "clock")
        expected = hmac.new(
            secret.encode(), timestamp.encode() + b"." + raw_body, hashlib.sha256
        ).hexdigest()
        # Compared as bytes: a header may hold any character, which
        # compare_digest refuses to compare as text unless it is ASCII.
        if not hmac.compare_digest(
            f"sha256={expected}".encode(), signature.encode("utf-8", "replace")
        ):
            return self._reject(403, company_id, "signature mismatch")

        try:
            # UTF-8 only, as in the contract. json.loads would also accept
            # UTF-16 and UTF-32, whose bytes cannot be stored as text.
            payload = json.loads(raw_body.decode("utf-8-sig"))
        except (ValueError, RecursionError) as error:
            _logger.info(
                "Handy webhook for company %s rejected: invalid JSON body (%.100s)",
                company_id,
                error,
            )
            return self._answer(400, error="The body is not valid JSON in UTF-8.")
        events = request.env["handoo.webhook.event"].sudo()
        problem = events._handoo_check_payload(payload)
        if problem:
            _logger.info(
                "Handy webhook for company %s rejected: %s", company_id, problem
            )
            return self._answer(400, error=problem)
        company = request.env["res.company"].sudo().browse(company_id)
        event, new = events._handoo_receive(company, payload, raw_body)
        _logger.info(
            "Handy webhook %s %s for route %s: %s",
            payload["event"],
            event.event_id,
            event.route_handoo_id,
            "stored" if new else "repeated",
        )
        if new:
            return self._answer(202, status="accepted", id=event.event_id)
        return self._answer(200, status="duplicate", id=event.event_id)

    @staticmethod
    def _read_body(httprequest):
        """Read the body, but never more than the limit and one byte.

        A body sent in chunks announces no length, and the Werkzeug 2 that Odoo
        runs on Python 3.11 reads such a body whole in ``get_data``: an unsigned
        sender could make Odoo read any amount before the 413. Odoo's request
        does not expose Werkzeug's stream, so it is read from the Werkzeug
        request that Odoo's wraps.
        """
        wrapped = getattr(httprequest, "_HTTPRequest__wrapped", None)
        if wrapped is None:
            return httprequest.get_data(cache=False)
        stream = wrapped.stream
        wanted = contract.WEBHOOK_MAX_BYTES + 1
        parts = []
        while wanted > 0:
            part = stream.read(wanted)
            if not part:
                break
            parts.append(part)
            wanted -= len(part)
        return b"".join(parts)

    def _reject(self, status, company_id, reason, cause=None):
        _logger.warning(
            "Handy webhook for company %s rejected with %s: %s",
            company_id,
            status,
            reason,
        )
        messages = {
            401: "The signature headers are missing.",
            403: "The signature is not valid for this company.",
            404: "No such company.",
            "clock": "The timestamp is more than 5 minutes away from Odoo's clock; "
            "check the sender's clock.",
            "no_secret": "Webhooks are not set up for this company: it has no "
            "webhook secret in Odoo.",
        }
        return self._answer(status, error=messages[cause or status])

    @staticmethod
    def _answer(http_status, **body):
        return request.make_json_response(body, status=http_status)
