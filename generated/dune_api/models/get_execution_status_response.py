from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.execution_result_metadata import ExecutionResultMetadata
    from ..models.query_result_error import QueryResultError


T = TypeVar("T", bound="GetExecutionStatusResponse")


@_attrs_define
class GetExecutionStatusResponse:
    """
    Attributes:
        execution_id (str):
        state (str): QUERY_STATE_PENDING, _EXECUTING, _COMPLETED, _COMPLETED_PARTIAL, _FAILED, _CANCELLED or _EXPIRED;
            treat anything else as unknown, not as an error.
        cancelled_at (str | Unset):
        error (None | QueryResultError | Unset):
        execution_cost_credits (float | Unset):
        execution_ended_at (str | Unset):
        execution_started_at (str | Unset):
        expires_at (str | Unset):
        is_execution_finished (bool | Unset):
        max_inflight_interactive_executions (int | Unset):
        max_inflight_interactive_reached (int | Unset):
        query_id (int | Unset): The saved query; 0 for raw SQL executions.
        queue_position (int | Unset): Place in the queue while pending.
        result_metadata (ExecutionResultMetadata | None | Unset):
        submitted_at (str | Unset):
    """

    execution_id: str
    state: str
    cancelled_at: str | Unset = UNSET
    error: None | QueryResultError | Unset = UNSET
    execution_cost_credits: float | Unset = UNSET
    execution_ended_at: str | Unset = UNSET
    execution_started_at: str | Unset = UNSET
    expires_at: str | Unset = UNSET
    is_execution_finished: bool | Unset = UNSET
    max_inflight_interactive_executions: int | Unset = UNSET
    max_inflight_interactive_reached: int | Unset = UNSET
    query_id: int | Unset = UNSET
    queue_position: int | Unset = UNSET
    result_metadata: ExecutionResultMetadata | None | Unset = UNSET
    submitted_at: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.execution_result_metadata import ExecutionResultMetadata  # noqa: PLC0415
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

        execution_cost_credits = self.execution_cost_credits

        execution_ended_at = self.execution_ended_at

        execution_started_at = self.execution_started_at

        expires_at = self.expires_at

        is_execution_finished = self.is_execution_finished

        max_inflight_interactive_executions = self.max_inflight_interactive_executions

        max_inflight_interactive_reached = self.max_inflight_interactive_reached

        query_id = self.query_id

        queue_position = self.queue_position

        result_metadata: dict[str, Any] | None | Unset
        if isinstance(self.result_metadata, Unset):
            result_metadata = UNSET
        elif isinstance(self.result_metadata, ExecutionResultMetadata):
            result_metadata = self.result_metadata.to_dict()
        else:
            result_metadata = self.result_metadata

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
        if execution_cost_credits is not UNSET:
            field_dict["execution_cost_credits"] = execution_cost_credits
        if execution_ended_at is not UNSET:
            field_dict["execution_ended_at"] = execution_ended_at
        if execution_started_at is not UNSET:
            field_dict["execution_started_at"] = execution_started_at
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if is_execution_finished is not UNSET:
            field_dict["is_execution_finished"] = is_execution_finished
        if max_inflight_interactive_executions is not UNSET:
            field_dict["max_inflight_interactive_executions"] = max_inflight_interactive_executions
        if max_inflight_interactive_reached is not UNSET:
            field_dict["max_inflight_interactive_reached"] = max_inflight_interactive_reached
        if query_id is not UNSET:
            field_dict["query_id"] = query_id
        if queue_position is not UNSET:
            field_dict["queue_position"] = queue_position
        if result_metadata is not UNSET:
            field_dict["result_metadata"] = result_metadata
        if submitted_at is not UNSET:
            field_dict["submitted_at"] = submitted_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.execution_result_metadata import ExecutionResultMetadata  # noqa: PLC0415
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

        execution_cost_credits = d.pop("execution_cost_credits", UNSET)

        execution_ended_at = d.pop("execution_ended_at", UNSET)

        execution_started_at = d.pop("execution_started_at", UNSET)

        expires_at = d.pop("expires_at", UNSET)

        is_execution_finished = d.pop("is_execution_finished", UNSET)

        max_inflight_interactive_executions = d.pop("max_inflight_interactive_executions", UNSET)

        max_inflight_interactive_reached = d.pop("max_inflight_interactive_reached", UNSET)

        query_id = d.pop("query_id", UNSET)

        queue_position = d.pop("queue_position", UNSET)

        def _parse_result_metadata(data: object) -> ExecutionResultMetadata | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                result_metadata_type_1 = ExecutionResultMetadata.from_dict(data)

                return result_metadata_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ExecutionResultMetadata | None | Unset, data)

        result_metadata = _parse_result_metadata(d.pop("result_metadata", UNSET))

        submitted_at = d.pop("submitted_at", UNSET)

        get_execution_status_response = cls(
            execution_id=execution_id,
            state=state,
            cancelled_at=cancelled_at,
            error=error,
            execution_cost_credits=execution_cost_credits,
            execution_ended_at=execution_ended_at,
            execution_started_at=execution_started_at,
            expires_at=expires_at,
            is_execution_finished=is_execution_finished,
            max_inflight_interactive_executions=max_inflight_interactive_executions,
            max_inflight_interactive_reached=max_inflight_interactive_reached,
            query_id=query_id,
            queue_position=queue_position,
            result_metadata=result_metadata,
            submitted_at=submitted_at,
        )

        get_execution_status_response.additional_properties = d
        return get_execution_status_response

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
