#!/usr/bin/env python3
"""Time handoo's import of Handy orders against plain ORM work, in one run.

A Handy sandbox serves 2,000 pre-sale orders of 8 lines. A template database
holds the catalogs and the stock. Each round copies it twice: in one copy
handoo's order job imports the orders over HTTP, quotations and reservations
included; in the other, plain ORM calls create the same quotations and reserve
the same stock from the orders already read (no HTTP). The ratio handoo / plain
ORM is the figure to watch; absolute times depend on the machine.
"""

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from odoo_env import REPO, addons_path, check_odoo  # noqa: E402

WORK = REPO / ".bench"
TOKEN = "bench-token"


def start_sandbox(port, orders, lines):
    WORK.mkdir(exist_ok=True)
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            sys.exit(f"Port {port} is already in use; stop what listens there first.")
    log = open(WORK / "sandbox.log", "w", encoding="utf-8")  # noqa: SIM115
    command = [
        sys.executable,
        "-m",
        "handy_sandbox",
        "--port",
        str(port),
        "--token",
        TOKEN,
        "--seed",
        "7",
        "--customers",
        "200",
        "--products",
        "150",
        "--orders",
        str(orders),
        "--lines",
        str(lines),
        str(lines),
        "--edited",
        "0",
        "--deleted",
        "0",
        "--broken-orders",
        "0",
        "--no-rate-limit",
        "--quiet",
    ]
    process = subprocess.Popen(
        command, cwd=REPO / "handoo", stdout=log, stderr=subprocess.STDOUT
    )
    for _attempt in range(200):
        if process.poll() is not None:
            sys.exit(f"The sandbox stopped at start; see {WORK / 'sandbox.log'}.")
        try:
            control(port, "/stats", method="GET")
            return process
        except OSError:
            time.sleep(0.1)
    sys.exit("The sandbox did not answer.")


def control(port, path, method="POST"):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/_sandbox{path}",
        data=b"{}" if method == "POST" else None,
        headers={"Content-Type": "application/json"},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.load(answer)


def odoo(args, log_name, stdin=None, env=None):
    log_path = WORK / log_name
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.run(
            [sys.executable, "-m", "odoo", *args],
            input=stdin,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            cwd=REPO,
            env=env,
            check=False,
        )
    if process.returncode:
        tail = "\n".join(log_path.read_text(encoding="utf-8").splitlines()[-30:])
        sys.exit(f"Odoo failed ({' '.join(args[:4])}):\n{tail}")
    return process.stdout


def shell(paths, db, script, log_name, env):
    source = (REPO / "bench" / script).read_text(encoding="utf-8")
    output = odoo(
        [paths, "shell", "-d", db, "--no-http", "--log-level=warn"],
        log_name,
        stdin=source,
        env=env,
    )
    for line in output.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    sys.exit(f"{script} printed no result; see {WORK / log_name}.")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--lines", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--sandbox-port", type=int, default=8766)
    args = parser.parse_args()
    check_odoo()

    paths = f"--addons-path={addons_path()}"
    template, copy = "handoo_bench_template", "handoo_bench_run"
    sandbox = start_sandbox(args.sandbox_port, args.orders, args.lines)
    env = dict(
        os.environ,
        HANDOO_BENCH_URL=f"http://127.0.0.1:{args.sandbox_port}",
        HANDOO_BENCH_TOKEN=TOKEN,
        HANDOO_BENCH_ORDERS=str(WORK / "orders.json"),
    )
    try:
        print(f"Preparing {template}: catalogs and stock from the sandbox...")
        odoo(["db", paths, "init", template, "--country", "MX", "--force"], "init.log")
        odoo(
            [paths, "-d", template, "-i", "handoo", "--stop-after-init", "--no-http"],
            "install.log",
        )
        prepared = shell(paths, template, "prepare.py", "prepare.log", env)
        print(
            f"  {prepared['orders']} orders, {prepared['lines']} lines, "
            f"{prepared['products']} products, {prepared['customers']} customers"
        )

        results = {"handoo": [], "plain": []}
        for round_number in range(1, args.rounds + 1):
            for mode in ("handoo", "plain"):
                odoo(["db", paths, "duplicate", "-f", template, copy], "copy.log")
                control(args.sandbox_port, "/stats/reset")
                result = shell(
                    paths,
                    copy,
                    "order_import.py",
                    f"{mode}-{round_number}.log",
                    dict(env, HANDOO_BENCH_MODE=mode),
                )
                requests = control(args.sandbox_port, "/stats", method="GET")
                result["requests"] = requests["totalRequests"]
                results[mode].append(result)
                print(
                    f"  round {round_number} {mode:<6} {result['seconds']:7.1f} s  "
                    f"{result['orders']} quotations  "
                    f"peak RSS {result['peak_mb']:.0f} MB"
                )
        odoo(["db", paths, "drop", copy], "drop.log")
    finally:
        sandbox.send_signal(signal.SIGINT)
        sandbox.wait(timeout=30)

    handoo_time = statistics.median(r["seconds"] for r in results["handoo"])
    plain_time = statistics.median(r["seconds"] for r in results["plain"])
    orders = results["handoo"][0]["orders"]
    requests = statistics.median(r["requests"] for r in results["handoo"])
    print()
    print(f"Order import, {orders} orders of {args.lines} lines (median of rounds):")
    print(f"  handoo     {handoo_time:7.1f} s  {orders / handoo_time:6.1f} orders/s")
    print(f"  plain ORM  {plain_time:7.1f} s  {orders / plain_time:6.1f} orders/s")
    print(f"  HTTP requests per order: {requests / orders:.3f}")
    print(
        "  peak RSS: handoo "
        f"{max(r['peak_mb'] for r in results['handoo']):.0f} MB, plain ORM "
        f"{max(r['peak_mb'] for r in results['plain']):.0f} MB"
    )
    print(f"BENCH order_import ratio={handoo_time / plain_time:.2f}")


if __name__ == "__main__":
    main()
