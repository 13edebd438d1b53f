from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.parameter import Parameter


T = TypeVar("T", bound="UpdateQueryRequest")


@_attrs_define
class UpdateQueryRequest:
    """Only the fields present are changed.

    Attributes:
        description (str | Unset):
        is_archived (bool | Unset):
        is_private (bool | Unset):
        name (str | Unset):
        parameters (list[Parameter] | Unset):
        query_sql (str | Unset):
        tags (list[str] | Unset):
    """

    description: str | Unset = UNSET
    is_archived: bool | Unset = UNSET
    is_private: bool | Unset = UNSET
    name: str | Unset = UNSET
    parameters: list[Parameter] | Unset = UNSET
    query_sql: str | Unset = UNSET
    tags: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        description = self.description

        is_archived = self.is_archived

        is_private = self.is_private

        name = self.name

        parameters: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.parameters, Unset):
            parameters = []
            for parameters_item_data in self.parameters:
                parameters_item = parameters_item_data.to_dict()
                parameters.append(parameters_item)

        query_sql = self.query_sql

        tags: list[str] | Unset = UNSET
        if not isinstance(self.tags, Unset):
            tags = self.tags

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if description is not UNSET:
            field_dict["description"] = description
        if is_archived is not UNSET:
            field_dict["is_archived"] = is_archived
        if is_private is not UNSET:
            field_dict["is_private"] = is_private
        if name is not UNSET:
            field_dict["name"] = name
        if parameters is not UNSET:
            field_dict["parameters"] = parameters
        if query_sql is not UNSET:
            field_dict["query_sql"] = query_sql
        if tags is not UNSET:
            field_dict["tags"] = tags

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.parameter import Parameter  # noqa: PLC0415

        d = dict(src_dict)
        description = d.pop("description", UNSET)

        is_archived = d.pop("is_archived", UNSET)

        is_private = d.pop("is_private", UNSET)

        name = d.pop("name", UNSET)

        _parameters = d.pop("parameters", UNSET)
        parameters: list[Parameter] | Unset = UNSET
        if _parameters is not UNSET:
            parameters = []
            for parameters_item_data in _parameters:
                parameters_item = Parameter.from_dict(parameters_item_data)

                parameters.append(parameters_item)

        query_sql = d.pop("query_sql", UNSET)

        tags = cast(list[str], d.pop("tags", UNSET))

        update_query_request = cls(
            description=description,
            is_archived=is_archived,
            is_private=is_private,
            name=name,
            parameters=parameters,
            query_sql=query_sql,
            tags=tags,
        )

        update_query_request.additional_properties = d
        return update_query_request

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
