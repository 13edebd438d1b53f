from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.uploaded_table import UploadedTable


T = TypeVar("T", bound="ListUploadsResponse")


@_attrs_define
class ListUploadsResponse:
    """
    Attributes:
        next_offset (int | Unset):
        tables (list[UploadedTable] | Unset):
    """

    next_offset: int | Unset = UNSET
    tables: list[UploadedTable] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        next_offset = self.next_offset

        tables: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.tables, Unset):
            tables = []
            for tables_item_data in self.tables:
                tables_item = tables_item_data.to_dict()
                tables.append(tables_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if next_offset is not UNSET:
            field_dict["next_offset"] = next_offset
        if tables is not UNSET:
            field_dict["tables"] = tables

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.uploaded_table import UploadedTable  # noqa: PLC0415

        d = dict(src_dict)
        next_offset = d.pop("next_offset", UNSET)

        _tables = d.pop("tables", UNSET)
        tables: list[UploadedTable] | Unset = UNSET
        if _tables is not UNSET:
            tables = []
            for tables_item_data in _tables:
                tables_item = UploadedTable.from_dict(tables_item_data)

                tables.append(tables_item)

        list_uploads_response = cls(
            next_offset=next_offset,
            tables=tables,
        )

        list_uploads_response.additional_properties = d
        return list_uploads_response

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
