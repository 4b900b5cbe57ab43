from __future__ import annotations

from datetime import UTC, datetime

import pytest

from workbench.errors import ErrorKind, ProviderError, kind_for_status
from workbench.providers.sse import SSEParser
from workbench.retry import RetryPolicy, parse_retry_after


def test_sse_events_split_across_reads() -> None:
    parser = SSEParser()
    stream = b'data: {"a":1}\n\ndata: {"b"\r\n'
    assert parser.feed(stream[:9]) == []
    assert parser.feed(stream[9:]) == [b'{"a":1}']
    assert parser.feed(b":comment\ndata: :2}\n\n") == [b'{"b"\n:2}']
    assert parser.feed(b"data: [DONE]") == []
    assert parser.close() == [b"[DONE]"]


@pytest.mark.parametrize(
    ("value", "seconds"), [("3", 3.0), ("0.5", 0.5), ("-2", 0.0), ("", None), ("soon", None)]
)
def test_retry_after_seconds(value: str, seconds: float | None) -> None:
    assert parse_retry_after(value) == seconds


def test_retry_after_http_date() -> None:
    now = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Sat, 21 Nov 2026 12:00:07 GMT", now=now) == 7.0


def test_policy_honours_retry_after_and_caps_it() -> None:
    policy = RetryPolicy(max_attempts=3, max_retry_after_s=30)
    limited = ProviderError(ErrorKind.RATE_LIMIT, retry_after_s=4)
    assert policy.delay_s(limited, 1) == 4
    assert policy.delay_s(ProviderError(ErrorKind.RATE_LIMIT, retry_after_s=600), 1) == 30
    assert policy.should_retry(limited, 2)
    assert not policy.should_retry(limited, 3)
    assert not policy.should_retry(ProviderError(ErrorKind.AUTHENTICATION), 1)


def test_backoff_grows_and_stays_under_ceiling() -> None:
    policy = RetryPolicy(base_delay_s=1, max_delay_s=5)
    error = ProviderError(ErrorKind.SERVER)
    for attempt, ceiling in ((1, 1), (2, 2), (3, 4), (6, 5)):
        delay = policy.delay_s(error, attempt)
        assert ceiling / 2 <= delay <= ceiling


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (401, "", ErrorKind.AUTHENTICATION),
        (404, "", ErrorKind.NOT_FOUND),
        (429, "", ErrorKind.RATE_LIMIT),
        (429, '{"error": {"code": "insufficient_quota"}}', ErrorKind.QUOTA),
        (400, "context_length_exceeded", ErrorKind.CONTEXT_WINDOW),
        (400, "", ErrorKind.BAD_REQUEST),
        (500, "", ErrorKind.SERVER),
        (503, "", ErrorKind.UNAVAILABLE),
        (504, "", ErrorKind.TIMEOUT),
    ],
)
def test_status_mapping(status: int, body: str, kind: ErrorKind) -> None:
    assert kind_for_status(status, body) is kind


def test_error_message_reads_well() -> None:
    error = ProviderError(ErrorKind.AUTHENTICATION, "Incorrect API key provided", status=401)
    assert error.message == "the API key was refused (HTTP 401): Incorrect API key provided"
    assert error.as_cell_error().as_dict() == {
        "type": "authentication",
        "message": error.message,
        "retryable": False,
    }
