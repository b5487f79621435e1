import logging
from datetime import timedelta

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..handy_api import (
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
from .handoo_binding_mixin import payload_to_text

_logger = logging.getLogger(__name__)

# Errors of two transactions writing the same rows. The losing one is rolled
# back, and applying the record again later succeeds.
CONCURRENCY_ERRORS = (
    pg_errors.UniqueViolation,
    pg_errors.LockNotAvailable,
    pg_errors.SerializationFailure,
    pg_errors.DeadlockDetected,
)

KINDS = [
    ("zone", "Zone"),
    ("family", "Product Family"),
    ("customer", "Customer"),
    ("product", "Product"),
    ("order", "Order"),
    ("order_reference", "Odoo Reference on an Order"),
    ("route", "Route"),
]

# Automatic retries wait 5 minutes, then twice as long each time, up to one day.
RETRY_FIRST_DELAY = timedelta(minutes=5)
RETRY_MAX_DELAY = timedelta(days=1)


class HandooSyncFailure(models.Model):
    """A Handy record that could not be synced, kept with its reason and data.

    Failures of the same record share a key, so a record that keeps failing has
    one line whose attempt count grows. A failure is resolved when the record
    syncs, automatically or from the Retry button.
    """

    _name = "handoo.sync.failure"
    _description = "Handy Sync Failure"
    _inherit = ["mail.thread"]
    _order = "state, last_attempt desc, id desc"
    _rec_name = "reference"

    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    kind = fields.Selection(KINDS, required=True, readonly=True)
    direction = fields.Selection(
        [("from", "Handy to Odoo"), ("to", "Odoo to Handy")],
        compute="_compute_direction",
        store=True,
    )
    key = fields.Char(
        required=True,
        readonly=True,
        help="Identifies the record: the kind and the Handy id, or the Odoo model "
        "and id for records sent to Handy.",
    )
    reference = fields.Char(readonly=True, help="Handy id or code of the record.")
    reason = fields.Text(readonly=True, tracking=True)
    payload = fields.Text(string="Handy Data", readonly=True)
    state = fields.Selection(
        [
            ("to_retry", "To Retry"),
            ("resolved", "Resolved"),
            ("dismissed", "Dismissed"),
        ],
        default="to_retry",
        required=True,
        readonly=True,
        tracking=True,
    )
    attempts = fields.Integer(default=1, readonly=True)
    first_failed_at = fields.Datetime(default=fields.Datetime.now, readonly=True)
    last_attempt = fields.Datetime(default=fields.Datetime.now, readonly=True)
    next_retry = fields.Datetime(readonly=True)
    run_id = fields.Many2one("handoo.sync.run", string="Last Run", readonly=True)
    res_model = fields.Char(string="Odoo Model", readonly=True)
    res_id = fields.Many2oneReference(
        string="Odoo Record ID", model_field="res_model", readonly=True
    )

    _open_key_unique = models.UniqueIndex(
        "(company_id, key) WHERE state = 'to_retry'",
        "This record already has an open sync failure.",
    )

    @api.depends("key")
    def _compute_direction(self):
        for failure in self:
            if not failure.key:
                failure.direction = False
            else:
                failure.direction = (
                    "to" if failure.key.startswith("export:") else "from"
                )

    @api.model
    def _handoo_reason(self, error):
        """Return a readable, translated reason for an exception raised while syncing.

        Handy's errors get a sentence in the user's language around their cause
        (Handy's own message, or the network's reason), then the call that failed.
        """
        if isinstance(error, HandyError):
            text = self._handoo_handy_reason(error, error.detail)
            if error.retryable and not self.env.context.get("handoo_by_hand"):
                text += " " + self.env._("The job tries again later.")
            if error.method and error.path:
                status = f" {error.status}" if error.status else ""
                text += f" [{error.method} {error.path}{status}]"
            return text
        if isinstance(error, UserError):
            return error.args[0] if error.args else str(error)
        if isinstance(error, CONCURRENCY_ERRORS):
            return self.env._(
                "Another job was changing the same records at the same moment "
                "(%(detail)s); the next try applies this one.",
                detail=error.diag.constraint_name or type(error).__name__,
            )
        return f"{type(error).__name__}: {error}"

    @api.model
    def _handoo_handy_reason(self, error, detail):
        if isinstance(error, HandyTokenFormatError):
            return self.env._(
                "The Handy API token in Settings > Handy holds spaces, line breaks "
                "or characters that are not plain ASCII. Copy it again from "
                "Handy's web app."
            )
        if isinstance(error, HandyAuthError):
            return self.env._(
                "Handy rejected the API token: %(detail)s. Check the token in "
                "Settings > Handy.",
                # Handy's message may end its own sentence.
                detail=str(detail).rstrip(" ."),
            )
        if isinstance(error, HandyConnectionError):
            return self.env._(
                "No answer from Handy (%(detail)s). Check the API URL in Settings > "
                "Handy.",
                detail=detail,
            )
        if isinstance(error, HandyNotFoundError):
            return self.env._("Not found in Handy: %(detail)s", detail=detail)
        if isinstance(error, HandyValidationError):
            return self.env._("Handy rejected the data: %(detail)s", detail=detail)
        if isinstance(error, HandyRateLimitError):
            return self.env._(
                "Handy's rate limit is used up (%(detail)s).",
                detail=detail,
            )
        if isinstance(error, HandyServerError):
            return self.env._("Handy failed (%(detail)s).", detail=detail)
        if isinstance(error, HandyResponseError):
            return self.env._(
                "Handy sent an answer handoo cannot read (%(detail)s).",
                detail=detail,
            )
        return self.env._("Handy answered with an error: %(detail)s", detail=detail)

    @api.model
    def _handoo_next_retry(self, attempts):
        delay = RETRY_FIRST_DELAY * (2 ** max(attempts - 1, 0))
        return fields.Datetime.now() + min(delay, RETRY_MAX_DELAY)

    @api.model
    def _handoo_record(
        self, company, *, kind, key, reference, reason, payload, run=None, record=None
    ):
        """Create the open failure of a record, or count one more attempt on it."""
        failure = self.search(
            [
                ("company_id", "=", company.id),
                ("key", "=", key),
                ("state", "=", "to_retry"),
            ],
            limit=1,
        )
        vals = {"reason": reason, "last_attempt": fields.Datetime.now()}
        if run:
            # A manual retry has no run, so the failure keeps its last one.
            vals["run_id"] = run.id
        if payload is not None:
            vals["payload"] = payload_to_text(payload)
        if record:
            vals.update(res_model=record._name, res_id=record.id)
        if failure:
            vals["attempts"] = failure.attempts + 1
            vals["next_retry"] = self._handoo_next_retry(vals["attempts"])
            failure.write(vals)
            return failure
        vals.update(
            company_id=company.id,
            kind=kind,
            key=key,
            reference=str(reference or ""),
            next_retry=self._handoo_next_retry(1),
        )
        return self.create(vals)

    @api.model
    def _handoo_resolve(self, company, records_by_key):
        """Mark resolved the open failures of records that synced.

        :param records_by_key: ``{failure key: Odoo record}``; the record may be
            None when syncing left nothing to link, a deletion for instance
        """
        if not records_by_key:
            return
        failures = self.search(
            [
                ("company_id", "=", company.id),
                ("key", "in", list(records_by_key)),
                ("state", "=", "to_retry"),
            ]
        )
        for failure in failures:
            record = records_by_key[failure.key]
            vals = {"state": "resolved", "next_retry": False}
            if record:
                vals.update(res_model=record._name, res_id=record.id)
            failure.write(vals)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_retry(self):
        """Retry the failed records now and tell the user what happened."""
        self.check_access("write")
        failures = self.filtered(lambda failure: failure.state == "to_retry")
        if not failures:
            raise UserError(self.env._("These failures are no longer open."))
        resolved = failures.sudo()._handoo_retry()
        still_failing = failures - resolved
        if still_failing:
            message = self.env._(
                "%(ok)s of %(total)s records synced. Still failing: %(reason)s",
                ok=len(resolved),
                total=len(failures),
                reason=still_failing[0].reason,
            )
            kind = "warning"
        else:
            message = self.env._("%(ok)s records synced.", ok=len(resolved))
            kind = "success"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Handy"),
                "message": message,
                "type": kind,
                "sticky": bool(still_failing),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_dismiss(self):
        """Stop retrying these records; the reason stays in the log."""
        self.check_access("write")
        self.filtered(lambda failure: failure.state == "to_retry").write(
            {"state": "dismissed", "next_retry": False}
        )

    def action_open_record(self):
        self.ensure_one()
        if not self.res_model or not self.res_id:
            raise UserError(self.env._("No Odoo record is linked to this failure."))
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }

    def _handoo_retry(self):
        """Retry these failures, grouped by company; return those resolved."""
        resolved = self.browse()
        for company, failures in self.grouped("company_id").items():
            jobs = self.env["handoo.sync"]._handoo_for(company)
            resolved |= jobs._handoo_retry_failures(company, failures)
        return resolved
