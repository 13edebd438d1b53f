from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="MaterializedViewSchedule")


@_attrs_define
class MaterializedViewSchedule:
    """The refresh schedule; null (or absent) when the view is not scheduled.

    Attributes:
        cron_expression (str | Unset):
        expires_at (str | Unset):
        next_execution_time (str | Unset):
        performance (str | Unset):
    """

    cron_expression: str | Unset = UNSET
    expires_at: str | Unset = UNSET
    next_execution_time: str | Unset = UNSET
    performance: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cron_expression = self.cron_expression

        expires_at = self.expires_at

        next_execution_time = self.next_execution_time

        performance = self.performance

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if cron_expression is not UNSET:
            field_dict["cron_expression"] = cron_expression
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if next_execution_time is not UNSET:
            field_dict["next_execution_time"] = next_execution_time
        if performance is not UNSET:
            field_dict["performance"] = performance

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        cron_expression = d.pop("cron_expression", UNSET)

        expires_at = d.pop("expires_at", UNSET)

        next_execution_time = d.pop("next_execution_time", UNSET)

        performance = d.pop("performance", UNSET)

        materialized_view_schedule = cls(
            cron_expression=cron_expression,
            expires_at=expires_at,
            next_execution_time=next_execution_time,
            performance=performance,
        )

        materialized_view_schedule.additional_properties = d
        return materialized_view_schedule

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
