"""A Google Sheets API v4 (and Drive v3 subset) emulator for tests and benchmarks.

It speaks the wire protocol the real gspread uses, on loopback, with Google's
error envelope, optional per-minute quotas, call counters and latency.
"""

from .api_error import ApiError
from .emulator import SheetsEmulator
from .model import FORMULA_PLACEHOLDER, Formula
from .quota import QuotaSettings
from .server import SheetsEmulatorServer

__all__ = [
    "FORMULA_PLACEHOLDER",
    "ApiError",
    "Formula",
    "QuotaSettings",
    "SheetsEmulator",
    "SheetsEmulatorServer",
]
