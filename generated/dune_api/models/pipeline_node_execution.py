from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

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
            materialized_view_refresh_status (None | PipelineMaterializedViewRefreshStatus | Unset):
            query_execution_status (None | PipelineQueryExecutionStatus | Unset):
    """

    id: int | Unset = UNSET
    materialized_view_refresh_status: None | PipelineMaterializedViewRefreshStatus | Unset = UNSET
    query_execution_status: None | PipelineQueryExecutionStatus | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.pipeline_materialized_view_refresh_status import (
            PipelineMaterializedViewRefreshStatus,  # noqa: PLC0415
        )
        from ..models.pipeline_query_execution_status import PipelineQueryExecutionStatus  # noqa: PLC0415

        id = self.id

        materialized_view_refresh_status: dict[str, Any] | None | Unset
        if isinstance(self.materialized_view_refresh_status, Unset):
            materialized_view_refresh_status = UNSET
        elif isinstance(self.materialized_view_refresh_status, PipelineMaterializedViewRefreshStatus):
            materialized_view_refresh_status = self.materialized_view_refresh_status.to_dict()
        else:
            materialized_view_refresh_status = self.materialized_view_refresh_status

        query_execution_status: dict[str, Any] | None | Unset
        if isinstance(self.query_execution_status, Unset):
            query_execution_status = UNSET
        elif isinstance(self.query_execution_status, PipelineQueryExecutionStatus):
            query_execution_status = self.query_execution_status.to_dict()
        else:
            query_execution_status = self.query_execution_status

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

        def _parse_materialized_view_refresh_status(
            data: object,
        ) -> None | PipelineMaterializedViewRefreshStatus | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                materialized_view_refresh_status_type_1 = PipelineMaterializedViewRefreshStatus.from_dict(data)

                return materialized_view_refresh_status_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PipelineMaterializedViewRefreshStatus | Unset, data)

        materialized_view_refresh_status = _parse_materialized_view_refresh_status(
            d.pop("materialized_view_refresh_status", UNSET)
        )

        def _parse_query_execution_status(data: object) -> None | PipelineQueryExecutionStatus | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                query_execution_status_type_1 = PipelineQueryExecutionStatus.from_dict(data)

                return query_execution_status_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PipelineQueryExecutionStatus | Unset, data)

        query_execution_status = _parse_query_execution_status(d.pop("query_execution_status", UNSET))

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
