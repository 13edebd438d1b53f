"""Exit codes of the duneq command and the mapping from an exception to (code, one-line message)."""

from __future__ import annotations

import re

from duneq import (
    APIConnectionError,
    APIError,
    APIStatusError,
    AuthenticationError,
    BudgetExceeded,
    DatapointLimitExceeded,
    DuneError,
    ExecutionCancelled,
    ExecutionError,
    ExecutionExpired,
    ExecutionTimeout,
    InvalidArgument,
    MissingAPIKey,
    NotFound,
    PartialResultError,
    PaymentRequired,
    PermissionDenied,
    PipelineFailed,
    QueryFailed,
    RateLimited,
    ResultTooLarge,
    SweepStopped,
)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_NOT_FOUND = 4
EXIT_QUERY_FAILED = 5
EXIT_TIMEOUT = 6
EXIT_RATE_LIMITED = 7
EXIT_LIMIT = 8
EXIT_INTERRUPTED = 130

EXIT_CODES_HELP = """\
exit codes:
  0  success
  1  other API or unexpected error
  2  usage error or invalid argument
  3  authentication: missing, invalid or insufficient API key (401/403)
  4  not found (404)
  5  query (or a pipeline node) failed, was cancelled or expired, or a partial
     result was refused
  6  timeout: the execution did not finish within --timeout
  7  rate limited (429 after retries)
  8  datapoint limit, --max-datapoints budget, or billing limit (402)
  130  interrupted (Ctrl-C)"""


class UsageError(Exception):
    """Bad command-line input, reported as one line with exit code 2."""


class QueryArchived(DuneError):
    """Dune refused to execute a saved query because it is archived (its 403 also covers a
    missing permission, which keeps the authentication exit code)."""


class Interrupted(Exception):
    """Ctrl-C, with a message that says what became of the execution (exit code 130)."""


def exit_code_for(exc: BaseException) -> int:
    """The exit code of the error class ``exc`` belongs to."""
    if isinstance(exc, SweepStopped):  # the code of the error that stopped it
        return exit_code_for(exc.error)
    if isinstance(exc, Interrupted):
        return EXIT_INTERRUPTED
    if isinstance(exc, UsageError | InvalidArgument):
        return EXIT_USAGE
    if isinstance(exc, MissingAPIKey | AuthenticationError | PermissionDenied):
        return EXIT_AUTH
    if isinstance(exc, NotFound):
        return EXIT_NOT_FOUND
    if isinstance(exc, ExecutionTimeout):
        return EXIT_TIMEOUT
    if isinstance(
        exc,
        QueryFailed | PipelineFailed | ExecutionCancelled | ExecutionExpired | PartialResultError,
    ):
        return EXIT_QUERY_FAILED
    if isinstance(exc, RateLimited):
        return EXIT_RATE_LIMITED
    if isinstance(exc, PaymentRequired | BudgetExceeded):  # ResultTooLarge too
        return EXIT_LIMIT
    return EXIT_ERROR


def transport_problem(cause: str, base_url: str | None) -> str:
    """``cannot connect to URL (connection refused)`` from a failure such as ``connect:
    ConnectError: [Errno 111] Connection refused`` (or ``connect error: ...``)."""
    kind, _, detail = cause.partition(":")
    kind = kind.removesuffix(" error").strip()
    detail = re.sub(
        r"^(cannot resolve host \S+ \(\S+\)|\S+ refused the connection): ", "", detail.strip()
    )
    detail = detail.split("; check the base URL", 1)[0]
    detail = re.sub(r" \(\S+:\d+\)$", "", detail)
    name, _, reason = detail.strip().partition(":")
    reason = re.sub(r"^\[Errno -?\d+\]\s*", "", reason.strip()) or name.strip() or kind
    reason = reason[:1].lower() + reason[1:]
    where = base_url or "the Dune API"
    if kind == "resolve":
        return f"cannot resolve the host of {where} ({reason})"
    if kind in ("connect", "refused"):
        return f"cannot connect to {where} ({reason})"
    if kind == "timeout":
        return f"no answer from {where} in time ({reason})"
    return f"the connection to {where} broke ({reason})"


def _message(exc: BaseException, base_url: str | None = None) -> str:
    if isinstance(exc, APIConnectionError):
        kind = exc.message.partition(" error:")[0]
        if kind in ("resolve", "refused", "connect", "timeout", "read", "protocol"):
            text = transport_problem(exc.message, base_url)
            hint = kind in ("resolve", "refused", "connect")
            return f"{text}; check --base-url or DUNE_API_BASE_URL" if hint else text
    if isinstance(exc, MissingAPIKey):
        return "no Dune API key: set DUNE_API_KEY or pass --api-key"
    if isinstance(exc, DatapointLimitExceeded):
        text = exc.api_message or "the result exceeds the per-request datapoint limit"
        return (
            f"{text} -- fix: rerun with --ignore-datapoint-limit, or fetch less with "
            "--limit/--columns/--filters"
        )
    if isinstance(exc, ResultTooLarge):
        return (
            f"the result has {exc.total_rows:,} rows x {exc.columns} columns = "
            f"{exc.datapoints:,} datapoints, over --max-datapoints {exc.budget:,} -- fix: raise "
            "--max-datapoints or fetch less with --limit/--columns"
        )
    if isinstance(exc, PartialResultError):
        return (
            "the result is partial (truncated by Dune) -- use --partial warn or "
            "--partial allow to read the rows that were kept"
        )
    if isinstance(exc, QueryFailed):
        return f"query failed: {exc.error_message}"
    if isinstance(exc, APIStatusError):
        text = exc.api_message or exc.message
        return f"{text} (HTTP {exc.status_code})"
    if isinstance(exc, APIError | ExecutionError):
        return exc.message
    if isinstance(exc, DuneError | UsageError | Interrupted):
        return str(exc)
    return f"unexpected {type(exc).__name__}: {exc}"


#: Dune's own tag in an engine error; the line carries ours instead.
_DUNE_ID_TAG = re.compile(r"\s*\[Execution ID: [^\]]*\]", re.I)


def error_line(exc: BaseException, *, base_url: str | None = None) -> str:
    """``error: <message> [execution_id=...] [line L, column C]`` on one line; the id is said
    once, in its tag (taken out of the message, and out of Dune's own ``[Execution ID: ...]``)."""
    message = _DUNE_ID_TAG.sub("", _message(exc, base_url))
    parts = []
    execution_id = getattr(exc, "execution_id", None)
    if isinstance(execution_id, str) and execution_id:
        message = message.replace(f" {execution_id}", "")
        parts.append(f"[execution_id={execution_id}]")
    if isinstance(exc, QueryFailed) and exc.line is not None:
        parts.append(f"[line {exc.line}, column {exc.column}]")
    return " ".join([f"error: {message}", *parts]).replace("\n", " ")
