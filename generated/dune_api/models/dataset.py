from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.dataset_column import DatasetColumn
    from ..models.dataset_metadata import DatasetMetadata
    from ..models.dataset_owner import DatasetOwner


T = TypeVar("T", bound="Dataset")


@_attrs_define
class Dataset:
    """
    Attributes:
        columns (list[DatasetColumn] | Unset):
        created_at (str | Unset):
        full_name (str | Unset):
        is_private (bool | Unset):
        metadata (DatasetMetadata | Unset):
        owner (DatasetOwner | None | Unset):
        type_ (str | Unset):
        updated_at (str | Unset):
    """

    columns: list[DatasetColumn] | Unset = UNSET
    created_at: str | Unset = UNSET
    full_name: str | Unset = UNSET
    is_private: bool | Unset = UNSET
    metadata: DatasetMetadata | Unset = UNSET
    owner: DatasetOwner | None | Unset = UNSET
    type_: str | Unset = UNSET
    updated_at: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.dataset_owner import DatasetOwner  # noqa: PLC0415

        columns: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.columns, Unset):
            columns = []
            for columns_item_data in self.columns:
                columns_item = columns_item_data.to_dict()
                columns.append(columns_item)

        created_at = self.created_at

        full_name = self.full_name

        is_private = self.is_private

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        owner: dict[str, Any] | None | Unset
        if isinstance(self.owner, Unset):
            owner = UNSET
        elif isinstance(self.owner, DatasetOwner):
            owner = self.owner.to_dict()
        else:
            owner = self.owner

        type_ = self.type_

        updated_at = self.updated_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if columns is not UNSET:
            field_dict["columns"] = columns
        if created_at is not UNSET:
            field_dict["created_at"] = created_at
        if full_name is not UNSET:
            field_dict["full_name"] = full_name
        if is_private is not UNSET:
            field_dict["is_private"] = is_private
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if owner is not UNSET:
            field_dict["owner"] = owner
        if type_ is not UNSET:
            field_dict["type"] = type_
        if updated_at is not UNSET:
            field_dict["updated_at"] = updated_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.dataset_column import DatasetColumn  # noqa: PLC0415
        from ..models.dataset_metadata import DatasetMetadata  # noqa: PLC0415
        from ..models.dataset_owner import DatasetOwner  # noqa: PLC0415

        d = dict(src_dict)
        _columns = d.pop("columns", UNSET)
        columns: list[DatasetColumn] | Unset = UNSET
        if _columns is not UNSET:
            columns = []
            for columns_item_data in _columns:
                columns_item = DatasetColumn.from_dict(columns_item_data)

                columns.append(columns_item)

        created_at = d.pop("created_at", UNSET)

        full_name = d.pop("full_name", UNSET)

        is_private = d.pop("is_private", UNSET)

        _metadata = d.pop("metadata", UNSET)
        metadata: DatasetMetadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = DatasetMetadata.from_dict(_metadata)

        def _parse_owner(data: object) -> DatasetOwner | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                owner_type_1 = DatasetOwner.from_dict(data)

                return owner_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DatasetOwner | None | Unset, data)

        owner = _parse_owner(d.pop("owner", UNSET))

        type_ = d.pop("type", UNSET)

        updated_at = d.pop("updated_at", UNSET)

        dataset = cls(
            columns=columns,
            created_at=created_at,
            full_name=full_name,
            is_private=is_private,
            metadata=metadata,
            owner=owner,
            type_=type_,
            updated_at=updated_at,
        )

        dataset.additional_properties = d
        return dataset

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
