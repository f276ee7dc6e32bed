"""The `lcnc` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from runtime.spec import DocumentError, load_graph
from runtime.spec.schema import SCHEMA_PATH, render_schema, write_schema
from runtime.validate import validate_graph

app = typer.Typer(
    help="lcnc: build, run, export and deploy AI agent and workflow graphs.\n\n"
         "Exit codes: 0 ok, 1 the work failed (a run, a deploy, a check), 2 usage or bad input (unreadable or "
         "invalid graph, wrong option); `lcnc run` exits 3 while a run waits for a human approval. Long work "
         "shows progress on stderr when it is a terminal (not with --json or --quiet; LCNC_PROGRESS=1/0 forces "
         "it). See docs/cli.md.\n\n"
         "Example: `lcnc templates use support_triage -o triage.json && lcnc run triage.json -i ticket=\"My invoice is wrong\"`",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)


@app.command()
def serve(
    services: Annotated[str, typer.Option(help="Comma-separated roles to serve; all by default.")] = "",
    host: Annotated[str | None, typer.Option(help="Address to bind (default from HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from PORT, 8000).")] = None,
) -> None:
    """Serve the platform API.

    Example: `lcnc serve --services workflow,tools --port 8001`
    """
    from builder.startup import load_settings, run_server

    overrides = {"services": [s.strip() for s in services.split(",") if s.strip()]} if services else {}
    run_server(load_settings(**overrides), host=host, port=port)


@app.command()
def migrate() -> None:
    """Apply the database migrations (`alembic upgrade head`) to DATABASE_URL.

    Example: `DATABASE_URL=postgresql://postgres@127.0.0.1:5432/lcnc lcnc migrate`
    """
    from builder.db.migrate import upgrade_database
    from builder.settings import Settings

    upgrade_database(Settings())
    typer.echo("database is at the latest schema")


@app.command()
def validate(
    path: Annotated[Path, typer.Argument(help="Graph JSON file (any schema version).", exists=True, dir_okay=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Validate a graph file; exit 0 when it can run, 1 when it has problems, 2 when it cannot be read.

    Example: `lcnc validate tests/fixtures/graphs/linear_transform.json`
    """
    try:
        spec = load_graph(path.read_bytes())
    except DocumentError as exc:
        _fail_read(as_json, [{"loc": [exc.location], "msg": str(exc)}])
    except ValidationError as exc:
        _fail_read(as_json, [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors(include_input=False)])
    issues = validate_graph(spec)
    if as_json:
        typer.echo(json.dumps({"valid": not issues, "errors": [i.model_dump() for i in issues]}, indent=2))
    elif issues:
        for issue in issues:
            typer.echo(f"{issue.level}: {issue}  [{issue.code}]")
    else:
        typer.echo(f"ok: '{spec.name}' ({len(spec.nodes)} nodes, {len(spec.edges)} edges) is valid")
    raise typer.Exit(1 if issues else 0)


def _fail_read(as_json: bool, errors: list[dict]) -> None:
    if as_json:
        typer.echo(json.dumps({"valid": False, "errors": errors}, indent=2))
    else:
        for error in errors:
            typer.echo(f"error: {'.'.join(map(str, error['loc']))}: {error['msg']}", err=True)
    raise typer.Exit(2)


@app.command()
def schema(
    write: Annotated[bool, typer.Option("--write", help="Rewrite the committed schema file.")] = False,
    check: Annotated[bool, typer.Option("--check", help="Exit 1 when the committed file is stale.")] = False,
) -> None:
    """Print, write or check the GraphSpec JSON Schema.

    Example: `lcnc schema --check` (exit 1 when runtime/spec/graph.schema.json is stale)
    """
    if write:
        typer.echo(f"wrote {write_schema()}")
    elif check:
        fresh = SCHEMA_PATH.exists() and SCHEMA_PATH.read_text(encoding="utf-8") == render_schema()
        typer.echo("schema is fresh" if fresh else f"{SCHEMA_PATH} is stale: run `lcnc schema --write`")
        raise typer.Exit(0 if fresh else 1)
    else:
        sys.stdout.write(render_schema())


import builder.auth.cli  # noqa: E402,F401 - registers `lcnc user create`
import builder.cli_export  # noqa: E402,F401 - registers `lcnc export`
import builder.cli_run  # noqa: E402,F401 - registers `lcnc run`
import builder.cli_worker  # noqa: E402,F401 - registers `lcnc worker` and `lcnc up`
import builder.openapi_dump  # noqa: E402,F401 - registers `lcnc openapi`


@app.command()
def docs(
    write: Annotated[bool, typer.Option("--write", help="Rewrite docs/reference/node-kinds.md.")] = False,
    check: Annotated[bool, typer.Option("--check", help="Exit 1 when the committed page is stale.")] = False,
) -> None:
    """Print, write or check the node-kind reference generated from the registry.

    Example: `lcnc docs --check`
    """
    from builder.reference import REFERENCE_PATH, render_node_reference, write_node_reference

    if write:
        typer.echo(f"wrote {write_node_reference()}")
    elif check:
        fresh = REFERENCE_PATH.exists() and REFERENCE_PATH.read_text(encoding="utf-8") == render_node_reference()
        typer.echo("node-kind reference is fresh" if fresh else f"{REFERENCE_PATH} is stale: run `lcnc docs --write`")
        raise typer.Exit(0 if fresh else 1)
    else:
        sys.stdout.write(render_node_reference())


import builder.agents.cli  # noqa: E402,F401 - registers `lcnc templates`
import builder.cli_model  # noqa: E402,F401 - registers `lcnc model`
import builder.cli_rag  # noqa: E402,F401 - registers `lcnc rag`
import builder.deploy.cli  # noqa: E402,F401 - registers `lcnc deploy`

if __name__ == "__main__":
    app()
