from psycopg2.extras import Json as PsycopgJson

from odoo import api, fields, models
from odoo.tools import SQL

JOBS = [
    ("zone_from", "Zones from Handy"),
    ("family_from", "Product families from Handy"),
    ("customer_from", "Customers from Handy"),
    ("product_from", "Products from Handy"),
    ("order_from", "Orders from Handy"),
    ("zone_to", "Zones to Handy"),
    ("family_to", "Product families to Handy"),
    ("customer_to", "Customers to Handy"),
    ("product_to", "Products to Handy"),
    ("route_from", "Routes from Handy"),
    ("order_retry", "Retry of failed orders"),
    ("event_process", "Webhook events"),
]


class HandooSyncCursor(models.Model):
    """Where each incremental pull from Handy stopped, per company.

    The next run asks Handy for records changed since ``last_end`` minus an
    overlap, so records that reached Handy late are read again rather than lost.
    """

    _name = "handoo.sync.cursor"
    _description = "Handy Sync Cursor"
    _order = "company_id, job"

    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    job = fields.Selection(JOBS, required=True)
    last_end = fields.Datetime(
        string="Synced Up To",
        help="End of the last window read completely from Handy. Move it back to "
        "read older records again; empty reads everything Handy has.",
    )

    # The order job keeps a window's order lists here until every order is
    # applied, so a call cut short by the cron's time limit does not read them
    # again.
    stage_start = fields.Datetime(string="Window Being Applied From", readonly=True)
    stage_end = fields.Datetime(string="Window Being Applied Up To", readonly=True)
    stage_payloads = fields.Json(
        string="Records Kept", prefetch=False, copy=False, readonly=True
    )
    stage_done = fields.Integer(
        string="Records Applied",
        readonly=True,
        help="Number of records read for the window being applied that are done.",
    )
    stage_total = fields.Integer(string="Records Read", readonly=True)

    _company_job_unique = models.UniqueIndex(
        "(company_id, job)", "A company has one cursor per job."
    )

    def write(self, vals):
        if "last_end" in vals:
            # The window was read to its end, or moved by hand, so the records
            # kept for it are no longer needed.
            vals = dict(
                vals,
                stage_start=False,
                stage_end=False,
                stage_payloads=False,
                stage_done=0,
                stage_total=0,
            )
        return super().write(vals)

    def _handoo_keep(self, start, end, records):
        """Store the records read for the window ``start``-``end``, none applied yet.

        Written in SQL, because the ORM's JSON field keeps a second copy of the
        whole list in its cache, which doubles the job's memory for a large
        window. Batches are read back with ``_handoo_stage_slice``.
        """
        self.ensure_one()
        self.flush_recordset()
        self.env.cr.execute(
            SQL(
                """
                UPDATE handoo_sync_cursor
                   SET stage_start = %s, stage_end = %s, stage_payloads = %s,
                       stage_done = 0, stage_total = %s,
                       write_uid = %s, write_date = %s
                 WHERE id = %s
                """,
                start,
                end,
                PsycopgJson(records),
                len(records),
                self.env.uid,
                fields.Datetime.now(),
                self.id,
            )
        )
        self.invalidate_recordset(
            ["stage_start", "stage_end", "stage_payloads", "stage_done", "stage_total"]
        )

    def _handoo_stage_slice(self, offset, size):
        """Return ``size`` kept records from ``offset`` on, read in SQL.

        Only the slice reaches Python; PostgreSQL still reads the whole list.
        """
        self.ensure_one()
        self.flush_recordset(["stage_payloads"])
        self.env.cr.execute(
            SQL(
                """
                SELECT record.value
                  FROM handoo_sync_cursor kept,
                       jsonb_array_elements(kept.stage_payloads)
                       WITH ORDINALITY AS record(value, position)
                 WHERE kept.id = %s
                   AND record.position > %s
                   AND record.position <= %s
                 ORDER BY record.position
                """,
                self.id,
                offset,
                offset + size,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _handoo_get(self, company, job):
        cursor = self.search(
            [("company_id", "=", company.id), ("job", "=", job)], limit=1
        )
        return cursor or self.create({"company_id": company.id, "job": job})
