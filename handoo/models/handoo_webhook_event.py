import json
import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..handy_api import contract, parse_datetime

_logger = logging.getLogger(__name__)


class HandooWebhookEvent(models.Model):
    """A route event sent by Handy, stored before it is processed.

    The webhook stores the event and answers at once; the job
    ``HANDY TOOLS Process webhook events`` processes it right after. An event's
    id is unique per company, so a repeated event is recognised and ignored.
    """

    _name = "handoo.webhook.event"
    _description = "Handy Webhook Event"
    _order = "received_at desc, id desc"
    _rec_name = "event_id"

    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    event_id = fields.Char(string="Event ID", required=True, readonly=True)
    event = fields.Selection(
        [
            ("route.load_accepted", "Load Accepted"),
            ("route.finished", "Route Finished"),
            ("route.closed", "Route Closed"),
        ],
        required=True,
        readonly=True,
    )
    route_handoo_id = fields.Char(string="Handy Route", required=True, readonly=True)
    route_id = fields.Many2one("handoo.route", readonly=True)
    occurred_at = fields.Datetime(readonly=True)
    received_at = fields.Datetime(default=fields.Datetime.now, readonly=True)
    processed_at = fields.Datetime(readonly=True)
    body = fields.Text(readonly=True)
    state = fields.Selection(
        [("pending", "To Process"), ("done", "Processed"), ("failed", "Failed")],
        default="pending",
        required=True,
        readonly=True,
    )
    attempts = fields.Integer(readonly=True)
    not_found_attempts = fields.Integer(
        string="Not Found in a Row",
        readonly=True,
        help="Consecutive tries on which Handy returned 404 for the route.",
    )
    next_retry = fields.Datetime(readonly=True)
    error = fields.Text(readonly=True)

    _event_unique = models.UniqueIndex(
        "(company_id, event_id)", "This event was already received."
    )
    _to_process_idx = models.Index("(state, next_retry) WHERE state != 'done'")

    @api.model
    def _handoo_receive(self, company, payload, raw_body):
        """Store an event unless it was received already; return ``(event, new)``.

        One ``INSERT ... ON CONFLICT DO NOTHING`` both stores the event and
        detects a repeat, so two copies of an event received at the same moment
        are stored once. A new event wakes the processing job.
        """
        event_id = str(payload["id"])
        now = fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO handoo_webhook_event (
                    company_id, event_id, event, route_handoo_id, occurred_at,
                    received_at, body, state, attempts,
                    create_uid, create_date, write_uid, write_date
                )
                VALUES (%s, %s, %s, %s, %s, %s, %s, 'pending', 0, %s, %s, %s, %s)
                ON CONFLICT (company_id, event_id) DO NOTHING
                RETURNING id
                """,
                company.id,
                event_id,
                payload["event"],
                str(payload["route"]["id"]),
                _occurred_at(payload.get("occurredAt")),
                now,
                raw_body.decode("utf-8", errors="replace"),
                self.env.uid,
                now,
                self.env.uid,
                now,
            )
        )
        row = self.env.cr.fetchone()
        if not row:
            existing = self.search(
                [("company_id", "=", company.id), ("event_id", "=", event_id)], limit=1
            )
            return existing, False
        # A waiting trigger starts a run that reads this event, so no new one
        # is added and a burst of events is processed by one run. A trigger
        # that a running job is deleting is row-locked and skipped, because
        # that run may have selected its events already.
        cron = self.env.ref("handoo.ir_cron_handoo_process_events").sudo()
        self.env.cr.execute(
            SQL(
                """
                SELECT 1 FROM ir_cron_trigger
                 WHERE cron_id = %s
                   FOR KEY SHARE SKIP LOCKED
                 LIMIT 1
                """,
                cron.id,
            )
        )
        if not self.env.cr.fetchone():
            cron._trigger()
        return self.browse(row[0]), True

    def action_retry(self):
        """Process these events again now."""
        self.check_access("write")
        events = self.filtered(lambda event: event.state != "done")
        if not events:
            raise UserError(self.env._("These events are already processed."))
        events = events.sudo()
        events.write({"state": "pending", "next_retry": False, "not_found_attempts": 0})
        for company, company_events in events.grouped("company_id").items():
            jobs = self.env["handoo.sync"].sudo()._handoo_for(company)
            jobs._handoo_process_events(company, company_events)
        return True

    def action_open_route(self):
        self.ensure_one()
        if not self.route_id:
            raise UserError(self.env._("This event's route is not in Odoo yet."))
        return {
            "type": "ir.actions.act_window",
            "res_model": "handoo.route",
            "res_id": self.route_id.id,
            "view_mode": "form",
        }

    @api.model
    def _handoo_check_payload(self, payload):
        """Return what is wrong with a webhook body, or None when it is usable."""
        if not isinstance(payload, dict):
            return self.env._("The body must be a JSON object.")
        for key in ("id", "event", "route"):
            if not payload.get(key):
                return self.env._("The body has no '%(key)s'.", key=key)
        event_id = payload["id"]
        if not isinstance(event_id, str) or len(event_id) > 128 or not _plain(event_id):
            return self.env._(
                "'id' must be a string of at most 128 characters, without control "
                "characters."
            )
        event = payload["event"]
        if not isinstance(event, str) or event not in contract.WEBHOOK_EVENTS:
            # The sender's value is returned only when short and printable.
            echoed = event if isinstance(event, str) and len(event) <= 64 else ""
            return self.env._(
                "Unknown event '%(event)s'; expected one of %(events)s.",
                event=echoed if _plain(echoed) else "",
                events=", ".join(contract.WEBHOOK_EVENTS),
            )
        route = payload["route"]
        route_id = route.get("id") if isinstance(route, dict) else None
        if type(route_id) is not int or route_id <= 0:
            return self.env._("'route.id' must be an integer.")
        if (
            payload.get("occurredAt") is not None
            and _occurred_at(payload["occurredAt"]) is None
        ):
            return self.env._("'occurredAt' is not an ISO 8601 date.")
        return None

    def _handoo_body(self):
        self.ensure_one()
        return json.loads(self.body)


def _plain(text):
    """Check that a text can be stored and returned: printable, valid Unicode."""
    if not text.isprintable():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, from a JSON escape
        return False
    return True


def _occurred_at(value):
    if not isinstance(value, str):
        return None
    try:
        return parse_datetime(value)
    except (ValueError, OverflowError):
        return None
