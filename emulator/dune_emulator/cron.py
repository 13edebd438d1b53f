"""Validation of materialized-view cron schedules: five fields, every >= 15 minutes, <= weekly."""

from __future__ import annotations

from itertools import pairwise

from .errors import bad_request

_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12))
_WEEKDAY = ("day of week", 0, 7)


def expand(text: str, what: str, lo: int, hi: int) -> set[int]:
    """The values a cron field matches (`*`, `a`, `a-b`, lists, `/step`), or 400."""
    out: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        try:
            step = int(step_text) if step_text else 1
            if base == "*":
                start, stop = lo, hi
            elif "-" in base:
                a, b = base.split("-", 1)
                start, stop = int(a), int(b)
            else:
                start = int(base)
                stop = hi if step_text else start
        except ValueError:
            raise bad_request(f"invalid cron {what} field {text!r}") from None
        if step < 1 or not lo <= start <= stop <= hi:
            raise bad_request(f"invalid cron {what} field {text!r} (allowed {lo}-{hi})")
        out.update(range(start, stop + 1, step))
    return out


def validate_cron(expr: object) -> str:
    """Accept a 5-field cron that runs at most every 15 minutes and at least weekly.

    Rule: minutes that fire are >= 15 apart (cyclically); day of month and month match every
    value (a monthly or yearly schedule is less often than weekly); any hour/day-of-week set."""
    if not isinstance(expr, str):
        raise bad_request("cron_expression must be a string")
    fields = expr.split()
    if len(fields) != 5:
        raise bad_request(f"cron_expression must have 5 fields, got {len(fields)}: {expr!r}")
    values = [expand(f, *spec) for f, spec in zip(fields, _FIELDS, strict=False)]
    expand(fields[4], *_WEEKDAY)
    minutes = sorted(values[0])
    gaps = [b - a for a, b in pairwise(minutes)]
    gaps.append(minutes[0] + 60 - minutes[-1])
    if len(minutes) > 1 and min(gaps) < 15:
        raise bad_request(f"cron_expression {expr!r} runs more often than every 15 minutes")
    if len(values[2]) < 31 or len(values[3]) < 12:
        raise bad_request(f"cron_expression {expr!r} runs less often than weekly")
    return " ".join(fields)
