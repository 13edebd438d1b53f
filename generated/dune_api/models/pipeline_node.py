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
        materialized_view_refresh (PipelineMaterializedViewRefresh | Unset):
        query_execution (PipelineQueryExecution | Unset):
    """

    id: int
    dependencies: list[int] | Unset = UNSET
    materialized_view_refresh: PipelineMaterializedViewRefresh | Unset = UNSET
    query_execution: PipelineQueryExecution | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        dependencies: list[int] | Unset = UNSET
        if not isinstance(self.dependencies, Unset):
            dependencies = self.dependencies

        materialized_view_refresh: dict[str, Any] | Unset = UNSET
        if not isinstance(self.materialized_view_refresh, Unset):
            materialized_view_refresh = self.materialized_view_refresh.to_dict()

        query_execution: dict[str, Any] | Unset = UNSET
        if not isinstance(self.query_execution, Unset):
            query_execution = self.query_execution.to_dict()

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

        _materialized_view_refresh = d.pop("materialized_view_refresh", UNSET)
        materialized_view_refresh: PipelineMaterializedViewRefresh | Unset
        if isinstance(_materialized_view_refresh, Unset):
            materialized_view_refresh = UNSET
        else:
            materialized_view_refresh = PipelineMaterializedViewRefresh.from_dict(_materialized_view_refresh)

        _query_execution = d.pop("query_execution", UNSET)
        query_execution: PipelineQueryExecution | Unset
        if isinstance(_query_execution, Unset):
            query_execution = UNSET
        else:
            query_execution = PipelineQueryExecution.from_dict(_query_execution)

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
