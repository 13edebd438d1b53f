from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.pipeline_node_execution import PipelineNodeExecution


T = TypeVar("T", bound="PipelineExecutionStatus")


@_attrs_define
class PipelineExecutionStatus:
    """
    Attributes:
        error (str | Unset):
        node_executions (list[PipelineNodeExecution] | Unset):
        status (str | Unset): Overall status; documented values are pending, executing and completed.
    """

    error: str | Unset = UNSET
    node_executions: list[PipelineNodeExecution] | Unset = UNSET
    status: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        error = self.error

        node_executions: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.node_executions, Unset):
            node_executions = []
            for node_executions_item_data in self.node_executions:
                node_executions_item = node_executions_item_data.to_dict()
                node_executions.append(node_executions_item)

        status = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if error is not UNSET:
            field_dict["error"] = error
        if node_executions is not UNSET:
            field_dict["node_executions"] = node_executions
        if status is not UNSET:
            field_dict["status"] = status

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.pipeline_node_execution import PipelineNodeExecution  # noqa: PLC0415

        d = dict(src_dict)
        error = d.pop("error", UNSET)

        _node_executions = d.pop("node_executions", UNSET)
        node_executions: list[PipelineNodeExecution] | Unset = UNSET
        if _node_executions is not UNSET:
            node_executions = []
            for node_executions_item_data in _node_executions:
                node_executions_item = PipelineNodeExecution.from_dict(node_executions_item_data)

                node_executions.append(node_executions_item)

        status = d.pop("status", UNSET)

        pipeline_execution_status = cls(
            error=error,
            node_executions=node_executions,
            status=status,
        )

        pipeline_execution_status.additional_properties = d
        return pipeline_execution_status

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
