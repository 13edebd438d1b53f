from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.execution_result_metadata import ExecutionResultMetadata


T = TypeVar("T", bound="ExecutionResult")


@_attrs_define
class ExecutionResult:
    """
    Attributes:
        metadata (ExecutionResultMetadata | None | Unset):
        rows (list[Any] | Unset): One JSON object per row, column name to value.
        update_type (str | Unset):
    """

    metadata: ExecutionResultMetadata | None | Unset = UNSET
    rows: list[Any] | Unset = UNSET
    update_type: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.execution_result_metadata import ExecutionResultMetadata  # noqa: PLC0415

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, ExecutionResultMetadata):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        rows: list[Any] | Unset = UNSET
        if not isinstance(self.rows, Unset):
            rows = self.rows

        update_type = self.update_type

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if rows is not UNSET:
            field_dict["rows"] = rows
        if update_type is not UNSET:
            field_dict["update_type"] = update_type

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.execution_result_metadata import ExecutionResultMetadata  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_metadata(data: object) -> ExecutionResultMetadata | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_1 = ExecutionResultMetadata.from_dict(data)

                return metadata_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ExecutionResultMetadata | None | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        rows = cast(list[Any], d.pop("rows", UNSET))

        update_type = d.pop("update_type", UNSET)

        execution_result = cls(
            metadata=metadata,
            rows=rows,
            update_type=update_type,
        )

        execution_result.additional_properties = d
        return execution_result

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
