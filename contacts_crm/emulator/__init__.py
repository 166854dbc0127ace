"""People-API-compatible emulator: the local account and the test double.

>>> from contacts_crm.emulator import Emulator, build_service
>>> svc = build_service(Emulator())
"""

from .app import Emulator
from .client import build_drive_service, build_service
from .server import EmulatorServer
from .settings import EmulatorSettings
from .transport import InProcessHttp

__all__ = [
    "Emulator",
    "EmulatorServer",
    "EmulatorSettings",
    "InProcessHttp",
    "build_drive_service",
    "build_service",
]
