import logging
from collections import Counter
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..handy_api import (
    HandyClient,
    HandyError,
    HandyNotFoundError,
    contract,
)
from .order_importer import OrderImporter
from .route_processor import RouteProcessor

_logger = logging.getLogger(__name__)

# Odoo model of each catalog, by the kind used in job and failure keys.
CATALOG_MODELS = {
    "zone": "handoo.zone",
    "family": "handoo.product.family",
    "customer": "res.partner",
    "product": "product.template",
}
# Each pull asks for records changed since the last one ended minus this overlap:
# a record that reached Handy's database late is read again rather than lost.
OVERLAP = timedelta(minutes=10)
# A first order pull reads this far back; move the cursor to read further.
FIRST_ORDER_WINDOW = timedelta(days=2)
# Longer gaps are read one window of this length at a time.
MAX_ORDER_WINDOW = timedelta(days=1)
CATALOG_BATCH = 100
ORDER_BATCH = 50
EXPORT_BATCH = 200
EVENT_BATCH = 50
# After this many 404 responses in a row for its route (75 minutes of retry
# waits), an event stops retrying by itself. It can still be processed by hand.
EVENT_NOT_FOUND_ATTEMPTS = 5


def _batches(records, size):
    for start in range(0, len(records), size):
        yield records[start : start + size]


class HandooSync(models.AbstractModel):
    """The scheduled Handy jobs.

    Every job works company by company, in batches. After each batch it commits
    through ``ir.cron._commit_progress``; when the cron's time is up it stops
    and the cron runner calls it again. Pulls advance their cursor only once a
    whole window is read, and imports are idempotent by Handy id, so a job cut
    short reads part of a window again without doubling anything.
    """

    _name = "handoo.sync"
    _description = "Handy Sync Jobs"

    @api.model
    def _handoo_companies(self):
        companies = (
            self.env["res.company"].sudo().search([("handoo_sync_enabled", "=", True)])
        )
        return companies.filtered(lambda company: company._handoo_is_configured())

    @api.model
    def _handoo_for(self, company):
        """Return the jobs in the company's Handy language.

        Notes, route names and failure reasons keep the language they were
        written in, and product names are read and written in it. So the
        language must not depend on the user who runs the job.
        """
        return self.with_context(lang=company._handoo_lang())

    @api.model
    def _handoo_client(self, company):
        """Return a Handy client for the company, tuned by system parameters.

        ``handoo.http_timeout`` (seconds), ``handoo.http_retries`` and
        ``handoo.http_backoff`` (seconds) override the client's defaults.
        """
        company = company.sudo()
        params = self.env["ir.config_parameter"].sudo()
        return HandyClient(
            company.handoo_api_url,
            company.handoo_api_token,
            timeout=float(params.get_param("handoo.http_timeout", 30)),
            retries=int(params.get_param("handoo.http_retries", 4)),
            backoff_factor=float(params.get_param("handoo.http_backoff", 0.5)),
        )

    @api.model
    def _handoo_update_order_cron(self):
        """Run the order job at the shortest interval set on a synced company."""
        cron = self.env.ref("handoo.ir_cron_handoo_sync_from_orders", False)
        if not cron:
            return
        intervals = (
            self.env["res.company"]
            .sudo()
            .search([("handoo_sync_enabled", "=", True)])
            .mapped("handoo_order_interval")
        )
        minutes = min([interval for interval in intervals if interval] or [15])
        if cron.interval_number != minutes or cron.interval_type != "minutes":
            cron.sudo().write({"interval_number": minutes, "interval_type": "minutes"})

    @api.model
    def _handoo_commit(self, processed, remaining=None):
        """Commit a batch when running as a cron; return the seconds left.

        Outside a cron, from a button for instance, nothing is committed: the
        request's own transaction holds the work.
        """
        if not self.env.context.get("cron_id"):
            return float("inf")
        return self.env["ir.cron"]._commit_progress(processed, remaining=remaining)

    @api.model
    def _handoo_trigger_all(self):
        """Ask the cron runner to start every Handy job as soon as it can."""
        crons = (
            self.env["ir.cron"]
            .sudo()
            .search([("ir_actions_server_id.model_id.model", "=", self._name)])
        )
        for cron in crons:
            cron._trigger()

    # ------------------------------------------------------------------
    # Catalogs from Handy
    # ------------------------------------------------------------------

    @api.model
    def _cron_handoo_sync_from(self, kind):
        for company in self._handoo_companies():
            if not self._handoo_for(company)._handoo_pull_catalog(company, kind):
                return

    @api.model
    def _handoo_pull_catalog(self, company, kind):
        """Import the records of one catalog changed in Handy since the last pull.

        Disabled records are listed by Handy only on request, so enabled and
        disabled ones are read in two lists. Returns ``False`` when the cron's
        time ran out.
        """
        model = self.env[CATALOG_MODELS[kind]].with_company(company)
        cursor = self.env["handoo.sync.cursor"]._handoo_get(company, f"{kind}_from")
        end = fields.Datetime.now()
        start = cursor.last_end - OVERLAP if cursor.last_end else None
        run = self.env["handoo.sync.run"]._handoo_start(
            company, f"{kind}_from", start, end
        )
        stats = Counter()
        try:
            with self._handoo_client(company) as client:
                due = self._handoo_due_failures(company, [kind])
                if due:
                    self._handoo_retry_failures(company, due, client, run)
                records = []
                for enabled in ("true", "false"):
                    params = client.window(start, end) if start else {}
                    params["enabled"] = enabled
                    records += client.fetch_all(model._handoo_resource, params)
                stats["fetched"] = len(records)
                records = model._handoo_changed(company, records, stats)
                waiting = self._handoo_waiting_keys(
                    company, [f"{kind}:{data['id']}" for data in records]
                )
                records = [
                    data for data in records if f"{kind}:{data['id']}" not in waiting
                ]
                remaining = len(records)
                for batch in _batches(records, CATALOG_BATCH):
                    model._handoo_import(company, batch, stats, run)
                    remaining -= len(batch)
                    run._handoo_add(stats, client.request_count)
                    client.request_count = 0
                    time_left = self._handoo_commit(len(batch), remaining=remaining)
                    if remaining and not time_left:
                        run._handoo_finish(
                            self.env._(
                                "Time limit reached; the next run goes on from here."
                            )
                        )
                        return False
                cursor.last_end = end
                run._handoo_add(stats, client.request_count)
                _logger.info(
                    "Handy %s pull for %s: %s records read, %s failed",
                    kind,
                    company.name,
                    run.fetched,
                    run.failed,
                )
                run._handoo_finish()
        except HandyError as error:
            _logger.warning(
                "Handy %s pull for %s failed: %s", kind, company.name, error
            )
            run._handoo_add(stats)
            run._handoo_finish(
                self.env["handoo.sync.failure"]._handoo_reason(error), failed=True
            )
        return True

    # ------------------------------------------------------------------
    # Catalogs to Handy
    # ------------------------------------------------------------------

    @api.model
    def _cron_handoo_sync_to(self, kind):
        for company in self._handoo_companies():
            if not self._handoo_for(company)._handoo_push_catalog(company, kind):
                return

    @api.model
    def _handoo_push_catalog(self, company, kind):
        """Send new and changed records of one catalog to Handy.

        Returns ``False`` when the cron's time ran out.
        """
        model = self.env[CATALOG_MODELS[kind]].with_company(company)
        records = model.with_context(active_test=False).search(
            model._handoo_push_domain(company), order="id", limit=EXPORT_BATCH
        )
        records = self._handoo_without_pending_retry(company, records)
        if not records:
            return True
        self._handoo_commit(0, remaining=len(records))
        run = self.env["handoo.sync.run"]._handoo_start(company, f"{kind}_to")
        stats = Counter()
        try:
            with self._handoo_client(company) as client:
                records._handoo_export(company, client, stats, run)
                run._handoo_add(stats, client.request_count)
        except HandyError as error:
            run._handoo_add(stats)
            run._handoo_finish(
                self.env["handoo.sync.failure"]._handoo_reason(error), failed=True
            )
            return True
        _logger.info(
            "Handy %s push for %s: %s created, %s updated, %s failed",
            kind,
            company.name,
            run.created,
            run.updated,
            run.failed,
        )
        run._handoo_finish()
        return True

    @api.model
    def _handoo_without_pending_retry(self, company, records):
        """Drop the records whose last export failed and whose retry is not due."""
        waiting = self._handoo_waiting_keys(
            company, [f"export:{record._name}:{record.id}" for record in records]
        )
        return records.filtered(
            lambda record: f"export:{record._name}:{record.id}" not in waiting
        )

    # ------------------------------------------------------------------
    # Orders
    # ------------------------------------------------------------------

    @api.model
    def _cron_handoo_sync_orders(self):
        for company in self._handoo_companies():
            if not self._handoo_for(company)._handoo_pull_orders(company):
                return

    @api.model
    def _handoo_pull_orders(self, company):
        """Import the pre-sale orders created or deleted in Handy since the last pull.

        Each window's order lists are read once and kept on the cursor, and
        batches are applied from there. A call that runs out of time leaves the
        rest to the next call, which does not read the lists again. Returns
        ``False`` when the cron's time ran out.
        """
        cursor = self.env["handoo.sync.cursor"]._handoo_get(company, "order_from")
        end = fields.Datetime.now()
        if cursor.stage_end:
            start = cursor.stage_start
        elif cursor.last_end:
            start = cursor.last_end - OVERLAP
        else:
            start = end - FIRST_ORDER_WINDOW
        run = self.env["handoo.sync.run"]._handoo_start(
            company, "order_from", start, end
        )
        stats = Counter()
        unreadable = 0
        try:
            with self._handoo_client(company) as client:
                window_start = start
                while window_start < end:
                    if cursor.stage_end:
                        window_end = cursor.stage_end
                    else:
                        window_end = min(window_start + MAX_ORDER_WINDOW, end)
                        unreadable += self._handoo_stage_order_window(
                            company, client, stats, window_start, window_end, cursor
                        )
                    if not self._handoo_apply_order_stage(
                        company, client, run, stats, cursor
                    ):
                        run._handoo_finish(
                            self.env._(
                                "Time limit reached; the next run goes on from here."
                            )
                        )
                        return False
                    cursor.last_end = window_end
                    window_start = window_end
                run._handoo_add(stats, client.request_count)
                _logger.info(
                    "Handy order pull for %s: %s orders read, %s created, %s replaced, "
                    "%s cancelled, %s failed, %s Handy calls",
                    company.name,
                    run.fetched,
                    run.created,
                    run.replaced,
                    run.cancelled,
                    run.failed,
                    run.http_requests,
                )
                message = None
                if unreadable:
                    message = self.env._(
                        "%(count)s entries of Handy's order lists were not orders "
                        "with an id, so they were left out; the server log shows "
                        "them.",
                        count=unreadable,
                    )
                run._handoo_finish(message)
        except HandyError as error:
            _logger.warning("Handy order pull for %s failed: %s", company.name, error)
            run._handoo_add(stats)
            run._handoo_finish(
                self.env["handoo.sync.failure"]._handoo_reason(error), failed=True
            )
        return True

    @api.model
    def _handoo_stage_order_window(self, company, client, stats, start, end, cursor):
        """Read the orders of one window and keep them on the cursor, in order.

        Live orders come oldest first, then the deletions: an edit replaces its
        quotation before the deletion of its old version is read. Returns how
        many list entries were left out as unreadable.
        """
        resource = contract.SALES_ORDERS
        live = client.fetch_all(
            resource,
            dict(
                client.window(start, end, contract.FILTER_DATE_CREATED),
                deleted="false",
                salesType="PRESALE",
            ),
        )
        deleted = client.fetch_all(
            resource,
            dict(
                client.window(start, end, contract.FILTER_DATE_DELETED),
                deleted="true",
                salesType="PRESALE",
            ),
        )
        stats["fetched"] += len(live) + len(deleted)
        read = len(live) + len(deleted)
        live = self._handoo_readable(company, live, stats)
        deleted = self._handoo_readable(company, deleted, stats)
        live.sort(key=lambda order: (str(order.get("dateCreated")), str(order["id"])))
        deleted.sort(
            key=lambda order: (str(order.get("dateDeleted")), str(order["id"]))
        )
        cursor._handoo_keep(start, end, live + deleted)
        # From here on, a crash resumes without reading Handy's lists again.
        self._handoo_commit(0)
        return read - len(live) - len(deleted)

    @api.model
    def _handoo_readable(self, company, records, stats):
        """Drop, with a warning, the list entries that are not records with an id.

        Such an entry has no key, so it cannot be parked as a failure. The run
        counts it as failed, and the warning logs its start.
        """
        readable = []
        for record in records:
            if isinstance(record, dict) and record.get("id") not in (None, ""):
                readable.append(record)
                continue
            _logger.warning(
                "Invalid entry without an id in a Handy list for %s, left out: %.200r",
                company.name,
                record,
            )
            stats["failed"] += 1
        return readable

    @api.model
    def _handoo_apply_order_stage(self, company, client, run, stats, cursor):
        """Import the orders kept on the cursor, batch by batch.

        Returns ``False`` when time ran out with orders left. The cursor keeps
        how many are done, so the next call goes on with the others.
        """
        total = cursor.stage_total
        done = cursor.stage_done
        importer = OrderImporter(self.env, company, client, stats, run)
        while done < total:
            batch = cursor._handoo_stage_slice(done, ORDER_BATCH)
            if not batch:
                break
            done += len(batch)
            remaining = total - done
            live = [order for order in batch if not order.get("deleted")]
            # Orders applied meanwhile (by a route, or in an earlier call that
            # crashed before saving its progress) are left out here.
            todo = self._handoo_orders_to_apply(company, live, stats)
            todo += [order for order in batch if order.get("deleted")]
            if todo:
                importer = self._handoo_import_orders(importer, todo, stats)
            cursor.stage_done = done
            _logger.info(
                "Handy order batch for %s: %s orders applied, %s left in the window",
                company.name,
                len(todo),
                remaining,
            )
            # Commit the quotations before Handy is told their Odoo ids.
            time_left = self._handoo_commit(len(batch), remaining=remaining)
            self._handoo_send_references(company, client, run)
            run._handoo_add(stats, client.request_count)
            client.request_count = 0
            self._handoo_commit(0, remaining=remaining)
            if remaining and not time_left:
                return False
        return True

    @api.model
    def _handoo_import_orders(self, importer, payloads, stats):
        """Import a batch, or its orders one by one when the batch fails as a whole.

        The importer parks the orders it cannot map, but an unexpected error
        would otherwise stop the same batch at every call. Returns the importer
        to go on with: a new one after a failure, because the records it
        cached may have been rolled back.
        """
        counted = Counter(stats)
        try:
            with self.env.cr.savepoint():
                importer.import_batch(payloads)
            return importer
        except Exception:  # noqa: BLE001 - imported order by order just below
            _logger.warning(
                "A batch of %s Handy orders failed as a whole; importing them one "
                "by one",
                len(payloads),
                exc_info=True,
            )
        stats.clear()
        stats.update(counted)
        company, client, run = importer.company, importer.client, importer.run
        importer = OrderImporter(self.env, company, client, stats, run)
        for payload in payloads:
            try:
                with self.env.cr.savepoint():
                    importer.import_batch([payload])
            except Exception as error:  # noqa: BLE001 - one bad order never stops the batch
                importer = OrderImporter(self.env, company, client, stats, run)
                importer._park(payload, error)
        return importer

    @api.model
    def _handoo_orders_to_apply(self, company, payloads, stats):
        """Leave out the live orders already imported with the same Handy status.

        Orders read again through the overlap of two pulls, or by a pull that
        resumes after running out of time, cost one query for the whole list.
        """
        known = {}
        ids = [str(payload["id"]) for payload in payloads]
        for start in range(0, len(ids), 1000):
            rows = self.env["sale.order"].search_read(
                [
                    ("handoo_company_id", "=", company.id),
                    ("handoo_id", "in", ids[start : start + 1000]),
                ],
                ["handoo_id", "handoo_status"],
            )
            known.update((row["handoo_id"], row["handoo_status"]) for row in rows)
        waiting = self._handoo_waiting_keys(company, [f"order:{key}" for key in ids])
        todo = []
        for payload in payloads:
            key = str(payload["id"])
            if key in known and known[key] == (payload.get("operativeStatus") or False):
                stats["unchanged"] += 1
            elif f"order:{key}" not in waiting:
                # An order whose retry is not due yet waits for the retry job.
                todo.append(payload)
        return todo

    @api.model
    def _handoo_waiting_keys(self, company, keys):
        """Return the keys among ``keys`` whose last sync failed, retry not yet due."""
        if not keys:
            return set()
        failures = self.env["handoo.sync.failure"].search_read(
            [
                ("company_id", "=", company.id),
                ("key", "in", keys),
                ("state", "=", "to_retry"),
                ("next_retry", ">", fields.Datetime.now()),
            ],
            ["key"],
        )
        return {failure["key"] for failure in failures}

    @api.model
    def _handoo_send_references(self, company, client, run=None, limit=None):
        """Write the Odoo id of newly imported orders on their Handy order."""
        orders = self.env["sale.order"].search(
            [
                ("handoo_company_id", "=", company.id),
                ("handoo_reference_pending", "=", True),
            ],
            limit=limit,
        )
        failures = self.env["handoo.sync.failure"]
        waiting = self._handoo_waiting_keys(
            company, [f"order_reference:{order.handoo_id}" for order in orders]
        )
        sent = {}
        for order in orders:
            key = f"order_reference:{order.handoo_id}"
            if key in waiting:
                continue  # it failed lately; the retry job sends it when due
            if order.state == "cancel":
                # A replaced or deleted version: Handy no longer shows it.
                order.handoo_reference_pending = False
                continue
            try:
                client.set_order_external_id(order.handoo_id, order.id)
            except HandyNotFoundError:
                order.handoo_reference_pending = False
                continue
            except HandyError as error:
                failures._handoo_record(
                    company,
                    kind="order_reference",
                    key=key,
                    reference=order.handoo_id,
                    reason=failures._handoo_reason(error),
                    payload=None,
                    run=run,
                    record=order,
                )
                if error.retryable:
                    break
                continue
            order.handoo_reference_pending = False
            sent[key] = order
        failures._handoo_resolve(company, sent)
        return sent

    # ------------------------------------------------------------------
    # Retries
    # ------------------------------------------------------------------

    @api.model
    def _cron_handoo_retry_orders(self):
        for company in self._handoo_companies():
            self._handoo_for(company)._handoo_retry_orders(company)

    @api.model
    def _handoo_retry_orders(self, company):
        """Retry the company's failed orders that are due, and send pending ids."""
        due = self._handoo_due_failures(company, ["order", "order_reference"])
        pending = self.env["sale.order"].search_count(
            [
                ("handoo_company_id", "=", company.id),
                ("handoo_reference_pending", "=", True),
            ],
            limit=1,
        )
        if not due and not pending:
            return
        run = self.env["handoo.sync.run"]._handoo_start(company, "order_retry")
        try:
            with self._handoo_client(company) as client:
                resolved = self._handoo_retry_failures(company, due, client, run)
                self._handoo_send_references(company, client, run)
                run._handoo_add(Counter(), client.request_count)
        except HandyError as error:
            run._handoo_finish(
                self.env["handoo.sync.failure"]._handoo_reason(error), failed=True
            )
            return
        _logger.info(
            "Handy retry for %s: %s of %s failed records synced",
            company.name,
            len(resolved),
            len(due),
        )
        run._handoo_finish()

    @api.model
    def _handoo_due_failures(self, company, kinds, limit=ORDER_BATCH):
        return self.env["handoo.sync.failure"].search(
            [
                ("company_id", "=", company.id),
                ("kind", "in", kinds),
                ("state", "=", "to_retry"),
                ("direction", "=", "from"),
                ("next_retry", "<=", fields.Datetime.now()),
            ],
            order="next_retry",
            limit=limit,
        )

    @api.model
    def _handoo_retry_failures(self, company, failures, client=None, run=None):
        """Sync again the records of these failures; return the ones resolved.

        Each record is read again from Handy first, so a retry applies Handy's
        latest data rather than the data that failed.
        """
        if not failures:
            return failures
        if client is None:
            with self._handoo_client(company) as own_client:
                return self._handoo_retry_failures(company, failures, own_client, run)
        stats = Counter()
        for failure in failures:
            try:
                self._handoo_retry_one(company, failure, client, stats, run)
            except HandyError as error:
                failure._handoo_record(
                    company,
                    kind=failure.kind,
                    key=failure.key,
                    reference=failure.reference,
                    reason=failure._handoo_reason(error),
                    payload=None,
                    run=run,
                )
        if run:
            run._handoo_add(stats)
        return failures.filtered(lambda failure: failure.state == "resolved")

    @api.model
    def _handoo_retry_one(self, company, failure, client, stats, run):
        if failure.direction == "to":
            record = self.env[failure.res_model].browse(failure.res_id).exists()
            if not record:
                failure.write({"state": "dismissed", "next_retry": False})
                return
            record.with_company(company)._handoo_export(company, client, stats, run)
            return
        handy_id = failure.key.split(":", 1)[1]
        if failure.kind == "order_reference":
            order = self.env["sale.order"].search(
                [("handoo_company_id", "=", company.id), ("handoo_id", "=", handy_id)],
                limit=1,
            )
            if order:
                order.handoo_reference_pending = True
            self._handoo_send_references(company, client, run)
            if not order or not order.handoo_reference_pending:
                failure.write({"state": "resolved", "next_retry": False})
            return
        if failure.kind == "order":
            payload = client.get_record(contract.SALES_ORDERS, handy_id)
            OrderImporter(self.env, company, client, stats, run).import_batch([payload])
            return
        if failure.kind == "route":
            data = client.get_record(contract.ROUTES, handy_id)
            self._handoo_apply_routes(company, client, [data], stats, run)
            return
        model = self.env[CATALOG_MODELS[failure.kind]].with_company(company)
        # Customers and products are addressed by code in Handy's URLs.
        remote_key = (
            failure.reference if failure.kind in ("customer", "product") else handy_id
        )
        payload = client.get_record(model._handoo_resource, remote_key)
        model._handoo_import(company, [payload], stats, run)

    # ------------------------------------------------------------------
    # Routes
    # ------------------------------------------------------------------

    @api.model
    def _cron_handoo_sync_routes(self):
        for company in self._handoo_companies():
            self._handoo_for(company)._handoo_pull_routes(company)

    @api.model
    def _handoo_pull_routes(self, company):
        """Apply the routes changed in Handy since the last pull.

        This is the safety net of the route webhooks: a route whose events never
        came is applied here within one interval. Routes already applied as far
        as Handy reports cost no more than a comparison.
        """
        cursor = self.env["handoo.sync.cursor"]._handoo_get(company, "route_from")
        end = fields.Datetime.now()
        start = (
            cursor.last_end - OVERLAP if cursor.last_end else end - FIRST_ORDER_WINDOW
        )
        run = self.env["handoo.sync.run"]._handoo_start(
            company, "route_from", start, end
        )
        stats = Counter()
        try:
            with self._handoo_client(company) as client:
                due = self._handoo_due_failures(company, ["route"])
                if due:
                    self._handoo_retry_failures(company, due, client, run)
                routes = {}
                for date_field in (
                    contract.FILTER_LAST_UPDATED,
                    contract.FILTER_DATE_CLOSED,
                ):
                    params = dict(
                        client.window(start, end, date_field), includeSalesOrders="true"
                    )
                    for data in client.fetch_all(contract.ROUTES, params):
                        routes[data["id"]] = data
                stats["fetched"] = len(routes)
                self._handoo_apply_routes(
                    company, client, list(routes.values()), stats, run
                )
                self._handoo_send_references(company, client, run)
                cursor.last_end = end
                run._handoo_add(stats, client.request_count)
                _logger.info(
                    "Handy route pull for %s: %s routes read, %s failed",
                    company.name,
                    run.fetched,
                    run.failed,
                )
                run._handoo_finish()
        except HandyError as error:
            _logger.warning("Handy route pull for %s failed: %s", company.name, error)
            run._handoo_add(stats)
            run._handoo_finish(
                self.env["handoo.sync.failure"]._handoo_reason(error), failed=True
            )

    @api.model
    def _handoo_apply_routes(self, company, client, routes, stats, run=None):
        """Apply Handy routes one by one; park those that fail."""
        failures = self.env["handoo.sync.failure"]
        processor = RouteProcessor(self.env, company, client, stats, run)
        applied = {}
        for data in routes:
            key = f"route:{data['id']}"
            try:
                with self.env.cr.savepoint():
                    applied[key] = processor.sync(data)
            except Exception as error:  # noqa: BLE001 - one bad route never stops the others
                _logger.warning(
                    "Handy route %s could not be applied: %s", data["id"], error
                )
                stats["failed"] += 1
                failures._handoo_record(
                    company,
                    kind="route",
                    key=key,
                    reference=str(data["id"]),
                    reason=failures._handoo_reason(error),
                    payload=data,
                    run=run,
                )
                continue
            self._handoo_commit(1)
        failures._handoo_resolve(company, applied)
        return applied

    @api.model
    def _handoo_sync_route_now(self, route):
        company = route.company_id
        try:
            with self._handoo_client(company) as client:
                data = client.get_record(contract.ROUTES, route.handoo_id)
                stats = Counter()
                applied = self._handoo_apply_routes(company, client, [data], stats)
        except HandyError as error:
            failures = self.env["handoo.sync.failure"].with_context(handoo_by_hand=True)
            raise UserError(failures._handoo_reason(error)) from None
        if not applied:
            failure = self.env["handoo.sync.failure"].search(
                [
                    ("company_id", "=", company.id),
                    ("key", "=", f"route:{route.handoo_id}"),
                    ("state", "=", "to_retry"),
                ],
                limit=1,
            )
            raise UserError(
                self.env._(
                    "The route could not be applied: %(reason)s", reason=failure.reason
                )
            )

    # ------------------------------------------------------------------
    # Webhook events
    # ------------------------------------------------------------------

    @api.model
    def _cron_handoo_process_events(self):
        events = self.env["handoo.webhook.event"]
        now = fields.Datetime.now()
        due = events.search(
            [
                # Events of a company whose sync is off or not configured stay
                # stored, and the batch goes to the other companies meanwhile.
                ("company_id", "in", self._handoo_companies().ids),
                "|",
                ("state", "=", "pending"),
                "&",
                ("state", "=", "failed"),
                ("next_retry", "<=", now),
            ],
            order="received_at, id",
            limit=EVENT_BATCH,
        )
        for company, company_events in due.grouped("company_id").items():
            self._handoo_for(company)._handoo_process_events(company, company_events)

    @api.model
    def _handoo_process_events(self, company, events):
        """Apply the routes of these events, each event once, committing each."""
        run = self.env["handoo.sync.run"]._handoo_start(company, "event_process")
        stats = Counter()
        failures = self.env["handoo.sync.failure"]
        try:
            with self._handoo_client(company) as client:
                processor = RouteProcessor(self.env, company, client, stats, run)
                for event in events:
                    if not event.try_lock_for_update():
                        continue  # another worker is processing it
                    self._handoo_process_event(processor, client, event, failures)
                    stats["fetched"] += 1
                    self._handoo_commit(1)
                # Route sales became orders: tell Handy their Odoo ids.
                self._handoo_send_references(company, client, run)
                run._handoo_add(stats, client.request_count)
        except HandyError as error:
            run._handoo_add(stats)
            run._handoo_finish(
                self.env["handoo.sync.failure"]._handoo_reason(error), failed=True
            )
            return
        run._handoo_finish()

    @api.model
    def _handoo_process_event(self, processor, client, event, failures):
        route_read = False
        try:
            with self.env.cr.savepoint():
                data = client.get_record(contract.ROUTES, event.route_handoo_id)
                route_read = True
                route = processor.sync(data)
        except Exception as error:  # noqa: BLE001 - the event stays, with its reason
            attempts = event.attempts + 1
            # Only 404 responses in a row for the route itself count towards
            # giving up. Handy being down, or a missing order of the route,
            # resets the count.
            not_found = (
                event.not_found_attempts + 1
                if isinstance(error, HandyNotFoundError) and not route_read
                else 0
            )
            reason = failures._handoo_reason(error)
            next_retry = failures._handoo_next_retry(attempts)
            if not_found >= EVENT_NOT_FOUND_ATTEMPTS:
                next_retry = False
                reason = self.env._(
                    "Handy has no route %(route)s after %(attempts)s attempts, so "
                    "automatic retries stopped. Retry by hand if the route appears "
                    "in Handy. %(reason)s",
                    route=event.route_handoo_id,
                    attempts=not_found,
                    reason=reason,
                )
            _logger.warning(
                "Handy webhook event %s (route %s) failed: %s",
                event.event_id,
                event.route_handoo_id,
                reason,
            )
            event.write(
                {
                    "state": "failed",
                    "attempts": attempts,
                    "not_found_attempts": not_found,
                    "error": reason,
                    "next_retry": next_retry,
                }
            )
            processor.stats["failed"] += 1
            return
        event.write(
            {
                "state": "done",
                "route_id": route.id,
                "attempts": event.attempts + 1,
                "processed_at": fields.Datetime.now(),
                "error": False,
                "next_retry": False,
            }
        )
        failures._handoo_resolve(event.company_id, {f"route:{route.handoo_id}": route})
