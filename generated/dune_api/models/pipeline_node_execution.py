from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.pipeline_materialized_view_refresh_status import PipelineMaterializedViewRefreshStatus
    from ..models.pipeline_query_execution_status import PipelineQueryExecutionStatus


T = TypeVar("T", bound="PipelineNodeExecution")


@_attrs_define
class PipelineNodeExecution:
    """Status of one node, under the key matching its kind. A node whose dependency failed reports the status "skipped"
    (the emulator's choice; Dune does not say).

        Attributes:
            id (int | Unset):
            materialized_view_refresh_status (PipelineMaterializedViewRefreshStatus | Unset):
            query_execution_status (PipelineQueryExecutionStatus | Unset):
    """

    id: int | Unset = UNSET
    materialized_view_refresh_status: PipelineMaterializedViewRefreshStatus | Unset = UNSET
    query_execution_status: PipelineQueryExecutionStatus | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        materialized_view_refresh_status: dict[str, Any] | Unset = UNSET
        if not isinstance(self.materialized_view_refresh_status, Unset):
            materialized_view_refresh_status = self.materialized_view_refresh_status.to_dict()

        query_execution_status: dict[str, Any] | Unset = UNSET
        if not isinstance(self.query_execution_status, Unset):
            query_execution_status = self.query_execution_status.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if id is not UNSET:
            field_dict["id"] = id
        if materialized_view_refresh_status is not UNSET:
            field_dict["materialized_view_refresh_status"] = materialized_view_refresh_status
        if query_execution_status is not UNSET:
            field_dict["query_execution_status"] = query_execution_status

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.pipeline_materialized_view_refresh_status import (
            PipelineMaterializedViewRefreshStatus,  # noqa: PLC0415
        )
        from ..models.pipeline_query_execution_status import PipelineQueryExecutionStatus  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id", UNSET)

        _materialized_view_refresh_status = d.pop("materialized_view_refresh_status", UNSET)
        materialized_view_refresh_status: PipelineMaterializedViewRefreshStatus | Unset
        if isinstance(_materialized_view_refresh_status, Unset):
            materialized_view_refresh_status = UNSET
        else:
            materialized_view_refresh_status = PipelineMaterializedViewRefreshStatus.from_dict(
                _materialized_view_refresh_status
            )

        _query_execution_status = d.pop("query_execution_status", UNSET)
        query_execution_status: PipelineQueryExecutionStatus | Unset
        if isinstance(_query_execution_status, Unset):
            query_execution_status = UNSET
        else:
            query_execution_status = PipelineQueryExecutionStatus.from_dict(_query_execution_status)

        pipeline_node_execution = cls(
            id=id,
            materialized_view_refresh_status=materialized_view_refresh_status,
            query_execution_status=query_execution_status,
        )

        pipeline_node_execution.additional_properties = d
        return pipeline_node_execution

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
