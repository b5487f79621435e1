"""Command line: serve the Handy sandbox until SIGINT or SIGTERM.

Example::

    cd handoo && python3 -m handy_sandbox --port 8765 --token demo-token --seed 42
"""

import argparse
import logging
import signal
import sys
import threading

from .server import DEFAULT_RATE_LIMIT, HandySandbox


def _parse_arguments(argv):
    parser = argparse.ArgumentParser(
        prog="python3 -m handy_sandbox",
        description=(
            "Serve a stand-in for Handy's REST API v2 with generated demo data."
        ),
    )
    server = parser.add_argument_group("server")
    server.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: %(default)s)"
    )
    server.add_argument(
        "--port",
        type=int,
        default=8765,
        help="TCP port; 0 picks a free one (default: %(default)s)",
    )
    server.add_argument(
        "--token",
        default="demo-token",
        help="Bearer token that the API accepts (default: %(default)s)",
    )

    data = parser.add_argument_group(
        "generated data (ignored when --state-file exists)"
    )
    data.add_argument(
        "--seed",
        type=int,
        default=42,
        help="seed of the generated data (default: %(default)s)",
    )
    data.add_argument(
        "--zones", type=int, default=6, help="number of zones (default: %(default)s)"
    )
    data.add_argument(
        "--families",
        type=int,
        default=8,
        help="number of product families (default: %(default)s)",
    )
    data.add_argument(
        "--sellers",
        type=int,
        default=6,
        help="number of salespeople (default: %(default)s)",
    )
    data.add_argument(
        "--customers",
        type=int,
        default=60,
        help="number of customers (default: %(default)s)",
    )
    data.add_argument(
        "--products",
        type=int,
        default=120,
        help="number of products (default: %(default)s)",
    )
    data.add_argument(
        "--orders",
        type=int,
        default=320,
        help="orders taken in the last 24 hours (default: %(default)s)",
    )
    data.add_argument(
        "--edited",
        type=int,
        default=None,
        help="orders edited afterwards (default: about 6 %% of --orders)",
    )
    data.add_argument(
        "--deleted",
        type=int,
        default=None,
        help="orders deleted afterwards (default: about 3 %% of --orders)",
    )
    data.add_argument(
        "--broken-orders",
        type=int,
        default=2,
        help=(
            "orders with a line whose product code is not in the catalog "
            "(default: %(default)s)"
        ),
    )
    data.add_argument(
        "--lines",
        type=int,
        nargs=2,
        metavar=("MIN", "MAX"),
        default=(1, 12),
        help="minimum and maximum lines per order (default: 1 12)",
    )

    behavior = parser.add_argument_group("state and limits")
    behavior.add_argument(
        "--state-file",
        help=(
            "JSON file to load the state from if it exists (instead of generating), "
            "saved after each write and on stop"
        ),
    )
    behavior.add_argument(
        "--rate-limit",
        type=int,
        default=DEFAULT_RATE_LIMIT,
        help="requests allowed per token and 60-second window (default: %(default)s)",
    )
    behavior.add_argument(
        "--no-rate-limit",
        action="store_true",
        help="disable the rate limit and its headers",
    )
    behavior.add_argument(
        "--quiet", action="store_true", help="do not log one line per request"
    )
    return parser.parse_args(argv)


def main(argv=None):
    arguments = _parse_arguments(argv)
    logging.basicConfig(
        level=logging.WARNING if arguments.quiet else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    try:
        sandbox = HandySandbox(
            token=arguments.token,
            seed=arguments.seed,
            host=arguments.host,
            port=arguments.port,
            rate_limit=None if arguments.no_rate_limit else arguments.rate_limit,
            state_file=arguments.state_file,
            zones=arguments.zones,
            families=arguments.families,
            sellers=arguments.sellers,
            customers=arguments.customers,
            products=arguments.products,
            orders=arguments.orders,
            edited=arguments.edited,
            deleted=arguments.deleted,
            broken_orders=arguments.broken_orders,
            lines=tuple(arguments.lines),
        )
    except (OSError, ValueError) as error:
        print(f"handy_sandbox: cannot prepare the data: {error}", file=sys.stderr)
        return 2
    try:
        sandbox.start()
    except OSError as error:
        print(
            f"handy_sandbox: cannot listen on {arguments.host}:{arguments.port}: "
            f"{error}",
            file=sys.stderr,
        )
        return 1

    stop_requested = threading.Event()

    def request_stop(signal_number, frame):
        stop_requested.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    print(
        f"Handy sandbox listening on {sandbox.url} (web app {sandbox.web_url}): "
        f"{sandbox.store.summary()}",
        flush=True,
    )
    while not stop_requested.wait(0.5):
        pass
    sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
