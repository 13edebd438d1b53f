"""Drive a sans-IO flow with scripted replies on a fake clock: no server, no sleeps."""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson
from duneq._protocol import Action, Notice, RawResponse, Reply, Request, Sleep, TransportFailure

T = TypeVar("T")
Responder = Callable[[Request, float], RawResponse | TransportFailure]


def json_reply(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> RawResponse:
    return RawResponse(status, headers or {}, orjson.dumps(body))


@dataclass
class Script:
    """A fake clock and a responder; ``run`` drives a flow and records what it did."""

    respond: Responder
    now: float = 0.0
    requests: list[tuple[float, Request]] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)
    notices: list[Warning] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def run(self, flow: Generator[Action, Reply, T]) -> T:
        reply: Reply = None
        try:
            action = next(flow)
            while True:
                if isinstance(action, Sleep):
                    self.sleeps.append(action.seconds)
                    self.now += action.seconds
                    reply = None
                elif isinstance(action, Notice):
                    self.notices.append(action.warning)
                    reply = None
                else:
                    self.requests.append((self.now, action))
                    reply = self.respond(action, self.now)
                    if action.sink is not None and isinstance(reply, RawResponse):
                        action.sink.write(reply.content)
                        reply = RawResponse(reply.status, reply.headers, b"")
                action = flow.send(reply)
        except StopIteration as stop:
            result: T = stop.value
            return result
