"""The template context of a generated project, built in Python so templates stay loops and conditions."""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from codegen import deps as dep_table
from codegen.escape import json_text, one_line
from codegen.manifest import GENERATOR_VERSION
from codegen.naming import constant_names, dns_label, field_names, unique_idents
from codegen.options import ProjectOptions
from runtime.compile import plan
from runtime.nodes._providers import DEFAULT_KEY_SECRETS
from runtime.nodes._tools import BUILTIN_TOOLS
from runtime.nodes.base import NodeKind
from runtime.nodes.registry import KINDS
from runtime.spec.as_tool import TOOL_PREFIX as GRAPH_TOOL_PREFIX
from runtime.spec.as_tool import graph_description, graph_parameters, tool_refs
from runtime.spec.models import IDENT_PATTERN, GraphSpec, NodeSpec

ANNOTATIONS = {
    "text": "str",
    "number": "int | float",
    "boolean": "bool",
    "json": "Any",
    "messages": "list[dict[str, Any]]",
    "documents": "list[dict[str, Any]]",
    "any": "Any",
}
EXAMPLE_VALUES: dict[str, Any] = {
    "text": "hello",
    "number": 1,
    "boolean": True,
    "json": {},
    "messages": [],
    "documents": [],
    "any": "hello",
}
# Kinds that reach outside the process, and what they need; graphs made only of other kinds run offline.
SERVICE_KINDS = {
    "http": "HTTP endpoints",
    "mcp_tool": "an MCP server",
    "rag_ingest": "a vector store",
    "rag_retrieve": "a vector store",
    "sql_query": "a SQL database",
}
LLM_KINDS = ("llm", "supervisor")
RAG_KINDS = ("rag_ingest", "rag_retrieve")
# Extra modules a kind needs through its context (tools, run services) rather than through imports.
TOOLS_MODULE = "runtime.nodes._tools"
CONTEXT_MODULES = {
    "tool": (TOOLS_MODULE,),
    "llm": (TOOLS_MODULE,),
    "http": ("runtime.nodes._http",),
    "mcp_tool": ("runtime.nodes._mcp", "runtime.nodes._http"),
    "rag_ingest": ("runtime.nodes._rag",),
    "rag_retrieve": ("runtime.nodes._rag",),
    "sql_query": ("runtime.nodes._sql",),
}
# Workspace tools (catalogue ids 'http.<name>', 'sql.<connection>', 'mcp.<server>.<tool>'): what each kind of
# tool needs carried, and the node kind whose services and dependencies it shares.
TOOL_MODULES = {
    "http": ("runtime.nodes._http.tool",),
    "sql": ("runtime.nodes._sql", "runtime.nodes._sql.tool"),
    "mcp": ("runtime.nodes._mcp", "runtime.nodes._http"),
}
TOOL_SERVICE_KIND = {"http": "http", "sql": "sql_query", "mcp": "mcp_tool"}
_IDENT = re.compile(IDENT_PATTERN)


@dataclass(frozen=True)
class ToolUse:
    """A tool id named by a node: in the exported graph (``graph_id`` None) or in one of its subgraphs."""

    graph_id: str | None
    node_id: str
    field: str
    tool_id: str


def tool_uses(spec: GraphSpec, subgraphs: list[GraphSpec]) -> list[ToolUse]:
    """Every tool id the nodes name (agents' ``tools`` lists, tool nodes' ``tool``), as the platform reads them."""
    uses = []
    for graph in [spec, *(sub for sub in subgraphs if sub.id != spec.id)]:  # a graph may call itself as a tool
        graph_id = None if graph is spec else graph.id
        uses += [ToolUse(graph_id, node.id, field, tool) for node in graph.nodes for field, tool in tool_refs(node)]
    return uses


def tool_problem(tool_id: str, options: ProjectOptions, root_id: str | None = None) -> str | None:
    """Why the project cannot give ``tool_id`` to the graph's nodes, or None when it can (``root_id``: the
    exported graph, which may call itself as a tool)."""
    kind, _, rest = tool_id.partition(".")
    if kind == "builtin":
        return None if tool_id in BUILTIN_TOOLS else "there is no such built-in tool"
    if kind == "http":
        return None if tool_id in options.http_tools else "its definition was not given to the export"
    if kind == "sql":
        return None if _IDENT.match(rest) else "not a SQL connection name"
    if kind == "mcp":
        server, _, name = rest.partition(".")
        return None if _IDENT.match(server) and name else "expected mcp.<server>.<tool>"
    if kind == "graph":
        if rest in options.subgraphs or rest == root_id:
            return None
        return f"the saved graph '{rest}' was not given to the export"
    return "unknown kind of tool"


def _tools(uses: list[ToolUse], options: ProjectOptions, graphs: dict[str, GraphSpec] | None = None) -> dict[str, Any]:
    """The workspace tools the project carries, by kind; the HTTP tools' definitions as plain data, and the
    saved graphs called as tools (``graphs``: the specs the project runs, by id) with what the model is told."""
    ids = sorted({use.tool_id for use in uses})
    http, sql, mcp, graph = [], [], [], []
    for tool_id in ids:
        kind, _, rest = tool_id.partition(".")
        if kind == "http":
            http.append({"id": tool_id, "definition": options.http_tools[tool_id].model_dump(mode="json")})
        elif kind == "sql":
            sql.append({"id": tool_id, "connection": rest})
        elif kind == "mcp":
            server, _, name = rest.partition(".")
            mcp.append({"id": tool_id, "server": server, "tool": name})
        elif kind == "graph" and graphs is not None and rest in graphs:
            graph.append({"id": tool_id, "graph_id": rest, "description": graph_description(graphs[rest]),
                          "parameters": graph_parameters(graphs[rest])})
    kinds = tuple(kind for kind, items in (("http", http), ("sql", sql), ("mcp", mcp)) if items)
    return {"ids": ids, "http": http, "sql": sql, "mcp": mcp, "graph": graph, "kinds": kinds,
            "builtin": [tool_id for tool_id in ids if tool_id.startswith("builtin.")]}


def tool_kinds(spec: GraphSpec, options: ProjectOptions) -> tuple[str, ...]:
    """The kinds of workspace tools ('http', 'sql', 'mcp') the graph and its subgraphs call."""
    return _tools(tool_uses(spec, subgraph_closure(spec, options.subgraphs)), options)["kinds"]


def all_kinds(spec: GraphSpec, options: ProjectOptions) -> list[str]:
    """The kinds of the graph and of the subgraphs it runs."""
    graphs = [spec, *subgraph_closure(spec, options.subgraphs)]
    return sorted({node.kind for graph in graphs for node in graph.nodes})


def extra_modules(kinds: tuple[str, ...], tools: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Modules the kinds (and the kinds of workspace tools) need through their context, not through imports."""
    modules = {module for kind in kinds for module in CONTEXT_MODULES.get(kind, ())}
    modules.update(module for kind in tools for module in TOOL_MODULES[kind])
    return tuple(sorted(modules))


@functools.cache
def _secret_fields(kind_name: str) -> tuple[str, ...]:
    """Config fields of a kind that hold secret names (``x-lcnc-widget: secret``)."""
    schema = KINDS[kind_name].config.model_json_schema()
    found = []
    for name, prop in schema.get("properties", {}).items():
        options = [prop, *prop.get("anyOf", [])]
        if any(option.get("x-lcnc-widget") == "secret" for option in options):
            found.append(name)
    return tuple(found)


def _secrets(graphs: list[GraphSpec], http_tools: list[dict[str, Any]]) -> list[dict[str, str]]:
    names = {tool["definition"]["auth_secret"] for tool in http_tools if tool["definition"]["auth_secret"]}
    for node in (node for graph in graphs for node in graph.nodes):
        for field_name in _secret_fields(node.kind):
            value = node.config.get(field_name)
            if isinstance(value, str) and value:
                names.add(value)
        provider = node.config.get("provider")
        if node.kind in LLM_KINDS and provider in DEFAULT_KEY_SECRETS and not node.config.get("api_key_secret"):
            names.add(DEFAULT_KEY_SECRETS[provider])  # the key secret the provider falls back to
    return [{"name": name, "env": "SECRET_" + name.upper().replace("-", "_")} for name in sorted(names)]


def _io_fields(fields: list[Any]) -> list[dict[str, Any]]:
    attrs = field_names([field.name for field in fields])
    result = []
    for field in fields:
        result.append(
            {
                "name": field.name,
                "attr": attrs[field.name],
                "type": field.type,
                "annotation": ANNOTATIONS[field.type],
                "required": field.required,
                "default": field.default,
                # As the runtime's check_inputs: a declared default makes an input optional.
                "default_arg": repr_default(field.default) if field.default is not None or not field.required else "...",
                "description": field.description,
            }
        )
    return result


def repr_default(value: Any) -> str:
    from codegen.escape import py_literal

    return py_literal(value)


def _config_dump(kind: NodeKind, node: NodeSpec) -> dict[str, Any]:
    """The node's config as the graph states it (only the fields set), validated by its kind."""
    kind.config.model_validate(node.config)
    return node.config


def lg_name(node_id: str) -> str:
    """The LangGraph node name of a graph node, as the runtime names it ('__' prefixes are reserved)."""
    return f"n{node_id}" if node_id.startswith("__") else node_id


def _wiring(spec: GraphSpec) -> dict[str, Any]:
    """Nodes with their wires, the ports they wait for and their destinations, in the graph's own order."""
    out_edges: dict[str, list[Any]] = defaultdict(list)
    for edge in spec.edges:
        out_edges[edge.source.node].append(edge)
    planned = plan(spec)  # the runtime's own answer to which ports each node waits for
    consts = constant_names([node.id for node in spec.nodes], _RESERVED_CONSTS)
    nodes = []
    for index, node in enumerate(spec.nodes):
        kind = KINDS[node.kind]
        wires = [
            {"source_port": e.source.port, "target": e.target.node, "target_port": e.target.port,
             "branch": e.condition}
            for e in out_edges[node.id]
        ]
        nodes.append(
            {
                "id": node.id,
                "lg_name": lg_name(node.id),
                "const": consts[index],
                "kind": node.kind,
                "module": kind_module_alias(node.kind),
                "label": node.label,
                "config": _config_dump(kind, node),
                "wires": wires,
                "waits_for": planned[node.id].waits_for,
                "destinations": tuple(dict.fromkeys(lg_name(e.target.node) for e in out_edges[node.id])),
            }
        )
    targets = {edge.target.node for edge in spec.edges}
    roots = [lg_name(node.id) for node in spec.nodes if node.kind == "input" or node.id not in targets]
    modules = sorted({node["module"] for node in nodes})
    state = "ChainState" if len(roots) == 1 and runs_one_node_at_a_time(spec) else "State"
    return {
        "nodes": nodes, "modules": modules, "roots": roots, "recursion_limit": _recursion_limit(spec),
        "state": state, "engine_classes": sorted(["Node", "RunScope", "Wire", state]),
        "output_names": tuple(f.name for f in spec.outputs),
        "output_defaults": {f.name: f.default for f in spec.outputs if f.default is not None},
    }


def runs_one_node_at_a_time(spec: GraphSpec) -> bool:
    """Whether each step of a run of ``spec`` runs one node that reads only what the step before wrote.

    True when no node is fed by two nodes (no joins, no loops back into a node), no node sends to two nodes on
    the same branch (no parallel branches) and the edges have no cycle; the caller checks there is one root.
    """
    sources: dict[str, set[str]] = defaultdict(set)
    out_edges: dict[str, list[Any]] = defaultdict(list)
    for edge in spec.edges:
        sources[edge.target.node].add(edge.source.node)
        out_edges[edge.source.node].append(edge)
    if any(len(nodes) > 1 for nodes in sources.values()):
        return False
    for edges in out_edges.values():
        for branch in {edge.condition for edge in edges} | {None}:
            if len({e.target.node for e in edges if e.condition is None or e.condition == branch}) > 1:
                return False
    # With one source per node, following sources from any node must end at a node nobody feeds.
    for node in spec.nodes:
        seen, current = set(), node.id
        while sources.get(current):
            if current in seen:
                return False
            seen.add(current)
            current = next(iter(sources[current]))
    return True


def subgraph_closure(spec: GraphSpec, available: dict[str, GraphSpec]) -> list[GraphSpec]:
    """The saved graphs that ``spec`` runs, transitively, in a stable order: those of its subgraph nodes, and
    those its agents and tool nodes call as tools (``graph.<id>``, ``spec`` itself included when it calls itself).

    Raises ValueError naming the node when a subgraph is missing or when subgraph nodes call each other in a
    cycle. A graph tool may call its caller (each call is a run of its own, bounded in depth); one that is
    missing is left to ``tool_problem``.
    """
    found: dict[str, GraphSpec] = {}

    def visit(current: GraphSpec, chain: tuple[str, ...]) -> None:
        for node in current.nodes:
            for graph_id in graph_tools_of(node):
                target = available.get(graph_id) or (spec if graph_id == spec.id else None)
                if target is not None and graph_id not in found:
                    found[graph_id] = target
                    visit(target, (graph_id,))
            if node.kind != "subgraph":
                continue
            graph_id = str(node.config.get("graph_id"))
            if graph_id in chain:
                raise ValueError(f"node '{node.id}': subgraph '{graph_id}' calls itself: "
                                 + " -> ".join([*chain, graph_id]))
            if graph_id not in available:
                raise ValueError(f"node '{node.id}': subgraph '{graph_id}' is not provided to the export")
            if graph_id not in found:
                found[graph_id] = available[graph_id]
            visit(available[graph_id], (*chain, graph_id))

    visit(spec, (spec.id,))
    return [found[graph_id] for graph_id in sorted(found)]


def graph_tools_of(node: NodeSpec) -> list[str]:
    """The ids of the saved graphs a node calls as tools."""
    return [tool[len(GRAPH_TOOL_PREFIX):] for _field, tool in tool_refs(node) if tool.startswith(GRAPH_TOOL_PREFIX)]


def _subgraphs(spec: GraphSpec, options: ProjectOptions) -> list[dict[str, Any]]:
    specs = subgraph_closure(spec, options.subgraphs)
    modules = unique_idents([f"g_{sub.id}" for sub in specs], "g")
    return [
        {
            "graph_id": sub.id,
            "module": modules[f"g_{sub.id}"],
            "wiring": _wiring(sub),
            "inputs": [{"name": f.name, "required": f.required, "default": f.default} for f in sub.inputs],
        }
        for sub in specs
    ]


_RESERVED_CONSTS = frozenset({"NODES", "OUTPUT_NAMES", "OUTPUT_DEFAULTS", "RECURSION_LIMIT", "START", "ANY"})
MAX_RECURSION_LIMIT = 1_000_000


def _recursion_limit(spec: GraphSpec) -> int:
    """Enough LangGraph steps for every bounded loop and supervisor to run to its bound (as the runtime)."""
    rounds = 1
    for node in spec.nodes:
        kind = KINDS[node.kind]
        config = kind.config.model_validate(node.config)
        bound = getattr(config, "max_iterations", None) or getattr(config, "max_rounds", None)
        if kind.bounds_cycles and bound:
            rounds *= bound + 1
            if rounds > MAX_RECURSION_LIMIT:
                return MAX_RECURSION_LIMIT
    return min(MAX_RECURSION_LIMIT, max(25, (len(spec.nodes) + 2) * rounds * 2))


def kind_module_alias(kind_name: str) -> str:
    from codegen.carry import kind_modules

    return kind_modules()[kind_name].rsplit(".", 1)[1]


def _needs(graphs: list[GraphSpec], tools: dict[str, Any]) -> list[str]:
    needs = {SERVICE_KINDS[TOOL_SERVICE_KIND[kind]] for kind in tools["kinds"]}
    for node in (node for graph in graphs for node in graph.nodes):
        if node.kind in SERVICE_KINDS:
            needs.add(SERVICE_KINDS[node.kind])
        elif node.kind in LLM_KINDS and node.config.get("provider", "local") != "scripted":
            needs.add(f"the {node.config.get('provider', 'local')} model provider")
    return sorted(needs)


def _env_names(prefix: str, names: list[str]) -> dict[str, str]:
    """Distinct environment variable names for graph names (``a-b`` and ``a_b`` may both exist)."""
    taken: set[str] = set()
    result: dict[str, str] = {}
    for name in names:
        base = prefix + name.upper().replace("-", "_")
        env, counter = base, 2
        while env in taken:
            env = f"{base}_{counter}"
            counter += 1
        taken.add(env)
        result[name] = env
    return result


def _users(graphs: list[GraphSpec], kind: str, field_name: str, uses: list[ToolUse],
           tool_name: Callable[[str], str | None]) -> dict[str, list[str]]:
    """Name -> the nodes that use it (by node, or 'subgraph/node'), from nodes of ``kind`` and tool ids."""
    users: dict[str, list[str]] = defaultdict(list)
    for index, graph in enumerate(graphs):
        for node in graph.nodes:
            if node.kind == kind:
                users[str(node.config[field_name])].append(node.id if index == 0 else f"{graph.id}/{node.id}")
    for use in uses:
        name = tool_name(use.tool_id)
        if name is not None:
            users[name].append(use.node_id if use.graph_id is None else f"{use.graph_id}/{use.node_id}")
    return {name: list(dict.fromkeys(nodes)) for name, nodes in sorted(users.items())}


def _tool_target(prefix: str) -> Callable[[str], str | None]:
    """The connection (``sql.``) or server (``mcp.``) a tool id names, or None for other tools."""

    def name(tool_id: str) -> str | None:
        return tool_id[len(prefix):].split(".", 1)[0] if tool_id.startswith(prefix) else None

    return name


def _services(graphs: list[GraphSpec], kinds: list[str], uses: list[ToolUse], tools: dict[str, Any]) -> dict[str, Any]:
    """What the run services of the project hold: the settings each service kind reads, by name only.

    SQL connections and MCP servers are the ones the graph names (in nodes and in tool ids); their URL (SQL)
    and bearer token (MCP) come from environment variables that the Kubernetes manifests fill from the
    project's Secret.
    """
    service_kinds = set(kinds) | {TOOL_SERVICE_KIND[kind] for kind in tools["kinds"]}
    sql_users = _users(graphs, "sql_query", "connection", uses, _tool_target("sql."))
    mcp_users = _users(graphs, "mcp_tool", "server", uses, _tool_target("mcp."))
    sql = _env_names("SQL_URL_", list(sql_users))
    mcp = _env_names("MCP_TOKEN_", list(mcp_users))
    result: dict[str, Any] = {
        "any": any(kind in SERVICE_KINDS for kind in service_kinds),
        # The SSRF policy guards http nodes and tools and the URLs of MCP servers, as on the platform.
        "http": "http" in service_kinds or "mcp_tool" in service_kinds,
        "rag": any(kind in RAG_KINDS for kind in service_kinds),
        "sql": [{"name": name, "env": env, "nodes": sql_users[name]} for name, env in sql.items()],
        "mcp": [{"name": name, "env": env, "nodes": mcp_users[name]} for name, env in mcp.items()],
    }
    # Variables read from the Secret: optional, so a pod without one still starts and the run says what is missing.
    result["secret_env"] = [item["env"] for item in result["sql"] + result["mcp"]]
    return result


def build(spec: GraphSpec, options: ProjectOptions, third_party: list[str] | None = None) -> dict[str, Any]:
    """The context of every template; ``third_party`` lists the distributions the carried modules need."""
    third_party = third_party or []
    name = dns_label(options.name or spec.id)
    image = options.image or f"{name}:{options.version}"
    image_name, _, image_tag = image.rpartition(":") if ":" in image.rsplit("/", 1)[-1] else (image, "", "latest")
    subgraphs = _subgraphs(spec, options)
    kinds = all_kinds(spec, options)
    graphs = [spec, *subgraph_closure(spec, options.subgraphs)]
    uses = tool_uses(spec, graphs[1:])
    tools = _tools(uses, options, {graph.id: graph for graph in graphs})
    secrets = _secrets(graphs, tools["http"])
    inputs = _io_fields(spec.inputs)
    outputs = _io_fields(spec.outputs)
    examples = [example.model_dump() for example in options.examples] or [
        {"inputs": {f.name: EXAMPLE_VALUES[f.type] for f in spec.inputs if f.required}, "outputs": None}
    ]
    needs = _needs(graphs, tools)
    extra = extra_modules(tuple(kinds), tools["kinds"])
    services = _services(graphs, kinds, uses, tools)
    service_kinds = sorted(set(kinds) | {TOOL_SERVICE_KIND[kind] for kind in tools["kinds"]})
    deps = list(dep_table.BASE) + third_party + dep_table.for_kinds(service_kinds)
    # Runs live in the service's memory, so no graph needs Redis or PostgreSQL beside it yet; the
    # template adds them (with health checks) the day a kind does.
    compose_services: list[dict[str, str]] = []
    return {
        "generator_version": GENERATOR_VERSION,
        "graph": {"id": spec.id, "name": spec.name, "description": spec.description},
        "project": {"name": name, "package": "app", "summary": f"Service generated by lcnc from graph {spec.id}"},
        "options": options.model_dump(),
        "k8s": {
            "name": name, "image": image, "image_name": image_name, "image_tag": image_tag,
            "host": options.host or f"{name}.example.com", "secret_name": f"{name}-secrets",
            "max_replicas": max(options.max_replicas, options.replicas),
        },
        "secrets": secrets,
        "inputs": inputs,
        "outputs": outputs,
        "input_names": [f.name for f in spec.inputs],
        "output_names": [f.name for f in spec.outputs],
        "output_names_tuple": tuple(f.name for f in spec.outputs),
        "output_defaults": {f.name: f.default for f in spec.outputs if f.default is not None},
        "required_inputs": [f.name for f in spec.inputs if f.required],
        "kinds": kinds,

        "wiring": _wiring(spec),
        "subgraphs": subgraphs,
        "uses_tools": TOOLS_MODULE in extra,
        "tools": tools,
        "services": services,
        # The embedding model needs torch: the image installs its CPU build first (no CUDA libraries).
        "torch_cpu_pin": dep_table.pinned(["torch"])[0] if "torch" in dep_table.for_kinds(kinds) else "",
        "waits_for_approval": "human_approval" in kinds,
        "checkpointer": "human_approval" in kinds,
        "offline": not needs,
        "needs": needs,
        "deps": dep_table.pinned(deps),
        "dev_deps": dep_table.pinned(list(dep_table.DEV)),
        "compose_services": compose_services,
        "examples_json": json_text(examples).rstrip("\n"),
        "spec_json": json_text(spec.model_dump(mode="json")).rstrip("\n"),
        "readme": {
            "title": _md(spec.name, 200),
            "description": _md(spec.description, 2000) or "A graph exported from lcnc.",
            "example_json": json_text(examples[0]["inputs"]).replace("\n", " ").replace("  ", "").strip()
            if all(k.replace("_", "").replace("-", "").isalnum() for k in examples[0]["inputs"])
            and "'" not in json_text(examples[0]["inputs"]) else "{}",
            "inputs": [{**f, "description": _md(f["description"], 300), "required": "yes" if f["required"] else "no"}
                       for f in inputs],
            "outputs": [{**f, "description": _md(f["description"], 300)} for f in outputs],
            "http_users": _users_text([("`http` nodes", "http" in kinds), ("HTTP tools", bool(tools["http"])),
                                       ("MCP server URLs", bool(services["mcp"]))]),
            "sql_users": _users_text([("`sql_query` nodes", "sql_query" in kinds), ("SQL tools", bool(tools["sql"]))]),
            "mcp_users": _users_text([("`mcp_tool` nodes", "mcp_tool" in kinds), ("MCP tools", bool(tools["mcp"]))]),
        },
    }


def _users_text(parts: list[tuple[str, bool]]) -> str:
    return ", ".join(text for text, used in parts if used)


def _md(text: str, limit: int) -> str:
    """Prose for the README: one line, table pipes and HTML brackets escaped."""
    return one_line(text, limit).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
