from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="MaterializedViewSummary")


@_attrs_define
class MaterializedViewSummary:
    """
    Attributes:
        id (str | Unset):
        is_private (bool | Unset):
        query_id (int | Unset):
        sql_id (str | Unset):
        table_size_bytes (int | Unset):
    """

    id: str | Unset = UNSET
    is_private: bool | Unset = UNSET
    query_id: int | Unset = UNSET
    sql_id: str | Unset = UNSET
    table_size_bytes: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        is_private = self.is_private

        query_id = self.query_id

        sql_id = self.sql_id

        table_size_bytes = self.table_size_bytes

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if id is not UNSET:
            field_dict["id"] = id
        if is_private is not UNSET:
            field_dict["is_private"] = is_private
        if query_id is not UNSET:
            field_dict["query_id"] = query_id
        if sql_id is not UNSET:
            field_dict["sql_id"] = sql_id
        if table_size_bytes is not UNSET:
            field_dict["table_size_bytes"] = table_size_bytes

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id", UNSET)

        is_private = d.pop("is_private", UNSET)

        query_id = d.pop("query_id", UNSET)

        sql_id = d.pop("sql_id", UNSET)

        table_size_bytes = d.pop("table_size_bytes", UNSET)

        materialized_view_summary = cls(
            id=id,
            is_private=is_private,
            query_id=query_id,
            sql_id=sql_id,
            table_size_bytes=table_size_bytes,
        )

        materialized_view_summary.additional_properties = d
        return materialized_view_summary

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
