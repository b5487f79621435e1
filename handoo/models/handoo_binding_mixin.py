import hashlib
import json
import logging

from odoo import api, fields, models

from ..handy_api import HandyNotFoundError, contract, parse_datetime

_logger = logging.getLogger(__name__)


class HandooBindingMixin(models.AbstractModel):
    """Link between an Odoo record and one Handy record, and its catalog sync.

    A model that inherits this mixin sets the class attributes below and overrides
    the ``_handoo_*`` hooks. Records are matched by Handy id within the company of
    the Handy connection; each model declares the database-level unique index on
    ``(handoo_company_id, handoo_id)``.
    """

    _name = "handoo.binding.mixin"
    _description = "Handy Binding"

    # Key of the record kind, used in sync logs and failure keys.
    _handoo_kind = None
    # (path, list key) of the Handy resource, from ``handy_api.contract``.
    _handoo_resource = None
    # Odoo is master of these fields: changing one marks the record for SYNC TO.
    _handoo_pushed_fields = ()

    handoo_id = fields.Char(string="Handy ID", copy=False, readonly=True)
    handoo_company_id = fields.Many2one(
        comodel_name="res.company",
        string="Handy Account Company",
        copy=False,
        readonly=True,
        index="btree_not_null",
    )
    handoo_updated = fields.Datetime(
        string="Updated in Handy",
        copy=False,
        readonly=True,
        help="Handy's last update time of the record, as Handy reported it.",
    )
    handoo_last_sync = fields.Datetime(
        string="Last Handy Sync", copy=False, readonly=True
    )
    handoo_sync_pending = fields.Boolean(
        string="Changes to Send to Handy",
        copy=False,
        readonly=True,
        help="Set when a field that Odoo is master of changes; the next "
        "HANDY SYNC TO job sends the record and clears it.",
    )
    handoo_digest = fields.Char(
        string="Handy Data Fingerprint",
        copy=False,
        readonly=True,
        help="Fingerprint of the Handy data last applied, to skip unchanged records.",
    )
    handoo_url = fields.Char(string="Open in Handy", compute="_compute_handoo_url")

    @api.depends("handoo_id", "handoo_company_id.handoo_web_url")
    def _compute_handoo_url(self):
        path = contract.WEB_PATHS.get(self._handoo_kind)
        for record in self:
            web_url = record.handoo_company_id.handoo_web_url
            if path and record.handoo_id and web_url:
                record.handoo_url = web_url.rstrip("/") + path.format(
                    id=record.handoo_id
                )
            else:
                record.handoo_url = False

    def write(self, vals):
        if (
            self._handoo_pushed_fields
            and not self.env.context.get("handoo_sync")
            and "handoo_sync_pending" not in vals
            and any(name in vals for name in self._handoo_pushed_fields)
        ):
            vals = dict(vals, handoo_sync_pending=True)
        return super().write(vals)

    # ------------------------------------------------------------------
    # Hooks
    # ------------------------------------------------------------------

    def _handoo_prepare_vals(self, company, data):
        """Return the values to write from a Handy record.

        Called on an empty recordset to create a record, in which case every
        mapped field is returned, or on the bound record to update it, in which
        case only the fields that Handy is master of are returned.
        """
        raise NotImplementedError

    @api.model
    def _handoo_match(self, company, data):
        """Return an existing Odoo record not yet bound that stands for ``data``."""
        return self.browse()

    def _handoo_prepare_payload(self):
        """Return the body that creates or updates this record in Handy."""
        raise NotImplementedError

    def _handoo_remote_key(self):
        """Return the id or code that addresses this record in Handy's URLs."""
        return self.handoo_id

    @api.model
    def _handoo_push_domain(self, company):
        """Domain of the records SYNC TO sends for ``company``."""
        return [
            ("handoo_company_id", "in", [company.id, False]),
            "|",
            ("handoo_id", "=", False),
            ("handoo_sync_pending", "=", True),
        ]

    def _handoo_binding_vals(self, company, data):
        return {
            "handoo_id": str(data["id"]),
            "handoo_company_id": company.id,
            "handoo_updated": parse_datetime(data.get("lastUpdated")),
            "handoo_digest": payload_digest(data),
            "handoo_last_sync": fields.Datetime.now(),
        }

    @api.model
    def _handoo_changed(self, company, payloads, stats):
        """Return the Handy records that differ from what Odoo last applied.

        Records read again through the overlap of two pulls, or by a pull that
        resumes after running out of time, are counted as unchanged and left out.
        """
        known = {}
        ids = [str(data["id"]) for data in payloads]
        for start in range(0, len(ids), 1000):
            rows = self.with_context(active_test=False).search_read(
                [
                    ("handoo_company_id", "=", company.id),
                    ("handoo_id", "in", ids[start : start + 1000]),
                ],
                ["handoo_id", "handoo_digest"],
            )
            known.update((row["handoo_id"], row["handoo_digest"]) for row in rows)
        changed = []
        for data in payloads:
            if known.get(str(data["id"])) == payload_digest(data):
                stats["unchanged"] += 1
            else:
                changed.append(data)
        return changed

    # ------------------------------------------------------------------
    # Handy to Odoo
    # ------------------------------------------------------------------

    @api.model
    def _handoo_find(self, company, handy_ids):
        """Return ``{handy id: record}`` for the records bound to these ids."""
        records = self.with_context(active_test=False).search(
            [
                ("handoo_company_id", "=", company.id),
                ("handoo_id", "in", [str(handy_id) for handy_id in handy_ids]),
            ]
        )
        return {record.handoo_id: record for record in records}

    @api.model
    def _handoo_import(self, company, payloads, stats, run=None):
        """Create or update Odoo records from Handy records, one savepoint each.

        A record that fails is parked in the sync failures with its payload and
        the batch goes on. Returns ``{handy id: record}`` for the records that
        were imported.
        """
        failures = self.env["handoo.sync.failure"]
        existing = self._handoo_find(company, [data["id"] for data in payloads])
        imported = {}
        for data in payloads:
            key = f"{self._handoo_kind}:{data['id']}"
            try:
                with self.env.cr.savepoint():
                    record = self._handoo_import_one(
                        company, data, existing.get(str(data["id"])), stats
                    )
            except Exception as error:  # noqa: BLE001 - one bad record never stops the batch
                _logger.warning(
                    "Handy %s %s could not be imported: %s",
                    self._handoo_kind,
                    data.get("id"),
                    error,
                )
                stats["failed"] += 1
                failures._handoo_record(
                    company,
                    kind=self._handoo_kind,
                    key=key,
                    reference=data.get("code") or data.get("description") or "",
                    reason=failures._handoo_reason(error),
                    payload=data,
                    run=run,
                )
                continue
            imported[str(data["id"])] = record
        failures._handoo_resolve(
            company,
            {f"{self._handoo_kind}:{key}": rec for key, rec in imported.items()},
        )
        return imported

    def _handoo_import_one(self, company, data, record, stats):
        handy_updated = parse_datetime(data.get("lastUpdated"))
        enabled = data.get("enabled", True) is not False
        syncing = self.with_context(handoo_sync=True)
        if not record:
            record = syncing._handoo_match(company, data)
            if record:
                vals = record._handoo_prepare_vals(company, data)
                vals.update(self._handoo_binding_vals(company, data))
                record.with_context(handoo_sync=True).write(vals)
                stats["linked"] += 1
                return record
            vals = syncing._handoo_prepare_vals(company, data)
            vals.update(self._handoo_binding_vals(company, data))
            vals["active"] = enabled
            stats["created"] += 1
            return syncing.create(vals)
        if record.handoo_digest == payload_digest(data) or (
            handy_updated
            and record.handoo_updated
            and handy_updated < record.handoo_updated
        ):
            # The same data again, or an older copy read after a newer one.
            stats["unchanged"] += 1
            return record
        vals = record._handoo_prepare_vals(company, data)
        vals.update(self._handoo_binding_vals(company, data))
        # Enabled and active mirror each other; an Odoo change not yet sent wins.
        if record.active != enabled and not record.handoo_sync_pending:
            vals["active"] = enabled
            stats["archived" if not enabled else "restored"] += 1
        else:
            stats["updated"] += 1
        record.with_context(handoo_sync=True).write(vals)
        return record

    @api.model
    def _handoo_fetch(self, company, client, handy_key, stats):
        """Read one record from Handy by id or code, import it and return it.

        Used for records that an order refers to and Odoo does not know yet. The
        caller holds the savepoint, so an error here fails the caller's record.

        :raises HandyNotFoundError: when Handy does not have the record
        """
        data = client.get_record(self._handoo_resource, handy_key)
        existing = self._handoo_find(company, [data["id"]]).get(str(data["id"]))
        return self._handoo_import_one(company, data, existing, stats)

    # ------------------------------------------------------------------
    # Odoo to Handy
    # ------------------------------------------------------------------

    def _handoo_export(self, company, client, stats, run=None):
        """Create or update these records in Handy, one at a time.

        The Handy id is written as soon as Handy returns it, and the cron commits
        after each record, so a crash never makes a record be created twice.
        """
        failures = self.env["handoo.sync.failure"]
        for record in self:
            key = f"export:{record._name}:{record.id}"
            created = not record.handoo_id
            try:
                with self.env.cr.savepoint():
                    data = record._handoo_send(company, client)
                    record.with_context(handoo_sync=True).write(
                        dict(
                            record._handoo_binding_vals(company, data),
                            handoo_sync_pending=False,
                            **record._handoo_vals_after_send(data),
                        )
                    )
            except Exception as error:  # noqa: BLE001 - one bad record never stops the batch
                _logger.warning(
                    "%s %s could not be sent to Handy: %s",
                    record._name,
                    record.id,
                    error,
                )
                stats["failed"] += 1
                failures._handoo_record(
                    company,
                    kind=self._handoo_kind,
                    key=key,
                    reference=record.display_name,
                    reason=failures._handoo_reason(error),
                    payload=None,
                    run=run,
                    record=record,
                )
                continue
            stats["created" if created else "updated"] += 1
            failures._handoo_resolve(company, {key: record})
            self.env["handoo.sync"]._handoo_commit(1)

    def _handoo_send(self, company, client):
        """Send this record to Handy and return Handy's copy of it."""
        self.ensure_one()
        payload = self._handoo_prepare_payload()
        if self.handoo_id:
            return client.update_record(
                self._handoo_resource, self._handoo_remote_key(), payload
            )
        existing = self._handoo_find_remote(client, payload)
        if existing:
            # Already in Handy (created by hand, or by a run that crashed before
            # it could save the id): link to it and send the changes.
            self.with_context(handoo_sync=True).write(
                {"handoo_id": str(existing["id"]), "handoo_company_id": company.id}
            )
            return client.update_record(
                self._handoo_resource, self._handoo_remote_key(), payload
            )
        return client.create_record(self._handoo_resource, payload)

    def _handoo_find_remote(self, client, payload):
        """Return the Handy record that has this record's code, if any."""
        code = payload.get("code")
        if not code:
            return None
        try:
            return client.get_record(self._handoo_resource, code)
        except HandyNotFoundError:
            return None

    def _handoo_vals_after_send(self, data):
        """Return extra values to store from Handy's answer to a create or update."""
        return {}


def payload_digest(payload):
    """Return a fingerprint of a Handy record that ignores key order."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def payload_to_text(payload):
    """Return a Handy payload as indented JSON for the sync log."""
    if payload is None:
        return False
    return json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True)
