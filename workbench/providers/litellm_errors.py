"""litellm's exception types mapped to the project's error kinds: the one table.

Keyed by class name so this module need not import litellm. A test fails when litellm grows an
exception this table does not know, so a new failure mode is classified on purpose, not by accident.
"""

from __future__ import annotations

from collections.abc import Mapping

from workbench.errors import ErrorKind

LITELLM_EXCEPTIONS: Mapping[str, ErrorKind] = {
    # Most specific first only matters for readers: lookup walks each error's class hierarchy.
    "AuthenticationError": ErrorKind.AUTHENTICATION,
    "PermissionDeniedError": ErrorKind.PERMISSION,
    "NotFoundError": ErrorKind.NOT_FOUND,
    "ModelNotMappedError": ErrorKind.NOT_FOUND,
    "LiteLLMUnknownProvider": ErrorKind.NOT_FOUND,
    "ContextWindowExceededError": ErrorKind.CONTEXT_WINDOW,
    "ContentPolicyViolationError": ErrorKind.CONTENT_POLICY,
    "GuardrailRaisedException": ErrorKind.CONTENT_POLICY,
    "BlockedPiiEntityError": ErrorKind.CONTENT_POLICY,
    "SensitiveDataRouteException": ErrorKind.CONTENT_POLICY,
    "RejectedRequestError": ErrorKind.CONTENT_POLICY,
    "PaymentRequiredError": ErrorKind.QUOTA,
    "BudgetExceededError": ErrorKind.QUOTA,
    "UnsupportedParamsError": ErrorKind.UNSUPPORTED,
    "ImageFetchError": ErrorKind.BAD_REQUEST,
    "VectorStoreSearchError": ErrorKind.BAD_REQUEST,
    "InvalidRequestError": ErrorKind.BAD_REQUEST,
    "BadRequestError": ErrorKind.BAD_REQUEST,
    "UnprocessableEntityError": ErrorKind.BAD_REQUEST,
    "ModifyResponseException": ErrorKind.BAD_REQUEST,
    "RateLimitError": ErrorKind.RATE_LIMIT,
    "Timeout": ErrorKind.TIMEOUT,
    "APIConnectionError": ErrorKind.CONNECTION,
    "MidStreamFallbackError": ErrorKind.STREAM_BROKEN,
    "ServiceUnavailableError": ErrorKind.UNAVAILABLE,
    "BadGatewayError": ErrorKind.UNAVAILABLE,
    "InternalServerError": ErrorKind.SERVER,
    "APIResponseValidationError": ErrorKind.BAD_RESPONSE,
    "JSONSchemaValidationError": ErrorKind.BAD_RESPONSE,
    "APIError": ErrorKind.SERVER,
    "OpenAIError": ErrorKind.UNKNOWN,
    "MockException": ErrorKind.UNKNOWN,
}


def kind_for_exception(exc: BaseException) -> ErrorKind | None:
    """The kind for a litellm exception (the nearest class in its hierarchy), else None."""
    for cls in type(exc).__mro__:
        if cls.__module__.startswith(("litellm", "openai")):
            kind = LITELLM_EXCEPTIONS.get(cls.__name__)
            if kind is not None:
                return kind
    return None
