from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.pipeline_materialized_view_refresh import PipelineMaterializedViewRefresh
    from ..models.pipeline_query_execution import PipelineQueryExecution


T = TypeVar("T", bound="PipelineNode")


@_attrs_define
class PipelineNode:
    """One step; exactly one of query_execution and materialized_view_refresh is set.

    Attributes:
        id (int): Unique within the pipeline.
        dependencies (list[int] | Unset): Ids of nodes that must finish first.
        materialized_view_refresh (None | PipelineMaterializedViewRefresh | Unset):
        query_execution (None | PipelineQueryExecution | Unset):
    """

    id: int
    dependencies: list[int] | Unset = UNSET
    materialized_view_refresh: None | PipelineMaterializedViewRefresh | Unset = UNSET
    query_execution: None | PipelineQueryExecution | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.pipeline_materialized_view_refresh import PipelineMaterializedViewRefresh  # noqa: PLC0415
        from ..models.pipeline_query_execution import PipelineQueryExecution  # noqa: PLC0415

        id = self.id

        dependencies: list[int] | Unset = UNSET
        if not isinstance(self.dependencies, Unset):
            dependencies = self.dependencies

        materialized_view_refresh: dict[str, Any] | None | Unset
        if isinstance(self.materialized_view_refresh, Unset):
            materialized_view_refresh = UNSET
        elif isinstance(self.materialized_view_refresh, PipelineMaterializedViewRefresh):
            materialized_view_refresh = self.materialized_view_refresh.to_dict()
        else:
            materialized_view_refresh = self.materialized_view_refresh

        query_execution: dict[str, Any] | None | Unset
        if isinstance(self.query_execution, Unset):
            query_execution = UNSET
        elif isinstance(self.query_execution, PipelineQueryExecution):
            query_execution = self.query_execution.to_dict()
        else:
            query_execution = self.query_execution

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
            }
        )
        if dependencies is not UNSET:
            field_dict["dependencies"] = dependencies
        if materialized_view_refresh is not UNSET:
            field_dict["materialized_view_refresh"] = materialized_view_refresh
        if query_execution is not UNSET:
            field_dict["query_execution"] = query_execution

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.pipeline_materialized_view_refresh import PipelineMaterializedViewRefresh  # noqa: PLC0415
        from ..models.pipeline_query_execution import PipelineQueryExecution  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        dependencies = cast(list[int], d.pop("dependencies", UNSET))

        def _parse_materialized_view_refresh(data: object) -> None | PipelineMaterializedViewRefresh | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                materialized_view_refresh_type_1 = PipelineMaterializedViewRefresh.from_dict(data)

                return materialized_view_refresh_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PipelineMaterializedViewRefresh | Unset, data)

        materialized_view_refresh = _parse_materialized_view_refresh(d.pop("materialized_view_refresh", UNSET))

        def _parse_query_execution(data: object) -> None | PipelineQueryExecution | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                query_execution_type_1 = PipelineQueryExecution.from_dict(data)

                return query_execution_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PipelineQueryExecution | Unset, data)

        query_execution = _parse_query_execution(d.pop("query_execution", UNSET))

        pipeline_node = cls(
            id=id,
            dependencies=dependencies,
            materialized_view_refresh=materialized_view_refresh,
            query_execution=query_execution,
        )

        pipeline_node.additional_properties = d
        return pipeline_node

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
