"""Dagster integration (``pip install 'duneq[dagster]'``): a ``DuneResource`` that builds the
client from run config, and ``dune_query_asset`` that materializes a saved query to a parquet
file, a (partitioned) dataset, or the IO manager, with execution id, rows and credits as
asset metadata.

.. code-block:: python

    import dagster as dg
    from duneq.dagster import DuneResource, dune_query_asset

    daily = dg.DailyPartitionsDefinition(start_date="2024-01-01")
    volume = dune_query_asset(
        1234567, name="dex_volume", partitions=daily, partition_param="day",
        output_uri="s3://lake/dune/dex_volume/",
    )
    defs = dg.Definitions(
        assets=[volume], resources={"dune": DuneResource(api_key=dg.EnvVar("DUNE_API_KEY"))}
    )
"""

# No ``from __future__ import annotations``: Dagster reads the asset's context annotation.
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

try:
    import dagster as dg
except ImportError as exc:  # pragma: no cover - the message is the point
    from ._optional import MissingDependency

    raise MissingDependency(
        f"dagster is needed for duneq.dagster; install it with: pip install 'duneq[dagster]' ({exc})"
    ) from exc

from ._client import Client
from ._errors import InvalidArgument
from ._results.handle import Result


class DuneResource(dg.ConfigurableResource):  # type: ignore[misc]
    """The Dune API as a Dagster resource: the key (use ``dg.EnvVar("DUNE_API_KEY")``), base
    URL, per-request timeout, wait deadline and the run's credit budget."""

    api_key: str | None = None
    base_url: str | None = None
    request_timeout: float | None = None
    wait_timeout: float | None = None
    max_credits: float | None = None
    performance: str | None = None

    def get_client(self) -> Client:
        """A new ``duneq.Client`` (close it, or use it as a context manager)."""
        kwargs: dict[str, Any] = {"cache": False}
        if self.request_timeout is not None:
            kwargs["timeout"] = self.request_timeout
        if self.wait_timeout is not None:
            kwargs["wait_timeout"] = self.wait_timeout
        if self.max_credits is not None:
            kwargs["max_credits"] = self.max_credits
        if self.performance is not None:
            kwargs["performance"] = self.performance
        if self.base_url:
            kwargs["base_url"] = self.base_url
        return Client(self.api_key, **kwargs)


def result_metadata(result: Result, rows: int, uri: str | None) -> dict[str, Any]:
    """What a materialization reports: never the rows themselves."""
    meta: dict[str, Any] = {
        "execution_id": result.execution_id,
        "rows": rows,
        "credits": float(result.cost_credits or 0.0),
        "state": str(result.state),
        "source": result.source,
    }
    if uri is not None:
        meta["uri"] = dg.MetadataValue.path(uri)
    return meta


def materialize_result(
    result: Result,
    output_uri: str | None,
    partition_by: Sequence[str] | None,
    partition: tuple[str, str] | None,
) -> tuple[Any, int, str | None]:
    """Write ``result`` where the asset says: a ``.parquet`` file, a dataset folder (this
    Dagster partition's folder replaced, so a rerun is idempotent), or nothing (the table is
    returned for the IO manager). Returns (value for the IO manager, rows, uri)."""
    if output_uri is None:
        table = result.to_arrow()
        return table, table.num_rows, None
    if output_uri.endswith(".parquet"):
        if partition is not None:
            raise InvalidArgument("a partitioned asset writes a dataset: drop the .parquet suffix")
        return None, result.to_parquet(output_uri), output_uri
    uri = output_uri.rstrip("/")
    if partition is not None:
        uri = f"{uri}/{partition[0]}={partition[1]}"
    written = result.to_dataset(uri, partition_by=partition_by, existing="delete_matching")
    return None, written.rows, written.uri


def dune_query_asset(
    query_id: int,
    params: Mapping[str, Any] | None = None,
    *,
    name: str | None = None,
    partitions: Any = None,
    partition_param: str | None = None,
    output_uri: str | None = None,
    partition_by: Sequence[str] | None = None,
    max_age: timedelta | None = None,
    performance: str | None = None,
    resource_key: str = "dune",
    **asset_kwargs: Any,
) -> Any:
    """An asset that runs saved query ``query_id`` (or reuses a result younger than
    ``max_age``) and writes it to ``output_uri``: a ``.parquet`` file or a dataset folder/URI
    (``partition_by`` its columns). With ``partitions``, each partition key is given to the
    query as ``partition_param`` and written to its own ``partition_param=KEY`` folder."""
    if (partitions is None) != (partition_param is None):
        raise InvalidArgument("partitions and partition_param go together")
    fixed = dict(params or {})

    def run(context: Any) -> tuple[Any, dict[str, Any]]:
        resource: DuneResource = getattr(context.resources, resource_key)
        values = dict(fixed)
        partition = None
        if partition_param is not None:
            values[partition_param] = context.partition_key
            partition = (partition_param, context.partition_key)
        with resource.get_client() as dune:
            extra: dict[str, Any] = {}
            if performance is not None:
                extra["performance"] = performance
            result = dune.run_query(query_id, values or None, max_age=max_age, **extra)
            value, rows, uri = materialize_result(result, output_uri, partition_by, partition)
            meta = result_metadata(result, rows, uri)
        context.log.info(
            "dune query %s: execution %s, %s rows, %s credits",
            query_id,
            meta["execution_id"],
            rows,
            meta["credits"],
        )
        return value, meta

    decorate = dg.asset(
        name=name or f"dune_query_{query_id}",
        partitions_def=partitions,
        required_resource_keys={resource_key},
        **asset_kwargs,
    )
    if output_uri is None:  # the typed table goes to the IO manager

        def to_io_manager(context: dg.AssetExecutionContext) -> dg.Output:
            value, meta = run(context)
            return dg.Output(value, metadata=meta)

        return decorate(to_io_manager)

    def written(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        _, meta = run(context)
        return dg.MaterializeResult(metadata=meta)

    return decorate(written)


__all__ = ["DuneResource", "dune_query_asset"]
