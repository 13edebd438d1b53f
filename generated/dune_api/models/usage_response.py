from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.billing_period import BillingPeriod


T = TypeVar("T", bound="UsageResponse")


@_attrs_define
class UsageResponse:
    """
    Attributes:
        billing_periods (list[BillingPeriod] | Unset):
        bytes_allowed (int | Unset):
        bytes_used (int | Unset):
        private_dashboards (int | Unset):
        private_queries (int | Unset):
    """

    billing_periods: list[BillingPeriod] | Unset = UNSET
    bytes_allowed: int | Unset = UNSET
    bytes_used: int | Unset = UNSET
    private_dashboards: int | Unset = UNSET
    private_queries: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        billing_periods: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.billing_periods, Unset):
            billing_periods = []
            for billing_periods_item_data in self.billing_periods:
                billing_periods_item = billing_periods_item_data.to_dict()
                billing_periods.append(billing_periods_item)

        bytes_allowed = self.bytes_allowed

        bytes_used = self.bytes_used

        private_dashboards = self.private_dashboards

        private_queries = self.private_queries

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if billing_periods is not UNSET:
            field_dict["billing_periods"] = billing_periods
        if bytes_allowed is not UNSET:
            field_dict["bytes_allowed"] = bytes_allowed
        if bytes_used is not UNSET:
            field_dict["bytes_used"] = bytes_used
        if private_dashboards is not UNSET:
            field_dict["private_dashboards"] = private_dashboards
        if private_queries is not UNSET:
            field_dict["private_queries"] = private_queries

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.billing_period import BillingPeriod  # noqa: PLC0415

        d = dict(src_dict)
        _billing_periods = d.pop("billing_periods", UNSET)
        billing_periods: list[BillingPeriod] | Unset = UNSET
        if _billing_periods is not UNSET:
            billing_periods = []
            for billing_periods_item_data in _billing_periods:
                billing_periods_item = BillingPeriod.from_dict(billing_periods_item_data)

                billing_periods.append(billing_periods_item)

        bytes_allowed = d.pop("bytes_allowed", UNSET)

        bytes_used = d.pop("bytes_used", UNSET)

        private_dashboards = d.pop("private_dashboards", UNSET)

        private_queries = d.pop("private_queries", UNSET)

        usage_response = cls(
            billing_periods=billing_periods,
            bytes_allowed=bytes_allowed,
            bytes_used=bytes_used,
            private_dashboards=private_dashboards,
            private_queries=private_queries,
        )

        usage_response.additional_properties = d
        return usage_response

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
