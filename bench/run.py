#!/usr/bin/env python3
"""Time handoo against plain ORM work doing the same business work, in one run.

Three benchmarks, each ending with a ``BENCH <name> ...`` line:

- ``order_import``: a Handy sandbox serves 2,000 pre-sale orders of 8 lines;
  handoo's order job imports them over HTTP (quotations and reservations),
  against plain ORM calls that create the same quotations and reservations
  from the orders already read.
- ``route_load`` and ``route_close``: a route of 100 pre-sale orders of 8 lines
  and a 40-product truck load; handoo processes the route's webhook event (the
  load, then the closure with 30 % partial deliveries), against plain ORM
  calls doing the same confirmations, validations and returns.
- ``webhook_answer``: 1,000 signed webhook posts to an Odoo server on
  loopback, against as many requests to Odoo's bare ``/web/health`` route.

Each round of a timed benchmark runs on a fresh copy of a template database,
and the two sides alternate. Ratios are the figures to watch; absolute times
depend on the machine.
"""

import argparse
import hashlib
import hmac
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from odoo_env import REPO, addons_path, check_odoo  # noqa: E402

WORK = REPO / ".bench"
TOKEN = "bench-token"
SECRET = "bench-webhook-secret"
PATHS = ""


def start_sandbox(port, name, *options):
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            sys.exit(f"Port {port} is already in use; stop what listens there first.")
    log = open(WORK / f"sandbox-{name}.log", "w", encoding="utf-8")  # noqa: SIM115
    command = [
        sys.executable,
        "-m",
        "handy_sandbox",
        "--port",
        str(port),
        "--token",
        TOKEN,
        "--edited",
        "0",
        "--deleted",
        "0",
        "--broken-orders",
        "0",
        "--no-rate-limit",
        "--quiet",
        *options,
    ]
    process = subprocess.Popen(
        command, cwd=REPO / "handoo", stdout=log, stderr=subprocess.STDOUT
    )
    for _attempt in range(200):
        if process.poll() is not None:
            sys.exit(f"The sandbox stopped at start; see {log.name}.")
        try:
            control(port, "/stats", method="GET")
            return process
        except OSError:
            time.sleep(0.1)
    sys.exit("The sandbox did not answer.")


def stop(process):
    process.send_signal(signal.SIGINT)
    process.wait(timeout=60)


def control(port, path, body=None, method="POST"):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/_sandbox{path}",
        data=json.dumps(body or {}).encode() if method == "POST" else None,
        headers={"Content-Type": "application/json"},
        method=method,
    )
    with urllib.request.urlopen(request, timeout=120) as answer:
        return json.load(answer)


def handy_get(port, path):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v2{path}",
        headers={"Authorization": f"Bearer {TOKEN}"},
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


def shell(db, script, log_name, env):
    source = (REPO / "bench" / script).read_text(encoding="utf-8")
    output = odoo(
        [PATHS, "shell", "-d", db, "--no-http", "--log-level=warn"],
        log_name,
        stdin=source,
        env=env,
    )
    for line in output.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    sys.exit(f"{script} printed no result; see {WORK / log_name}.")


def make_template(db, port, env, log_prefix):
    odoo(
        ["db", PATHS, "init", db, "--country", "MX", "--force"],
        f"{log_prefix}-init.log",
    )
    odoo(
        [PATHS, "-d", db, "-i", "handoo", "--stop-after-init", "--no-http"],
        f"{log_prefix}-install.log",
    )
    return shell(db, "prepare.py", f"{log_prefix}-prepare.log", env)


def copy(template, target):
    odoo(["db", PATHS, "duplicate", "-f", template, target], "copy.log")


def sandbox_env(port, orders_file):
    return dict(
        os.environ,
        HANDOO_BENCH_URL=f"http://127.0.0.1:{port}",
        HANDOO_BENCH_TOKEN=TOKEN,
        HANDOO_BENCH_ORDERS=str(orders_file),
        HANDOO_BENCH_SECRET=SECRET,
    )


def ratio_line(name, results):
    handoo_time = statistics.median(r["seconds"] for r in results["handoo"])
    plain_time = statistics.median(r["seconds"] for r in results["plain"])
    return handoo_time, plain_time, f"BENCH {name} ratio={handoo_time / plain_time:.2f}"


# ----------------------------------------------------------------------
# Order import
# ----------------------------------------------------------------------


def bench_orders(args):
    port = args.sandbox_port
    sandbox = start_sandbox(
        port,
        "orders",
        "--seed",
        "7",
        "--customers",
        "200",
        "--products",
        "150",
        "--orders",
        str(args.orders),
        "--lines",
        str(args.lines),
        str(args.lines),
    )
    template, target = "handoo_bench_orders", "handoo_bench_run"
    env = sandbox_env(port, WORK / "orders.json")
    try:
        print(f"order_import: preparing {template} (catalogs and stock)...", flush=True)
        prepared = make_template(template, port, env, "orders")
        print(
            f"  {prepared['orders']} orders, {prepared['lines']} lines, "
            f"{prepared['products']} products, {prepared['customers']} customers"
        )
        results = {"handoo": [], "plain": []}
        for round_number in range(1, args.rounds + 1):
            for mode in ("handoo", "plain"):
                copy(template, target)
                control(port, "/stats/reset")
                result = shell(
                    target,
                    "order_import.py",
                    f"orders-{mode}-{round_number}.log",
                    dict(env, HANDOO_BENCH_MODE=mode),
                )
                stats = control(port, "/stats", method="GET")
                result["requests"] = stats["totalRequests"]
                result["by_kind"] = stats["requests"]
                results[mode].append(result)
                print(
                    f"  round {round_number} {mode:<6} {result['seconds']:7.1f} s  "
                    f"{result['orders']} quotations  "
                    f"peak RSS {result['peak_mb']:.0f} MB",
                    flush=True,
                )
        odoo(["db", PATHS, "drop", target], "drop.log")
    finally:
        stop(sandbox)
    handoo_time, plain_time, line = ratio_line("order_import", results)
    orders = results["handoo"][0]["orders"]
    requests_made = statistics.median(r["requests"] for r in results["handoo"])
    print(f"Order import, {orders} orders of {args.lines} lines (median of rounds):")
    print(f"  handoo     {handoo_time:7.1f} s  {orders / handoo_time:6.1f} orders/s")
    print(f"  plain ORM  {plain_time:7.1f} s  {orders / plain_time:6.1f} orders/s")
    print(f"  HTTP requests per order: {requests_made / orders:.3f}")
    by_kind = results["handoo"][0]["by_kind"]
    for kind, count in sorted(by_kind.items(), key=lambda item: -item[1]):
        print(f"    {kind:<28} {count:6d}")
    print(
        "  peak RSS: handoo "
        f"{max(r['peak_mb'] for r in results['handoo']):.0f} MB, plain ORM "
        f"{max(r['peak_mb'] for r in results['plain']):.0f} MB"
    )
    print(line, flush=True)


# ----------------------------------------------------------------------
# Routes
# ----------------------------------------------------------------------


def plan_route(port, load_products):
    """Create and accept a route of every pre-sale order, in the sandbox."""
    users = handy_get(port, "/user?max=100")["users"]
    driver = next(user for user in users if user["role"]["id"] == 4 and user["enabled"])
    orders = []
    page = 1
    while True:
        data = handy_get(port, f"/salesOrder?salesType=PRESALE&max=100&page={page}")
        orders += data["salesOrders"]
        if not data["pagination"]["nextPage"]:
            break
        page += 1
    products = handy_get(port, "/product?max=100")["products"][:load_products]
    load = {product["code"]: 10.0 for product in products}
    route = control(
        port,
        "/routes",
        {
            "user_id": driver["id"],
            "sales_order_ids": [order["id"] for order in orders],
            "products": [
                {"product": code, "quantity": qty} for code, qty in load.items()
            ],
        },
    )
    control(port, f"/routes/{route['id']}/accept")
    codes = set(load)
    for order in orders:
        codes.update(item["product"]["code"] for item in order["items"])
    return {
        "id": route["id"],
        "order_ids": [str(order["id"]) for order in orders],
        "codes": sorted(codes),
        "load": load,
        "delivered": {},
        "lines": sum(len(order["items"]) for order in orders),
    }


def run_route_deliveries(port, route, partial_share):
    """Deliver the route's orders, some partly; finish and close it."""
    route_id = route["id"]
    partial_every = round(1 / partial_share) if partial_share else 0
    for index, order_id in enumerate(route["order_ids"]):
        order = handy_get(port, f"/salesOrder/{order_id}")
        if partial_every and index % partial_every == 0:
            first = order["items"][0]
            quantities = {first["product"]["code"]: float(int(first["quantity"]) // 2)}
            control(
                port,
                f"/routes/{route_id}/deliver",
                {
                    "order_id": int(order_id),
                    "outcome": "partial",
                    "quantities": quantities,
                },
            )
        else:
            control(
                port,
                f"/routes/{route_id}/deliver",
                {"order_id": int(order_id), "outcome": "complete"},
            )
    control(port, f"/routes/{route_id}/finish")
    control(port, f"/routes/{route_id}/close")
    for order_id in route["order_ids"]:
        delivered = {}
        for item in handy_get(port, f"/salesOrder/{order_id}")["items"]:
            code = item["product"]["code"]
            delivered[code] = delivered.get(code, 0.0) + float(item["delivered"] or 0)
        route["delivered"][order_id] = delivered


def time_route_step(step, template, port, env, rounds):
    results = {"handoo": [], "plain": []}
    for round_number in range(1, rounds + 1):
        for mode in ("handoo", "plain"):
            copy(template, "handoo_bench_run")
            control(port, "/stats/reset")
            result = shell(
                "handoo_bench_run",
                "route_apply.py",
                f"route-{step}-{mode}-{round_number}.log",
                dict(env, HANDOO_BENCH_MODE=mode, HANDOO_BENCH_STEP=step),
            )
            result["requests"] = control(port, "/stats", method="GET")["totalRequests"]
            results[mode].append(result)
            print(
                f"  {step} round {round_number} {mode:<6} {result['seconds']:7.1f} s  "
                f"{result['done_pickings']} transfers done",
                flush=True,
            )
    return results


def bench_routes(args):
    port = args.sandbox_port + 1
    sandbox = start_sandbox(
        port,
        "routes",
        "--seed",
        "3",
        "--customers",
        "60",
        "--products",
        "80",
        "--orders",
        str(args.route_orders),
        "--lines",
        str(args.lines),
        str(args.lines),
    )
    route_file = WORK / "route.json"
    env = dict(
        sandbox_env(port, WORK / "route-orders.json"),
        HANDOO_BENCH_IMPORT_ORDERS="1",
        HANDOO_BENCH_ROUTE=str(route_file),
    )
    loaded_template = "handoo_bench_route_loaded"
    try:
        print(
            "route: preparing handoo_bench_route (catalogs, stock, orders)...",
            flush=True,
        )
        make_template("handoo_bench_route", port, env, "route")
        route = plan_route(port, args.load_products)
        route_file.write_text(json.dumps(route), encoding="utf-8")
        print(
            f"  route {route['id']}: {len(route['order_ids'])} orders, "
            f"{route['lines']} lines, {len(route['load'])} products on the truck"
        )
        load = time_route_step("load", "handoo_bench_route", port, env, args.rounds)

        copy("handoo_bench_route", loaded_template)
        shell(
            loaded_template,
            "route_apply.py",
            "route-template-load.log",
            dict(env, HANDOO_BENCH_MODE="handoo", HANDOO_BENCH_STEP="load"),
        )
        run_route_deliveries(port, route, args.partial)
        route_file.write_text(json.dumps(route), encoding="utf-8")
        close = time_route_step("close", loaded_template, port, env, args.rounds)
        odoo(["db", PATHS, "drop", "handoo_bench_run"], "drop.log")
    finally:
        stop(sandbox)
    orders = len(route["order_ids"])
    for name, results in (("route_load", load), ("route_close", close)):
        handoo_time, plain_time, line = ratio_line(name, results)
        requests_made = statistics.median(r["requests"] for r in results["handoo"])
        print(f"{name}, {orders} orders (median of rounds):")
        print(f"  handoo     {handoo_time:7.1f} s")
        print(f"  plain ORM  {plain_time:7.1f} s")
        print(f"  HTTP requests per order: {requests_made / orders:.3f}")
        print(line, flush=True)


# ----------------------------------------------------------------------
# Webhook answers
# ----------------------------------------------------------------------


def start_server(db, port):
    log = open(WORK / "webhook-server.log", "w", encoding="utf-8")  # noqa: SIM115
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "odoo",
            PATHS,
            "-d",
            db,
            "--db-filter",
            f"^{db}$",
            "--http-interface=127.0.0.1",
            f"--http-port={port}",
            "--max-cron-threads=0",
            "--log-level=warn",
        ],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    for _attempt in range(300):
        if server.poll() is not None:
            sys.exit(f"Odoo's server stopped at start; see {log.name}.")
        try:
            requests.get(f"http://127.0.0.1:{port}/web/health", timeout=2)
            return server
        except requests.RequestException:
            time.sleep(0.2)
    sys.exit("Odoo's server did not answer.")


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def bench_webhooks(args):
    db = "handoo_bench_hook"
    template = "handoo_bench_route"
    copy(template, db)
    server = start_server(db, args.odoo_port)
    base = f"http://127.0.0.1:{args.odoo_port}"
    session = requests.Session()
    try:
        # The company id of the template's only company.
        url = f"{base}/handoo/webhook/1"
        for _warm in range(20):
            session.get(f"{base}/web/health", timeout=10)
        webhook_times = []
        for index in range(args.webhooks):
            raw = json.dumps(
                {
                    "id": str(uuid.uuid4()),
                    "event": "route.load_accepted",
                    "occurredAt": "2026-12-04T15:00:00Z",
                    "route": {"id": 900000 + index, "status": "LOAD_ACCEPTED"},
                }
            ).encode()
            timestamp = str(int(time.time()))
            signature = hmac.new(
                SECRET.encode(), timestamp.encode() + b"." + raw, hashlib.sha256
            ).hexdigest()
            started = time.perf_counter()
            answer = session.post(
                url,
                data=raw,
                headers={
                    "Content-Type": "application/json",
                    "X-Handoo-Timestamp": timestamp,
                    "X-Handoo-Signature": f"sha256={signature}",
                },
                timeout=10,
            )
            webhook_times.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 202:
                sys.exit(f"Webhook answered {answer.status_code}: {answer.text[:200]}")
        bare_times = []
        for _index in range(args.webhooks):
            started = time.perf_counter()
            session.get(f"{base}/web/health", timeout=10)
            bare_times.append((time.perf_counter() - started) * 1000)
    finally:
        session.close()
        stop(server)
        odoo(["db", PATHS, "drop", db], "drop.log")
    p50, p99 = percentile(webhook_times, 0.5), percentile(webhook_times, 0.99)
    bare_p50, bare_p99 = percentile(bare_times, 0.5), percentile(bare_times, 0.99)
    print(f"Webhook answers, {args.webhooks} signed posts on loopback:")
    print(f"  handoo webhook     p50 {p50:6.1f} ms  p99 {p99:6.1f} ms")
    print(f"  bare /web/health   p50 {bare_p50:6.1f} ms  p99 {bare_p99:6.1f} ms")
    print(
        f"BENCH webhook_answer p99_ms={p99:.1f} ratio={p99 / bare_p99:.2f}", flush=True
    )


def main():
    global PATHS
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--only",
        nargs="+",
        choices=("orders", "routes", "webhooks"),
        default=("orders", "routes", "webhooks"),
    )
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--route-orders", type=int, default=100)
    parser.add_argument("--lines", type=int, default=8)
    parser.add_argument("--load-products", type=int, default=40)
    parser.add_argument("--partial", type=float, default=0.3)
    parser.add_argument("--webhooks", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--sandbox-port", type=int, default=8766)
    parser.add_argument("--odoo-port", type=int, default=8171)
    args = parser.parse_args()
    check_odoo()
    WORK.mkdir(exist_ok=True)
    PATHS = f"--addons-path={addons_path()}"
    if "orders" in args.only:
        bench_orders(args)
    if "routes" in args.only or "webhooks" in args.only:
        if "routes" not in args.only:
            sys.exit("The webhook benchmark uses the route benchmark's database.")
        bench_routes(args)
    if "webhooks" in args.only:
        bench_webhooks(args)


if __name__ == "__main__":
    main()
