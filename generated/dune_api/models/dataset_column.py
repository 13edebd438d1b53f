from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.dataset_column_metadata import DatasetColumnMetadata


T = TypeVar("T", bound="DatasetColumn")


@_attrs_define
class DatasetColumn:
    """
    Attributes:
        metadata (DatasetColumnMetadata | None | Unset):
        name (str | Unset):
        nullable (bool | Unset):
        type_ (str | Unset):
    """

    metadata: DatasetColumnMetadata | None | Unset = UNSET
    name: str | Unset = UNSET
    nullable: bool | Unset = UNSET
    type_: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.dataset_column_metadata import DatasetColumnMetadata  # noqa: PLC0415

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, DatasetColumnMetadata):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

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
        from ..models.dataset_column_metadata import DatasetColumnMetadata  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_metadata(data: object) -> DatasetColumnMetadata | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_1 = DatasetColumnMetadata.from_dict(data)

                return metadata_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DatasetColumnMetadata | None | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        name = d.pop("name", UNSET)

        nullable = d.pop("nullable", UNSET)

        type_ = d.pop("type", UNSET)

        dataset_column = cls(
            metadata=metadata,
            name=name,
            nullable=nullable,
            type_=type_,
        )

        dataset_column.additional_properties = d
        return dataset_column

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
