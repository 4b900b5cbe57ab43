from __future__ import annotations

import inspect

import pytest

from workbench.errors import ErrorKind
from workbench.providers.litellm_errors import LITELLM_EXCEPTIONS, kind_for_exception
from workbench.providers.litellm_provider import load_litellm, to_provider_error


def _litellm_exception_classes() -> list[type[BaseException]]:
    exceptions = load_litellm().exceptions
    return [
        cls
        for _, cls in inspect.getmembers(exceptions, inspect.isclass)
        if issubclass(cls, BaseException) and cls.__module__.startswith("litellm")
    ]


def test_every_litellm_exception_is_in_the_table() -> None:
    """Fails when litellm adds an exception: classify it on purpose in litellm_errors.py."""
    unknown = sorted(c.__name__ for c in _litellm_exception_classes())
    unknown = [name for name in unknown if name not in LITELLM_EXCEPTIONS]
    assert unknown == []


def test_subclass_resolves_to_its_nearest_entry() -> None:
    litellm = load_litellm()
    exc = litellm.exceptions.ContextWindowExceededError(
        message="too long", model="m", llm_provider="openai"
    )
    assert kind_for_exception(exc) is ErrorKind.CONTEXT_WINDOW


@pytest.mark.parametrize(
    ("name", "kind", "retryable"),
    [
        ("RateLimitError", ErrorKind.RATE_LIMIT, True),
        ("AuthenticationError", ErrorKind.AUTHENTICATION, False),
        ("NotFoundError", ErrorKind.NOT_FOUND, False),
        ("ServiceUnavailableError", ErrorKind.UNAVAILABLE, True),
        ("InternalServerError", ErrorKind.SERVER, True),
    ],
)
def test_mapping_gives_kind_and_retry_flag(name: str, kind: ErrorKind, retryable: bool) -> None:
    cls = getattr(load_litellm().exceptions, name)
    exc = cls(message="litellm.X: OpenAIException - it broke", model="m", llm_provider="openai")
    error = to_provider_error(exc)
    assert error.kind is kind
    assert error.retryable is retryable
    assert "it broke" in error.message
    assert "OpenAIException" not in error.message


def test_unknown_exception_is_unknown_not_a_crash() -> None:
    error = to_provider_error(ValueError("odd"))
    assert error.kind is ErrorKind.UNKNOWN
    assert error.retryable is False
