"""Unit tests of duneq's pure pieces: retry rules, Retry-After, schedule, options, metadata."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import duneq
import orjson
import pytest
from duneq import _constants as C
from duneq._flows.send import status_error as make_status_error
from duneq._options import (
    ResultOptions,
    encode_params,
    validate_execution_id,
    validate_query_id,
)
from duneq._policy.polling import PollConfig, RateLimiter, poll_interval
from duneq._policy.retry import (
    RetryPolicy,
    backoff_delay,
    is_retryable_failure,
    is_retryable_status,
    parse_retry_after,
)
from duneq._protocol import RawResponse, Request
from duneq._states import ExecutionState, parse_state
from duneq._wire.adapter import status_from_wire
from duneq._wire.models import PageMetadata, merge_metadata, parse_timestamp
from helpers.flowscript import Script, json_reply

EID = "01HKZJ2683PHF9Q9PHHQ8FW4Q1"


# -- Retry-After and retry decisions


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "0"}, 0.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after": "-1"}, None),
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_parse_retry_after_seconds(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers) == expected


def test_parse_retry_after_http_date() -> None:
    now = dt.datetime(2024, 1, 1, 12, 0, 0, tzinfo=dt.UTC)
    headers = {"retry-after": "Mon, 01 Jan 2024 12:00:07 GMT"}
    assert parse_retry_after(headers, now=lambda: now) == 7.0
    past = {"retry-after": "Mon, 01 Jan 2024 11:00:00 GMT"}
    assert parse_retry_after(past, now=lambda: now) == 0.0


def test_backoff_caps_retry_after_and_grows_exponentially() -> None:
    policy = RetryPolicy(max_retry_after=10.0)
    assert backoff_delay(0, 500.0, policy) == 10.0
    assert backoff_delay(3, 2.0, policy) == 2.0
    no_jitter = [backoff_delay(n, None, policy, rand=lambda: 0.0) for n in range(6)]
    assert no_jitter == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert backoff_delay(1, None, policy, rand=lambda: 1.0) == pytest.approx(0.75)


def test_execute_is_retried_only_when_provably_not_started() -> None:
    assert is_retryable_status(429, "billed")
    for status in (500, 502, 503, 504):
        assert not is_retryable_status(status, "billed")
        assert is_retryable_status(status, "idempotent")
    assert is_retryable_failure("connect", "billed")
    for kind in ("timeout", "read", "protocol"):
        assert not is_retryable_failure(kind, "billed")
        assert is_retryable_failure(kind, "idempotent")


# -- error mapping


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, duneq.BadRequest),
        (401, duneq.AuthenticationError),
        (402, duneq.PaymentRequired),
        (403, duneq.PermissionDenied),
        (404, duneq.NotFound),
        (409, duneq.Conflict),
        (429, duneq.RateLimited),
        (500, duneq.ServerError),
        (503, duneq.ServerError),
    ],
)
def test_status_mapping(status: int, cls: type[duneq.APIStatusError]) -> None:
    err = make_status_error(status, b'{"error":"boom"}', "GET", "/api/v1/x", execution_id=EID)
    assert type(err) is cls
    assert isinstance(err, duneq.APIStatusError)
    assert err.status_code == status
    assert err.api_message == "boom"
    assert err.execution_id == EID
    assert "boom" in str(err) and "GET /api/v1/x" in str(err)


def test_datapoint_limit_error_says_how_to_lift_it() -> None:
    body = (
        b'{"error":"This api request would exceed your configured limits per request. '
        b'Please visit your settings on dune.com and adjust your limits to continue usage."}'
    )
    err = make_status_error(402, body, "GET", "/api/v1/execution/x/results")
    assert isinstance(err, duneq.DatapointLimitExceeded)
    assert isinstance(err, duneq.PaymentRequired)
    assert "ignore_datapoint_limit=True" in str(err)
    billing = make_status_error(402, b'{"error":"limits per billing cycle"}', "GET", "/x")
    assert type(billing) is duneq.PaymentRequired


def test_odd_status_and_html_bodies() -> None:
    odd = make_status_error(520, b"<html>oops</html>", "GET", "/api/v1/x")
    assert isinstance(odd, duneq.ServerError)
    teapot = make_status_error(418, b"<html>", "GET", "/api/v1/x")
    assert isinstance(teapot, duneq.ResponseValidationError)
    assert teapot.status_code == 418
    html = make_status_error(502, b"<html>Bad gateway</html>", "GET", "/api/v1/x")
    assert isinstance(html, duneq.ServerError) and html.api_message is None
    assert "non-JSON body" in str(html)


def test_errors_never_show_api_key_in_path() -> None:
    err = make_status_error(400, b"{}", "GET", "/api/v1/x?api_key=SECRET&limit=1")
    assert "SECRET" not in str(err) and err.path is not None and "SECRET" not in err.path


# -- states


def test_state_parsing_is_tolerant() -> None:
    assert parse_state("QUERY_STATE_CANCELED") is ExecutionState.CANCELLED
    assert parse_state("QUERY_STATE_CANCELLED") is ExecutionState.CANCELLED
    assert parse_state("QUERY_STATE_NEW_THING") == "QUERY_STATE_NEW_THING"


# -- polling schedule


def test_poll_interval_grows_to_cap_with_bounded_jitter() -> None:
    cfg = PollConfig()
    first = poll_interval(0.0, ExecutionState.EXECUTING, None, cfg, rand=lambda: 0.5)
    assert first == C.POLL_FIRST_INTERVAL
    assert poll_interval(1000.0, ExecutionState.EXECUTING, None, cfg, rand=lambda: 0.5) == cfg.cap
    high = poll_interval(1000.0, ExecutionState.EXECUTING, None, cfg, rand=lambda: 1.0)
    assert high == pytest.approx(cfg.cap * (1 + cfg.jitter))
    queued = poll_interval(0.0, ExecutionState.PENDING, 20, cfg, rand=lambda: 0.5)
    assert queued == cfg.pending_cap  # polls slower while queued


def _heard(limiter: RateLimiter, ticket: int, remaining: int, reset: float, now: float) -> None:
    """The limiter reads one answer's rate-limit headers (a 40-a-minute read policy)."""
    headers = {
        "RateLimit-Policy": '"read";q=40;w=60, "ip";q=1000;w=1',
        "RateLimit": f'"read";r={remaining};t={reset:g}, "ip";r=999;t=1',
    }
    limiter.observe(
        "high",
        ticket,
        {k.lower(): v for k, v in headers.items()},
        now,
        status=200,
        retry_after=None,
    )


def test_rate_limiter_delays_nothing_without_evidence() -> None:
    limiter = RateLimiter()
    slots = [limiter.reserve(bucket, 0.0, needed=40) for bucket in ("high", "low") * 500]
    assert {slot.delay for slot in slots} == {0.0}  # 1000 requests at once: no pacing
    assert limiter.rate("high") is None


def test_rate_limiter_follows_the_servers_headers() -> None:
    limiter = RateLimiter()
    first = limiter.reserve("high", 0.0)
    _heard(limiter, first.ticket, remaining=3, reset=30, now=0.0)
    # three remain; a read needing only those goes at once, the fourth waits for the reset
    assert [limiter.reserve("high", 0.0).delay for _ in range(4)] == [0.0, 0.0, 0.0, 30.0]
    # after the reset the policy's quota (40) is there again
    assert [limiter.reserve("high", 31.0).delay for _ in range(39)] == [0.0] * 39
    assert limiter.reserve("low", 31.0).delay == 0.0  # buckets are separate


def test_rate_limiter_spreads_a_read_that_needs_more_than_remain() -> None:
    limiter = RateLimiter()
    _heard(limiter, limiter.reserve("high", 0.0).ticket, remaining=10, reset=60, now=0.0)
    delays = [limiter.reserve("high", 0.0, needed=20 - n).delay for n in range(10)]
    assert delays == pytest.approx([6.0 * n for n in range(10)])  # 10 left over 60 s


def test_rate_limiter_counts_requests_sent_after_an_answer() -> None:
    limiter = RateLimiter()
    tickets = [limiter.reserve("high", 0.0).ticket for _ in range(5)]
    _heard(limiter, tickets[0], remaining=6, reset=60, now=0.1)  # 4 more were already sent
    assert [limiter.reserve("high", 0.1).delay for _ in range(3)] == [0.0, 0.0, 60.0]
    _heard(limiter, tickets[1], remaining=7, reset=60, now=0.2)  # newer: 7 - (8 - 2) = 1 left
    assert [limiter.reserve("high", 0.2).delay for _ in range(2)] == [0.0, 60.0]
    _heard(limiter, tickets[0], remaining=30, reset=60, now=0.3)  # older news is ignored
    assert limiter.reserve("high", 0.3).delay > 0


def test_rate_limiter_keeps_the_lower_word_when_answers_cross() -> None:
    """Three pages sent together reach the server in the order 3, 1, 2, so the answer of the
    newest says the most remain; the older answers arriving after it must still count."""
    limiter = RateLimiter()
    tickets = [limiter.reserve("high", 0.0).ticket for _ in range(3)]
    _heard(limiter, tickets[2], remaining=9, reset=60, now=0.1)  # the server's first
    _heard(limiter, tickets[0], remaining=8, reset=60, now=0.1)
    _heard(limiter, tickets[1], remaining=7, reset=60, now=0.1)  # truly 7 remain now
    free = [limiter.reserve("high", 0.1).delay for _ in range(8)]
    assert free == [0.0] * 7 + [pytest.approx(60.0)]  # exactly what truly remains, at once


def test_rate_limiter_forgets_requests_that_ended_without_an_answer() -> None:
    """A request lost to a transport failure is no longer in flight: later answers do not
    keep counting it off what remains."""
    limiter = RateLimiter()
    lost = limiter.reserve("high", 0.0).ticket
    limiter.settled("high", lost)
    answered = limiter.reserve("high", 0.0).ticket
    _heard(limiter, answered, remaining=5, reset=60, now=0.1)
    assert [limiter.reserve("high", 0.1).delay for _ in range(6)] == [0.0] * 5 + [
        pytest.approx(60.0)
    ]


def test_rate_limiter_holds_for_retry_after_then_paces_at_what_succeeded() -> None:
    limiter = RateLimiter()
    for n in range(10):  # 10 successes within the last minute, no headers at all
        slot = limiter.reserve("high", float(n))
        limiter.observe("high", slot.ticket, {}, float(n), status=200, retry_after=None)
    slot = limiter.reserve("high", 10.0)
    limiter.observe("high", slot.ticket, {}, 10.0, status=429, retry_after=50.0)
    assert limiter.held("high", 20.0) == pytest.approx(40.0)
    assert limiter.rate("high") == pytest.approx(10 / 60)
    delays = [limiter.reserve("high", 20.0).delay for _ in range(3)]
    assert delays == pytest.approx([40.0, 46.0, 52.0])  # after the hold, 1 per 6 s
    again = limiter.reserve("high", 20.0)  # a second 429 at once does not compound
    limiter.observe("high", again.ticket, {}, 20.0, status=429, retry_after=40.0)
    assert limiter.rate("high") == pytest.approx(10 / 60)


def simulate_rate_limit(
    limit_per_minute: int, flows: int, seconds: float, *, headers: bool
) -> tuple[int, int]:
    """(allowed, throttled) for ``flows`` always-ready callers on one limiter against a
    server with fixed one-minute windows (the emulator's rule), with or without its
    RateLimit headers."""
    import heapq
    import math

    limiter = RateLimiter()
    window_start, used = 0.0, 0
    ok = throttled = 0
    Event = tuple[float, int, str, float, int]
    events: list[Event] = [(0.0, n, "want", 0.0, 0) for n in range(flows)]
    while events:
        now, n, what, retry_after, ticket = heapq.heappop(events)
        if now > seconds:
            break
        if what == "want":
            slot = limiter.reserve("high", now)
            heapq.heappush(events, (now + slot.delay, n, "send", 0.0, slot.ticket))
        elif what == "send":
            if limiter.held("high", now) > 0:
                heapq.heappush(events, (now + limiter.held("high", now), n, "send", 0.0, ticket))
                continue
            if now >= window_start + 60:
                window_start, used = now, 0
            allowed = used < limit_per_minute
            used += allowed
            reset = max(math.ceil(window_start + 60 - now), 1)
            said = {}
            if headers:
                said = {
                    "ratelimit-policy": f'"read";q={limit_per_minute};w=60',
                    "ratelimit": f'"read";r={limit_per_minute - used};t={reset}',
                }
            status = 200 if allowed else 429
            ok += allowed
            throttled += not allowed
            at = now + 0.01
            limiter.observe(
                "high", ticket, said, at, status=status, retry_after=None if allowed else reset
            )
            pause = 0.25 if allowed else 0.0
            heapq.heappush(events, (at + pause, n, "want", 0.0, 0))
    return ok, throttled


@pytest.mark.parametrize("headers", [True, False], ids=["headers", "no-headers"])
def test_rate_limiter_keeps_429s_under_a_fifth_at_ten_a_minute(headers: bool) -> None:
    for flows in (1, 5, 20):
        ok, throttled = simulate_rate_limit(10, flows, 600.0, headers=headers)
        assert throttled <= 0.2 * (ok + throttled), (flows, ok, throttled)
        assert ok >= 90  # and the allowance is used
        if headers:  # only the first burst, sent before any answer said what remains
            assert throttled <= max(flows - 10, 0), (flows, ok, throttled)


def simulate_polls(run_seconds: float, rand: Callable[[], float]) -> tuple[int, float]:
    """Status calls made and completion-to-detection delay for a run that takes
    ``run_seconds``, by driving the real wait flow against scripted status replies."""
    from duneq._flows.context import FlowContext
    from duneq._flows.wait import wait

    def respond(req: Request, now: float) -> RawResponse:
        state = "QUERY_STATE_COMPLETED" if now >= run_seconds else "QUERY_STATE_EXECUTING"
        return json_reply({"execution_id": EID, "state": state})

    script = Script(respond)
    ctx = FlowContext(clock=script.clock, rand=rand)
    status = script.run(wait(ctx, EID, timeout=None, on_progress=None, cancel_on_timeout=False))
    assert status.state == ExecutionState.COMPLETED
    return len(script.requests), script.requests[-1][0] - run_seconds


def test_schedule_targets_with_injected_clock() -> None:
    """60 s run: about 24 status calls (dune-client makes ~60); 2 s run: sub-second lag."""
    long_runs = [simulate_polls(60.0, random.Random(seed).random) for seed in range(50)]
    polls = sorted(p for p, _ in long_runs)
    lags = sorted(lag for _, lag in long_runs)
    assert polls[len(polls) // 2] <= 25 and polls[-1] <= 28
    assert lags[-1] <= C.POLL_CAP * (1 + C.POLL_JITTER)
    short = sorted(simulate_polls(2.0, random.Random(seed).random)[1] for seed in range(50))
    assert short[len(short) // 2] <= 0.5 and short[-1] <= 0.75


# -- options


def test_ids_are_validated_client_side() -> None:
    assert validate_execution_id(EID.lower()) == EID
    for bad in ("Wonky Job ID", "", EID[:-1], EID + "0", "01HKZJ2683PHF9Q9PHHQ8FW4QU", 5):
        with pytest.raises(duneq.InvalidArgument, match="execution"):
            validate_execution_id(bad)
    assert validate_query_id(12) == 12 and validate_query_id("12") == 12
    for bad_q in (0, -1, True, 1.5, "x", None):
        with pytest.raises(duneq.InvalidArgument, match="query_id"):
            validate_query_id(bad_q)


def test_param_encoding() -> None:
    encoded = encode_params(
        {
            "s": "x",
            "i": 3,
            "f": 3.5,
            "b": True,
            "d": Decimal("1.10"),
            "ts": dt.datetime(2024, 3, 1, 12, 30, 5),
            "day": dt.date(2024, 3, 1),
            "multi": ["a", 1],
        }
    )
    assert encoded == {
        "s": "x",
        "i": "3",
        "f": "3.5",
        "b": "true",
        "d": "1.10",
        "ts": "2024-03-01 12:30:05",
        "day": "2024-03-01 00:00:00",
        "multi": ["a", "1"],
    }
    with pytest.raises(duneq.InvalidArgument, match="'bad'"):
        encode_params({"bad": object()})
    with pytest.raises(duneq.InvalidArgument, match="finite"):
        encode_params({"nan": float("nan")})


def test_result_options_validation_and_query() -> None:
    opts = ResultOptions.build(
        page_size=7,
        columns=["a", "b"],
        sort_by=["a desc", "b"],
        filters="a > 1",
        ignore_datapoint_limit=True,
        partial="allow",
    )
    from duneq._flows.pages import page_request

    def query(options: ResultOptions, offset: int) -> dict[str, str]:
        return dict(page_request(EID, options, offset).params or {})

    assert query(opts, 14) == {
        "columns": "a,b",
        "filters": "a > 1",
        "sort_by": "a desc,b",
        "allow_partial_results": "true",
        "ignore_max_datapoints_per_request": "true",
        "ignore_max_credits_per_request": "true",
        "limit": "7",
        "offset": "14",
    }
    strict = ResultOptions.build(partial="error")
    assert "allow_partial_results" not in query(strict, 0)
    limited = ResultOptions.build(page_size=10, offset=5, limit=12)
    assert query(limited, 15)["limit"] == "2"
    for kwargs, match in [
        ({"sample_count": 10, "limit": 5}, "sample_count cannot be combined with limit"),
        ({"sample_count": 10, "offset": 0}, "offset"),
        ({"sample_count": 10, "filters": "x = 1"}, "filters"),
        ({"page_size": 0}, "page_size"),
        ({"offset": -1}, "offset"),
        ({"columns": "a,,b"}, "empty column"),
        ({"columns": 5}, "columns"),
        ({"sort_by": [""]}, "sort_by"),
        ({"filters": "  "}, "filters"),
        ({"partial": "maybe"}, "partial"),
        ({"max_result_datapoints": 0}, "max_result_datapoints"),
        ({"max_datapoints": 0}, "max_result_datapoints"),  # its former name, same check
        ({"sample_count": -2}, "sample_count"),
    ]:
        former = isinstance(kwargs, dict) and "max_datapoints" in kwargs  # warns, then fails
        warned = pytest.warns(DeprecationWarning) if former else contextlib.nullcontext()
        with warned, pytest.raises(duneq.InvalidArgument, match=match):
            ResultOptions.build(**kwargs)  # type: ignore[arg-type]


# -- metadata merge


def test_metadata_merge_counts_each_page_once() -> None:
    status = status_from_wire(
        {
            "execution_id": EID,
            "state": "QUERY_STATE_COMPLETED",
            "execution_cost_credits": 10,
            "submitted_at": "2024-02-12T21:05:48.848069Z",
            "execution_ended_at": "2024-02-12T21:05:50.199442351Z",
            "result_metadata": {"total_row_count": 10, "column_names": ["a", "b"]},
        }
    )
    pages = {
        0: PageMetadata(["a", "b"], ["bigint", "varchar"], 4, 40, 10, 100, 8, 5, 1000),
        4: PageMetadata(["a", "b"], ["bigint", "varchar"], 4, 40, 10, 100, 8, 5, 1000),
        8: PageMetadata(["a", "b"], ["bigint", "varchar"], 2, 20, 10, 100, 4, 5, 1000),
    }
    meta = merge_metadata(status, pages)
    assert meta.row_count == 10  # not 3 x total_row_count as dune-client reports
    assert meta.total_row_count == 10
    assert meta.datapoint_count == 20
    assert meta.result_set_bytes == 100
    assert meta.execution_cost_credits == 10.0
    assert meta.column_types == ["bigint", "varchar"]
    assert meta.execution_ended_at == dt.datetime(2024, 2, 12, 21, 5, 50, 199442, tzinfo=dt.UTC)
    assert meta.pages_fetched == 3


def test_timestamps_parse_nanoseconds() -> None:
    parsed = parse_timestamp("2024-02-12T16:05:40.312207906Z")
    assert parsed == dt.datetime(2024, 2, 12, 16, 5, 40, 312207, tzinfo=dt.UTC)
    assert parse_timestamp("garbage") is None


# -- CSV chunks: header lines spanning chunks, multi-byte characters split between chunks


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        ([b"a,b\n1,2\n3,4\n"], b"1,2\n3,4\n"),
        ([b"a,", b"b", b"\n1,2\n", b"3,4\n"], b"1,2\n3,4\n"),
        ([b"a,b\n", b"1,2\n"], b"1,2\n"),
        ([b"a,b"], b""),
        ([], b""),
    ],
)
def test_csv_writer_keeps_one_header_across_pages(chunks: list[bytes], expected: bytes) -> None:
    """A page after the first is written without its header line, whatever its bytes."""
    import io

    from duneq._flows.csv import CsvWriter
    from duneq._flows.reader import CsvPage, _header_end

    data = b"".join(chunks)
    out = io.BytesIO()
    writer = CsvWriter(out)
    writer.add(CsvPage(0, b"a,b\n0,0\n", 1, 1, 4))
    end = _header_end(data)
    writer.add(CsvPage(1, data, 0, None, end if end >= 0 else len(data)))
    assert writer.close() == len(out.getvalue())
    assert out.getvalue() == b"a,b\n0,0\n" + expected


def test_text_csv_sink_decodes_characters_split_between_chunks() -> None:
    import io

    from duneq._flows.csv import CsvSink

    data = "name\nZoë,😀\n".encode()
    out = io.StringIO()
    sink = CsvSink(out)
    for i in range(len(data)):  # one byte per chunk splits every multi-byte character
        sink.write(data[i : i + 1])
    sink.close()
    assert out.getvalue() == "name\nZoë,😀\n"
    assert sink.written == len(data)


def test_row_sequence_over_parsed_pages() -> None:
    rows = duneq.RowSequence([[{"n": 0}, {"n": 1}], [], [{"n": 2}]])
    assert len(rows) == 3 and list(rows) == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert rows[-1] == {"n": 2} and rows[1:] == [{"n": 1}, {"n": 2}]
    with pytest.raises(IndexError):
        rows[3]
    with pytest.raises(TypeError, match="integers or slices"):
        rows["x"]  # type: ignore[call-overload]


# -- results pages: envelope read without the rows; raw pages checked when decoded


def test_split_page_keeps_the_envelope_and_leaves_rows_raw() -> None:
    from duneq._wire.adapter import PageFormatError, decode_rows, split_page

    body = (
        b'{"execution_id":"E","state":"QUERY_STATE_COMPLETED","next_offset":2,'
        b'"result":{"rows":[{"a":"x]"},{"a":null}],"metadata":{"row_count":2}},"extra":1}'
    )
    envelope, raw = split_page(body)
    assert envelope == {
        "execution_id": "E",
        "state": "QUERY_STATE_COMPLETED",
        "next_offset": 2,
        "result": {"metadata": {"row_count": 2}},
    }
    assert decode_rows(raw) == [{"a": "x]"}, {"a": None}]
    assert split_page(b'{"execution_id":"E","result":{"rows":null}}')[1] is None
    assert split_page(b'{"execution_id":"E","result":null}')[0]["result"] is None
    for bad in (b"[1,2]", b'{"result":[1]}', b'{"result":{"rows":[1,}}', b"not json"):
        with pytest.raises(PageFormatError):
            split_page(bad)
    with pytest.raises(PageFormatError, match="not a list"):
        decode_rows(split_page(b'{"result":{"rows":{"a":1}}}')[1])


def _reference_split(body: bytes) -> tuple[dict[str, Any], Any]:
    """What split_page must give, by decoding the whole page at once."""
    data = orjson.loads(body)
    rows = data["result"].pop("rows")
    return data, rows


@pytest.mark.parametrize(
    ("body", "around"),
    [
        # Dune's order: the rows are read around, not scanned
        (
            b'{"execution_id":"E","result":{"rows":[{"a":1},{"a":2}],"metadata":{"row_count":2}},'
            b'"next_offset":2}',
            True,
        ),
        # a column named metadata holding an array, and the keys' text inside strings
        (
            b'{"execution_id":"E","result":{"rows":[{"x":"\\"rows\\":[","metadata":[1]},'
            b'{"x":"],\\"metadata\\":{","metadata":[]}],"metadata":{"row_count":2}}}',
            True,
        ),
        # the stand-in's text inside the rows is only data
        (b'{"result":{"rows":[{"a":"duneq:rows:stand-in"}],"metadata":{"row_count":1}}}', True),
        (b'{"result":{"rows":[],"metadata":{"row_count":0}}}', True),
        # metadata first, the stand-in in the envelope, a "rows" key before the result,
        # pretty-printed: the whole page is decoded instead
        (b'{ "result" : { "rows" : [ {"a": 1} ] ,\n "metadata" : {"row_count": 1} } }', False),
        (b'{"result":{"metadata":{"row_count":1},"rows":[{"a":1}]}}', False),
        (b'{"error":"duneq:rows:stand-in","result":{"rows":[{"a":1}],"metadata":{}}}', False),
        (
            b'{"x":{"rows":[1],"metadata":2},"result":{"rows":[{"a":[1]}],"metadata":{"row_count":1}}}',
            False,
        ),
    ],
)
def test_split_page_reads_around_the_rows_only_when_that_is_proved(
    body: bytes, around: bool
) -> None:
    from duneq._wire.adapter import _split_around, decode_rows, split_page

    assert (_split_around(body) is not None) is around
    envelope, raw = split_page(body)
    expected_envelope, expected_rows = _reference_split(body)
    expected_envelope.pop("x", None)  # not a field of the results page: not kept
    assert envelope == expected_envelope
    assert decode_rows(raw) == expected_rows


def test_rows_read_around_are_still_checked_when_decoded() -> None:
    from duneq._wire.adapter import PageFormatError, _split_around, decode_rows, split_page

    broken = b'{"result":{"rows":[{"a":1},{"a":}],"metadata":{"row_count":2}}}'
    assert _split_around(broken) is not None
    with pytest.raises(PageFormatError, match="not valid JSON"):
        decode_rows(split_page(broken)[1])
    for cut in (broken[:30], broken[:-1]):  # a cut page is never read around
        assert _split_around(cut) is None
        with pytest.raises(PageFormatError):
            split_page(cut)


def test_raw_page_that_does_not_hold_its_announced_rows_is_an_error() -> None:
    from duneq._results.rows import RawPage
    from msgspec import Raw

    rows = duneq.RowSequence([[{"n": 0}], RawPage(Raw(b'[{"n":1}]'), 2, 1)], EID)
    assert len(rows) == 3 and rows[0] == {"n": 0}
    with pytest.raises(
        duneq.ResponseValidationError, match="offset 1: announced 2 rows but holds 1"
    ) as info:
        list(rows)
    assert info.value.execution_id == EID


def test_clients_share_one_verifying_tls_context() -> None:
    import ssl

    from duneq._transport import guard as _guard

    url = "https://api.dune.com"
    with (
        duneq.Client(api_key="k", base_url=url) as one,
        duneq.Client(api_key="k", base_url=url) as two,
    ):
        transports = [c._http._transport.inner for c in (one, two)]  # type: ignore[attr-defined]
        contexts = {id(t._ssl) for t in transports}
    context = _guard._tls_context()
    assert contexts == {id(context)}
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


@pytest.mark.parametrize(
    ("body", "datapoints"),
    [
        (b"a,b\n1,2\n3,4\n", 4),
        (b"a,b\n1,2\n3,4", 4),  # no final newline: the last record still counts
        (b'a,"b,c"\n"x\ny",2\n', 2),  # a quoted comma in the header, a quoted newline in data
        (b'a,b\n"say ""hi""",2\n', 2),  # doubled quotes inside a quoted field
        (b"a,b,c\n", 0),  # header only
        (b"", 0),
    ],
)
def test_csv_pages_count_their_datapoints(body: bytes, datapoints: int) -> None:
    """Records after the header times the header's fields, quotes honoured."""
    import csv

    from duneq._flows.reader import _header_end, count_records

    end = _header_end(body)
    if end < 0:
        assert datapoints == 0 and count_records(body, len(body)) == 0
        return
    fields = len(next(csv.reader([body[:end].decode().rstrip("\n")])))
    assert count_records(body, end) * fields == datapoints, body


def test_a_csv_page_is_verified_against_its_next_offset_not_trusted(tmp_path: Path) -> None:
    """The announced next offset says how many records a page must hold: a page that holds
    fewer is refused (the reader fetches it again), one that holds them is written whole."""
    from duneq._flows.csv import CsvWriter
    from duneq._flows.reader import ReadPlan, verify_csv
    from duneq._options import ResultOptions
    from duneq._protocol import RawResponse, Request

    plan = ReadPlan(EID, ResultOptions(offset=1000), ["a", "b,c", "d"], [], 5, 3)
    req = Request("GET", f"/v1/execution/{EID}/results/csv", execution_id=EID)
    head = b'a,"b,c",d\n'
    short = RawResponse(200, {"x-dune-next-offset": "1003"}, head + b'1,"x\ny",3\n')
    with pytest.raises(duneq.ResponseValidationError, match="holds 1 records.*announce 3"):
        verify_csv(req, short, plan, 1000)
    body = b'1,"x\ny",3\n4,5,6\n7,8,9\n'
    first = verify_csv(
        req, RawResponse(200, {"x-dune-next-offset": "1003"}, head + body), plan, 1000
    )
    tail = b'4,"x\ny",6\n7,8,9\n'
    last = verify_csv(req, RawResponse(200, {}, head + tail), plan, 1003)
    assert (first.rows, first.announced, last.rows, last.announced) == (3, 1003, 2, None)
    writer = CsvWriter(tmp_path / "out.csv")
    writer.add(first)
    writer.add(last)
    writer.close()
    assert (tmp_path / "out.csv").read_bytes() == head + body + tail


def test_a_csv_page_parsed_while_verified_counts_by_the_parse() -> None:
    """With a parser, the parse is the page's record count: a page that parses to the
    announced rows is returned with its parse; a short page, or one cut inside its last
    record, is a broken page (retried); a whole page with a bad value is that value's error,
    carried past the retry loop (fetching it again cannot help)."""
    from duneq._flows.reader import ReadPlan, _BadValue, verify_csv
    from duneq._options import ResultOptions
    from duneq._protocol import RawResponse, Request
    from duneq._results.plan import TypedPage, TypedPlan

    typed = TypedPlan(["n", "s"], ["bigint", "varchar"], execution_id=EID)

    def parse(data: bytes, offset: int) -> tuple[object, int]:
        parsed = typed.parse(TypedPage(offset, None, csv=data))
        return parsed, parsed.batch.num_rows

    plan = ReadPlan(EID, ResultOptions(), ["n", "s"], [], 3, 3)
    req = Request("GET", f"/v1/execution/{EID}/results/csv", execution_id=EID)
    nxt = {"x-dune-next-offset": "3"}
    page = verify_csv(req, RawResponse(200, nxt, b"n,s\n1,a\n2,b\n3,c\n"), plan, 0, parse)
    assert page.rows == 3 and page.parsed.batch.column(0).to_pylist() == [1, 2, 3]
    with pytest.raises(duneq.ResponseValidationError, match="holds 2 records.*announce 3"):
        verify_csv(req, RawResponse(200, nxt, b"n,s\n1,a\n2,b\n"), plan, 0, parse)
    with pytest.raises(duneq.ResponseValidationError, match="ends inside a record"):
        verify_csv(req, RawResponse(200, nxt, b"n,s\n1,a\n2,b\n3"), plan, 0, parse)
    with pytest.raises(_BadValue) as bad:
        verify_csv(req, RawResponse(200, nxt, b"n,s\n1,a\nx,b\n3,c\n"), plan, 0, parse)
    assert "column 'n'" in bad.value.error.message and "'x'" in bad.value.error.message


# -- cache entries: the payload check


def test_block_check_records_a_crc_per_block_however_the_writes_fall() -> None:
    import hashlib
    import zlib

    from duneq._cache.framing import BlockCheck, payload_intact

    payload = bytes(random.Random(5).randrange(256) for _ in range(10_000))
    check = BlockCheck(block=4096)
    pos = 0
    for size in (1, 4095, 4096, 7, 1500, 301):  # writes across and on block edges
        check.update(payload[pos : pos + size])
        pos += size
    footer = check.footer()
    blocks = [payload[i : i + 4096] for i in range(0, len(payload), 4096)]
    assert footer == {"check": {"crc32": [zlib.crc32(b) for b in blocks], "block": 4096}}
    view = memoryview(payload)
    assert payload_intact(view, footer)
    for spot in (0, 4095, 4096, 9_999):  # one flipped byte in any block is found
        flipped = bytearray(payload)
        flipped[spot] ^= 1
        assert not payload_intact(memoryview(bytes(flipped)), footer)
    assert not payload_intact(view[:-1], footer)  # a short payload
    assert not payload_intact(view, {"check": {"crc32": "x", "block": 4096}})
    assert not payload_intact(view, {})  # no check at all
    # entries written before block checks carry a SHA-256, still honoured
    assert payload_intact(view, {"sha256": hashlib.sha256(payload).hexdigest()})
    assert not payload_intact(view, {"sha256": hashlib.sha256(b"other").hexdigest()})
    assert BlockCheck().footer() == {"check": {"crc32": [], "block": 16 << 20}}
    assert payload_intact(memoryview(b""), BlockCheck().footer())
