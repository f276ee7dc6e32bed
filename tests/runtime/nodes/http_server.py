"""A real HTTP server on 127.0.0.1 for the HTTP node tests (runs in a thread, random port)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class Recorder:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.flaky_left = 0


def _handler(recorder: Recorder) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, content_type: str = "application/json", **headers: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(body)

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            recorder.requests.append({"method": self.command, "path": parts.path, "query": parse_qs(parts.query),
                                      "headers": dict(self.headers), "body": body.decode()})
            if parts.path == "/echo":
                payload = {"method": self.command, "query": parse_qs(parts.query), "body": body.decode(),
                           "host": self.headers.get("Host"), "auth": self.headers.get("Authorization")}
                self._send(200, json.dumps(payload).encode())
            elif parts.path == "/big":
                self._send(200, b"x" * 2_000_000, "text/plain")
            elif parts.path == "/chunked":
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for _ in range(50):
                    chunk = b"y" * 10_000
                    self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            elif parts.path == "/slow":
                time.sleep(float(parse_qs(parts.query).get("s", ["2"])[0]))
                self._send(200, b'{"slow": true}')
            elif parts.path == "/flaky":
                if recorder.flaky_left > 0:
                    recorder.flaky_left -= 1
                    self._send(503, b'{"error": "busy"}')
                else:
                    self._send(200, b'{"ok": true}')
            elif parts.path == "/redirect":
                target = parse_qs(parts.query)["to"][0]
                self._send(302, b"", "text/plain", Location=target)
            else:
                self._send(404, b'{"error": "not found"}')

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

    return Handler


@contextmanager
def serve() -> Iterator[tuple[str, Recorder]]:
    """(base URL, recorder) of a fresh server; stopped on exit."""
    recorder = Recorder()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(recorder))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", recorder
    finally:
        server.shutdown()
        server.server_close()
