"""Exceptions the API raises on purpose, and the handlers that turn every failure into a clear 4xx."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError

from runtime.spec import DocumentError
from runtime.validate import ValidationIssue

log = logging.getLogger("lcnc.api")


class ApiError(Exception):
    """An error with an HTTP status and a message meant for the person who sent the request."""

    def __init__(self, status_code: int, detail: str, errors: list[Any] | None = None) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.errors = errors or []


class NotFound(ApiError):
    def __init__(self, what: str) -> None:
        super().__init__(404, f"{what} not found")


class Conflict(ApiError):
    def __init__(self, detail: str) -> None:
        super().__init__(409, detail)


class InvalidGraph(ApiError):
    def __init__(self, issues: list[ValidationIssue], detail: str = "the graph is not valid") -> None:
        super().__init__(422, detail, [issue.model_dump() for issue in issues])


def _body(detail: str, errors: list[Any]) -> dict[str, Any]:
    return {"detail": detail, "errors": jsonable_encoder(errors)}


def pydantic_errors(exc: ValidationError, prefix: tuple[str, ...] = ("body",)) -> list[dict[str, Any]]:
    """Pydantic errors as plain dicts without echoing the (possibly huge) input back."""
    return [
        {"loc": [*prefix, *error["loc"]], "msg": error["msg"], "type": error["type"]}
        for error in exc.errors(include_url=False, include_input=False)
    ]


# How SQLite says another connection holds the write lock past the busy timeout (or that waiting would deadlock).
_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")
BUSY_RETRY_AFTER_S = 1


def is_database_busy(exc: BaseException) -> bool:
    """Whether ``exc`` is the embedded SQLite database refusing a write because another process is writing."""
    return isinstance(exc, OperationalError) and any(text in str(exc.orig) for text in _SQLITE_BUSY)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(OperationalError)
    async def _database_busy(request: Request, exc: OperationalError) -> JSONResponse:
        if not is_database_busy(exc):
            raise exc  # a real fault: the server error handler logs it and answers 500
        log.warning("%s %s: the SQLite database stayed locked by another writer; answered 503", request.method,
                    request.url.path)
        detail = "the embedded database is busy with another process's writes; try again in a moment"
        return JSONResponse(status_code=503, content=_body(detail, [{"loc": ["database"], "msg": str(exc.orig)}]),
                            headers={"Retry-After": str(BUSY_RETRY_AFTER_S)})

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(status_code=exc.status_code, content=_body(exc.detail, exc.errors))

    @app.exception_handler(DocumentError)
    async def _document_error(_request: Request, exc: DocumentError) -> JSONResponse:
        status = 413 if "bytes; the limit" in str(exc) else 422
        return JSONResponse(status_code=status, content=_body(str(exc), [{"loc": [exc.location], "msg": str(exc)}]))

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(error.get("loc", ())), "msg": error.get("msg", ""), "type": error.get("type", "")}
            for error in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where = ".".join(str(part) for part in first["loc"])
        return JSONResponse(status_code=422, content=_body(f"{where}: {first['msg']}", errors))

    @app.exception_handler(ValidationError)
    async def _model_invalid(_request: Request, exc: ValidationError) -> JSONResponse:
        errors = pydantic_errors(exc)
        first = errors[0]
        return JSONResponse(
            status_code=422, content=_body(f"{'.'.join(map(str, first['loc']))}: {first['msg']}", errors)
        )


ERROR_BODY_SCHEMA = {
    "title": "ErrorBody",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {"type": "string", "title": "Detail"},
        "errors": {"type": "array", "title": "Errors", "items": {"type": "object"}},
    },
}


def document_error_body(app: FastAPI) -> None:
    """Make the OpenAPI document describe 422 bodies as they are sent: ``{detail, errors}``."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        schema = original()
        schemas = schema.get("components", {}).get("schemas", {})
        if "HTTPValidationError" in schemas:
            schemas["HTTPValidationError"] = ERROR_BODY_SCHEMA
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
