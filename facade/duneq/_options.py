"""Client-side validation of ids, parameters and result options, with errors naming the problem."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypedDict, cast

from . import _constants as C
from ._errors import InvalidArgument
from ._policy.polling import RateConfig
from ._types import PartialPolicy, Performance
from ._warn import warn_at_caller


class ResultKwargs(TypedDict, total=False):
    """Result options accepted by every call that returns a result."""

    page_size: int
    limit: int | None
    offset: int | None
    columns: str | list[str] | None
    filters: str | None
    sort_by: str | list[str] | None
    sample_count: int | None
    partial: PartialPolicy
    ignore_datapoint_limit: bool
    #: The most datapoints (rows x columns) this one read may take: a larger result raises
    #: ResultTooLarge before any page is fetched. Not ``Client(max_datapoints=)``, the total.
    max_result_datapoints: int | None
    #: The former name of ``max_result_datapoints`` on a read (DeprecationWarning).
    max_datapoints: int | None


_ULID = re.compile(r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$")


def _as_int(value: object) -> int | None:
    """``value`` if it is a real int (bool excluded), else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def validate_query_id(query_id: object) -> int:
    """A saved query id: a positive int (a numeric string is accepted)."""
    if isinstance(query_id, str) and query_id.strip().isdigit():
        query_id = int(query_id.strip())
    number = _as_int(query_id)
    if number is None or number <= 0:
        raise InvalidArgument(f"query_id must be a positive integer, got {query_id!r}")
    return number


def validate_execution_id(execution_id: object, name: str = "execution_id") -> str:
    """An execution id: a 26-character ULID in Crockford base32 (e.g. 01HKZJ2683PHF9Q9PHHQ8FW4Q1)."""
    if not isinstance(execution_id, str):
        raise InvalidArgument(f"{name} must be a string ULID, got {type(execution_id).__name__}")
    candidate = execution_id.strip().upper()
    if not _ULID.match(candidate):
        what = name.replace("_id", " id").replace("_", " ")
        raise InvalidArgument(
            f"{name} {execution_id!r} is not a valid {what} "
            "(expected 26 characters of Crockford base32, like 01HKZJ2683PHF9Q9PHHQ8FW4Q1)"
        )
    return candidate


def validate_performance(performance: object) -> Performance | None:
    """None (let the API choose) or one of the tiers "medium" / "large"."""
    if performance is None:
        return None
    if not isinstance(performance, str) or performance not in C.PERFORMANCE_TIERS:
        tiers = ", ".join(sorted(C.PERFORMANCE_TIERS))
        raise InvalidArgument(f"performance must be one of {tiers} or None, got {performance!r}")
    return cast(Performance, performance)


def validate_partial(partial: object) -> PartialPolicy:
    """The partial-result policy: "error", "warn" or "allow"."""
    if not isinstance(partial, str) or partial not in C.PARTIAL_POLICIES:
        raise InvalidArgument(f'partial must be "error", "warn" or "allow", got {partial!r}')
    return cast(PartialPolicy, partial)


def validate_positive_int(name: str, value: object) -> int:
    number = _as_int(value)
    if number is None or number <= 0:
        raise InvalidArgument(f"{name} must be a positive integer, got {value!r}")
    return number


def validate_non_negative_int(name: str, value: object) -> int:
    number = _as_int(value)
    if number is None or number < 0:
        raise InvalidArgument(f"{name} must be a non-negative integer, got {value!r}")
    return number


def validate_timeout(name: str, value: object) -> float | None:
    """A non-negative number of seconds, or None for "no limit"."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise InvalidArgument(
            f"{name} must be a non-negative number of seconds or None, got {value!r}"
        )
    return float(value)


def validate_rate(rate: object) -> RateConfig:
    """The client's pacing settings: finite positive rates with floor <= ceiling, a
    non-negative increase and a positive window."""
    if rate is None:
        return RateConfig()
    if not isinstance(rate, RateConfig):
        raise InvalidArgument(f"rate must be a duneq.RateConfig or None, got {rate!r}")
    for name in ("ceiling", "floor", "window"):
        value = getattr(rate, name)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1e9:
            raise InvalidArgument(f"rate.{name} must be a positive number, got {value!r}")
    increase = rate.increase
    if (
        isinstance(increase, bool)
        or not isinstance(increase, int | float)
        or not 0 <= increase < 10
    ):
        raise InvalidArgument(f"rate.increase must be a number in [0, 10), got {increase!r}")
    if not rate.floor <= rate.ceiling:
        raise InvalidArgument("rate needs floor <= ceiling (requests per second)")
    return rate


def validate_text(name: str, text: str) -> str:
    """Text that can be sent as UTF-8 JSON (a lone surrogate, e.g. from a bad decode, cannot)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidArgument(
            f"{name} contains a character that is not valid Unicode text "
            f"({text[exc.start]!r} at position {exc.start}, a lone surrogate)"
        ) from None
    return text


def encode_param_value(key: str, value: object) -> Any:
    """One query parameter as Dune expects it: text for scalars, a list of text for multi-select."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return validate_text(f"parameter {key!r}", value)
    if isinstance(value, Decimal) and not value.is_finite():
        raise InvalidArgument(f"parameter {key!r} must be a finite number, got {value!r}")
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise InvalidArgument(f"parameter {key!r} must be a finite number, got {value!r}")
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d 00:00:00")
    if isinstance(value, list | tuple):
        items = [encode_param_value(key, item) for item in value]
        if any(isinstance(item, list) for item in items):
            raise InvalidArgument(f"parameter {key!r}: nested lists are not supported")
        return items
    raise InvalidArgument(
        f"parameter {key!r} has unsupported type {type(value).__name__}; "
        "use str, int, float, bool, Decimal, date, datetime or a list of those"
    )


def encode_params(params: Mapping[str, object] | None) -> dict[str, Any]:
    """Validate and encode a parameters mapping for the ``query_parameters`` body field."""
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise InvalidArgument(
            f"params must be a mapping of name to value, got {type(params).__name__}"
        )
    out: dict[str, Any] = {}
    for key, value in params.items():
        if not isinstance(key, str) or not key:
            raise InvalidArgument(f"parameter names must be non-empty strings, got {key!r}")
        validate_text("parameter name", key)
        out[key] = encode_param_value(key, value)
    return out


def _columns(columns: object) -> str | None:
    if columns is None:
        return None
    if isinstance(columns, str):
        names = [part.strip() for part in columns.split(",")]
    elif isinstance(columns, Sequence) and all(isinstance(c, str) for c in columns):
        names = [c.strip() for c in columns]
    else:
        raise InvalidArgument("columns must be a list of column names or a comma-separated string")
    if not names or any(not name for name in names):
        raise InvalidArgument(f"columns contains an empty column name: {columns!r}")
    return ",".join(names)


def _sort_by(sort_by: object) -> str | None:
    if sort_by is None:
        return None
    if isinstance(sort_by, str):
        parts = [sort_by.strip()]
    elif isinstance(sort_by, Sequence) and all(isinstance(s, str) for s in sort_by):
        parts = [s.strip() for s in sort_by]
    else:
        raise InvalidArgument('sort_by must be a string like "col desc" or a list of them')
    if not parts or any(not part for part in parts):
        raise InvalidArgument(f"sort_by contains an empty entry: {sort_by!r}")
    return ",".join(parts)


def _filters(filters: object) -> str | None:
    if filters is None:
        return None
    if not isinstance(filters, str) or not filters.strip():
        raise InvalidArgument(
            "filters must be a non-empty string like \"amount > 10 AND chain = 'x'\""
        )
    return filters.strip()


@dataclass(frozen=True)
class ResultOptions:
    """Validated options of a result read (the request builders turn them into parameters)."""

    page_size: int = C.DEFAULT_PAGE_SIZE
    offset: int = 0
    limit: int | None = None
    columns: str | None = None
    filters: str | None = None
    sort_by: str | None = None
    sample_count: int | None = None
    partial: PartialPolicy = "warn"
    ignore_datapoint_limit: bool = False
    max_result_datapoints: int | None = None

    @classmethod
    def build(
        cls,
        *,
        page_size: object = C.DEFAULT_PAGE_SIZE,
        offset: object = None,
        limit: object = None,
        columns: object = None,
        filters: object = None,
        sort_by: object = None,
        sample_count: object = None,
        partial: object = C.DEFAULT_PARTIAL_POLICY,
        ignore_datapoint_limit: object = False,
        max_result_datapoints: object = None,
        max_datapoints: object = None,
    ) -> ResultOptions:
        """Validate every option, including sample_count's incompatibilities."""
        size = validate_positive_int("page_size", page_size)
        off = 0 if offset is None else validate_non_negative_int("offset", offset)
        lim = None if limit is None else validate_positive_int("limit", limit)
        sample = (
            None if sample_count is None else validate_positive_int("sample_count", sample_count)
        )
        if sample is not None:
            conflicts = [
                name
                for name, given in (("limit", lim), ("offset", offset), ("filters", filters))
                if given is not None
            ]
            if conflicts:
                raise InvalidArgument(
                    f"sample_count cannot be combined with {', '.join(conflicts)} (Dune rejects it)"
                )
        if not isinstance(ignore_datapoint_limit, bool):
            raise InvalidArgument("ignore_datapoint_limit must be True or False")
        if max_datapoints is not None:
            if max_result_datapoints is not None:
                raise InvalidArgument(
                    "give max_result_datapoints only (max_datapoints is its former name)"
                )
            warn_at_caller(
                DeprecationWarning(
                    "max_datapoints= on a read is now max_result_datapoints= (one result's "
                    "cap); Client(max_datapoints=) is the client's total datapoint budget"
                )
            )
            max_result_datapoints = max_datapoints
        budget = (
            None
            if max_result_datapoints is None
            else validate_positive_int("max_result_datapoints", max_result_datapoints)
        )
        return cls(
            page_size=size,
            offset=off,
            limit=lim,
            columns=_columns(columns),
            filters=_filters(filters),
            sort_by=_sort_by(sort_by),
            sample_count=sample,
            partial=validate_partial(partial),
            ignore_datapoint_limit=ignore_datapoint_limit,
            max_result_datapoints=budget,
        )
