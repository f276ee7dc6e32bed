"""A real MCP server for the tests (mcp 2.x MCPServer): `python mcp_math_server.py stdio` or `... http PORT`."""

from __future__ import annotations

import os
import sys
import time

from mcp.server.mcpserver import MCPServer

server = MCPServer("math")


@server.tool()
def add(a: int, b: int) -> int:
    """Adds two integers."""
    return a + b


@server.tool()
def greet(name: str, punctuation: str = "!") -> str:
    """Greets someone by name."""
    return f"Hello, {name}{punctuation}"


@server.tool()
def stats(numbers: list[float]) -> dict:
    """Count, sum and mean of a list of numbers."""
    return {"count": len(numbers), "sum": sum(numbers), "mean": sum(numbers) / len(numbers) if numbers else None}


@server.tool()
def fail(reason: str) -> str:
    """Always fails with the given reason."""
    raise ValueError(reason)


@server.tool()
def slow(seconds: float) -> str:
    """Sleeps, then answers."""
    time.sleep(seconds)
    return "done"


@server.tool()
def crash() -> str:
    """Kills the server process."""
    os._exit(3)


if __name__ == "__main__":
    if sys.argv[1:2] == ["http"]:
        import uvicorn

        uvicorn.run(server.streamable_http_app(), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
    else:
        server.run("stdio")
