from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.uploaded_table_column_metadata import UploadedTableColumnMetadata


T = TypeVar("T", bound="UploadedTableColumn")


@_attrs_define
class UploadedTableColumn:
    """
    Attributes:
        metadata (UploadedTableColumnMetadata | Unset):
        name (str | Unset):
        nullable (bool | Unset):
        type_ (str | Unset):
    """

    metadata: UploadedTableColumnMetadata | Unset = UNSET
    name: str | Unset = UNSET
    nullable: bool | Unset = UNSET
    type_: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        name = self.name

        nullable = self.nullable

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if name is not UNSET:
            field_dict["name"] = name
        if nullable is not UNSET:
            field_dict["nullable"] = nullable
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.uploaded_table_column_metadata import UploadedTableColumnMetadata  # noqa: PLC0415

        d = dict(src_dict)
        _metadata = d.pop("metadata", UNSET)
        metadata: UploadedTableColumnMetadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = UploadedTableColumnMetadata.from_dict(_metadata)

        name = d.pop("name", UNSET)

        nullable = d.pop("nullable", UNSET)

        type_ = d.pop("type", UNSET)

        uploaded_table_column = cls(
            metadata=metadata,
            name=name,
            nullable=nullable,
            type_=type_,
        )

        uploaded_table_column.additional_properties = d
        return uploaded_table_column

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
