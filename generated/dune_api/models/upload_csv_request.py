from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="UploadCsvRequest")


@_attrs_define
class UploadCsvRequest:
    """
    Attributes:
        data (str): The CSV text, header row first.
        table_name (str):
        description (str | Unset):
        is_private (bool | Unset):
    """

    data: str
    table_name: str
    description: str | Unset = UNSET
    is_private: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = self.data

        table_name = self.table_name

        description = self.description

        is_private = self.is_private

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "data": data,
                "table_name": table_name,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if is_private is not UNSET:
            field_dict["is_private"] = is_private

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        data = d.pop("data")

        table_name = d.pop("table_name")

        description = d.pop("description", UNSET)

        is_private = d.pop("is_private", UNSET)

        upload_csv_request = cls(
            data=data,
            table_name=table_name,
            description=description,
            is_private=is_private,
        )

        upload_csv_request.additional_properties = d
        return upload_csv_request

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
