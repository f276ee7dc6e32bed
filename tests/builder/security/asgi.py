"""Sending a request straight to the ASGI app, with the exact `path` and `raw_path` a server would pass
(HTTP clients normalise `..` and percent-encoding away, which is what these tests must not do)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from fastapi.testclient import TestClient


async def _call(app: Any, method: str, raw_path: bytes, headers: list[tuple[bytes, bytes]], body: bytes,
                client: str = "127.0.0.1") -> int:
    path = unquote(raw_path.decode("latin-1"))  # what uvicorn does: path is the percent-decoded raw path
    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
        "method": method, "scheme": "http", "path": path, "raw_path": raw_path, "root_path": "",
        "query_string": b"", "client": (client, 50000), "server": ("testserver", 80), "state": {},
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()), *headers],
    }
    sent = False
    status: list[int] = []

    async def receive() -> dict:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope, receive, send)
    return status[0]


def raw_request(test_client: TestClient, method: str, raw_path: str, *, headers: dict[str, str] | None = None,
                body: bytes = b"{}", client: str = "127.0.0.1") -> int:
    """The status the app answers for ``raw_path`` sent verbatim (lifespan of ``client`` running)."""
    encoded = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    return test_client.portal.call(_call, test_client.app, method, raw_path.encode("latin-1"), encoded,
                              body if method not in ("GET", "HEAD", "DELETE") else b"", client)
