"""Ingesting documents into a workspace's collection: one now, or many as a background job with progress."""

from __future__ import annotations

import asyncio
import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from builder.db.models import RagCollection, RagDocument, RagJob
from builder.errors import ApiError, NotFound
from builder.settings import Settings
from builder.tools.services import rag_store
from runtime.nodes._rag import ExtractError, RagError, extract_text

log = logging.getLogger(__name__)
_TASKS: set[asyncio.Task[Any]] = set()  # keep background jobs referenced until they finish


async def get_collection(session: AsyncSession, workspace_id: str, name: str) -> RagCollection:
    row = await session.get(RagCollection, (workspace_id, name))
    if row is None:
        raise NotFound(f"collection '{name}'")
    return row


async def ingest_bytes(session: AsyncSession, settings: Settings, *, workspace_id: str, collection: RagCollection,
                       data: bytes, filename: str, content_type: str | None, job_id: str | None = None,
                       metadata: dict[str, Any] | None = None) -> RagDocument:
    """Extract, chunk, embed and store one document; the row says how it went (failed rows keep the error)."""
    document = RagDocument(workspace_id=workspace_id, collection=collection.name, source=filename[:1000],
                           size_bytes=len(data), status="pending", job_id=job_id)
    session.add(document)
    await session.flush()
    try:
        text, kind, extra = extract_text(data, filename=filename, content_type=content_type)
        document.kind = kind
        if not text.strip():
            raise ExtractError("the document has no text")
        added = await rag_store(settings, workspace_id).add_document(
            collection.name, text, source=filename, document_id=document.id,
            metadata={**(metadata or {}), **extra, "kind": kind}, chunk_size=collection.chunk_size,
            chunk_overlap=collection.chunk_overlap)
        document.chunks = added["chunks"]
        document.status = "ready"
    except (ExtractError, RagError) as exc:
        document.status, document.error = "failed", str(exc)
    await session.commit()
    return document


async def start_job(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, *, workspace_id: str,
                    user_id: str, collection: str, files: list[tuple[Path, str, str | None]], folder: Path) -> RagJob:
    """Record a job for files already saved in ``folder`` and process them in the background."""
    async with sessionmaker() as session:
        job = RagJob(workspace_id=workspace_id, collection=collection, status="queued", total=len(files),
                     errors=[], created_by=user_id)
        session.add(job)
        await session.commit()
        await session.refresh(job)
    task = asyncio.create_task(_run_job(sessionmaker, settings, job.id, files, folder))
    _TASKS.add(task)
    task.add_done_callback(_TASKS.discard)
    return job


async def _run_job(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, job_id: str,
                   files: list[tuple[Path, str, str | None]], folder: Path) -> None:
    try:
        async with sessionmaker() as session:
            job = await session.get(RagJob, job_id)
            assert job is not None
            job.status = "running"
            await session.commit()
            collection = await get_collection(session, job.workspace_id, job.collection)
            for path, filename, content_type in files:
                data = await asyncio.to_thread(path.read_bytes)
                document = await ingest_bytes(session, settings, workspace_id=job.workspace_id, collection=collection,
                                              data=data, filename=filename, content_type=content_type, job_id=job_id)
                job.done += 1
                if document.status == "failed":
                    job.failed += 1
                    job.errors = [*job.errors, {"source": filename, "error": document.error}]
                await session.commit()
            job.status = "succeeded" if job.failed == 0 else ("failed" if job.failed == job.total else "partial")
            job.finished_at = datetime.now(UTC)
            await session.commit()
    except Exception as exc:  # the job fails, the service keeps running
        log.exception("rag ingest job %s failed", job_id)
        async with sessionmaker() as session:
            job = await session.get(RagJob, job_id)
            if job is not None:
                job.status = "failed"
                job.errors = [*job.errors, {"source": None, "error": f"{type(exc).__name__}: {exc}"}]
                job.finished_at = datetime.now(UTC)
                await session.commit()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def delete_document(session: AsyncSession, settings: Settings, workspace_id: str, collection: str,
                          document_id: str) -> int:
    row = await session.get(RagDocument, document_id)
    if row is None or row.workspace_id != workspace_id or row.collection != collection:
        raise NotFound(f"document '{document_id}'")
    try:
        removed = await rag_store(settings, workspace_id).delete_document(collection, document_id)
    except RagError as exc:
        raise ApiError(409, str(exc)) from exc
    await session.delete(row)
    await session.commit()
    return removed


async def documents_of(session: AsyncSession, workspace_id: str, collection: str) -> list[RagDocument]:
    return list((await session.execute(
        select(RagDocument).where(RagDocument.workspace_id == workspace_id, RagDocument.collection == collection)
        .order_by(RagDocument.created_at))).scalars())
