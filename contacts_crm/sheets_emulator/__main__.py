"""``python -m contacts_crm.sheets_emulator --port N``: serve until SIGTERM or Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .quota import QuotaSettings
from .server import SheetsEmulatorServer


def main(argv: list[str] | None = None) -> int:
    """Start the emulator, print its URL, serve until SIGTERM/SIGINT, exit 0."""
    parser = argparse.ArgumentParser(prog="python -m contacts_crm.sheets_emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--google-quotas", action="store_true", help="enforce published quotas")
    parser.add_argument("--quota-window", type=float, default=60.0, help="quota window, seconds")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per request")
    parser.add_argument(
        "--spreadsheet",
        action="append",
        default=[],
        metavar="TITLE",
        help="pre-create a spreadsheet (repeatable); its key is printed",
    )
    args = parser.parse_args(argv)
    quota = QuotaSettings.google_like(args.quota_window) if args.google_quotas else None
    server = SheetsEmulatorServer(
        host=args.host, port=args.port, quota=quota, latency_s=args.latency
    ).start()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print(server.url, flush=True)
    for title in args.spreadsheet:
        book = server.create_spreadsheet(title)
        print(f"{book.spreadsheet_id}\t{title}", flush=True)
    try:
        stop.wait()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
