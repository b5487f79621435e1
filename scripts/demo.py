#!/usr/bin/env python3
"""Load a day of Handy pre-sale orders into a fresh Odoo 19 database.

Starts the Handy sandbox with demo data, creates the database (a company in
Mexico), installs handoo, points it at the sandbox, runs the sync jobs, plays
a day of routes whose webhooks reach an Odoo server, and prints what the
sandbox holds against what Odoo now holds, route settlements included. The
database and the sandbox's state stay for ``make serve``.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from odoo_env import REPO, addons_path, check_odoo, odoo_command

STATE_DIR = REPO / ".demo"
TOKEN = "demo-token"


def start_sandbox(port, args):
    """Start the sandbox as a process of its own and wait until it answers."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            sys.exit(f"Port {port} is already in use; stop what listens there first.")
    STATE_DIR.mkdir(exist_ok=True)
    state = STATE_DIR / "sandbox.json"
    if state.exists():
        state.unlink()
    log = open(STATE_DIR / "sandbox.log", "w", encoding="utf-8")  # noqa: SIM115
    command = [
        sys.executable,
        "-m",
        "handy_sandbox",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--token",
        TOKEN,
        "--seed",
        str(args.seed),
        "--customers",
        str(args.customers),
        "--products",
        str(args.products),
        "--orders",
        str(args.orders),
        "--state-file",
        str(state),
    ]
    process = subprocess.Popen(
        command, cwd=REPO / "handoo", stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}/_sandbox/stats"
    for _attempt in range(100):
        if process.poll() is not None:
            sys.exit(
                f"The Handy sandbox stopped at start; see {STATE_DIR / 'sandbox.log'} "
                f"(is port {port} taken?)."
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                json.load(answer)
            return process
        except OSError:
            time.sleep(0.1)
    process.terminate()
    sys.exit(f"The Handy sandbox did not answer on port {port}.")


def start_odoo_server(paths, db, port):
    """Start Odoo's HTTP server on the database and wait until it answers."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            sys.exit(f"Port {port} is already in use; stop what listens there first.")
    log = open(STATE_DIR / "odoo-server.log", "w", encoding="utf-8")  # noqa: SIM115
    server = subprocess.Popen(
        [
            *odoo_command(),
            paths,
            "-d",
            db,
            "--db-filter",
            f"^{db}$",
            "--http-interface=127.0.0.1",
            f"--http-port={port}",
            "--max-cron-threads=0",
        ],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    for _attempt in range(300):
        if server.poll() is not None:
            sys.exit(
                f"Odoo's server stopped at start; see {STATE_DIR / 'odoo-server.log'}."
            )
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/web/health", timeout=2
            ) as answer:
                answer.read()
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    sys.exit("Odoo's server did not answer.")


def odoo(args, log_name, stdin=None, env=None, echo=False):
    """Run Odoo; with ``echo``, print its output as it comes. Exit if it fails."""
    log_path = STATE_DIR / log_name
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "odoo", *args],
            stdin=subprocess.PIPE if stdin is not None else None,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            cwd=REPO,
            env=env,
        )
        if stdin is not None:
            process.stdin.write(stdin)
            process.stdin.close()
        for line in process.stdout:
            if echo:
                print(line, end="", flush=True)
        process.wait()
    if process.returncode:
        tail = "\n".join(log_path.read_text(encoding="utf-8").splitlines()[-30:])
        sys.exit(f"Odoo failed ({' '.join(args[:3])}...):\n{tail}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="handoo_demo")
    parser.add_argument("--sandbox-port", type=int, default=8765)
    parser.add_argument("--odoo-port", type=int, default=8070)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--customers", type=int, default=60)
    parser.add_argument("--products", type=int, default=120)
    parser.add_argument("--orders", type=int, default=320)
    args = parser.parse_args()
    check_odoo()

    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", args.odoo_port)) == 0:
            sys.exit(
                f"Port {args.odoo_port} is already in use; stop what listens there "
                "or choose another with ODOO_DEMO_PORT=..."
            )
    sandbox = start_sandbox(args.sandbox_port, args)
    try:
        paths = f"--addons-path={addons_path()}"
        print(f"Handy sandbox: http://127.0.0.1:{args.sandbox_port} (seed {args.seed})")
        print(f"Creating the database {args.db} (a company in Mexico)...", flush=True)
        odoo(["db", paths, "init", args.db, "--country", "MX", "--force"], "init.log")
        print("Installing handoo...", flush=True)
        odoo(
            [paths, "-d", args.db, "-i", "handoo", "--stop-after-init", "--no-http"],
            "install.log",
        )
        # An Odoo server receives the sandbox's route webhooks; the demo runs the
        # jobs itself, so the server runs none.
        server = start_odoo_server(paths, args.db, args.odoo_port)
        try:
            print("Syncing with Handy (catalogs, stock, orders, routes)...", flush=True)
            env = dict(
                os.environ,
                HANDOO_DEMO_URL=f"http://127.0.0.1:{args.sandbox_port}",
                HANDOO_DEMO_TOKEN=TOKEN,
                HANDOO_DEMO_ODOO=f"http://127.0.0.1:{args.odoo_port}",
            )
            script = (REPO / "scripts" / "demo_sync.py").read_text(encoding="utf-8")
            odoo(
                [paths, "shell", "-d", args.db, "--no-http", "--log-level=info"],
                "sync.log",
                stdin=script,
                env=env,
                echo=True,
            )
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)
    finally:
        sandbox.send_signal(signal.SIGINT)
        sandbox.wait(timeout=30)
    print(
        f"\nThe database {args.db} stays. Browse it with `make serve`, then open "
        "the address it prints (login admin, password admin)."
    )


if __name__ == "__main__":
    main()
