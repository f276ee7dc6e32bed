"""The scripted provider: answers from the node's ``script``, in order; deterministic, for tests."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from typing import Any

from runtime.nodes._providers.base import Completion, Message, Provider, ProviderError, completion

_WORDS = re.compile(r"\S+\s*|\s+")


class ScriptedProvider(Provider):
    name = "scripted"

    def __init__(self, script: Sequence[Any], start: int = 0) -> None:
        self.script = list(script)
        self.position = start

    async def complete(self, messages: Sequence[Message], tools: Sequence[Any] = (), **opts: Any) -> Completion:
        if self.position >= len(self.script):
            raise ProviderError(
                f"scripted provider: all {len(self.script)} scripted answers are used; add more to the script"
            )
        turn = self.script[self.position]
        self.position += 1
        calls = [
            {"id": f"call_{self.position}_{index}", "name": call.name, "arguments": dict(call.arguments)}
            for index, call in enumerate(turn.tool_calls)
        ]
        words = len(turn.content.split())
        return completion(
            turn.content, calls, {"input_tokens": 0, "output_tokens": words}, "tool_calls" if calls else "stop"
        )

    async def stream(self, messages: Sequence[Message], tools: Sequence[Any] = (), **opts: Any) -> AsyncIterator[dict]:
        result = await self.complete(messages, tools, **opts)
        for token in _WORDS.findall(result["content"]):
            yield {"token": token}
        yield {"done": result}
