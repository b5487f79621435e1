#!/usr/bin/env python3
"""Start the Handy sandbox and Odoo on the demo database, until Ctrl-C.

The sandbox starts from the state ``make demo`` saved, so the "Open in Handy"
links of the demo's records land on the same records. Odoo runs its cron
workers, so the Handy jobs keep running against the sandbox.
"""

import argparse
import signal
import subprocess
import sys

from odoo_env import REPO, addons_path, check_odoo, odoo_command

STATE = REPO / ".demo" / "sandbox.json"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="handoo_demo")
    parser.add_argument("--sandbox-port", type=int, default=8765)
    parser.add_argument("--odoo-port", type=int, default=8069)
    args = parser.parse_args()
    check_odoo()
    if not STATE.exists():
        sys.exit("Run `make demo` first: it creates the database and the sandbox data.")

    sandbox = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "handy_sandbox",
            "--port",
            str(args.sandbox_port),
            "--token",
            "demo-token",
            "--state-file",
            str(STATE),
        ],
        cwd=REPO / "handoo",
    )
    try:
        print(
            f"Odoo: http://127.0.0.1:{args.odoo_port} (admin / admin), Handy sandbox: "
            f"http://127.0.0.1:{args.sandbox_port}. Ctrl-C stops both.",
            flush=True,
        )
        subprocess.run(
            [
                *odoo_command(),
                f"--addons-path={addons_path()}",
                "-d",
                args.db,
                "--db-filter",
                f"^{args.db}$",
                "--http-interface=127.0.0.1",
                f"--http-port={args.odoo_port}",
            ],
            cwd=REPO,
            check=False,
        )
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.send_signal(signal.SIGINT)
        sandbox.wait(timeout=30)


if __name__ == "__main__":
    main()
