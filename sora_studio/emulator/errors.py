"""The emulator's error type and the OpenAI error envelope it is rendered as.

Every failure a handler can report is an ``ApiError``; one exception handler turns it into
``{"error": {"message", "type", "param", "code"}}`` with the right HTTP status, the shape the
official SDK maps onto ``BadRequestError``, ``NotFoundError`` and friends.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse


class ApiError(Exception):
    """A request the emulator refuses; ``message`` says what is wrong and what to do instead."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


def bad_request(message: str, *, param: str | None = None, code: str | None = None) -> ApiError:
    return ApiError(400, message, param=param, code=code)


def not_found(kind: str, object_id: str, param: str = "id") -> ApiError:
    return ApiError(
        404,
        f"No {kind} found with id '{object_id}'.",
        param=param,
        code="not_found",
    )
