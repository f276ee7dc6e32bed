"""`lcnc templates`: list the starter graphs and write one to a file to edit, validate, run or export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from builder.cli import app

templates_app = typer.Typer(
    help="Starter graphs: RAG Q&A, SQL analyst, support triage, supervisor team, approval, MCP, HTTP, ingestion.\n\n"
         "Example: `lcnc templates list` then `lcnc templates use rag_qa -o rag_qa.json`",
    no_args_is_help=True, rich_markup_mode="markdown",
)
app.add_typer(templates_app, name="templates")


@templates_app.command("list")
def list_templates(
    as_json: Annotated[bool, typer.Option("--json", help="Print the list as JSON.")] = False,
) -> None:
    """List the starter graphs (id, category, title, what they need).

    Example: `lcnc templates list --json | jq -r '.[].id'`
    """
    from builder.starters import templates

    items = [t.summary() for t in templates().values()]
    if as_json:
        typer.echo(json.dumps(items, indent=2, ensure_ascii=False))
        return
    width = max(len(item["id"]) for item in items)
    for item in items:
        needs = f"  (needs: {', '.join(item['needs'])})" if item["needs"] else ""
        typer.echo(f"{item['id']:<{width}}  {item['category']:<12}  {item['title']}{needs}")


@templates_app.command("use")
def use_template(
    template_id: Annotated[str, typer.Argument(metavar="ID", help="Template id (see `lcnc templates list`).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Graph JSON file to write.", dir_okay=False)],
    graph_id: Annotated[str | None, typer.Option("--id", help="Id of the new graph (default: the template's).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print {id, path, template} as JSON.")] = False,
) -> None:
    """Write a starter graph to a file; exit 2 for an unknown template or when the file exists (without --force).

    Example: `lcnc templates use support_triage -o triage.json && lcnc validate triage.json`
    """
    from pydantic import ValidationError

    from builder.starters import get_template, load_spec

    if get_template(template_id) is None:
        typer.echo(f"error: unknown template '{template_id}'; see `lcnc templates list`", err=True)
        raise typer.Exit(2)
    if output.exists() and not force:
        typer.echo(f"error: {output} exists; pass --force to overwrite it", err=True)
        raise typer.Exit(2)
    spec = load_spec(template_id)
    if graph_id:
        try:
            spec = type(spec).model_validate({**spec.model_dump(mode="json"), "id": graph_id})
        except ValidationError as exc:
            typer.echo(f"error: --id: {exc.errors(include_url=False)[0]['msg']}", err=True)
            raise typer.Exit(2) from exc
    output.write_text(json.dumps(spec.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    if as_json:
        typer.echo(json.dumps({"id": spec.id, "path": str(output), "template": template_id}))
    else:
        typer.echo(f"wrote {output} (graph '{spec.id}' from template '{template_id}')")
