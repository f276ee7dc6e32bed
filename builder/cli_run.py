"""`lcnc run`: run a graph file in-process through the runtime and print its outputs."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from builder.cli import app
from builder.cli_progress import CliProgress
from runtime.spec import DocumentError, GraphSpec, load_graph


def print_event(event: dict[str, Any]) -> None:
    """One event as a JSON line on stdout; a reader that went away (`lcnc run --events | head`) ends the printing
    quietly and the run goes on."""
    try:
        sys.stdout.write(json.dumps(event, ensure_ascii=False, default=str) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # later writes (and the flush at exit) go nowhere, without errors
        os.close(devnull)


class _PrintSink:
    async def emit(self, event: dict[str, Any]) -> None:
        print_event(event)


def parse_inputs(spec: GraphSpec, pairs: list[str]) -> dict[str, Any]:
    """``name=value`` pairs as the graph's inputs; values of non-text inputs are read as JSON when they parse."""
    types = {field.name: field.type for field in spec.inputs}
    values: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name:
            raise typer.BadParameter(f"'{pair}' is not name=value", param_hint="--input")
        if types.get(name, "text") == "text":
            values[name] = raw
            continue
        try:
            values[name] = json.loads(raw)
        except ValueError:
            values[name] = raw
    return values


def folder_resolver(folder: Path) -> Any:
    """Subgraphs from the graph files of a folder, matched by their id."""

    def resolve(graph_id: str, version: int | None) -> GraphSpec | None:
        for path in sorted(folder.glob("*.json")):
            try:
                spec = load_graph(path.read_bytes())
            except (DocumentError, ValidationError, OSError):
                continue
            if spec.id == graph_id:
                return spec
        return None

    return resolve


def _bad_input(problems: list[str], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"status": "invalid", "outputs": {}, "error": problems[0], "errors": problems,
                               "interrupt": None}, ensure_ascii=False, indent=2))
    for problem in problems:
        typer.echo(f"error: {problem}", err=True)
    raise typer.Exit(2)


def _load_local_model(spec: GraphSpec, progress: CliProgress) -> None:
    """Load the local model before the run, under a progress step, when the graph asks it and someone watches."""
    if not progress.enabled:
        return
    from runtime.nodes._llm_config import ModelConfig
    from runtime.nodes.registry import get_kind

    for node in spec.nodes:
        kind = get_kind(node.kind)
        if kind is not None and issubclass(kind.config, ModelConfig):
            if kind.config.model_validate(node.config).provider == "local":  # type: ignore[attr-defined]
                from runtime.nodes._providers.base import ProviderError
                from runtime.nodes._providers.local import load_model

                try:
                    with progress.step("loading the local model (SmolLM2-135M)"):
                        load_model()
                except ProviderError:
                    pass  # the run fails on the same error and reports it
                return


@app.command()
def run(
    path: Annotated[Path, typer.Argument(help="Graph JSON file (any schema version).", exists=True, dir_okay=False)],
    input_: Annotated[list[str] | None, typer.Option("--input", "-i", help="A graph input as name=value.")] = None,
    events: Annotated[bool, typer.Option("--events", help="Print the run's events as JSON lines.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole outcome as JSON.")] = False,
    graphs: Annotated[Path | None, typer.Option(help="Folder of graph files for subgraph nodes (default: the graph's).",
                                                file_okay=False)] = None,
    approve: Annotated[bool | None, typer.Option("--approve/--reject",
                                                 help="Answer every human approval with this.")] = None,
    comment: Annotated[str, typer.Option(help="Comment sent with --approve/--reject.")] = "",
    queue: Annotated[bool, typer.Option("--queue", help="Run durably through the platform queue and a worker.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
) -> None:
    """Run a graph in this process and print its declared outputs as JSON.

    Exit 0 when it succeeds, 1 when the run fails, 2 for bad input (unreadable or invalid graph, missing or
    unknown inputs), 3 when it waits for a human approval (answer with `--approve` or `--reject`). A graph
    whose LLM nodes use the local model shows the model loading on stderr first (a terminal only).

    Examples:

    * `lcnc run tests/fixtures/graphs/linear_transform.json --input name=Ada`
    * `lcnc run graph.json -i name=Ada --json | jq .outputs`
    * `lcnc run graph.json -i name=Ada --events | jq -c 'select(.type == "node_finished")'`
    """
    from runtime.compile import RunServices, check_inputs, env_secrets, safe_checkpointer
    from runtime.engine import run_graph
    from runtime.validate import validate_graph

    try:
        spec = load_graph(path.read_bytes())
    except DocumentError as exc:
        typer.echo(f"error: {exc.location}: {exc}", err=True)
        raise typer.Exit(2) from exc
    except ValidationError as exc:
        for error in exc.errors(include_input=False):
            typer.echo(f"error: {'.'.join(map(str, error['loc']))}: {error['msg']}", err=True)
        raise typer.Exit(2) from exc
    values = parse_inputs(spec, input_ or [])
    problems = [str(issue) for issue in validate_graph(spec)] or check_inputs(spec, values)[1]
    if problems:
        _bad_input(problems, as_json)
    if not queue:
        _load_local_model(spec, CliProgress.for_command(as_json=as_json, quiet=quiet))
    services = RunServices(secrets=env_secrets(os.environ), resolve_graph=folder_resolver(graphs or path.parent))
    sink = _PrintSink() if events else None
    thread_id = f"cli-{uuid.uuid4().hex[:12]}"

    async def go() -> Any:
        checkpointer = safe_checkpointer()
        outcome = await run_graph(spec, values, thread_id=thread_id, checkpointer=checkpointer, sink=sink,
                                  services=services)
        while outcome.status == "waiting" and approve is not None:
            answer = {"approved": approve, "comment": comment}
            outcome = await run_graph(spec, {}, thread_id=thread_id, checkpointer=checkpointer, sink=sink,
                                      services=services, resume=answer)
        return outcome

    if queue:
        from builder.cli_queue import run_on_queue

        outcome = run_on_queue(spec, values, events=events, approve=approve, comment=comment, timeout=300.0)
    else:
        outcome = asyncio.run(go())
    if as_json:
        typer.echo(json.dumps(outcome.to_dict(), ensure_ascii=False, indent=2, default=str))
    elif outcome.status == "succeeded":
        typer.echo(json.dumps(outcome.outputs, ensure_ascii=False, indent=2, default=str))
    if outcome.status == "failed":
        typer.echo(f"error: {outcome.error}", err=True)
        raise typer.Exit(1)
    if outcome.status == "waiting":
        question = outcome.interrupt or {}
        typer.echo(f"waiting: node '{question.get('node_id')}' asks: {question.get('prompt')} "
                   "(answer with --approve or --reject)", err=True)
        raise typer.Exit(3)
