"""`lcnc rag ingest`: put document files into a collection of the local workspace, with progress."""

from __future__ import annotations

import asyncio
import json
import mimetypes
import os
import re
from pathlib import Path
from typing import Annotated, Any

import typer

from builder.cli import app
from builder.cli_progress import CliProgress
from runtime.spec.models import IDENT_PATTERN

rag_app = typer.Typer(
    help="RAG collections of the local workspace (the same ones the editor's RAG panel and rag nodes use).\n\n"
         "Example: `lcnc rag ingest handbook docs/*.md`",
    no_args_is_help=True, rich_markup_mode="markdown",
)
app.add_typer(rag_app, name="rag")


def _bad_input(message: str, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"ok": False, "error": message}))
    else:
        typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _files(paths: list[Path]) -> list[Path]:
    """The given files, and the files directly inside given folders (sorted, hidden ones skipped)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in sorted(path.iterdir()) if p.is_file() and not p.name.startswith("."))
        else:
            found.append(path)
    return found


@rag_app.command("ingest")
def ingest(
    collection: Annotated[str, typer.Argument(help="Collection name (created when missing, unless --no-create).")],
    paths: Annotated[list[Path], typer.Argument(help="Files (text, Markdown, HTML, PDF...) or folders of them.",
                                                exists=True)],
    create: Annotated[bool, typer.Option("--create/--no-create", help="Create the collection when missing.")] = True,
    chunk_size: Annotated[int, typer.Option(min=50, max=20_000, help="Characters per chunk (new collection).")] = 800,
    chunk_overlap: Annotated[int, typer.Option(min=0, max=10_000, help="Overlap of chunks (new collection).")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print {ok, collection, created, documents} as JSON "
                                                         "(no progress).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
) -> None:
    """Extract, chunk, embed and store documents in a collection of the local workspace (DATABASE_URL, DATA_DIR).

    Each file becomes one document; one that cannot be read is reported and the others go on. Exit 0 when every
    document is stored, 1 when some failed, 2 for bad input (no files, bad collection name, unknown collection
    with --no-create, not in local mode).

    Examples:

    * `lcnc rag ingest handbook docs/quickstart.md docs/concepts.md`
    * `lcnc rag ingest handbook ./pdfs --json | jq '.documents[] | select(.status == "failed")'`
    """
    from builder.startup import load_settings

    if not re.fullmatch(IDENT_PATTERN, collection):
        _bad_input(f"invalid collection name '{collection}': use letters, digits, '_' and '-'", as_json)
    if chunk_overlap >= chunk_size:
        _bad_input("--chunk-overlap must be smaller than --chunk-size", as_json)
    files = _files(paths)
    if not files:
        _bad_input("no files to ingest", as_json)
    settings = load_settings()
    if not settings.local_mode:
        _bad_input("`lcnc rag ingest` writes to the local workspace: set LOCAL_MODE=true, or upload through the "
                   "API (POST /api/rag/collections/{name}/documents)", as_json)
    progress = CliProgress.for_command(as_json=as_json, quiet=quiet)
    result = asyncio.run(_ingest(settings, collection, files, create=create, chunk_size=chunk_size,
                                 chunk_overlap=chunk_overlap, progress=progress))
    if "error" in result:
        _bad_input(result["error"], as_json)
    failed = [doc for doc in result["documents"] if doc["status"] != "ready"]
    if as_json:
        typer.echo(json.dumps({"ok": not failed, **result}, ensure_ascii=False, indent=2))
    else:
        for doc in result["documents"]:
            detail = f"{doc['chunks']} chunks" if doc["status"] == "ready" else doc["error"]
            typer.echo(f"{doc['status']}: {doc['source']} ({detail})")
        typer.echo(f"collection '{collection}': {len(result['documents']) - len(failed)} stored, {len(failed)} failed")
    raise typer.Exit(1 if failed else 0)


async def _ingest(settings: Any, name: str, files: list[Path], *, create: bool, chunk_size: int, chunk_overlap: int,
                  progress: CliProgress) -> dict[str, Any]:
    from builder.context import ensure_local_identity
    from builder.db.engine import make_engine, make_sessionmaker
    from builder.db.migrate import upgrade_database
    from builder.db.models import RagCollection
    from builder.rag.ingest import ingest_bytes
    from builder.tools.services import rag_store
    from runtime.nodes._rag import RagError

    # The step below says the embedding model is loading; its own tqdm bar would print even into a pipe.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    with progress.step("opening the platform database"):
        if settings.auto_migrate:
            await asyncio.to_thread(upgrade_database, settings)
        engine = make_engine(settings)
    try:
        sessionmaker = make_sessionmaker(engine)
        ctx = await ensure_local_identity(sessionmaker)
        store = rag_store(settings, ctx.workspace_id)
        async with sessionmaker() as session:
            row = await session.get(RagCollection, (ctx.workspace_id, name))
            created = row is None
            if row is None:
                if not create:
                    return {"error": f"no collection named '{name}' in the local workspace (drop --no-create)"}
                try:
                    await store.create_collection(name)
                except RagError as exc:
                    return {"error": str(exc)}
                row = RagCollection(workspace_id=ctx.workspace_id, name=name, chunk_size=chunk_size,
                                    chunk_overlap=chunk_overlap)
                session.add(row)
                await session.commit()
                await session.refresh(row)
            with progress.step(f"loading the embedding model ({store.embedder.name})"):
                await asyncio.to_thread(store.embedder.embed, ["warm-up"])
            documents = []
            for path in progress.track(files, total=len(files), description=f"ingesting into '{name}'"):
                data = await asyncio.to_thread(path.read_bytes)
                content_type = mimetypes.guess_type(path.name)[0]
                document = await ingest_bytes(session, settings, workspace_id=ctx.workspace_id, collection=row,
                                              data=data, filename=path.name, content_type=content_type)
                documents.append({"id": document.id, "source": str(path), "status": document.status,
                                  "chunks": document.chunks, "error": document.error})
        return {"collection": name, "created": created, "documents": documents}
    finally:
        await engine.dispose()
