from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.upload_column import UploadColumn


T = TypeVar("T", bound="CreateUploadRequest")


@_attrs_define
class CreateUploadRequest:
    """
    Attributes:
        namespace (str):
        schema (list[UploadColumn]):
        table_name (str):
        description (str | Unset):
        is_private (bool | Unset):
    """

    namespace: str
    schema: list[UploadColumn]
    table_name: str
    description: str | Unset = UNSET
    is_private: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        namespace = self.namespace

        schema = []
        for schema_item_data in self.schema:
            schema_item = schema_item_data.to_dict()
            schema.append(schema_item)

        table_name = self.table_name

        description = self.description

        is_private = self.is_private

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "namespace": namespace,
                "schema": schema,
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
        from ..models.upload_column import UploadColumn  # noqa: PLC0415

        d = dict(src_dict)
        namespace = d.pop("namespace")

        schema = []
        _schema = d.pop("schema")
        for schema_item_data in _schema:
            schema_item = UploadColumn.from_dict(schema_item_data)

            schema.append(schema_item)

        table_name = d.pop("table_name")

        description = d.pop("description", UNSET)

        is_private = d.pop("is_private", UNSET)

        create_upload_request = cls(
            namespace=namespace,
            schema=schema,
            table_name=table_name,
            description=description,
            is_private=is_private,
        )

        create_upload_request.additional_properties = d
        return create_upload_request

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
