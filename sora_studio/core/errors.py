"""Domain exceptions shared by every layer."""

from __future__ import annotations

from sora_studio.core.models import ErrorClass

RETIRED_PROVIDER_MESSAGE = (
    "OpenAI retired the Sora 2 models and the Videos API on 2026-09-24; choose the built-in "
    "emulator or a /v1/videos-compatible gateway in Settings > Providers"
)


class UserError(Exception):
    """A problem the user can fix; the CLI prints it without a traceback and exits with 2."""


class ProviderError(Exception):
    """A provider call failed; ``error_class`` says how, ``message`` says what to do next."""

    def __init__(
        self,
        error_class: ErrorClass,
        message: str,
        *,
        param: str | None = None,
        retry_after_s: float | None = None,
        status_code: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.error_class = error_class
        self.message = message
        self.param = param
        self.retry_after_s = retry_after_s
        self.status_code = status_code
        self.code = code
        self.request_id = request_id
