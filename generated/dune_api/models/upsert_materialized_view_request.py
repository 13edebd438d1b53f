from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.performance import Performance
from ..types import UNSET, Unset

T = TypeVar("T", bound="UpsertMaterializedViewRequest")


@_attrs_define
class UpsertMaterializedViewRequest:
    """
    Attributes:
        name (str): Last name segment, starting with result_.
        query_id (int):
        cron_expression (str | Unset): Five-field cron schedule, between every 15 minutes and weekly.
        expires_at (str | Unset):
        is_private (bool | Unset):
        performance (Performance | Unset): Engine size; "medium" is the default, "large" has twice the compute.
    """

    name: str
    query_id: int
    cron_expression: str | Unset = UNSET
    expires_at: str | Unset = UNSET
    is_private: bool | Unset = UNSET
    performance: Performance | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        query_id = self.query_id

        cron_expression = self.cron_expression

        expires_at = self.expires_at

        is_private = self.is_private

        performance: str | Unset = UNSET
        if not isinstance(self.performance, Unset):
            performance = self.performance.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "query_id": query_id,
            }
        )
        if cron_expression is not UNSET:
            field_dict["cron_expression"] = cron_expression
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if is_private is not UNSET:
            field_dict["is_private"] = is_private
        if performance is not UNSET:
            field_dict["performance"] = performance

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        query_id = d.pop("query_id")

        cron_expression = d.pop("cron_expression", UNSET)

        expires_at = d.pop("expires_at", UNSET)

        is_private = d.pop("is_private", UNSET)

        _performance = d.pop("performance", UNSET)
        performance: Performance | Unset
        if isinstance(_performance, Unset):
            performance = UNSET
        else:
            performance = Performance(_performance)

        upsert_materialized_view_request = cls(
            name=name,
            query_id=query_id,
            cron_expression=cron_expression,
            expires_at=expires_at,
            is_private=is_private,
            performance=performance,
        )

        upsert_materialized_view_request.additional_properties = d
        return upsert_materialized_view_request

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
