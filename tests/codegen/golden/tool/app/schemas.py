"""Request and response models, derived from the graph's declared inputs and outputs."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

RunStatus = Literal["queued", "running", "waiting", "succeeded", "failed", "cancelled"]


class RunInputs(BaseModel):
    """The graph's inputs."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    timezone: str = Field(
        ..., alias='timezone', description=''
    )


class RunOutputs(BaseModel):
    """The graph's outputs; an output that no branch of the run reached is null."""

    model_config = ConfigDict(populate_by_name=True)

    time: Any | None = Field(
        None, alias='time', description=''
    )


class RunResult(BaseModel):
    """The answer of POST /run."""

    run_id: str
    status: RunStatus
    outputs: RunOutputs | None = None
    error: str | None = None
    interrupt: dict[str, Any] | None = None


class RunPublic(BaseModel):
    """A run as GET /runs/{id} shows it."""

    id: str
    status: RunStatus
    inputs: dict[str, Any]
    outputs: RunOutputs | None = None
    error: str | None = None
    interrupt: dict[str, Any] | None = None
    created_at: float
    finished_at: float | None = None


class ResumeRequest(BaseModel):
    """A person's answer to a waiting approval step."""

    model_config = ConfigDict(extra="forbid")
    approved: bool
    comment: str | None = Field(default=None, max_length=10_000)
