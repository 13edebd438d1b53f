from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="InsertRowsResponse")


@_attrs_define
class InsertRowsResponse:
    """
    Attributes:
        bytes_written (int | Unset):
        name (str | Unset):
        rows_written (int | Unset):
    """

    bytes_written: int | Unset = UNSET
    name: str | Unset = UNSET
    rows_written: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        bytes_written = self.bytes_written

        name = self.name

        rows_written = self.rows_written

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if bytes_written is not UNSET:
            field_dict["bytes_written"] = bytes_written
        if name is not UNSET:
            field_dict["name"] = name
        if rows_written is not UNSET:
            field_dict["rows_written"] = rows_written

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        bytes_written = d.pop("bytes_written", UNSET)

        name = d.pop("name", UNSET)

        rows_written = d.pop("rows_written", UNSET)

        insert_rows_response = cls(
            bytes_written=bytes_written,
            name=name,
            rows_written=rows_written,
        )

        insert_rows_response.additional_properties = d
        return insert_rows_response

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
