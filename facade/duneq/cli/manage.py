"""``duneq queries|uploads|usage|datasets|endpoint``: the API beyond running queries, printed as
an aligned table (default) or ``-o json`` for scripts."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

import orjson

from .errors import UsageError
from .output import plain_table


def _plain(value: Any) -> Any:
    """A record as JSON-ready data (dataclasses as dicts, without their ``raw`` copies)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name != "raw"
        }
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _print(args: argparse.Namespace, data: Any, columns: list[str] | None = None) -> int:
    """Print a record or a list of records as JSON or a table; returns exit code 0."""
    plain = _plain(data)
    if args.output == "json":
        sys.stdout.write(orjson.dumps(plain, option=orjson.OPT_INDENT_2).decode() + "\n")
    elif isinstance(plain, list):
        rows = [{k: v for k, v in r.items() if not isinstance(v, list | dict)} for r in plain]
        sys.stdout.write(plain_table(rows, columns or (list(rows[0]) if rows else [])))
    elif isinstance(plain, dict):
        sys.stdout.write(
            "".join(
                f"{k:<20}{'' if v is None else v}\n"
                for k, v in plain.items()
                if not isinstance(v, list | dict)
            )
        )
    else:
        sys.stdout.write(f"{plain}\n")
    return 0


def _sql(args: argparse.Namespace) -> str | None:
    """SQL from ``--sql-file`` (``-`` reads stdin), or None."""
    if args.sql_file is None:
        return None
    if args.sql_file == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(args.sql_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--sql-file {args.sql_file}: {exc.strerror or exc}") from None
    if not text.strip():
        raise UsageError("the SQL is empty")
    return text


def _listed(args: argparse.Namespace, listing: Any, noun: str) -> list[Any]:
    """The records of a listing as ``--limit/--offset/--all`` ask; in a table, a line on stderr
    says how many more there are (when the API gives a total)."""
    items = list(listing)
    total = getattr(listing, "total", None)
    more = None if total is None else total - args.offset - len(items)
    if args.output != "json" and not getattr(args, "quiet", False) and more and more > 0:
        print(
            f"{len(items)} of {total} {noun} shown; --limit N, --offset N or --all for more",
            file=sys.stderr,
        )
    return items


def _list_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    limit = None if getattr(args, "all", False) else args.limit
    return {"limit": limit, "offset": args.offset}


def cmd_queries(args: argparse.Namespace, client: Any) -> int:
    queries = client.queries
    if args.action == "list":
        found = _listed(args, queries.list(**_list_kwargs(args)), "queries")
        return _print(args, [dict(q.raw) for q in found], ["id", "name", "owner", "updated_at"])
    if args.action == "get":
        return _print(args, queries.get(args.query_id))
    if args.action == "create":
        sql = _sql(args)
        if sql is None or not args.name:
            raise UsageError("queries create needs --name and --sql-file FILE (or - for stdin)")
        qid = queries.create(args.name, sql, description=args.description, tags=args.tag)
        return _print(args, {"query_id": qid})
    if args.action == "update":
        fields: dict[str, Any] = {}
        sql = _sql(args)
        if sql is not None:
            fields["query_sql"] = sql
        for name in ("name", "description"):
            if getattr(args, name) is not None:
                fields[name] = getattr(args, name)
        if args.tag is not None:
            fields["tags"] = [t for t in args.tag if t]
        if not fields:
            raise UsageError("queries update needs at least one of --name, --sql-file, ...")
        return _print(args, {"query_id": queries.update(args.query_id, **fields)})
    return _print(args, {"query_id": queries.archive(args.query_id), "archived": True})


def _split(table: str) -> tuple[str, str]:
    namespace, dot, name = table.rpartition(".")
    if not dot or not namespace:
        raise UsageError(f"--table {table!r}: expected NAMESPACE.TABLE (e.g. my_team.trades)")
    return namespace.rsplit(".", 1)[-1], name


def _schema(items: list[str]) -> list[tuple[str, str, bool]]:
    columns = []
    for item in items:
        name, sep, typ = item.partition(":")
        if not sep:
            raise UsageError(f"--column {item!r}: expected NAME:TYPE (e.g. amount:double)")
        columns.append((name.strip(), typ.strip(), True))
    return columns


def cmd_uploads(args: argparse.Namespace, client: Any) -> int:
    uploads = client.uploads
    legacy = getattr(args, "legacy", False)
    if args.action == "list":
        tables = _listed(args, uploads.list(**_list_kwargs(args)), "tables")
        return _print(args, tables, ["full_name", "table_size_bytes", "is_private", "updated_at"])
    if args.action == "upload":
        done = uploads.upload_csv(
            args.table, Path(args.file), description=args.description, is_private=args.private
        )
        return _print(args, done)
    namespace, name = _split(args.table)
    if args.action == "create":
        if args.from_file is not None:
            schema: Any = _table_of(Path(args.from_file))
        elif args.column:
            schema = _schema(args.column)
        else:
            raise UsageError("uploads create needs --column NAME:TYPE (repeat) or --from FILE")
        done = uploads.create(
            namespace,
            name,
            schema,
            description=args.description,
            is_private=args.private,
            legacy=legacy,
        )
        return _print(args, done)
    if args.action == "insert":
        result = uploads.insert(namespace, name, Path(args.file), legacy=legacy)
        if args.output != "json" and not args.quiet:
            rows = result.rows_written
            print(
                f"inserted {rows:,} row{'' if rows == 1 else 's'} into {result.table} "
                f"in {result.chunks} request{'' if result.chunks == 1 else 's'}",
                file=sys.stderr,
            )
        return _print(args, result) if args.output == "json" else 0
    action = uploads.clear if args.action == "clear" else uploads.delete
    return _print(args, {"message": action(namespace, name, legacy=legacy)})


def _table_of(path: Path) -> Any:
    """A parquet or CSV file read as an Arrow table, to derive column types from."""
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    if path.suffix.lower() in (".parquet", ".pq"):
        return pq.read_schema(path).empty_table()
    if path.suffix.lower() in (".ndjson", ".jsonl", ".json"):
        import pyarrow.json as pjson

        return pjson.read_json(path)
    return pcsv.read_csv(path)


def cmd_usage(args: argparse.Namespace, client: Any) -> int:
    usage = client.usage(start=args.start, end=args.end)
    if args.output == "json":
        return _print(args, usage)
    _print(args, usage.billing_periods)
    print(
        f"storage: {usage.bytes_used or 0:,} of {usage.bytes_allowed or 0:,} bytes; "
        f"private queries: {usage.private_queries or 0}"
    )
    return 0


def cmd_datasets(args: argparse.Namespace, client: Any) -> int:
    if args.action == "list":
        listing = client.datasets.list(
            owner_handle=args.owner, type=args.type, **_list_kwargs(args)
        )
        found = _listed(args, listing, "datasets")
        if args.output == "json":
            return _print(args, {"datasets": found, "total": listing.total})
        return _print(args, found, ["full_name", "type", "owner"])
    dataset = client.datasets.get(args.slug)
    if args.output == "json":
        return _print(args, dataset)
    print(f"{dataset.full_name} ({dataset.type}, owner {dataset.owner})")
    return _print(args, dataset.columns, ["name", "type", "nullable"])


def cmd_matviews(args: argparse.Namespace, client: Any) -> int:
    """``duneq matviews list|get|upsert|refresh|delete``."""
    views = client.matviews
    if args.action == "list":
        found = _listed(args, views.list(**_list_kwargs(args)), "views")
        return _print(args, found, ["name", "query_id", "is_private", "table_size_bytes"])
    if args.action == "get":
        return _print(args, views.get(args.name))
    if args.action == "delete":
        message = views.delete(args.name)
        print(message or f"deleted {args.name}")
        return 0
    perf = {"performance": args.performance} if args.performance else {}
    if args.action == "upsert":
        upserted = views.upsert(
            args.name,
            args.query_id,
            cron_expression=args.cron,
            is_private=True if args.private else None,
            expires_at=args.expires_at,
            **perf,
        )
        name, execution = upserted.name, upserted.execution
    else:
        name, execution = args.name, views.refresh(args.name, **perf)
    if args.output == "json":
        return _print(args, {"name": name, "execution_id": execution.execution_id})
    print(f"{name}: refresh started, execution {execution.execution_id}")
    print(f"follow it with: duneq results {execution.execution_id}", file=sys.stderr)
    return 0
