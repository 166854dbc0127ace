"""``python -m contacts_crm.emulator``: serve an emulator on loopback until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from .app import Emulator
from .server import EmulatorServer
from .settings import EmulatorSettings


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m contacts_crm.emulator", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--db", default=":memory:", help="SQLite file (default: in memory)")
    p.add_argument("--latency-ms", type=float, default=None)
    p.add_argument("--fail-rate", type=float, default=None)
    p.add_argument("--google-like", action="store_true", help="observed Google quotas and latency")
    p.add_argument("--quota-window", type=float, default=60.0, help="seconds in a quota 'minute'")
    p.add_argument("--propagation-delay", type=float, default=None)
    p.add_argument(
        "--fail-after-write-rate",
        type=float,
        default=None,
        help="share of writes that land but are answered with a 500",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=None,
        help="seed of the fault injection (default: random, printed on stderr)",
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the server; print its URL on one line; return 0 on a signal."""
    args = _parse(argv)
    settings = (
        EmulatorSettings.google_like(args.quota_window)
        if args.google_like
        else EmulatorSettings(quota_window_s=args.quota_window)
    )
    if args.latency_ms is not None:
        settings.latency_ms = args.latency_ms
        settings.latency_ms_by_kind = {}
    if args.fail_rate is not None:
        settings.fail_rate = args.fail_rate
    if args.propagation_delay is not None:
        settings.propagation_delay_s = args.propagation_delay
    if args.fail_after_write_rate is not None:
        settings.fail_after_write_rate = args.fail_after_write_rate
    settings.seed = args.seed
    emulator = Emulator(args.db, settings)
    print(
        f"fault seed {emulator.seed} (replay with --seed {emulator.seed})",
        file=sys.stderr,
        flush=True,
    )
    server = EmulatorServer(emulator, args.host, args.port)
    server.start()
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    print(server.url, flush=True)
    while not stop.wait(0.2):
        pass
    server.stop()
    emulator.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
