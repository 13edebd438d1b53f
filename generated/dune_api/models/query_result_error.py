from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.error_location import ErrorLocation


T = TypeVar("T", bound="QueryResultError")


@_attrs_define
class QueryResultError:
    """Why an execution failed.

    Attributes:
        message (str | Unset):
        metadata (ErrorLocation | None | Unset):
        type_ (str | Unset): Failure kind, e.g. FAILED_TYPE_EXECUTION_FAILED.
    """

    message: str | Unset = UNSET
    metadata: ErrorLocation | None | Unset = UNSET
    type_: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.error_location import ErrorLocation  # noqa: PLC0415

        message = self.message

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, ErrorLocation):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if message is not UNSET:
            field_dict["message"] = message
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.error_location import ErrorLocation  # noqa: PLC0415

        d = dict(src_dict)
        message = d.pop("message", UNSET)

        def _parse_metadata(data: object) -> ErrorLocation | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_1 = ErrorLocation.from_dict(data)

                return metadata_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ErrorLocation | None | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        type_ = d.pop("type", UNSET)

        query_result_error = cls(
            message=message,
            metadata=metadata,
            type_=type_,
        )

        query_result_error.additional_properties = d
        return query_result_error

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
