"""Command line: start, request logging, state file and clean stop on signals."""

import json
import os
import re
import signal
import subprocess
import sys

import requests

HANDOO_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "handoo",
)
TOKEN = "cli-token"


def _start(*arguments):
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "handy_sandbox",
            "--port",
            "0",
            "--token",
            TOKEN,
            *arguments,
        ],
        cwd=HANDOO_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()
    match = re.search(r"(http://127\.0\.0\.1:\d+/api/v2)", line)
    if match is None:
        process.kill()
        raise AssertionError(
            f"no URL in the first line: {line!r}; stderr: {process.stderr.read()}"
        )
    return process, match.group(1)


def _stop(process, signal_number):
    process.send_signal(signal_number)
    try:
        code = process.wait(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    return code, process.stderr.read()


def _headers():
    return {"Authorization": f"Bearer {TOKEN}"}


def test_cli_serves_and_stops_on_sigterm():
    process, url = _start(
        "--seed", "5", "--customers", "12", "--products", "20", "--orders", "15"
    )
    customers = requests.get(
        url + "/customer",
        params={"max": 100, "enabled": "true"},
        headers=_headers(),
        timeout=10,
    )
    assert customers.status_code == 200
    assert customers.json()["pagination"]["totalCount"] >= 10
    code, stderr = _stop(process, signal.SIGTERM)
    assert code == 0
    assert re.search(
        r"GET /api/v2/customer\?max=100&enabled=true 200 \d+\.\d ms", stderr
    )
    assert TOKEN not in stderr
    assert "Bearer" not in stderr


def test_cli_state_file_round_trip(tmp_path):
    state_file = tmp_path / "state.json"
    process, url = _start(
        "--seed",
        "5",
        "--customers",
        "12",
        "--products",
        "20",
        "--orders",
        "15",
        "--state-file",
        str(state_file),
    )
    try:
        customer = requests.get(
            url + "/customer", headers=_headers(), timeout=10
        ).json()["customers"][0]
        product = requests.get(url + "/product", headers=_headers(), timeout=10).json()[
            "products"
        ][0]
        body = {
            "mobileDateCreated": "05/03/2024 10:00:00",
            "customerId": customer["code"],
            "orderItems": [{"product": product["code"], "quantity": 3}],
        }
        created = requests.post(
            url + "/salesOrder", json=body, headers=_headers(), timeout=10
        )
        assert created.status_code == 201
        order_id = created.json()["id"]
        # The state is saved after each write, before the process stops.
        saved = json.loads(state_file.read_text(encoding="utf-8"))
        assert order_id in [order["id"] for order in saved["tables"]["orders"]]
    finally:
        code, _ = _stop(process, signal.SIGINT)
    assert code == 0

    # A different seed is ignored because the state file exists.
    process, url = _start("--seed", "99", "--state-file", str(state_file))
    try:
        reloaded = requests.get(
            f"{url}/salesOrder/{order_id}", headers=_headers(), timeout=10
        )
        assert reloaded.status_code == 200
        assert reloaded.json()["customer"]["code"] == customer["code"]
        again = requests.get(url + "/customer", headers=_headers(), timeout=10).json()[
            "customers"
        ][0]
        assert again == customer
    finally:
        code, _ = _stop(process, signal.SIGTERM)
    assert code == 0


def test_cli_no_rate_limit():
    process, url = _start(
        "--orders", "0", "--customers", "0", "--products", "0", "--no-rate-limit"
    )
    try:
        response = requests.get(url + "/user", headers=_headers(), timeout=10)
        assert response.status_code == 200
        assert "X-RateLimit-Limit" not in response.headers
    finally:
        code, _ = _stop(process, signal.SIGTERM)
    assert code == 0


def test_cli_port_in_use_fails():
    process, url = _start("--orders", "0", "--customers", "0", "--products", "0")
    port = re.search(r":(\d+)/", url).group(1)
    try:
        second = subprocess.run(
            [
                sys.executable,
                "-m",
                "handy_sandbox",
                "--port",
                port,
                "--orders",
                "0",
                "--customers",
                "0",
                "--products",
                "0",
            ],
            cwd=HANDOO_DIR,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert second.returncode == 1
        assert f"cannot listen on 127.0.0.1:{port}" in second.stderr
    finally:
        _stop(process, signal.SIGTERM)
