"""The MCP server: Dune tools on ``duneq.AsyncClient``, with a tool deadline, an async hand-off,
a session budget and read-only defaults (built on the SDK's high-level ``MCPServer``)."""

# No ``from __future__ import annotations``: the SDK reads the tools' annotations at runtime.

import hmac
import json
import os
import secrets
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any, Literal, TypeVar

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field

import duneq as E
from duneq import NOT_GIVEN, AsyncClient, AsyncResult, ExecutionState, ExecutionStatus, __version__

from . import models as M
from .budget import Budget
from .errors import sentence
from .readonly import ALLOWED, ParameterError, check_parameters, read_only_refusal, render

_T = TypeVar("_T")
Tier = Literal["medium", "large"]
RUNNING_STATES = frozenset({ExecutionState.PENDING, ExecutionState.EXECUTING})
SUCCESS_STATES = frozenset({ExecutionState.COMPLETED, ExecutionState.COMPLETED_PARTIAL})

INSTRUCTIONS = """\
Query Dune Analytics (blockchain data) with DuneSQL (Trino dialect). Cheapest first: \
latest_result reuses a saved query's last run; get_results re-reads a finished execution. \
search_datasets/get_dataset give table columns and types before you write SQL. run_sql/run_query \
execute (they cost credits) and wait up to the tool deadline; if a run is not finished they \
return its execution_id: call get_execution with it, never run the same SQL again. Results are \
capped; page with get_results(offset=next_offset)."""


@dataclass(frozen=True)
class ServerConfig:
    """What ``duneq mcp`` was started with (the key itself lives only inside the client)."""

    max_rows: int = 100
    tool_timeout: float = 60.0
    max_credits: float | None = None
    max_executions: int | None = None
    max_datapoints: int | None = None
    allow_writes: bool = False


# -------------------------------------------------------------------------------- rendering


def _read_only(reason: str) -> str:
    """The one-sentence refusal of SQL that read-only mode does not run."""
    return (
        f"Refused: this server is read-only and {reason}; it runs only {ALLOWED}, unless the "
        "user restarts `duneq mcp` with --allow-writes."
    )


def _state(state: ExecutionState | str) -> str:
    return str(state)


def _table(result: AsyncResult, rows: list[dict[str, Any]], offset: int) -> M.Table:
    meta = result.metadata
    names = meta.column_names or (list(rows[0]) if rows else [])
    types = meta.column_types
    columns = [
        M.Column(name=name, type=types[i] if i < len(types) else "unknown")
        for i, name in enumerate(names)
    ]
    total = meta.total_row_count
    end = offset + len(rows)
    more = total is not None and end < total
    return M.Table(
        columns=columns,
        rows=[[row.get(name) for name in names] for row in rows],
        offset=offset,
        returned_rows=len(rows),
        total_row_count=total,
        next_offset=end if more else None,
        is_partial=result.is_partial,
        datapoints=meta.datapoint_count,
    )


def _cell(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return value.replace("\t", " ").replace("\n", " ")
    return json.dumps(value, separators=(",", ":"))


def _table_text(table: M.Table) -> list[str]:
    lines = ["\t".join(f"{c.name}:{c.type}" for c in table.columns)]
    lines += ["\t".join(_cell(v) for v in row) for row in table.rows]
    total = "?" if table.total_row_count is None else f"{table.total_row_count:,}"
    last = table.offset + table.returned_rows
    span = f"rows {table.offset + 1}-{last}" if table.returned_rows else "no rows"
    tail = f"{span} of {total}, {table.datapoints} datapoints"
    if table.is_partial:
        tail += "; PARTIAL: Dune truncated this result"
    return [*lines, tail]


def _execution_text(ex: M.Execution) -> str:
    head = f"execution {ex.execution_id}: {ex.state}"
    if ex.reused:
        head += " (reused latest result)"
    if ex.queue_position is not None:
        head += f", queue position {ex.queue_position}"
    if ex.cost_credits is not None:
        head += f", {ex.cost_credits:g} credits"
    lines = [head]
    if ex.error is not None:
        where = f" at line {ex.error.line}, column {ex.error.column}" if ex.error.line else ""
        lines.append(f"error{where}: {ex.error.message}")
    if ex.result is not None:
        lines += _table_text(ex.result)
    lines.append(f"next: {ex.next_step}")
    return "\n".join(lines)


def _reply(model: BaseModel, text: str) -> CallToolResult:
    """Structured content (validated against the tool's output schema) plus a compact text."""
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        structured_content=model.model_dump(mode="json"),
    )


def _json_text(model: BaseModel) -> str:
    return json.dumps(model.model_dump(mode="json", exclude_none=True), separators=(",", ":"))


# -------------------------------------------------------------------------------- argument types

Sql = Annotated[str, Field(description="DuneSQL (Trino dialect) text of one query")]
QueryId = Annotated[int, Field(description="A saved Dune query id", gt=0)]
ExecutionId = Annotated[
    str, Field(description="A 26-character execution id returned by run_sql/run_query")
]
ParamValue = str | int | float | bool | list[str]
Params = Annotated[
    dict[str, ParamValue] | None,
    Field(description="Query parameters by name (get_query lists them with types and defaults)"),
]
Limit = Annotated[
    int | None, Field(description="Most rows to return (capped by the server's max rows)", gt=0)
]
Performance = Annotated[
    Literal["medium", "large"] | None,
    Field(description="Engine size; large costs about twice as much (default medium)"),
]

ExecutionReply = Annotated[CallToolResult, M.Execution]


class DuneTools:
    """The tool implementations, sharing one AsyncClient, the config and the session budget."""

    def __init__(self, dune: AsyncClient, config: ServerConfig, *, secret: str | None) -> None:
        self.dune = dune
        self.config = config
        self.secret = secret
        #: Executions are counted here; credits and datapoints are the client's own budget
        #: (``server_client`` passes --max-credits and --max-datapoints to it).
        self.budget = Budget(config.max_executions)

    # -- plumbing

    async def guard(self, call: Awaitable[_T]) -> _T:
        """Await ``call``; any failure becomes a ToolError with one readable sentence."""
        try:
            return await call
        except ToolError:
            raise
        except E.DuneError as exc:
            raise ToolError(sentence(exc, secret=self.secret)) from None

    def row_cap(self, limit: int | None) -> int:
        return min(limit or self.config.max_rows, self.config.max_rows)

    async def fetch(
        self, status: ExecutionStatus, limit: int | None, offset: int = 0, **options: Any
    ) -> M.Table:
        """Fetch at most the row cap from a finished execution; the client's datapoint budget
        refuses a page that would pass it before sending it."""
        self.check_datapoints_left("fetching these results")
        cap = self.row_cap(limit)
        result = await self.dune.get_result(
            status.execution_id,
            timeout=self.config.tool_timeout,
            limit=cap,
            page_size=cap,
            offset=offset or None,
            partial="allow",
            **options,
        )
        rows = list(await result.rows)
        return _table(result, rows, offset)

    def check_datapoints_left(self, what: str) -> None:
        """Refuse a read when the datapoint budget is used up (even one row would pass it)."""
        limit, spent = self.config.max_datapoints, self.dune.spent.datapoints
        if limit is not None and spent >= limit:
            raise E.BudgetExceeded("datapoints", spent=spent, would_cost=1, limit=limit, what=what)

    def outcome(
        self,
        status: ExecutionStatus,
        table: M.Table | None = None,
        *,
        reused: bool | None = None,
        state: str | None = None,
    ) -> M.Execution:
        st = state or _state(status.state)
        finished = status.state not in RUNNING_STATES if state is None else False
        error = None
        if status.error is not None:
            error = M.SqlError(
                message=status.error.message,
                type=status.error.type,
                line=status.error.line,
                column=status.error.column,
            )
        eid = status.execution_id
        if not finished:
            step = f'get_execution(execution_id="{eid}") to check again; do not run it again'
        elif error is not None or status.state not in SUCCESS_STATES:
            step = "fix the SQL and run it again" if error else "run it again if still needed"
        elif table is not None and table.next_offset is not None:
            step = f'get_results(execution_id="{eid}", offset={table.next_offset}) for more rows'
        else:
            step = f'get_results(execution_id="{eid}", ...) to re-read, filter or sort these rows'
        return M.Execution(
            execution_id=eid,
            state=st,
            finished=finished,
            query_id=status.query_id,
            queue_position=status.queue_position,
            cost_credits=status.execution_cost_credits,
            reused=reused,
            error=error,
            result=table,
            next_step=step,
        )

    async def settle_and_fetch(
        self, status: ExecutionStatus, limit: int | None, reused: bool | None = None
    ) -> M.Execution:
        if status.state == ExecutionState.FAILED and status.error is not None:
            raise E.QueryFailed(
                status.execution_id,
                error_type=status.error.type,
                message=status.error.message,
                line=status.error.line,
                column=status.error.column,
            )
        table = None
        if status.state in SUCCESS_STATES:
            try:
                table = await self.fetch(status, limit)
            except E.BudgetExceeded as exc:
                raise ToolError(
                    f"Execution {status.execution_id} finished ({status.state}) but no rows "
                    f"were fetched. {sentence(exc, secret=self.secret)} Then call get_results "
                    "with it."
                ) from None
        return self.outcome(status, table, reused=reused)

    async def execute(
        self,
        what: str,
        start: Callable[[], Awaitable[Any]],
        limit: int | None,
        reused: bool | None = None,
    ) -> M.Execution:
        """Start an execution (budget first: the session's count here, credits in the client),
        wait up to the tool deadline, then fetch or hand off."""
        started = time.monotonic()
        key = self.budget.check_execute(what)
        try:
            execution = await start()
        except E.ExecutionMayHaveStarted:
            # It may be running and billed: the count stays booked (the client keeps its credits).
            self.budget.record_execution(key)
            raise
        except BaseException:
            self.budget.release(key)
            raise
        self.budget.record_execution(key)
        left = max(self.config.tool_timeout - (time.monotonic() - started), 0.0)
        try:
            status = await execution.wait(left, cancel_on_timeout=False)
        except E.ExecutionTimeout as exc:
            return self.outcome(execution.last_status, state=exc.state or "QUERY_STATE_PENDING")
        return await self.settle_and_fetch(status, limit, reused)

    # -- tools

    async def run_sql(self, sql: str, limit: int | None, performance: Tier | None) -> M.Execution:
        if not self.config.allow_writes and (refusal := read_only_refusal(sql)):
            raise ToolError(_read_only(refusal.reason))
        return await self.execute(
            "running this SQL",
            lambda: self.dune.execute_sql(sql, performance=performance),
            limit,
        )

    async def check_saved_query(
        self, query_id: int, params: Mapping[str, Any] | None, *, runs: bool
    ) -> None:
        """Before a saved query is run (``runs``) or its results looked up: ``params`` checked
        against its declared parameter types and, read-only, the SQL Dune would run with them
        classified (text parameters are pasted into the SQL as they are)."""
        read_only = not self.config.allow_writes
        if not params and not (read_only and runs):
            return
        try:
            query = await self.dune.queries.get(query_id)
        except E.PermissionDenied as exc:
            if params and read_only:
                raise ToolError(
                    _read_only(
                        f"query {query_id}'s SQL cannot be read with this key ({_one_line(exc)}), "
                        "so its parameters cannot be checked; run it without params"
                    )
                ) from None
            return
        try:
            values = check_parameters(query_id, query.parameters, params or {})
        except ParameterError as exc:
            raise ToolError(f"Invalid argument: {exc}; nothing was sent to Dune.") from None
        if not read_only:
            return
        refusal = read_only_refusal(render(query.query_sql or "", values))
        if refusal is None:
            return
        texts = {p.get("key") for p in query.parameters if p.get("type") in ("text", None)}
        if refusal.unparsed and not texts & set(params or {}):
            return  # typed values only: nothing the caller gave can change the SQL's shape
        raise ToolError(
            _read_only(
                f"query {query_id} with these parameters does not pass the check "
                f"({refusal.reason.removeprefix('it ')})"
            )
        )

    async def run_query(
        self,
        query_id: int,
        params: Mapping[str, Any] | None,
        limit: int | None,
        performance: Tier | None,
    ) -> M.Execution:
        await self.check_saved_query(query_id, params, runs=True)
        return await self.execute(
            f"running query {query_id}",
            lambda: self.dune.execute_query(query_id, params, performance=performance),
            limit,
        )

    async def get_execution(
        self, execution_id: str, limit: int | None, wait_seconds: float
    ) -> M.Execution:
        status = await self.dune.get_status(execution_id)
        eid = status.execution_id
        if status.state in RUNNING_STATES and wait_seconds > 0:
            deadline = min(wait_seconds, self.config.tool_timeout)
            try:
                status = await self.dune.wait(eid, timeout=deadline, cancel_on_timeout=False)
            except E.ExecutionTimeout:
                status = await self.dune.get_status(eid)
            except E.QueryFailed:
                status = await self.dune.get_status(eid)
        table = await self.fetch(status, limit) if status.state in SUCCESS_STATES else None
        return self.outcome(status, table)

    async def get_results(
        self,
        execution_id: str,
        offset: int,
        limit: int | None,
        columns: list[str] | None,
        filters: str | None,
        sort_by: list[str] | None,
    ) -> M.Execution:
        status = await self.dune.get_status(execution_id)
        if status.state in RUNNING_STATES:
            return self.outcome(status)
        if status.state not in SUCCESS_STATES:
            return await self.settle_and_fetch(status, limit)
        table = await self.fetch(
            status, limit, offset, columns=columns, filters=filters, sort_by=sort_by
        )
        return self.outcome(status, table)

    async def latest_result(
        self,
        query_id: int,
        params: Mapping[str, Any] | None,
        max_age_seconds: float | None,
        limit: int | None,
        run_if_stale: bool,
    ) -> M.Execution:
        qid = query_id
        await self.check_saved_query(qid, params, runs=run_if_stale)
        max_age = timedelta(seconds=max_age_seconds) if max_age_seconds is not None else None
        self.check_datapoints_left("reading the latest result")
        status = await self.dune.latest_execution(qid, params, max_age=max_age)
        if status is not None:
            table = await self.fetch(status, limit)
            return self.outcome(status, table, reused=True)
        if not run_if_stale:
            raise ToolError(
                f"Query {qid} has no finished result"
                + (f" newer than {max_age_seconds:g} s" if max_age is not None else "")
                + "; call again with run_if_stale=true (costs credits) or use run_query."
            )
        return await self.execute(
            f"re-running query {qid}",
            lambda: self.dune.execute_query(qid, params),
            limit,
            reused=False,
        )

    async def get_query(self, query_id: int) -> M.Query:
        q = await self.dune.queries.get(query_id)
        return M.Query(
            query_id=q.query_id,
            name=q.name,
            description=q.description,
            sql=q.query_sql,
            parameters=[
                M.QueryParameter(
                    key=str(p.get("key") or p.get("name") or ""),
                    type=p.get("type"),
                    default=p.get("value", p.get("default")),
                )
                for p in q.parameters
            ],
            tags=q.tags,
            is_private=q.is_private,
            is_archived=q.is_archived,
            owner=q.owner,
            version=q.version,
        )

    async def search_datasets(
        self, query: str | None, owner: str | None, type_: str | None, limit: int, offset: int
    ) -> M.DatasetPage:
        term = (query or "").strip().lower()
        found: list[M.Dataset] = []
        next_offset = None
        listing = self.dune.datasets.list(
            owner_handle=owner,
            type=type_,
            offset=offset,
            limit=None if term else limit,
            page_size=250 if term else min(limit, 250),
        )
        position = offset
        async for dataset in listing:  # pages of 250 are scanned until `limit` match
            position += 1
            ds = _dataset(dataset)
            text = f"{ds.full_name} {ds.description or ''}".lower()
            if not term or all(word in text for word in term.split()):
                found.append(ds)
                if len(found) == limit:
                    next_offset = position
                    break
        total = listing.total
        if next_offset is not None and total is not None and next_offset >= total:
            next_offset = None
        if not term and total is not None and offset + len(found) < total:
            next_offset = offset + len(found)
        return M.DatasetPage(datasets=found, total=total, next_offset=next_offset)

    async def get_dataset(self, slug: str) -> M.Dataset:
        return _dataset(await self.dune.datasets.get(slug))

    async def usage(self) -> M.Usage:
        use = await self.dune.usage()
        periods = [
            M.BillingPeriod(
                start_date=_iso(p.start_date),
                end_date=_iso(p.end_date),
                credits_used=p.credits_used,
                credits_included=p.credits_included,
                credits_left=None
                if p.credits_used is None or p.credits_included is None
                else p.credits_included - p.credits_used,
            )
            for p in use.billing_periods
        ]
        summary = self.budget.summary(
            self.dune.spent, self.config.max_credits, self.config.max_datapoints
        )
        return M.Usage(
            billing_periods=periods,
            bytes_used=use.bytes_used,
            bytes_allowed=use.bytes_allowed,
            private_queries=use.private_queries,
            private_dashboards=use.private_dashboards,
            session=M.SessionBudget.model_validate(summary),
        )


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()).rstrip(".")


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _dataset(ds: E.Dataset) -> M.Dataset:
    """The tool's view of a catalog entry (``dune.datasets``)."""
    return M.Dataset(
        full_name=ds.full_name,
        type=ds.type,
        owner=ds.owner,
        is_private=ds.is_private,
        description=ds.description or None,
        columns=[
            M.DatasetColumn(name=c.name, type=c.type, nullable=c.nullable) for c in ds.columns
        ],
    )


# -------------------------------------------------------------------------------- the server

_READ = ToolAnnotations(read_only_hint=True, open_world_hint=True)
_COSTS = ToolAnnotations(read_only_hint=True, idempotent_hint=False, open_world_hint=True)
_WRITES = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=True)


def build_server(
    dune: AsyncClient, config: ServerConfig, *, secret: str | None = None
) -> MCPServer:
    """An MCPServer exposing the Dune tools (write tools only with ``allow_writes``)."""
    t = DuneTools(dune, config, secret=secret)
    server: MCPServer = MCPServer(
        "duneq",
        title="Dune Analytics (duneq)",
        instructions=INSTRUCTIONS,
        version=__version__,
        log_level="WARNING",
    )
    rows = config.max_rows

    async def run_sql(
        sql: Sql, limit: Limit = None, performance: Performance = None
    ) -> ExecutionReply:
        ex = await t.guard(t.run_sql(sql, limit, performance))
        return _reply(ex, _execution_text(ex))

    server.add_tool(
        run_sql,
        description=(
            "Execute DuneSQL and return the result as a typed table (costs credits). Waits up to "
            f"{config.tool_timeout:g} s; if the run is still going it returns execution_id and "
            "state instead: then call get_execution, do not re-run. At most "
            f"{rows} rows come back; page with get_results. Prefer latest_result for saved queries."
        ),
        annotations=_COSTS,
    )

    async def run_query(
        query_id: QueryId,
        params: Params = None,
        limit: Limit = None,
        performance: Performance = None,
    ) -> ExecutionReply:
        ex = await t.guard(t.run_query(query_id, params, limit, performance))
        return _reply(ex, _execution_text(ex))

    server.add_tool(
        run_query,
        description=(
            "Execute a saved query (costs credits) with optional parameters and return its result "
            "like run_sql, with the same hand-off when it outlasts the deadline. Try latest_result "
            "first: it reuses the last run for free."
        ),
        annotations=_COSTS,
    )

    async def get_execution(
        execution_id: ExecutionId,
        limit: Limit = None,
        wait_seconds: Annotated[
            float,
            Field(
                description="Wait up to this long for it to finish (capped by the deadline)", ge=0
            ),
        ] = 0,
    ) -> ExecutionReply:
        ex = await t.guard(t.get_execution(execution_id, limit, wait_seconds))
        return _reply(ex, _execution_text(ex))

    server.add_tool(
        get_execution,
        description=(
            "State of an execution (pending, executing, completed, failed), its queue position, "
            "error with line and column, cost, and its first rows once done. Use it to follow up "
            "a run_sql/run_query that returned before finishing."
        ),
        annotations=_READ,
    )

    async def get_results(
        execution_id: ExecutionId,
        offset: Annotated[int, Field(description="First row to return (0-based)", ge=0)] = 0,
        limit: Limit = None,
        columns: Annotated[
            list[str] | None, Field(description="Only these columns (fewer datapoints billed)")
        ] = None,
        filters: Annotated[
            str | None,
            Field(
                description="Server-side row filter, a SQL WHERE expression, e.g. amount_usd > 100"
            ),
        ] = None,
        sort_by: Annotated[
            list[str] | None, Field(description='Server-side order, e.g. ["amount_usd desc"]')
        ] = None,
    ) -> ExecutionReply:
        ex = await t.guard(t.get_results(execution_id, offset, limit, columns, filters, sort_by))
        return _reply(ex, _execution_text(ex))

    server.add_tool(
        get_results,
        description=(
            "Read rows of a finished execution without running anything again: page with offset, "
            "and select columns, filter and sort server-side so only what is needed is fetched "
            f"and billed (datapoints). At most {rows} rows per call."
        ),
        annotations=_READ,
    )

    async def latest_result(
        query_id: QueryId,
        params: Params = None,
        max_age_seconds: Annotated[
            float | None,
            Field(description="Reuse only a result at most this old; null accepts any age", ge=0),
        ] = None,
        limit: Limit = None,
        run_if_stale: Annotated[
            bool, Field(description="Run the query (costs credits) when no fresh result exists")
        ] = True,
    ) -> ExecutionReply:
        ex = await t.guard(t.latest_result(query_id, params, max_age_seconds, limit, run_if_stale))
        return _reply(ex, _execution_text(ex))

    server.add_tool(
        latest_result,
        description=(
            "PREFER THIS for saved queries: returns the query's most recent result without "
            "executing (no execution credits), and runs it only when there is none or it is "
            "older than max_age_seconds. reused=true says the earlier result was used."
        ),
        annotations=_COSTS,
    )

    async def get_query(query_id: QueryId) -> Annotated[CallToolResult, M.Query]:
        q = await t.guard(t.get_query(query_id))
        params = ", ".join(f"{p.key}:{p.type}={p.default}" for p in q.parameters) or "none"
        text = f"query {q.query_id}: {q.name}\nparameters: {params}\nsql:\n{q.sql}"
        return _reply(q, text)

    server.add_tool(
        get_query,
        description="A saved query's name, description, SQL, and parameters with types and defaults.",
        annotations=_READ,
    )

    async def search_datasets(
        query: Annotated[
            str | None, Field(description="Words to match in the table name or description")
        ] = None,
        owner: Annotated[str | None, Field(description="Owner handle, e.g. dune")] = None,
        type: Annotated[
            str | None,
            Field(
                description="Kind: spell, dune_table, decoded_table, uploaded_table, materialized_view, ..."
            ),
        ] = None,
        limit: Annotated[int, Field(description="Most datasets to return", gt=0, le=100)] = 20,
        offset: Annotated[int, Field(ge=0)] = 0,
    ) -> Annotated[CallToolResult, M.DatasetPage]:
        page = await t.guard(t.search_datasets(query, owner, type, limit, offset))
        lines = [
            f"{d.full_name} ({d.type}): " + ", ".join(f"{c.name} {c.type}" for c in d.columns)
            for d in page.datasets
        ]
        lines.append(f"{len(page.datasets)} datasets; next_offset={page.next_offset}")
        return _reply(page, "\n".join(lines))

    server.add_tool(
        search_datasets,
        description=(
            "Find tables in the Dune catalog by words in their name or description, with their "
            "columns and Dune types, so the SQL you write uses real names and types."
        ),
        annotations=_READ,
    )

    async def get_dataset(
        slug: Annotated[str, Field(description="The table's full name, e.g. dex.trades")],
    ) -> Annotated[CallToolResult, M.Dataset]:
        ds = await t.guard(t.get_dataset(slug))
        cols = "\n".join(f"{c.name} {c.type}" for c in ds.columns)
        return _reply(ds, f"{ds.full_name} ({ds.type}): {ds.description or ''}\n{cols}")

    server.add_tool(
        get_dataset,
        description="One table's columns with their Dune types and nullability, and its description.",
        annotations=_READ,
    )

    async def usage() -> Annotated[CallToolResult, M.Usage]:
        u = await t.guard(t.usage())
        lines = [
            f"{p.start_date}..{p.end_date}: {p.credits_used} of {p.credits_included} credits used"
            for p in u.billing_periods
        ]
        s = u.session

        def cap(value: float | None) -> str:
            return "no limit" if value is None else f"{value:g}"

        lines.append(
            f"this session: {s.executions} executions, {s.credits:g} credits, "
            f"{s.datapoints} datapoints (session limits: executions {cap(s.max_executions)}, "
            f"credits {cap(s.max_credits)}, datapoints {cap(s.max_datapoints)})"
        )
        return _reply(u, "\n".join(lines))

    server.add_tool(
        usage,
        description=(
            "Credits used and left in the current billing period, and what this session has "
            "spent against its budget."
        ),
        annotations=_READ,
    )

    if config.allow_writes:
        _add_write_tools(server, t)
    return server


def _add_write_tools(server: MCPServer, t: DuneTools) -> None:
    """Saved-query changes and cancellation, registered only with --allow-writes."""

    async def create_query(
        name: Annotated[str, Field(description="The query's title")],
        sql: Sql,
        description: str | None = None,
        is_private: bool = False,
    ) -> Annotated[CallToolResult, M.Saved]:
        qid = await t.guard(
            t.dune.queries.create(name, sql, description=description, is_private=is_private)
        )
        saved = M.Saved(query_id=qid, action="created")
        return _reply(saved, f"created query {qid}")

    server.add_tool(
        create_query, description="Save a new query; returns its id.", annotations=_WRITES
    )

    async def update_query(
        query_id: QueryId,
        name: str | None = None,
        sql: Annotated[str | None, Field(description="New DuneSQL text")] = None,
        description: str | None = None,
    ) -> Annotated[CallToolResult, M.Saved]:
        fields = {
            k: v
            for k, v in (("name", name), ("query_sql", sql), ("description", description))
            if v is not None
        }
        if not fields:
            raise ToolError("Nothing to change: pass at least one of name, sql or description.")
        qid = await t.guard(t.dune.queries.update(query_id, **fields))
        return _reply(M.Saved(query_id=qid, action="updated"), f"updated query {qid}")

    server.add_tool(
        update_query,
        description="Change a saved query's name, SQL or description.",
        annotations=_WRITES,
    )

    async def archive_query(query_id: QueryId) -> Annotated[CallToolResult, M.Saved]:
        qid = await t.guard(t.dune.queries.archive(query_id))
        return _reply(M.Saved(query_id=qid, action="archived"), f"archived query {qid}")

    server.add_tool(
        archive_query,
        description="Archive a saved query (Dune has no delete; it can be unarchived in the app).",
        annotations=ToolAnnotations(read_only_hint=False, destructive_hint=True),
    )

    async def cancel_execution(execution_id: ExecutionId) -> Annotated[CallToolResult, M.Cancelled]:
        eid = execution_id
        answer = await t.guard(t.dune.cancel(eid))
        shown = "cancelled" if answer else f"not cancelled: {answer.message or 'not confirmed'}"
        reply = M.Cancelled(execution_id=eid, cancelled=answer.cancelled, message=answer.message)
        return _reply(reply, f"{eid}: {shown}")

    server.add_tool(
        cancel_execution,
        description="Cancel a pending or running execution (stops further credit use).",
        annotations=_WRITES,
    )


def server_client(
    config: ServerConfig,
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    sleep: Callable[[float], Awaitable[object] | object] | None = None,
    clock: Callable[[], float] | None = None,
) -> AsyncClient:
    """The AsyncClient the tools share: waits up to the tool deadline, never cancels a run on it,
    allows partial results (``sleep`` and ``clock`` as for AsyncClient, e.g. a test's)."""
    return AsyncClient(
        api_key if api_key else NOT_GIVEN,
        base_url=base_url if base_url else NOT_GIVEN,
        sleep=sleep,
        clock=clock,
        wait_timeout=config.tool_timeout,
        cancel_on_timeout=False,
        partial="allow",
        max_credits=config.max_credits,
        max_datapoints=config.max_datapoints,
    )


TOKEN_ENV = "DUNEQ_MCP_TOKEN"
_MIN_TOKEN = 16

ASGIApp = Callable[
    [dict[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
    Awaitable[None],
]


class BearerGate:
    """ASGI middleware in front of the HTTP transport: a request runs only with the header
    ``Authorization: Bearer <token>`` (compared in constant time); any other gets 401."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._token = token.encode()

    def admits(self, header: bytes) -> bool:
        scheme, _, given = header.partition(b" ")
        ok = hmac.compare_digest(given.strip(), self._token)
        return scheme.lower() == b"bearer" and ok

    async def __call__(
        self,
        scope: dict[str, Any],
        receive: Callable[[], Awaitable[Any]],
        send: Callable[[Any], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":  # lifespan: the transport's session manager starts here
            await self.app(scope, receive, send)
            return
        header = dict(scope.get("headers") or []).get(b"authorization", b"")
        if self.admits(header):
            await self.app(scope, receive, send)
            return
        why = "wrong bearer token" if header else "missing bearer token"
        body = json.dumps({"error": f"{why}: send Authorization: Bearer <token>"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", b'Bearer realm="duneq mcp"'),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def http_token(environ: Mapping[str, str]) -> tuple[str, bool]:
    """The HTTP transport's bearer token: ``DUNEQ_MCP_TOKEN`` if set, else a new random one;
    and whether it was generated (then it is printed once, to stderr)."""
    given = environ.get(TOKEN_ENV, "").strip()
    if not given:
        return secrets.token_urlsafe(32), True
    if len(given) < _MIN_TOKEN:
        raise E.InvalidArgument(
            f"{TOKEN_ENV} must be at least {_MIN_TOKEN} characters (it is {len(given)}); "
            "unset it to have a random token generated"
        )
    return given, False


def serve(
    config: ServerConfig,
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    http_port: int | None = None,
    host: str = "127.0.0.1",
) -> None:
    """Run the server over stdio, or streamable HTTP on ``http_port`` (loopback, behind a
    bearer token and the SDK's DNS-rebinding checks), until it is stopped."""
    token, generated = http_token(os.environ) if http_port is not None else ("", False)

    async def main() -> None:
        async with server_client(config, api_key=api_key, base_url=base_url) as dune:
            secret = api_key or os.environ.get("DUNE_API_KEY") or None
            server = build_server(dune, config, secret=secret)
            if http_port is None:
                await server.run_stdio_async()
                return
            import uvicorn

            app = BearerGate(server.streamable_http_app(host=host), token)
            where = f"http://{host}:{http_port}/mcp"
            if generated:
                print(
                    f"duneq mcp: serving {where}; send the header "
                    f"'Authorization: Bearer {token}' (set {TOKEN_ENV} to choose the token)",
                    file=sys.stderr,
                    flush=True,
                )
            else:
                print(f"duneq mcp: serving {where}; bearer token from {TOKEN_ENV}", file=sys.stderr)
            await uvicorn.Server(
                uvicorn.Config(app, host=host, port=http_port, log_level="warning")
            ).serve()

    anyio.run(main)
