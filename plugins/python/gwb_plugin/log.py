"""Logging through the host, tagged there with the plugin and the group being processed.

A plugin's stdout and stderr go nowhere (the sandbox discards them), so `print` shows nothing:
use these. The host keeps at most 4096 characters of one message and 1000 lines per run.
"""

from wit_world.imports.log import Level
from wit_world.imports.log import log as _log


def debug(message: str) -> None:
    """Logs a debug message."""
    _log(Level.DEBUG, message)


def info(message: str) -> None:
    """Logs an informational message."""
    _log(Level.INFO, message)


def warn(message: str) -> None:
    """Logs a warning: something looks wrong but the rule carried on."""
    _log(Level.WARN, message)


def error(message: str) -> None:
    """Logs an error."""
    _log(Level.ERROR, message)
