"""Defaults every layer shares (the bottom of the house: imports nothing).

- ``DEFAULT_REGION``: the phone region of numbers typed without a country code
  (ISO 3166 alpha-2), until a profile sets its own ``region``.
"""

from __future__ import annotations

DEFAULT_REGION = "RU"
