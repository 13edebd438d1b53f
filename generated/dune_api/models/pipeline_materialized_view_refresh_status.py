from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="PipelineMaterializedViewRefreshStatus")


@_attrs_define
class PipelineMaterializedViewRefreshStatus:
    """
    Attributes:
        error (str | Unset):
        execution_id (str | Unset): Set once the node has started.
        name (str | Unset):
        status (str | Unset):
    """

    error: str | Unset = UNSET
    execution_id: str | Unset = UNSET
    name: str | Unset = UNSET
    status: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        error = self.error

        execution_id = self.execution_id

        name = self.name

        status = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if error is not UNSET:
            field_dict["error"] = error
        if execution_id is not UNSET:
            field_dict["execution_id"] = execution_id
        if name is not UNSET:
            field_dict["name"] = name
        if status is not UNSET:
            field_dict["status"] = status

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        error = d.pop("error", UNSET)

        execution_id = d.pop("execution_id", UNSET)

        name = d.pop("name", UNSET)

        status = d.pop("status", UNSET)

        pipeline_materialized_view_refresh_status = cls(
            error=error,
            execution_id=execution_id,
            name=name,
            status=status,
        )

        pipeline_materialized_view_refresh_status.additional_properties = d
        return pipeline_materialized_view_refresh_status

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
