#!/usr/bin/env python3
"""Install handoo in a fresh Odoo 19 database, run its tests, then uninstall it.

Each step runs Odoo as a separate process and keeps its log under ``.logs/``.
The script fails when a step fails, when installing logs a warning or an error,
when a handoo test fails, errors or is skipped, or when no handoo test ran.

Odoo reaches PostgreSQL as ``psql`` would: through the ``PGHOST``, ``PGPORT``,
``PGUSER`` and ``PGPASSWORD`` environment variables when they are set.
"""

import argparse
import os
import re
import subprocess
import sys

from odoo_env import REPO, addons_path, check_odoo

LOGS = REPO / ".logs"
LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (?P<level>[A-Z]+) (?P<db>\S+) "
    r"(?P<logger>\S+): (?P<message>.*)$"
)
# Lines Odoo logs at WARNING on any install, unrelated to the module installed.
IGNORED_INSTALL_WARNINGS = ("Running as user 'root'",)


def run_odoo(args, log_name):
    """Run Odoo with ``args``, keep its output in ``.logs/log_name``, return both."""
    LOGS.mkdir(exist_ok=True)
    log_path = LOGS / log_name
    command = [sys.executable, "-m", "odoo", *args]
    print(f"$ {' '.join(command)}\n  log: {log_path.relative_to(REPO)}", flush=True)
    with open(log_path, "w", encoding="utf-8") as log_file:
        process = subprocess.run(
            command, stdout=log_file, stderr=subprocess.STDOUT, cwd=REPO, check=False
        )
    return process.returncode, log_path.read_text(encoding="utf-8", errors="replace")


def log_records(text):
    """Yield ``(level, logger, message)`` for each log line of an Odoo run."""
    for line in text.splitlines():
        match = LOG_LINE.match(line)
        if match:
            yield match["level"], match["logger"], match["message"]


def fail(message, log_text=None):
    if log_text:
        tail = "\n".join(log_text.splitlines()[-60:])
        print(f"--- last lines of the log ---\n{tail}\n---", file=sys.stderr)
    print(f"FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default=os.environ.get("HANDOO_TEST_DB", "handoo_test"))
    parser.add_argument(
        "--http-port", default=os.environ.get("HANDOO_TEST_PORT", "8169")
    )
    parser.add_argument("--tags", default="/handoo", help="Odoo --test-tags value")
    parser.add_argument("--keep-db", action="store_true", help="keep the database")
    options = parser.parse_args()

    check_odoo()
    common = [f"--addons-path={addons_path()}"]
    server = [
        *common,
        "--http-interface=127.0.0.1",
        f"--http-port={options.http_port}",
        "--stop-after-init",
        "--log-level=info",
        "--max-cron-threads=0",
    ]

    print(f"== Fresh database {options.db} (company in Mexico)", flush=True)
    code, text = run_odoo(
        ["db", *common, "init", options.db, "--country", "MX", "--force"], "init.log"
    )
    if code:
        fail("creating the database failed", text)

    print("== Install handoo", flush=True)
    code, text = run_odoo([*server, "-d", options.db, "-i", "handoo"], "install.log")
    if code:
        fail("installing handoo failed", text)
    noisy = [
        f"{level} {logger}: {message}"
        for level, logger, message in log_records(text)
        if level in ("WARNING", "ERROR", "CRITICAL")
        and not message.startswith(IGNORED_INSTALL_WARNINGS)
    ]
    if noisy:
        fail("installing handoo logged warnings or errors:\n" + "\n".join(noisy))
    print("   installed without warnings", flush=True)

    print(f"== Tests {options.tags}", flush=True)
    code, text = run_odoo(
        [*server, "-d", options.db, "--test-tags", options.tags], "tests.log"
    )
    records = list(log_records(text))
    problems = [
        f"{level} {logger}: {message}"
        for level, logger, message in records
        if level in ("ERROR", "CRITICAL")
        or (logger.startswith("odoo.addons.handoo") and message.startswith("skipped "))
    ]
    started = sum(
        1
        for _level, logger, message in records
        if logger.startswith("odoo.addons.handoo.tests")
        and message.startswith("Starting ")
    )
    if code or problems:
        fail("handoo tests failed:\n" + "\n".join(problems[:40]), text)
    if not started:
        fail("no handoo test ran", text)
    print(f"   {started} handoo tests passed", flush=True)

    print("== Uninstall handoo", flush=True)
    code, text = run_odoo(
        [*common, "module", "uninstall", "-d", options.db, "handoo"], "uninstall.log"
    )
    errors = [
        f"{level} {logger}: {message}"
        for level, logger, message in log_records(text)
        if level in ("ERROR", "CRITICAL")
    ]
    if code or errors:
        fail("uninstalling handoo failed:\n" + "\n".join(errors), text)
    print("   uninstalled cleanly", flush=True)

    if not options.keep_db:
        run_odoo(["db", *common, "drop", options.db], "drop.log")


if __name__ == "__main__":
    main()
