"""The "Use it" snippets: curl, Python (httpx) and JavaScript (fetch) calls of a published agent.

Each snippet reads the key from the environment variable `LCNC_AGENT_KEY` (the placeholder), runs the agent
synchronously (`?wait=`) with example inputs built from the graph's declared inputs, and prints the outputs.
Every value from the graph is written as a JSON or Python literal (quoted for the shell), never as code.
"""

from __future__ import annotations

import json
import pprint
import shlex
from typing import Any

from runtime.spec import GraphSpec

KEY_ENV = "LCNC_AGENT_KEY"
WAIT_S = 60
_EXAMPLES: dict[str, Any] = {"text": "Hello", "number": 1, "boolean": True, "json": {}, "messages": [],
                             "documents": [], "any": "Hello"}


def example_inputs(spec: GraphSpec) -> dict[str, Any]:
    """A value per declared input: its default, else an example of its type."""
    return {field.name: field.default if field.default is not None else _EXAMPLES.get(field.type, "Hello")
            for field in spec.inputs}


def render_snippets(base_url: str, slug: str, inputs: dict[str, Any]) -> dict[str, str]:
    url = f"{base_url.rstrip('/')}/api/agents/{slug}/run?wait={WAIT_S}"
    body = json.dumps({"inputs": inputs}, ensure_ascii=False)
    pretty_inputs = pprint.pformat(inputs, sort_dicts=False, width=80).replace("\n", "\n    ")  # Python literals
    curl = (
        f"curl -sS --fail-with-body -X POST {shlex.quote(url)} \\\n"
        f"  -H \"X-API-Key: ${KEY_ENV}\" \\\n"
        "  -H 'Content-Type: application/json' \\\n"
        f"  -d {shlex.quote(body)}\n"
    )
    python = (
        "import os\n\nimport httpx\n\n"
        f"response = httpx.post(\n    {json.dumps(url)},\n"
        f"    headers={{\"X-API-Key\": os.environ[{json.dumps(KEY_ENV)}]}},\n"
        f"    json={{\"inputs\": {pretty_inputs}}},\n"
        f"    timeout={WAIT_S + 10},\n)\n"
        "response.raise_for_status()\n"
        "run = response.json()\n"
        "print(run[\"status\"], run[\"outputs\"])\n"
    )
    javascript = (
        f"const response = await fetch({json.dumps(url)}, {{\n"
        "  method: \"POST\",\n"
        f"  headers: {{ \"X-API-Key\": process.env.{KEY_ENV}, \"Content-Type\": \"application/json\" }},\n"
        f"  body: JSON.stringify({{ inputs: {json.dumps(inputs, ensure_ascii=False)} }}),\n"
        "});\n"
        "if (!response.ok) throw new Error(`${response.status}: ${await response.text()}`);\n"
        "const run = await response.json();\n"
        "console.log(run.status, run.outputs);\n"
    )
    return {"curl": curl, "python": python, "javascript": javascript}
