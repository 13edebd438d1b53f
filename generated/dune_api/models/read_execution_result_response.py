from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.execution_result import ExecutionResult
    from ..models.query_result_error import QueryResultError


T = TypeVar("T", bound="ReadExecutionResultResponse")


@_attrs_define
class ReadExecutionResultResponse:
    """
    Attributes:
        execution_id (str):
        state (str):
        cancelled_at (str | Unset):
        error (None | QueryResultError | Unset):
        execution_ended_at (str | Unset):
        execution_started_at (str | Unset):
        expires_at (str | Unset):
        is_execution_finished (bool | Unset):
        next_offset (int | Unset): Offset of the next page; absent on the last page.
        next_uri (str | Unset): Absolute URL of the next page; absent on the last page.
        query_id (int | Unset):
        result (ExecutionResult | None | Unset):
        submitted_at (str | Unset):
    """

    execution_id: str
    state: str
    cancelled_at: str | Unset = UNSET
    error: None | QueryResultError | Unset = UNSET
    execution_ended_at: str | Unset = UNSET
    execution_started_at: str | Unset = UNSET
    expires_at: str | Unset = UNSET
    is_execution_finished: bool | Unset = UNSET
    next_offset: int | Unset = UNSET
    next_uri: str | Unset = UNSET
    query_id: int | Unset = UNSET
    result: ExecutionResult | None | Unset = UNSET
    submitted_at: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.execution_result import ExecutionResult  # noqa: PLC0415
        from ..models.query_result_error import QueryResultError  # noqa: PLC0415

        execution_id = self.execution_id

        state = self.state

        cancelled_at = self.cancelled_at

        error: dict[str, Any] | None | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        elif isinstance(self.error, QueryResultError):
            error = self.error.to_dict()
        else:
            error = self.error

        execution_ended_at = self.execution_ended_at

        execution_started_at = self.execution_started_at

        expires_at = self.expires_at

        is_execution_finished = self.is_execution_finished

        next_offset = self.next_offset

        next_uri = self.next_uri

        query_id = self.query_id

        result: dict[str, Any] | None | Unset
        if isinstance(self.result, Unset):
            result = UNSET
        elif isinstance(self.result, ExecutionResult):
            result = self.result.to_dict()
        else:
            result = self.result

        submitted_at = self.submitted_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "execution_id": execution_id,
                "state": state,
            }
        )
        if cancelled_at is not UNSET:
            field_dict["cancelled_at"] = cancelled_at
        if error is not UNSET:
            field_dict["error"] = error
        if execution_ended_at is not UNSET:
            field_dict["execution_ended_at"] = execution_ended_at
        if execution_started_at is not UNSET:
            field_dict["execution_started_at"] = execution_started_at
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if is_execution_finished is not UNSET:
            field_dict["is_execution_finished"] = is_execution_finished
        if next_offset is not UNSET:
            field_dict["next_offset"] = next_offset
        if next_uri is not UNSET:
            field_dict["next_uri"] = next_uri
        if query_id is not UNSET:
            field_dict["query_id"] = query_id
        if result is not UNSET:
            field_dict["result"] = result
        if submitted_at is not UNSET:
            field_dict["submitted_at"] = submitted_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.execution_result import ExecutionResult  # noqa: PLC0415
        from ..models.query_result_error import QueryResultError  # noqa: PLC0415

        d = dict(src_dict)
        execution_id = d.pop("execution_id")

        state = d.pop("state")

        cancelled_at = d.pop("cancelled_at", UNSET)

        def _parse_error(data: object) -> None | QueryResultError | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                error_type_1 = QueryResultError.from_dict(data)

                return error_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | QueryResultError | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        execution_ended_at = d.pop("execution_ended_at", UNSET)

        execution_started_at = d.pop("execution_started_at", UNSET)

        expires_at = d.pop("expires_at", UNSET)

        is_execution_finished = d.pop("is_execution_finished", UNSET)

        next_offset = d.pop("next_offset", UNSET)

        next_uri = d.pop("next_uri", UNSET)

        query_id = d.pop("query_id", UNSET)

        def _parse_result(data: object) -> ExecutionResult | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                result_type_1 = ExecutionResult.from_dict(data)

                return result_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ExecutionResult | None | Unset, data)

        result = _parse_result(d.pop("result", UNSET))

        submitted_at = d.pop("submitted_at", UNSET)

        read_execution_result_response = cls(
            execution_id=execution_id,
            state=state,
            cancelled_at=cancelled_at,
            error=error,
            execution_ended_at=execution_ended_at,
            execution_started_at=execution_started_at,
            expires_at=expires_at,
            is_execution_finished=is_execution_finished,
            next_offset=next_offset,
            next_uri=next_uri,
            query_id=query_id,
            result=result,
            submitted_at=submitted_at,
        )

        read_execution_result_response.additional_properties = d
        return read_execution_result_response

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
