from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.enum_from_results import EnumFromResults


T = TypeVar("T", bound="Parameter")


@_attrs_define
class Parameter:
    """A query parameter definition; values are always sent as strings.

    Attributes:
        key (str):
        description (str | Unset):
        enum_from_results (EnumFromResults | None | Unset):
        enum_options (list[str] | Unset):
        is_freeform_allowed (bool | Unset):
        is_multiselect (bool | Unset):
        type_ (str | Unset): text, number, datetime or enum (the emulator also reads date and list).
        value (str | Unset):
        values (list[str] | Unset):
    """

    key: str
    description: str | Unset = UNSET
    enum_from_results: EnumFromResults | None | Unset = UNSET
    enum_options: list[str] | Unset = UNSET
    is_freeform_allowed: bool | Unset = UNSET
    is_multiselect: bool | Unset = UNSET
    type_: str | Unset = UNSET
    value: str | Unset = UNSET
    values: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.enum_from_results import EnumFromResults  # noqa: PLC0415

        key = self.key

        description = self.description

        enum_from_results: dict[str, Any] | None | Unset
        if isinstance(self.enum_from_results, Unset):
            enum_from_results = UNSET
        elif isinstance(self.enum_from_results, EnumFromResults):
            enum_from_results = self.enum_from_results.to_dict()
        else:
            enum_from_results = self.enum_from_results

        enum_options: list[str] | Unset = UNSET
        if not isinstance(self.enum_options, Unset):
            enum_options = self.enum_options

        is_freeform_allowed = self.is_freeform_allowed

        is_multiselect = self.is_multiselect

        type_ = self.type_

        value = self.value

        values: list[str] | Unset = UNSET
        if not isinstance(self.values, Unset):
            values = self.values

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "key": key,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if enum_from_results is not UNSET:
            field_dict["enumFromResults"] = enum_from_results
        if enum_options is not UNSET:
            field_dict["enumOptions"] = enum_options
        if is_freeform_allowed is not UNSET:
            field_dict["isFreeformAllowed"] = is_freeform_allowed
        if is_multiselect is not UNSET:
            field_dict["isMultiselect"] = is_multiselect
        if type_ is not UNSET:
            field_dict["type"] = type_
        if value is not UNSET:
            field_dict["value"] = value
        if values is not UNSET:
            field_dict["values"] = values

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.enum_from_results import EnumFromResults  # noqa: PLC0415

        d = dict(src_dict)
        key = d.pop("key")

        description = d.pop("description", UNSET)

        def _parse_enum_from_results(data: object) -> EnumFromResults | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                enum_from_results_type_1 = EnumFromResults.from_dict(data)

                return enum_from_results_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EnumFromResults | None | Unset, data)

        enum_from_results = _parse_enum_from_results(d.pop("enumFromResults", UNSET))

        enum_options = cast(list[str], d.pop("enumOptions", UNSET))

        is_freeform_allowed = d.pop("isFreeformAllowed", UNSET)

        is_multiselect = d.pop("isMultiselect", UNSET)

        type_ = d.pop("type", UNSET)

        value = d.pop("value", UNSET)

        values = cast(list[str], d.pop("values", UNSET))

        parameter = cls(
            key=key,
            description=description,
            enum_from_results=enum_from_results,
            enum_options=enum_options,
            is_freeform_allowed=is_freeform_allowed,
            is_multiselect=is_multiselect,
            type_=type_,
            value=value,
            values=values,
        )

        parameter.additional_properties = d
        return parameter

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
