from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.materialized_view_schedule import MaterializedViewSchedule


T = TypeVar("T", bound="MaterializedView")


@_attrs_define
class MaterializedView:
    """
    Attributes:
        id (str | Unset):
        is_private (bool | Unset):
        last_execution_ids (list[str] | Unset):
        owner_team_id (int | Unset):
        owner_user_id (int | Unset):
        query_id (int | Unset):
        schedule (MaterializedViewSchedule | None | Unset):
        sql_id (str | Unset):
        table_size_bytes (int | Unset):
    """

    id: str | Unset = UNSET
    is_private: bool | Unset = UNSET
    last_execution_ids: list[str] | Unset = UNSET
    owner_team_id: int | Unset = UNSET
    owner_user_id: int | Unset = UNSET
    query_id: int | Unset = UNSET
    schedule: MaterializedViewSchedule | None | Unset = UNSET
    sql_id: str | Unset = UNSET
    table_size_bytes: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.materialized_view_schedule import MaterializedViewSchedule  # noqa: PLC0415

        id = self.id

        is_private = self.is_private

        last_execution_ids: list[str] | Unset = UNSET
        if not isinstance(self.last_execution_ids, Unset):
            last_execution_ids = self.last_execution_ids

        owner_team_id = self.owner_team_id

        owner_user_id = self.owner_user_id

        query_id = self.query_id

        schedule: dict[str, Any] | None | Unset
        if isinstance(self.schedule, Unset):
            schedule = UNSET
        elif isinstance(self.schedule, MaterializedViewSchedule):
            schedule = self.schedule.to_dict()
        else:
            schedule = self.schedule

        sql_id = self.sql_id

        table_size_bytes = self.table_size_bytes

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if id is not UNSET:
            field_dict["id"] = id
        if is_private is not UNSET:
            field_dict["is_private"] = is_private
        if last_execution_ids is not UNSET:
            field_dict["last_execution_ids"] = last_execution_ids
        if owner_team_id is not UNSET:
            field_dict["owner_team_id"] = owner_team_id
        if owner_user_id is not UNSET:
            field_dict["owner_user_id"] = owner_user_id
        if query_id is not UNSET:
            field_dict["query_id"] = query_id
        if schedule is not UNSET:
            field_dict["schedule"] = schedule
        if sql_id is not UNSET:
            field_dict["sql_id"] = sql_id
        if table_size_bytes is not UNSET:
            field_dict["table_size_bytes"] = table_size_bytes

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.materialized_view_schedule import MaterializedViewSchedule  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id", UNSET)

        is_private = d.pop("is_private", UNSET)

        last_execution_ids = cast(list[str], d.pop("last_execution_ids", UNSET))

        owner_team_id = d.pop("owner_team_id", UNSET)

        owner_user_id = d.pop("owner_user_id", UNSET)

        query_id = d.pop("query_id", UNSET)

        def _parse_schedule(data: object) -> MaterializedViewSchedule | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                schedule_type_1 = MaterializedViewSchedule.from_dict(data)

                return schedule_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(MaterializedViewSchedule | None | Unset, data)

        schedule = _parse_schedule(d.pop("schedule", UNSET))

        sql_id = d.pop("sql_id", UNSET)

        table_size_bytes = d.pop("table_size_bytes", UNSET)

        materialized_view = cls(
            id=id,
            is_private=is_private,
            last_execution_ids=last_execution_ids,
            owner_team_id=owner_team_id,
            owner_user_id=owner_user_id,
            query_id=query_id,
            schedule=schedule,
            sql_id=sql_id,
            table_size_bytes=table_size_bytes,
        )

        materialized_view.additional_properties = d
        return materialized_view

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
