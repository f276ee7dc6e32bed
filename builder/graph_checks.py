"""The checks a graph passes before it is saved, run or exported."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from builder.errors import ApiError, InvalidGraph, pydantic_errors
from runtime.spec import DocumentError, GraphSpec, load_json_document, parse_graph
from runtime.validate import ValidationIssue, blocking, validate_graph


def check_savable(spec: GraphSpec) -> list[ValidationIssue]:
    """422 on errors that make the document incoherent; returns what keeps it from running."""
    issues = validate_graph(spec)
    errors = blocking(issues)
    if errors:
        raise InvalidGraph(errors, detail=f"{len(errors)} problem(s) in the graph; first: {errors[0]}")
    return issues


def check_runnable(spec: GraphSpec) -> None:
    """422 unless the graph is complete: used before a run or an export."""
    issues = validate_graph(spec)
    if issues:
        raise InvalidGraph(issues, detail=f"the graph cannot run: {issues[0]}")


def parse_document(raw: bytes, max_bytes: int) -> GraphSpec:
    """A graph from raw JSON of any schema version: bounded parse, upgrade, model check."""
    data: Any = load_json_document(raw, max_bytes=max_bytes)
    try:
        return parse_graph(data)
    except DocumentError:
        raise
    except ValidationError as exc:
        errors = pydantic_errors(exc, prefix=())
        first = errors[0]
        raise ApiError(422, f"{'.'.join(map(str, first['loc']))}: {first['msg']}", errors) from exc
