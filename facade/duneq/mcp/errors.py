"""Turn any failure into one readable sentence for the model (raised as the SDK's ToolError),
with the API's own text, line and column for SQL errors, and what to try next."""

from __future__ import annotations

import re

import duneq as E

#: An ``api_key=...`` query value, wherever it may appear in a message.
_KEY_IN_URL = re.compile(r"(api_key=)[^&\s]*", re.IGNORECASE)
_EXECUTION_SUFFIX = re.compile(r"\s*\[Execution ID: [0-9A-Z]+\]\s*$")
_LOCATION_PREFIX = re.compile(r"^line \d+:\d+:\s*")


def _clean(text: str) -> str:
    return " ".join(text.split()).rstrip(".")


def sentence(exc: BaseException, *, secret: str | None = None) -> str:
    """One sentence describing ``exc``; ``secret`` (the API key) is scrubbed from it."""
    text = _sentence(exc)
    if secret:
        text = text.replace(secret, "***")
    return _KEY_IN_URL.sub(r"\1***", text)


def _api_text(exc: E.APIStatusError) -> str:
    return _clean(exc.api_message or exc.message or f"HTTP {exc.status_code}")


def _num(value: float) -> str:
    return (
        f"{value:,.6g}" if isinstance(value, float) and not value.is_integer() else f"{value:,.0f}"
    )


def budget_sentence(exc: E.BudgetExceeded) -> str:
    """The session budget's refusal: which limit (the flag that set it), what is left, and
    what to do instead. Credits and datapoints are the client's own limits."""
    if exc.unit == "executions":
        return (
            f"Refused by the session budget: this would be execution {_num(exc.spent + 1)}, but "
            f"--max-executions is {_num(exc.limit)} and all are used; reuse a result with "
            "latest_result or get_results instead of running again."
        )
    if exc.unit == "credits":
        return (
            f"Refused by the session budget: this execution is estimated at "
            f"{_num(exc.would_cost)} credits, but only {_num(exc.left)} of the "
            f"{_num(exc.limit)}-credit budget (--max-credits) remain; reuse a result with "
            "latest_result or get_results instead."
        )
    return (
        f"Refused by the session budget: fetching these results needs {_num(exc.would_cost)} "
        f"datapoints, but only {_num(exc.left)} of the {_num(exc.limit)}-datapoint budget "
        "(--max-datapoints) remain; ask for fewer rows (limit) or columns (columns), or "
        "filter server-side."
    )


def _sentence(exc: BaseException) -> str:
    if isinstance(exc, E.BudgetExceeded):
        return budget_sentence(exc)
    if isinstance(exc, E.QueryFailed):
        message = _clean(_LOCATION_PREFIX.sub("", _EXECUTION_SUFFIX.sub("", exc.error_message)))
        where = f" at line {exc.line}, column {exc.column}" if exc.line is not None else ""
        return (
            f"The SQL failed{where}: {message} (execution {exc.execution_id}); fix the SQL and "
            "run it again (get_dataset shows a table's columns and types)."
        )
    if isinstance(exc, E.ExecutionCancelled):
        return f"Execution {exc.execution_id} was cancelled; run it again if you still need it."
    if isinstance(exc, E.ExecutionExpired):
        return (
            f"The results of execution {exc.execution_id} have expired; run the query again "
            "(or try latest_result)."
        )
    if isinstance(exc, E.InvalidArgument):
        return f"Invalid argument: {_clean(str(exc))}; nothing was sent to Dune."
    if isinstance(exc, E.AuthenticationError):
        return (
            "Dune rejected the API key (HTTP 401); the server's DUNE_API_KEY must be set to a "
            "valid key, which the user has to fix."
        )
    if isinstance(exc, E.DatapointLimitExceeded):
        return (
            f"Dune refused the results fetch: {_api_text(exc)}; ask for fewer rows (limit) or "
            "columns (columns)."
        )
    if isinstance(exc, E.PaymentRequired):
        return f"Dune refused for billing reasons: {_api_text(exc)}; check usage()."
    if isinstance(exc, E.PermissionDenied):
        return f"Dune denied access: {_api_text(exc)}; this key cannot do that."
    if isinstance(exc, E.NotFound):
        return f"Not found: {_api_text(exc)}; check the id or name (search_datasets lists tables)."
    if isinstance(exc, E.RateLimited):
        return f"Dune is rate limiting this key: {_api_text(exc)}; wait a little and try again."
    if isinstance(exc, E.ServerError):
        return (
            f"Dune had a server error (HTTP {exc.status_code}): {_api_text(exc)}; try again soon."
        )
    if isinstance(exc, E.APIStatusError):
        return f"Dune rejected the request (HTTP {exc.status_code}): {_api_text(exc)}."
    if isinstance(exc, E.ExecutionMayHaveStarted):
        where = f" as {exc.execution_id}" if exc.execution_id else ""
        return (
            f"The execute request failed ambiguously ({_clean(exc.cause)}); it may have started"
            f"{where} and been billed, so check before running it again."
        )
    if isinstance(exc, E.APIConnectionError):
        return f"Could not reach Dune ({_clean(exc.message)}); try again in a moment."
    if isinstance(exc, E.DuneError):
        return _clean(str(exc)) + "."
    return f"Unexpected error ({type(exc).__name__}); try again, or report it if it persists."
