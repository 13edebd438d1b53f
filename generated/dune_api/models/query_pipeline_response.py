from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.pipeline import Pipeline


T = TypeVar("T", bound="QueryPipelineResponse")


@_attrs_define
class QueryPipelineResponse:
    """
    Attributes:
        pipeline (None | Pipeline | Unset):
    """

    pipeline: None | Pipeline | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.pipeline import Pipeline  # noqa: PLC0415

        pipeline: dict[str, Any] | None | Unset
        if isinstance(self.pipeline, Unset):
            pipeline = UNSET
        elif isinstance(self.pipeline, Pipeline):
            pipeline = self.pipeline.to_dict()
        else:
            pipeline = self.pipeline

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if pipeline is not UNSET:
            field_dict["pipeline"] = pipeline

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.pipeline import Pipeline  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_pipeline(data: object) -> None | Pipeline | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                pipeline_type_1 = Pipeline.from_dict(data)

                return pipeline_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Pipeline | Unset, data)

        pipeline = _parse_pipeline(d.pop("pipeline", UNSET))

        query_pipeline_response = cls(
            pipeline=pipeline,
        )

        query_pipeline_response.additional_properties = d
        return query_pipeline_response

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
