"""A graph's declared inputs and outputs at run time."""

from __future__ import annotations

from typing import Any

from runtime.spec.models import GraphSpec


def check_inputs(spec: GraphSpec, inputs: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The inputs with defaults filled in, and the problems (missing required or unknown names)."""
    declared = {field.name: field for field in spec.inputs}
    problems = [f"unknown input '{name}'; inputs: {', '.join(declared) or 'none'}" for name in inputs
                if name not in declared]
    values = dict(inputs)
    for name, field in declared.items():
        if name in values:
            continue
        if field.default is not None:
            values[name] = field.default
        elif field.required:
            problems.append(f"missing required input '{name}'")
        else:
            values[name] = None
    return values, problems


def collect_outputs(spec: GraphSpec, written: dict[str, Any]) -> dict[str, Any]:
    """The declared outputs the run produced (a declared default stands in for a missing one)."""
    outputs: dict[str, Any] = {}
    for field in spec.outputs:
        if field.name in written:
            outputs[field.name] = written[field.name]
        elif field.default is not None:
            outputs[field.name] = field.default
    return outputs
