from odoo import api, fields, models
from odoo.tools import format_datetime

from .handoo_sync_cursor import JOBS

COUNTERS = (
    "fetched",
    "created",
    "linked",
    "updated",
    "archived",
    "restored",
    "cancelled",
    "replaced",
    "unchanged",
    "failed",
)


class HandooSyncRun(models.Model):
    """One run of a Handy sync job for one company, with what it did."""

    _name = "handoo.sync.run"
    _description = "Handy Sync Run"
    _order = "started_at desc, id desc"
    _rec_name = "job"

    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    job = fields.Selection(JOBS, required=True, readonly=True)
    direction = fields.Selection(
        [("from", "Handy to Odoo"), ("to", "Odoo to Handy"), ("tools", "Tools")],
        compute="_compute_direction",
        store=True,
    )
    state = fields.Selection(
        [
            ("running", "Running"),
            ("done", "Done"),
            ("warning", "Done with Failures"),
            ("failed", "Failed"),
            ("interrupted", "Interrupted"),
        ],
        default="running",
        required=True,
        readonly=True,
    )
    started_at = fields.Datetime(default=fields.Datetime.now, readonly=True)
    ended_at = fields.Datetime(readonly=True)
    duration = fields.Float(
        string="Duration (s)",
        compute="_compute_duration",
        store=True,
        digits=(16, 1),
    )
    window_start = fields.Datetime(readonly=True)
    window_end = fields.Datetime(readonly=True)
    fetched = fields.Integer(readonly=True, help="Records read from Handy.")
    created = fields.Integer(readonly=True)
    linked = fields.Integer(
        readonly=True, help="Existing records linked to a Handy record by code."
    )
    updated = fields.Integer(readonly=True)
    archived = fields.Integer(string="Archived Records", readonly=True)
    restored = fields.Integer(readonly=True)
    cancelled = fields.Integer(readonly=True)
    replaced = fields.Integer(
        readonly=True, help="Quotations replaced by a new version edited in Handy."
    )
    unchanged = fields.Integer(readonly=True)
    failed = fields.Integer(string="Failed Records", readonly=True)
    http_requests = fields.Integer(string="Handy Calls", readonly=True)
    message = fields.Text(readonly=True)
    failure_ids = fields.One2many("handoo.sync.failure", "run_id", string="Failures")

    @api.depends("job", "started_at")
    def _compute_display_name(self):
        labels = dict(self._fields["job"]._description_selection(self.env))
        for run in self:
            label = labels.get(run.job, run.job or "")
            if run.started_at:
                label = f"{label} ({format_datetime(self.env, run.started_at)})"
            run.display_name = label

    @api.depends("job")
    def _compute_direction(self):
        for run in self:
            if not run.job:
                run.direction = False
            elif run.job.endswith("_from"):
                run.direction = "from"
            elif run.job.endswith("_to"):
                run.direction = "to"
            else:
                run.direction = "tools"

    @api.depends("started_at", "ended_at")
    def _compute_duration(self):
        for run in self:
            if run.started_at and run.ended_at:
                run.duration = (run.ended_at - run.started_at).total_seconds()
            else:
                run.duration = 0.0

    @api.model
    def _handoo_start(self, company, job, window_start=None, window_end=None):
        """Open a run, closing as interrupted any earlier run left open by a crash.

        A cron never runs twice at once, so an open run of the same job is one
        whose worker died before it could close it.
        """
        self.search(
            [
                ("company_id", "=", company.id),
                ("job", "=", job),
                ("state", "=", "running"),
            ]
        ).write({"state": "interrupted", "ended_at": fields.Datetime.now()})
        return self.create(
            {
                "company_id": company.id,
                "job": job,
                "window_start": window_start,
                "window_end": window_end,
            }
        )

    def _handoo_add(self, stats, http_requests=0):
        """Add the counters of a batch to the run."""
        self.ensure_one()
        vals = {name: self[name] + stats[name] for name in COUNTERS if stats.get(name)}
        if http_requests:
            vals["http_requests"] = self.http_requests + http_requests
        if vals:
            self.write(vals)
        stats.clear()

    def _handoo_finish(self, message=None, failed=False):
        self.ensure_one()
        if failed:
            state = "failed"
        elif self.failed:
            state = "warning"
        else:
            state = "done"
        self.write(
            {"state": state, "ended_at": fields.Datetime.now(), "message": message}
        )
