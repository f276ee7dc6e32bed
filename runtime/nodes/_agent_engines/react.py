"""The ``react`` engine (default): a bounded ReAct loop in the style of LangGraph's prebuilt agent.

Ask the model; when it calls tools, run them and give it their results; repeat until it answers in text or has
been asked ``max_steps`` times.
"""

from __future__ import annotations

from runtime.nodes._agent_engines.base import AgentRequest, AgentResult, call_tool
from runtime.nodes._context import NodeContext, NodeError
from runtime.nodes._providers import Message, ask, make_provider, provider_memory


class ReactEngine:
    async def run(self, request: AgentRequest, ctx: NodeContext) -> AgentResult:
        messages = list(request.messages)
        provider = make_provider(request.model, ctx)
        tools = list(request.tools.values())
        for _ in range(request.max_steps):
            answer = await ask(provider, messages, tools, ctx)
            reply: Message = {"role": "assistant", "content": answer["content"]}
            if answer["tool_calls"]:
                reply["tool_calls"] = answer["tool_calls"]
            messages.append(reply)
            if not answer["tool_calls"]:
                return AgentResult(answer["content"], messages, provider_memory(provider, dict(ctx.memory)))
            for call in answer["tool_calls"]:
                text = await call_tool(request.tools.get(call["name"]), call, ctx)
                messages.append({"role": "tool", "tool_call_id": call["id"], "name": call["name"], "content": text})
        raise NodeError(f"llm: no final answer within max_steps={request.max_steps} model calls")
