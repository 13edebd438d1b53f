from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateUploadResponse")


@_attrs_define
class CreateUploadResponse:
    """
    Attributes:
        already_existed (bool | Unset):
        example_query (str | Unset):
        full_name (str | Unset):
        message (str | Unset):
        namespace (str | Unset):
        table_name (str | Unset):
    """

    already_existed: bool | Unset = UNSET
    example_query: str | Unset = UNSET
    full_name: str | Unset = UNSET
    message: str | Unset = UNSET
    namespace: str | Unset = UNSET
    table_name: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        already_existed = self.already_existed

        example_query = self.example_query

        full_name = self.full_name

        message = self.message

        namespace = self.namespace

        table_name = self.table_name

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if already_existed is not UNSET:
            field_dict["already_existed"] = already_existed
        if example_query is not UNSET:
            field_dict["example_query"] = example_query
        if full_name is not UNSET:
            field_dict["full_name"] = full_name
        if message is not UNSET:
            field_dict["message"] = message
        if namespace is not UNSET:
            field_dict["namespace"] = namespace
        if table_name is not UNSET:
            field_dict["table_name"] = table_name

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        already_existed = d.pop("already_existed", UNSET)

        example_query = d.pop("example_query", UNSET)

        full_name = d.pop("full_name", UNSET)

        message = d.pop("message", UNSET)

        namespace = d.pop("namespace", UNSET)

        table_name = d.pop("table_name", UNSET)

        create_upload_response = cls(
            already_existed=already_existed,
            example_query=example_query,
            full_name=full_name,
            message=message,
            namespace=namespace,
            table_name=table_name,
        )

        create_upload_response.additional_properties = d
        return create_upload_response

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
