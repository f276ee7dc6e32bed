"""What a caller can choose about a generated project besides the graph itself."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from runtime.spec.models import GraphSpec

_QUANTITY = r"^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti)?$"
_IMAGE = r"^[a-z0-9][a-z0-9._/:@-]{0,254}$"
_HOST = r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$"


class Example(BaseModel):
    """Inputs and the outputs the graph gives for them; the generated tests assert them exactly."""

    model_config = ConfigDict(extra="forbid")
    inputs: dict[str, Any] = Field(default_factory=dict)
    outputs: dict[str, Any] | None = Field(default=None, description="Expected outputs; None only checks the keys.")


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
