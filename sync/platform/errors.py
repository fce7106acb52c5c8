"""The one exception the platform's handlers raise; the app turns it into the protocol's error body."""

from __future__ import annotations

from typing import Any

from sync.protocol import ERROR_STATUS, ErrorCode, error_body


class ApiError(Exception):
    """An error answer: ``{"error": code, "message": Chinese text, **extra}`` with the code's status."""

    def __init__(self, code: ErrorCode, *, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(code.value)
        self.code = code
        self.status = ERROR_STATUS[code]
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return error_body(self.code, **self.extra)
