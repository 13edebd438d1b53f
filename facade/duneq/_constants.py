"""Every default of the facade in one place: base URL, timeouts, retries, polling and paging."""

from __future__ import annotations

from typing import Final, Literal

import httpx

DEFAULT_BASE_URL = "https://api.dune.com"
API_KEY_ENV = "DUNE_API_KEY"
BASE_URL_ENV = "DUNE_API_BASE_URL"
#: Seconds per HTTP request, read when no timeout is passed (as dune-client does).
REQUEST_TIMEOUT_ENV = "DUNE_API_REQUEST_TIMEOUT"
API_KEY_HEADER = "X-Dune-Api-Key"

# HTTP timeouts: always set (the generated client would otherwise wait forever).
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 60.0
WRITE_TIMEOUT = 60.0
POOL_TIMEOUT = 10.0
DEFAULT_TIMEOUT = httpx.Timeout(
    connect=CONNECT_TIMEOUT, read=READ_TIMEOUT, write=WRITE_TIMEOUT, pool=POOL_TIMEOUT
)

# Retries (reads; execute only when provably not started, or on 429).
DEFAULT_MAX_RETRIES = 7  # with the backoff cap: about 30 s of retrying at most
RETRY_BACKOFF_BASE = 0.5
REFUSED_MAX_RETRIES = 2  # a refused connection: retried after about 0.5 s and 1 s, then raised
RETRY_BACKOFF_CAP = 8.0
RETRY_JITTER = 0.25  # up to 25 % downward jitter
MAX_RETRY_AFTER = 60.0  # a longer Retry-After is capped to this many seconds
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})  # for idempotent calls

# Polling schedule: interval = clamp(first, growth * elapsed, cap), jittered.
POLL_FIRST_INTERVAL = 0.25
POLL_GROWTH = 0.35
POLL_CAP = 4.5
POLL_JITTER = 0.2  # +/- 20 %: spreads polls so the delay after completion is not phase-locked
POLL_PENDING_QUEUE_STEP = 0.5  # extra seconds per queue position while PENDING
POLL_PENDING_CAP = 8.0
# Request pacing (per key and Dune bucket) happens only on the server's evidence: its RateLimit
# headers, or a 429. After a 429 without headers a bucket is paced at what succeeded over the
# last RATE_WINDOW seconds (Dune's quotas are per minute), growing RATE_INCREASE per success.
RATE_FLOOR = 1.0 / 60.0
RATE_CEILING = 1000.0  # Dune's per-IP limit, requests per second
RATE_INCREASE = 0.02
RATE_WINDOW = 60.0
# Deadlines: time a remote cancel may take after a wait's deadline (it bounds the overrun).
CANCEL_GRACE = 0.75
INTERRUPT_CANCEL_GRACE = 5.0  # after Ctrl-C / task cancellation

DEFAULT_WAIT_TIMEOUT = 600.0
DEFAULT_PAGE_SIZE = 32_000
#: By default a typed, CSV or rows read cuts pages to this many datapoints (rows x columns):
#: Dune's default per-request cap, so no page is refused and narrow tables need few requests.
PAGE_DATAPOINTS = 250_000
ROW_PAGE_CACHE = 2  # decoded pages a RowSequence keeps
DEFAULT_PERFORMANCE: Final[None] = None  # None: let the API choose by plan
PERFORMANCE_TIERS = frozenset({"medium", "large"})
PARTIAL_POLICIES = frozenset({"error", "warn", "allow"})
DEFAULT_PARTIAL_POLICY: Final[Literal["warn"]] = "warn"
DEFAULT_CANCEL_ON_TIMEOUT = True
CSV_CHUNK_SIZE = 64 * 1024

DATAPOINT_FLAGS = ("ignore_max_datapoints_per_request", "ignore_max_credits_per_request")
LATEST_PROBE_LIMIT = 1

# Credits an execution is expected to cost before it runs, by engine (None: the plan's default,
# medium); the status's execution_cost_credits replaces the estimate once the run ends.
EXECUTION_CREDITS = {"medium": 10.0, "large": 20.0}
CACHE_DIR_ENV = "DUNEQ_CACHE_DIR"
SWEEP_DEFAULT_CONCURRENCY = 1  # in flight before a status has told the plan's limit
#: How long a resumed sweep keeps looking for the run a killed process's execute may have
#: started (Dune's latest result lists a run only once it has ended; no route lists running
#: ones), counted from the item's "submitting" record: twice the longest run (submitted to
#: ended) seen in the sweep, at least the floor (no evidence yet: most runs end within it)
#: and at most Dune's 30-minute execution timeout plus a minute of queueing.
SWEEP_ADOPT_MARGIN = 2.0
SWEEP_ADOPT_FLOOR = 30.0
SWEEP_ADOPT_CAP = 31 * 60.0
