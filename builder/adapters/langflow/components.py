"""How Langflow 1.x components map to lcnc node kinds: by component type name, never by their code.

Each mapping says which kind a component becomes, how its template fields become config, and how its
input fields and outputs become our ports. A component not listed here is reported and left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Fields = dict[str, Any]


def _value(fields: Fields, name: str, default: Any = None) -> Any:
    entry = fields.get(name)
    if isinstance(entry, dict) and "value" in entry:
        value = entry["value"]
        return default if value in ("", None) else value
    return default


_BRACE = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")


def prompt_template(text: str, variables: list[str]) -> str:
    """Langflow's `{name}` placeholders as ours: `{{ data }}` for one variable, `{{ data.name }}` for several."""
    if len(variables) <= 1:
        return _BRACE.sub(lambda _m: "{{ data }}", text)
    return _BRACE.sub(lambda m: "{{ data." + m.group(1) + " }}", text)


@dataclass(frozen=True)
class Mapping:
    kind: str
    config: Callable[[Fields], dict[str, Any]]
    inputs: dict[str, str] = field(default_factory=dict)  # Langflow field -> our input port ("*" any field)
    outputs: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # Langflow output -> (port, branch)
    notes: Callable[[Fields], list[str]] = lambda _f: []
    tool_id: str | None = None  # components that become a tool of an agent when wired to its tools field


def _llm_config(provider: str) -> Callable[[Fields], dict[str, Any]]:
    def build(fields: Fields) -> dict[str, Any]:
        config: dict[str, Any] = {"provider": provider}
        model = _value(fields, "model_name") or _value(fields, "model")
        if isinstance(model, str) and model:
            config["model"] = model[:200]
        temperature = _value(fields, "temperature")
        if isinstance(temperature, int | float) and 0 <= temperature <= 2:
            config["temperature"] = float(temperature)
        base_url = _value(fields, "openai_api_base") or _value(fields, "base_url")
        if isinstance(base_url, str) and base_url:
            config["base_url"] = base_url[:2000]
        system = _value(fields, "system_message") or _value(fields, "system_prompt")
        if isinstance(system, str) and system:
            config["system_prompt"] = system
        max_tokens = _value(fields, "max_tokens")
        if isinstance(max_tokens, int) and 0 < max_tokens <= 32_000:
            config["max_tokens"] = max_tokens
        iterations = _value(fields, "max_iterations")
        if isinstance(iterations, int) and 0 < iterations <= 50:
            config["max_steps"] = iterations
        return config

    return build


def _api_key_note(fields: Fields) -> list[str]:
    if "api_key" in fields:
        return ["its API key was not imported: store it as a secret and choose it in api_key_secret"]
    return []


_LLM_OUTPUTS = {"text_output": ("text", None), "model_output": ("text", None), "response": ("text", None)}
_LLM_INPUTS = {"input_value": "prompt"}


def _router_config(fields: Fields) -> dict[str, Any]:
    operators = {
        "equals": "equals", "not equals": "not_equals", "contains": "contains", "starts with": "starts_with",
        "ends with": "ends_with", "regex": "matches",
    }
    op = operators.get(str(_value(fields, "operator", "equals")).lower(), "equals")
    return {"routes": [{"name": "true", "op": op, "value": str(_value(fields, "match_text", ""))}], "default": "false"}


def _prompt_config(fields: Fields) -> dict[str, Any]:
    text = str(_value(fields, "template", ""))
    return {"template": prompt_template(text, _prompt_variables(fields)), "output": "text"}


def _prompt_variables(fields: Fields) -> list[str]:
    text = str(_value(fields, "template", ""))
    return sorted(set(_BRACE.findall(text)))


def _chroma_config(fields: Fields) -> dict[str, Any]:
    collection = re.sub(r"[^A-Za-z0-9_-]", "_", str(_value(fields, "collection_name", "imported")))[:64] or "imported"
    if not re.match(r"[A-Za-z_]", collection):
        collection = f"c_{collection}"[:64]
    config: dict[str, Any] = {"collection": collection}
    k = _value(fields, "number_of_results")
    if isinstance(k, int) and 0 < k <= 100:
        config["top_k"] = k
    return config


def _splitter_config(fields: Fields) -> dict[str, Any]:
    config: dict[str, Any] = {"collection": "imported"}
    size, overlap = _value(fields, "chunk_size"), _value(fields, "chunk_overlap")
    if isinstance(size, int) and 50 <= size <= 20_000:
        config["chunk_size"] = size
    if isinstance(overlap, int) and 0 <= overlap < config.get("chunk_size", 800):
        config["chunk_overlap"] = overlap
    return config


def _http_config(fields: Fields) -> dict[str, Any]:
    urls = _value(fields, "urls") or _value(fields, "url")
    url = urls[0] if isinstance(urls, list) and urls else urls
    method = str(_value(fields, "method", "GET")).upper()
    config: dict[str, Any] = {"url": str(url or "https://example.com")[:4000]}
    if method in {"GET", "POST", "PUT", "PATCH", "DELETE"}:
        config["method"] = method
    timeout = _value(fields, "timeout")
    if isinstance(timeout, int | float) and 0 < timeout <= 120:
        config["timeout_s"] = float(timeout)
    return config


COMPONENTS: dict[str, Mapping] = {
    "ChatInput": Mapping("input", lambda f: {}, outputs={"message": ("value", None)}),
    "TextInput": Mapping("input", lambda f: {}, outputs={"text": ("value", None)}),
    "ChatOutput": Mapping("output", lambda f: {}, inputs={"input_value": "value"}),
    "TextOutput": Mapping("output", lambda f: {}, inputs={"input_value": "value"}),
    "Prompt": Mapping("transform", _prompt_config, inputs={"*": "data"}, outputs={"prompt": ("value", None)}),
    "OpenAIModel": Mapping("llm", _llm_config("openai"), _LLM_INPUTS, _LLM_OUTPUTS, _api_key_note),
    "AnthropicModel": Mapping("llm", _llm_config("anthropic"), _LLM_INPUTS, _LLM_OUTPUTS, _api_key_note),
    "OllamaModel": Mapping("llm", _llm_config("openai"), _LLM_INPUTS, _LLM_OUTPUTS,
                           lambda f: ["Ollama is reached through its OpenAI-compatible endpoint (base_url)"]),
    "LanguageModelComponent": Mapping("llm", _llm_config("openai"), _LLM_INPUTS, _LLM_OUTPUTS, _api_key_note),
    "Agent": Mapping("llm", _llm_config("openai"), _LLM_INPUTS, _LLM_OUTPUTS, _api_key_note),
    "ConditionalRouter": Mapping(
        "router", _router_config, inputs={"input_text": "value"},
        outputs={"true_result": ("value", "true"), "false_result": ("value", "false")},
    ),
    "Chroma": Mapping("rag_retrieve", _chroma_config, inputs={"search_query": "query"},
                      outputs={"search_results": ("documents", None), "dataframe": ("documents", None)}),
    "SplitText": Mapping("rag_ingest", _splitter_config, inputs={"data_inputs": "text"},
                         outputs={"chunks": ("count", None)}),
    "APIRequest": Mapping("http", _http_config, inputs={"body": "data", "query_params": "data"},
                          outputs={"data": ("response", None)}),
    "URL": Mapping("http", _http_config, outputs={"data": ("response", None), "text": ("response", None)}),
    "CalculatorComponent": Mapping("tool", lambda f: {"tool": "builtin.calculator"},
                                   outputs={"result": ("result", None)}, tool_id="builtin.calculator"),
    "Calculator": Mapping("tool", lambda f: {"tool": "builtin.calculator"},
                          outputs={"result": ("result", None)}, tool_id="builtin.calculator"),
    "CurrentDate": Mapping("tool", lambda f: {"tool": "builtin.current_time"},
                           outputs={"current_date": ("result", None)}, tool_id="builtin.current_time"),
}
