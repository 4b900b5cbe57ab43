"""The project's own errors.

Two families, as in qutebrowser: `WorkbenchError` is a fault of input or environment that a person
can act on (its message says how); anything else that escapes is a bug. `ProviderError` is what a
failed model call becomes, whichever client made it: a kind from one table, a retryable flag and a
message.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from workbench.domain import CellError


class WorkbenchError(Exception):
    """A fault of input or environment, with a message meant for the person at the keyboard."""


class UsageError(WorkbenchError):
    """Bad command-line usage or bad input files (exit status 2)."""


class TemplateError(WorkbenchError):
    """A prompt template that cannot be parsed or rendered."""


class MissingVariableError(TemplateError):
    def __init__(self, prompt: str, names: list[str]) -> None:
        self.prompt = prompt
        self.names = names
        joined = ", ".join(names)
        plural = "s" if len(names) > 1 else ""
        super().__init__(
            f"prompt {prompt!r} needs variable{plural} {joined} (pass --var NAME=VALUE)"
        )


class ErrorKind(enum.Enum):
    """Every way a model call can fail, with whether trying again can help."""

    AUTHENTICATION = ("authentication", False, "the API key was refused")
    PERMISSION = ("permission_denied", False, "the key has no access to this model")
    NOT_FOUND = ("not_found", False, "the model or endpoint does not exist")
    BAD_REQUEST = ("bad_request", False, "the provider rejected the request")
    CONTEXT_WINDOW = (
        "context_window_exceeded",
        False,
        "the prompt is longer than the model's context",
    )
    CONTENT_POLICY = ("content_policy", False, "the provider's content filter refused the request")
    QUOTA = ("quota_exceeded", False, "the account is out of credit or quota")
    RATE_LIMIT = ("rate_limit", True, "the provider is rate-limiting requests")
    SERVER = ("server_error", True, "the provider had an internal error")
    UNAVAILABLE = ("service_unavailable", True, "the provider is overloaded or down")
    CONNECTION = ("connection", True, "could not reach the server")
    TIMEOUT = ("timeout", True, "the server sent nothing for too long")
    STREAM_BROKEN = (
        "stream_interrupted",
        True,
        "the connection dropped in the middle of the answer",
    )
    BAD_RESPONSE = ("bad_response", False, "the server's answer was not valid")
    MISSING_KEY = ("missing_key", False, "no API key is set for this provider")
    UNSUPPORTED = ("unsupported", False, "this model or parameter is not supported")
    CANCELLED = ("cancelled", False, "the run was cancelled")
    BUDGET = ("budget_reached", False, "the run's budget was reached")  # RunOptions.budget_usd
    OFFLINE = (
        "offline_refused",
        False,
        "offline mode refused a connection to a host that is not this machine",
    )
    UNKNOWN = ("unknown", False, "the call failed")

    def __init__(self, code: str, retryable: bool, summary: str) -> None:
        self.code = code
        self.retryable = retryable
        self.summary = summary


@dataclass(eq=False)
class ProviderError(Exception):
    """A failed model call, whichever client made it."""

    kind: ErrorKind
    detail: str = ""
    status: int | None = None
    retry_after_s: float | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @property
    def retryable(self) -> bool:
        return self.kind.retryable

    @property
    def message(self) -> str:
        """The summary a person understands, then what the server said."""
        status = f" (HTTP {self.status})" if self.status else ""
        detail = self.detail.strip()
        if detail and detail.lower() != self.kind.summary:
            return f"{self.kind.summary}{status}: {detail}"
        return f"{self.kind.summary}{status}"

    def as_cell_error(self) -> CellError:
        """As a cell keeps it: stored, written to records and shown."""
        return CellError(self.kind.code, self.message, self.retryable)


def kind_for_status(status: int, body: str = "") -> ErrorKind:  # noqa: PLR0911 - a flat table
    """Map an HTTP status (and what the body says) to an error kind."""
    lowered = body.lower()
    if status == 401:
        return ErrorKind.AUTHENTICATION
    if status == 403:
        return ErrorKind.PERMISSION
    if status == 404:
        return ErrorKind.NOT_FOUND
    if status in (408, 504):
        return ErrorKind.TIMEOUT
    if status == 402 or (status == 429 and "insufficient_quota" in lowered):
        return ErrorKind.QUOTA
    if status == 429:
        return ErrorKind.RATE_LIMIT
    if status == 413 or "context_length_exceeded" in lowered or "maximum context" in lowered:
        return ErrorKind.CONTEXT_WINDOW
    if status in (502, 503, 529):
        return ErrorKind.UNAVAILABLE
    if status >= 500:
        return ErrorKind.SERVER
    if status == 409:
        return ErrorKind.RATE_LIMIT
    if status >= 400:
        return ErrorKind.BAD_REQUEST
    return ErrorKind.BAD_RESPONSE
