"""``render_project``: a graph in, the files of a standalone service out. Pure and deterministic."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jinja2

from codegen import context as ctx_builder
from codegen import deps
from codegen.carry import carried_sources, third_party_imports
from codegen.errors import ExportError
from codegen.escape import comment_text, json_text, one_line, py_block, py_literal, quoted
from codegen.manifest import MANIFEST_PATH, build_manifest
from codegen.options import ProjectOptions
from runtime.spec.models import GraphSpec
from runtime.validate import ValidationIssue, validate_graph

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent / "templates" / "project"
SUFFIX = ".j2"
SUBGRAPH_TEMPLATE = "app/subgraphs/_subgraph.py.j2"


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_ROOT)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 - the outputs are code and YAML; every graph string is escaped by a filter
        keep_trailing_newline=True,
        auto_reload=False,  # templates are read once per process: rendering itself does no I/O
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(py=py_literal, pyblock=py_block, quoted=quoted, one_line=one_line, comment=comment_text, json=json_text)
    return env


@functools.cache
def _templates() -> tuple[tuple[str, bool], ...]:
    """(template name, whether its source is empty), read once per process."""
    names = []
    for path in sorted(TEMPLATE_ROOT.rglob(f"*{SUFFIX}")):
        if any(part.startswith("_") and not part.startswith("__") for part in path.relative_to(TEMPLATE_ROOT).parts):
            continue  # macros (_macros/) and per-item templates (_subgraph.py.j2), rendered by name
        names.append((path.relative_to(TEMPLATE_ROOT).as_posix(), not path.read_text(encoding="utf-8").strip()))
    return tuple(names)


def check_exportable(spec: GraphSpec, options: ProjectOptions) -> None:
    """ExportError with the validation issues unless the graph (and its subgraphs) can run."""
    issues = validate_graph(spec)
    if issues:
        raise ExportError(f"the graph cannot be exported: {issues[0]}", issues)
    try:
        subgraphs = ctx_builder.subgraph_closure(spec, options.subgraphs)
    except ValueError as exc:
        raise ExportError(str(exc)) from exc
    for sub in subgraphs:
        issues = validate_graph(sub)
        if issues:
            raise ExportError(f"subgraph '{sub.id}' cannot be exported: {issues[0]}", issues)
    tool_issues = []
    for use in ctx_builder.tool_uses(spec, subgraphs):
        problem = ctx_builder.tool_problem(use.tool_id, options, root_id=spec.id)
        if problem is not None:
            inside = f" (in subgraph '{use.graph_id}')" if use.graph_id is not None else ""
            tool_issues.append(ValidationIssue(
                code="unknown_tool", node_id=use.node_id, field=f"config.{use.field}",
                message=f"tool '{use.tool_id}'{inside} cannot be exported: {problem}"))
    if tool_issues:
        raise ExportError(f"the graph cannot be exported: {tool_issues[0]}", tool_issues)


def render_project(spec: GraphSpec, options: ProjectOptions | None = None) -> dict[str, str]:
    """Every file of the generated project, by relative path. Raises ExportError for a graph that cannot run."""
    options = options or ProjectOptions()
    check_exportable(spec, options)
    carried = _carried(spec, options)
    context = ctx_builder.build(spec, options, _distributions(carried))
    env = _environment()
    files: dict[str, str] = {}
    for name, empty_source in _templates():
        text = env.get_template(name).render(context)
        if not text.strip() and not empty_source:
            continue  # a template that renders to nothing is a file this graph does not need
        files[name[: -len(SUFFIX)]] = text
    for sub in context["subgraphs"]:
        files[f"app/subgraphs/{sub['module']}.py"] = env.get_template(SUBGRAPH_TEMPLATE).render({**context, "sub": sub})
    files.update(carried)
    files[MANIFEST_PATH] = json_text(build_manifest(spec, files, ctx_builder.subgraph_closure(spec, options.subgraphs)))
    return dict(sorted(files.items()))


def _carried(spec: GraphSpec, options: ProjectOptions) -> dict[str, str]:
    kinds = tuple(ctx_builder.all_kinds(spec, options))
    return carried_sources(kinds, ctx_builder.extra_modules(kinds, ctx_builder.tool_kinds(spec, options)))


def _distributions(carried: dict[str, str]) -> list[str]:
    names = []
    for module in sorted(third_party_imports(carried)):
        if module not in deps.BY_IMPORT:
            raise ExportError(f"carried node code imports '{module}', which codegen does not know how to pin")
        names.append(deps.BY_IMPORT[module])
    return names


def render_context(spec: GraphSpec, options: ProjectOptions | None = None) -> dict[str, Any]:
    """The template context (for debugging templates)."""
    options = options or ProjectOptions()
    return ctx_builder.build(spec, options, _distributions(_carried(spec, options)))
