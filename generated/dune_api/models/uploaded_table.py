from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.table_owner import TableOwner
    from ..models.uploaded_table_column import UploadedTableColumn


T = TypeVar("T", bound="UploadedTable")


@_attrs_define
class UploadedTable:
    """
    Attributes:
        columns (list[UploadedTableColumn] | Unset):
        created_at (str | Unset):
        full_name (str | Unset): dune.<namespace>.<table_name>
        is_private (bool | Unset):
        owner (None | TableOwner | Unset):
        purged_at (None | str | Unset):
        table_size_bytes (str | Unset): A decimal number sent as a string.
        updated_at (str | Unset):
    """

    columns: list[UploadedTableColumn] | Unset = UNSET
    created_at: str | Unset = UNSET
    full_name: str | Unset = UNSET
    is_private: bool | Unset = UNSET
    owner: None | TableOwner | Unset = UNSET
    purged_at: None | str | Unset = UNSET
    table_size_bytes: str | Unset = UNSET
    updated_at: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.table_owner import TableOwner  # noqa: PLC0415

        columns: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.columns, Unset):
            columns = []
            for columns_item_data in self.columns:
                columns_item = columns_item_data.to_dict()
                columns.append(columns_item)

        created_at = self.created_at

        full_name = self.full_name

        is_private = self.is_private

        owner: dict[str, Any] | None | Unset
        if isinstance(self.owner, Unset):
            owner = UNSET
        elif isinstance(self.owner, TableOwner):
            owner = self.owner.to_dict()
        else:
            owner = self.owner

        purged_at: None | str | Unset
        if isinstance(self.purged_at, Unset):
            purged_at = UNSET
        else:
            purged_at = self.purged_at

        table_size_bytes = self.table_size_bytes

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
        if owner is not UNSET:
            field_dict["owner"] = owner
        if purged_at is not UNSET:
            field_dict["purged_at"] = purged_at
        if table_size_bytes is not UNSET:
            field_dict["table_size_bytes"] = table_size_bytes
        if updated_at is not UNSET:
            field_dict["updated_at"] = updated_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.table_owner import TableOwner  # noqa: PLC0415
        from ..models.uploaded_table_column import UploadedTableColumn  # noqa: PLC0415

        d = dict(src_dict)
        _columns = d.pop("columns", UNSET)
        columns: list[UploadedTableColumn] | Unset = UNSET
        if _columns is not UNSET:
            columns = []
            for columns_item_data in _columns:
                columns_item = UploadedTableColumn.from_dict(columns_item_data)

                columns.append(columns_item)

        created_at = d.pop("created_at", UNSET)

        full_name = d.pop("full_name", UNSET)

        is_private = d.pop("is_private", UNSET)

        def _parse_owner(data: object) -> None | TableOwner | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                owner_type_1 = TableOwner.from_dict(data)

                return owner_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TableOwner | Unset, data)

        owner = _parse_owner(d.pop("owner", UNSET))

        def _parse_purged_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        purged_at = _parse_purged_at(d.pop("purged_at", UNSET))

        table_size_bytes = d.pop("table_size_bytes", UNSET)

        updated_at = d.pop("updated_at", UNSET)

        uploaded_table = cls(
            columns=columns,
            created_at=created_at,
            full_name=full_name,
            is_private=is_private,
            owner=owner,
            purged_at=purged_at,
            table_size_bytes=table_size_bytes,
            updated_at=updated_at,
        )

        uploaded_table.additional_properties = d
        return uploaded_table

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
