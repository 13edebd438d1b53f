from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.performance import Performance
from ..types import UNSET, Unset

T = TypeVar("T", bound="ExecuteSqlRequest")


@_attrs_define
class ExecuteSqlRequest:
    """
    Attributes:
        sql (str): The SQL text to run.
        performance (Performance | Unset): Engine size; "medium" is the default, "large" has twice the compute.
    """

    sql: str
    performance: Performance | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        sql = self.sql

        performance: str | Unset = UNSET
        if not isinstance(self.performance, Unset):
            performance = self.performance.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "sql": sql,
            }
        )
        if performance is not UNSET:
            field_dict["performance"] = performance

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        sql = d.pop("sql")

        _performance = d.pop("performance", UNSET)
        performance: Performance | Unset
        if isinstance(_performance, Unset):
            performance = UNSET
        else:
            performance = Performance(_performance)

        execute_sql_request = cls(
            sql=sql,
            performance=performance,
        )

        execute_sql_request.additional_properties = d
        return execute_sql_request

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
