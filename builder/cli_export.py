"""`lcnc export`: a graph file becomes a standalone project folder or a zip."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError

from builder.cli import app
from builder.cli_progress import CliProgress
from codegen.errors import ExportError
from codegen.naming import dns_label
from codegen.options import ProjectOptions, parse_http_tools
from codegen.render import render_project
from codegen.writer import write_folder, write_zip
from runtime.spec import DocumentError, load_graph, load_graph_folder


def _fail(message: str, errors: list[dict] | None = None, as_json: bool = False) -> NoReturn:
    """Bad input (unreadable file, invalid graph, wrong options): exit 2, nothing written."""
    if as_json:
        typer.echo(json.dumps({"ok": False, "detail": message, "errors": errors or []}, indent=2))
    else:
        typer.echo(f"error: {message}", err=True)
        for error in errors or []:
            where = error.get("node_id") or ".".join(map(str, error.get("loc", [])))
            typer.echo(f"  {error.get('level', 'error')}: {where}: {error.get('message') or error.get('msg')}", err=True)
    raise typer.Exit(2)


@app.command("export")
def export_project(
    path: Annotated[Path, typer.Argument(help="Graph JSON file (any schema version).", exists=True, dir_okay=False)],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Project folder to create or update.")] = None,
    zip_file: Annotated[Path | None, typer.Option("--zip", help="Write the project as this zip file.")] = None,
    name: Annotated[str | None, typer.Option(help="Project and Kubernetes name (default: the graph id).")] = None,
    image: Annotated[str | None, typer.Option(help="Container image (default: NAME:VERSION).")] = None,
    graphs: Annotated[Path | None, typer.Option(help="Folder of graph JSON files that subgraph nodes and graph "
                                                     "tools (graph.<id>) refer to.",
                                                exists=True, file_okay=False)] = None,
    tools: Annotated[Path | None, typer.Option(help="JSON file of the HTTP tools the graph calls: {\"http.<name>\": "
                                                    "{method, url, ...}} or the list GET /api/tools/http answers.",
                                               exists=True, dir_okay=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON (no progress).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
) -> None:
    """Export a graph as a standalone FastAPI + LangGraph service with Dockerfile and Kubernetes manifests.

    Regenerating into an existing folder rewrites only the files its `lcnc-manifest.json` lists and never
    touches `app/custom/` or files you added. Exit 0 when written; 2 when the file cannot be read or the graph
    cannot be exported (each problem names its node; nothing is written); 1 when writing failed.

    Examples:

    * `lcnc export tests/fixtures/graphs/router.json -o ./triage`
    * `lcnc export graph.json --zip triage.zip --name triage --json | jq .files`
    * `lcnc export agent.json -o agent --tools tools.json` (the HTTP tools its agents call, e.g. the answer of
      `GET /api/tools/http`; an unknown tool exits 2 naming the node and the tool)
    """
    if (out is None) == (zip_file is None):
        _fail("give exactly one of --out DIR or --zip FILE", as_json=as_json)
    progress = CliProgress.for_command(as_json=as_json, quiet=quiet)
    try:
        spec = load_graph(path.read_bytes())
        saved = {} if graphs is None else load_graph_folder(graphs)
        http_tools = parse_http_tools(tools.read_text(encoding="utf-8")) if tools else {}
        options = ProjectOptions(name=name, image=image, subgraphs=saved, http_tools=http_tools)
    except DocumentError as exc:
        _fail(str(exc), [{"loc": [exc.location], "msg": str(exc)}], as_json)
    except ValidationError as exc:
        errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors(include_input=False)]
        _fail("the graph document is not valid", errors, as_json)
    except ValueError as exc:  # the tools file
        _fail(str(exc), [{"loc": ["tools"], "msg": str(exc)}], as_json)
    try:
        with progress.step(f"rendering '{spec.name}'") as step:
            files = render_project(spec, options)
            step.description = f"rendered '{spec.name}' ({len(files)} files)"
    except ExportError as exc:
        _fail(str(exc), [issue.model_dump() for issue in exc.issues], as_json)
    try:
        if zip_file is not None:
            with progress.step(f"writing {zip_file}"):
                write_zip(files, zip_file, root=dns_label(name or spec.id))
            result: dict = {"ok": True, "zip": str(zip_file), "files": len(files)}
            message = f"wrote {zip_file} ({len(files)} files)"
        else:
            assert out is not None
            with progress.step(f"writing {out}"):
                report = write_folder(files, out)
            result = {"ok": True, "folder": str(out), "written": report.written, "unchanged": len(report.unchanged),
                      "removed": report.removed, "kept": report.kept}
            message = (f"exported '{spec.name}' to {out}: {len(report.written)} written, {len(report.unchanged)} "
                       f"unchanged, {len(report.removed)} removed, {len(report.kept)} of yours kept")
    except OSError as exc:
        if as_json:
            typer.echo(json.dumps({"ok": False, "detail": f"cannot write the project: {exc}", "errors": []}, indent=2))
        else:
            typer.echo(f"error: cannot write the project: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(json.dumps(result, indent=2) if as_json else message)
