from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.materialized_view_summary import MaterializedViewSummary


T = TypeVar("T", bound="ListMaterializedViewsResponse")


@_attrs_define
class ListMaterializedViewsResponse:
    """
    Attributes:
        materialized_views (list[MaterializedViewSummary] | Unset):
        next_offset (int | Unset):
    """

    materialized_views: list[MaterializedViewSummary] | Unset = UNSET
    next_offset: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        materialized_views: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.materialized_views, Unset):
            materialized_views = []
            for materialized_views_item_data in self.materialized_views:
                materialized_views_item = materialized_views_item_data.to_dict()
                materialized_views.append(materialized_views_item)

        next_offset = self.next_offset

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if materialized_views is not UNSET:
            field_dict["materialized_views"] = materialized_views
        if next_offset is not UNSET:
            field_dict["next_offset"] = next_offset

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.materialized_view_summary import MaterializedViewSummary  # noqa: PLC0415

        d = dict(src_dict)
        _materialized_views = d.pop("materialized_views", UNSET)
        materialized_views: list[MaterializedViewSummary] | Unset = UNSET
        if _materialized_views is not UNSET:
            materialized_views = []
            for materialized_views_item_data in _materialized_views:
                materialized_views_item = MaterializedViewSummary.from_dict(materialized_views_item_data)

                materialized_views.append(materialized_views_item)

        next_offset = d.pop("next_offset", UNSET)

        list_materialized_views_response = cls(
            materialized_views=materialized_views,
            next_offset=next_offset,
        )

        list_materialized_views_response.additional_properties = d
        return list_materialized_views_response

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
