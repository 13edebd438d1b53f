from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.performance import Performance
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.execute_pipeline_request_query_parameters import ExecutePipelineRequestQueryParameters
    from ..models.pipeline import Pipeline


T = TypeVar("T", bound="ExecutePipelineRequest")


@_attrs_define
class ExecutePipelineRequest:
    """
    Attributes:
        performance (Performance | Unset): Engine size; "medium" is the default, "large" has twice the compute.
        pipeline (Pipeline | Unset): Nodes to run, each after the nodes it depends on.
        query_id (int | Unset):
        query_parameters (ExecutePipelineRequestQueryParameters | Unset):
    """

    performance: Performance | Unset = UNSET
    pipeline: Pipeline | Unset = UNSET
    query_id: int | Unset = UNSET
    query_parameters: ExecutePipelineRequestQueryParameters | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        performance: str | Unset = UNSET
        if not isinstance(self.performance, Unset):
            performance = self.performance.value

        pipeline: dict[str, Any] | Unset = UNSET
        if not isinstance(self.pipeline, Unset):
            pipeline = self.pipeline.to_dict()

        query_id = self.query_id

        query_parameters: dict[str, Any] | Unset = UNSET
        if not isinstance(self.query_parameters, Unset):
            query_parameters = self.query_parameters.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if performance is not UNSET:
            field_dict["performance"] = performance
        if pipeline is not UNSET:
            field_dict["pipeline"] = pipeline
        if query_id is not UNSET:
            field_dict["query_id"] = query_id
        if query_parameters is not UNSET:
            field_dict["query_parameters"] = query_parameters

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.execute_pipeline_request_query_parameters import (
            ExecutePipelineRequestQueryParameters,  # noqa: PLC0415
        )
        from ..models.pipeline import Pipeline  # noqa: PLC0415

        d = dict(src_dict)
        _performance = d.pop("performance", UNSET)
        performance: Performance | Unset
        if isinstance(_performance, Unset):
            performance = UNSET
        else:
            performance = Performance(_performance)

        _pipeline = d.pop("pipeline", UNSET)
        pipeline: Pipeline | Unset
        if isinstance(_pipeline, Unset):
            pipeline = UNSET
        else:
            pipeline = Pipeline.from_dict(_pipeline)

        query_id = d.pop("query_id", UNSET)

        _query_parameters = d.pop("query_parameters", UNSET)
        query_parameters: ExecutePipelineRequestQueryParameters | Unset
        if isinstance(_query_parameters, Unset):
            query_parameters = UNSET
        else:
            query_parameters = ExecutePipelineRequestQueryParameters.from_dict(_query_parameters)

        execute_pipeline_request = cls(
            performance=performance,
            pipeline=pipeline,
            query_id=query_id,
            query_parameters=query_parameters,
        )

        execute_pipeline_request.additional_properties = d
        return execute_pipeline_request

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
