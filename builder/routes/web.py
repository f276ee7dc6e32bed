"""Serves the built web editor (web/dist) at `/`, with a fallback to index.html for client-side routes."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

DIST_DIR = Path(__file__).resolve().parents[2] / "web" / "dist"

_NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>lcnc</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>lcnc is running</h1>
<p>The API is up (<a href="/docs">/docs</a>), but the web editor has not been built yet.</p>
<p>Build it once with:</p>
<pre style="background:#f3f3f3; padding: 1rem">cd web &amp;&amp; npm ci &amp;&amp; npm run build</pre>
<p>then reload this page.</p>
</body></html>
"""


def web_router(dist_dir: Path = DIST_DIR) -> APIRouter:
    """Routes that serve ``dist_dir``; paths under /api/ never fall back to the app."""
    router = APIRouter(include_in_schema=False)
    root = dist_dir.resolve()

    @router.get("/{path:path}")
    async def web(path: str, request: Request) -> Response:
        if path == "api" or path.startswith("api/"):
            return JSONResponse({"detail": f"{request.url.path} not found", "errors": []}, status_code=404)
        index = root / "index.html"
        if not index.is_file():
            return HTMLResponse(_NOT_BUILT)
        if path:
            candidate = (root / path).resolve()
            # Refuse anything that escapes dist/ (`..`, symlinks); unknown paths are client routes.
            if candidate.is_relative_to(root) and candidate.is_file():
                cache = "public, max-age=31536000, immutable" if path.startswith("assets/") else "no-cache"
                return FileResponse(candidate, headers={"Cache-Control": cache})
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    return router
