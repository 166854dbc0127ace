"""Log lines without client data: no phone number, name or card text in any line,
errors and tracebacks included.

An exception's message may carry whatever the code was working on (a number
typed on a phone, a client's name, a card line), so a traceback here names the
code lines it went through and each exception's type, never its message. The
places that log say what happened in their own words (a route's pattern, never
the path: ``/n/<path:number>``, not the number).
"""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType
from typing import TextIO

FORMAT = "%(asctime)s %(message)s"
LEFT_OUT = " (message left out: it may hold client data)"
# libraries whose INFO/DEBUG lines name requested URLs (a search's query: a number)
QUIET = ("googleapiclient", "httplib2", "urllib3")

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def chain(exc: BaseException) -> list[BaseException]:
    """The exception and the ones it was raised from or during, oldest first."""
    out: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in out:
        out.append(current)
        current = current.__cause__ or current.__context__
    return out[::-1]


def private_traceback(exc: BaseException) -> str:
    """Where ``exc`` (and the exceptions before it) happened: frames and types only."""
    lines: list[str] = []
    for error in chain(exc):
        lines.append("Traceback (most recent call last):\n")
        lines.extend(traceback.format_list(traceback.extract_tb(error.__traceback__)))
        lines.append(f"{type(error).__module__}.{type(error).__qualname__}{LEFT_OUT}\n")
    return "".join(lines)


class PrivateFormatter(logging.Formatter):
    """A formatter whose tracebacks leave every exception's message out."""

    def formatException(self, ei: ExcInfo | tuple[None, None, None]) -> str:
        exc = ei[1]
        return private_traceback(exc).rstrip("\n") if exc is not None else ""


def setup(level: int = logging.WARNING, stream: TextIO | None = None) -> logging.Handler:
    """Log to ``stream`` (stderr) through a PrivateFormatter; returns the handler.

    What ``crm serve`` uses instead of ``logging.basicConfig``: a library's
    record that carries an exception (cheroot, Flask, tenacity) is written
    without its message too.
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(PrivateFormatter(FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler
