"""Validation of a whole graph: kinds, configs, edges, ports, reachability and cycles."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from runtime.nodes.base import NodeConfig, NodeKind
from runtime.nodes.registry import KINDS
from runtime.spec.models import GraphSpec, NodeSpec
from runtime.validate.issues import ValidationIssue
from runtime.validate.ports import compatible


def validate_graph(spec: GraphSpec, kinds: dict[str, NodeKind] = KINDS) -> list[ValidationIssue]:
    """Every problem found in ``spec``, in a stable order; an empty list means it can run."""
    issues: list[ValidationIssue] = []
    nodes: dict[str, NodeSpec] = {}
    for node in spec.nodes:
        if node.id in nodes:
            issues.append(ValidationIssue(code="duplicate_id", node_id=node.id, message=f"node id '{node.id}' is used twice"))
        nodes[node.id] = node

    configs: dict[str, NodeConfig] = {}
    for node in spec.nodes:
        kind = kinds.get(node.kind)
        if kind is None:
            known = ", ".join(sorted(kinds))
            issues.append(
                ValidationIssue(
                    code="unknown_kind", node_id=node.id, field="kind",
                    message=f"unknown kind '{node.kind}'; known kinds: {known}",
                )
            )
            continue
        config, config_issues = _check_config(node, kind)
        issues.extend(config_issues)
        if config is not None:
            configs[node.id] = config

    issues.extend(_check_io_names(spec, configs))
    issues.extend(_check_edges(spec, nodes, configs, kinds))
    issues.extend(_check_required_inputs(spec, nodes, kinds))
    issues.extend(_check_reachability(spec, nodes, kinds))
    issues.extend(_check_cycles(spec, nodes, kinds))
    return issues


def _check_config(node: NodeSpec, kind: NodeKind) -> tuple[NodeConfig | None, list[ValidationIssue]]:
    try:
        return kind.config.model_validate(node.config), []
    except ValidationError as exc:
        issues = []
        for error in exc.errors(include_url=False):
            loc = ".".join(str(part) for part in error["loc"])
            missing = error["type"] == "missing"
            issues.append(
                ValidationIssue(
                    code="missing_config" if missing else "invalid_config",
                    level="incomplete" if missing else "error",
                    node_id=node.id,
                    field=f"config.{loc}" if loc else "config",
                    message=f"{kind.name} config: {error['msg']}" + (f" ({loc})" if loc else ""),
                )
            )
        return None, issues


def _check_io_names(spec: GraphSpec, configs: dict[str, NodeConfig]) -> Iterable[ValidationIssue]:
    declared_in = {field.name for field in spec.inputs}
    declared_out = {field.name for field in spec.outputs}
    for node in spec.nodes:
        config = configs.get(node.id)
        if config is None or node.kind not in ("input", "output"):
            continue
        name: str = config.name  # type: ignore[attr-defined]
        declared = declared_in if node.kind == "input" else declared_out
        if name not in declared:
            plural = "inputs" if node.kind == "input" else "outputs"
            yield ValidationIssue(
                code=f"undeclared_{node.kind}", level="incomplete", node_id=node.id, field="config.name",
                message=f"'{name}' is not one of the graph's declared {plural}",
            )


def _check_edges(
    spec: GraphSpec, nodes: dict[str, NodeSpec], configs: dict[str, NodeConfig], kinds: dict[str, NodeKind]
) -> Iterable[ValidationIssue]:
    seen: set[tuple[str, str, str, str, str | None]] = set()
    for index, edge in enumerate(spec.edges):
        key = (edge.source.node, edge.source.port, edge.target.node, edge.target.port, edge.condition)
        if key in seen:
            yield ValidationIssue(code="duplicate_edge", edge_index=index, node_id=edge.target.node,
                                  message="the same connection is drawn twice")
        seen.add(key)
        ends_ok = True
        for end_name, end in (("source", edge.source), ("target", edge.target)):
            if end.node not in nodes:
                ends_ok = False
                yield ValidationIssue(
                    code="dangling_edge", edge_index=index, field=f"{end_name}.node",
                    message=f"edge {end_name} '{end.node}' is not a node of this graph",
                )
        if not ends_ok:
            continue
        source_kind = kinds.get(nodes[edge.source.node].kind)
        target_kind = kinds.get(nodes[edge.target.node].kind)
        if source_kind is None or target_kind is None:
            continue  # already reported as unknown_kind
        out_port = source_kind.output_port(edge.source.port)
        in_port = target_kind.input_port(edge.target.port)
        if out_port is None:
            yield ValidationIssue(
                code="unknown_port", edge_index=index, node_id=edge.source.node, field="source.port",
                message=f"{source_kind.name} has no output port '{edge.source.port}'; ports: "
                + ", ".join(port.name for port in source_kind.outputs),
            )
        if in_port is None:
            yield ValidationIssue(
                code="unknown_port", edge_index=index, node_id=edge.target.node, field="target.port",
                message=f"{target_kind.name} has no input port '{edge.target.port}'; ports: "
                + ", ".join(port.name for port in target_kind.inputs),
            )
        if out_port is not None and in_port is not None and not compatible(out_port.type, in_port.type):
            yield ValidationIssue(
                code="port_type_mismatch", edge_index=index, node_id=edge.target.node, field="target.port",
                message=f"{edge.source.node}.{edge.source.port} gives {out_port.type} but "
                f"{edge.target.node}.{edge.target.port} takes {in_port.type}",
            )
        yield from _check_condition(index, edge.condition, edge.source.node, source_kind, configs.get(edge.source.node))


def _check_condition(
    index: int, condition: str | None, node_id: str, kind: NodeKind, config: NodeConfig | None
) -> Iterable[ValidationIssue]:
    labels = kind.branch_labels(config)
    if labels is None:
        if condition is not None:
            yield ValidationIssue(
                code="unexpected_condition", edge_index=index, node_id=node_id, field="condition",
                message=f"{kind.name} does not branch, so its edges take no condition",
            )
        return
    if config is None:
        return  # config errors already reported; branches unknown
    if condition is None:
        yield ValidationIssue(
            code="missing_condition", level="incomplete", edge_index=index, node_id=node_id, field="condition",
            message=f"an edge leaving {kind.name} must name its branch: one of {', '.join(labels)}",
        )
    elif condition not in labels:
        yield ValidationIssue(
            code="unknown_branch", edge_index=index, node_id=node_id, field="condition",
            message=f"'{condition}' is not a branch of this {kind.name}; branches: {', '.join(labels)}",
        )


def _check_required_inputs(
    spec: GraphSpec, nodes: dict[str, NodeSpec], kinds: dict[str, NodeKind]
) -> Iterable[ValidationIssue]:
    fed: set[tuple[str, str]] = {(edge.target.node, edge.target.port) for edge in spec.edges}
    for node in spec.nodes:
        kind = kinds.get(node.kind)
        if kind is None:
            continue
        for port in kind.inputs:
            if port.required and (node.id, port.name) not in fed:
                yield ValidationIssue(
                    code="missing_input", level="incomplete", node_id=node.id, field=f"inputs.{port.name}",
                    message=f"required input '{port.name}' is not connected",
                )


def _adjacency(spec: GraphSpec, nodes: dict[str, Any]) -> dict[str, list[str]]:
    graph: dict[str, list[str]] = defaultdict(list)
    for edge in spec.edges:
        if edge.source.node in nodes and edge.target.node in nodes:
            graph[edge.source.node].append(edge.target.node)
    return graph


def _check_reachability(
    spec: GraphSpec, nodes: dict[str, NodeSpec], kinds: dict[str, NodeKind]
) -> Iterable[ValidationIssue]:
    if not nodes:
        return
    targets = {edge.target.node for edge in spec.edges}
    roots = [
        node.id
        for node in spec.nodes
        if node.kind == "input"
        or (node.id not in targets and node.kind in kinds and not any(p.required for p in kinds[node.kind].inputs))
    ]
    graph = _adjacency(spec, nodes)
    reached = set(roots)
    queue = deque(roots)
    while queue:
        for child in graph[queue.popleft()]:
            if child not in reached:
                reached.add(child)
                queue.append(child)
    for node in spec.nodes:
        if node.id not in reached and node.kind in kinds:
            yield ValidationIssue(
                code="unreachable", level="incomplete", node_id=node.id,
                message="no path leads to this node from an input",
            )


def _check_cycles(spec: GraphSpec, nodes: dict[str, NodeSpec], kinds: dict[str, NodeKind]) -> Iterable[ValidationIssue]:
    graph = _adjacency(spec, nodes)
    for component in _strongly_connected(list(nodes), graph):
        cyclic = len(component) > 1 or component[0] in graph[component[0]]
        if not cyclic:
            continue
        bounded = any(kinds.get(nodes[n].kind) is not None and kinds[nodes[n].kind].bounds_cycles for n in component)
        if not bounded:
            first = sorted(component)[0]
            yield ValidationIssue(
                code="unbounded_cycle", node_id=first,
                message="cycle without a bound through " + " -> ".join(sorted(component))
                + "; route it through a loop node",
            )


def _strongly_connected(order: list[str], graph: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative so a 5,000-node chain cannot exhaust the stack."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for start in order:
        if start in index:
            continue
        work: list[tuple[str, int]] = [(start, 0)]
        while work:
            node, child_i = work.pop()
            if child_i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            children = graph[node]
            recurse = False
            while child_i < len(children):
                child = children[child_i]
                child_i += 1
                if child not in index:
                    work.append((node, child_i))
                    work.append((child, 0))
                    recurse = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if recurse:
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return components
