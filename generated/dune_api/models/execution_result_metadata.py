from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ExecutionResultMetadata")


@_attrs_define
class ExecutionResultMetadata:
    """Shape and size of a result; counts are for this page unless named total_.

    Attributes:
        column_names (list[str] | Unset):
        column_types (list[str] | Unset):
        datapoint_count (int | Unset): Rows in this page times columns returned.
        execution_time_millis (int | Unset):
        pending_time_millis (int | Unset):
        result_set_bytes (int | Unset):
        row_count (int | Unset): Rows in this page.
        total_result_set_bytes (int | Unset):
        total_row_count (int | Unset): Rows in the whole result.
    """

    column_names: list[str] | Unset = UNSET
    column_types: list[str] | Unset = UNSET
    datapoint_count: int | Unset = UNSET
    execution_time_millis: int | Unset = UNSET
    pending_time_millis: int | Unset = UNSET
    result_set_bytes: int | Unset = UNSET
    row_count: int | Unset = UNSET
    total_result_set_bytes: int | Unset = UNSET
    total_row_count: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        column_names: list[str] | Unset = UNSET
        if not isinstance(self.column_names, Unset):
            column_names = self.column_names

        column_types: list[str] | Unset = UNSET
        if not isinstance(self.column_types, Unset):
            column_types = self.column_types

        datapoint_count = self.datapoint_count

        execution_time_millis = self.execution_time_millis

        pending_time_millis = self.pending_time_millis

        result_set_bytes = self.result_set_bytes

        row_count = self.row_count

        total_result_set_bytes = self.total_result_set_bytes

        total_row_count = self.total_row_count

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if column_names is not UNSET:
            field_dict["column_names"] = column_names
        if column_types is not UNSET:
            field_dict["column_types"] = column_types
        if datapoint_count is not UNSET:
            field_dict["datapoint_count"] = datapoint_count
        if execution_time_millis is not UNSET:
            field_dict["execution_time_millis"] = execution_time_millis
        if pending_time_millis is not UNSET:
            field_dict["pending_time_millis"] = pending_time_millis
        if result_set_bytes is not UNSET:
            field_dict["result_set_bytes"] = result_set_bytes
        if row_count is not UNSET:
            field_dict["row_count"] = row_count
        if total_result_set_bytes is not UNSET:
            field_dict["total_result_set_bytes"] = total_result_set_bytes
        if total_row_count is not UNSET:
            field_dict["total_row_count"] = total_row_count

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        column_names = cast(list[str], d.pop("column_names", UNSET))

        column_types = cast(list[str], d.pop("column_types", UNSET))

        datapoint_count = d.pop("datapoint_count", UNSET)

        execution_time_millis = d.pop("execution_time_millis", UNSET)

        pending_time_millis = d.pop("pending_time_millis", UNSET)

        result_set_bytes = d.pop("result_set_bytes", UNSET)

        row_count = d.pop("row_count", UNSET)

        total_result_set_bytes = d.pop("total_result_set_bytes", UNSET)

        total_row_count = d.pop("total_row_count", UNSET)

        execution_result_metadata = cls(
            column_names=column_names,
            column_types=column_types,
            datapoint_count=datapoint_count,
            execution_time_millis=execution_time_millis,
            pending_time_millis=pending_time_millis,
            result_set_bytes=result_set_bytes,
            row_count=row_count,
            total_result_set_bytes=total_result_set_bytes,
            total_row_count=total_row_count,
        )

        execution_result_metadata.additional_properties = d
        return execution_result_metadata

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
