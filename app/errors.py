"""Typed error roots shared by every layer.

Messages given to these errors are shown to the user as they are, so they are written in Chinese
and say what to do. English belongs in log lines, never here.
"""

from __future__ import annotations


class YiChuangError(Exception):
    """Root of every error this program raises on purpose."""


class UserFacingError(YiChuangError):
    """An error whose message is meant for the user, shown as is (in Chinese)."""


class Cancelled(YiChuangError):
    """The user or the program stopped an operation; shown to nobody."""


class ValidationError(UserFacingError):
    """Input that breaks a rule (checksum, date, format); the message says what is wrong."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class DomainError(UserFacingError):
    """A business rule forbids what was asked (e.g. an illegal case transition)."""


class IllegalTransition(DomainError):
    """A case was asked to move along a transition its current state does not allow."""

    def __init__(self, message: str, *, state: str, action: str) -> None:
        super().__init__(message)
        self.state = state
        self.action = action


class PermissionDenied(DomainError):
    """The signed-in clerk's role does not allow the action."""


class ConfigError(UserFacingError):
    """A configuration key is unknown or its value has the wrong form; names the key."""

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class StorageError(UserFacingError):
    """The database or the file store cannot be used as it is (e.g. written by a newer version)."""


class IntegrityError(StorageError):
    """Stored data no longer matches its hash (a blob or an audit row was altered)."""


class DeviceUnavailable(UserFacingError):
    """A device is unplugged, busy, out of paper or otherwise unusable right now."""

    def __init__(self, message: str, *, device: str | None = None) -> None:
        super().__init__(message)
        self.device = device


class SyncError(YiChuangError):
    """Talking to the provincial platform failed; ``kind`` says how (offline, rejected, …)."""

    def __init__(self, message: str, *, kind: str) -> None:
        super().__init__(message)
        self.kind = kind
