"""What a caller can choose about a generated project besides the graph itself."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from runtime.spec.models import GraphSpec

_QUANTITY = r"^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti)?$"
_IMAGE = r"^[a-z0-9][a-z0-9._/:@-]{0,254}$"
_HOST = r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$"
HTTP_TOOL_ID = r"^http\.[A-Za-z0-9_-]+$"
_SECRET_NAME = r"^[A-Za-z_][A-Za-z0-9_.-]{0,127}$"  # noqa: S105 - a name pattern, not a password


class Example(BaseModel):
    """Inputs and the outputs the graph gives for them; the generated tests assert them exactly."""

    model_config = ConfigDict(extra="forbid")
    inputs: dict[str, Any] = Field(default_factory=dict)
    outputs: dict[str, Any] | None = Field(default=None, description="Expected outputs; None only checks the keys.")


class HttpToolDefinition(BaseModel):
    """A workspace's HTTP tool (catalogue id ``http.<name>``) as it is when the project is exported.

    It is written into the project as data (a Python literal), and the project's carried ``http_tool`` calls
    it as the platform does; its ``{{ argument }}`` placeholders are filled at call time, never by codegen.
    """

    model_config = ConfigDict(extra="forbid")
    description: str = Field(default="", max_length=1000)
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    url: str = Field(min_length=1, max_length=4000, description="URL template with {{ argument }} placeholders.")
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = Field(default=None, max_length=100_000)
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    auth_secret: str | None = Field(default=None, pattern=_SECRET_NAME,
                                    description="Secret sent as a Bearer token; its value comes from SECRET_<NAME>.")
    timeout_s: float = Field(default=10.0, gt=0, le=120)


class ProjectOptions(BaseModel):
    """Options of ``render_project``; every default gives a project that runs and deploys as is."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=40, description="Project / Kubernetes name; from the graph id.")
    image: str | None = Field(default=None, pattern=_IMAGE, description="Container image; '<name>:<version>' by default.")
    version: str = Field(default="0.1.0", pattern=r"^[0-9]+\.[0-9]+\.[0-9]+$")
    namespace: str | None = Field(default=None, pattern=r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
    host: str | None = Field(default=None, pattern=_HOST, description="Ingress host; '<name>.example.com' by default.")
    port: int = Field(default=8000, ge=1024, le=65535)
    workers: int = Field(default=1, ge=1, le=64, description="uvicorn worker processes per pod.")
    replicas: int = Field(default=2, ge=1, le=100)
    max_replicas: int = Field(default=10, ge=1, le=1000)
    cpu_target_percent: int = Field(default=70, ge=10, le=100)
    cpu_request: str = Field(default="100m", pattern=_QUANTITY)
    cpu_limit: str = Field(default="1", pattern=_QUANTITY)
    memory_request: str = Field(default="256Mi", pattern=_QUANTITY)
    memory_limit: str = Field(default="1Gi", pattern=_QUANTITY)
    run_timeout_s: float = Field(default=60.0, gt=0, le=3600)
    examples: list[Example] = Field(default_factory=list, max_length=20)
    subgraphs: dict[str, GraphSpec] = Field(
        default_factory=dict, description="Saved graphs that subgraph nodes reference, by graph id."
    )
    http_tools: dict[Annotated[str, StringConstraints(pattern=HTTP_TOOL_ID)], HttpToolDefinition] = Field(
        default_factory=dict, description="Definitions of the HTTP tools (http.<name>) the graph's agents and tool "
                                          "nodes call, by tool id."
    )


_API_ONLY_FIELDS = ("id", "name", "created_at")


def parse_http_tools(text: str) -> dict[str, HttpToolDefinition]:
    """HTTP tool definitions from JSON: ``{"http.<name>": {...}}``, or the list the platform's
    ``GET /api/tools/http`` answers (each item with its ``id``). ValueError saying what is wrong."""
    import json

    from pydantic import TypeAdapter, ValidationError

    try:
        document = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"the tools file is not JSON: {exc}") from exc
    if isinstance(document, list):
        if not all(isinstance(item, dict) and isinstance(item.get("id"), str) for item in document):
            raise ValueError("the tools file: every item of the list needs an 'id' (http.<name>)")
        document = {item["id"]: {k: v for k, v in item.items() if k not in _API_ONLY_FIELDS} for item in document}
    try:
        return TypeAdapter(dict[Annotated[str, StringConstraints(pattern=HTTP_TOOL_ID)], HttpToolDefinition]) \
            .validate_python(document)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ValueError(f"the tools file: {where}: {first['msg']}") from exc
