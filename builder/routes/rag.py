"""RAG API (role rag): collections, document upload (one, or many as a background job), delete, search."""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime
from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, UploadFile, status
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import delete, func, select
from starlette.datastructures import UploadFile as StarletteUpload

from builder.auth.roles import EditorDep
from builder.db.models import RagCollection, RagDocument, RagJob
from builder.deps import ContextDep, SessionDep, SettingsDep
from builder.errors import ApiError, Conflict, NotFound
from builder.rag import ingest
from builder.tools.services import rag_store
from runtime.nodes._rag import RagError
from runtime.spec.models import IDENT_PATTERN

router = APIRouter(prefix="/api/rag", tags=["rag"])
Name = Annotated[str, Path(pattern=IDENT_PATTERN, description="Collection name.")]
MAX_FILES_PER_JOB = 500
READ_CHUNK = 1024 * 1024


class CollectionCreate(BaseModel):
    name: str = Field(pattern=IDENT_PATTERN)
    description: str = Field(default="", max_length=1000)
    chunk_size: int = Field(default=800, ge=50, le=20_000)
    chunk_overlap: int = Field(default=100, ge=0, le=10_000)

    @model_validator(mode="after")
    def _overlap_below_size(self) -> CollectionCreate:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError("chunk_overlap must be smaller than chunk_size")
        return self


class CollectionPublic(BaseModel):
    name: str
    description: str
    chunk_size: int
    chunk_overlap: int
    documents: int = 0
    created_at: datetime


class DocumentPublic(BaseModel):
    id: str
    collection: str
    source: str
    kind: str
    size_bytes: int
    chunks: int
    status: str
    error: str | None
    job_id: str | None
    created_at: datetime


class TextDocument(BaseModel):
    text: str = Field(min_length=1, max_length=5_000_000)
    source: str = Field(default="", max_length=1000)
    metadata: dict[str, str | int | float | bool] = Field(default_factory=dict)


class JobPublic(BaseModel):
    id: str
    collection: str
    status: str
    total: int
    done: int
    failed: int
    errors: list[Any]
    created_at: datetime
    finished_at: datetime | None


class SearchRequest(BaseModel):
    query: str = Field(min_length=1, max_length=10_000)
    top_k: int = Field(default=4, ge=1, le=100)
    score_threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    filter: dict[str, Any] = Field(default_factory=dict)


def _collection(row: RagCollection, documents: int = 0) -> CollectionPublic:
    return CollectionPublic(name=row.name, description=row.description, chunk_size=row.chunk_size,
                            chunk_overlap=row.chunk_overlap, documents=documents, created_at=row.created_at)


def _document(row: RagDocument) -> DocumentPublic:
    return DocumentPublic.model_validate(row, from_attributes=True)


def _job(row: RagJob) -> JobPublic:
    return JobPublic.model_validate(row, from_attributes=True)


async def _read_capped(upload: UploadFile, limit: int) -> bytes:
    """The upload's bytes, refusing with 413 as soon as it passes ``limit`` (never read whole first)."""
    chunks, size = [], 0
    while chunk := await upload.read(READ_CHUNK):
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"'{upload.filename}' is larger than the upload limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/collections", status_code=status.HTTP_201_CREATED, response_model=CollectionPublic,
             summary="Create a collection")
async def create_collection(body: CollectionCreate, session: SessionDep, ctx: EditorDep,
                            settings: SettingsDep) -> CollectionPublic:
    if await session.get(RagCollection, (ctx.workspace_id, body.name)) is not None:
        raise Conflict(f"a collection named '{body.name}' exists")
    try:
        await rag_store(settings, ctx.workspace_id).create_collection(body.name)
    except RagError as exc:
        raise ApiError(422, str(exc)) from exc
    row = RagCollection(workspace_id=ctx.workspace_id, name=body.name, description=body.description,
                        chunk_size=body.chunk_size, chunk_overlap=body.chunk_overlap)
    session.add(row)
    await session.commit()
    await session.refresh(row)
    return _collection(row)


@router.get("/collections", response_model=list[CollectionPublic], summary="List collections")
async def list_collections(session: SessionDep, ctx: ContextDep) -> list[CollectionPublic]:
    counts = dict((await session.execute(
        select(RagDocument.collection, func.count()).where(RagDocument.workspace_id == ctx.workspace_id)
        .group_by(RagDocument.collection))).all())
    rows = (await session.execute(select(RagCollection).where(RagCollection.workspace_id == ctx.workspace_id)
                                  .order_by(RagCollection.name))).scalars()
    return [_collection(row, counts.get(row.name, 0)) for row in rows]


@router.get("/collections/{name}", response_model=CollectionPublic, summary="One collection")
async def get_collection(name: Name, session: SessionDep, ctx: ContextDep) -> CollectionPublic:
    row = await ingest.get_collection(session, ctx.workspace_id, name)
    return _collection(row, len(await ingest.documents_of(session, ctx.workspace_id, name)))


@router.delete("/collections/{name}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Delete a collection, its documents and chunks")
async def delete_collection(name: Name, session: SessionDep, ctx: EditorDep, settings: SettingsDep) -> None:
    row = await ingest.get_collection(session, ctx.workspace_id, name)
    try:
        await rag_store(settings, ctx.workspace_id).delete_collection(name)
    except RagError:
        pass  # already gone from Chroma: still remove the rows
    await session.execute(delete(RagDocument).where(RagDocument.workspace_id == ctx.workspace_id,
                                                    RagDocument.collection == name))
    await session.delete(row)
    await session.commit()


@router.get("/collections/{name}/documents", response_model=list[DocumentPublic], summary="Documents")
async def list_documents(name: Name, session: SessionDep, ctx: ContextDep) -> list[DocumentPublic]:
    await ingest.get_collection(session, ctx.workspace_id, name)
    return [_document(row) for row in await ingest.documents_of(session, ctx.workspace_id, name)]


def _multipart(field: str, many: bool) -> dict[str, Any]:
    item = {"type": "string", "format": "binary"}
    schema = {"type": "array", "items": item} if many else item
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "properties": {field: schema}, "required": [field]}}}}}


async def _uploads(request: Request, field: str) -> list[UploadFile]:
    """The uploaded files of ``field``. The form is parsed here, not by FastAPI, so that the body size limit's
    413 is not turned into a 400 by FastAPI's form error handling."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ApiError(415, f"send the document as multipart/form-data in the field '{field}'")
    form = await request.form(max_files=MAX_FILES_PER_JOB, max_fields=10)
    files = [item for item in form.getlist(field) if isinstance(item, StarletteUpload)]
    if not files:
        raise ApiError(422, f"{field}: no file was sent", [{"loc": ["body", field], "msg": "required"}])
    return files  # type: ignore[return-value]


@router.post("/collections/{name}/documents", status_code=status.HTTP_201_CREATED, response_model=DocumentPublic,
             summary="Upload one document (text, Markdown, HTML or PDF) and ingest it now",
             openapi_extra=_multipart("file", many=False))
async def upload_document(name: Name, request: Request, session: SessionDep, ctx: EditorDep,
                          settings: SettingsDep) -> DocumentPublic:
    collection = await ingest.get_collection(session, ctx.workspace_id, name)
    file = (await _uploads(request, "file"))[0]
    data = await _read_capped(file, settings.rag_max_upload_bytes)
    document = await ingest.ingest_bytes(session, settings, workspace_id=ctx.workspace_id, collection=collection,
                                         data=data, filename=file.filename or "upload", content_type=file.content_type)
    if document.status == "failed":
        await session.delete(document)
        await session.commit()
        raise ApiError(422, f"'{file.filename}': {document.error}", [{"loc": ["body", "file"], "msg": document.error}])
    return _document(document)


@router.post("/collections/{name}/documents/text", status_code=status.HTTP_201_CREATED,
             response_model=DocumentPublic, summary="Ingest text sent as JSON")
async def add_text(name: Name, body: TextDocument, session: SessionDep, ctx: EditorDep,
                   settings: SettingsDep) -> DocumentPublic:
    collection = await ingest.get_collection(session, ctx.workspace_id, name)
    document = await ingest.ingest_bytes(session, settings, workspace_id=ctx.workspace_id, collection=collection,
                                         data=body.text.encode(), filename=body.source or "text",
                                         content_type="text/plain", metadata=body.metadata)
    if document.status == "failed":
        raise ApiError(422, document.error or "the text could not be ingested")
    return _document(document)


@router.delete("/collections/{name}/documents/{document_id}", summary="Delete a document and its chunks")
async def delete_document(name: Name, document_id: str, session: SessionDep, ctx: EditorDep,
                          settings: SettingsDep) -> dict[str, Any]:
    removed = await ingest.delete_document(session, settings, ctx.workspace_id, name, document_id)
    return {"id": document_id, "chunks_removed": removed}


@router.post("/collections/{name}/jobs", status_code=status.HTTP_202_ACCEPTED, response_model=JobPublic,
             summary="Ingest many documents in the background; poll the job for progress",
             openapi_extra=_multipart("files", many=True))
async def start_job(name: Name, request: Request, session: SessionDep, ctx: EditorDep,
                    settings: SettingsDep) -> JobPublic:
    await ingest.get_collection(session, ctx.workspace_id, name)
    files = await _uploads(request, "files")
    root = settings.data_dir / "rag-uploads"
    root.mkdir(parents=True, exist_ok=True)
    folder = FsPath(tempfile.mkdtemp(dir=root))
    saved = []
    try:
        for index, upload in enumerate(files):
            data = await _read_capped(upload, settings.rag_max_upload_bytes)
            path = folder / f"{index:05d}"
            path.write_bytes(data)
            saved.append((path, upload.filename or f"file-{index}", upload.content_type))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    job = await ingest.start_job(request.app.state.sessionmaker, settings, workspace_id=ctx.workspace_id,
                                 user_id=ctx.user_id, collection=name, files=saved, folder=folder)
    return _job(job)


@router.get("/jobs/{job_id}", response_model=JobPublic, summary="Progress of an ingest job")
async def get_job(job_id: str, session: SessionDep, ctx: ContextDep) -> JobPublic:
    job = await session.get(RagJob, job_id)
    if job is None or job.workspace_id != ctx.workspace_id:
        raise NotFound(f"job '{job_id}'")
    return _job(job)


@router.post("/collections/{name}/search", summary="Passages nearest to a query, with sources for citing")
async def search(name: Name, body: SearchRequest, session: SessionDep, ctx: ContextDep,
                 settings: SettingsDep) -> dict[str, Any]:
    await ingest.get_collection(session, ctx.workspace_id, name)
    try:
        passages = await rag_store(settings, ctx.workspace_id).search(
            name, body.query, top_k=body.top_k, score_threshold=body.score_threshold, filter=body.filter)
    except RagError as exc:
        raise ApiError(422, str(exc)) from exc
    return {"collection": name, "query": body.query, "results": passages}
