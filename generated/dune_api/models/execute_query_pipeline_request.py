from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.performance import Performance
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.execute_query_pipeline_request_query_parameters import ExecuteQueryPipelineRequestQueryParameters


T = TypeVar("T", bound="ExecuteQueryPipelineRequest")


@_attrs_define
class ExecuteQueryPipelineRequest:
    """
    Attributes:
        performance (Performance | Unset): Engine size; "medium" is the default, "large" has twice the compute.
        query_parameters (ExecuteQueryPipelineRequestQueryParameters | Unset):
    """

    performance: Performance | Unset = UNSET
    query_parameters: ExecuteQueryPipelineRequestQueryParameters | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        performance: str | Unset = UNSET
        if not isinstance(self.performance, Unset):
            performance = self.performance.value

        query_parameters: dict[str, Any] | Unset = UNSET
        if not isinstance(self.query_parameters, Unset):
            query_parameters = self.query_parameters.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if performance is not UNSET:
            field_dict["performance"] = performance
        if query_parameters is not UNSET:
            field_dict["query_parameters"] = query_parameters

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.execute_query_pipeline_request_query_parameters import (
            ExecuteQueryPipelineRequestQueryParameters,  # noqa: PLC0415
        )

        d = dict(src_dict)
        _performance = d.pop("performance", UNSET)
        performance: Performance | Unset
        if isinstance(_performance, Unset):
            performance = UNSET
        else:
            performance = Performance(_performance)

        _query_parameters = d.pop("query_parameters", UNSET)
        query_parameters: ExecuteQueryPipelineRequestQueryParameters | Unset
        if isinstance(_query_parameters, Unset):
            query_parameters = UNSET
        else:
            query_parameters = ExecuteQueryPipelineRequestQueryParameters.from_dict(_query_parameters)

        execute_query_pipeline_request = cls(
            performance=performance,
            query_parameters=query_parameters,
        )

        execute_query_pipeline_request.additional_properties = d
        return execute_query_pipeline_request

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
