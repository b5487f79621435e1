from odoo import api, fields, models

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

    resume_from = fields.Datetime(
        help="Within the window being read, the records up to this time are "
        "done; a job that ran out of time goes on from here.",
    )

    _company_job_unique = models.UniqueIndex(
        "(company_id, job)", "A company has one cursor per job."
    )

    @api.model
    def _handoo_get(self, company, job):
        cursor = self.search(
            [("company_id", "=", company.id), ("job", "=", job)], limit=1
        )
        return cursor or self.create({"company_id": company.id, "job": job})
